#include "hub/models/descriptors/substructure.h"

#include <string>

#include <GraphMol/SmilesParse/SmilesParse.h>
#include <GraphMol/Substruct/SubstructMatch.h>

#include "hub/common/status_macros.h"

namespace hub::models::descriptors {

QueryPtr CompileSmarts(std::string_view smarts) {
  QueryPtr query(RDKit::SmartsToMol(std::string(smarts)));
  HUB_CHECK(query != nullptr);
  return query;
}

std::vector<QueryPtr> CompileSmartsTable(const std::vector<std::string_view>& table) {
  std::vector<QueryPtr> queries;
  queries.reserve(table.size());
  for (std::string_view smarts : table) {
    queries.push_back(CompileSmarts(smarts));
  }
  return queries;
}

int CountMatches(const RDKit::ROMol& mol, const RDKit::ROMol& query, bool uniquify) {
  RDKit::SubstructMatchParameters params;
  params.uniquify = uniquify;
  return static_cast<int>(RDKit::SubstructMatch(mol, query, params).size());
}

std::vector<std::vector<int>> Matches(const RDKit::ROMol& mol,
                                      const RDKit::ROMol& query,
                                      bool uniquify) {
  RDKit::SubstructMatchParameters params;
  params.uniquify = uniquify;
  std::vector<std::vector<int>> result;
  for (const RDKit::MatchVectType& match : RDKit::SubstructMatch(mol, query, params)) {
    // Python orders each match by query atom, whatever order RDKit's pairs come in.
    std::vector<int> atoms(match.size(), -1);
    for (const auto& [query_atom, mol_atom] : match) {
      atoms[query_atom] = mol_atom;
    }
    result.push_back(std::move(atoms));
  }
  return result;
}

bool HasMatch(const RDKit::ROMol& mol, const RDKit::ROMol& query) {
  RDKit::SubstructMatchParameters params;
  params.maxMatches = 1;
  return !RDKit::SubstructMatch(mol, query, params).empty();
}

}  // namespace hub::models::descriptors
