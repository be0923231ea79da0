"""What every measurement row records about the software it ran on."""

from __future__ import annotations

import pytest
import torch
from helpers import REPO

from powerhungry.measure import provenance


@pytest.mark.parametrize(("built_with", "recorded"), [("12.4", "12.4"), (None, "none")])
def test_the_cuda_version_torch_was_built_with_is_recorded(monkeypatch, built_with, recorded):
    """A build without CUDA records "none", never an empty field: empty means a row from before
    the column existed ("not recorded" in the explorer)."""
    monkeypatch.setattr(torch.version, "cuda", built_with)
    assert provenance.collect(torch.device("cpu"), REPO)["cuda_version"] == recorded
