"""The results tables in open formats: a Frictionless Data Package describing their CSVs
(results/datapackage.json), and a parquet copy of each with the same types.

The package follows the Frictionless Data Package and Table Schema specifications, v1
(https://specs.frictionlessdata.io/): one tabular resource per table, its path relative to the
package, its fields those of the CSV's header in order, each typed, described and (custom
property `unit`, the Table Schema having none) given its unit from the column registry
(`powerhungry.table_schema`). Tables whose columns vary with the study (GPU columns, shards) are
described as written. The CSVs are as pandas and the csv module write them: comma-separated,
UTF-8, a missing value an empty field, booleans True and False.

The parquet copy is read from the CSV with those types (pyarrow), so a value that does not fit
its column's type stops the rule rather than reaching a reader; its fields carry their
description and unit as metadata.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from powerhungry.files import write_atomic
from powerhungry.table_schema import TABLES, Column, UndescribedError, describe

# How the tables' CSVs write what is not text (pandas' to_csv, csv.DictWriter with None).
MISSING_VALUES = [""]
TRUE_VALUES = ["True"]
FALSE_VALUES = ["False"]

ARROW_TYPES = {
    "string": pa.string(),
    "integer": pa.int64(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    # Python's isoformat with an offset: microseconds at most.
    "datetime": pa.timestamp("us", tz="UTC"),
}

PACKAGE_DESCRIPTION = (
    "The tables of a Power Hungry Processing study (Luccioni, Jernite, Strubell, FAccT 2024, "
    "reproduced by the powerhungry workflow): energy and emissions per 1,000 inferences "
    "measured with CodeCarbon, their summaries, and the paper's other tables. Each table is "
    "also written as parquet beside its CSV (tables/<name>.parquet), with the types given here."
)


def header(path: str | os.PathLike[str]) -> list[str]:
    """The column names of a CSV table (none for an empty file)."""
    with open(path, newline="", encoding="utf-8") as handle:
        return next(csv.reader(handle), [])


def field(name: str, column: Column) -> dict[str, Any]:
    """A Table Schema field descriptor."""
    described: dict[str, Any] = {
        "name": name,
        "type": column.type,
        "description": column.description,
    }
    if column.unit is not None:
        described["unit"] = column.unit
    if column.type == "boolean":
        described |= {"trueValues": TRUE_VALUES, "falseValues": FALSE_VALUES}
    return described


def resource(name: str, columns: list[tuple[str, Column]], path: str) -> dict[str, Any]:
    """A tabular data resource for the table `name` at `path` (relative to the package)."""
    table = TABLES[name]
    return {
        "name": name,
        "profile": "tabular-data-resource",
        "path": path,
        "title": table.title,
        "description": table.description,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": {
            "fields": [field(n, c) for n, c in columns],
            "missingValues": MISSING_VALUES,
            "primaryKey": list(table.primary_key),
        },
    }


def data_package(tables: Mapping[str, str | os.PathLike[str]], root: Path, title: str) -> dict:
    """The package describing `tables` (name -> CSV under `root`, the package's folder), each
    with the columns its file has. Raises UndescribedError listing every table and column the
    registry does not describe."""
    resources, problems = [], []
    for name, path in tables.items():
        try:
            columns = describe(name, header(path))
        except UndescribedError as error:
            problems.append(str(error))
            continue
        relative = Path(os.path.relpath(path, root))
        if relative.parts[0] == "..":
            raise ValueError(f"table {name!r} ({path}) is not under the package's folder {root}")
        resources.append(resource(name, columns, relative.as_posix()))
    if problems:
        raise UndescribedError("\n".join(problems))
    return {
        "profile": "tabular-data-package",
        "name": "powerhungry-results",
        "title": title,
        "description": PACKAGE_DESCRIPTION,
        "resources": resources,
    }


def arrow_schema(columns: list[tuple[str, Column]]) -> pa.Schema:
    """The parquet columns: each typed as the package types it, its description and unit as
    field metadata."""
    return pa.schema(
        [
            pa.field(
                name,
                ARROW_TYPES[column.type],
                metadata={"description": column.description, "unit": column.unit or ""},
            )
            for name, column in columns
        ]
    )


def read_typed(name: str, path: str | os.PathLike[str]) -> pa.Table:
    """The table `name`'s CSV as an arrow table with its columns' types; raises ValueError
    naming the file where a value does not fit its column's type."""
    schema = arrow_schema(describe(name, header(path)))
    options = pa_csv.ConvertOptions(
        column_types=schema,
        null_values=MISSING_VALUES,
        true_values=TRUE_VALUES,
        false_values=FALSE_VALUES,
        strings_can_be_null=True,
    )
    try:
        table = pa_csv.read_csv(path, convert_options=options)
    except pa.ArrowInvalid as error:
        raise ValueError(f"{path}: a value does not fit its column's type: {error}") from error
    return table.cast(schema)  # the fields' metadata


def write_parquet(
    name: str, csv_path: str | os.PathLike[str], target: str | os.PathLike[str]
) -> None:
    """The table `name`'s CSV as parquet at `target` (atomically), typed by `read_typed`."""
    table = read_typed(name, csv_path)
    write_atomic(target, lambda tmp: pq.write_table(table, tmp))
