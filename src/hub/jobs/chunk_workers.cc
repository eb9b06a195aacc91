#include "hub/jobs/chunk_workers.h"

#include <pthread.h>

#include <algorithm>

#include "fmt/format.h"
#include "nlohmann/json.hpp"

#include "hub/common/log.h"
#include "hub/common/status_macros.h"
#include "hub/common/strings.h"
#include "hub/jobs/jobs_metrics.h"
#include "hub/jobs/row_values.h"
#include "hub/jobs/tsv.h"

namespace hub::jobs {
namespace {

// The lines [begin, end) of a chunk input blob.
absl::StatusOr<ChunkLines> ReadChunkLines(blob::BlobStore& blobs, const ChunkLease& lease) {
  HUB_ASSIGN_OR_RETURN(std::string text, blobs.Get(lease.input_key));
  ChunkLines lines;
  int number = 0;
  for (std::string_view line : common::Split(text, '\n')) {
    if (line.empty()) {
      continue;
    }
    if (number >= lease.line_begin && number < lease.line_end) {
      auto fields = SplitTsvLine(line);
      bool unchecked = fields.size() == 3 && fields[2] == kUncheckedMark;
      if (fields.size() != 2 && !unchecked) {
        return absl::DataLossError(fmt::format("chunk input {} is malformed", lease.input_key));
      }
      lines.push_back({std::stoll(fields[0]), std::move(fields[1]), unchecked, ""});
    }
    ++number;
  }
  if (static_cast<int>(lines.size()) != lease.lines()) {
    return absl::DataLossError(fmt::format("chunk input {} has {} lines, expected {}",
                                           lease.input_key, lines.size(), lease.lines()));
  }
  return lines;
}

// The inputs of `lines` that go to the model: those without a row error, in order.
std::vector<std::string> InputsToSend(const ChunkLines& lines) {
  std::vector<std::string> inputs;
  inputs.reserve(lines.size());
  for (const ChunkLine& line : lines) {
    if (line.error.empty()) {
      inputs.push_back(line.input);
    }
  }
  return inputs;
}

std::vector<std::string> ParseColumns(const std::string& json) {
  std::vector<std::string> columns;
  auto value = nlohmann::json::parse(json, nullptr, false);
  if (value.is_array()) {
    for (const auto& c : value) {
      if (c.is_string()) {
        columns.push_back(c.get<std::string>());
      }
    }
  }
  return columns;
}

// The row error and values of the model's answer for input `i`. The first row with values
// names the columns when the request has none yet (`new_columns` is then their JSON).
std::pair<std::string, std::string> AnswerFor(const ExecResult& result,
                                              size_t i,
                                              std::vector<std::string>& columns,
                                              std::string& new_columns) {
  if (!result.rows[i].has_value()) {
    return {i < result.row_errors.size() && !result.row_errors[i].empty()
                ? result.row_errors[i]
                : "model_error: the model returned no values for this molecule",
            ""};
  }
  auto members = SplitJsonObject(*result.rows[i]);
  if (!members.ok()) {
    return {"model_error: the model answered a malformed row", ""};
  }
  if (columns.empty()) {
    columns = MemberKeys(*members);
    new_columns = nlohmann::json(columns).dump();
  }
  return {"", ValuesArray(*members, columns)};
}

std::string ResultKey(const WorkRequestRecord& request, const ChunkLease& lease) {
  return fmt::format("requests/{}/results/{}-{}.tsv", request.uid, lease.chunk_id, lease.token);
}

std::string_view KindName(ExecResult::Kind kind) {
  switch (kind) {
    case ExecResult::Kind::kOk:
      return "ok";
    case ExecResult::Kind::kNoInstance:
      return "no_instance";
    case ExecResult::Kind::kModelRefused:
      return "model_refused";
    case ExecResult::Kind::kBadRequest:
      return "bad_request";
    case ExecResult::Kind::kTransient:
      return "transient";
    case ExecResult::Kind::kModelError:
      return "model_error";
    case ExecResult::Kind::kCrash:
      return "crash";
    case ExecResult::Kind::kOutOfMemory:
      return "out_of_memory";
    case ExecResult::Kind::kTimeout:
      return "timeout";
  }
  return "unknown";
}

}  // namespace

std::vector<QueueGroup> RankGroups(std::vector<QueueGroup> groups,
                                   const std::map<std::string, int>& running) {
  auto running_of = [&running](const std::string& user) {
    auto it = running.find(user);
    return it == running.end() ? 0 : it->second;
  };
  std::stable_sort(groups.begin(), groups.end(), [&](const QueueGroup& a, const QueueGroup& b) {
    if (a.priority != b.priority) {
      return a.priority > b.priority;
    }
    if (a.lane != b.lane) {
      return a.lane < b.lane;
    }
    int ra = running_of(a.user_id);
    int rb = running_of(b.user_id);
    if (ra != rb) {
      return ra < rb;
    }
    return a.oldest_request < b.oldest_request;
  });
  return groups;
}

ChunkWorkers::ChunkWorkers(ChunkQueue& queue,
                           RequestStore& requests,
                           blob::BlobStore& blobs,
                           ResultCache& cache,
                           ChunkExecutor& executor,
                           RowChecker checker,
                           const common::Clock& clock,
                           WorkerOptions options,
                           JobsMetrics* metrics)
    : queue_(queue),
      requests_(requests),
      blobs_(blobs),
      cache_(cache),
      executor_(executor),
      checker_(std::move(checker)),
      clock_(clock),
      options_(std::move(options)),
      metrics_(metrics) {}

ChunkWorkers::~ChunkWorkers() {
  Stop(std::chrono::milliseconds(0));
  Join();
}

void ChunkWorkers::Start() {
  if (started_) {
    return;
  }
  started_ = true;
  for (size_t i = 0; i < std::max<size_t>(1, options_.threads); ++i) {
    threads_.emplace_back([this] { WorkerLoop(); });
    pthread_setname_np(threads_.back().native_handle(), ("chunks-" + std::to_string(i)).c_str());
  }
  heartbeat_ = std::thread([this] { HeartbeatLoop(); });
  HUB_LOG(info, "chunk workers started", {"threads", threads_.size()}, {"replica", queue_.owner()});
}

void ChunkWorkers::Stop(std::chrono::milliseconds grace) {
  stopping_ = true;
  Wake();
  std::unique_lock<std::mutex> lock(mu_);
  wake_.wait_for(lock, grace, [this] { return held_.empty(); });
}

void ChunkWorkers::Join() {
  for (std::thread& t : threads_) {
    if (t.joinable()) {
      t.join();
    }
  }
  threads_.clear();
  if (heartbeat_.joinable()) {
    heartbeat_.join();
  }
}

void ChunkWorkers::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++wake_count_;
  }
  wake_.notify_all();
}

size_t ChunkWorkers::Running() const {
  std::lock_guard<std::mutex> lock(mu_);
  return held_.size();
}

void ChunkWorkers::WorkerLoop() {
  while (!stopping_) {
    std::uint64_t seen;
    {
      std::lock_guard<std::mutex> lock(mu_);
      seen = wake_count_;
    }
    if (TryOnce() == Step::kWorked) {
      continue;
    }
    std::unique_lock<std::mutex> lock(mu_);
    wake_.wait_for(lock, options_.idle_poll,
                   [&] { return stopping_.load() || wake_count_ != seen; });
  }
}

ChunkWorkers::Step ChunkWorkers::TryOnce() {
  std::optional<ChunkLease> lease = ClaimNext();
  if (!lease) {
    return Step::kIdle;
  }
  Process(*lease);
  return Step::kWorked;
}

// Finds the models that have work and can get an instance now, ranks their users, and leases
// the first chunk it can (another replica may win a race for one).
std::optional<ChunkLease> ChunkWorkers::ClaimNext() {
  if (stopping_) {
    return std::nullopt;
  }
  auto models = queue_.ClaimableModels();
  if (!models.ok()) {
    if (log::Every("jobs.claim", 10'000)) {
      HUB_LOG(warn, "cannot read the chunk queue",
              {"error", common::ToString(models.status().message())});
    }
    return std::nullopt;
  }
  std::vector<std::string> runnable;
  for (const std::string& model : *models) {
    if (executor_.CanRun(model)) {
      runnable.push_back(model);
    }
  }
  if (runnable.empty()) {
    return std::nullopt;
  }
  auto groups = queue_.Groups(runnable);
  auto running = queue_.Running();
  if (!groups.ok() || !running.ok()) {
    return std::nullopt;
  }
  for (const QueueGroup& group : RankGroups(std::move(*groups), *running)) {
    auto lease = queue_.Claim(group.user_id, runnable);
    if (lease.ok() && *lease) {
      Hold(**lease);
      return std::move(*lease);
    }
  }
  return std::nullopt;
}

void ChunkWorkers::Hold(const ChunkLease& lease) {
  std::lock_guard<std::mutex> lock(mu_);
  held_[lease.chunk_id] = lease;
}

void ChunkWorkers::Unhold(const ChunkLease& lease) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    held_.erase(lease.chunk_id);
  }
  wake_.notify_all();
}

void ChunkWorkers::Process(const ChunkLease& lease) {
  log::ScopedField request_field("work_request_id", std::to_string(lease.request_id));
  log::ScopedField model_field("model_id", lease.model_id);
  auto request = requests_.Get(lease.request_id);
  if (!request.ok() || IsTerminal(request->status)) {
    (void)queue_.Drop(lease);  // the request ended or was deleted while the chunk waited
    Unhold(lease);
    return;
  }
  auto lines = ReadChunkLines(blobs_, lease);
  if (!lines.ok()) {
    HUB_LOG(error, "chunk input unreadable", {"error", common::ToString(lines.status().message())});
    FailRows(lease, *request, {}, common::ToString(lines.status().message()));
    Unhold(lease);
    return;
  }

  // Checked on every run of the chunk (a run after a crash checks again): the verdicts are
  // kept only in the result this run commits.
  CheckLines(*lines);
  std::vector<std::string> inputs = InputsToSend(*lines);
  if (inputs.empty()) {
    FailRows(lease, *request, *lines, "");  // every input was rejected: nothing to compute
  } else {
    RunOnModel(lease, *request, *lines, inputs);
  }
  Unhold(lease);
}

void ChunkWorkers::CheckLines(ChunkLines& lines) const {
  std::vector<ChunkLine*> unchecked;
  for (ChunkLine& line : lines) {
    if (line.unchecked) {
      unchecked.push_back(&line);
    }
  }
  auto check = [this, &unchecked](size_t i) {
    unchecked[i]->error = checker_.check(unchecked[i]->input);
  };
  if (checker_.pool != nullptr) {
    checker_.pool->ParallelFor(unchecked.size(), check);
    return;
  }
  for (size_t i = 0; i < unchecked.size(); ++i) {
    check(i);
  }
}

// Sends `inputs` (the lines without a row error) to an instance and commits or retries.
void ChunkWorkers::RunOnModel(const ChunkLease& lease,
                              const WorkRequestRecord& request,
                              const ChunkLines& lines,
                              const std::vector<std::string>& inputs) {
  ExecOptions exec = options_.exec;
  exec.holder = fmt::format("work_request={} chunk={}", lease.request_id, lease.chunk_id);
  (void)queue_.MarkProcessing(lease);
  auto started = std::chrono::steady_clock::now();
  ExecResult result = executor_.Execute(lease.model_id, inputs, exec);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (metrics_ != nullptr) {
    metrics_->ObserveChunk(lease.model_id, std::string(KindName(result.kind)), seconds,
                           inputs.size());
  }
  if (result.kind == ExecResult::Kind::kOk && result.rows.size() != inputs.size()) {
    result.kind = ExecResult::Kind::kModelError;
    result.message =
        fmt::format("the model answered {} rows for {} inputs", result.rows.size(), inputs.size());
  }
  if (result.kind == ExecResult::Kind::kOk) {
    OnSuccess(lease, request, lines, result);
  } else {
    OnFailure(lease, request, lines, result);
  }
}

void ChunkWorkers::OnSuccess(const ChunkLease& lease,
                             const WorkRequestRecord& request,
                             const ChunkLines& lines,
                             ExecResult& result) {
  std::vector<std::string> columns = ParseColumns(request.columns);
  std::string new_columns;
  std::string text;
  ChunkOutcome outcome;
  std::vector<CacheEntry> cache_entries;
  size_t answer = 0;  // the model's rows answer the lines without a row error, in order
  for (const ChunkLine& line : lines) {
    auto [error, values] = line.error.empty() ? AnswerFor(result, answer++, columns, new_columns)
                                              : std::pair<std::string, std::string>(line.error, "");
    text += fmt::format("{}\t", line.unique);
    AppendTsvField(text, error);
    text += "\t" + values + "\n";
    if (!line.error.empty()) {
      ++outcome.rows_invalid;
    } else if (error.empty()) {
      ++outcome.rows_done;
      if (request.cache_write) {
        cache_entries.push_back({InputHash(line.input), line.input, values});
      }
    } else {
      ++outcome.rows_failed;
      outcome.last_error = error;
    }
  }

  outcome.result_key = ResultKey(request, lease);
  outcome.columns = new_columns;
  absl::Status stored = blobs_.Put(outcome.result_key, text);
  if (!stored.ok()) {
    HUB_LOG(warn, "cannot store a chunk result", {"error", common::ToString(stored.message())});
    Retry(lease, common::ToString(stored.message()), false);
    return;
  }
  // The cache is written before the chunk commits, so a request seen COMPLETED has its rows
  // in the cache (a resubmission right after reads them). Writing them even when the lease
  // turns out lost is harmless: the values are the model's either way, and cached rows are
  // never overwritten.
  if (!cache_entries.empty()) {
    absl::Status cached = cache_.Store({request.model_id, request.model_version}, cache_entries,
                                       request.user_id, nlohmann::json(columns).dump());
    if (!cached.ok() && log::Every("jobs.cache_write", 10'000)) {
      HUB_LOG(warn, "cannot write the result cache", {"error", common::ToString(cached.message())});
    }
  }
  auto completion = queue_.Complete(lease, outcome);
  if (!completion.ok() || !completion->committed) {
    // Lost the lease (another replica took the chunk over): its result counts, not ours.
    (void)blobs_.Delete(outcome.result_key);
    if (!completion.ok()) {
      HUB_LOG(warn, "cannot commit a chunk",
              {"error", common::ToString(completion.status().message())});
    }
    return;
  }
  if (completion->request_finished) {
    HUB_LOG(info, "work request finished",
            {"status", RequestStatusName(completion->request.status)},
            {"rows", completion->request.rows_total});
    if (metrics_ != nullptr) {
      metrics_->RequestFinished(completion->request);
    }
  }
}

void ChunkWorkers::OnFailure(const ChunkLease& lease,
                             const WorkRequestRecord& request,
                             const ChunkLines& lines,
                             const ExecResult& result) {
  using Kind = ExecResult::Kind;
  size_t sent = InputsToSend(lines).size();
  const std::string& why = result.message;
  if (stopping_ && result.kind != Kind::kModelRefused) {
    Retry(lease, why, false);  // shutting down: someone else finishes it
    return;
  }
  switch (result.kind) {
    case Kind::kOk:
      return;
    case Kind::kModelRefused:
      (void)requests_.Fail(lease.request_id, why);
      (void)queue_.Drop(lease);
      HUB_LOG(warn, "work request failed: model cannot run", {"reason", why});
      return;
    case Kind::kNoInstance: {
      common::Micros waited = clock_.NowMicros() - request.request_date;
      bool never_started = request.rows_done == 0 && request.rows_failed == 0;
      if (never_started && waited > options_.wait_timeout.count() * 1000) {
        std::string reason = fmt::format("no instance of {} became available within {} s: {}",
                                         lease.model_id, options_.wait_timeout.count() / 1000, why);
        (void)requests_.Fail(lease.request_id, reason);
        (void)queue_.Drop(lease);
        HUB_LOG(warn, "work request failed: no instance", {"reason", reason});
        return;
      }
      Retry(lease, why, false);
      return;
    }
    case Kind::kTransient:
    case Kind::kTimeout:
      if (lease.attempts < options_.max_attempts) {
        Retry(lease, why, true);
        return;
      }
      break;
    case Kind::kCrash:
    case Kind::kOutOfMemory:
      if (sent == 1 && lease.attempts < options_.max_attempts) {
        Retry(lease, why, true);
        return;
      }
      break;
    case Kind::kBadRequest:
    case Kind::kModelError:
      break;
  }

  // Smaller pieces isolate the molecule that breaks the model; a single one fails alone.
  if (sent > 1) {
    int mid = lease.line_begin + static_cast<int>(lines.size() / 2);
    std::int64_t second_first = lines[lines.size() / 2].unique;
    auto split = queue_.Split(lease, mid, second_first, why);
    if (split.ok() && *split) {
      HUB_LOG(debug, "chunk split", {"rows", lines.size()}, {"reason", why});
    }
    Wake();
    return;
  }
  FailRows(lease, request, lines,
           fmt::format("{}: {}", KindName(result.kind), why.empty() ? "model failed" : why));
}

// Commits the chunk without model values: rows the check rejected keep their own error and
// count as invalid, the others fail with `reason`.
void ChunkWorkers::FailRows(const ChunkLease& lease,
                            const WorkRequestRecord& request,
                            const ChunkLines& lines,
                            const std::string& reason) {
  std::string text;
  ChunkOutcome outcome;
  for (const ChunkLine& line : lines) {
    text += fmt::format("{}\t", line.unique);
    AppendTsvField(text, line.error.empty() ? reason : line.error);
    text += "\t\n";
    if (line.error.empty()) {
      ++outcome.rows_failed;
    } else {
      ++outcome.rows_invalid;
    }
  }
  outcome.result_key = ResultKey(request, lease);
  outcome.last_error = reason;
  if (!blobs_.Put(outcome.result_key, text).ok()) {
    Retry(lease, reason, false);
    return;
  }
  auto completion = queue_.Complete(lease, outcome);
  if (!completion.ok() || !completion->committed) {
    (void)blobs_.Delete(outcome.result_key);
    return;
  }
  if (completion->request_finished && metrics_ != nullptr) {
    metrics_->RequestFinished(completion->request);
  }
}

common::Micros ChunkWorkers::Backoff(int attempts) const {
  std::int64_t ms = options_.retry_backoff.count() << std::min(attempts, 10);
  return std::min<std::int64_t>(ms, options_.max_backoff.count()) * 1000;
}

void ChunkWorkers::Retry(const ChunkLease& lease, const std::string& reason, bool count_attempt) {
  common::Micros due = clock_.NowMicros() + (count_attempt ? Backoff(lease.attempts - 1)
                                                           : options_.retry_backoff.count() * 1000);
  auto requeued = queue_.Requeue(lease, reason, due, count_attempt);
  if (!requeued.ok() && log::Every("jobs.requeue", 10'000)) {
    HUB_LOG(warn, "cannot requeue a chunk; its lease will expire",
            {"error", common::ToString(requeued.status().message())});
  }
}

void ChunkWorkers::HeartbeatLoop() {
  auto period = std::max(std::chrono::milliseconds(50), options_.lease_ttl / 3);
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait_for(lock, period, [this] { return stopping_.load() && held_.empty(); });
      if (stopping_ && held_.empty()) {
        return;
      }
    }
    std::vector<ChunkLease> leases;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& [id, lease] : held_) {
        leases.push_back(lease);
      }
    }
    auto lost = queue_.Extend(leases);
    if (lost.ok() && !lost->empty()) {
      HUB_LOG(warn, "chunk leases lost", {"count", lost->size()});
    }
  }
}

}  // namespace hub::jobs
