#!/usr/bin/python3
"""Python baseline for the built-in models: one process computing the same values as a
model's published implementation with python3-rdkit, formatting each row as the model's
output CSV would (str() per cell, %f for eos9ei3), on a CSV of SMILES.

Usage: /usr/bin/python3 bench/python/model_baseline.py --model eos3b5e \
           --input ../shared/data/molecules_50k.csv [--limit N]

Prints one JSON line: {"model", "molecules", "seconds", "molecules_per_second",
"molecules_per_cpu_second"}. The timing
covers parsing, computing and formatting, not reading the input or loading the SA/NP tables
(the published models pay those once per request; excluding them favours Python).
"""

import argparse
import csv
import io
import json
import os
import sys
import time

sys.path.insert(
    0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "support"))
import rdkit_reference  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, choices=sorted(rdkit_reference.MODELS))
    parser.add_argument("--input", required=True)
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()

    smiles = rdkit_reference.read_smiles(args.input, args.limit)
    width = len(rdkit_reference.column_names(args.model))
    compute = rdkit_reference.MODELS[args.model]()

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    start, cpu_start = time.perf_counter(), time.process_time()
    for s in smiles:
        writer.writerow(rdkit_reference.compute_row(compute, s, width))
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start

    print(json.dumps({
        "model": args.model,
        "molecules": len(smiles),
        "seconds": round(seconds, 3),
        "molecules_per_second": round(len(smiles) / seconds, 1),
        "molecules_per_cpu_second": round(len(smiles) / cpu_seconds, 1),
    }))


if __name__ == "__main__":
    main()
