"""What every results table (results/tables/<name>.csv) holds: each column's type, unit and
meaning, and each table's title, what one of its rows is, and its primary key. The one home of
these facts: the Frictionless Data Package (results/datapackage.json, `powerhungry.datapackage`)
and the tables' parquet copies are made from it, and aggregation writes integer columns as
integers by it.

A column is described once, under its name, and means the same in every table that has it; a
table that gives a name another meaning says so in its own `Table.columns` (plan.csv's
`gpu_energy_kwh` is an estimate, not a measurement). The summaries' statistics of a metric
(`<metric>_mean`, `_std`, `_median`, `_min`, `_max`, `_std_over_runs`, `_halfwidth_95`,
`_mean_halfwidth_95`) are made from the metric's entry in `METRICS` and the statistic's in
`STATISTICS`. A new column is one entry here; a table with a column described nowhere stops
the data package's rule, naming the table and the column (`describe`).

Types are Frictionless Table Schema types (https://specs.frictionlessdata.io/table-schema/):
string, integer, number, boolean, datetime (ISO 8601, UTC). Units are written as the columns'
names abbreviate them: kWh, Wh, kg CO2eq, g CO2eq, s, h, W, GB, and counts; text and ratios have
none. Energies are CodeCarbon's (the paper's tracker); emissions are energy times the configured
carbon intensity.

Plain data, importing nothing beyond the standard library: the workflow, the package and the
tests read it at no cost.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from powerhungry.columns import (
    CELL_KEY,
    DATASET,
    DATASET_SUBSTITUTE,
    GROUP_KEY,
    MEASUREMENT_KEY,
    MODEL,
    MODEL_KEY,
    MODEL_KIND,
    SCENARIO,
    SUBSTITUTED_DATASETS,
    TASK,
)

STRING = "string"
INTEGER = "integer"
NUMBER = "number"
BOOLEAN = "boolean"
DATETIME = "datetime"

COUNT = "count"
KWH = "kWh"
S = "s"


@dataclass(frozen=True)
class Column:
    """A column: its Frictionless `type`, a one-line `description`, and its `unit` (None: text,
    a flag, or a ratio)."""

    type: str
    description: str
    unit: str | None = None


@dataclass(frozen=True)
class Table:
    """A table: its `title`, `description` (what one row is), `primary_key` (the columns that
    name a row), and the meanings of names particular to it (`columns`)."""

    title: str
    description: str
    primary_key: tuple[str, ...]
    columns: Mapping[str, Column] = field(default_factory=dict)


# The summaries' metrics (powerhungry.analysis.summary.METRICS, which computes them; a test
# keeps the two in step): the query phase's cost, per 1,000 inferences or per inference.
METRICS: dict[str, Column] = {
    "energy_kwh_per_1k": Column(
        NUMBER,
        "Query-phase energy, CPU + GPU + RAM (the paper's metric)",
        "kWh per 1,000 inferences",
    ),
    "gpu_energy_kwh_per_1k": Column(
        NUMBER,
        "Query-phase GPU energy of the job's GPU(s) (the AI Energy Score metric); empty on the CPU",
        "kWh per 1,000 inferences",
    ),
    "gpu_energy_above_idle_kwh_per_1k": Column(
        NUMBER,
        "Query-phase GPU energy above the job's idle baseline (may be negative); empty where "
        "not measured",
        "kWh per 1,000 inferences",
    ),
    "emissions_g_per_1k": Column(
        NUMBER,
        "Query-phase emissions: energy_kwh times the configured carbon intensity",
        "g CO2eq per 1,000 inferences",
    ),
    "seconds_per_inference": Column(
        NUMBER,
        "Query-phase latency: its duration over its inferences, batching included",
        "s per inference",
    ),
}

# What a metric's value is in model_summary.csv and multi_purpose.csv (the column named as the
# metric itself), and the statistics of it the other summaries carry (column <metric>_<key>).
MODEL_VALUE = "a model's value: mean over its datasets of the mean over each one's repetitions"
STATISTICS: dict[str, str] = {
    "mean": "mean over the cell's repetitions (cell_summary) or over the models of the task and "
    "model kind (task_summary)",
    "std": "standard deviation (n - 1) over the cell's repetitions (cell_summary) or over the "
    "task's models (task_summary)",
    "median": "median over the task's models",
    "min": "minimum over the task's models",
    "max": "maximum over the task's models",
    "std_over_runs": "standard deviation (n - 1) over every query run of the task and model "
    "kind: the statistic the paper printed in its Table 2",
    "halfwidth_95": "half-width of the 95% confidence interval of the mean: Student t over the "
    "cell's repetitions (cell_summary); a model's, its cells' combined as the square root of the "
    "sum of their squares over their count (model_summary)",
    "mean_halfwidth_95": "half-width of the 95% confidence interval of the task's mean, its "
    "models' combined (square root of the sum of their squares over their count)",
}


def metric_columns() -> dict[str, Column]:
    """Each metric (`METRICS`) as a model's value, and each of its statistics (`STATISTICS`)."""
    columns = {}
    for name, metric in METRICS.items():
        columns[name] = Column(metric.type, f"{metric.description}; {MODEL_VALUE}", metric.unit)
        for statistic, meaning in STATISTICS.items():
            columns[f"{name}_{statistic}"] = Column(
                metric.type, f"{metric.description}; {meaning}", metric.unit
            )
    return columns


_VERSION = "Version of {} in the job's Python environment"

COLUMNS: dict[str, Column] = {
    # The keys (powerhungry.columns): what a row is about.
    SCENARIO: Column(
        STRING,
        "The deployment scenario measured: default (the protocol's own settings) or a name of "
        "the config's scenarios (its settings: batch_size, dtype, attention)",
    ),
    TASK: Column(
        STRING,
        "The task, as the paper names it (Table 1); multi_purpose.csv's `all`: every task of "
        "the model",
    ),
    MODEL_KIND: Column(
        STRING, "task_specific (fine-tuned for the task) or multi_purpose (zero-shot, prompted)"
    ),
    MODEL: Column(STRING, "The model's id in the config (the paper's: the Hub repository it used)"),
    DATASET: Column(STRING, "The dataset's id in the config"),
    "phase": Column(
        STRING, "The measured window: load (loading the model) or query (every sample inferred)"
    ),
    "repetition": Column(INTEGER, "The repetition the row measured, from 0"),
    DATASET_SUBSTITUTE: Column(
        STRING,
        "The source read in place of the paper's dataset where the config's entry is a "
        "substitute; empty for the paper's own",
    ),
    SUBSTITUTED_DATASETS: Column(
        STRING,
        'The row\'s datasets read from a substitute, as "dataset (source)" joined by "; "; '
        "empty when none",
    ),
    # What a window measured (CodeCarbon), and the job's idle baseline.
    "n_inferences": Column(
        INTEGER, "Inferences the window ran: the repetition's samples for query, 0 for load", COUNT
    ),
    "duration_s": Column(NUMBER, "Wall-clock duration of the window", S),
    "energy_kwh": Column(
        NUMBER, "Energy of the window, CPU + GPU + RAM (CodeCarbon's energy_consumed)", KWH
    ),
    "gpu_energy_kwh": Column(
        NUMBER,
        "GPU energy of the job's GPU(s) in the window (NVML); empty where no GPU was counted",
        KWH,
    ),
    "cpu_energy_kwh": Column(
        NUMBER, "CPU energy of the window (RAPL, else CodeCarbon's TDP-based estimate)", KWH
    ),
    "ram_energy_kwh": Column(NUMBER, "RAM energy of the window (CodeCarbon's estimate)", KWH),
    "emissions_kg": Column(
        NUMBER, "Emissions of the window: its energy times the carbon intensity", "kg CO2eq"
    ),
    "gpu_idle_power_w": Column(
        NUMBER,
        "The job's idle baseline: mean power per GPU with nothing running, before the first "
        "load; empty where not measured (CPU, idle_seconds 0)",
        "W",
    ),
    "idle_duration_s": Column(NUMBER, "How long the job's idle baseline was measured", S),
    "gpu_energy_above_idle_kwh": Column(
        NUMBER,
        "gpu_energy_kwh minus the idle baseline times the GPUs counted times the duration; "
        "negative values kept; empty where not measured",
        KWH,
    ),
    "carbon_intensity_g_per_kwh": Column(
        NUMBER, "Carbon intensity CodeCarbon applied: emissions over energy", "g CO2eq/kWh"
    ),
    "started_at": Column(
        STRING,
        "When the repetition started (ISO 8601, UTC); a repetition measured in shards lists "
        'each shard\'s start, joined by ";"',
    ),
    "ended_at": Column(
        DATETIME, "When the repetition ended, or (missing_cells) the cell failed, in UTC"
    ),
    "shards": Column(
        INTEGER,
        "Jobs the repetition was measured in, for a cell split to fit plan.max_job_hours; "
        "empty for a cell measured in one job",
        COUNT,
    ),
    # CodeCarbon's own view of the run.
    "codecarbon_run_id": Column(
        STRING, "CodeCarbon's run id of the repetition (shards: each one's, joined by \";\")"
    ),
    "codecarbon_cpu_model": Column(STRING, "The CPU CodeCarbon measured"),
    "codecarbon_gpu_model": Column(STRING, 'The GPUs CodeCarbon counted, as "N x name"'),
    "codecarbon_gpu_count": Column(INTEGER, "How many GPUs CodeCarbon counted", COUNT),
    "codecarbon_tracking_mode": Column(STRING, "CodeCarbon's tracking mode (machine or process)"),
    # The model, as loaded.
    "model_parameters": Column(
        INTEGER, "Parameters of the loaded model, counted from its tensors", COUNT
    ),
    "architecture_kind": Column(
        STRING,
        "The loaded model's architecture: encoder_only, decoder_only, seq2seq, diffusion or "
        "composite",
    ),
    "model_source": Column(STRING, "Where the model came from: hub, local or tiny"),
    "model_repo": Column(STRING, "The Hub repository fetched; empty if none"),
    "model_revision": Column(
        STRING, "The commit the model resolved to (random-weights for a tiny model)"
    ),
    "model_weights": Column(STRING, "pretrained, or random (initialised from the config)"),
    "generation_length_forced": Column(
        BOOLEAN, "Whether generation ran to its maximum length (random weights never stop)"
    ),
    # The dataset, as sampled.
    "dataset_source": Column(STRING, "The dataset's Hub repository or local path"),
    "dataset_revision": Column(
        STRING, "The Hub revision asked for; empty for the default branch or a local file"
    ),
    "dataset_commit": Column(STRING, "The commit the revision resolved to; empty for a file"),
    "dataset_sha256": Column(STRING, "sha256 of the sampled dataset file measured"),
    # The protocol.
    "batch_size": Column(INTEGER, "Samples per model call", COUNT),
    "dtype": Column(STRING, "The model's dtype (float32, float16, bfloat16)"),
    "attention": Column(
        STRING,
        "transformers' attention implementation (attn_implementation) the scenario asked for; "
        "empty: the model's default",
    ),
    "warmup_inferences": Column(
        INTEGER, "Inferences run unmeasured between the load and query windows", COUNT
    ),
    "measure_power_secs": Column(NUMBER, "CodeCarbon's power sampling interval", S),
    "carbon_intensity_setting": Column(
        STRING, "The config's carbon_intensity: an ISO 3166 alpha-3 country, or g CO2eq/kWh"
    ),
    # Provenance: the hardware and software of the job.
    "device": Column(STRING, "The torch device type measured on: cpu or cuda"),
    "gpu_model": Column(STRING, "The GPU model(s) visible to the job; empty on the CPU"),
    "gpu_count": Column(INTEGER, "GPUs visible to the job", COUNT),
    "gpu_driver": Column(STRING, "The NVIDIA driver version; empty on the CPU"),
    "cuda_version": Column(
        STRING,
        "The CUDA version torch was built with; none for a build without CUDA, empty in rows "
        "from before it was recorded",
    ),
    "gpu_energy_source": Column(
        STRING,
        "How GPU energy was read: energy_counter (exact) or power_sampling (an estimate, GPUs "
        "without a counter); empty on the CPU",
    ),
    "cuda_visible_devices": Column(STRING, "CUDA_VISIBLE_DEVICES of the job"),
    "cpu_model": Column(STRING, "The CPU of the host"),
    "hostname": Column(STRING, 'The host the job ran on (shards: each one\'s, joined by ";")'),
    "slurm_job_id": Column(
        STRING, 'SLURM_JOB_ID of the job; empty outside SLURM (shards: each one\'s, joined by ";")'
    ),
    "python_version": Column(STRING, "The Python version of the job"),
    "python_executable": Column(STRING, "The Python interpreter of the job"),
    "workflow_commit": Column(
        STRING, "The workflow's git commit (-dirty: with uncommitted changes)"
    ),
    "torch_version": Column(STRING, _VERSION.format("torch")),
    "transformers_version": Column(STRING, _VERSION.format("transformers")),
    "diffusers_version": Column(STRING, _VERSION.format("diffusers")),
    "datasets_version": Column(STRING, _VERSION.format("datasets")),
    "codecarbon_version": Column(STRING, _VERSION.format("codecarbon")),
    # A failed cell (missing_cells.csv).
    "error": Column(STRING, "The model's failure: exception type and message"),
    "rerun": Column(STRING, "The command that measures the cell again"),
    # Sizes of the work (lengths.csv) and quality (quality.csv).
    "n_samples": Column(INTEGER, "Samples of the cell", COUNT),
    "mean_input_tokens": Column(
        NUMBER, "Mean input tokens per sample (0: inputs without tokens, images)", "tokens"
    ),
    "mean_output_tokens": Column(
        NUMBER, "Mean output tokens per sample (0: no text generated)", "tokens"
    ),
    "n_truncated": Column(INTEGER, "Samples whose input was cut at the model's maximum", COUNT),
    "n_blank_inputs": Column(
        INTEGER,
        "Samples whose every text input is empty, whitespace or zero-width only (measured as "
        "they are); empty for tasks without text inputs",
        COUNT,
    ),
    "mean_image_width": Column(NUMBER, "Mean width of the images generated (0: none)", "pixels"),
    "mean_image_height": Column(NUMBER, "Mean height of the images generated (0: none)", "pixels"),
    "mean_inference_steps": Column(
        NUMBER, "Mean diffusion steps per image generated (0: none)", "steps"
    ),
    "metric": Column(
        STRING,
        "The quality metric: accuracy, entity_f1, exact_match, f1, accuracy_at_1, rouge1, "
        "rouge2 or rougeL",
    ),
    "value": Column(NUMBER, "The metric's value, 0-1; empty where no sample could be scored"),
    "n_scored": Column(INTEGER, "Samples with a reference, over which the metric is a mean", COUNT),
    # Summaries: counts, precision, flags.
    "n_repetitions": Column(INTEGER, "Query-phase repetitions of the cell", COUNT),
    "n_datasets": Column(INTEGER, "Datasets the model's value is averaged over", COUNT),
    "n_runs": Column(INTEGER, "Query runs (datasets x repetitions) behind the row", COUNT),
    "n_models": Column(INTEGER, "Models of the task and model kind", COUNT),
    "inferences_per_second": Column(
        NUMBER, "Query-phase throughput: 1 / seconds_per_inference (its mean)", "inferences per s"
    ),
    "relative_halfwidth_95": Column(
        NUMBER, "energy_kwh_per_1k_halfwidth_95 over the mean energy_kwh_per_1k"
    ),
    "imprecise": Column(
        BOOLEAN,
        "Whether relative_halfwidth_95 is over summary.max_relative_halfwidth, or unknown "
        "(a single repetition)",
    ),
    "above_idle_flag": Column(
        STRING,
        "What the cell's above-idle GPU energy can be read as: resolved (its 95% interval "
        "lies above 0), negative, within_halfwidth (0 is within it); empty: not measured",
    ),
    "n_cells_imprecise": Column(INTEGER, "Cells of the task marked imprecise", COUNT),
    "n_cells_above_idle_unresolved": Column(
        INTEGER, "Cells of the task whose above_idle_flag is negative or within_halfwidth", COUNT
    ),
    "n_cells_missing": Column(
        INTEGER, "Cells of the task whose model failed (missing_cells.csv; not averaged)", COUNT
    ),
    "gpu_energy_estimated": Column(
        BOOLEAN, "Whether any of the task's GPU energy came from power sampling (an estimate)"
    ),
    # Energy per unit of work (powerhungry.analysis.summary.UNIT_COLUMNS; a model's: the mean
    # over its datasets).
    "energy_kwh_per_1k_input_tokens": Column(
        NUMBER,
        "Query energy over the mean input tokens (text, and image-generation prompts)",
        "kWh per 1,000 input tokens",
    ),
    "energy_kwh_per_1k_output_tokens": Column(
        NUMBER,
        "Query energy over the mean generated tokens (models that generate text)",
        "kWh per 1,000 output tokens",
    ),
    "energy_wh_per_image": Column(NUMBER, "Query energy per image generated", "Wh per image"),
    "energy_wh_per_diffusion_step": Column(
        NUMBER, "Query energy per diffusion step of the images generated", "Wh per diffusion step"
    ),
    # The paper's Table 5 (break_even.csv).
    "training_kwh": Column(NUMBER, "Training energy, quoted (config training_energy)", KWH),
    "finetuning_kwh": Column(NUMBER, "Fine-tuning energy, quoted (config training_energy)", KWH),
    "training_source": Column(STRING, "Where the training and fine-tuning energies come from"),
    "inference_kwh_per_query": Column(
        NUMBER,
        "This study's energy per inference (multi_purpose.csv, task all)",
        "kWh per inference",
    ),
    "break_even_inferences": Column(
        INTEGER,
        "Inferences whose energy equals training + fine-tuning; empty: not measured here",
        COUNT,
    ),
    "note": Column(STRING, "Why a value is empty"),
    # Ours beside the paper's (comparison.csv; powerhungry.analysis.compare, which names
    # run A "paper" and run B "ours").
    "level": Column(
        STRING,
        "task (a task and model kind), model (one model on its task) or cell (one model on "
        "one dataset, at one batch size and dtype)",
    ),
    **{
        f"{run}_{column}": Column(kind, meaning.format(who=who), unit)
        for run, who in (("ours", "This study's"), ("paper", "The paper's (its own logs)"))
        for column, kind, meaning, unit in (
            ("n_cells", INTEGER, "{who} cells the value is over", COUNT),
            (
                "energy_kwh_per_1k",
                NUMBER,
                "{who} query energy: the task's mean over models (level task), the model's "
                "value (model) or the cell's mean over repetitions (cell)",
                "kWh per 1,000 inferences",
            ),
            (
                "energy_kwh_per_1k_halfwidth_95",
                NUMBER,
                "{who} 95% confidence half-width of that energy (empty: one repetition)",
                "kWh per 1,000 inferences",
            ),
            (
                "emissions_g_per_1k",
                NUMBER,
                "{who} query emissions, at its own carbon intensity (comparison_setup.csv)",
                "g CO2eq per 1,000 inferences",
            ),
        )
    },
    "energy_ratio": Column(NUMBER, "ours_energy_kwh_per_1k / paper_energy_kwh_per_1k"),
    "energy_ratio_low_95": Column(
        NUMBER,
        "Lower end of the ratio's 95% interval (delta method on the log of the ratio); empty "
        "where a half-width is unknown",
    ),
    "energy_ratio_high_95": Column(NUMBER, "Upper end of the ratio's 95% interval"),
    "distinguishable": Column(BOOLEAN, "Whether the ratio's 95% interval excludes 1"),
    # What differs between the paper's run and ours (comparison_setup.csv).
    "property": Column(
        STRING, "What describes a run: hardware, software, protocol, carbon intensity"
    ),
    "differs": Column(BOOLEAN, "Whether the two runs' values differ"),
    # The plan (plan.csv; powerhungry.plan.estimate.CellEstimate).
    "repetitions": Column(INTEGER, "Repetitions planned (the most, where adaptive)", COUNT),
    "inferences": Column(INTEGER, "Samples per repetition planned", COUNT),
    "jobs": Column(INTEGER, "Measurement jobs (more than 1: the cell runs as shards)", COUNT),
    "gpu_hours": Column(NUMBER, "GPU time estimated, each job's start-up included", "h"),
    "host_memory_gb": Column(NUMBER, "Host memory estimated", "GB"),
    "gpu_memory_gb": Column(NUMBER, "GPU memory estimated", "GB"),
    "model_download_gb": Column(NUMBER, "The model's download (shared by its cells)", "GB"),
    "load_s": Column(NUMBER, "Load time per repetition the estimate is made from", S),
    "query_s_per_inference": Column(
        NUMBER, "Query time per inference the estimate is made from", "s per inference"
    ),
    "basis": Column(
        STRING, "What the estimate comes from: measured, paper, paper_fit; empty: nothing"
    ),
    "workload": Column(STRING, "How the paper's query time was scaled to the cell's settings"),
    "problem": Column(STRING, "Why the cell cannot run as planned, and the fix; empty if none"),
    "min_job_hours": Column(
        NUMBER, "The shortest max_job_hours the cell can be split for, where longer", "h"
    ),
    **metric_columns(),
}

TABLES: dict[str, Table] = {
    "measurements": Table(
        "Measurements",
        "One row per window (load, query) of each repetition of each cell, with its provenance",
        MEASUREMENT_KEY,
    ),
    "missing_cells": Table(
        "Missing cells",
        "One row per cell whose model failed (left out of every other table)",
        CELL_KEY,
    ),
    "lengths": Table(
        "Input and output sizes (the paper's Table 4)", "One row per measured cell", CELL_KEY
    ),
    "quality": Table(
        "Quality (the paper's Table 7)",
        "One row per measured cell and quality metric",
        (*CELL_KEY, "metric"),
    ),
    "cell_summary": Table(
        "Cell summary",
        "One row per cell: its query-phase repetitions summarized",
        CELL_KEY,
    ),
    "scenario_summary": Table(
        "Deployment scenarios compared",
        "One row per scenario, task and model: its energy, latency and throughput at the "
        "scenario's settings, and its energy relative to the default scenario's",
        MODEL_KEY,
        columns={
            "datasets": Column(STRING, "The datasets measured, joined by '; '"),
            "missing_reason": Column(
                STRING, "Why the model's missing cells in this scenario failed (their errors)"
            ),
            "energy_kwh_per_1k": Column(
                NUMBER,
                "Query-phase energy, CPU + GPU + RAM: mean over the datasets of the mean over "
                "repetitions",
                "kWh per 1,000 inferences",
            ),
            "energy_kwh_per_1k_output_tokens": Column(
                NUMBER,
                "energy_kwh_per_1k over the mean generated tokens per inference, averaged over "
                "the datasets; empty where the model does not generate text",
                "kWh per 1,000 output tokens",
            ),
            "energy_kwh_per_1k_output_tokens_halfwidth_95": Column(
                NUMBER,
                "Half-width of the 95% confidence interval of energy_kwh_per_1k_output_tokens",
                "kWh per 1,000 output tokens",
            ),
            "seconds_per_inference": Column(
                NUMBER,
                "Query-phase duration over its inferences (a batch's time shared by its "
                "samples): mean over the datasets of the mean over repetitions",
                "s per inference",
            ),
            "seconds_per_batch": Column(
                NUMBER,
                "seconds_per_inference times the batch size: what a request served in a batch "
                "waits",
                "s per batch",
            ),
            "seconds_per_batch_halfwidth_95": Column(
                NUMBER,
                "Half-width of the 95% confidence interval of seconds_per_batch",
                "s per batch",
            ),
            "inferences_per_second": Column(
                NUMBER, "Throughput: 1 / seconds_per_inference", "inferences per s"
            ),
            "inferences_per_second_halfwidth_95": Column(
                NUMBER,
                "Half-width of the 95% confidence interval of inferences_per_second (delta "
                "method: the latency's half-width over its square)",
                "inferences per s",
            ),
            "energy_ratio_to_default": Column(
                NUMBER,
                "energy_kwh_per_1k over the default scenario's, same model and datasets; empty "
                "for the default and where the datasets differ",
            ),
            "energy_ratio_to_default_low": Column(
                NUMBER,
                "Lower bound of the 95% confidence interval of energy_ratio_to_default (delta "
                "method on its logarithm)",
            ),
            "energy_ratio_to_default_high": Column(
                NUMBER, "Upper bound of the 95% confidence interval of energy_ratio_to_default"
            ),
            "same_host_as_default": Column(
                BOOLEAN,
                "Whether the model's cells in this scenario and in the default one were measured "
                "on the same host(s); the ratio's interval covers the repetitions' spread only, "
                "not a difference between machines; empty where not compared or not recorded",
            ),
            "hours_apart_from_default": Column(
                NUMBER,
                "Hours between the mean start times of the model's query runs in this scenario "
                "and in the default one (a machine drifts between runs measured apart; the "
                "ratio's interval does not cover that); empty where not compared",
                "h",
            ),
        },
    ),
    "model_summary": Table(
        "Model summary",
        "One row per model on a task: the mean over its datasets of each one's mean over "
        "repetitions",
        MODEL_KEY,
    ),
    "task_summary": Table(
        "Task summary (the paper's Table 2)",
        "One row per task and model kind: statistics over its models' values",
        GROUP_KEY,
    ),
    "multi_purpose": Table(
        "Multi-purpose models (the paper's Table 3)",
        "One row per multi-purpose model over all its tasks (task all), then one per task",
        (MODEL, TASK),
    ),
    "break_even": Table(
        "Training vs inference (the paper's Table 5)",
        "One row per model of the config's training_energy",
        (MODEL,),
    ),
    "comparison": Table(
        "Ours vs the paper",
        "One row per task and model kind both measured (level task; model, dataset, batch size "
        "and dtype empty), then per model (level model), then per cell at the same batch size "
        "and dtype (level cell)",
        ("level", *CELL_KEY, "batch_size", "dtype"),
    ),
    "comparison_setup": Table(
        "What differs between the paper's run and ours",
        "One row per property of a run, the paper's value beside ours",
        ("property",),
        columns={
            "paper": Column(STRING, "The paper's run (its own logs, resources/reference/paper)"),
            "ours": Column(STRING, "This study's run"),
        },
    ),
    "plan": Table(
        "Plan",
        "One row per cell: what it was expected to cost on the planned GPU class, before it "
        "ran (estimates, never results)",
        CELL_KEY,
        columns={
            "gpu_energy_kwh": Column(
                NUMBER,
                "GPU energy estimated: measured rates, else GPU time at the board's power (an "
                "upper bound)",
                KWH,
            ),
        },
    ),
}

REGISTRY = "src/powerhungry/table_schema.py"


class UndescribedError(ValueError):
    """A table, or a table's column, that this registry does not describe."""


def describe(table: str, columns: Iterable[str]) -> list[tuple[str, Column]]:
    """The description of each of `columns` of `table`, in order. Raises UndescribedError
    naming every column (or the table) described nowhere, and where to describe it."""
    if table not in TABLES:
        raise UndescribedError(
            f"table {table!r} is not described: add it to TABLES in {REGISTRY} (title, what a "
            "row is, primary key)"
        )
    own = TABLES[table].columns
    names = list(columns)
    unknown = [name for name in names if name not in own and name not in COLUMNS]
    if unknown:
        raise UndescribedError(
            f"table {table!r} has columns described nowhere: {', '.join(unknown)}; add each to "
            f"COLUMNS in {REGISTRY} (type, description, unit)"
        )
    return [(name, own.get(name) or COLUMNS[name]) for name in names]


def integer_columns(table: str, columns: Iterable[str]) -> list[str]:
    """Those of `columns` that `table` holds as integers (columns described nowhere skipped)."""
    own = TABLES[table].columns
    described = {c: own.get(c) or COLUMNS.get(c) for c in columns}
    return [c for c, d in described.items() if d is not None and d.type == INTEGER]
