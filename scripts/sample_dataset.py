"""Rule sample_dataset: the first N rows (or a seeded shuffle) of one dataset, as parquet, with
the record of where they came from (the hub commit its revision resolved to)."""

from powerhungry.data.sampling import write_sample
from powerhungry.logs import log_to
from powerhungry.study import DatasetSpec

with log_to(snakemake.log[0]):
    spec = DatasetSpec(**snakemake.params.dataset)
    record = write_sample(
        spec, snakemake.output.samples, snakemake.output.checksum, snakemake.output.record
    )
    commit = f" at commit {record.commit}" if record.commit else ""
    print(f"{spec.id}: {record.rows} samples from {spec.source}{commit}, sha256 {record.sha256}")
