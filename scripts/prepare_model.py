"""Rule prepare_model: download a pinned revision, check a local path, or build a tiny model."""

from pathlib import Path

from powerhungry.logs import log_to
from powerhungry.models.prepare import prepare_model
from powerhungry.study import ModelSpec

with log_to(snakemake.log[0]):
    spec = ModelSpec(**snakemake.params.model)
    manifest = prepare_model(
        spec, Path(snakemake.params.model_dir), Path(snakemake.output.manifest)
    )
    print(manifest)
