#include "hub/models/sa_score.h"

#include <cmath>
#include <limits>
#include <memory>

#include <DataStructs/SparseIntVect.h>
#include <GraphMol/Descriptors/MolDescriptors.h>
#include <GraphMol/Fingerprints/MorganFingerprints.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/RWMol.h>

#include "hub/models/data_file_error.h"
#include "hub/models/pickle_reader.h"

namespace hub::models {
namespace {

// `len(Chem.FindMolChiralCenters(mol, includeUnassigned=True))` with the legacy stereo
// perception: assigned centres carry `_CIPCode`, possible ones `_ChiralityPossible`. The
// perception writes to the molecule (as it does in Python), hence the copy.
unsigned CountChiralCenters(const RDKit::ROMol& mol) {
  RDKit::RWMol copy(mol);
  RDKit::MolOps::assignStereochemistry(copy, /*cleanIt=*/false, /*force=*/true,
                                       /*flagPossibleStereoCenters=*/true);
  unsigned count = 0;
  for (const RDKit::Atom* atom : copy.atoms()) {
    if (atom->hasProp(RDKit::common_properties::_CIPCode) ||
        atom->hasProp(RDKit::common_properties::_ChiralityPossible)) {
      ++count;
    }
  }
  return count;
}

unsigned CountMacrocycles(const RDKit::ROMol& mol) {
  unsigned count = 0;
  for (const auto& ring : mol.getRingInfo()->atomRings()) {
    if (ring.size() > 8) {
      ++count;
    }
  }
  return count;
}

// Maps the raw score onto 1..10 and smooths the hard end, as `calculateScore` does.
double ScaleScore(double raw) {
  constexpr double kMin = -4.0;
  constexpr double kMax = 2.5;
  double score = 11.0 - (raw - kMin + 1) / (kMax - kMin) * 9.0;
  if (score > 8.0) {
    score = 8.0 + std::log(score + 1.0 - 9.0);
  }
  if (score > 10.0) {
    score = 10.0;
  } else if (score < 1.0) {
    score = 1.0;
  }
  return score;
}

}  // namespace

SaScoreTable::SaScoreTable(const std::vector<std::pair<std::uint32_t, double>>& scores) {
  scores_.reserve(scores.size());
  for (const auto& [id, score] : scores) {
    scores_[id] = score;
  }
}

absl::StatusOr<SaScoreTable> SaScoreTable::Load(const std::string& path) {
  auto pickle = ReadGzipFile(path);
  if (!pickle.ok()) {
    return DataFileError("SA score table", path, pickle.status());
  }
  auto scores = ParseFragmentScorePickle(*pickle);
  if (!scores.ok()) {
    return DataFileError("SA score table", path, scores.status());
  }
  return SaScoreTable(*scores);
}

double SaScore(const RDKit::ROMol& mol, const SaScoreTable& table) {
  const unsigned n_atoms = mol.getNumAtoms();
  if (n_atoms == 0) {
    return std::numeric_limits<double>::quiet_NaN();
  }

  // Fragment score: mean contribution of the Morgan radius-2 fragments, in ascending id order
  // like the Python dict built from the sparse vector.
  std::unique_ptr<RDKit::SparseIntVect<std::uint32_t>> fp(
      RDKit::MorganFingerprints::getFingerprint(mol, 2));
  double score1 = 0.0;
  std::int64_t n_fragments = 0;
  for (const auto& [id, count] : fp->getNonzeroElements()) {
    n_fragments += count;
    score1 += table.Lookup(id) * count;
  }
  score1 /= static_cast<double>(n_fragments);

  // Complexity penalties.
  const double n = n_atoms;
  const unsigned n_chiral = CountChiralCenters(mol);
  const unsigned n_bridgeheads = RDKit::Descriptors::calcNumBridgeheadAtoms(mol);
  const unsigned n_spiro = RDKit::Descriptors::calcNumSpiroAtoms(mol);
  const double size_penalty = std::pow(n, 1.005) - n;
  const double stereo_penalty = std::log10(n_chiral + 1.0);
  const double spiro_penalty = std::log10(n_spiro + 1.0);
  const double bridge_penalty = std::log10(n_bridgeheads + 1.0);
  const double macrocycle_penalty = CountMacrocycles(mol) > 0 ? std::log10(2.0) : 0.0;
  const double score2 =
      0.0 - size_penalty - stereo_penalty - spiro_penalty - bridge_penalty - macrocycle_penalty;

  // Symmetry correction: molecules with fewer distinct fragments than atoms are easier.
  const size_t n_distinct = fp->getNonzeroElements().size();
  double score3 = 0.0;
  if (n_atoms > n_distinct) {
    score3 = std::log(n / static_cast<double>(n_distinct)) * 0.5;
  }

  return ScaleScore(score1 + score2 + score3);
}

}  // namespace hub::models
