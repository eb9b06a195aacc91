#pragma once

// Running a model over a batch of SMILES: parse, compute, and collect one row per input with
// per-row errors, in parallel on a thread pool.

#include <string>
#include <vector>

#include "hub/common/thread_pool.h"
#include "hub/models/model.h"
#include "hub/models/protocol.h"

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

// A `/run` answer rendered while its batch was computed (see `RunAndRender`).
struct RenderedBatch {
  // The body in order. Concatenated, the pieces are exactly `RenderRunJson`'s text for the
  // batch; they are kept apart so that rows rendered on different threads are never copied
  // into one string (the HTTP layer sends them as they are).
  std::vector<std::string> pieces;
  size_t bytes = 0;       // the body's size: the pieces' sizes summed
  size_t row_errors = 0;  // rows whose `RowResult::error` is set, as `CountRowErrors` counts
};

// Computes every input like `RunBatch` and renders the `/run` answer for `options`. For the
// orients `RowRenderer` supports (`records`, `values`) each thread renders a row as soon as
// it has computed it, from one row of values it reuses: no table of the batch's values is
// built, and rendering is spread over the threads instead of following the batch on one.
// Each piece then holds a run of consecutive rows (about 64 KB, and at least eight pieces
// per thread when the batch is large enough), each row after its separator (`[` for the
// first, `,` for the others), and the last piece is `]`. Other orients are `RunBatch`
// followed by `RenderRunJson`, in one piece.
//
// REQUIRES: as for `RunBatch`.
RenderedBatch RunAndRender(const Model& model,
                           const std::vector<std::string>& inputs,
                           const RunRenderOptions& options,
                           common::ThreadPool* pool);

}  // namespace hub::models
