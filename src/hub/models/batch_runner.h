#pragma once

// Running a model over a batch of SMILES: parse, compute, and collect one row per input with
// per-row errors, in parallel on a thread pool.

#include <string>
#include <vector>

#include "hub/common/thread_pool.h"
#include "hub/models/model.h"

namespace hub::models {

// Parses `input` (`ParseSmiles`) and computes its row with `model`. Never fails as a whole:
// a parse or model error, or an exception escaping RDKit, leaves the values NaN and sets
// `RowResult::error` (`invalid_smiles: ...`, `computation_failed: ...`). Thread-safe.
RowResult ComputeRow(const Model& model, const std::string& input);

// Computes every input, returning the rows in input order (`result[i]` is `inputs[i]`). An
// input repeated in the batch is computed once and its row copied. The work is spread over
// all threads of `pool` while the caller waits; with `pool == nullptr` it runs on the
// caller's thread. One bad molecule never affects another row.
//
// REQUIRES: not called from a task running on `pool` (the caller blocks until the pool's
// threads finish the batch).
std::vector<RowResult> RunBatch(const Model& model,
                                const std::vector<std::string>& inputs,
                                common::ThreadPool* pool);

}  // namespace hub::models
