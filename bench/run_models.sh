#!/usr/bin/env bash
# Built-in model throughput, C++ in-process against a single Python process with RDKit.
#
#   bench/run_models.sh [BUILD_DIR] [LIMIT] [MODELS]
#
# BUILD_DIR defaults to ./build (with bench/model_benchmark built), LIMIT to 5000 molecules
# of ../shared/data/molecules_50k.csv (0: all 49,993), MODELS to every built-in model.
# Prints a Markdown table; raw JSON lines go to bench/results/models-<time>.jsonl.
# The HTTP columns (model-server through its HTTP API) are added by bench/run_http.sh when
# it exists: it appends lines {"model", "mode": "http", "threads", "mol_per_s"} to the same
# file before the table is printed.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$repo/build}"
limit="${2:-5000}"
models="${3:-eos3b5e,eos4wt0,eos5axz,eos5guo,eos7jio,eos8ioa,eos9ei3}"
input="$repo/../shared/data/molecules_50k.csv"
python=/usr/bin/python3

mkdir -p "$repo/bench/results"
results="$repo/bench/results/models-$(date -u +%Y%m%dT%H%M%SZ).jsonl"

for model in ${models//,/ }; do
  "$python" "$repo/bench/python/model_baseline.py" --model "$model" --input "$input" \
    --limit "$limit" | sed 's/^{/{"mode": "python", /' >> "$results"
  "$build/bench/model_benchmark" --input "$input" --models "$model" --threads 1,2 \
    --limit "$limit" | sed 's/^{/{"mode":"cpp",/' >> "$results"
done
if [[ -x "$repo/bench/run_http.sh" ]]; then
  "$repo/bench/run_http.sh" "$build" "$limit" "$models" >> "$results"
fi

"$python" - "$results" <<'PY'
import collections, json, sys

rows = collections.defaultdict(dict)
for line in open(sys.argv[1]):
    r = json.loads(line)
    m = rows[r["model"]]
    if r["mode"] == "python":
        m["py"], m["py_cpu"] = r["molecules_per_second"], r["molecules_per_cpu_second"]
    elif r["mode"] == "cpp":
        t = r["threads"]
        m[f"cpp{t}"], m[f"cpu{t}"] = r["compute_mol_per_s"], r["compute_mol_per_cpu_s"]
        m[f"json{t}"] = r["with_json_mol_per_s"]
    elif r["mode"] == "http":
        m[f"http{r['threads']}"] = r["mol_per_s"]

def ratio(a, b):
    return f"{a / b:.2f}x" if a and b else "-"

def num(v):
    return f"{v:,.0f}" if v else "-"

# Per-CPU-second rates compare a core with a core whatever else the machine runs; the wall
# rates and the 2-thread speed-up are only meaningful on an otherwise idle machine.
print("| model | Python mol/CPU-s | C++ 1T mol/CPU-s | C++ / Python | C++ 1T mol/s "
      "| 1T + JSON mol/s | 2T + JSON mol/s | 2T / 1T | 2T CPU efficiency | HTTP 1T mol/s "
      "| HTTP / Python |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for model, m in rows.items():
    print(f"| {model} | {num(m.get('py_cpu'))} | {num(m.get('cpu1'))} "
          f"| {ratio(m.get('cpu1'), m.get('py_cpu'))} | {num(m.get('cpp1'))} "
          f"| {num(m.get('json1'))} | {num(m.get('json2'))} "
          f"| {ratio(m.get('json2'), m.get('json1'))} | {ratio(m.get('cpu2'), m.get('cpu1'))} "
          f"| {num(m.get('http1'))} | {ratio(m.get('http1'), m.get('py'))} |")
PY
echo "raw results: $results"
