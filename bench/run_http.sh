#!/usr/bin/env bash
# HTTP throughput of the built-in models: bench/http_load against `ersilia-hub model-server`,
# 1000-molecule chunks over keep-alive connections.
#
#   bench/run_http.sh [--build DIR] [--models ID,...] [--molecules N] [--chunk N]
#
# Per model, three measurements, each against a freshly started server:
#   threads 1, one client: the server pinned to CPU 0 (taskset), the client to CPU 1, so
#                          the server computes on one core like the Python baseline;
#   threads 2, one client: what the hub's chunk runner does with one instance (a chunk at
#                          a time), so a batch must spread over both compute threads;
#   threads 2, two clients: two chunks in flight, the server's capacity.
# Prints http_load's JSON lines on stdout (bench/run_models.sh collects them).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
build="$repo/build"
models="eos3b5e,eos3zur,eos4djh,eos4wt0,eos5axz,eos5guo,eos7jio,eos8a4x,eos8ioa,eos9ei3"
molecules=0
chunk=1000
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --models) models="$2"; shift 2 ;;
    --molecules) molecules="$2"; shift 2 ;;
    --chunk) chunk="$2"; shift 2 ;;
    *) echo "run_http.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
input="$repo/../shared/data/molecules_50k.csv"
load="$build/bench/http_load"
binary="$build/src/hub/cli/ersilia-hub"
for tool in "$load" "$binary"; do
  [[ -x "$tool" ]] || { echo "run_http.sh: $tool is not built" >&2; exit 1; }
done
log="$(mktemp -d)/model-server.log"

for model in ${models//,/ }; do
  common=(--binary "$binary" --model "$model" --input "$input" --limit "$molecules"
          --chunk "$chunk" --log "$log")
  "$load" "${common[@]}" --threads 1 --clients 1 --server-cpus 0 --client-cpus 1
  "$load" "${common[@]}" --threads 2 --clients 1
  "$load" "${common[@]}" --threads 2 --clients 2
done
