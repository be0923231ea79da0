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
# (part, longest it may take in seconds, shortest worth starting): the budget is shared, and a
# part is given at most what leaves the later parts their shortest, but never less than its own.
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
BUDGET_S = {"gpu": 480.0, "dry-run": 1200.0}  # the GPU run: at most 8 minutes on the H200


def main() -> int:
    parser = argparse.ArgumentParser(description="GPU validation kit (benchmarks/gpu/README.md)")
    parser.add_argument("--dry-run", action="store_true", help="CPU, tiny sizes, no CUDA parts")
    parser.add_argument(
        "--out", type=Path, default=Path(os.environ.get("OUT") or REPO / "results" / "gpu-kit")
    )
    parser.add_argument("--wheels", type=Path, default=HERE / "wheels")
    parser.add_argument("--budget", type=float, help="seconds for all parts together")
    args = parser.parse_args()
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
    start = time.monotonic()
    for index, (name, cap, minimum) in enumerate(PARTS):
        left = budget - (time.monotonic() - start)
        reserve = sum(later[2] for later in PARTS[index + 1 :])
        limit = max(minimum, min(cap, left - reserve))
        done = {part["name"]: part["status"] for part in summary["parts"]}
        if name in NEEDS_CONFIG and not (work / "run-config.yaml").is_file():
            outcome = skipped("needs the run config, which the config part did not write")
        elif name == "idle" and done.get("workflow") != "ok":
            outcome = skipped("needs the workflow part's tables, which it did not finish")
        elif left < minimum:
            outcome = skipped(f"out of time: {left:.0f} s of the {budget:.0f} s budget left")
        elif name == "wheels":
            outcome = install_wheels(args.wheels, site, work, limit, args.dry_run)
        else:
            outcome = run_part(name, args, work, environment, limit)
        summary["parts"].append({"name": name, "limit_s": round(limit), **outcome})
        summary["wall_s"] = round(time.monotonic() - start, 1)
        summary["ended_at"] = now()
        write_summary(summary, args.out)
        print(
            f"[{summary['wall_s']:7.1f} s] {name}: {outcome['status']}"
            + (f" -- {outcome['reason']}" if outcome.get("reason") else ""),
            flush=True,
        )
    pack(work, args.out)
    report(summary)
    return 0 if all(p["status"] != "failed" for p in summary["parts"]) else 1


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def outcome(
    status: str, reason: str | None = None, seconds: float = 0.0, figures: dict | None = None
) -> dict[str, Any]:
    return {
        "status": status,
        "reason": reason,
        "seconds": seconds,
        "figures": figures or {},
        "targets": [],
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
        process = subprocess.Popen(
            command,
            stdout=handle,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=REPO,
            start_new_session=True,
        )
        try:
            code: int | None = process.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            code = None
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
        return outcome("ok", None, seconds, figures)
    why = (
        f"ran past its {limit:.0f} s limit and was stopped"
        if code is None
        else f"pip exited {code}: {last_lines(work / 'logs' / 'wheels.log')}"
    )
    return outcome("failed", why, seconds, figures)


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
    return outcome("failed", why, seconds, figures)


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
        value = "not measured" if goal["value"] is None else f"{goal['value']:+.4f}"
        verdict = {True: "met", False: "MISSED", None: "-"}[goal["met"]]
        print(f"  target {goal['name']}: {value} (goal {goal['goal']}) {verdict}")


if __name__ == "__main__":
    sys.exit(main())
