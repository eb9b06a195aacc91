#!/usr/bin/python3
"""Reference values for the C++ ports in src/hub/models/descriptors/.

Reads one SMILES per line from stdin and writes one JSON object per line to stdout:

  {"smiles": "...", "parsed": true,
   "values": {"BalabanJ": "1.59...", ..., "qed": "0.70...", "sas": "2.26..."},
   "estate_indices": ["...", ...], "estate_counts": [0, 8, ...], "estate_sums": ["...", ...]}

Scalars are written as Python `repr` strings (ints stay ints, floats use the shortest
round-trip form) so the C++ test can compare both the numbers and their spelling. A descriptor
that raises is written as "error:<ExceptionType>". The 200 eos8a4x descriptors are computed
in the model's order on one molecule object, exactly as its main.py does, so the Python-side
caches (`_adjMat`, `_chargeDescriptors`, ...) behave as they do in the published model.

Run with Debian's interpreter (/usr/bin/python3), which is the one python3-rdkit installs into.
This script is test-only: the product never calls Python.
"""
import json
import os
import sys

import numpy

# RDKit 2022.09's Graphs.CharacteristicPolynomial (used by Ipc) still spells numpy.float,
# which numpy 1.24 removed. It always meant the builtin float (float64).
if not hasattr(numpy, "float"):
    numpy.float = float

from rdkit import Chem, RDConfig, RDLogger  # noqa: E402
from rdkit.Chem import Descriptors, QED  # noqa: E402
from rdkit.Chem.EState import EState, Fingerprinter  # noqa: E402

sys.path.append(os.path.join(RDConfig.RDContribDir, "SA_Score"))
import sascorer  # noqa: E402

RDLogger.DisableLog("rdApp.*")

# DescriptaStorus v1 list, in eos8a4x's order (its model/framework/code/main.py).
EOS8A4X_NAMES = [
    "BalabanJ", "BertzCT", "Chi0", "Chi0n", "Chi0v", "Chi1", "Chi1n", "Chi1v", "Chi2n",
    "Chi2v", "Chi3n", "Chi3v", "Chi4n", "Chi4v", "EState_VSA1", "EState_VSA10",
    "EState_VSA11", "EState_VSA2", "EState_VSA3", "EState_VSA4", "EState_VSA5",
    "EState_VSA6", "EState_VSA7", "EState_VSA8", "EState_VSA9", "ExactMolWt",
    "FpDensityMorgan1", "FpDensityMorgan2", "FpDensityMorgan3", "FractionCSP3",
    "HallKierAlpha", "HeavyAtomCount", "HeavyAtomMolWt", "Ipc", "Kappa1", "Kappa2", "Kappa3",
    "LabuteASA", "MaxAbsEStateIndex", "MaxAbsPartialCharge", "MaxEStateIndex",
    "MaxPartialCharge", "MinAbsEStateIndex", "MinAbsPartialCharge", "MinEStateIndex",
    "MinPartialCharge", "MolLogP", "MolMR", "MolWt", "NHOHCount", "NOCount",
    "NumAliphaticCarbocycles", "NumAliphaticHeterocycles", "NumAliphaticRings",
    "NumAromaticCarbocycles", "NumAromaticHeterocycles", "NumAromaticRings", "NumHAcceptors",
    "NumHDonors", "NumHeteroatoms", "NumRadicalElectrons", "NumRotatableBonds",
    "NumSaturatedCarbocycles", "NumSaturatedHeterocycles", "NumSaturatedRings",
    "NumValenceElectrons", "PEOE_VSA1", "PEOE_VSA10", "PEOE_VSA11", "PEOE_VSA12",
    "PEOE_VSA13", "PEOE_VSA14", "PEOE_VSA2", "PEOE_VSA3", "PEOE_VSA4", "PEOE_VSA5",
    "PEOE_VSA6", "PEOE_VSA7", "PEOE_VSA8", "PEOE_VSA9", "RingCount", "SMR_VSA1",
    "SMR_VSA10", "SMR_VSA2", "SMR_VSA3", "SMR_VSA4", "SMR_VSA5", "SMR_VSA6", "SMR_VSA7",
    "SMR_VSA8", "SMR_VSA9", "SlogP_VSA1", "SlogP_VSA10", "SlogP_VSA11", "SlogP_VSA12",
    "SlogP_VSA2", "SlogP_VSA3", "SlogP_VSA4", "SlogP_VSA5", "SlogP_VSA6", "SlogP_VSA7",
    "SlogP_VSA8", "SlogP_VSA9", "TPSA", "VSA_EState1", "VSA_EState10", "VSA_EState2",
    "VSA_EState3", "VSA_EState4", "VSA_EState5", "VSA_EState6", "VSA_EState7",
    "VSA_EState8", "VSA_EState9", "fr_Al_COO", "fr_Al_OH", "fr_Al_OH_noTert", "fr_ArN",
    "fr_Ar_COO", "fr_Ar_N", "fr_Ar_NH", "fr_Ar_OH", "fr_COO", "fr_COO2", "fr_C_O",
    "fr_C_O_noCOO", "fr_C_S", "fr_HOCCN", "fr_Imine", "fr_NH0", "fr_NH1", "fr_NH2", "fr_N_O",
    "fr_Ndealkylation1", "fr_Ndealkylation2", "fr_Nhpyrrole", "fr_SH", "fr_aldehyde",
    "fr_alkyl_carbamate", "fr_alkyl_halide", "fr_allylic_oxid", "fr_amide", "fr_amidine",
    "fr_aniline", "fr_aryl_methyl", "fr_azide", "fr_azo", "fr_barbitur", "fr_benzene",
    "fr_benzodiazepine", "fr_bicyclic", "fr_diazo", "fr_dihydropyridine", "fr_epoxide",
    "fr_ester", "fr_ether", "fr_furan", "fr_guanido", "fr_halogen", "fr_hdrzine",
    "fr_hdrzone", "fr_imidazole", "fr_imide", "fr_isocyan", "fr_isothiocyan", "fr_ketone",
    "fr_ketone_Topliss", "fr_lactam", "fr_lactone", "fr_methoxy", "fr_morpholine",
    "fr_nitrile", "fr_nitro", "fr_nitro_arom", "fr_nitro_arom_nonortho", "fr_nitroso",
    "fr_oxazole", "fr_oxime", "fr_para_hydroxylation", "fr_phenol", "fr_phenol_noOrthoHbond",
    "fr_phos_acid", "fr_phos_ester", "fr_piperdine", "fr_piperzine", "fr_priamide",
    "fr_prisulfonamd", "fr_pyridine", "fr_quatN", "fr_sulfide", "fr_sulfonamd", "fr_sulfone",
    "fr_term_acetylene", "fr_tetrazole", "fr_thiazole", "fr_thiocyan", "fr_thiophene",
    "fr_unbrch_alkane", "fr_urea", "qed",
]


def spell(value):
    """Python repr of a scalar: ints stay ints, numpy floats become Python floats."""
    if isinstance(value, (bool, numpy.bool_)):
        return repr(int(value))
    if isinstance(value, (int, numpy.integer)):
        return repr(int(value))
    return repr(float(value))


def guarded(fn, mol):
    try:
        return spell(fn(mol))
    except Exception as error:  # the C++ side must report these molecules as failures
        return "error:" + type(error).__name__


def describe(smiles):
    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        return {"smiles": smiles, "parsed": False}
    values = {}
    for name in EOS8A4X_NAMES:
        fn = QED.qed if name == "qed" else getattr(Descriptors, name)
        values[name] = guarded(fn, mol)
    values["sas"] = guarded(sascorer.calculateScore, mol)
    result = {"smiles": smiles, "parsed": True, "values": values}
    try:
        counts, sums = Fingerprinter.FingerprintMol(mol)
        result["estate_indices"] = [spell(x) for x in EState.EStateIndices(mol)]
        result["estate_counts"] = [int(x) for x in counts]
        result["estate_sums"] = [spell(x) for x in sums]
    except Exception as error:
        result["estate_error"] = type(error).__name__
    return result


def main():
    for line in sys.stdin:
        smiles = line.rstrip("\r\n")
        sys.stdout.write(json.dumps(describe(smiles)) + "\n")


if __name__ == "__main__":
    main()
