#!/usr/bin/env bash
# Work requests end to end (issue 6's benchmark goals), with their peers from the same run:
# 50k x eos3b5e through the hub against the model-server alone and the plain Python RDKit
# script, a fully cached resubmission, submit-and-poll API requests per second, and the hub's
# peak memory for a 1,000,000-row request.
#
#   bench/run_jobs.sh [--build DIR] [--molecules N] [--big-rows N] [--big-repeat]
#                     [--threads T] [--chunks-per-instance C] [--api-seconds S] [--repeat R]
#
# --build                build directory with src/hub/cli/ersilia-hub and bench/http_load
#                        (default ./build)
# --molecules            the first N molecules of ../shared/data/molecules_50k.csv (default 0:
#                        all 49,993)
# --big-rows             rows of the big request (default 1000000; distinct, so all computed)
# --big-repeat           build the big request from plain copies of the input instead (each
#                        distinct molecule computed once: minutes instead of an hour on a busy
#                        machine)
# --threads              compute threads of the one eos3b5e instance, and of the model-server
#                        alone (default: the number of CPUs)
# --chunks-per-instance  chunks the instance runs at once, and the model-server's concurrent
#                        clients (default 2)
# --api-seconds          duration of the submit-and-poll phase (default 10)
# --repeat               runs of the hub end to end, its two baselines (taking turns) and the
#                        cached resubmission; the table shows medians (default 3)
#
# bench/jobs/jobs_benchmark.py does the work (its docstring describes every phase). The table
# also goes to bench/results/jobs-<time>.txt, the raw numbers to jobs-<time>.json beside it.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
build="$repo/build"
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --molecules|--big-rows|--threads|--chunks-per-instance|--api-seconds|--repeat)
      extra+=("$1" "$2"); shift 2 ;;
    --big-repeat) extra+=("$1"); shift ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "run_jobs.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
build="$(cd "$build" && pwd)"
for tool in "$build/src/hub/cli/ersilia-hub" "$build/bench/http_load"; do
  [[ -x "$tool" ]] || { echo "run_jobs.sh: $tool is not built" >&2; exit 1; }
done

mkdir -p "$repo/bench/results"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
/usr/bin/python3 "$repo/bench/jobs/jobs_benchmark.py" \
  --binary "$build/src/hub/cli/ersilia-hub" --http-load "$build/bench/http_load" \
  --input "$repo/../shared/data/molecules_50k.csv" \
  --output "$repo/bench/results/jobs-$stamp.txt" --json "$repo/bench/results/jobs-$stamp.json" \
  "${extra[@]}"
echo "results: bench/results/jobs-$stamp.txt" >&2
