#include "hub/models/descriptors/estate.h"

#include <GraphMol/MolOps.h>
#include <GraphMol/PeriodicTable.h>
#include <GraphMol/RDKitBase.h>

#include "hub/common/status_macros.h"
#include "hub/models/descriptors/graph_descriptors.h"

namespace hub::models::descriptors {
namespace {

struct AtomType {
  std::string_view name;
  std::string_view smarts;
};

// `_rawD` of rdkit/Chem/EState/AtomTypes.py (RDKit 2022.09.3), Hall and Kier, JCICS 35,
// 1039-1045 (1995), Table 1, with RDKit's "mod" entries.
constexpr AtomType kAtomTypes[] = {
    {"sLi", "[LiD1]-*"},
    {"ssBe", "[BeD2](-*)-*"},
    {"ssssBe", "[BeD4](-*)(-*)(-*)-*"},
    {"ssBH", "[BD2H](-*)-*"},
    {"sssB", "[BD3](-*)(-*)-*"},
    {"ssssB", "[BD4](-*)(-*)(-*)-*"},
    {"sCH3", "[CD1H3]-*"},
    {"dCH2", "[CD1H2]=*"},
    {"ssCH2", "[CD2H2](-*)-*"},
    {"tCH", "[CD1H]#*"},
    {"dsCH", "[CD2H](=*)-*"},
    {"aaCH", "[C,c;D2H](:*):*"},
    {"sssCH", "[CD3H](-*)(-*)-*"},
    {"ddC", "[CD2H0](=*)=*"},
    {"tsC", "[CD2H0](#*)-*"},
    {"dssC", "[CD3H0](=*)(-*)-*"},
    {"aasC", "[C,c;D3H0](:*)(:*)-*"},
    {"aaaC", "[C,c;D3H0](:*)(:*):*"},
    {"ssssC", "[CD4H0](-*)(-*)(-*)-*"},
    {"sNH3", "[ND1H3]-*"},
    {"sNH2", "[ND1H2]-*"},
    {"ssNH2", "[ND2H2](-*)-*"},
    {"dNH", "[ND1H]=*"},
    {"ssNH", "[ND2H](-*)-*"},
    {"aaNH", "[N,nD2H](:*):*"},
    {"tN", "[ND1H0]#*"},
    {"sssNH", "[ND3H](-*)(-*)-*"},
    {"dsN", "[ND2H0](=*)-*"},
    {"aaN", "[N,nD2H0](:*):*"},
    {"sssN", "[ND3H0](-*)(-*)-*"},
    {"ddsN", "[ND3H0](~[OD1H0])(~[OD1H0])-,:*"},
    {"aasN", "[N,nD3H0](:*)(:*)-,:*"},
    {"ssssN", "[ND4H0](-*)(-*)(-*)-*"},
    {"sOH", "[OD1H]-*"},
    {"dO", "[OD1H0]=*"},
    {"ssO", "[OD2H0](-*)-*"},
    {"aaO", "[O,oD2H0](:*):*"},
    {"sF", "[FD1]-*"},
    {"sSiH3", "[SiD1H3]-*"},
    {"ssSiH2", "[SiD2H2](-*)-*"},
    {"sssSiH", "[SiD3H1](-*)(-*)-*"},
    {"ssssSi", "[SiD4H0](-*)(-*)(-*)-*"},
    {"sPH2", "[PD1H2]-*"},
    {"ssPH", "[PD2H1](-*)-*"},
    {"sssP", "[PD3H0](-*)(-*)-*"},
    {"dsssP", "[PD4H0](=*)(-*)(-*)-*"},
    {"sssssP", "[PD5H0](-*)(-*)(-*)(-*)-*"},
    {"sSH", "[SD1H1]-*"},
    {"dS", "[SD1H0]=*"},
    {"ssS", "[SD2H0](-*)-*"},
    {"aaS", "[S,sD2H0](:*):*"},
    {"dssS", "[SD3H0](=*)(-*)-*"},
    {"ddssS", "[SD4H0](~[OD1H0])(~[OD1H0])(-*)-*"},
    {"sCl", "[ClD1]-*"},
    {"sGeH3", "[GeD1H3](-*)"},
    {"ssGeH2", "[GeD2H2](-*)-*"},
    {"sssGeH", "[GeD3H1](-*)(-*)-*"},
    {"ssssGe", "[GeD4H0](-*)(-*)(-*)-*"},
    {"sAsH2", "[AsD1H2]-*"},
    {"ssAsH", "[AsD2H1](-*)-*"},
    {"sssAs", "[AsD3H0](-*)(-*)-*"},
    {"sssdAs", "[AsD4H0](=*)(-*)(-*)-*"},
    {"sssssAs", "[AsD5H0](-*)(-*)(-*)(-*)-*"},
    {"sSeH", "[SeD1H1]-*"},
    {"dSe", "[SeD1H0]=*"},
    {"ssSe", "[SeD2H0](-*)-*"},
    {"aaSe", "[SeD2H0](:*):*"},
    {"dssSe", "[SeD3H0](=*)(-*)-*"},
    {"ddssSe", "[SeD4H0](=*)(=*)(-*)-*"},
    {"sBr", "[BrD1]-*"},
    {"sSnH3", "[SnD1H3]-*"},
    {"ssSnH2", "[SnD2H2](-*)-*"},
    {"sssSnH", "[SnD3H1](-*)(-*)-*"},
    {"ssssSn", "[SnD4H0](-*)(-*)(-*)-*"},
    {"sI", "[ID1]-*"},
    {"sPbH3", "[PbD1H3]-*"},
    {"ssPbH2", "[PbD2H2](-*)-*"},
    {"sssPbH", "[PbD3H1](-*)(-*)-*"},
    {"ssssPb", "[PbD4H0](-*)(-*)(-*)-*"},
};

static_assert(std::size(kAtomTypes) == EStateAtomTypes::kNumTypes);

int PrincipalQuantumNumber(int atomic_number) {
  if (atomic_number <= 2) {
    return 1;
  }
  if (atomic_number <= 10) {
    return 2;
  }
  if (atomic_number <= 18) {
    return 3;
  }
  if (atomic_number <= 36) {
    return 4;
  }
  if (atomic_number <= 54) {
    return 5;
  }
  if (atomic_number <= 86) {
    return 6;
  }
  return 7;
}

// Intrinsic state I = (4/N^2 * dv + 1) / degree; 0 for isolated atoms.
std::vector<double> IntrinsicStates(const RDKit::ROMol& mol) {
  const RDKit::PeriodicTable* table = RDKit::PeriodicTable::getTable();
  std::vector<double> states(mol.getNumAtoms(), 0.0);
  for (const RDKit::Atom* atom : mol.atoms()) {
    const unsigned int degree = atom->getDegree();
    if (degree == 0) {
      continue;
    }
    const int atomic_number = atom->getAtomicNum();
    const int dv = table->getNouterElecs(atomic_number) - static_cast<int>(atom->getTotalNumHs());
    const int n = PrincipalQuantumNumber(atomic_number);
    states[atom->getIdx()] = (4. / (n * n) * dv + 1) / degree;
  }
  return states;
}

}  // namespace

std::vector<double> EStateIndices(const RDKit::ROMol& mol,
                                  const std::vector<double>& topological_distances) {
  const std::vector<double> states = IntrinsicStates(mol);
  const size_t n = states.size();
  HUB_CHECK(topological_distances.size() == n * n);

  // Perturbations (I_i - I_j) / (d_ij + 1)^2, accumulated pair by pair as Python does.
  std::vector<double> accum(n, 0.0);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i + 1; j < n; ++j) {
      const double p = topological_distances[i * n + j] + 1;
      if (p < 1e6) {
        const double tmp = (states[i] - states[j]) / (p * p);
        accum[i] += tmp;
        accum[j] -= tmp;
      }
    }
  }
  for (size_t i = 0; i < n; ++i) {
    accum[i] = accum[i] + states[i];
  }
  return accum;
}

std::vector<double> EStateIndices(const RDKit::ROMol& mol) {
  return EStateIndices(mol, DistanceMatrices::Compute(mol).topological);
}

EStateAtomTypes::EStateAtomTypes() {
  for (const AtomType& type : kAtomTypes) {
    patterns_.emplace_back(type.smarts);
  }
}

std::string_view EStateAtomTypes::Name(int index) {
  return kAtomTypes[index].name;
}

EStateAtomTypes::Fingerprint EStateAtomTypes::FingerprintMol(
    const RDKit::ROMol& mol, const std::vector<double>& estate_indices) const {
  Fingerprint fp;
  for (int i = 0; i < kNumTypes; ++i) {
    const auto matches = patterns_[i].Matches(mol, /*uniquify=*/true);
    fp.counts[i] = static_cast<int>(matches.size());
    for (const auto& match : matches) {
      fp.sums[i] += estate_indices[match[0]];
    }
  }
  return fp;
}

std::vector<std::vector<int>> EStateAtomTypes::TypeAtoms(const RDKit::ROMol& mol) const {
  std::vector<std::vector<int>> types(mol.getNumAtoms());
  for (int i = 0; i < kNumTypes; ++i) {
    for (const auto& match : patterns_[i].Matches(mol, /*uniquify=*/false)) {
      std::vector<int>& atom_types = types[match[0]];
      if (atom_types.empty() || atom_types.back() != i) {
        atom_types.push_back(i);
      }
    }
  }
  return types;
}

}  // namespace hub::models::descriptors
