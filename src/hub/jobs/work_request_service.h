#pragma once

// The work-request operations behind the API: submit, read, list, cancel, prioritise and
// delete, with the ownership rules. Handlers translate HTTP to these calls.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "hub/blob/blob_store.h"
#include "hub/common/clock.h"
#include "hub/common/thread_pool.h"
#include "hub/jobs/intake.h"
#include "hub/jobs/request_store.h"
#include "hub/jobs/result_cache.h"

namespace hub::jobs {

class JobsMetrics;

// The hub's `RowCheck` (intake.h): the SMILES must read with RDKit, without sanitizing
// (`models::CheckSmilesSyntax`); returns its row error text, or empty. Thread-safe.
std::string CheckSmilesRow(const std::string& input);

// What the engine needs to know about a model when a request arrives.
struct ModelFacts {
  bool enabled = true;
  std::string version;  // part of the cache key
  bool cache_enabled = true;
  int columns = 0;  // output columns when known (sizes chunks); 0 if unknown
};

// Where model facts come from (the model registry). Thread-safe.
class ModelFactsSource {
public:
  virtual ~ModelFactsSource() = default;
  // NotFound for an unknown model.
  [[nodiscard]] virtual absl::StatusOr<ModelFacts> Facts(const std::string& model_id) = 0;
};

// Who is asking, as the engine sees it (the API maps its principal to this).
struct Caller {
  std::string user_id;
  std::string user_kind = "user";  // "user" or "anonymous"
  bool manage = false;             // MANAGE_WORK_REQUESTS: all requests, with molecules
  bool view_all = false;           // operators: all requests, without molecules
  bool cache_admin = false;        // may write the shared cache
  std::string session_id;
  std::string user_agent;
  std::string client_address;
};

// Where the molecules come from.
struct SubmitInput {
  std::vector<std::string> entries;  // JSON `entries`, or
  std::string file_path;             // a spooled upload (read from `offset`, `length` bytes)
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  std::string filename;
  std::string media_type;
};

struct SubmitRequest {
  std::string model_id;
  SubmitInput input;
  InputOptions input_options;
  bool cache_opt_in = false;
  int priority = 0;  // honoured for `manage` callers only
};

struct SubmitResult {
  WorkRequestRecord request;
  IntakeResult intake;
};

struct ServiceOptions {
  std::uint64_t max_rows = 1'000'000;
  size_t max_chunk_rows = 1000;
  size_t min_chunk_rows = 50;
  // Target values (rows × columns) per chunk, which sizes chunks of wide models.
  size_t chunk_cells = 2'000'000;
  // Requests with at most this many distinct inputs to compute use the small lane.
  std::uint64_t small_request_rows = 1000;
};

// Thread-safe.
class WorkRequestService final {
public:
  WorkRequestService(RequestStore& requests,
                     blob::BlobStore& blobs,
                     ResultCache& cache,
                     ModelFactsSource& models,
                     common::ThreadPool& validators,
                     const common::Clock& clock,
                     ServiceOptions options,
                     JobsMetrics* metrics = nullptr);

  // Called after a request was queued (wakes this replica's workers).
  void OnSubmitted(std::function<void()> hook) { on_submitted_ = std::move(hook); }

  // Validates, takes in and queues a request. Errors (nothing is left behind on any of
  // them): InvalidArgument — unknown or disabled model, malformed input, no valid molecule,
  // over the row limit; the store's errors.
  [[nodiscard]] absl::StatusOr<SubmitResult> Submit(const Caller& caller,
                                                    const SubmitRequest& request);

  // A request the caller may see. NotFound also when it belongs to someone else (no hint
  // that it exists).
  [[nodiscard]] absl::StatusOr<WorkRequestRecord> Get(const Caller& caller, std::int64_t id);

  // Requests the caller may see: their own, or everyone's for operators.
  [[nodiscard]] absl::StatusOr<std::vector<WorkRequestRecord>> List(const Caller& caller,
                                                                    RequestFilter filter);

  // Owner or `manage`. FailedPrecondition when it already ended.
  [[nodiscard]] absl::StatusOr<WorkRequestRecord> Cancel(const Caller& caller, std::int64_t id);

  // `manage` only (PermissionDenied otherwise).
  [[nodiscard]] absl::StatusOr<WorkRequestRecord> SetPriority(const Caller& caller,
                                                              std::int64_t id,
                                                              int priority);

  // Deletes requests and their blobs (retention, clearing a user's data); returns how many.
  [[nodiscard]] absl::StatusOr<std::int64_t> DeleteRequests(
      const std::vector<RequestStore::Expired>& requests);

  // Whether the caller may see the request's molecules and results.
  static bool MaySeeContents(const Caller& caller, const WorkRequestRecord& request);

  RequestStore& requests() { return requests_; }

  blob::BlobStore& blobs() { return blobs_; }

private:
  absl::StatusOr<std::unique_ptr<InputReader>> OpenInput(const SubmitRequest& request) const;
  size_t ChunkRows(const ModelFacts& facts) const;

  RequestStore& requests_;
  blob::BlobStore& blobs_;
  ResultCache& cache_;
  ModelFactsSource& models_;
  Intake intake_;
  const common::Clock& clock_;
  ServiceOptions options_;
  JobsMetrics* metrics_;
  std::function<void()> on_submitted_;
};

}  // namespace hub::jobs
