"""Scale benchmark (not a timed test): how long Snakemake takes to plan the paper's full study.

    .venv/bin/python benchmarks/dry_run_scale.py [--rounds 3]

A dry run (`snakemake -n --quiet`) of the workflow with config/config.yaml (312 measurement cells,
30 samples, 88 models, tables and figures) is timed side by side with a dry run of a trivial
Snakefile with the same number of jobs, alternately, in fresh temporary copies with nothing yet
produced. Goal: the workflow's planning takes <= 1.5 x the trivial one's. Appends one row to
benchmarks/results/dry_run_scale.tsv.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "dry_run_scale.tsv"
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
NOT_COPIED = shutil.ignore_patterns(".git", ".venv", ".snakemake", "results", "logs", "cache")
TRIVIAL = """
rule all:
    input: expand("out/{{i}}.txt", i=range({n}))

rule make:
    output: "out/{{i}}.txt"
    shell: "touch {{output}}"
"""


def dry_run(workdir: Path) -> tuple[float, int]:
    """Seconds of one dry run and the number of jobs it planned."""
    start = time.perf_counter()
    result = subprocess.run(
        [SNAKEMAKE, "-n", "--quiet", "rules", "--cores", "1"],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PATH": f"{Path(SNAKEMAKE).parent}{os.pathsep}{os.environ['PATH']}"},
    )
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-3000:])
    total = re.search(r"^total\s+(\d+)\s*$", result.stdout + result.stderr, re.MULTILINE)
    return seconds, int(total[1]) if total else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as tmp:
        workflow = Path(tmp) / "workflow"
        shutil.copytree(REPO, workflow, ignore=NOT_COPIED)
        _, jobs = dry_run(workflow)  # also warms the file system cache and bytecode
        trivial = Path(tmp) / "trivial"
        trivial.mkdir()
        # `all` is one of the jobs in both.
        (trivial / "Snakefile").write_text(TRIVIAL.format(n=jobs - 1))
        assert dry_run(trivial)[1] == jobs
        times: dict[str, list[float]] = {"workflow": [], "trivial": []}
        for _ in range(rounds):
            times["workflow"].append(dry_run(workflow)[0])
            times["trivial"].append(dry_run(trivial)[0])
    workflow_s, trivial_s = (statistics.median(times[k]) for k in ("workflow", "trivial"))
    row = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "jobs": jobs,
        "workflow_s": round(workflow_s, 2),
        "trivial_s": round(trivial_s, 2),
        "ratio": round(workflow_s / trivial_s, 2),
        "goal": 1.5,
        "rounds": rounds,
        "machine": f"{platform.node()} {os.cpu_count()} cpus",
    }
    new = not RESULTS.exists()
    with RESULTS.open("a") as table:
        if new:
            table.write("\t".join(row) + "\n")
        table.write("\t".join(str(v) for v in row.values()) + "\n")
    print(row)


if __name__ == "__main__":
    main()
