#include "hub/models/descriptors/substructure.h"

#include <string>

#include <GraphMol/QueryAtom.h>
#include <GraphMol/RingInfo.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <GraphMol/Substruct/SubstructMatch.h>

#include "hub/common/status_macros.h"

namespace hub::models::descriptors {
namespace {

// Recursive SMARTS match through per-search state that SubstructMatch sets up, so their
// atoms cannot be tested on their own; `*` (AtomNull) matches anything.
bool CanPrecheck(const RDKit::QueryAtom::QUERYATOM_QUERY* query) {
  if (query->getDescription() == "RecursiveStructure" || query->getDescription() == "AtomNull") {
    return false;
  }
  for (auto child = query->beginChildren(); child != query->endChildren(); ++child) {
    if (!CanPrecheck(child->get())) {
      return false;
    }
  }
  return true;
}

RDKit::SubstructMatchParameters Params(bool uniquify, unsigned int max_matches) {
  RDKit::SubstructMatchParameters params;
  params.uniquify = uniquify;
  params.maxMatches = max_matches;
  return params;
}

}  // namespace

SmartsPattern::SmartsPattern(std::string_view smarts)
    : query_(RDKit::SmartsToMol(std::string(smarts))) {
  HUB_CHECK(query_ != nullptr);
  for (const RDKit::Atom* atom : query_->atoms()) {
    if (atom->hasQuery() && CanPrecheck(atom->getQuery())) {
      prechecked_atoms_.push_back(atom);
    }
  }
}

bool SmartsPattern::MayMatch(const RDKit::ROMol& mol) const {
  if (!mol.getRingInfo()->isInitialized()) {
    return true;  // ring queries would need the search's own ring perception
  }
  for (const RDKit::Atom* query_atom : prechecked_atoms_) {
    bool found = false;
    for (const RDKit::Atom* atom : mol.atoms()) {
      if (query_atom->Match(atom)) {
        found = true;
        break;
      }
    }
    if (!found) {
      return false;
    }
  }
  return true;
}

int SmartsPattern::CountMatches(const RDKit::ROMol& mol, bool uniquify) const {
  if (!MayMatch(mol)) {
    return 0;
  }
  return static_cast<int>(RDKit::SubstructMatch(mol, *query_, Params(uniquify, 1000)).size());
}

std::vector<std::vector<int>> SmartsPattern::Matches(const RDKit::ROMol& mol, bool uniquify) const {
  std::vector<std::vector<int>> result;
  if (!MayMatch(mol)) {
    return result;
  }
  for (const RDKit::MatchVectType& match :
       RDKit::SubstructMatch(mol, *query_, Params(uniquify, 1000))) {
    // Python orders each match by query atom, whatever order RDKit's pairs come in.
    std::vector<int> atoms(match.size(), -1);
    for (const auto& [query_atom, mol_atom] : match) {
      atoms[query_atom] = mol_atom;
    }
    result.push_back(std::move(atoms));
  }
  return result;
}

bool SmartsPattern::HasMatch(const RDKit::ROMol& mol) const {
  return MayMatch(mol) && !RDKit::SubstructMatch(mol, *query_, Params(true, 1)).empty();
}

std::vector<SmartsPattern> CompileSmartsTable(const std::vector<std::string_view>& table) {
  std::vector<SmartsPattern> patterns;
  patterns.reserve(table.size());
  for (std::string_view smarts : table) {
    patterns.emplace_back(smarts);
  }
  return patterns;
}

}  // namespace hub::models::descriptors
