"""Preflight: every dataset and model of a study checked on the Hub before any job downloads,
samples or measures, with every problem and its fix listed at once.

For each entry: the repo exists and answers (a renamed repo's redirect is followed and
reported), the token may read it (a gated repo), its revision resolves to a commit, the
installed `datasets` can read it (no loading script, the right parquet-export folder), the model
offers weights its loader reads and the installed transformers/diffusers can build it (its
description files are fetched, never its weights, and the task runner's `import_code` builds it
on the meta device, as a measurement job does first), and what downloading it costs.

Statuses, in the table's `status` column:
- "ok";
- "moved": loads, but from a new home the entry should name (`hub:`);
- "unmeasurable": the stack installed here cannot build the model (an architecture it lacks, a
  backend package missing); its cells will be recorded in missing_cells.csv when measured;
- "error": it cannot be had at all as configured (no such repo or revision, no access, a
  loading script, no loadable weights, a local path missing): `errors_of` lists them, and the
  workflow stops before its first job (Snakefile `onstart`).

The Hub asked is `HF_ENDPOINT`'s, as for every Hub client; run this where the Hub is reachable
(a cluster's submit host). Hub libraries and torch are imported only for entries that need them.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from powerhungry.files import write_atomic
from powerhungry.models.hub_files import MODEL_INDEX
from powerhungry.study import DatasetSpec, ModelSpec, Study

OK, MOVED, UNMEASURABLE, ERROR = "ok", "moved", "unmeasurable", "error"
STATUSES = (OK, MOVED, UNMEASURABLE, ERROR)
# Data files a `datasets` builder reads, by suffix (datasets' packaged modules).
DATA_SUFFIXES = (".parquet", ".arrow", ".csv", ".json", ".jsonl", ".txt", ".tar", ".zip", ".gz")
DEFAULT_ENDPOINT = "https://huggingface.co"  # huggingface_hub.constants.ENDPOINT's default
HUB_TIMEOUT_S = 30.0  # per request to the Hub, s


class HubUnreachableError(OSError):
    """The Hub cannot be asked at all (offline mode, no connection): no entry can be checked."""


@dataclass(frozen=True)
class EntryCheck:
    """One row of the preflight table: a dataset or a model entry of the config.

    `key`: a digest of the entry as configured and the Hub asked (`entry_key`); `repo`: the Hub
    repo asked for; `moved_to`: the repo its name now redirects to; `commit`: what `revision`
    resolves to now; `weights_format`: "safetensors" or "pytorch" (pickled) for the weights
    fetched, empty for none; `files` and `download_bytes` (B): what `prepare_model` downloads
    for a model, and the data files of the split read for a dataset (an upper bound: sampling
    streams only the rows it takes). `problem`: the cause and the fix.
    """

    entry: str
    id: str
    task: str
    source: str
    key: str
    status: str = OK
    repo: str | None = None
    revision: str | None = None
    commit: str | None = None
    gated: bool | None = None
    moved_to: str | None = None
    weights_format: str | None = None
    files: int | None = None
    download_bytes: int | None = None
    problem: str | None = None


COLUMNS = [field.name for field in fields(EntryCheck)]


def entry_key(spec: DatasetSpec | ModelSpec) -> str:
    """16 hex digits of sha256 over the entry as configured and the Hub endpoint asked: a row
    with the same key checked the same thing."""
    endpoint = os.environ.get("HF_ENDPOINT", DEFAULT_ENDPOINT)
    text = json.dumps([type(spec).__name__, asdict(spec), endpoint], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def check_study(study: Study, previous: Iterable[Mapping[str, Any]] = ()) -> list[dict[str, Any]]:
    """One row per dataset entry, then one per model entry, in config order (`COLUMNS`). A
    `previous` row (from an earlier table) with the entry's key is kept as it was where
    `reusable` allows (errors, unmeasurable and gated rows are asked again: the user may since
    have logged in, accepted terms or installed a package). A check
    that itself fails unexpectedly is that entry's error, so that the others are still
    checked."""
    kept = reusable(previous)
    rows = []
    unreachable = False  # the Hub cannot be asked at all: the other hub entries are not tried
    specs: list[DatasetSpec | ModelSpec] = [*study.datasets, *study.models]
    for spec in specs:
        key = entry_key(spec)
        entry = "dataset" if isinstance(spec, DatasetSpec) else "model"
        task = spec.task if isinstance(spec, DatasetSpec) else " ".join(spec.evaluated_tasks)
        source = entry_source(spec)
        if key in kept:
            rows.append(kept[key])
            continue
        if unreachable and source == "hub":
            problem = "not checked: the Hub could not be asked (see the first entry in error)"
            rows.append(
                asdict(EntryCheck(entry, spec.id, task, source, key, ERROR, problem=problem))
            )
            continue
        try:
            check = (
                check_dataset(spec, key)
                if isinstance(spec, DatasetSpec)
                else check_model(spec, study, key)
            )
        except HubUnreachableError as error:
            unreachable = True
            check = EntryCheck(entry, spec.id, task, source, key, ERROR, problem=str(error))
        except Exception as error:
            problem = f"preflight could not check it: {type(error).__name__}: {error}"
            check = EntryCheck(entry, spec.id, task, source, key, ERROR, problem=problem)
        rows.append(asdict(check))
    return rows


def reusable(previous: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """The rows of an earlier table kept for unchanged entries, by key: ok or moved, and not
    gated (access depends on the token in use)."""
    return {
        row["key"]: dict(row)
        for row in previous
        if row.get("key") and row.get("status") in (OK, MOVED) and row.get("gated") != "True"
    }


def run_preflight(study: Study, table: str | Path, reuse: bool = False) -> list[dict[str, Any]]:
    """Check every entry (`reuse`: keep the rows of the table already at `table` for entries
    unchanged since, see `check_study`), write the table (CSV, `COLUMNS`) and print each entry
    that is not ok with its problem; returns the rows. Entries in error are recorded, not
    raised: `errors_of` lists them."""
    previous = read_table(table) if reuse and Path(table).is_file() else []
    if any(entry_source(spec) == "hub" for spec in [*study.datasets, *study.models]):
        from huggingface_hub import get_session

        # The shared client waits forever by default (timeout=None): a Hub that accepts and
        # never answers would hang the run's start.
        get_session().timeout = HUB_TIMEOUT_S
    rows = check_study(study, previous)
    write_table(rows, table)
    for row in rows:
        if row["status"] in (MOVED, UNMEASURABLE):
            print(describe(row))
    reused = len(set(reusable(previous)) & {row["key"] for row in rows})
    again = f" ({reused} unchanged since the last check)" if reused else ""
    print(f"preflight: {len(rows)} entries{again}: {summary(rows)}")
    for task, (size, unknown) in download_by_task(rows).items():
        more = f" + {unknown} entries of unknown size" if unknown else ""
        print(f"  download for {task}: {size / 1e9:.3g} GB{more}")
    return rows


def entry_source(spec: DatasetSpec | ModelSpec) -> str:
    """Where an entry comes from: "hub", "local" or (models) "tiny"."""
    if isinstance(spec, ModelSpec):
        return spec.source
    return "hub" if spec.hub else "local"


def download_by_task(rows: Iterable[Mapping[str, Any]]) -> dict[str, tuple[int, int]]:
    """Per task: the bytes that preparing its models and sampling its datasets download at most
    (a multi-purpose model counts once, under its first task), and how many of its entries have
    no known size (errors, sizes the Hub did not give). Local and tiny entries download nothing
    and are not counted."""
    totals: dict[str, list[int]] = {}
    for row in rows:
        if row["source"] != "hub":
            continue
        total = totals.setdefault(str(row["task"]).split(" ")[0], [0, 0])
        if row["download_bytes"] in (None, ""):
            total[1] += 1
        else:
            total[0] += int(row["download_bytes"])
    return {task: (size, unknown) for task, (size, unknown) in totals.items()}


def errors_of(rows: Iterable[Mapping[str, Any]]) -> str | None:
    """The message listing every entry in error among the table's `rows`, or None."""
    rows = list(rows)
    errors = [row for row in rows if row["status"] == ERROR]
    if not errors:
        return None
    return (
        f"{len(errors)} of {len(rows)} entries cannot be had as configured; fix them and run "
        "again:\n" + "\n".join(f"  - {describe(row)}" for row in errors)
    )


def describe(row: Mapping[str, Any]) -> str:
    """ "<entry> <id> (<task>): <status>: <problem>"."""
    return f"{row['entry']} {row['id']!r} ({row['task']}): {row['status']}: {row['problem']}"


def summary(rows: Sequence[Mapping[str, Any]]) -> str:
    """ "12 ok, 1 moved, 2 unmeasurable": the count of each status present."""
    counts = {status: sum(row["status"] == status for row in rows) for status in STATUSES}
    return ", ".join(f"{count} {status}" for status, count in counts.items() if count)


def write_table(rows: Iterable[Mapping[str, Any]], path: str | Path) -> None:
    """The rows as CSV (`COLUMNS`), one per entry; an unknown quantity is an empty cell."""

    def write(tmp: Path) -> None:
        with tmp.open("w", newline="") as out:
            writer = csv.DictWriter(out, COLUMNS)
            writer.writeheader()
            writer.writerows(rows)

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, write)


def read_table(path: str | Path) -> list[dict[str, str]]:
    """The rows of a preflight table, as text ("" where a value is unknown)."""
    with open(path, newline="") as table:
        return list(csv.DictReader(table))


# ---------------------------------------------------------------- datasets


def check_dataset(spec: DatasetSpec, key: str) -> EntryCheck:
    """A local file or folder exists; a hub dataset resolves, is readable and is not a loading
    script (`sampling.check_layout`)."""
    check = EntryCheck("dataset", spec.id, spec.task, entry_source(spec), key)
    if spec.hub is None:
        if not Path(str(spec.path)).exists():
            problem = f"local path {spec.path!r} does not exist: fix path: on its entry"
            return replace(check, status=ERROR, problem=problem)
        return check
    from powerhungry.data.sampling import DatasetSourceError, check_layout

    check = replace(check, repo=spec.hub, revision=spec.revision)
    info, check = _repo_info(check, "dataset", spec.hub, spec.revision)
    if info is None:
        return check
    sizes = {s.rfilename: s.size for s in info.siblings or []}
    try:
        check_layout(spec, list(sizes))
    except DatasetSourceError as error:
        return replace(check, status=ERROR, problem=str(error))
    try:
        data = split_files(sizes, spec.split, spec.data_dir)
    except ValueError as error:
        return replace(check, status=ERROR, problem=str(error))
    return replace(check, files=len(data), download_bytes=_total(sizes, data))


def split_files(sizes: dict[str, int | None], split: str, data_dir: str | None) -> list[str]:
    """The data files of `split` under `data_dir`: those whose path names the split between
    separators, as `datasets` finds split files (data_files.py: `[-._ 0-9/]` around the
    keyword: `test-00000-of-00001.parquet`, `en/c4-train.00000-of-01024.json.gz`,
    `partial-train/0000.parquet`). Where no file names any split, `datasets` reads them all as
    "train". Raises ValueError, naming the splits the files have, for a split none names."""
    prefix = f"{data_dir.strip('/')}/" if data_dir else ""
    data = [p[len(prefix) :] for p in sizes if p.startswith(prefix)]
    data = [p for p in data if p.lower().endswith(DATA_SUFFIXES)]
    named = [p for p in data if _names(p, split)]
    if named:
        return sorted(prefix + p for p in named)
    found = sorted({word for word in SPLIT_WORDS for p in data if _names(p, word)})
    if not found and split == "train":
        return sorted(prefix + p for p in data)
    raise ValueError(
        f"no data file of split {split!r} under {prefix or 'the repo'} (its files name "
        f"{', '.join(found) or 'no split: all are read as train'}): set split: to one of them"
    )


# Split names `datasets` recognises in file names (data_files.py SPLIT_KEYWORDS).
SPLIT_WORDS = ("train", "training", "validation", "valid", "dev", "val", "test", "testing", "eval")


def _names(path: str, split: str) -> bool:
    return re.search(rf"(^|[-._ 0-9/]){re.escape(split)}([-._ 0-9/]|$)", path) is not None


# ---------------------------------------------------------------- models


def check_model(spec: ModelSpec, study: Study, key: str) -> EntryCheck:
    """A local model's folder exists; a hub model resolves, is readable and offers weights its
    loader reads; either is built on the meta device by each of its tasks' runners. A tiny model
    is built by the workflow itself."""
    tasks = " ".join(spec.evaluated_tasks)
    check = EntryCheck("model", spec.id, tasks, spec.source, key)
    if spec.source == "tiny":
        return check
    if spec.source == "local":
        from powerhungry.models.prepare import ModelSourceError, check_local

        try:
            folder = check_local(spec)
        except ModelSourceError as error:
            return replace(check, status=ERROR, problem=str(error))
        return _check_builds(check, spec, study, folder, shown=str(folder))
    check = replace(check, repo=spec.repo, revision=spec.revision)
    info, check = _repo_info(check, "model", spec.repo, spec.revision)
    if info is None:
        return check
    from huggingface_hub import snapshot_download

    from powerhungry.models.hub_files import (
        UnloadableRepoError,
        files_to_fetch,
    )

    sizes = {s.rfilename: s.size for s in info.siblings or []}
    with tempfile.TemporaryDirectory(prefix="powerhungry-preflight-") as scratch:
        folder = Path(scratch)
        try:
            index = None
            if MODEL_INDEX in sizes:
                snapshot_download(
                    info.id, revision=info.sha, local_dir=folder, allow_patterns=[MODEL_INDEX]
                )
                index = json.loads((folder / MODEL_INDEX).read_text())
            fetched = files_to_fetch(sizes, spec.weights, spec.trust_remote_code, index)
            # What the model is built from: everything prepare_model fetches but the weights.
            descriptions = files_to_fetch(sizes, "random", spec.trust_remote_code, index)
            snapshot_download(
                info.id, revision=info.sha, local_dir=folder, allow_patterns=descriptions
            )
        except UnloadableRepoError as error:
            return replace(check, status=ERROR, problem=str(error))
        except OSError as error:
            return replace(check, status=ERROR, problem=f"cannot download its files: {error}")
        check = replace(
            check,
            weights_format=weights_format(fetched),
            files=len(fetched),
            download_bytes=_total(sizes, fetched),
        )
        return _check_builds(check, spec, study, folder, shown=info.id)


def weights_format(files: Iterable[str]) -> str | None:
    """ "safetensors", "pytorch" (pickled `.bin`), or None where no weights are fetched."""
    suffixes = {Path(name).suffix for name in files}
    if ".safetensors" in suffixes:
        return "safetensors"
    return "pytorch" if ".bin" in suffixes else None


def _check_builds(
    check: EntryCheck, spec: ModelSpec, study: Study, folder: Path, shown: str
) -> EntryCheck:
    """Each task runner of the model imports its code from `folder` (`import_code`: the model
    built on the meta device, its tokenizer or processor loaded), as a measurement does first.
    An architecture the installed transformers does not know, or a missing package, makes the
    model unmeasurable here (its cells are recorded as failures); any other failure (a model
    listed under a task or kind it cannot run) is an error of the entry. `shown`: how messages
    name `folder`."""
    from powerhungry.measure.cell import load_failure_hint
    from powerhungry.tasks import make_runner

    for task in spec.evaluated_tasks:
        cell = next(c for c in study.cells if c.model is spec and c.task == task)
        runner = make_runner(task, spec.kind, study.runner_settings(task, spec, cell.dataset))
        try:
            runner.import_code(folder)
        except Exception as error:
            text = str(error).replace(str(folder), shown).strip().splitlines()[0]
            text = f"{type(error).__name__}: {text[:300]}{load_failure_hint(error)}"
            if isinstance(error, ImportError):
                fix = (
                    "install it where the cells run (requirements-gpu.txt pins timm), or its "
                    "cells are recorded in missing_cells.csv"
                )
                problem = f"building it for {task} needs a package not installed here: {text}"
                return replace(check, status=UNMEASURABLE, problem=f"{problem}; {fix}")
            if _wrong_task(error):
                kind = "multi-purpose (zero-shot)" if spec.kind == "multi_purpose" else spec.kind
                problem = (
                    f"it is not a model a {kind} runner for {task} can build ({text}): check "
                    "the entry's task, tasks and kind"
                )
                return replace(check, status=ERROR, problem=problem)
            problem = (
                f"the installed software cannot build it for {task} ({text}); its cells will be "
                "recorded in missing_cells.csv: give it an environment that has its "
                "architecture, fix the model, or remove it"
            )
            return replace(check, status=UNMEASURABLE, problem=problem)
    return check


def _wrong_task(error: Exception) -> bool:
    """A model built by the runner of another task: transformers' Auto class has no model of
    its config for that task, or a diffusers pipeline is asked of a transformers model."""
    text = str(error)
    return "for this kind of AutoModel" in text or f"no file named {MODEL_INDEX}" in text


# ---------------------------------------------------------------- the Hub


def _repo_info(
    check: EntryCheck, repo_type: str, repo: str, revision: str | None
) -> tuple[Any, EntryCheck]:
    """The repo's info at `revision` with file sizes, and the check with what it tells (commit,
    gated, moved); (None, check in error) where the repo, revision or access is missing."""
    from huggingface_hub import HfApi, constants, get_token
    from huggingface_hub.errors import (
        GatedRepoError,
        HfHubHTTPError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    if constants.HF_HUB_OFFLINE:
        raise HubUnreachableError(
            "HF_HUB_OFFLINE is set, so no Hub client asks the Hub: unset it for preflight"
        )
    api = HfApi()
    where = f"{'datasets/' if repo_type == 'dataset' else ''}{repo}"
    page = f"{constants.ENDPOINT}/{where}"
    asked = revision or "the default branch"
    try:
        info = api.repo_info(repo, repo_type=repo_type, revision=revision, files_metadata=True)
    except RevisionNotFoundError:
        return None, replace(
            check,
            status=ERROR,
            problem=(
                f"{repo!r} has no revision {asked!r}: name a branch, tag or commit it has "
                f"(see {page}/tree/main)"
            ),
        )
    except RepositoryNotFoundError:
        return None, replace(
            check,
            status=ERROR,
            problem=(
                f"{repo!r} is not a {repo_type} on the Hub ({constants.ENDPOINT}), or is "
                "private: check the id on its Hub page"
            ),
        )
    except HfHubHTTPError as error:
        return None, replace(
            check, status=ERROR, problem=f"the Hub refused to describe {repo!r}: {error}"
        )
    except Exception as error:  # the transport's own errors (not OSError): no connection
        raise HubUnreachableError(
            f"cannot reach the Hub at {constants.ENDPOINT}: {type(error).__name__}: {error}; "
            "run preflight where it is reachable (the submit host)"
        ) from error
    check = replace(check, commit=info.sha, gated=bool(info.gated))
    if info.id != repo:
        check = replace(
            check,
            status=MOVED,
            moved_to=info.id,
            problem=f"{repo!r} has moved to {info.id!r}: write hub: {info.id} on its entry",
        )
    if info.gated:
        try:
            api.auth_check(info.id, repo_type=repo_type)
        except GatedRepoError:
            fix = (
                f"accept its conditions at {page} with the account of the token in use"
                if get_token()
                else f"accept its conditions at {page}, then log in (hf auth login) or set "
                "HF_TOKEN on the host that downloads"
            )
            return None, replace(
                check, status=ERROR, problem=f"{repo!r} is gated and cannot be read: {fix}"
            )
    return info, check


def _total(sizes: dict[str, int | None], files: Iterable[str]) -> int | None:
    """Bytes of `files`; None if the Hub gave no size for one of them."""
    values = [sizes.get(name) for name in files]
    return None if any(value is None for value in values) else sum(values)  # type: ignore[misc]
