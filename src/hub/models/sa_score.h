#pragma once

// The synthetic accessibility score of Ertl & Schuffenhauer (J. Cheminf. 1:8, 2009), ported
// from RDKit's `Contrib/SA_Score/sascorer.py` (`calculateScore`). Used by eos9ei3 (printed
// with six decimals) and eos4djh (full double).

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

namespace RDKit {  // NOLINT(readability-identifier-naming): RDKit names it
class ROMol;
}  // namespace RDKit

namespace hub::models {

// Fragment contributions from `fpscores.pkl.gz`: Morgan radius-2 fragment id -> score.
// Immutable after loading; safe to share between threads.
class SaScoreTable final {
public:
  // Loads `path` (Debian: /usr/share/RDKit/Contrib/SA_Score/fpscores.pkl.gz, package
  // `rdkit-data`). Returns FailedPrecondition when the file cannot be read and DataLoss when
  // it is not the expected pickle; both messages name the file and the package.
  [[nodiscard]] static absl::StatusOr<SaScoreTable> Load(const std::string& path);

  // Builds a table from (id, score) pairs; a later pair for the same id wins.
  explicit SaScoreTable(const std::vector<std::pair<std::uint32_t, double>>& scores);

  // The score of fragment `id`, or -4 (the Python default) when it is not in the table.
  double Lookup(std::uint32_t id) const {
    auto it = scores_.find(id);
    return it == scores_.end() ? -4.0 : it->second;
  }

  size_t size() const { return scores_.size(); }

private:
  absl::flat_hash_map<std::uint32_t, double> scores_;
};

// The SA score of `mol` (1 = easy to make, 10 = hard), bit for bit what
// `sascorer.calculateScore(mol)` gives with RDKit 2022.09 for the same molecule. Returns NaN
// for a molecule without atoms (Python divides by zero there). Thread-safe; `mol` is not
// modified (the stereo perception the score needs runs on a copy).
double SaScore(const RDKit::ROMol& mol, const SaScoreTable& table);

}  // namespace hub::models
