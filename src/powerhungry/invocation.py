"""The command that reruns part of a study the way it was run: the options of the running
`snakemake` that choose the workflow, its config and its profile, kept as typed; recorded by
each run (`record_invocation`, results/invocation.json) for its jobs and its artifact."""

from __future__ import annotations

import argparse
import json
import shlex
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

# Snakemake options that decide what is run and where (snakemake --help), with how many values.
KEPT_OPTIONS: dict[tuple[str, ...], str | None] = {
    ("--profile",): None,
    ("--workflow-profile",): None,
    ("--snakefile", "-s"): None,
    ("--directory", "-d"): None,
    ("--configfile", "--configfiles"): "+",
    ("--config", "-C"): "+",
}
FLAGS = ("--replace-workflow-config",)


def _parsed(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    for names, nargs in KEPT_OPTIONS.items():
        parser.add_argument(*names, dest=names[0], nargs=nargs, action="append")
    for flag in FLAGS:
        parser.add_argument(flag, action="store_true")
    return parser.parse_known_args(list(argv))[0]


def run_options(argv: Sequence[str]) -> list[str]:
    """The options of `argv` (a snakemake command line, without the program) that choose the
    workflow, config and profile, in the order given; the rest (targets, --cores, -n, ...) left
    out."""
    known = _parsed(argv)
    kept: list[str] = []
    for names, nargs in KEPT_OPTIONS.items():
        for value in getattr(known, names[0]) or []:
            kept += [names[0], *(value if nargs else [value])]
    kept += [flag for flag in FLAGS if getattr(known, flag.lstrip("-").replace("-", "_"))]
    return kept


def named_files(options: Sequence[str]) -> list[str]:
    """The files `options` name that decide a run: its config files and its profiles'
    config.yaml (a profile given by name, found under ~/.config/snakemake, is named as such)."""
    known = _parsed(options)
    files = [path for group in getattr(known, "--configfile") or [] for path in group]
    for profile in [
        *(getattr(known, "--profile") or []),
        *(getattr(known, "--workflow-profile") or []),
    ]:
        files.append(str(Path(profile) / "config.yaml"))
    return files


def config_files(options: Sequence[str]) -> list[str]:
    """The config files a run with `options` reads, in order: the workflow's
    config/config.yaml first unless --replace-workflow-config, then its --configfile files."""
    known = _parsed(options)
    given = [path for group in getattr(known, "--configfile") or [] for path in group]
    if known.replace_workflow_config and given:
        return given
    return ["config/config.yaml", *given]


def rerun_command(argv: Sequence[str], targets: Sequence[str]) -> str:
    """`snakemake <the run's options> --forcerun <targets>`, quoted for a POSIX shell."""
    return shlex.join(["snakemake", *run_options(argv), "--forcerun", *targets])


# Where each run records its options (rules/common.smk, onstart), relative to the workflow.
INVOCATION = Path("results/invocation.json")


def record_invocation(argv: Sequence[str], path: Path = INVOCATION) -> dict[str, object]:
    """Record the run's options (`run_options`), the command they make, and when, as JSON at
    `path`; return the record. A later run overwrites it: the options of the latest run."""
    from powerhungry.files import write_atomic

    options = run_options(argv)
    record = {
        "options": options,
        "command": shlex.join(["snakemake", *options]),
        "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    write_atomic(path, lambda tmp: tmp.write_text(json.dumps(record, indent=2) + "\n"))
    return record


def recorded_options(path: Path = INVOCATION) -> list[str]:
    """The options the latest run recorded; [] where none did (a run before this record
    existed, or outside the workflow)."""
    if not path.is_file():
        return []
    return list(json.loads(path.read_text()).get("options", []))
