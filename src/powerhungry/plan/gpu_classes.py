"""GPU classes a study can be planned for: memory, memory bandwidth and board power.

Figures are NVIDIA's product datasheets (SXM boards unless the name says PCIe). The paper
measured on A100-SXM4-80GB (`PAPER_GPU`). Importing this module imports nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from powerhungry.plan import PlanSettingsError


@dataclass(frozen=True)
class GpuClass:
    """One GPU model: `memory_gb` (GB of device memory), `bandwidth_gb_s` (GB/s of memory
    bandwidth) and `board_power_w` (W, the board's maximum power: TDP)."""

    name: str
    memory_gb: float
    bandwidth_gb_s: float
    board_power_w: float


GPU_CLASSES = {
    gpu.name: gpu
    for gpu in (
        GpuClass("a100_80gb", 80, 2039, 400),
        GpuClass("a100_40gb", 40, 1555, 400),
        GpuClass("a100_80gb_pcie", 80, 1935, 300),
        GpuClass("h100", 80, 3350, 700),
        GpuClass("h100_pcie", 80, 2000, 350),
        GpuClass("h200", 141, 4800, 700),
        GpuClass("v100_32gb", 32, 900, 300),
        GpuClass("v100_16gb", 16, 900, 300),
        GpuClass("a40", 48, 696, 300),
        GpuClass("a10", 24, 600, 150),
        GpuClass("l40s", 48, 864, 350),
        GpuClass("l4", 24, 300, 72),
        GpuClass("t4", 16, 320, 70),
        GpuClass("rtx_a6000", 48, 768, 300),
    )
}
PAPER_GPU = GPU_CLASSES["a100_80gb"]


class UnknownGpuClassError(PlanSettingsError):
    """A GPU class the plan has no figures for."""


def gpu_class(name: str) -> GpuClass:
    """The class called `name`; raises UnknownGpuClassError naming the known ones."""
    try:
        return GPU_CLASSES[name]
    except KeyError:
        raise UnknownGpuClassError(
            f"plan.gpu_class: {name!r} is not a GPU class the plan knows "
            f"({', '.join(GPU_CLASSES)}); name the closest one (same memory, similar bandwidth)"
        ) from None


def time_scale(gpu: GpuClass) -> float:
    """How much longer a run takes on `gpu` than on the paper's A100: the ratio of memory
    bandwidths, never below 1. At the paper's batch size of 1, most models are bound by memory
    traffic and kernel launches, so a faster GPU is not counted on to shorten a job (a job asked
    for too little time is killed; one asked for too much only waits longer in the queue)."""
    return max(1.0, PAPER_GPU.bandwidth_gb_s / gpu.bandwidth_gb_s)
