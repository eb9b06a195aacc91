#!/usr/bin/env bash
# Built-in model throughput: Python RDKit, C++ in process and the model server over HTTP,
# measured in one run, with the ratios the benchmark goals of issue 3 talk about.
#
#   bench/run_models.sh [--build DIR] [--models ID,...] [--molecules N] [--repeat R]
#
# --build      build directory with ersilia-hub, bench/model_benchmark and bench/http_load
#              (default ./build)
# --models     comma-separated model ids (default: all ten built-in models)
# --molecules  the first N molecules of ../shared/data/molecules_50k.csv (default 0: all
#              49,993; a full run of every model takes hours on two cores, --molecules 2000
#              a few minutes)
# --repeat     measure everything R times, interleaved, and report medians (default 1)
#
# Per model and repeat: the Python baseline (bench/python/model_baseline.py) and C++ in
# process with one thread (bench/model_benchmark), both pinned to CPU 0 with taskset; in
# process with two threads; HTTP as bench/run_http.sh measures it (one thread pinned to CPU 0,
# two threads with one and with two clients). Raw JSON lines go to
# bench/results/models-<time>.jsonl, then bench/python/summarize.py prints the tables.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
build="$repo/build"
models="eos3b5e,eos3zur,eos4djh,eos4wt0,eos5axz,eos5guo,eos7jio,eos8a4x,eos8ioa,eos9ei3"
molecules=0
repeat=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --models) models="$2"; shift 2 ;;
    --molecules) molecules="$2"; shift 2 ;;
    --repeat) repeat="$2"; shift 2 ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "run_models.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
build="$(cd "$build" && pwd)"
input="$repo/../shared/data/molecules_50k.csv"
python=/usr/bin/python3

mkdir -p "$repo/bench/results"
results="$repo/bench/results/models-$(date -u +%Y%m%dT%H%M%SZ).jsonl"
tag() { sed "s/^{/{\"repeat\": $1, /"; }

for ((r = 1; r <= repeat; ++r)); do
  for model in ${models//,/ }; do
    echo "run_models.sh: repeat $r/$repeat, $model" >&2
    taskset -c 0 "$python" "$repo/bench/python/model_baseline.py" --model "$model" \
      --input "$input" --limit "$molecules" | sed 's/^{/{"mode": "python", /' | tag "$r" \
      >> "$results"
    taskset -c 0 "$build/bench/model_benchmark" --input "$input" --models "$model" \
      --threads 1 --limit "$molecules" | sed 's/^{/{"mode":"cpp",/' | tag "$r" >> "$results"
    "$build/bench/model_benchmark" --input "$input" --models "$model" --threads 2 \
      --limit "$molecules" | sed 's/^{/{"mode":"cpp",/' | tag "$r" >> "$results"
    "$repo/bench/run_http.sh" --build "$build" --models "$model" --molecules "$molecules" \
      | tag "$r" >> "$results"
  done
done

"$python" "$repo/bench/python/summarize.py" "$results"
echo "raw results: $results"
