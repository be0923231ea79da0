"""The body of a measurement job (rules measure_inference and measure_shard): offline, on the
job's GPU, one cell, or one shard of a cell split to fit the cluster's time limit, measured or
recorded as the model's failure. Imports nothing at module level: the Hugging Face libraries
read the offline switches when imported, and CUDA must not start before the GPU is chosen."""

from __future__ import annotations

from typing import Any

# What a measurement job imports before its cell; the fork server imports them once for all.
SETUP_MODULES = (
    "powerhungry.data.sample_record",
    "powerhungry.invocation",
    "powerhungry.measure.cell",
    "powerhungry.measure.cell_files",
    "powerhungry.models.prepare",
    "powerhungry.plan.shards",
    "powerhungry.scenarios",
    "powerhungry.study",
    # What every model's code imports first (torch._dynamo, torch.distributed, scipy: ~1.8 s).
    "transformers.modeling_utils",
)


def import_setup() -> None:
    """Import SETUP_MODULES with the garbage collector off, then freeze them
    (`long_lived_setup`). Call it after `offline_job` (the Hugging Face libraries read the
    offline switches when imported); it starts neither CUDA nor NVML by itself."""
    from importlib import import_module

    from powerhungry.startup import long_lived_setup

    with long_lived_setup():
        for name in SETUP_MODULES:
            import_module(name)


def measure_here(smk: Any, shard: dict[str, int] | None = None) -> None:
    """Measure the cell of a Snakemake job object (`smk`: its input, output, params, wildcards
    and scriptdir, as rules/measure.smk declares them), or the shard `shard` (a Shard's fields)
    of it, and write its three outputs; print each row's phase, repetition, duration (s) and
    energy (kWh). Its scripts run it in a child of the run's fork server where one serves the
    job (`powerhungry.forkserver.run_job`: the job's log says which and why not)."""
    from pathlib import Path

    from powerhungry.offline import offline_job

    offline_job()
    from powerhungry.measure.gpus import measurement_gpu

    with measurement_gpu(smk.params.protocol["device"]):
        import_setup()
        from powerhungry.data.sample_record import read_sample_record
        from powerhungry.invocation import recorded_options, rerun_command
        from powerhungry.measure.cell import CellJob, measure_or_record_failure
        from powerhungry.measure.cell_files import CellOutputs
        from powerhungry.models.prepare import ModelSourceError, read_manifest
        from powerhungry.plan.shards import Shard
        from powerhungry.scenarios import scenario_name
        from powerhungry.study import DatasetSpec, ModelSpec, Protocol

        # The dataset's revision and commit as recorded when sampled: this job never asks the Hub.
        sample_record = read_sample_record(smk.input.sample_record)
        try:
            manifest = read_manifest(smk.input.model)
        except ModelSourceError as error:
            # Snakemake removed this job's outputs: a plain rerun would not remake them.
            again = rerun_command(recorded_options(), [smk.output.measurements])
            raise ModelSourceError(f"{error}; then measure this cell again: {again}") from None
        result = measure_or_record_failure(
            CellJob(
                task=smk.wildcards.task,
                runner_settings=smk.params.runner_settings,
                model=ModelSpec(**smk.params.model),
                model_manifest=manifest,
                dataset=DatasetSpec(**smk.params.dataset),
                samples_path=Path(smk.input.samples),
                dataset_sha256=Path(smk.input.checksum).read_text().split()[0],
                dataset_revision=sample_record.revision or "",
                dataset_commit=sample_record.commit or "",
                # The idle baseline's duration is read from the config, not params: it changes
                # no cell's energy, so changing it reruns nothing (powerhungry.study).
                protocol=Protocol(
                    **smk.params.protocol, idle_seconds=smk.config["protocol"]["idle_seconds"]
                ),
                workflow_dir=Path(smk.scriptdir).parent,
                shard=Shard(**shard) if shard is not None else None,
                # From the file's name, not params: the default scenario's jobs keep the
                # params they had before scenarios existed (nothing reruns).
                scenario=scenario_name(smk.wildcards.scenario),
            ),
            CellOutputs(
                measurements=Path(smk.output.measurements),
                codecarbon=Path(smk.output.codecarbon),
                predictions=Path(smk.output.predictions),
            ),
        )
    for row in result.rows:
        print(*(f"{k}={row.get(k)}" for k in ("phase", "repetition", "duration_s", "energy_kwh")))
