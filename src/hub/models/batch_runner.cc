#include "hub/models/batch_runner.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include <GraphMol/ROMol.h>

#include "hub/common/strings.h"
#include "hub/models/smiles.h"

namespace hub::models {
namespace {

// Rows handed to a thread at a time: large enough to keep the shared counter cold, small
// enough to balance a batch of a few hundred molecules over the threads.
constexpr size_t kRowsPerClaim = 4;

// Which rows of a batch are computed: `first[i]` is the first row holding the same text as
// `inputs[i]` (`first[i] == i` for a row that is computed, an earlier row for a duplicate),
// and `todo` lists the computed rows in order.
struct BatchPlan {
  std::vector<size_t> first;
  std::vector<size_t> todo;
  bool duplicates = false;
};

BatchPlan PlanBatch(const std::vector<std::string>& inputs) {
  BatchPlan plan;
  plan.first.resize(inputs.size());
  plan.todo.reserve(inputs.size());
  absl::flat_hash_map<std::string_view, size_t> seen;
  seen.reserve(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    auto [it, inserted] = seen.try_emplace(inputs[i], i);
    plan.first[i] = it->second;
    plan.duplicates |= !inserted;
    if (inserted) {
      plan.todo.push_back(i);
    }
  }
  return plan;
}

// Runs `task(k, scratch)` for every k in [0, count) on the threads of `pool`, each thread
// with a `Scratch` of its own, and returns when all are done; on the caller's thread when
// `pool` is null or there is at most one row. The counters live in shared state that each
// task keeps alive, so a task that is still unwinding after the last row never touches the
// caller's stack.
template <typename Scratch, typename Task>
void ParallelRows(size_t count, common::ThreadPool* pool, const Task& task) {
  if (pool == nullptr || count <= 1) {
    Scratch scratch;
    for (size_t k = 0; k < count; ++k) {
      task(k, scratch);
    }
    return;
  }

  struct State {
    std::atomic<size_t> next{0};
    std::mutex mu;
    std::condition_variable cv;
    size_t running = 0;
  };

  auto state = std::make_shared<State>();
  const size_t claims = (count + kRowsPerClaim - 1) / kRowsPerClaim;
  const size_t workers = std::max<size_t>(1, std::min(pool->size(), claims));
  state->running = workers;

  auto work = [state, count, &task] {
    Scratch scratch;
    for (size_t begin = state->next.fetch_add(kRowsPerClaim); begin < count;
         begin = state->next.fetch_add(kRowsPerClaim)) {
      for (size_t k = begin; k < std::min(begin + kRowsPerClaim, count); ++k) {
        task(k, scratch);
      }
    }
    std::lock_guard<std::mutex> lock(state->mu);
    if (--state->running == 0) {
      state->cv.notify_all();
    }
  };
  for (size_t i = 0; i < workers; ++i) {
    // A pool that is shutting down refuses tasks: do their share here.
    if (!pool->Submit(work)) {
      work();
    }
  }
  std::unique_lock<std::mutex> lock(state->mu);
  state->cv.wait(lock, [&] { return state->running == 0; });
}

// Computes `input` into `row`, reusing its storage: a row kept per thread allocates nothing
// per molecule.
void ComputeRowInto(const Model& model, const std::string& input, RowResult& row) {
  row.values.assign(model.info().columns.size(), std::numeric_limits<double>::quiet_NaN());
  row.error.clear();
  absl::StatusOr<MolPtr> mol = ParseSmiles(input);
  if (!mol.ok()) {
    row.error = common::ToString(mol.status().message());
    return;
  }

  // Models are not supposed to throw, but RDKit can (invariant violations on odd molecules),
  // and an exception must not take the batch down.
  absl::Status status;
  try {
    status = model.Compute(**mol, row.values);
  } catch (const std::exception& e) {
    status = absl::InternalError(e.what());
  } catch (...) {
    status = absl::InternalError("unknown exception");
  }
  if (!status.ok()) {
    std::fill(row.values.begin(), row.values.end(), std::numeric_limits<double>::quiet_NaN());
    row.error = RowError(kComputationFailed, common::ToString(status.message()));
  }
}

// What each thread of `RunAndRender` reuses from row to row.
struct RenderScratch {
  RowResult row;
  std::string buffer;  // the row's text, after one separator byte
};

// `RunAndRender` for the orients `RowRenderer` supports.
RenderedBatch RenderRows(const Model& model,
                         const std::vector<std::string>& inputs,
                         const RunRenderOptions& options,
                         common::ThreadPool* pool) {
  const BatchPlan plan = PlanBatch(inputs);
  const RowRenderer renderer(model.info(), options);
  RenderedBatch batch;
  batch.pieces.resize(inputs.size() + 1);
  std::vector<char> failed(inputs.size(), 0);
  ParallelRows<RenderScratch>(plan.todo.size(), pool, [&](size_t k, RenderScratch& scratch) {
    const size_t i = plan.todo[k];
    ComputeRowInto(model, inputs[i], scratch.row);
    scratch.buffer.resize(std::max<size_t>(scratch.buffer.size(), 1));
    scratch.buffer[0] = i == 0 ? '[' : ',';
    const size_t end = renderer.WriteRow(scratch.row, 1, scratch.buffer);
    batch.pieces[i].assign(scratch.buffer.data(), end);
    failed[i] = scratch.row.error.empty() ? 0 : 1;
  });

  // A duplicate is never the first row, so its separator is always a comma.
  for (size_t i = 0; plan.duplicates && i < inputs.size(); ++i) {
    if (plan.first[i] != i) {
      batch.pieces[i] = batch.pieces[plan.first[i]];
      batch.pieces[i][0] = ',';
      failed[i] = failed[plan.first[i]];
    }
  }
  batch.pieces.back() = inputs.empty() ? "[]" : "]";
  for (const std::string& piece : batch.pieces) {
    batch.bytes += piece.size();
  }
  batch.row_errors = static_cast<size_t>(std::count(failed.begin(), failed.end(), 1));
  return batch;
}

}  // namespace

RowResult ComputeRow(const Model& model, const std::string& input) {
  RowResult row;
  ComputeRowInto(model, input, row);
  return row;
}

std::vector<RowResult> RunBatch(const Model& model,
                                const std::vector<std::string>& inputs,
                                common::ThreadPool* pool) {
  const BatchPlan plan = PlanBatch(inputs);
  std::vector<RowResult> rows(inputs.size());

  struct NoScratch {};

  ParallelRows<NoScratch>(plan.todo.size(), pool, [&](size_t k, NoScratch&) {
    const size_t i = plan.todo[k];
    ComputeRowInto(model, inputs[i], rows[i]);
  });

  for (size_t i = 0; plan.duplicates && i < inputs.size(); ++i) {
    if (plan.first[i] != i) {
      rows[i] = rows[plan.first[i]];
    }
  }
  return rows;
}

RenderedBatch RunAndRender(const Model& model,
                           const std::vector<std::string>& inputs,
                           const RunRenderOptions& options,
                           common::ThreadPool* pool) {
  if (RowRenderer::Supports(options)) {
    return RenderRows(model, inputs, options, pool);
  }
  std::vector<RowResult> rows = RunBatch(model, inputs, pool);
  RenderedBatch batch;
  batch.pieces.push_back(RenderRunJson(model.info(), inputs, rows, options));
  batch.bytes = batch.pieces.front().size();
  batch.row_errors = CountRowErrors(rows);
  return batch;
}

}  // namespace hub::models
