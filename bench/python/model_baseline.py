#!/usr/bin/python3
"""Python baseline for the built-in models: one process computing the same values as a
model's published implementation with python3-rdkit, formatting each row as the model's
output CSV would (str() per cell, %f for eos9ei3), on a CSV of SMILES.

Usage: /usr/bin/python3 bench/python/model_baseline.py --model eos3b5e \
           --input ../shared/data/molecules_50k.csv [--limit N]

Prints one JSON line: {"model", "molecules", "seconds", "molecules_per_second",
"molecules_per_cpu_second"}. The timing covers parsing, computing and formatting, not
reading the input or loading the SA/NP tables (the published models pay those once per
request; excluding them favours Python).

The seven RDKit models come from tests/support/rdkit_reference.py (the golden tests'
reference); the three descriptor models (eos4djh, eos3zur, eos8a4x) are defined here with
the RDKit Python functions their published implementations call.
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


def _datamol_descriptors():
    """eos4djh: datamol's compute_many_descriptors, spelled with the RDKit calls it binds."""
    from rdkit.Chem import Crippen, Descriptors, QED, rdMolDescriptors as rd
    sys.path.insert(0, os.path.join(rdkit_reference.RDKIT_CONTRIB, "SA_Score"))
    import sascorer  # noqa: E402

    sascorer.readFragmentScores(os.path.join(rdkit_reference.RDKIT_CONTRIB, "SA_Score",
                                             "fpscores"))

    def compute(mol):
        return [
            rd.CalcExactMolWt(mol), rd.CalcFractionCSP3(mol), rd.CalcNumLipinskiHBA(mol),
            rd.CalcNumLipinskiHBD(mol), rd.CalcNumRings(mol), rd.CalcNumHeteroatoms(mol),
            mol.GetNumHeavyAtoms(), rd.CalcNumRotatableBonds(mol),
            Descriptors.NumRadicalElectrons(mol), rd.CalcTPSA(mol), QED.qed(mol),
            Crippen.MolLogP(mol), sascorer.calculateScore(mol),
            rd.CalcNumAliphaticCarbocycles(mol), rd.CalcNumAliphaticHeterocycles(mol),
            rd.CalcNumAliphaticRings(mol), rd.CalcNumAromaticCarbocycles(mol),
            rd.CalcNumAromaticHeterocycles(mol), rd.CalcNumAromaticRings(mol),
            rd.CalcNumSaturatedCarbocycles(mol), rd.CalcNumSaturatedHeterocycles(mol),
            rd.CalcNumSaturatedRings(mol)
        ]

    return compute


def _estate_counts():
    """eos3zur: EState.Fingerprinter.FingerprintMol(mol)[0], one count per atom type."""
    from rdkit.Chem.EState import Fingerprinter

    return lambda mol: [int(x) for x in Fingerprinter.FingerprintMol(mol)[0]]


def _rdkit_descriptors():
    """eos8a4x: DescriptaStorus' 200 RDKit descriptors as floats, qed last."""
    import numpy
    if not hasattr(numpy, "float"):  # RDKit 2022.09's Ipc still spells numpy.float
        numpy.float = float
    from rdkit.Chem import Descriptors, QED
    import rdkit_descriptors_reference as names  # the model's column order

    functions = [QED.qed if n == "qed" else getattr(Descriptors, n)
                 for n in names.EOS8A4X_NAMES]
    return lambda mol: [float(f(mol)) for f in functions]


MODELS = dict(rdkit_reference.MODELS)
MODELS.update({
    "eos3zur": _estate_counts,
    "eos4djh": _datamol_descriptors,
    "eos8a4x": _rdkit_descriptors,
})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, choices=sorted(MODELS))
    parser.add_argument("--input", required=True)
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()

    smiles = rdkit_reference.read_smiles(args.input, args.limit)
    width = len(rdkit_reference.column_names(args.model))
    compute = MODELS[args.model]()

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
