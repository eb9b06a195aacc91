#pragma once

// Data the built-in models need besides their published metadata: the SA score fragment
// table and the NP score model from Debian's `rdkit-data`, loaded once at start.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "hub/models/np_score.h"
#include "hub/models/sa_score.h"

namespace hub::models {

// What a model needs loaded before it can be created (a bit set).
enum ResourceNeed : unsigned {
  kNeedsNothing = 0,
  kNeedsSaScores = 1u << 0,  // eos9ei3, eos4djh
  kNeedsNpModel = 1u << 1,   // eos8ioa
};

// Where the data comes from.
struct ResourceOptions {
  // RDKit's data directory; the tables are `Contrib/SA_Score/fpscores.pkl.gz` and
  // `Contrib/NP_Score/publicnp.model.gz` below it.
  std::string rdkit_data_dir = "/usr/share/RDKit";
  // A directory with `<id>/metadata.json`, `run_columns.csv`, `run_input.csv` and
  // `run_output.csv` that replaces the copies embedded in the binary; empty to use those.
  std::string metadata_dir;
};

// Loaded data shared by models. The tables are immutable and shared between the models
// created from the same resources (and their threads). A table is null when no model asked
// for it.
struct ModelResources {
  std::shared_ptr<const SaScoreTable> sa_scores;
  std::shared_ptr<const NpModel> np_model;
  std::string metadata_dir;  // `ResourceOptions::metadata_dir`
};

// The SA table's path under `rdkit_data_dir`.
std::string SaScoreTablePath(const std::string& rdkit_data_dir);

// The NP model's path under `rdkit_data_dir`.
std::string NpModelPath(const std::string& rdkit_data_dir);

// Loads the tables that `needs` (a `ResourceNeed` bit set) names. Returns FailedPrecondition
// (file missing or unreadable) or DataLoss (malformed) with a message naming the file and the
// Debian package `rdkit-data`.
[[nodiscard]] absl::StatusOr<ModelResources> LoadResources(const ResourceOptions& options,
                                                           unsigned needs);

}  // namespace hub::models
