#!/usr/bin/env bash
# Is wheels.txt complete for the GPU machine? A fresh virtual environment holding only the GPU
# machine's package set (gpu-machine.txt, installed --no-deps), plus the wheels of wheels.txt
# (fetched for this machine's Python by fetch_wheels.sh), runs the kit's dry mode: every import
# of a measurement, aggregation and figure job must be satisfied. Needs the package registry.
#   benchmarks/gpu/check_wheels.sh [PYTHON]    # default python3 (3.11 here: torch's CPU pin)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
python=${1:-python3}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
"$python" -m venv "$scratch/venv"
"$scratch/venv/bin/pip" install --quiet --no-deps -r "$here/gpu-machine.txt"
PYTHON=$python "$here/fetch_wheels.sh" --python-version "$version" --dest "$scratch/wheels"
out=${OUT:-$scratch/out}
PYTHON=$scratch/venv/bin/python "$here/run.sh" --dry-run --wheels "$scratch/wheels" --out "$out"
