"""The GPU validation kit's driver (run by run.sh): every part, timed, each in its own process.

Standard library only: it must start on a machine where nothing of the project is installed yet.
It installs the carried wheels into a private folder (never into the interpreter's
site-packages), runs the parts of parts.py one after another on the same GPU, each within its
share of the time budget, and writes everything into one folder (`$OUT`, else
results/gpu-kit/): summary.json (rewritten after every part, so a run cut short keeps what it
measured), measurements.csv, harness.csv, workflow-results.tar.gz and logs.tar.gz.
A part that fails, hangs or loses its GPU is reported failed with its reason; the rest still run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
# (part, longest it may take in seconds of the GPU run's 480 s budget, shortest worth starting):
# the budget is shared, the longest scales with it (a dry run on a CPU is given 2.5 times as
# long), and a part is given at most what leaves the later parts their shortest, but never less
# than its own.
PARTS = [
    ("wheels", 60, 5),
    ("config", 30, 15),
    ("environment", 30, 10),
    ("imports", 60, 30),
    ("harness", 150, 40),
    ("cpu_cell", 45, 20),
    # Last but one, with what is left: its finished cells are kept even if it is stopped.
    ("workflow", 300, 60),
    ("idle", 20, 5),
]
NEEDS_CONFIG = {"workflow", "idle", "harness", "cpu_cell"}
# The workflow part's measurements: each job's idle baseline is on its rows (part `idle`).
MEASUREMENTS_TABLE = Path("workflow/results/tables/measurements.csv")
BUDGET_S = {"gpu": 480.0, "dry-run": 1200.0}  # the GPU run: at most 8 minutes on the H200


class Stopped(Exception):
    """The kit was told to stop (SIGTERM, SIGINT): the running part is ended with it."""


# A stop signal that comes while a part's process starts waits until `timed` holds the process:
# raised inside subprocess.Popen, after the fork, it would leave the part running unseen.
STARTING: dict[str, bool | str | None] = {"now": False, "stopped_by": None}


def stop(signum: int, _frame: object) -> None:
    if STARTING["now"]:
        STARTING["stopped_by"] = signal.Signals(signum).name
        return
    raise Stopped(signal.Signals(signum).name)


def positive_seconds(text: str) -> float:
    value = float(text)
    if not 0 < value < float("inf"):  # also refuses NaN
        raise argparse.ArgumentTypeError(f"{text!r}: the budget is a positive number of seconds")
    return value


def main() -> int:
    parser = argparse.ArgumentParser(description="GPU validation kit (benchmarks/gpu/README.md)")
    parser.add_argument("--dry-run", action="store_true", help="CPU, tiny sizes, no CUDA parts")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(os.environ.get("OUT") or REPO / "results" / "gpu-kit"),
        help="folder for the results ($OUT, else results/gpu-kit/)",
    )
    parser.add_argument("--wheels", type=Path, default=HERE / "wheels")
    parser.add_argument(
        "--budget",
        type=positive_seconds,
        help=f"seconds for all parts together (GPU {BUDGET_S['gpu']:.0f}, "
        f"dry run {BUDGET_S['dry-run']:.0f})",
    )
    args = parser.parse_args()
    # Parts run from the repository root: paths given from elsewhere must still mean the same.
    args.out, args.wheels = args.out.resolve(), args.wheels.resolve()
    if args.out.exists() and not args.out.is_dir():
        parser.error(f"--out {args.out} is a file: name a folder for the results")
    mode = "dry-run" if args.dry_run else "gpu"
    budget = args.budget or BUDGET_S[mode]
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="powerhungry-gpu-kit-"))
    (work / "logs").mkdir()
    site = work / "site"
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [str(site), str(REPO / "src"), str(REPO / "benchmarks")]
            + [p for p in [os.environ.get("PYTHONPATH")] if p]
        ),
        # Nothing is downloaded: models and samples come from the repository.
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_HOME": str(work / "hf-home"),
        "MPLBACKEND": "Agg",
        "PYTHONUNBUFFERED": "1",
    }
    summary: dict[str, Any] = {
        "kit": "powerhungry GPU validation (benchmarks/gpu)",
        "mode": mode,
        "started_at": now(),
        "host": platform.node(),
        "budget_s": budget,
        "parts": [],
    }
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    start = time.monotonic()
    try:
        for index, (name, cap, minimum) in enumerate(PARTS):
            left = budget - (time.monotonic() - start)
            reserve = sum(later[2] for later in PARTS[index + 1 :])
            limit = max(minimum, min(cap * budget / BUDGET_S["gpu"], left - reserve))
            if name in NEEDS_CONFIG and not (work / "run-config.yaml").is_file():
                part = skipped("needs the run config, which the config part did not write")
            elif name == "idle" and not (work / MEASUREMENTS_TABLE).is_file():
                part = skipped(f"needs {MEASUREMENTS_TABLE.name} of the workflow part, not written")
            elif left < minimum:
                part = skipped(
                    f"out of time: {max(left, 0):.0f} s of the {budget:.0f} s budget left, "
                    f"it needs at least {minimum} s"
                )
            elif name == "wheels":
                part = install_wheels(args.wheels, site, work, limit, args.dry_run)
            else:
                part = run_part(name, args, work, environment, limit)
            record(summary, name, part, None if part["status"] == "skipped" else limit)
            summary["wall_s"] = round(time.monotonic() - start, 1)
            write_summary(summary, args.out)
    except Stopped as signal_name:
        done = {part["name"] for part in summary["parts"]}
        for name, _, _ in PARTS:
            if name not in done:
                record(summary, name, outcome("failed", f"the kit was stopped ({signal_name})"))
        summary["wall_s"] = round(time.monotonic() - start, 1)
        write_summary(summary, args.out)
    pack(work, args.out)
    shutil.rmtree(work, ignore_errors=True)  # its logs are in logs.tar.gz
    report(summary)
    return 0 if all(validated(part, args.dry_run) for part in summary["parts"]) else 1


def record(
    summary: dict[str, Any], name: str, result: dict[str, Any], limit: float | None = None
) -> None:
    summary["parts"].append(
        {"name": name, "limit_s": None if limit is None else round(limit), **result}
    )
    summary["ended_at"] = now()
    print(
        f"{name}: {result['status']}" + (f" -- {result['reason']}" if result["reason"] else ""),
        flush=True,
    )


def validated(part: dict[str, Any], dry_run: bool) -> bool:
    """Did this part do its job? A dry run without wheels uses the installed packages."""
    return part["status"] == "ok" or (
        dry_run and part["name"] == "wheels" and part["status"] == "skipped"
    )


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def outcome(
    status: str = "ok",
    reason: str | None = None,
    figures: dict[str, Any] | None = None,
    targets: list[dict[str, Any]] | None = None,
    seconds: float = 0.0,
) -> dict[str, Any]:
    """What a part reports (parts.py returns the same shape; the kit adds its seconds)."""
    return {
        "status": status,
        "reason": reason,
        "seconds": seconds,
        "figures": figures or {},
        "targets": targets or [],
    }


def skipped(reason: str) -> dict[str, Any]:
    return outcome("skipped", reason)


def timed(
    command: list[str], log: Path, env: dict[str, str], limit: float
) -> tuple[int | None, float]:
    """Run `command` in its own process group, output to `log`; (exit code or None if it ran
    past `limit` and was killed with its children, seconds)."""
    started = time.monotonic()
    with open(log, "w") as handle:
        STARTING["now"] = True
        try:
            process = subprocess.Popen(
                command,
                stdout=handle,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=REPO,
                start_new_session=True,
            )
        finally:
            STARTING["now"] = False
        try:
            if STARTING["stopped_by"]:
                raise Stopped(STARTING["stopped_by"])
            code: int | None = process.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            code = None
        finally:  # past its limit, or the kit itself stopped: the part goes with its children
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    return code, round(time.monotonic() - started, 1)


def install_wheels(
    wheels: Path, site: Path, work: Path, limit: float, dry_run: bool
) -> dict[str, Any]:
    found = sorted(wheels.glob("*.whl")) if wheels.is_dir() else []
    if not found:
        reason = f"no wheels in {wheels}"
        if dry_run:
            return skipped(f"{reason}: the installed packages are used")
        return outcome(
            "failed",
            f"{reason}: run benchmarks/gpu/fetch_wheels.sh where the registry is reachable; "
            "the machine's own packages are used",
        )
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-index",
        "--no-deps",
        "--no-compile",
        "--no-cache-dir",
        "--target",
        str(site),
        *map(str, found),
    ]
    code, seconds = timed(command, work / "logs" / "wheels.log", dict(os.environ), limit)
    figures = {"wheels": len(found), "target": str(site)}
    if code == 0:
        return outcome("ok", None, figures, seconds=seconds)
    why = (
        f"ran past its {limit:.0f} s limit and was stopped"
        if code is None
        else f"pip exited {code}: {last_lines(work / 'logs' / 'wheels.log')}"
    )
    if "is not a supported wheel" in why:
        why += (
            f" (wheels for another Python: fetch_wheels.sh --python-version "
            f"{sys.version_info.major}.{sys.version_info.minor} fetches this one's)"
        )
    return outcome("failed", why, figures, seconds=seconds)


def run_part(
    name: str, args: argparse.Namespace, work: Path, env: dict[str, str], limit: float
) -> dict[str, Any]:
    command = [
        sys.executable,
        str(HERE / "parts.py"),
        name,
        "--work",
        str(work),
        "--out",
        str(args.out),
    ] + (["--dry-run"] if args.dry_run else [])
    log = work / "logs" / f"{name}.log"
    code, seconds = timed(command, log, env, limit)
    outcome_file = work / "parts" / f"{name}.json"
    if code == 0 and outcome_file.is_file():
        return {**json.loads(outcome_file.read_text()), "seconds": seconds}
    why = (
        f"ran past its {limit:.0f} s limit and was stopped"
        if code is None
        else f"exited {code}: {last_lines(log)}"
    )
    figures = {"cells_finished": finished_cells(work)} if name == "workflow" else {}
    return outcome("failed", why, figures, seconds=seconds)


def last_lines(log: Path, count: int = 3) -> str:
    lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()]
    return " | ".join(lines[-count:]) or "(no output)"


def write_summary(summary: dict[str, Any], out: Path) -> None:
    summary["targets"] = [
        {"part": part["name"], **goal} for part in summary["parts"] for goal in part["targets"]
    ]
    temporary = out / ".summary.json.tmp"
    temporary.write_text(json.dumps(summary, indent=2) + "\n")
    temporary.replace(out / "summary.json")


def pack(work: Path, out: Path) -> None:
    """The workflow's results (with every finished cell's own table, so a run stopped at its
    limit keeps what it measured) and every log, as two archives."""
    results = work / "workflow" / "results"
    with tarfile.open(out / "workflow-results.tar.gz", "w:gz") as archive:
        for name in ["tables", "figures", "explorer.html", "measurements"]:
            if (results / name).exists():
                archive.add(results / name, arcname=f"results/{name}")
    with tarfile.open(out / "logs.tar.gz", "w:gz") as archive:
        archive.add(work / "logs", arcname="kit")
        for folder, name in [
            ("workflow/logs", "workflow"),
            ("workflow/.snakemake/log", "snakemake"),
        ]:
            if (work / folder).is_dir():
                archive.add(work / folder, arcname=name)


def finished_cells(work: Path) -> int:
    """Cells whose measurement file the workflow wrote (atomically, at the cell's end)."""
    folder = work / "workflow" / "results" / "measurements"
    return sum(1 for p in folder.rglob("*.csv") if not p.name.endswith(".codecarbon.csv"))


def report(summary: dict[str, Any]) -> None:
    print(
        f"\n{summary['kit']}, {summary['mode']}, {summary['wall_s']} s "
        f"(budget {summary['budget_s']:.0f} s)"
    )
    for part in summary["parts"]:
        print(
            f"  {part['name']:<12} {part['status']:<8} {part['seconds']:>7.1f} s  "
            f"{part['reason'] or ''}"
        )
    for goal in summary["targets"]:
        value = "not measured" if goal["value"] is None else f"{goal['value']:+.3g}"
        verdict = {True: "met", False: "MISSED", None: goal.get("note", "-")}[goal["met"]]
        print(f"  target {goal['name']}: {value} (goal {goal['goal']}): {verdict}")


if __name__ == "__main__":
    sys.exit(main())
