#!/usr/bin/env bash
# Download, on a machine that reaches the package registry, every wheel the GPU machine lacks
# (wheels.txt: one version each, no dependency resolution), for CPython 3.12 manylinux x86-64,
# into benchmarks/gpu/wheels/ (git-ignored), which run.sh installs from and the device tool
# carries. Prints the total size and fails above 60 MiB (the working tree travels in 64 MiB).
#
#   benchmarks/gpu/fetch_wheels.sh                           # for the GPU machine (Python 3.12)
#   benchmarks/gpu/fetch_wheels.sh --python-version 3.11 --dest DIR   # the same list, for a check
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
python_version=3.12
dest=$here/wheels
usage="usage: $0 [--python-version X.Y] [--dest DIR]"
while [ $# -gt 0 ]; do
  case $1 in
    --python-version | --dest)
      [ $# -ge 2 ] || { echo "$1 needs a value; $usage" >&2; exit 2; }
      if [ "$1" = --dest ]; then dest=$2; else python_version=$2; fi
      shift 2 ;;
    -h | --help) echo "$usage"; exit 0 ;;
    *) echo "unknown argument $1; $usage" >&2; exit 2 ;;
  esac
done
# The folder is replaced by the new wheels: never a folder that holds anything else.
if [ -d "$dest" ] && find "$dest" -mindepth 1 ! -name '*.whl' | grep -q .; then
  echo "error: $dest holds files other than wheels; name an empty or a wheels-only folder" >&2
  exit 2
fi
limit_mib=60
pip=("${PYTHON:-python3}" -m pip)
# pip matches manylinux tags exactly: name every glibc level a wheel may be tagged with.
platforms=(--platform manylinux2014_x86_64 --platform manylinux1_x86_64)
for glibc in 5 12 17 24 26 27 28 31 34 35 36 38 39; do
  platforms+=(--platform "manylinux_2_${glibc}_x86_64")
done
requirements=$(mktemp)
fresh=$(mktemp -d)
trap 'rm -rf "$requirements" "$fresh"' EXIT
# Requirement lines without comments; "sdist" lines are built here (pure Python only).
sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$here/wheels.txt" | grep . >"$requirements" || true
built=$(grep -E '#[[:space:]]*sdist' "$here/wheels.txt" | sed -e 's/#.*//' -e 's/[[:space:]]//g')
downloaded=$(grep -vxF -f <(printf '%s\n' "$built") "$requirements")
"${pip[@]}" download --quiet --no-deps --only-binary=:all: --implementation cp \
  --python-version "$python_version" "${platforms[@]}" -d "$fresh" $downloaded
for requirement in $built; do
  "${pip[@]}" wheel --quiet --no-deps -w "$fresh" "$requirement"
done
for wheel in "$fresh"/*.whl; do
  name=$(basename "$wheel")
  case $name in
    *-none-any.whl | *-abi3-manylinux* | *-cp${python_version/./}-cp${python_version/./}-manylinux*) ;;
    *) echo "error: $name does not fit CPython $python_version manylinux x86-64" >&2; exit 1 ;;
  esac
done
expected=$(wc -l <"$requirements")
got=$(find "$fresh" -name '*.whl' | wc -l)
if [ "$got" != "$expected" ]; then
  echo "error: wheels.txt lists $expected packages, $got wheels were fetched" >&2
  exit 1
fi
rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
mv "$fresh" "$dest"
chmod 755 "$dest"
bytes=$(du -cb "$dest"/*.whl | tail -1 | cut -f1)
mib=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')
echo "$got wheels for CPython $python_version in $dest: $mib MiB"
if awk -v b="$bytes" -v l="$limit_mib" 'BEGIN { exit !(b > l * 1048576) }'; then
  echo "error: $mib MiB is over the $limit_mib MiB limit (the device tool carries 64 MiB in all)" >&2
  exit 1
fi
