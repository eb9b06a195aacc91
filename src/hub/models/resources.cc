#include "hub/models/resources.h"

#include "fmt/format.h"

#include "hub/common/status_macros.h"

namespace hub::models {

std::string SaScoreTablePath(const std::string& rdkit_data_dir) {
  return fmt::format("{}/Contrib/SA_Score/fpscores.pkl.gz", rdkit_data_dir);
}

std::string NpModelPath(const std::string& rdkit_data_dir) {
  return fmt::format("{}/Contrib/NP_Score/publicnp.model.gz", rdkit_data_dir);
}

absl::StatusOr<ModelResources> LoadResources(const ResourceOptions& options, unsigned needs) {
  ModelResources resources;
  resources.metadata_dir = options.metadata_dir;
  if ((needs & kNeedsSaScores) != 0) {
    HUB_ASSIGN_OR_RETURN(SaScoreTable table,
                         SaScoreTable::Load(SaScoreTablePath(options.rdkit_data_dir)));
    resources.sa_scores = std::make_shared<const SaScoreTable>(std::move(table));
  }
  if ((needs & kNeedsNpModel) != 0) {
    HUB_ASSIGN_OR_RETURN(NpModel model, NpModel::Load(NpModelPath(options.rdkit_data_dir)));
    resources.np_model = std::make_shared<const NpModel>(std::move(model));
  }
  return resources;
}

}  // namespace hub::models
