"""An energy meter with named windows: CodeCarbon's tracker, one task per window, checked for
real data.

    meter = EnergyMeter(carbon_intensity="USA")
    with meter:
        with meter.window("load"):
            ...
        with meter.window("query"):
            ...
    load, query = meter.results  # PhaseResult: s, kWh, kg CO2eq, and what CodeCarbon measured

The shape is Zeus's `begin_window`/`end_window` (ml-energy/zeus); the measuring is CodeCarbon's
task API (`start_task`/`stop_task`, codecarbon >= 2.8), one window at a time. CodeCarbon swallows
its own initialisation errors (`@suppress(Exception)` on `__init__`), so a misconfigured tracker
would silently measure nothing; here that is an error, never a zero.

Nothing here imports torch, pandas or Snakemake: which GPUs to count (`gpu_ids`) and how to
wait for queued GPU work (`synchronize`) are given by the caller (see `powerhungry.measure.devices`
for torch).
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from codecarbon import OfflineEmissionsTracker
from codecarbon.core import gpu_nvidia, hardware_cache
from codecarbon.external.hardware import GPU
from codecarbon.output_methods.base_output import OutputMethod
from codecarbon.output_methods.emissions_data import EmissionsData


class MeasurementError(RuntimeError):
    """The tracker produced no usable measurement (it failed to start, or a window recorded no
    energy or no time)."""


@dataclass(frozen=True)
class PhaseResult:
    """What one window measured: `phase` is its name; duration in s, energies in kWh
    (`energy_kwh` = CPU + GPU + RAM, CodeCarbon's `energy_consumed`), emissions in kg CO2eq.
    `gpu_energy_kwh` is None where the meter counted no GPU: not measured, never zero."""

    phase: str
    duration_s: float
    energy_kwh: float
    cpu_energy_kwh: float
    gpu_energy_kwh: float | None
    ram_energy_kwh: float
    emissions_kg: float
    # CodeCarbon's own view of the run and of the hardware it measured: the GPUs it counted
    # (`codecarbon_gpu_count`, and their names as "N x name"), not all the node's.
    codecarbon_run_id: str
    codecarbon_cpu_model: str
    codecarbon_gpu_model: str
    codecarbon_gpu_count: int
    codecarbon_tracking_mode: str


def check_carbon_intensity(carbon_intensity: str | float) -> None:
    """Raise ValueError unless `carbon_intensity` is a country CodeCarbon has grid data for (ISO
    3166-1 alpha-3, as CodeCarbon spells it: "USA", "FRA") or a positive g CO2eq/kWh. CodeCarbon
    itself falls back to a world average for a country it does not know, and takes any number."""
    if isinstance(carbon_intensity, str):
        from codecarbon.input import DataSource

        if carbon_intensity not in DataSource().get_global_energy_mix_data():
            raise ValueError(
                f"carbon_intensity {carbon_intensity!r} is not a country code in CodeCarbon's "
                "grid data (use an ISO 3166-1 alpha-3 code such as USA or FRA, or a positive "
                "intensity in gCO2eq/kWh)"
            )
    elif (
        isinstance(carbon_intensity, bool)
        or not isinstance(carbon_intensity, int | float)
        or not 0 < carbon_intensity < math.inf
    ):
        raise ValueError(
            f"carbon_intensity {carbon_intensity!r}: give a positive number of gCO2eq/kWh, or a "
            "country code such as USA or FRA"
        )


def tracker_arguments(carbon_intensity: str | float) -> dict[str, object]:
    """CodeCarbon's arguments for a carbon intensity: an ISO 3166 alpha-3 country code uses its
    offline grid data (`country_iso_code`); a number is forced as g CO2eq/kWh
    (`force_carbon_intensity_g_co2e_kwh`)."""
    if isinstance(carbon_intensity, str):
        return {"country_iso_code": carbon_intensity}
    return {"force_carbon_intensity_g_co2e_kwh": float(carbon_intensity)}


def _no_wait() -> None:
    """The synchronisation of a device that runs work as it is called (the CPU)."""


class EnergyMeter:
    """One CodeCarbon run (`with meter:` or `start()`/`stop()`) whose named windows each
    measure the work inside them.

    `output_dir`: where CodeCarbon writes its own per-window CSV (`emissions_base_<run>.csv`,
    see `raw_csv_files`); None writes no file. `carbon_intensity`: see `check_carbon_intensity`.
    `measure_power_secs`: CodeCarbon's sampling interval (s, > 0). `gpu_ids`: the GPUs to count,
    as NVML indices or UUIDs (CodeCarbon's `gpu_ids`; [] counts none; None is CodeCarbon's
    default: those in CUDA_VISIBLE_DEVICES, else every GPU of the machine, so pass the job's own,
    `powerhungry.measure.devices.tracked_gpu_ids`). `synchronize`:
    called at both ends of every window, so that queued GPU work falls in the window that
    launched it. A meter measures one run: windows go between `start` and `stop`, one open at a
    time, each name once. Raises ValueError for a setting out of range, MeasurementError if
    CodeCarbon cannot start or cannot find a GPU of `gpu_ids`.
    """

    def __init__(
        self,
        output_dir: str | Path | None = None,
        *,
        project_name: str = "powerhungry",
        carbon_intensity: str | float = "USA",
        measure_power_secs: float = 1.0,
        gpu_ids: Sequence[int | str] | None = None,
        synchronize: Callable[[], None] = _no_wait,
    ) -> None:
        check_carbon_intensity(carbon_intensity)
        if not 0 < measure_power_secs < math.inf:
            raise ValueError(f"measure_power_secs {measure_power_secs!r}: give a positive number")
        output_dir = None if output_dir is None else Path(output_dir)
        self.output_dir = output_dir
        self.synchronize = synchronize
        self.results: list[PhaseResult] = []
        self._open: str | None = None
        self._names: set[str] = set()
        self._state = "new"
        if output_dir is not None:
            output_dir.mkdir(parents=True, exist_ok=True)
        self._tracker = OfflineEmissionsTracker(
            project_name=project_name,
            measure_power_secs=measure_power_secs,
            output_methods=[OutputMethod.CSV] if output_dir is not None else [],
            **({"output_dir": str(output_dir)} if output_dir is not None else {}),
            log_level="error",
            # The caller, not CodeCarbon's lock file, keeps measurements apart (one job per GPU).
            allow_multiple_runs=True,
            **({} if gpu_ids is None else {"gpu_ids": list(gpu_ids)}),
            **tracker_arguments(carbon_intensity),
        )
        if not hasattr(self._tracker, "_tasks"):  # set at the end of a successful __init__
            raise MeasurementError(
                "CodeCarbon's tracker failed to initialise (its error is in the log above); "
                f"output_dir={str(output_dir)!r}, carbon_intensity={carbon_intensity!r}"
            )
        self._gpu_ids = None if gpu_ids is None else list(gpu_ids)
        # The names of the GPUs counted, one per GPU (`counted_gpus`), once started.
        self.gpus: list[str] = []

    def start(self) -> None:
        """Start CodeCarbon's run (it samples power from now on); raises RuntimeError if this
        meter was started before, MeasurementError (the run stopped) if CodeCarbon cannot find
        a GPU of `gpu_ids`."""
        if self._state != "new":
            raise RuntimeError(
                f"this meter's run has {'ended' if self._state == 'stopped' else 'started'}: "
                "a meter measures one run; make a new EnergyMeter for another"
            )
        self._state = "running"
        if self._gpu_ids == [] and gpu_nvidia.is_nvidia_system():
            # CodeCarbon 3.3 caches each process's hardware setup under its gpu_ids, [] under
            # the key of None: a second tracker asking for no GPU would count every GPU. Only
            # where there are GPUs: a fresh setup costs a second per tracker.
            hardware_cache.clear_cache()
        self._tracker.start()  # detects the hardware, then reads the counters' first values
        self.gpus = counted_gpus(self._tracker)
        if self._gpu_ids is not None and len(self.gpus) != len(set(map(str, self._gpu_ids))):
            self.stop()
            raise MeasurementError(
                f"CodeCarbon counts {len(self.gpus)} GPUs for the GPUs {self._gpu_ids} of this "
                "machine's (NVML indices or UUIDs): a GPU's energy would be missing or another "
                f"GPU's added. Check CUDA_VISIBLE_DEVICES "
                f"({os.environ.get('CUDA_VISIBLE_DEVICES')!r}) against `nvidia-smi -L`"
            )

    def stop(self) -> None:
        """End CodeCarbon's run (and write its CSV, if `output_dir` was given); raises
        RuntimeError, after stopping, if a window was left open (it is not recorded)."""
        left_open, self._open = self._open, None
        if left_open is not None:
            self._tracker.stop_task(left_open)
        self._state = "stopped"
        self._tracker.stop()
        if left_open is not None:
            raise RuntimeError(
                f"window {left_open!r} was still open when the meter stopped, and is not "
                f"recorded: end it first (end_window({left_open!r}))"
            )

    def __enter__(self) -> EnergyMeter:
        self.start()
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is not None:  # the block failed: its open window is dropped, not reported
            self._open = None
        self.stop()

    def begin_window(self, name: str) -> None:
        """Start measuring the window `name`; raises RuntimeError outside a started run, while
        another window is open, or for a name this meter has measured already."""
        if self._state != "running":
            raise RuntimeError(
                f"window {name!r} begun outside the meter's run: start it first "
                "(`with meter:` or meter.start())"
            )
        if self._open is not None:
            raise RuntimeError(
                f"window {name!r} begun while window {self._open!r} is open: "
                f"end_window({self._open!r}) first; windows do not nest"
            )
        if name in self._names:
            raise RuntimeError(
                f"window {name!r} was measured already in this run: a name is used once per "
                "meter (CodeCarbon's tasks); use another name, or a new meter"
            )
        self._names.add(name)
        self.synchronize()
        self._open = name
        self._tracker.start_task(name)

    def end_window(self, name: str) -> PhaseResult:
        """Stop measuring the window `name` and return (and keep, in `results`) what it
        measured; raises MeasurementError if CodeCarbon recorded no energy or no time."""
        if self._open != name:
            now = "no window is open" if self._open is None else f"{self._open!r} is open"
            raise RuntimeError(
                f"window {name!r} ended, but {now}: call begin_window({name!r}) before "
                "end_window, or use `with meter.window(name):`"
            )
        self.synchronize()
        self._open = None
        result = _phase_result(name, self._tracker.stop_task(name), self.gpus)
        self.results.append(result)
        return result

    @contextmanager
    def window(self, name: str) -> Iterator[None]:
        """`begin_window(name)` ... `end_window(name)` around the block. A block that raises
        keeps nothing of the window (its partial measurement is dropped, never recorded) and
        leaves the meter ready for the next window."""
        self.begin_window(name)
        try:
            yield
        except BaseException:
            self._open = None
            self._tracker.stop_task(name)
            raise
        self.end_window(name)

    def raw_csv_files(self) -> list[Path]:
        """CodeCarbon's own per-window CSV(s) of this run (emissions_base_<run_id>.csv)."""
        if self.output_dir is None:
            return []
        return sorted(self.output_dir.glob("emissions_base_*.csv"))


def counted_gpus(tracker: OfflineEmissionsTracker) -> list[str]:
    """The names of the GPUs whose energy `tracker` sums, one per GPU, in NVML order: its GPU
    hardware's resolved `gpu_ids` (CodeCarbon 3.3 `external.hardware.GPU`; its `gpu_count` and
    `gpu_model` describe every GPU of the machine, whichever are counted). [] without GPUs."""
    gpus: list[str] = []
    for hardware in tracker._hardware:
        if isinstance(hardware, GPU):
            names = {
                info["gpu_index"]: info["name"] for info in hardware.devices.get_gpu_static_info()
            }
            gpus += [names[index] for index in hardware._get_gpu_ids()]
    return gpus


def _phase_result(name: str, data: EmissionsData | None, gpus: list[str]) -> PhaseResult:
    """One window's PhaseResult from CodeCarbon's task data and the GPUs counted (`gpus`)."""
    if data is None or not data.energy_consumed > 0 or not data.duration > 0:
        raise MeasurementError(f"CodeCarbon recorded no energy for window {name!r}: {data!r}")
    return PhaseResult(
        phase=name,
        duration_s=float(data.duration),
        energy_kwh=float(data.energy_consumed),
        cpu_energy_kwh=float(data.cpu_energy),
        gpu_energy_kwh=float(data.gpu_energy) if gpus else None,
        ram_energy_kwh=float(data.ram_energy),
        emissions_kg=float(data.emissions),
        codecarbon_run_id=str(data.run_id),
        codecarbon_cpu_model=str(data.cpu_model),
        codecarbon_gpu_model=" + ".join(f"{n} x {name}" for name, n in Counter(gpus).items()),
        codecarbon_gpu_count=len(gpus),
        codecarbon_tracking_mode=str(data.tracking_mode),
    )
