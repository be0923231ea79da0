"""Energy measurement: a meter with named windows around CodeCarbon, usable on its own.

    from powerhungry.measure import EnergyMeter

    meter = EnergyMeter(carbon_intensity="FRA")
    with meter, meter.window("query"):
        run_the_model()
    (query,) = meter.results
    print(query.energy_kwh, query.duration_s, query.emissions_kg)

The meter imports CodeCarbon (on first use of these names), never torch, pandas or Snakemake;
a measurement job imports `gpus` before CUDA or NVML start, so nothing else loads with it. The
workflow's
per-cell loop (`cell`), its files (`cell_files`), the torch side (`devices`: device, GPU ids,
synchronisation), the GPU lease of a local job (`gpus`), idle power (`idle`), provenance and
the repetition rule are modules of this package, imported on use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from powerhungry.measure.meter import EnergyMeter, MeasurementError, PhaseResult

__all__ = ["EnergyMeter", "MeasurementError", "PhaseResult"]


def __getattr__(name: str) -> Any:
    """The meter's names, imported on first use (PEP 562)."""
    if name in __all__:
        from powerhungry.measure import meter

        return getattr(meter, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
