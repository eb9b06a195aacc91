#pragma once

// Kier-Hall electrotopological state (EState), ported from RDKit 2022.09's Python package
// `rdkit/Chem/EState/` (EState.py, AtomTypes.py, Fingerprinter.py), which has no C++
// counterpart in that release.

#include <array>
#include <string_view>
#include <vector>

#include <GraphMol/ROMol.h>

#include "hub/models/descriptors/substructure.h"

namespace hub::models::descriptors {

// `EState.EStateIndices(mol)`: one index per atom. `topological_distances` is the row-major
// bond-count distance matrix (`DistanceMatrices::topological`); pairs further apart than 1e6
// (different fragments) do not interact. Thread-safe.
std::vector<double> EStateIndices(const RDKit::ROMol& mol,
                                  const std::vector<double>& topological_distances);

// Convenience overload that computes the distance matrix itself.
std::vector<double> EStateIndices(const RDKit::ROMol& mol);

// The 79 Hall-Kier EState atom types of `AtomTypes.py` (sLi, ssBe, ..., ssssPb), each a SMARTS
// whose first atom is the typed atom, compiled once at construction. Immutable after
// construction and safe to share between threads.
class EStateAtomTypes final {
public:
  static constexpr int kNumTypes = 79;

  EStateAtomTypes();
  EStateAtomTypes(const EStateAtomTypes&) = delete;
  EStateAtomTypes& operator=(const EStateAtomTypes&) = delete;

  // Type name of pattern `index` (0-based, table order), e.g. "sCH3".
  static std::string_view Name(int index);

  // `Fingerprinter.FingerprintMol(mol)`: for every type, the number of uniquified SMARTS
  // matches (`counts`, written by molfeat's "estate" featurizer) and the sum of the EState
  // indices of each match's first atom (`sums`). NOTE: a pattern such as sCH3 `[CD1H3]-*` matches
  // ethane once, not twice, because Python uniquifies matches by atom set; this is kept.
  struct Fingerprint {
    std::array<int, kNumTypes> counts{};
    std::array<double, kNumTypes> sums{};
  };

  Fingerprint FingerprintMol(const RDKit::ROMol& mol,
                             const std::vector<double>& estate_indices) const;

  // `AtomTypes.TypeAtoms(mol)`: for every atom, the indices of all the types it matches, in
  // table order (the first entry is the first type that matches; empty when none does).
  std::vector<std::vector<int>> TypeAtoms(const RDKit::ROMol& mol) const;

private:
  std::vector<SmartsPattern> patterns_;
};

}  // namespace hub::models::descriptors
