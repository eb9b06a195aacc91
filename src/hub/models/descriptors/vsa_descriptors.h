#pragma once

// MOE-style "VSA" binned descriptors: Labute surface-area contributions summed per bin of an
// atomic property, or the reverse. The EState hybrids (`rdkit/Chem/EState/EState_VSA.py`)
// exist only in Python in RDKit 2022.09; the PEOE/SMR/SlogP families reproduce RDKit's C++
// `calc*_VSA` from shared per-atom inputs so that charges and Crippen types are computed once.

#include <span>
#include <vector>

#include <GraphMol/ROMol.h>

namespace hub::models::descriptors {

// Bin edges, as in RDKit (`bisect_right` / `std::upper_bound`: a value equal to an edge goes
// to the upper bin; NaN goes to the last bin).
extern const std::vector<double> kEStateBins;  // EState_VSA1..11 (EState_VSA.estateBins)
extern const std::vector<double> kVsaBins;     // VSA_EState1..10 (EState_VSA.vsaBins)
extern const std::vector<double> kChargeBins;  // PEOE_VSA1..14
extern const std::vector<double> kMrBins;      // SMR_VSA1..10
extern const std::vector<double> kLogPBins;    // SlogP_VSA1..12

// res[bin(bin_property[i])] += contribution[i] over atoms in index order; `bins.size() + 1`
// results. REQUIRES: both spans have one entry per atom.
std::vector<double> BinContributions(std::span<const double> contributions,
                                     std::span<const double> bin_property,
                                     const std::vector<double>& bins);

// Per-atom Labute ASA contributions with implicit hydrogens folded in
// (`rdMolDescriptors._CalcLabuteASAContribs(mol)[0]`), computed fresh (not from RDKit's cache).
std::vector<double> LabuteAtomContributions(const RDKit::ROMol& mol);

// `EState_VSA<k>`: Labute area binned by EState index.
std::vector<double> EStateVsa(std::span<const double> estate, std::span<const double> labute);

// `VSA_EState<k>`: EState index binned by Labute area.
std::vector<double> VsaEState(std::span<const double> estate, std::span<const double> labute);

}  // namespace hub::models::descriptors
