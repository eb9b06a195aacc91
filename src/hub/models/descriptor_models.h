#pragma once

// The built-in models made of RDKit descriptors that RDKit 2022.09 implements in Python and
// this module ports (`hub/models/descriptors/`): eos4djh (datamol), eos3zur (molfeat EState)
// and eos8a4x (DescriptaStorus RDKit2D). Each reproduces its published Python computation
// value for value; what each column is, and the verification, is in docs/models.md
// ("Ported descriptors").
//
// The factories check that the published columns are the ones the model computes, in order,
// and return InvalidArgument otherwise. The models are immutable and thread-safe; `Compute`
// may update RDKit's computed-property cache of the molecule it is given, like the Python
// functions do, and never throws.

#include "absl/status/statusor.h"

#include "hub/models/model.h"
#include "hub/models/resources.h"

namespace hub::models {

// eos4djh: datamol's `compute_many_descriptors` (22 values: exact mass, Fsp3, Lipinski
// counts, rings, TPSA, QED, cLogP, SA score, ring-type counts). Integer columns print as
// integers. Returns FailedPrecondition without `resources.sa_scores`.
[[nodiscard]] absl::StatusOr<ModelPtr> NewDatamolDescriptorsModel(ModelInfo info,
                                                                  const ModelResources& resources);

// eos3zur: molfeat's "estate" featurizer, the counts of `EState.Fingerprinter.FingerprintMol`
// for the 79 EState atom types. Declared float, written as integers (`8`) as published.
[[nodiscard]] absl::StatusOr<ModelPtr> NewEStateCountsModel(ModelInfo info,
                                                            const ModelResources& resources);

// eos8a4x: the 200 RDKit descriptors of DescriptaStorus' v1 list (`RdkitDescriptorSet`),
// every value written as a Python float (`27.0`) since the model builds a float64 array.
[[nodiscard]] absl::StatusOr<ModelPtr> NewRdkitDescriptorsModel(ModelInfo info,
                                                                const ModelResources& resources);

}  // namespace hub::models
