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

# Snakemake options that decide what is run, where and with what (snakemake --help), with how
# many values: a rerun without them would run something else, or not at all (--cores locally).
KEPT_OPTIONS: dict[tuple[str, ...], str | None] = {
    ("--profile",): None,
    ("--workflow-profile",): None,
    ("--snakefile", "-s"): None,
    ("--directory", "-d"): None,
    ("--configfile", "--configfiles"): "+",
    ("--config", "-C"): "+",
    ("--executor", "-e"): None,
    ("--cores", "-c"): None,
    ("--jobs", "-j"): None,
    ("--resources", "--res"): "+",
    ("--set-resources",): "+",
    ("--default-resources", "--default-res"): "+",
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


def profile_folders(options: Sequence[str]) -> list[Path]:
    """The folders of the profiles `options` name, as Snakemake finds them: a folder, or a name
    under ~/.config/snakemake; a profile found in neither is left out."""
    known = _parsed(options)
    folders = []
    for profile in [
        *(getattr(known, "--profile") or []),
        *(getattr(known, "--workflow-profile") or []),
    ]:
        for folder in (Path(profile), Path.home() / ".config" / "snakemake" / profile):
            if (folder / "config.yaml").is_file():
                folders.append(folder)
                break
    return folders


def profile_settings(options: Sequence[str]) -> dict[str, object]:
    """The settings of the profiles `options` name, later ones winning; {} for none found."""
    import yaml

    settings: dict[str, object] = {}
    for folder in profile_folders(options):
        settings.update(yaml.safe_load((folder / "config.yaml").read_text()) or {})
    return settings


def named_files(options: Sequence[str]) -> list[str]:
    """The files that decide a run with `options`: the config files it reads (given, or its
    profile's) and its profiles' config.yaml."""
    return [*config_files(options), *(str(f / "config.yaml") for f in profile_folders(options))]


def _replaces(options: Sequence[str]) -> bool:
    return bool(_parsed(options).replace_workflow_config) or bool(
        profile_settings(options).get("replace-workflow-config")
    )


def config_files(options: Sequence[str]) -> list[str]:
    """The config files a run with `options` reads, in order: the workflow's
    config/config.yaml first unless --replace-workflow-config (given or in its profile), then
    its --configfile files (given, else its profile's)."""
    given = [path for group in getattr(_parsed(options), "--configfile") or [] for path in group]
    if not given:
        profiled = profile_settings(options).get("configfile") or profile_settings(options).get(
            "configfiles"
        )
        given = [profiled] if isinstance(profiled, str) else list(profiled or [])
    if _replaces(options) and given:
        return [str(path) for path in given]
    return ["config/config.yaml", *map(str, given)]


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
