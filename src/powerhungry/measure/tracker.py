"""One CodeCarbon run with named phases (CodeCarbon's task API), checked for real data.

CodeCarbon swallows its own initialisation errors (`@suppress(Exception)` on `__init__`), so a
misconfigured tracker would silently measure nothing; here that is an error, never a zero.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import torch
from codecarbon import OfflineEmissionsTracker
from codecarbon.output import EmissionsData
from codecarbon.output_methods.base_output import OutputMethod


class MeasurementError(RuntimeError):
    """The tracker produced no usable measurement."""


@dataclass(frozen=True)
class PhaseResult:
    phase: str
    duration_s: float
    energy_kwh: float
    cpu_energy_kwh: float
    gpu_energy_kwh: float
    ram_energy_kwh: float
    emissions_kg: float
    # CodeCarbon's own view of the run and of the hardware it measured.
    codecarbon_run_id: str
    codecarbon_cpu_model: str
    codecarbon_gpu_model: str
    codecarbon_gpu_count: int
    codecarbon_tracking_mode: str


def tracker_arguments(carbon_intensity: str | float) -> dict[str, object]:
    """An ISO country code uses CodeCarbon's offline grid data; a number is forced as g/kWh."""
    if isinstance(carbon_intensity, str):
        return {"country_iso_code": carbon_intensity}
    return {"force_carbon_intensity_g_co2e_kwh": float(carbon_intensity)}


def tracked_gpu_ids(device: torch.device) -> list[int] | None:
    """The GPUs CodeCarbon must count: the ones this job was given, never the whole node.

    With CUDA_VISIBLE_DEVICES set (SLURM and most launchers set it), CodeCarbon reads it itself;
    without it, the job runs on the current CUDA device, and only that one is counted.
    """
    if device.type != "cuda" or os.environ.get("CUDA_VISIBLE_DEVICES"):
        return None
    return [torch.cuda.current_device() if device.index is None else device.index]


def synchronize(device: torch.device) -> None:
    """Wait for queued kernels so they fall inside the phase that launched them."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


class PhaseTracker:
    """`with tracker.phase("query"): ...` brackets work in a CodeCarbon task of that name."""

    def __init__(
        self,
        output_dir: Path,
        project_name: str,
        carbon_intensity: str | float,
        measure_power_secs: float,
        device: torch.device,
    ) -> None:
        self.device = device
        self.output_dir = output_dir
        output_dir.mkdir(parents=True, exist_ok=True)
        gpu_ids = tracked_gpu_ids(device)
        self._tracker = OfflineEmissionsTracker(
            project_name=project_name,
            measure_power_secs=measure_power_secs,
            output_dir=str(output_dir),
            output_methods=[OutputMethod.CSV],
            log_level="error",
            # The workflow, not CodeCarbon's lock file, keeps measurements apart (one job per GPU).
            allow_multiple_runs=True,
            **({} if gpu_ids is None else {"gpu_ids": gpu_ids}),
            **tracker_arguments(carbon_intensity),
        )
        if not hasattr(self._tracker, "_tasks"):  # set at the end of a successful __init__
            raise MeasurementError(
                "CodeCarbon's tracker failed to initialise (its error is in the log above); "
                f"output_dir={str(output_dir)!r}, carbon_intensity={carbon_intensity!r}"
            )
        self.results: list[PhaseResult] = []

    def __enter__(self) -> PhaseTracker:
        self._tracker.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._tracker.stop()

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        synchronize(self.device)
        self._tracker.start_task(name)
        yield
        synchronize(self.device)
        self.results.append(_phase_result(name, self._tracker.stop_task(name)))

    def raw_csv_files(self) -> list[Path]:
        """CodeCarbon's own per-task CSV(s) of this run (emissions_base_<run_id>.csv)."""
        return sorted(self.output_dir.glob("emissions_base_*.csv"))


def _phase_result(name: str, data: EmissionsData | None) -> PhaseResult:
    if data is None or not data.energy_consumed > 0 or not data.duration > 0:
        raise MeasurementError(f"CodeCarbon recorded no energy for phase {name!r}: {data!r}")
    return PhaseResult(
        phase=name,
        duration_s=float(data.duration),
        energy_kwh=float(data.energy_consumed),
        cpu_energy_kwh=float(data.cpu_energy),
        gpu_energy_kwh=float(data.gpu_energy),
        ram_energy_kwh=float(data.ram_energy),
        emissions_kg=float(data.emissions),
        codecarbon_run_id=str(data.run_id),
        codecarbon_cpu_model=str(data.cpu_model),
        codecarbon_gpu_model=str(data.gpu_model),
        codecarbon_gpu_count=int(data.gpu_count or 0),
        codecarbon_tracking_mode=str(data.tracking_mode),
    )
