"""Which files of a Hub model repository a measurement loads, so that only those are downloaded.

Hub repos carry much that `from_pretrained` never reads: TensorFlow, Flax and ONNX exports,
pickled duplicates of safetensors weights, fp16/non-EMA variants and single-file checkpoints
(`v1-5-pruned.ckpt`, several GB each in the Stable Diffusion repos). A download follows the
loaders' own rules instead (names: `transformers.utils` SAFE_WEIGHTS_NAME, WEIGHTS_NAME and
their index names; `diffusers.utils.constants` SAFETENSORS_WEIGHTS_NAME, WEIGHTS_NAME):

- transformers (no `model_index.json`): the files at the top of the repo that describe the model
  and its preprocessing: everything there but weights of any framework, exports, media, notes
  and logs (`NOT_DESCRIPTIONS`; tokenizers name their files freely: BERTweet's `bpe.codes`,
  Marian's `source.spm`), and the weights: `model.safetensors` where present, else its shards
  and index, else `pytorch_model.bin`, else its shards and index, as `from_pretrained` without a
  variant looks for them (modeling_utils.py:591-598); the repo's Python code only where the
  model runs remote code;
- diffusers (`model_index.json`): the index, and for each component it names (a null entry is
  a component the pipeline runs without) the same selection inside the component's folder,
  with diffusers' `diffusion_pytorch_model.*` names beside transformers' ones.

Architecture-only models (`weights: random`) get the descriptions and no weights at all. Weight
variants (`model.fp16.safetensors`) are never fetched: no model entry selects one yet. A repo
that offers no weight file the loader reads (only TensorFlow, `.ckpt` or a variant) is refused
before anything is downloaded (`UnloadableRepoError`), not at measurement time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

MODEL_INDEX = "model_index.json"
# Files at a folder's top that never describe the model to its loader.
NOT_DESCRIPTIONS = (
    # weights of any framework, and exports
    *(".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".h5", ".msgpack", ".ot", ".gguf"),
    *(".onnx", ".onnx_data", ".tflite", ".pb", ".keras", ".npz", ".npy", ".pkl", ".nemo"),
    # media, notes, archives
    *(".png", ".jpg", ".jpeg", ".gif", ".webp", ".md", ".zip", ".gz", ".tar"),
)
_STEMS = r"(model|diffusion_pytorch_model)"
_SHARD = r"-\d{5}-of-\d{5}"
SINGLE_SAFETENSORS = re.compile(rf"^{_STEMS}\.safetensors$")
SHARDED_SAFETENSORS = re.compile(rf"^{_STEMS}({_SHARD}\.safetensors|\.safetensors\.index\.json)$")
_PICKLED_STEMS = r"(pytorch_model|diffusion_pytorch_model)"
SINGLE_PICKLED = re.compile(rf"^{_PICKLED_STEMS}\.bin$")
SHARDED_PICKLED = re.compile(rf"^{_PICKLED_STEMS}({_SHARD}\.bin|\.bin\.index\.json)$")
# Shard indexes are fetched with their weights, never as descriptions.
WEIGHT_INDEX = re.compile(r"\.(safetensors|bin)\.index\.json$")


class UnloadableRepoError(ValueError):
    """A repo (or a component of a pipeline) without a weight file its loader reads."""


def files_to_fetch(
    files: Iterable[str],
    weights: str = "pretrained",
    trust_remote_code: bool = False,
    model_index: Mapping[str, Any] | None = None,
) -> list[str]:
    """The repo paths a measurement loads, sorted.

    `files`: every path of the repo at the revision (the Hub's `siblings`); `weights`:
    "pretrained" or "random" (architecture-only: no weight file); `model_index`: the parsed
    `model_index.json` of a diffusers repo (required when the repo has one: its components
    decide which folders are read). Raises ValueError for a diffusers repo without its index,
    UnloadableRepoError (a ValueError) for a repo or component without loadable weights.
    """
    paths = sorted(set(files))
    if MODEL_INDEX not in paths:
        return _folder_files(paths, "", weights, trust_remote_code)
    if model_index is None:
        raise ValueError(f"a diffusers repo: pass the parsed {MODEL_INDEX} as model_index")
    selected = [MODEL_INDEX]
    components = [
        name
        for name, value in model_index.items()
        # not the class name, versions or pipeline options; a null entry is not loaded
        if not name.startswith("_") and isinstance(value, list) and len(value) == 2 and value[0]
    ]
    missing = [name for name in components if not any(p.startswith(f"{name}/") for p in paths)]
    if missing:
        raise UnloadableRepoError(
            f"{MODEL_INDEX} names components the repo has no folder for: "
            f"{', '.join(missing)}; the repo is incomplete at this revision: name a revision "
            "that has them"
        )
    for name in components:
        # A network has a config.json; a scheduler, tokenizer or processor holds no weights.
        network = f"{name}/config.json" in paths
        part_weights = weights if network else "random"
        selected += _folder_files(paths, f"{name}/", part_weights, trust_remote_code)
    return sorted(selected)


def _folder_files(paths: list[str], folder: str, weights: str, remote_code: bool) -> list[str]:
    """The description files, code and chosen weights directly inside `folder` ("" for the
    repo's top). Raises UnloadableRepoError where pretrained weights are asked for and the
    folder has none the loader reads."""
    names = [path[len(folder) :] for path in paths if path.startswith(folder)]
    names = [name for name in names if "/" not in name and not name.startswith(".")]
    selected = [
        name
        for name in names
        if not (
            name.endswith(NOT_DESCRIPTIONS) or name.endswith(".py") or WEIGHT_INDEX.search(name)
        )
        or (remote_code and name.endswith(".py"))
    ]
    if weights != "random":
        chosen = _weights(names)
        if not chosen:
            where = f"its folder {folder!r}" if folder else "the repo"
            raise UnloadableRepoError(
                f"{where} has no weight file transformers or diffusers loads "
                "(model.safetensors, pytorch_model.bin, diffusion_pytorch_model.*, or their "
                f"shards); it has: {', '.join(names) or 'nothing'}; name a revision with "
                "safetensors or PyTorch weights, or measure its architecture alone "
                "(weights: random)"
            )
        selected += chosen
    return sorted({folder + name for name in selected})


def _weights(names: list[str]) -> list[str]:
    """The weights the loader reads: one safetensors file, else its shards and index, else the
    same in pickled form."""
    for single, sharded in (
        (SINGLE_SAFETENSORS, SHARDED_SAFETENSORS),
        (SINGLE_PICKLED, SHARDED_PICKLED),
    ):
        whole = [name for name in names if single.match(name)]
        if whole:
            return whole
        shards = [name for name in names if sharded.match(name)]
        if shards:
            return shards
    return []
