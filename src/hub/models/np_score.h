#pragma once

// The natural-product likeness score of Ertl, Roggo & Schuffenhauer (J. Chem. Inf. Model.
// 48:68, 2008), ported from RDKit's `Contrib/NP_Score/npscorer.py` (`scoreMolWConfidence`).
// Used by eos8ioa.

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

// The NP model from `publicnp.model.gz`: Morgan radius-2 fragment id -> contribution.
// Immutable after loading; safe to share between threads.
class NpModel final {
public:
  // Loads `path` (Debian: /usr/share/RDKit/Contrib/NP_Score/publicnp.model.gz, package
  // `rdkit-data`). Returns FailedPrecondition when the file cannot be read and DataLoss when
  // it is not the expected pickle; both messages name the file and the package.
  [[nodiscard]] static absl::StatusOr<NpModel> Load(const std::string& path);

  // Builds a model from (id, contribution) pairs; a later pair for the same id wins.
  explicit NpModel(const std::vector<std::pair<std::uint32_t, double>>& scores);

  // The contribution of fragment `id`, or nullptr when the model does not know it.
  const double* Find(std::uint32_t id) const {
    auto it = scores_.find(id);
    return it == scores_.end() ? nullptr : &it->second;
  }

  size_t size() const { return scores_.size(); }

private:
  absl::flat_hash_map<std::uint32_t, double> scores_;
};

struct NpLikeness {
  double score = 0.0;       // about -5 (synthetic) .. 5 (natural product)
  double confidence = 0.0;  // share of the molecule's fragments found in the model, 0..1
};

// The NP likeness of `mol`, bit for bit what `npscorer.scoreMolWConfidence(mol, model)` gives
// with RDKit 2022.09. Returns InvalidArgument for a molecule without atoms (Python divides by
// zero there). Thread-safe.
[[nodiscard]] absl::StatusOr<NpLikeness> NpScore(const RDKit::ROMol& mol, const NpModel& model);

}  // namespace hub::models
