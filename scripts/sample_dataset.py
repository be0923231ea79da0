"""Rule sample_dataset: the first N rows (or a seeded shuffle) of one dataset, as parquet."""

from powerhungry.data.sampling import write_sample
from powerhungry.logs import log_to
from powerhungry.study import DatasetSpec

with log_to(snakemake.log[0]):
    spec = DatasetSpec(**snakemake.params.dataset)
    checksum = write_sample(spec, snakemake.output.samples, snakemake.output.checksum)
    print(f"{spec.id}: {spec.samples} samples from {spec.source}, sha256 {checksum}")
