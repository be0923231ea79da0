"""Rule measure_inference: energy of one model on one dataset, R repetitions, load and query."""

from pathlib import Path

from powerhungry.logs import log_to
from powerhungry.offline import offline_job

with log_to(snakemake.log[0]):
    offline_job()
    # Imported only now: Hugging Face libraries read the offline switches when imported, and
    # CUDA must not start before the job's GPU is chosen.
    from powerhungry.measure.gpus import measurement_gpu

    with measurement_gpu(snakemake.params.protocol["device"]):
        from powerhungry.startup import long_lived_setup

        with long_lived_setup():
            from powerhungry.data.sample_record import read_sample_record
            from powerhungry.measure.cell import CellJob, measure_or_record_failure
            from powerhungry.measure.cell_files import CellOutputs
            from powerhungry.models.prepare import read_manifest
            from powerhungry.study import DatasetSpec, ModelSpec, Protocol

        # The dataset's revision and commit as recorded when sampled: this job never asks the Hub.
        sample_record = read_sample_record(snakemake.input.sample_record)
        result = measure_or_record_failure(
            CellJob(
                task=snakemake.wildcards.task,
                runner_settings=snakemake.params.runner_settings,
                model=ModelSpec(**snakemake.params.model),
                model_manifest=read_manifest(snakemake.input.model),
                dataset=DatasetSpec(**snakemake.params.dataset),
                samples_path=Path(snakemake.input.samples),
                dataset_sha256=Path(snakemake.input.checksum).read_text().split()[0],
                dataset_revision=sample_record.revision or "",
                dataset_commit=sample_record.commit or "",
                protocol=Protocol(**snakemake.params.protocol),
                workflow_dir=Path(snakemake.scriptdir).parent,
            ),
            CellOutputs(
                measurements=Path(snakemake.output.measurements),
                codecarbon=Path(snakemake.output.codecarbon),
                predictions=Path(snakemake.output.predictions),
            ),
        )
    for row in result.rows:
        print(*(f"{k}={row.get(k)}" for k in ("phase", "repetition", "duration_s", "energy_kwh")))
