#pragma once

// Small descriptors that RDKit 2022.09 defines in Python (`rdkit/Chem/Descriptors.py`),
// ported to C++ with Python's semantics. Pure functions, thread-safe; RDKit exceptions
// propagate to the caller.

#include <array>
#include <vector>

#include <GraphMol/ROMol.h>

namespace hub::models::descriptors {

// `Descriptors.NumValenceElectrons`: sum of outer-shell electrons minus formal charge plus
// hydrogens, over all atoms.
int NumValenceElectrons(const RDKit::ROMol& mol);

// `Descriptors.NumRadicalElectrons`.
int NumRadicalElectrons(const RDKit::ROMol& mol);

// `Descriptors.FpDensityMorgan<radius>`: distinct unfolded Morgan (count) environments of
// radius `radius` per heavy atom; 0 without heavy atoms.
double FpDensityMorgan(const RDKit::ROMol& mol, unsigned int radius);

// `FpDensityMorgan1`, `2` and `3` from one radius-3 fingerprint: an environment id belongs to
// the radius-r fingerprint exactly when one of the atoms setting it does so at radius <= r
// (Morgan layers are computed in order, so a radius-r run is a prefix of the radius-3 run).
std::array<double, 3> FpDensityMorgan123(const RDKit::ROMol& mol);

// Gasteiger-Marsili charges as `rdPartialCharges.ComputeGasteigerCharges(mol)` computes them
// (12 iterations, no exception on missing parameters; NaN where the iteration diverges).
std::vector<double> GasteigerCharges(const RDKit::ROMol& mol);

// `Descriptors._ChargeDescriptors`: the smallest and largest charge, folded from (500, -500)
// with Python's builtin `min`/`max`, so a NaN charge is kept only when it is the last atom's.
struct ChargeRange {
  double min = 500.;
  double max = -500.;

  static ChargeRange Of(const std::vector<double>& charges);
  double MaxAbs() const;  // `MaxAbsPartialCharge`: max(abs(min), abs(max)) in Python's order
  double MinAbs() const;  // `MinAbsPartialCharge`
};

}  // namespace hub::models::descriptors
