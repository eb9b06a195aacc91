#include "hub/models/np_score.h"

#include <cmath>
#include <memory>

#include <DataStructs/SparseIntVect.h>
#include <GraphMol/Fingerprints/MorganFingerprints.h>
#include <GraphMol/ROMol.h>

#include "hub/models/data_file_error.h"
#include "hub/models/pickle_reader.h"

namespace hub::models {

NpModel::NpModel(const std::vector<std::pair<std::uint32_t, double>>& scores) {
  scores_.reserve(scores.size());
  for (const auto& [id, score] : scores) {
    scores_[id] = score;
  }
}

absl::StatusOr<NpModel> NpModel::Load(const std::string& path) {
  auto pickle = ReadGzipFile(path);
  if (!pickle.ok()) {
    return DataFileError("NP score model", path, pickle.status());
  }
  auto scores = ParseNpModelPickle(*pickle);
  if (!scores.ok()) {
    return DataFileError("NP score model", path, scores.status());
  }
  return NpModel(*scores);
}

absl::StatusOr<NpLikeness> NpScore(const RDKit::ROMol& mol, const NpModel& model) {
  const unsigned n_atoms = mol.getNumAtoms();
  if (n_atoms == 0) {
    return absl::InvalidArgumentError("the molecule has no atoms");
  }

  // Sum the contributions of the known Morgan radius-2 fragments in ascending id order, as
  // the Python loop over the sparse vector's dict does.
  std::unique_ptr<RDKit::SparseIntVect<std::uint32_t>> fp(
      RDKit::MorganFingerprints::getFingerprint(mol, 2));
  const auto& fragments = fp->getNonzeroElements();
  double score = 0.0;
  size_t found = 0;
  for (const auto& [id, count] : fragments) {
    if (const double* contribution = model.Find(id)) {
      ++found;
      score += *contribution;
    }
  }
  score /= static_cast<double>(n_atoms);

  NpLikeness result;
  result.confidence = static_cast<double>(found) / static_cast<double>(fragments.size());
  // Squash exotic molecules' scores into about -5..5.
  if (score > 4) {
    score = 4.0 + std::log10(score - 4.0 + 1.0);
  } else if (score < -4) {
    score = -4.0 - std::log10(-4.0 - score + 1.0);
  }
  result.score = score;
  return result;
}

}  // namespace hub::models
