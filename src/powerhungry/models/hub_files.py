"""Which files of a Hub model repository a measurement loads, so that only those are downloaded.

Hub repos carry much that `from_pretrained` never reads: TensorFlow, Flax and ONNX exports,
pickled duplicates of safetensors weights, fp16/non-EMA variants and single-file checkpoints
(`v1-5-pruned.ckpt`, several GB each in the Stable Diffusion repos). A download follows the
loaders' own rules instead (names: `transformers.utils` SAFE_WEIGHTS_NAME, WEIGHTS_NAME and
their index names; `diffusers.utils.constants` SAFETENSORS_WEIGHTS_NAME, WEIGHTS_NAME):

- transformers (no `model_index.json`): the files at the top of the repo that describe the model
  and its preprocessing (`DESCRIPTION_SUFFIXES`: config, generation config, tokenizer,
  processor, chat template), and its weights: `model.safetensors` (or its shards and index)
  where present, else `pytorch_model.bin` (or its shards and index), as `from_pretrained` without
  a variant prefers them; the repo's Python code only where the model runs remote code;
- diffusers (`model_index.json`): the index, and for each component it names (a null entry is
  a component the pipeline runs without) the same selection inside the component's folder,
  with diffusers' `diffusion_pytorch_model.*` names beside transformers' ones.

Architecture-only models (`weights: random`) get the descriptions and no weights at all. Weight
variants (`model.fp16.safetensors`) are never fetched: no model entry selects one yet.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

MODEL_INDEX = "model_index.json"
DESCRIPTION_SUFFIXES = (".json", ".txt", ".model", ".tiktoken", ".jinja")
# Weight files without a variant, whole or sharded (`model-00001-of-00002.safetensors`), and
# their shard indexes.
_STEMS = r"(model|diffusion_pytorch_model)"
_SHARD = r"(-\d{5}-of-\d{5})?"
SAFETENSORS = re.compile(rf"^{_STEMS}{_SHARD}\.safetensors(\.index\.json)?$")
PICKLED = re.compile(rf"^(pytorch_model|diffusion_pytorch_model){_SHARD}\.bin(\.index\.json)?$")
# An index of variant weights (`model.fp16.safetensors.index.json`) is a description by its
# suffix but belongs to weights that are not fetched.
VARIANT_INDEX = re.compile(r"\.(safetensors|bin)\.index\.json$")


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
    decide which folders are read). Raises ValueError for a diffusers repo without its index.
    """
    paths = sorted(set(files))
    if MODEL_INDEX not in paths:
        return _folder_files(paths, "", weights, trust_remote_code)
    if model_index is None:
        raise ValueError(f"a diffusers repo: pass the parsed {MODEL_INDEX} as model_index")
    selected = [MODEL_INDEX]
    for name, value in model_index.items():
        if name.startswith("_") or not (isinstance(value, list) and len(value) == 2):
            continue  # the class name, versions, pipeline options
        if value[0] is not None:
            selected += _folder_files(paths, f"{name}/", weights, trust_remote_code)
    return sorted(selected)


def _folder_files(paths: list[str], folder: str, weights: str, remote_code: bool) -> list[str]:
    """The description files, code and chosen weights directly inside `folder` ("" for the
    repo's top)."""
    names = [path[len(folder) :] for path in paths if path.startswith(folder)]
    names = [name for name in names if "/" not in name]
    selected = [
        name
        for name in names
        if (name.endswith(DESCRIPTION_SUFFIXES) and not VARIANT_INDEX.search(name))
        or (remote_code and name.endswith(".py"))
    ]
    if weights != "random":
        safetensors = [name for name in names if SAFETENSORS.match(name)]
        selected += safetensors or [name for name in names if PICKLED.match(name)]
    return sorted({folder + name for name in selected})
