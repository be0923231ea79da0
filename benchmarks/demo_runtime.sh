#!/usr/bin/env bash
# Wall-clock time of the demo study, end to end, in a fresh clone of a commit (default: HEAD), with
# the already-installed .venv (the README's "after install" figure) running the clone's own code.
# Appends one line to benchmarks/results/demo_runtime.tsv.
#   benchmarks/demo_runtime.sh [COMMIT]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
clone=$(mktemp -d)
trap 'rm -rf "$clone"' EXIT
commit=$(git -C "$repo" rev-parse --short "${1:-HEAD}")
git clone --quiet "$repo" "$clone/workflow"
cd "$clone/workflow"
git checkout --quiet "$commit"
# The editable install points at the repository's src/; the clone's code must run instead.
export PYTHONPATH="$clone/workflow/src"
start=$(date +%s.%N)
"$repo/.venv/bin/snakemake" --profile profiles/demo --quiet all > "$clone/run.log" 2>&1
end=$(date +%s.%N)
seconds=$(python3 -c "print($end - $start)")
mkdir -p "$repo/benchmarks/results"
results="$repo/benchmarks/results/demo_runtime.tsv"
[ -f "$results" ] || printf 'date\tcommit\tcpus\tcpu_model\tseconds\n' > "$results"
printf '%s\t%s\t%s\t%s\t%.1f\n' "$(date -u +%FT%TZ)" "$commit" \
  "$(nproc)" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" "$seconds" | tee -a "$results"
