#!/usr/bin/env bash
# Wall-clock time of the demo study, end to end, in a fresh clone of the current commit, with the
# already-installed .venv (the README's "after install" figure). Appends one line to
# benchmarks/results/demo_runtime.tsv.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
clone=$(mktemp -d)
trap 'rm -rf "$clone"' EXIT
git clone --quiet "$repo" "$clone/workflow"
cd "$clone/workflow"
start=$(date +%s.%N)
"$repo/.venv/bin/snakemake" --profile profiles/demo --quiet all > "$clone/run.log" 2>&1
end=$(date +%s.%N)
seconds=$(python3 -c "print($end - $start)")
mkdir -p "$repo/benchmarks/results"
results="$repo/benchmarks/results/demo_runtime.tsv"
[ -f "$results" ] || printf 'date\tcommit\tcpus\tcpu_model\tseconds\n' > "$results"
printf '%s\t%s\t%s\t%s\t%.1f\n' "$(date -u +%FT%TZ)" "$(git -C "$repo" rev-parse --short HEAD)" \
  "$(nproc)" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" "$seconds" | tee -a "$results"
