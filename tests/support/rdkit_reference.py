#!/usr/bin/python3
"""Reference values of the built-in models, computed with Debian's python3-rdkit.

Each model is computed the way its published Ersilia implementation does (see
docs/models.md) and printed as the model's run_output.csv would hold it: a header of the
column names, then one row per input molecule with Python's str() formatting (eos9ei3: %f),
and empty cells where the molecule does not parse or the computation raises.

Usage: /usr/bin/python3 tests/support/rdkit_reference.py --model eos3b5e \
           --input ../shared/data/molecules_50k.csv [--limit N] [--output out.csv]

The input is a CSV whose first row is a header; its first column holds the SMILES. Tests and
benchmarks only: the product never runs Python.
"""

import argparse
import csv
import io
import os
import sys

from rdkit import Chem, RDLogger
from rdkit.Chem import AllChem, Descriptors, rdFingerprintGenerator, rdReducedGraphs

RDLogger.DisableLog("rdApp.*")

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RDKIT_CONTRIB = "/usr/share/RDKit/Contrib"


def _mol_weight():
    return lambda mol: [Descriptors.MolWt(mol)]


def _morgan_bits():
    def compute(mol):
        fp = AllChem.GetMorganFingerprintAsBitVect(mol, useChirality=True, radius=3, nBits=2048)
        return [int(b) for b in fp]

    return compute


def _morgan_counts():
    generator = rdFingerprintGenerator.GetMorganGenerator(radius=3, fpSize=2048)

    def compute(mol):
        dense = [0] * 2048
        for index, count in generator.GetCountFingerprint(mol).GetNonzeroElements().items():
            dense[index] = min(count, 255)
        return dense

    return compute


def _rdkit_fingerprint():
    def compute(mol):
        fp = Chem.RDKFingerprint(mol, minPath=1, maxPath=7, fpSize=2048)
        return [min(int(b), 127) for b in fp]

    return compute


def _erg():
    return lambda mol: [float(x) for x in rdReducedGraphs.GetErGFingerprint(mol)]


def _np_score():
    sys.path.insert(0, os.path.join(RDKIT_CONTRIB, "NP_Score"))
    import npscorer  # noqa: E402

    stderr, sys.stderr = sys.stderr, io.StringIO()  # readNPModel chats on stderr
    try:
        model = npscorer.readNPModel(os.path.join(RDKIT_CONTRIB, "NP_Score", "publicnp.model.gz"))
    finally:
        sys.stderr = stderr

    def compute(mol):
        result = npscorer.scoreMolWConfidence(mol, model)
        return [result.nplikeness, result.confidence]

    return compute


def _sa_score():
    sys.path.insert(0, os.path.join(RDKIT_CONTRIB, "SA_Score"))
    import sascorer  # noqa: E402

    sascorer.readFragmentScores(os.path.join(RDKIT_CONTRIB, "SA_Score", "fpscores"))
    return lambda mol: ["%3f" % sascorer.calculateScore(mol)]


MODELS = {
    "eos3b5e": _mol_weight,
    "eos4wt0": _morgan_bits,
    "eos5axz": _morgan_counts,
    "eos5guo": _erg,
    "eos7jio": _rdkit_fingerprint,
    "eos8ioa": _np_score,
    "eos9ei3": _sa_score,
}


def column_names(model_id):
    path = os.path.join(REPO, "src", "hub", "models", "data", model_id, "run_columns.csv")
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return [row[0] for row in rows[1:]]


def read_smiles(path, limit):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))[1:]
    smiles = [row[0] if row else "" for row in rows]
    return smiles[:limit] if limit else smiles


def compute_row(compute, smiles, width):
    """The row's cells as the model writes them; empty cells when it cannot compute."""
    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        return [""] * width
    try:
        return [str(v) for v in compute(mol)]
    except Exception:  # the published model would fail the batch here
        return [""] * width


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, choices=sorted(MODELS))
    parser.add_argument("--input", required=True)
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--output", default="-")
    args = parser.parse_args()

    names = column_names(args.model)
    compute = MODELS[args.model]()
    out = sys.stdout if args.output == "-" else open(args.output, "w", newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    for smiles in read_smiles(args.input, args.limit):
        writer.writerow(compute_row(compute, smiles, len(names)))
    out.flush()


if __name__ == "__main__":
    main()
