"""Rule package_tables: every results table described in results/datapackage.json (a Frictionless
Data Package; powerhungry.table_schema describes the columns) and copied to parquet beside its
CSV, with the types the package gives it."""

import json
from pathlib import Path

from powerhungry.datapackage import data_package, write_parquet
from powerhungry.files import write_atomic
from powerhungry.logs import log_to

with log_to(snakemake.log[0]):
    tables = dict(snakemake.input.items())  # name -> CSV
    target = Path(snakemake.output.datapackage)
    package = data_package(tables, target.parent, snakemake.params.title)
    parquet = {Path(path).stem: path for path in snakemake.output.parquet}
    for name, path in tables.items():
        write_parquet(name, path, parquet[name])
    write_atomic(target, lambda tmp: tmp.write_text(json.dumps(package, indent=2) + "\n"))
    for resource in package["resources"]:
        print(f"{resource['path']}: {len(resource['schema']['fields'])} columns described")
