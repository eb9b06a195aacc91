#pragma once

// Intake of a work request: reads the rows, deduplicates, consults the result cache, checks
// rows and cuts the rest into chunks — writing everything as blobs under `requests/<uid>/`
// before the request exists in the database (docs/decisions/jobs.md).
//
// Rows are checked here only until a valid one was found and at least the first chunk's worth
// of rows was checked: a small request, or one without any valid row, is checked in full, so
// it is answered as before. Later new inputs go to their chunk unchecked, and the chunk worker
// checks them with the same `RowCheck` before the model sees them (chunk_workers.h). A repeat
// of an unchecked input is checked here, so an invalid input that ends up rejected by a worker
// stands for exactly one data row.
//
// Blobs written:
//   rows.tsv            one line per data row, in input order:
//                       <error>\t<unique index or -1>\t<client id>\t<input>
//   cached.tsv          one line per cached distinct input, by unique index:
//                       <unique>\t\t<result>
//   chunks/<seq>.in     one line per distinct input to compute: <unique>\t<input>, or
//                       <unique>\t<input>\t<kUncheckedMark> when it was not checked

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

#include "hub/blob/blob_store.h"
#include "hub/common/thread_pool.h"
#include "hub/jobs/input_reader.h"
#include "hub/jobs/result_cache.h"

namespace hub::jobs {

// The third field of a chunk input line whose input intake did not check.
inline constexpr std::string_view kUncheckedMark = "unchecked";

struct IntakeOptions {
  std::uint64_t max_rows = 1'000'000;
  // Distinct inputs per chunk.
  size_t chunk_rows = 1000;
  // Rejected rows listed in the intake report (all of them are in the results).
  size_t rejected_examples = 20;
  // Consult the cache (the model allows caching). Writing is decided later.
  bool read_cache = true;
};

struct RejectedRow {
  std::uint64_t row = 0;  // 0-based data row
  std::string input;      // truncated for the report
  std::string reason;     // "<code>: <message>"
};

struct ChunkPlan {
  int seq = 0;
  std::uint64_t first_unique = 0;
  std::string input_key;
  int lines = 0;
};

struct IntakeResult {
  std::string uid;
  InputShape shape;
  std::uint64_t rows = 0;
  std::uint64_t invalid = 0;
  std::uint64_t unique = 0;
  std::uint64_t cached = 0;
  // Distinct inputs written to chunks unchecked (among `unique`).
  std::uint64_t unchecked = 0;
  std::vector<RejectedRow> rejected;
  std::vector<ChunkPlan> chunks;
  // The column names of cached results (JSON array), when any result came from the cache.
  std::string columns;
};

// Checks one input; returns the row error text ("<code>: <message>") or empty when the input
// may be sent to a model. Must be thread-safe (called from the validation pool and from the
// chunk workers).
using RowCheck = std::function<std::string(const std::string& input)>;

// Runs intake for one request. Thread-safe (no shared state beyond its collaborators).
class Intake final {
public:
  // `cache` may be null (no cache reads). `validators` checks rows in parallel.
  Intake(blob::BlobStore& blobs, ResultCache* cache, common::ThreadPool& validators, RowCheck check)
      : blobs_(blobs), cache_(cache), validators_(validators), check_(std::move(check)) {}

  // Reads every row of `reader` and writes the blobs of request `uid`. On any error every
  // blob already written is deleted. Errors: InvalidArgument when the input is malformed, has
  // more than `max_rows` rows or no valid row at all (the message cites the first rejected
  // rows); the blob store's and the cache's errors. `invalid` and `rejected` count only the
  // rows checked here (see the file comment).
  [[nodiscard]] absl::StatusOr<IntakeResult> Run(const std::string& uid,
                                                 InputReader& reader,
                                                 const CacheKey& cache_key,
                                                 const IntakeOptions& options);

  // The blob key prefix of request `uid`: "requests/<uid>".
  static std::string Prefix(const std::string& uid);

private:
  class Session;

  blob::BlobStore& blobs_;
  ResultCache* cache_;
  common::ThreadPool& validators_;
  RowCheck check_;
};

}  // namespace hub::jobs
