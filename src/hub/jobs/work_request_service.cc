#include "hub/jobs/work_request_service.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <streambuf>

#include "fmt/format.h"
#include "nlohmann/json.hpp"

#include "hub/common/log.h"
#include "hub/common/random.h"
#include "hub/common/status_macros.h"
#include "hub/jobs/jobs_metrics.h"
#include "hub/models/smiles.h"

namespace hub::jobs {
namespace {

// Reads bytes [offset, offset + length) of a file, with seeking inside that region (the
// input reader looks at the start of the input, then rewinds). One part of a multipart
// upload is read in place this way, without copying it.
class FileRegionBuffer final : public std::streambuf {
public:
  FileRegionBuffer(const std::string& path, std::uint64_t offset, std::uint64_t length)
      : file_(path, std::ios::binary), offset_(offset), length_(length) {}

  bool ok() const { return file_.good(); }

protected:
  int_type underflow() override {
    if (gptr() < egptr()) {
      return traits_type::to_int_type(*gptr());
    }
    std::uint64_t remaining = length_ - position_;
    if (remaining == 0) {
      return traits_type::eof();
    }
    size_t want = static_cast<size_t>(std::min<std::uint64_t>(remaining, sizeof(buffer_)));
    file_.seekg(static_cast<std::streamoff>(offset_ + position_));
    file_.read(buffer_, static_cast<std::streamsize>(want));
    auto got = static_cast<size_t>(file_.gcount());
    if (got == 0) {
      return traits_type::eof();
    }
    position_ += got;
    setg(buffer_, buffer_, buffer_ + got);
    return traits_type::to_int_type(*gptr());
  }

  pos_type seekoff(off_type off, std::ios_base::seekdir dir, std::ios_base::openmode) override {
    if (dir != std::ios_base::beg) {
      return {static_cast<off_type>(-1)};
    }
    return seekpos(pos_type(off), std::ios_base::in);
  }

  pos_type seekpos(pos_type pos, std::ios_base::openmode) override {
    auto target = static_cast<std::uint64_t>(static_cast<off_type>(pos));
    if (target > length_) {
      return {static_cast<off_type>(-1)};
    }
    position_ = target;
    file_.clear();
    setg(buffer_, buffer_, buffer_);
    return pos;
  }

private:
  std::ifstream file_;
  std::uint64_t offset_;
  std::uint64_t length_;
  std::uint64_t position_ = 0;
  char buffer_[64 * 1024] = {};
};

class FileRegionStream final : public std::istream {
public:
  FileRegionStream(const std::string& path, std::uint64_t offset, std::uint64_t length)
      : std::istream(nullptr), buffer_(path, offset, length) {
    rdbuf(&buffer_);
  }

  bool ok() const { return buffer_.ok(); }

private:
  FileRegionBuffer buffer_;
};

std::string Metadata(const Caller& caller,
                     const SubmitRequest& request,
                     const IntakeResult& intake,
                     double intake_seconds) {
  nlohmann::json rejected = nlohmann::json::array();
  for (const RejectedRow& r : intake.rejected) {
    rejected.push_back({{"row", r.row}, {"input", r.input}, {"reason", r.reason}});
  }
  nlohmann::json meta = {
      {"tracking", {{"user_agent", caller.user_agent}, {"host", caller.client_address}}},
      {"intake",
       {{"format", std::string(InputFormatName(intake.shape.format))},
        {"header", intake.shape.header},
        {"header_reason", intake.shape.header_reason},
        {"columns", intake.shape.columns},
        {"smiles_column", intake.shape.smiles_column},
        {"id_column", intake.shape.id_column},
        {"filename", request.input.filename},
        {"rejected_examples", rejected},
        {"unchecked", intake.unchecked}}},
      {"stages", {{"intake_seconds", intake_seconds}}}};
  return meta.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string CheckSmilesRow(const std::string& input) {
  absl::Status status = models::CheckSmilesSyntax(input);
  return status.ok() ? std::string() : std::string{status.message()};
}

WorkRequestService::WorkRequestService(RequestStore& requests,
                                       blob::BlobStore& blobs,
                                       ResultCache& cache,
                                       ModelFactsSource& models,
                                       common::ThreadPool& validators,
                                       const common::Clock& clock,
                                       ServiceOptions options,
                                       JobsMetrics* metrics)
    : requests_(requests),
      blobs_(blobs),
      cache_(cache),
      models_(models),
      intake_(blobs, &cache, validators, CheckSmilesRow),
      clock_(clock),
      options_(options),
      metrics_(metrics) {}

size_t WorkRequestService::ChunkRows(const ModelFacts& facts) const {
  if (facts.columns <= 0) {
    return options_.max_chunk_rows;
  }
  size_t rows = options_.chunk_cells / static_cast<size_t>(facts.columns);
  return std::clamp(rows, options_.min_chunk_rows, options_.max_chunk_rows);
}

absl::StatusOr<std::unique_ptr<InputReader>> WorkRequestService::OpenInput(
    const SubmitRequest& request) const {
  InputOptions options = request.input_options;
  auto looks_like_smiles = [](const std::string& s) {
    return CheckSmilesRow(s).empty();
  };
  if (request.input.file_path.empty()) {
    return InputReader::Open(
        std::make_unique<std::istringstream>(EntriesToText(request.input.entries)), options,
        looks_like_smiles);
  }
  if (options.format == InputFormat::kAuto) {
    options.format = FormatFromName(request.input.filename, request.input.media_type);
  }
  auto stream = std::make_unique<FileRegionStream>(request.input.file_path, request.input.offset,
                                                   request.input.length);
  if (!stream->ok()) {
    return absl::UnavailableError("the upload could not be read back; try again");
  }
  return InputReader::Open(std::move(stream), options, looks_like_smiles);
}

absl::StatusOr<SubmitResult> WorkRequestService::Submit(const Caller& caller,
                                                        const SubmitRequest& request) {
  auto facts = models_.Facts(request.model_id);
  if (!facts.ok()) {
    if (facts.status().code() == absl::StatusCode::kNotFound) {
      return absl::InvalidArgumentError(
          fmt::format("Invalid request body - No model with id [{}]", request.model_id));
    }
    return facts.status();
  }
  if (!facts->enabled) {
    return absl::InvalidArgumentError(
        fmt::format("model {} is disabled; ask an operator to enable it", request.model_id));
  }

  auto started = std::chrono::steady_clock::now();
  HUB_ASSIGN_OR_RETURN(auto reader, OpenInput(request));
  IntakeOptions intake_options;
  intake_options.max_rows = options_.max_rows;
  intake_options.chunk_rows = ChunkRows(*facts);
  intake_options.read_cache = facts->cache_enabled;
  std::string uid = common::RandomHexToken(12);
  HUB_ASSIGN_OR_RETURN(
      IntakeResult intake,
      intake_.Run(uid, *reader, {request.model_id, facts->version}, intake_options));
  double intake_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  WorkRequestRecord record;
  record.uid = uid;
  record.model_id = request.model_id;
  record.model_version = facts->version;
  record.user_id = caller.user_id;
  record.user_kind = caller.user_kind;
  record.priority = caller.manage ? request.priority : 0;
  std::uint64_t to_compute = intake.unique - intake.cached;
  record.lane = to_compute <= options_.small_request_rows ? 0 : 1;
  record.request_date = clock_.NowMicros();
  record.rows_total = static_cast<std::int64_t>(intake.rows);
  record.rows_invalid = static_cast<std::int64_t>(intake.invalid);
  record.rows_unique = static_cast<std::int64_t>(intake.unique);
  record.rows_cached = static_cast<std::int64_t>(intake.cached);
  record.has_header = intake.shape.header;
  record.cache_opt_in = request.cache_opt_in && caller.user_kind == "user";
  record.cache_write = record.cache_opt_in && facts->cache_enabled;
  record.metadata = Metadata(caller, request, intake, intake_seconds);
  record.columns = intake.columns;

  auto id = requests_.Insert(record, intake.chunks);
  if (!id.ok()) {
    (void)blobs_.DeletePrefix(Intake::Prefix(uid));
    return id.status();
  }
  HUB_ASSIGN_OR_RETURN(record, requests_.Get(*id));
  HUB_LOG(info, "work request queued", {"work_request_id", *id}, {"model_id", record.model_id},
          {"rows", record.rows_total}, {"unique", record.rows_unique},
          {"cached", record.rows_cached}, {"chunks", record.chunks_total},
          {"user_id", caller.user_id});
  if (metrics_ != nullptr) {
    metrics_->RequestSubmitted(record.model_id, record.rows_total);
  }
  if (on_submitted_) {
    on_submitted_();
  }
  return SubmitResult{std::move(record), std::move(intake)};
}

bool WorkRequestService::MaySeeContents(const Caller& caller, const WorkRequestRecord& request) {
  return caller.manage || request.user_id == caller.user_id;
}

absl::StatusOr<WorkRequestRecord> WorkRequestService::Get(const Caller& caller, std::int64_t id) {
  auto record = requests_.Get(id);
  bool visible =
      record.ok() && (record->user_id == caller.user_id || caller.manage || caller.view_all);
  if (!visible) {
    if (!record.ok() && record.status().code() != absl::StatusCode::kNotFound) {
      return record.status();
    }
    return absl::NotFoundError(fmt::format("Failed to load request with id [{}]", id));
  }
  return record;
}

absl::StatusOr<std::vector<WorkRequestRecord>> WorkRequestService::List(const Caller& caller,
                                                                        RequestFilter filter) {
  if (!caller.manage && !caller.view_all) {
    filter.user_id = caller.user_id;
  }
  return requests_.List(filter);
}

absl::StatusOr<WorkRequestRecord> WorkRequestService::Cancel(const Caller& caller,
                                                             std::int64_t id) {
  HUB_ASSIGN_OR_RETURN(WorkRequestRecord record, Get(caller, id));
  if (record.user_id != caller.user_id && !caller.manage) {
    return absl::PermissionDeniedError(
        "only the owner or MANAGE_WORK_REQUESTS may cancel this request");
  }
  std::string who = record.user_id == caller.user_id ? "the owner" : "an operator";
  HUB_RETURN_IF_ERROR(requests_.Cancel(id, "cancelled by " + who));
  HUB_LOG(info, "work request cancelled", {"work_request_id", id}, {"by", who});
  return requests_.Get(id);
}

absl::StatusOr<WorkRequestRecord> WorkRequestService::SetPriority(const Caller& caller,
                                                                  std::int64_t id,
                                                                  int priority) {
  if (!caller.manage) {
    return absl::PermissionDeniedError("changing a request needs MANAGE_WORK_REQUESTS");
  }
  HUB_RETURN_IF_ERROR(requests_.SetPriority(id, priority));
  return requests_.Get(id);
}

absl::StatusOr<std::int64_t> WorkRequestService::DeleteRequests(
    const std::vector<RequestStore::Expired>& requests) {
  std::vector<std::int64_t> ids;
  ids.reserve(requests.size());
  for (const auto& r : requests) {
    ids.push_back(r.id);
  }
  HUB_ASSIGN_OR_RETURN(std::int64_t deleted, requests_.Delete(ids));
  // Blobs go after the rows: a request that no longer exists is never read again.
  for (const auto& r : requests) {
    absl::Status blob = blobs_.DeletePrefix(Intake::Prefix(r.uid));
    if (!blob.ok() && log::Every("jobs.delete_blobs", 10'000)) {
      HUB_LOG(warn, "cannot delete request blobs", {"error", std::string(blob.message())});
    }
  }
  return deleted;
}

}  // namespace hub::jobs
