#pragma once

// The built-in models of this module, one factory per model. Each takes the model's published
// `ModelInfo` and the loaded resources; `registry.h` maps ids to them. What each computes,
// and the RDKit call it reproduces, is in docs/models.md.

#include "absl/status/statusor.h"

#include "hub/models/model.h"
#include "hub/models/resources.h"

namespace hub::models {

// eos3b5e: average molecular weight, `Descriptors.MolWt`.
[[nodiscard]] absl::StatusOr<ModelPtr> NewMolecularWeightModel(ModelInfo info,
                                                               const ModelResources& resources);

// eos4wt0: Morgan bit vector, radius 3, 2048 bits, with chirality.
[[nodiscard]] absl::StatusOr<ModelPtr> NewMorganBitsModel(ModelInfo info,
                                                          const ModelResources& resources);

// eos5axz: Morgan count fingerprint (generator), radius 3, 2048 bits, counts clipped at 255.
[[nodiscard]] absl::StatusOr<ModelPtr> NewMorganCountsModel(ModelInfo info,
                                                            const ModelResources& resources);

// eos7jio: RDKit path fingerprint, paths of 1-7 bonds, 2048 bits.
[[nodiscard]] absl::StatusOr<ModelPtr> NewRdkitFingerprintModel(ModelInfo info,
                                                                const ModelResources& resources);

// eos5guo: ErG extended reduced graph descriptors (315 values).
[[nodiscard]] absl::StatusOr<ModelPtr> NewErgModel(ModelInfo info, const ModelResources& resources);

// eos8ioa: natural-product likeness and its confidence. Returns FailedPrecondition without
// `resources.np_model`.
[[nodiscard]] absl::StatusOr<ModelPtr> NewNpScoreModel(ModelInfo info,
                                                       const ModelResources& resources);

// eos9ei3: synthetic accessibility score, written with six decimals. Returns
// FailedPrecondition without `resources.sa_scores`.
[[nodiscard]] absl::StatusOr<ModelPtr> NewSaScoreModel(ModelInfo info,
                                                       const ModelResources& resources);

}  // namespace hub::models
