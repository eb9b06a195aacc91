#pragma once

// The 85 `fr_*` functional-group counts of RDKit 2022.09's `rdkit/Chem/Fragments.py`. Their
// SMARTS come from RDKit's data file `Data/FragmentDescriptors.csv`, compiled into the binary
// as a table (names with '=' and '-' turned into '_' as Fragments.py does; the file lists
// fr_sulfone twice with the same SMARTS, Python keeps one function).

#include <string_view>
#include <vector>

#include <GraphMol/ROMol.h>

#include "hub/models/descriptors/substructure.h"

namespace hub::models::descriptors {

// Compiles the table once. Immutable after construction and safe to share between threads.
class FragmentCounter final {
public:
  FragmentCounter();
  FragmentCounter(const FragmentCounter&) = delete;
  FragmentCounter& operator=(const FragmentCounter&) = delete;

  // Number of fragment descriptors (85).
  static int Size();

  // Python name of descriptor `index` in table (file) order, e.g. "fr_C_O".
  static std::string_view Name(int index);

  // Index of `name` in table order, or -1.
  static int IndexOf(std::string_view name);

  // `Fragments.<name>(mol)` for every descriptor, in table order: the number of uniquified
  // matches of its SMARTS (at most 1000, as Python's `GetSubstructMatches`).
  std::vector<int> CountAll(const RDKit::ROMol& mol) const;

private:
  std::vector<SmartsPattern> patterns_;
};

}  // namespace hub::models::descriptors
