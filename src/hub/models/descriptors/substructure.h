#pragma once

// SMARTS helpers shared by the descriptor ports. The ported Python code calls
// `Chem.MolFromSmarts`, `mol.HasSubstructMatch(p)` and `mol.GetSubstructMatches(p)` with their
// defaults (no chirality, uniquified, at most 1000 matches); these helpers do the same.

#include <memory>
#include <string_view>
#include <vector>

#include <GraphMol/ROMol.h>

namespace hub::models::descriptors {

using QueryPtr = std::unique_ptr<RDKit::ROMol>;

// Parses a SMARTS pattern that is part of a compiled-in table. The tables are constants
// checked by the tests, so a pattern RDKit cannot parse is a programming error: aborts.
QueryPtr CompileSmarts(std::string_view smarts);

// Compiles every pattern of `table`, in order (see `CompileSmarts`).
std::vector<QueryPtr> CompileSmartsTable(const std::vector<std::string_view>& table);

// `len(mol.GetSubstructMatches(query, uniquify=uniquify))`: matches are capped at 1000 as in
// Python. Thread-safe for concurrent calls sharing `query` (RDKit is built with
// RDK_BUILD_THREADSAFE_SSS).
int CountMatches(const RDKit::ROMol& mol, const RDKit::ROMol& query, bool uniquify = true);

// `mol.GetSubstructMatches(query, uniquify=uniquify)` as atom-index vectors, pattern order.
std::vector<std::vector<int>> Matches(const RDKit::ROMol& mol,
                                      const RDKit::ROMol& query,
                                      bool uniquify = true);

// `mol.HasSubstructMatch(query)`.
bool HasMatch(const RDKit::ROMol& mol, const RDKit::ROMol& query);

}  // namespace hub::models::descriptors
