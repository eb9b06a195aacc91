#pragma once

// The table of built-in models: which ids exist, what each needs loaded, and how to create
// one. `ersilia-hub model-server --model ID` and the local runtime start here:
//
//   HUB_ASSIGN_OR_RETURN(ModelResources resources, LoadModelResources(options, {id}));
//   HUB_ASSIGN_OR_RETURN(ModelPtr model, CreateModel(id, resources));

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

#include "hub/models/model.h"
#include "hub/models/resources.h"

namespace hub::models {

// Creates a model from its published info and the loaded resources.
using ModelFactory = absl::StatusOr<ModelPtr> (*)(ModelInfo info, const ModelResources& resources);

// One built-in model. Adding a model is one entry in `registry.cc` plus its data directory in
// `data/<id>/` (listed in this folder's CMakeLists.txt).
struct ModelEntry {
  std::string_view id;  // e.g. "eos3b5e"
  unsigned needs;       // `ResourceNeed` bits
  ModelFactory create;
};

// Every built-in model, sorted by id.
std::span<const ModelEntry> BuiltinModels();

// The ids of `BuiltinModels()`, sorted.
std::vector<std::string> BuiltinModelIds();

// The entry of `id`, or nullptr when it is not a built-in model.
const ModelEntry* FindBuiltinModel(std::string_view id);

// Loads what the models `ids` need (nothing for models that need no tables). Returns
// NotFound for an id that is not built in, and the errors of `LoadResources`.
[[nodiscard]] absl::StatusOr<ModelResources> LoadModelResources(
    const ResourceOptions& options, const std::vector<std::string>& ids);

// Creates built-in model `id` with its published metadata (embedded, or from
// `resources.metadata_dir`). Returns NotFound for an unknown id (the message lists the known
// ones), FailedPrecondition when `resources` lacks a table the model needs, and
// InvalidArgument when its metadata files are malformed.
[[nodiscard]] absl::StatusOr<ModelPtr> CreateModel(std::string_view id,
                                                   const ModelResources& resources);

}  // namespace hub::models
