#!/usr/bin/env bash
# Wall-clock time of the test tiers in a fresh clone of the current commit, with the
# already-installed .venv: `pytest` (the fast tier) and `pytest -m "" -n 2` (every tier on two
# workers, what `make test` runs after lint). Appends one line per tier to
# benchmarks/results/test_runtime.tsv.
# Run it on an otherwise idle machine: both tiers measure real work on every core.
#   benchmarks/test_runtime.sh [TIER ...]    TIER: fast, all (default: both)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
clone=$(mktemp -d)
trap 'rm -rf "$clone"' EXIT
git clone --quiet "$repo" "$clone/workflow"
cd "$clone/workflow"
# The editable install points at the repository's src/; the clone's code must run instead.
export PYTHONPATH="$clone/workflow/src"
results="$repo/benchmarks/results/test_runtime.tsv"
[ -f "$results" ] || printf 'date\tcommit\tcpus\ttier\tseconds\toutcome\n' > "$results"
tiers=("$@")
[ ${#tiers[@]} -gt 0 ] || tiers=(fast all)
for tier in "${tiers[@]}"; do
  case $tier in fast | all) ;; *) echo "unknown tier $tier: fast or all" >&2; exit 2 ;; esac
  marker=()
  [ "$tier" = all ] && marker=(-m "" -n 2)
  start=$(date +%s.%N)
  "$repo/.venv/bin/pytest" -q -p no:cacheprovider "${marker[@]}" > "$clone/$tier.log" 2>&1 || true
  end=$(date +%s.%N)
  outcome=$(tail -1 "$clone/$tier.log" | sed 's/=//g; s/^ *//; s/ *$//')
  printf '%s\t%s\t%s\t%s\t%.0f\t%s\n' "$(date -u +%FT%TZ)" "$(git -C "$repo" rev-parse --short HEAD)" \
    "$(nproc)" "$tier" "$(python3 -c "print($end - $start)")" "$outcome" | tee -a "$results"
done
