#include "hub/models/registry.h"

#include <algorithm>

#include "fmt/format.h"

#include "hub/common/status_macros.h"
#include "hub/common/strings.h"
#include "hub/models/builtin_models.h"
#include "hub/models/descriptor_models.h"
#include "hub/models/metadata.h"

namespace hub::models {
namespace {

// Sorted by id.
constexpr ModelEntry kModels[] = {
    {"eos3b5e", kNeedsNothing, &NewMolecularWeightModel},
    {"eos3zur", kNeedsNothing, &NewEStateCountsModel},
    {"eos4djh", kNeedsSaScores, &NewDatamolDescriptorsModel},
    {"eos4wt0", kNeedsNothing, &NewMorganBitsModel},
    {"eos5axz", kNeedsNothing, &NewMorganCountsModel},
    {"eos5guo", kNeedsNothing, &NewErgModel},
    {"eos7jio", kNeedsNothing, &NewRdkitFingerprintModel},
    {"eos8a4x", kNeedsNothing, &NewRdkitDescriptorsModel},
    {"eos8ioa", kNeedsNpModel, &NewNpScoreModel},
    {"eos9ei3", kNeedsSaScores, &NewSaScoreModel},
};

absl::Status UnknownModel(std::string_view id) {
  return absl::NotFoundError(fmt::format("{} is not a built-in model (built in: {})", id,
                                         common::Join(BuiltinModelIds(), ", ")));
}

}  // namespace

std::span<const ModelEntry> BuiltinModels() {
  return kModels;
}

std::vector<std::string> BuiltinModelIds() {
  std::vector<std::string> ids;
  for (const ModelEntry& entry : kModels) {
    ids.emplace_back(entry.id);
  }
  return ids;
}

const ModelEntry* FindBuiltinModel(std::string_view id) {
  for (const ModelEntry& entry : kModels) {
    if (entry.id == id) {
      return &entry;
    }
  }
  return nullptr;
}

absl::StatusOr<ModelResources> LoadModelResources(const ResourceOptions& options,
                                                  const std::vector<std::string>& ids) {
  unsigned needs = kNeedsNothing;
  for (const std::string& id : ids) {
    const ModelEntry* entry = FindBuiltinModel(id);
    if (entry == nullptr) {
      return UnknownModel(id);
    }
    needs |= entry->needs;
  }
  return LoadResources(options, needs);
}

absl::StatusOr<ModelPtr> CreateModel(std::string_view id, const ModelResources& resources) {
  const ModelEntry* entry = FindBuiltinModel(id);
  if (entry == nullptr) {
    return UnknownModel(id);
  }
  HUB_ASSIGN_OR_RETURN(ModelInfo info, LoadModelInfo(id, resources.metadata_dir));
  return entry->create(std::move(info), resources);
}

}  // namespace hub::models
