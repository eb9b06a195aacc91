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
// with a `Scratch` of its own and claiming `per_claim` consecutive k at a time, and returns
// when all are done; on the caller's thread when `pool` is null or `count` is at most one. The
// counters live in shared state that each task keeps alive, so a task that is still unwinding after
// the last row never touches the caller's stack.
template <typename Scratch, typename Task>
void ParallelRows(size_t count, size_t per_claim, common::ThreadPool* pool, const Task& task) {
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
  const size_t claims = (count + per_claim - 1) / per_claim;
  const size_t workers = std::max<size_t>(1, std::min(pool->size(), claims));
  state->running = workers;

  auto work = [state, count, per_claim, &task] {
    Scratch scratch;
    for (size_t begin = state->next.fetch_add(per_claim); begin < count;
         begin = state->next.fetch_add(per_claim)) {
      for (size_t k = begin; k < std::min(begin + per_claim, count); ++k) {
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

// The size `RenderRows` aims at for one piece of the answer: large enough that the HTTP
// layer sends few buffers and a thread allocates rarely, small enough to stay in cache.
constexpr size_t kPieceBytes = size_t{64} * 1024;
// Pieces per thread at least, so that threads finishing at different times still balance.
constexpr size_t kPiecesPerThread = 8;

// Rows of the batch that one piece holds, for `todo` rows to compute.
size_t RowsPerPiece(const RowRenderer& renderer, size_t todo, const common::ThreadPool* pool) {
  const size_t threads = pool == nullptr ? 1 : std::max<size_t>(1, pool->size());
  const size_t by_bytes = std::max<size_t>(1, kPieceBytes / renderer.TypicalRowBytes());
  const size_t by_balance = std::max<size_t>(1, todo / (threads * kPiecesPerThread));
  return std::min(by_bytes, by_balance);
}

// Where the rows computed into the pieces ended: `end[k]` is the offset just past row
// `todo[k]`'s text in its piece (its text starts one byte after the previous row's end, or
// after byte 0 for a piece's first row; byte 0 or the previous end is its separator).
struct PieceLayout {
  size_t rows_per_piece = 1;
  std::vector<size_t> end;
};

// Rebuilds the pieces whose rows are followed by duplicates, with the copies in place: each
// piece then holds its computed rows and the copies that follow them in input order. The
// other pieces stay as they are. Only for batches with duplicates.
void InsertDuplicates(const BatchPlan& plan,
                      const PieceLayout& layout,
                      std::vector<std::string>& pieces) {
  std::vector<size_t> computed_as(plan.first.size(), 0);  // input row -> k
  for (size_t k = 0; k < plan.todo.size(); ++k) {
    computed_as[plan.todo[k]] = k;
  }
  auto text_of = [&](size_t k) {  // row todo[k]'s text, without its separator
    const size_t begin = k % layout.rows_per_piece == 0 ? 1 : layout.end[k - 1] + 1;
    const std::string_view piece = pieces[k / layout.rows_per_piece];
    return piece.substr(begin, layout.end[k] - begin);
  };

  std::vector<std::string> rebuilt(pieces.size());
  for (size_t b = 0; b < pieces.size(); ++b) {
    const size_t k_begin = b * layout.rows_per_piece;
    const size_t k_end = std::min(k_begin + layout.rows_per_piece, plan.todo.size());
    const size_t i_end = k_end < plan.todo.size() ? plan.todo[k_end] : plan.first.size();
    if (i_end - plan.todo[k_begin] == k_end - k_begin) {
      continue;  // no copies among this piece's rows
    }
    std::string& piece = rebuilt[b];
    piece.reserve(pieces[b].size());
    for (size_t i = plan.todo[k_begin]; i < i_end; ++i) {
      piece += i == 0 ? '[' : ',';
      piece += text_of(computed_as[plan.first[i]]);
    }
  }
  for (size_t b = 0; b < pieces.size(); ++b) {
    if (!rebuilt[b].empty()) {  // a rebuilt piece holds at least one row
      pieces[b] = std::move(rebuilt[b]);
    }
  }
}

// What each thread of `RenderRows` reuses from run to run.
struct RenderScratch {
  RowResult row;
  // A run's text; grown (and zeroed) once per batch to its largest run, so that a piece is
  // allocated once, at its exact size.
  std::string buffer;
};

// `RunAndRender` for the orients `RowRenderer` supports. The rows to compute are cut into
// runs of consecutive rows; a thread computes a run and renders it into one piece, reusing
// one row of values and one buffer.
RenderedBatch RenderRows(const Model& model,
                         const std::vector<std::string>& inputs,
                         const RunRenderOptions& options,
                         common::ThreadPool* pool) {
  const BatchPlan plan = PlanBatch(inputs);
  const RowRenderer renderer(model.info(), options);
  PieceLayout layout;
  layout.rows_per_piece = RowsPerPiece(renderer, plan.todo.size(), pool);
  layout.end.resize(plan.todo.size());
  const size_t count = (plan.todo.size() + layout.rows_per_piece - 1) / layout.rows_per_piece;
  RenderedBatch batch;
  batch.pieces.resize(count);
  std::vector<char> failed(inputs.size(), 0);
  ParallelRows<RenderScratch>(count, 1, pool, [&](size_t b, RenderScratch& scratch) {
    const size_t k_begin = b * layout.rows_per_piece;
    const size_t k_end = std::min(k_begin + layout.rows_per_piece, plan.todo.size());
    size_t at = 0;
    for (size_t k = k_begin; k < k_end; ++k) {
      const size_t i = plan.todo[k];
      ComputeRowInto(model, inputs[i], scratch.row);
      scratch.buffer.resize(std::max(scratch.buffer.size(), at + 1));
      scratch.buffer[at] = i == 0 ? '[' : ',';
      at = renderer.WriteRow(scratch.row, at + 1, scratch.buffer);
      layout.end[k] = at;
      failed[i] = scratch.row.error.empty() ? 0 : 1;
    }
    batch.pieces[b].assign(scratch.buffer.data(), at);
  });

  if (plan.duplicates) {
    InsertDuplicates(plan, layout, batch.pieces);
    for (size_t i = 0; i < inputs.size(); ++i) {
      failed[i] = failed[plan.first[i]];
    }
  }
  batch.pieces.emplace_back(inputs.empty() ? "[]" : "]");
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

  ParallelRows<NoScratch>(plan.todo.size(), kRowsPerClaim, pool, [&](size_t k, NoScratch&) {
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
