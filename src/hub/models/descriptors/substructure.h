#pragma once

// SMARTS helpers shared by the descriptor ports. The ported Python code calls
// `Chem.MolFromSmarts`, `mol.HasSubstructMatch(p)` and `mol.GetSubstructMatches(p)` with their
// defaults (no chirality, uniquified, at most 1000 matches); these helpers do the same.

#include <memory>
#include <string_view>
#include <vector>

#include <GraphMol/ROMol.h>

namespace hub::models::descriptors {

// A compiled SMARTS pattern from a compiled-in table, with a cheap pre-check: before the full
// (comparatively costly) substructure search, every query atom without a recursive `$()` or
// `*` query must match at least one atom of the molecule, which rules out most patterns on
// most molecules (no S, no halogen, ...). Results are exactly those of RDKit's search.
// Immutable; safe to share between threads (RDKit is built with RDK_BUILD_THREADSAFE_SSS).
class SmartsPattern final {
public:
  // Parses `smarts`. The tables are constants checked by the tests, so a pattern RDKit cannot
  // parse is a programming error: aborts.
  explicit SmartsPattern(std::string_view smarts);

  SmartsPattern(SmartsPattern&&) = default;
  SmartsPattern& operator=(SmartsPattern&&) = default;

  const RDKit::ROMol& query() const { return *query_; }

  // False only when the pattern cannot match `mol`.
  bool MayMatch(const RDKit::ROMol& mol) const;

  // `len(mol.GetSubstructMatches(p, uniquify=uniquify))` (at most 1000, as in Python).
  int CountMatches(const RDKit::ROMol& mol, bool uniquify = true) const;

  // `mol.GetSubstructMatches(p, uniquify=uniquify)`: molecule atom indices, ordered by query
  // atom as Python returns them.
  std::vector<std::vector<int>> Matches(const RDKit::ROMol& mol, bool uniquify = true) const;

  // `mol.HasSubstructMatch(p)`.
  bool HasMatch(const RDKit::ROMol& mol) const;

private:
  std::unique_ptr<RDKit::ROMol> query_;
  std::vector<const RDKit::Atom*> prechecked_atoms_;
};

// Compiles every pattern of `table`, in order.
std::vector<SmartsPattern> CompileSmartsTable(const std::vector<std::string_view>& table);

}  // namespace hub::models::descriptors
