"""What every task runner does; the measurement code only sees this interface."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

Sample = dict[str, Any]


@dataclass(frozen=True)
class Prediction:
    """One sample's answer and its size: tokens in and out, or the image made and its steps.

    `truncated` marks an input cut at the model's maximum length (the sample is still measured).
    """

    prediction: str
    input_tokens: int = 0
    output_tokens: int = 0
    truncated: bool = False
    image_width: int = 0
    image_height: int = 0
    inference_steps: int = 0


def load_options(settings: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments of every `from_pretrained`: files from the prepared directory only, and
    the model's own Python code only where the config allow-lists the model
    (`trust_remote_code: true`); otherwise transformers refuses to run it."""
    return {"local_files_only": True, "trust_remote_code": bool(settings.get("trust_remote_code"))}


# The runner setting a scenario's attention implementation arrives in, under transformers' own
# name for it (`attn_implementation`: "eager", "sdpa", "flash_attention_2", ...); absent, each
# library chooses its default.
ATTENTION = "attn_implementation"


def attention_options(settings: dict[str, Any]) -> dict[str, str]:
    """Keyword arguments of building a transformers model (`from_pretrained`, `from_config`):
    the scenario's `attn_implementation` where the settings have one, else none (transformers'
    default). A model that lacks the implementation fails to build with transformers' own
    error (ValueError for an architecture without it, ImportError for a missing kernel
    package), which the measurement records as the cell's load failure."""
    return {ATTENTION: settings[ATTENTION]} if ATTENTION in settings else {}


class TaskRunner(ABC):
    """Loads a model and runs one batch of samples end to end.

    An inference is what a user of the model pays for: tokenization, the model call and turning
    outputs into an answer, like the paper's `pipeline(...)` calls. All three are measured.
    """

    def __init__(self, settings: dict[str, Any]) -> None:
        self.settings = settings

    @abstractmethod
    def import_code(self, model_dir: Path) -> None:
        """Import the model's Python code, outside measurement: otherwise the first repetition's
        `load` phase would pay for importing modules (seconds) rather than for loading weights."""
        ...

    @abstractmethod
    def load(self, model_dir: Path, device: torch.device, dtype: torch.dtype) -> None: ...

    @abstractmethod
    def preprocess(self, samples: Sequence[Sample]) -> Any: ...

    @abstractmethod
    def forward(self, inputs: Any) -> Any: ...

    @abstractmethod
    def postprocess(self, inputs: Any, outputs: Any) -> list[Prediction]: ...

    def infer(self, samples: Sequence[Sample]) -> list[Prediction]:
        inputs = self.preprocess(samples)
        with torch.inference_mode():
            outputs = self.forward(inputs)
        return self.postprocess(inputs, outputs)

    def networks(self) -> list[torch.nn.Module]:
        """The loaded model's networks."""
        return [v for v in vars(self).values() if isinstance(v, torch.nn.Module)]

    def describe_model(self) -> dict[str, Any]:
        """What the loaded model is: its parameter count, counted from its tensors (not read off
        a model card), and its architecture kind (seq2seq, decoder_only, encoder_only)."""
        networks = self.networks()
        config = getattr(networks[0], "config", None) if len(networks) == 1 else None
        if config is None:
            kind = "composite"
        elif config.is_encoder_decoder:
            kind = "seq2seq"
        elif networks[0].can_generate():
            kind = "decoder_only"
        else:
            kind = "encoder_only"
        return {
            "model_parameters": sum(p.numel() for n in networks for p in n.parameters()),
            "architecture_kind": kind,
        }

    def unload(self) -> None:
        """Drop the model so the next repetition loads it anew."""
        for name in list(vars(self)):
            if name != "settings":
                delattr(self, name)
