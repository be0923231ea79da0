#!/usr/bin/env bash
# The GPU validation kit's one command (benchmarks/gpu/README.md). On the GPU machine, from the
# repository root, with the wheels of fetch_wheels.sh in benchmarks/gpu/wheels:
#   benchmarks/gpu/run.sh             # results in $OUT (or results/gpu-kit/)
#   benchmarks/gpu/run.sh --dry-run   # the same parts on a CPU machine, tiny sizes, no CUDA parts
# PYTHON names the interpreter (default python3); it needs nothing installed but the standard
# library to start: the wheels go into a private folder, never into its site-packages.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec "${PYTHON:-python3}" "$here/kit.py" "$@"
