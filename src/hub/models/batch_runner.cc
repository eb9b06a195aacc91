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

// Maps each input to the first row holding the same text. `first[i] == i` for a row that is
// computed; duplicates point to an earlier row. Returns whether any duplicate was found.
bool FindDuplicates(const std::vector<std::string>& inputs, std::vector<size_t>& first) {
  first.resize(inputs.size());
  absl::flat_hash_map<std::string_view, size_t> seen;
  seen.reserve(inputs.size());
  bool duplicates = false;
  for (size_t i = 0; i < inputs.size(); ++i) {
    auto [it, inserted] = seen.try_emplace(inputs[i], i);
    first[i] = it->second;
    duplicates |= !inserted;
  }
  return duplicates;
}

// Computes the rows in `todo` into `rows` on the threads of `pool`, returning when all are
// done. The counters live in shared state that each task keeps alive, so a task that is
// still unwinding after the last row never touches the caller's stack.
void ComputeParallel(const Model& model,
                     const std::vector<std::string>& inputs,
                     const std::vector<size_t>& todo,
                     common::ThreadPool& pool,
                     std::vector<RowResult>& rows) {
  struct State {
    std::atomic<size_t> next{0};
    std::mutex mu;
    std::condition_variable cv;
    size_t running = 0;
  };

  auto state = std::make_shared<State>();
  const size_t claims = (todo.size() + kRowsPerClaim - 1) / kRowsPerClaim;
  const size_t workers = std::max<size_t>(1, std::min(pool.size(), claims));
  state->running = workers;

  auto work = [state, &model, &inputs, &todo, &rows] {
    for (size_t begin = state->next.fetch_add(kRowsPerClaim); begin < todo.size();
         begin = state->next.fetch_add(kRowsPerClaim)) {
      const size_t end = std::min(begin + kRowsPerClaim, todo.size());
      for (size_t k = begin; k < end; ++k) {
        rows[todo[k]] = ComputeRow(model, inputs[todo[k]]);
      }
    }
    std::lock_guard<std::mutex> lock(state->mu);
    if (--state->running == 0) {
      state->cv.notify_all();
    }
  };
  for (size_t i = 0; i < workers; ++i) {
    // A pool that is shutting down refuses tasks: do their share here.
    if (!pool.Submit(work)) {
      work();
    }
  }
  std::unique_lock<std::mutex> lock(state->mu);
  state->cv.wait(lock, [&] { return state->running == 0; });
}

}  // namespace

RowResult ComputeRow(const Model& model, const std::string& input) {
  RowResult row;
  row.values.assign(model.info().columns.size(), std::numeric_limits<double>::quiet_NaN());
  absl::StatusOr<MolPtr> mol = ParseSmiles(input);
  if (!mol.ok()) {
    row.error = common::ToString(mol.status().message());
    return row;
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
  return row;
}

std::vector<RowResult> RunBatch(const Model& model,
                                const std::vector<std::string>& inputs,
                                common::ThreadPool* pool) {
  std::vector<size_t> first;
  const bool duplicates = FindDuplicates(inputs, first);
  std::vector<size_t> todo;
  todo.reserve(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (first[i] == i) {
      todo.push_back(i);
    }
  }

  std::vector<RowResult> rows(inputs.size());
  if (pool == nullptr || todo.size() <= 1) {
    for (size_t i : todo) {
      rows[i] = ComputeRow(model, inputs[i]);
    }
  } else {
    ComputeParallel(model, inputs, todo, *pool, rows);
  }

  if (duplicates) {
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (first[i] != i) {
        rows[i] = rows[first[i]];
      }
    }
  }
  return rows;
}

}  // namespace hub::models
