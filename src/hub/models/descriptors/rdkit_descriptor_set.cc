#include "hub/models/descriptors/rdkit_descriptor_set.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <utility>

#include "fmt/format.h"
#include <GraphMol/Descriptors/ConnectivityDescriptors.h>
#include <GraphMol/Descriptors/Crippen.h>
#include <GraphMol/Descriptors/Lipinski.h>
#include <GraphMol/Descriptors/MolDescriptors.h>
#include <GraphMol/Descriptors/MolSurf.h>
#include <GraphMol/RDKitBase.h>

#include "hub/common/status_macros.h"
#include "hub/models/descriptors/graph_descriptors.h"
#include "hub/models/descriptors/mol_descriptors.h"
#include "hub/models/descriptors/vsa_descriptors.h"

namespace hub::models::descriptors {
namespace {

namespace rd = RDKit::Descriptors;

// DescriptaStorus' RDKit2D v1 list as eos8a4x's main.py spells it (ASCII-sorted, qed last).
// clang-format off
const std::vector<std::string_view> kNames = {
    "BalabanJ", "BertzCT", "Chi0", "Chi0n", "Chi0v", "Chi1", "Chi1n", "Chi1v", "Chi2n", "Chi2v",
    "Chi3n", "Chi3v", "Chi4n", "Chi4v", "EState_VSA1", "EState_VSA10", "EState_VSA11",
    "EState_VSA2", "EState_VSA3", "EState_VSA4", "EState_VSA5", "EState_VSA6", "EState_VSA7",
    "EState_VSA8", "EState_VSA9", "ExactMolWt", "FpDensityMorgan1", "FpDensityMorgan2",
    "FpDensityMorgan3", "FractionCSP3", "HallKierAlpha", "HeavyAtomCount", "HeavyAtomMolWt", "Ipc",
    "Kappa1", "Kappa2", "Kappa3", "LabuteASA", "MaxAbsEStateIndex", "MaxAbsPartialCharge",
    "MaxEStateIndex", "MaxPartialCharge", "MinAbsEStateIndex", "MinAbsPartialCharge",
    "MinEStateIndex", "MinPartialCharge", "MolLogP", "MolMR", "MolWt", "NHOHCount", "NOCount",
    "NumAliphaticCarbocycles", "NumAliphaticHeterocycles", "NumAliphaticRings",
    "NumAromaticCarbocycles", "NumAromaticHeterocycles", "NumAromaticRings", "NumHAcceptors",
    "NumHDonors", "NumHeteroatoms", "NumRadicalElectrons", "NumRotatableBonds",
    "NumSaturatedCarbocycles", "NumSaturatedHeterocycles", "NumSaturatedRings",
    "NumValenceElectrons", "PEOE_VSA1", "PEOE_VSA10", "PEOE_VSA11", "PEOE_VSA12", "PEOE_VSA13",
    "PEOE_VSA14", "PEOE_VSA2", "PEOE_VSA3", "PEOE_VSA4", "PEOE_VSA5", "PEOE_VSA6", "PEOE_VSA7",
    "PEOE_VSA8", "PEOE_VSA9", "RingCount", "SMR_VSA1", "SMR_VSA10", "SMR_VSA2", "SMR_VSA3",
    "SMR_VSA4", "SMR_VSA5", "SMR_VSA6", "SMR_VSA7", "SMR_VSA8", "SMR_VSA9", "SlogP_VSA1",
    "SlogP_VSA10", "SlogP_VSA11", "SlogP_VSA12", "SlogP_VSA2", "SlogP_VSA3", "SlogP_VSA4",
    "SlogP_VSA5", "SlogP_VSA6", "SlogP_VSA7", "SlogP_VSA8", "SlogP_VSA9", "TPSA", "VSA_EState1",
    "VSA_EState10", "VSA_EState2", "VSA_EState3", "VSA_EState4", "VSA_EState5", "VSA_EState6",
    "VSA_EState7", "VSA_EState8", "VSA_EState9", "fr_Al_COO", "fr_Al_OH", "fr_Al_OH_noTert",
    "fr_ArN", "fr_Ar_COO", "fr_Ar_N", "fr_Ar_NH", "fr_Ar_OH", "fr_COO", "fr_COO2", "fr_C_O",
    "fr_C_O_noCOO", "fr_C_S", "fr_HOCCN", "fr_Imine", "fr_NH0", "fr_NH1", "fr_NH2", "fr_N_O",
    "fr_Ndealkylation1", "fr_Ndealkylation2", "fr_Nhpyrrole", "fr_SH", "fr_aldehyde",
    "fr_alkyl_carbamate", "fr_alkyl_halide", "fr_allylic_oxid", "fr_amide", "fr_amidine",
    "fr_aniline", "fr_aryl_methyl", "fr_azide", "fr_azo", "fr_barbitur", "fr_benzene",
    "fr_benzodiazepine", "fr_bicyclic", "fr_diazo", "fr_dihydropyridine", "fr_epoxide", "fr_ester",
    "fr_ether", "fr_furan", "fr_guanido", "fr_halogen", "fr_hdrzine", "fr_hdrzone", "fr_imidazole",
    "fr_imide", "fr_isocyan", "fr_isothiocyan", "fr_ketone", "fr_ketone_Topliss", "fr_lactam",
    "fr_lactone", "fr_methoxy", "fr_morpholine", "fr_nitrile", "fr_nitro", "fr_nitro_arom",
    "fr_nitro_arom_nonortho", "fr_nitroso", "fr_oxazole", "fr_oxime", "fr_para_hydroxylation",
    "fr_phenol", "fr_phenol_noOrthoHbond", "fr_phos_acid", "fr_phos_ester", "fr_piperdine",
    "fr_piperzine", "fr_priamide", "fr_prisulfonamd", "fr_pyridine", "fr_quatN", "fr_sulfide",
    "fr_sulfonamd", "fr_sulfone", "fr_term_acetylene", "fr_tetrazole", "fr_thiazole",
    "fr_thiocyan", "fr_thiophene", "fr_unbrch_alkane", "fr_urea", "qed",
};
// clang-format on

// Descriptors that yield one number each.
// clang-format off
constexpr std::string_view kScalarNames[] = {
    "BalabanJ", "BertzCT", "Chi0", "Chi0n", "Chi0v", "Chi1", "Chi1n", "Chi1v", "Chi2n", "Chi2v",
    "Chi3n", "Chi3v", "Chi4n", "Chi4v", "ExactMolWt", "FpDensityMorgan1", "FpDensityMorgan2",
    "FpDensityMorgan3", "FractionCSP3", "HallKierAlpha", "HeavyAtomCount", "HeavyAtomMolWt", "Ipc",
    "Kappa1", "Kappa2", "Kappa3", "LabuteASA", "MaxAbsEStateIndex", "MaxAbsPartialCharge",
    "MaxEStateIndex", "MaxPartialCharge", "MinAbsEStateIndex", "MinAbsPartialCharge",
    "MinEStateIndex", "MinPartialCharge", "MolLogP", "MolMR", "MolWt", "NHOHCount", "NOCount",
    "NumAliphaticCarbocycles", "NumAliphaticHeterocycles", "NumAliphaticRings",
    "NumAromaticCarbocycles", "NumAromaticHeterocycles", "NumAromaticRings", "NumHAcceptors",
    "NumHDonors", "NumHeteroatoms", "NumRadicalElectrons", "NumRotatableBonds",
    "NumSaturatedCarbocycles", "NumSaturatedHeterocycles", "NumSaturatedRings",
    "NumValenceElectrons", "RingCount", "TPSA", "qed",
};
// clang-format on

constexpr int kNumScalars = static_cast<int>(std::size(kScalarNames));

// Index of scalar `name`; a name missing from `kScalarNames` does not compile.
consteval int S(std::string_view name) {
  for (int i = 0; i < kNumScalars; ++i) {
    if (kScalarNames[i] == name) {
      return i;
    }
  }
  throw "not a scalar descriptor";
}

// Binned families, by `Source::group`.
enum Family { kEStateVsa, kVsaEState, kPeoeVsa, kSmrVsa, kSlogPVsa, kNumFamilies };

struct FamilyInfo {
  std::string_view prefix;
  size_t bins;
};

constexpr FamilyInfo kFamilies[kNumFamilies] = {
    {"EState_VSA", 11}, {"VSA_EState", 10}, {"PEOE_VSA", 14}, {"SMR_VSA", 10}, {"SlogP_VSA", 12},
};

enum SourceKind { kScalarSource, kFamilySource, kFragmentSource };

// Per-molecule intermediates shared by several descriptors.
struct Shared {
  DistanceMatrices distances;
  std::vector<double> estate;
  std::vector<double> labute;
  std::vector<double> charges;
  std::vector<double> logp_contributions;
  std::vector<double> mr_contributions;
};

Shared ComputeShared(const RDKit::ROMol& mol) {
  Shared shared;
  shared.distances = DistanceMatrices::Compute(mol);
  shared.estate = EStateIndices(mol, shared.distances.topological);
  shared.labute = LabuteAtomContributions(mol);
  shared.charges = GasteigerCharges(mol);
  shared.logp_contributions.resize(mol.getNumAtoms());
  shared.mr_contributions.resize(mol.getNumAtoms());
  rd::getCrippenAtomContribs(mol, shared.logp_contributions, shared.mr_contributions,
                             /*force=*/true);
  return shared;
}

using Scalars = std::array<double, kNumScalars>;

void ComputeTopological(const RDKit::ROMol& mol, const Shared& shared, Scalars& s) {
  s[S("BalabanJ")] = BalabanJ(mol, shared.distances);
  s[S("BertzCT")] = BertzCT(mol, shared.distances);
  s[S("Ipc")] = Ipc(mol);
  s[S("Chi0")] = Chi0(mol);
  s[S("Chi1")] = Chi1(mol);
  s[S("Chi0n")] = rd::calcChi0n(mol, true);
  s[S("Chi1n")] = rd::calcChi1n(mol, true);
  s[S("Chi0v")] = rd::calcChi0v(mol, true);
  s[S("Chi1v")] = rd::calcChi1v(mol, true);
  // Orders 2-4 share one path enumeration each between the "n" and "v" variants.
  constexpr int kChiN[] = {S("Chi2n"), S("Chi3n"), S("Chi4n")};
  constexpr int kChiV[] = {S("Chi2v"), S("Chi3v"), S("Chi4v")};
  for (unsigned int order = 2; order <= 4; ++order) {
    const ChiPair chi = ChiNnAndNv(mol, order);
    s[kChiN[order - 2]] = chi.n;
    s[kChiV[order - 2]] = chi.v;
  }
  s[S("HallKierAlpha")] = rd::calcHallKierAlpha(mol);
  s[S("Kappa1")] = rd::calcKappa1(mol);
  s[S("Kappa2")] = rd::calcKappa2(mol);
  s[S("Kappa3")] = rd::calcKappa3(mol);
}

// `EState.Max/Min(Abs)EStateIndex`: Python's max/min over the array (first extreme wins).
void ComputeEStateExtremes(const std::vector<double>& estate, Scalars& s) {
  double max = estate[0];
  double min = estate[0];
  double max_abs = std::fabs(estate[0]);
  double min_abs = max_abs;
  for (double v : estate) {
    max = v > max ? v : max;
    min = v < min ? v : min;
    max_abs = std::fabs(v) > max_abs ? std::fabs(v) : max_abs;
    min_abs = std::fabs(v) < min_abs ? std::fabs(v) : min_abs;
  }
  s[S("MaxEStateIndex")] = max;
  s[S("MinEStateIndex")] = min;
  s[S("MaxAbsEStateIndex")] = max_abs;
  s[S("MinAbsEStateIndex")] = min_abs;
}

void ComputeComposition(const RDKit::ROMol& mol, const Shared& shared, Scalars& s) {
  s[S("ExactMolWt")] = rd::calcExactMW(mol);
  s[S("MolWt")] = rd::calcAMW(mol);
  s[S("HeavyAtomMolWt")] = rd::calcAMW(mol, /*onlyHeavy=*/true);
  s[S("HeavyAtomCount")] = mol.getNumHeavyAtoms();
  s[S("NumValenceElectrons")] = NumValenceElectrons(mol);
  s[S("NumRadicalElectrons")] = NumRadicalElectrons(mol);
  s[S("NumHeteroatoms")] = rd::calcNumHeteroatoms(mol);
  s[S("FractionCSP3")] = rd::calcFractionCSP3(mol);
  const std::array<double, 3> densities = FpDensityMorgan123(mol);
  s[S("FpDensityMorgan1")] = densities[0];
  s[S("FpDensityMorgan2")] = densities[1];
  s[S("FpDensityMorgan3")] = densities[2];

  const ChargeRange charges = ChargeRange::Of(shared.charges);
  s[S("MaxPartialCharge")] = charges.max;
  s[S("MinPartialCharge")] = charges.min;
  s[S("MaxAbsPartialCharge")] = charges.MaxAbs();
  s[S("MinAbsPartialCharge")] = charges.MinAbs();
}

void ComputeSurfaceAndLipinski(const RDKit::ROMol& mol, Scalars& s) {
  // LabuteAtomContributions (in ComputeShared) has just cached this molecule's total.
  s[S("LabuteASA")] = rd::calcLabuteASA(mol, /*includeHs=*/true, /*force=*/false);
  s[S("TPSA")] = rd::calcTPSA(mol, /*force=*/true);
  rd::calcCrippenDescriptors(mol, s[S("MolLogP")], s[S("MolMR")], /*includeHs=*/true,
                             /*force=*/true);

  s[S("NHOHCount")] = rd::calcLipinskiHBD(mol);
  s[S("NOCount")] = rd::calcLipinskiHBA(mol);
  s[S("NumHDonors")] = rd::calcNumHBD(mol);
  s[S("NumHAcceptors")] = rd::calcNumHBA(mol);
  s[S("NumRotatableBonds")] = rd::calcNumRotatableBonds(mol);
  s[S("RingCount")] = rd::calcNumRings(mol);
  s[S("NumAromaticRings")] = rd::calcNumAromaticRings(mol);
  s[S("NumAromaticCarbocycles")] = rd::calcNumAromaticCarbocycles(mol);
  s[S("NumAromaticHeterocycles")] = rd::calcNumAromaticHeterocycles(mol);
  s[S("NumAliphaticRings")] = rd::calcNumAliphaticRings(mol);
  s[S("NumAliphaticCarbocycles")] = rd::calcNumAliphaticCarbocycles(mol);
  s[S("NumAliphaticHeterocycles")] = rd::calcNumAliphaticHeterocycles(mol);
  s[S("NumSaturatedRings")] = rd::calcNumSaturatedRings(mol);
  s[S("NumSaturatedCarbocycles")] = rd::calcNumSaturatedCarbocycles(mol);
  s[S("NumSaturatedHeterocycles")] = rd::calcNumSaturatedHeterocycles(mol);
}

std::array<std::vector<double>, kNumFamilies> ComputeFamilies(const Shared& shared) {
  std::array<std::vector<double>, kNumFamilies> families;
  families[kEStateVsa] = EStateVsa(shared.estate, shared.labute);
  families[kVsaEState] = VsaEState(shared.estate, shared.labute);
  families[kPeoeVsa] = BinContributions(shared.labute, shared.charges, kChargeBins);
  families[kSmrVsa] = BinContributions(shared.labute, shared.mr_contributions, kMrBins);
  families[kSlogPVsa] = BinContributions(shared.labute, shared.logp_contributions, kLogPBins);
  return families;
}

// `name` is `prefix` followed by a bin number in [1, bins]: returns the 0-based bin, or -1.
int FamilyBin(std::string_view name, const FamilyInfo& family) {
  if (name.size() <= family.prefix.size() ||
      name.substr(0, family.prefix.size()) != family.prefix) {
    return -1;
  }
  const std::string_view digits = name.substr(family.prefix.size());
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return std::isdigit(c) != 0; })) {
    return -1;
  }
  const int bin = std::stoi(std::string(digits));
  return bin >= 1 && static_cast<size_t>(bin) <= family.bins ? bin - 1 : -1;
}

// The last family with a bin named `name`, and that bin; {-1, -1} when there is none.
std::pair<int, int> FamilyAndBin(std::string_view name) {
  std::pair<int, int> found{-1, -1};
  for (int family = 0; family < kNumFamilies; ++family) {
    if (int bin = FamilyBin(name, kFamilies[family]); bin >= 0) {
      found = {family, bin};
    }
  }
  return found;
}

}  // namespace

RdkitDescriptorSet::RdkitDescriptorSet() {
  for (std::string_view name : kNames) {
    Source source;
    const auto* scalar = std::find(std::begin(kScalarNames), std::end(kScalarNames), name);
    if (scalar != std::end(kScalarNames)) {
      source = {kScalarSource, 0, static_cast<int>(scalar - std::begin(kScalarNames))};
    } else if (int fragment = FragmentCounter::IndexOf(name); fragment >= 0) {
      source = {kFragmentSource, 0, fragment};
    } else if (auto [family, bin] = FamilyAndBin(name); family >= 0) {
      source = {kFamilySource, family, bin};
    } else {
      source.kind = -1;
    }
    HUB_CHECK(source.kind >= 0);
    sources_.push_back(source);
  }
}

const std::vector<std::string_view>& RdkitDescriptorSet::Names() {
  return kNames;
}

absl::Status RdkitDescriptorSet::Compute(const RDKit::ROMol& mol, std::span<double> values) const {
  HUB_CHECK(values.size() == kNames.size());
  if (mol.getNumAtoms() == 0) {
    return absl::InvalidArgumentError("RDKit descriptors: molecule has no atoms");
  }
  try {
    return ComputeUnchecked(mol, values);
  } catch (const std::exception& e) {
    return absl::InternalError(fmt::format("RDKit descriptors: {}", e.what()));
  } catch (...) {
    return absl::InternalError("RDKit descriptors: unknown RDKit exception");
  }
}

absl::Status RdkitDescriptorSet::ComputeUnchecked(const RDKit::ROMol& mol,
                                                  std::span<double> values) const {
  const Shared shared = ComputeShared(mol);
  Scalars scalars{};
  ComputeTopological(mol, shared, scalars);
  ComputeEStateExtremes(shared.estate, scalars);
  ComputeComposition(mol, shared, scalars);
  ComputeSurfaceAndLipinski(mol, scalars);
  HUB_ASSIGN_OR_RETURN(scalars[S("qed")], qed_.Compute(mol, scalars[S("MolLogP")]));

  const auto families = ComputeFamilies(shared);
  const std::vector<int> fragments = fragments_.CountAll(mol);
  for (size_t i = 0; i < sources_.size(); ++i) {
    const Source& source = sources_[i];
    switch (source.kind) {
      case kScalarSource:
        values[i] = scalars[source.index];
        break;
      case kFamilySource:
        values[i] = families[source.group][source.index];
        break;
      default:
        values[i] = fragments[source.index];
        break;
    }
  }
  return absl::OkStatus();
}

}  // namespace hub::models::descriptors
