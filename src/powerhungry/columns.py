"""Column names the workflow's tables share: the keys that identify a cell, a model and a
group, and the measured quantities of a measurement row. Plain tuples: importing this module
imports nothing else.

Keys go from the coarsest to the finest (deployment scenario, task, model kind, model, dataset),
the order every table sorts and lists them in.
"""

from __future__ import annotations

SCENARIO = "scenario"
# The scenario of the protocol's own settings (powerhungry.scenarios), which every model runs;
# rows measured before scenarios existed were measured under it.
DEFAULT_SCENARIO = "default"
TASK = "task"
MODEL_KIND = "model_kind"
MODEL = "model"
DATASET = "dataset"
# A task and a kind of model (task-specific or multi-purpose) in one deployment scenario: what the
# paper averages over (its one scenario: batch size 1, float32).
GROUP_KEY = (SCENARIO, TASK, MODEL_KIND)
# One model on one task in one scenario (averaged over its datasets).
MODEL_KEY = (*GROUP_KEY, MODEL)
# One model on one dataset in one scenario: a cell of the study, one measurement job.
CELL_KEY = (*MODEL_KEY, DATASET)
# One row of a measurement table: a phase of one repetition of a cell.
MEASUREMENT_KEY = (*CELL_KEY, "phase", "repetition")
# What a measurement row measured (counts, s, kWh, kg CO2eq); empty in a failed cell's row.
ENERGY_COLUMNS = (
    "n_inferences",
    "duration_s",
    "energy_kwh",
    "gpu_energy_kwh",
    "cpu_energy_kwh",
    "ram_energy_kwh",
    "emissions_kg",
)
# The job's idle baseline (W per GPU, over s) and the GPU energy above it (kWh); empty where not
# measured: on the CPU, and in rows measured before each job took its own baseline.
IDLE_COLUMNS = ("gpu_idle_power_w", "idle_duration_s", "gpu_energy_above_idle_kwh")
# The phase of the one row a cell whose model failed writes instead of measurements.
FAILED_PHASE = "failed"
# A cell whose dataset is a substitute for the paper's (a dataset entry's `substitute`): the
# repository read instead, in per-cell tables (empty: the paper's own dataset); in tables over
# several cells, each substituted dataset as "dataset (repository)", joined by "; ".
DATASET_SUBSTITUTE = "dataset_substitute"
SUBSTITUTED_DATASETS = "substituted_datasets"
