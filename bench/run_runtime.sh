#!/usr/bin/env bash
# Cold start of a model instance (issue 5's goal: under 500 ms from no instance to the first
# /run answered), with its baselines from the same run: spawn+exit of `ersilia-hub --help`
# and a warm /run on the running instance.
#
#   bench/run_runtime.sh [--build DIR] [--model ID] [--repetitions N]
#
# --build        build directory with src/hub/cli/ersilia-hub and
#                bench/runtime/cold_start_benchmark
#                (default ./build)
# --model        built-in model (default eos3b5e)
# --repetitions  cold starts measured (default 20)
#
# The report also goes to bench/results/runtime-<time>.txt.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
build="$repo/build"
model="eos3b5e"
repetitions=20
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build="$(cd "$2" && pwd)"; shift 2 ;;
    --model) model="$2"; shift 2 ;;
    --repetitions) repetitions="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

mkdir -p "$repo/bench/results"
out="$repo/bench/results/runtime-$(date -u +%Y%m%dT%H%M%SZ).txt"
{
  echo "# $(date -u +%FT%TZ) $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
  "$build/bench/runtime/cold_start_benchmark" --binary "$build/src/hub/cli/ersilia-hub" --model "$model" \
    --repetitions "$repetitions"
} | tee "$out"
