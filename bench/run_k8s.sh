#!/usr/bin/env bash
# Submit-to-first-result on the Kubernetes API simulator with a warm node and with a node to
# provision (virtual clock), API calls per request, against the same request on the local
# backend measured in the same run.
#
#   bench/run_k8s.sh [--build DIR] [--molecules N] [--repetitions N]
#
# The report also goes to bench/results/k8s-<time>.txt.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
build="$repo/build"
molecules=200
repetitions=3
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build="$(cd "$2" && pwd)"; shift 2 ;;
    --molecules) molecules="$2"; shift 2 ;;
    --repetitions) repetitions="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

mkdir -p "$repo/bench/results"
out="$repo/bench/results/k8s-$(date -u +%Y%m%dT%H%M%SZ).txt"
{
  echo "# $(date -u +%FT%TZ) $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
  "$build/bench/k8s/k8s_request_benchmark" --binary "$build/src/hub/cli/ersilia-hub" \
    --input "$repo/../shared/data/molecules_50k.csv" --molecules "$molecules" \
    --repetitions "$repetitions"
} | tee "$out"
