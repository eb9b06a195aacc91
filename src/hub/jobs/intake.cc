#include "hub/jobs/intake.h"

#include <algorithm>
#include <iterator>
#include <optional>
#include <string_view>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "fmt/format.h"

#include "hub/common/status_macros.h"
#include "hub/jobs/tsv.h"

namespace hub::jobs {
namespace {

// Rows read, looked up and validated together. Bounds the cached values held at once.
constexpr size_t kValidationBatch = 2048;
constexpr size_t kWriteBuffer = size_t{256} * 1024;
constexpr size_t kReportedInputBytes = 120;

using DedupKeyType = std::pair<std::uint64_t, std::uint64_t>;

// Distinct inputs looked up in the cache by one query; slices of a batch run in parallel.
constexpr size_t kLookupSlice = ResultCache::kLookupBatch;

// The value of 16 lower-case hex digits (`Sha256Hex` writes lower case).
std::uint64_t HexWord(std::string_view hex) {
  std::uint64_t value = 0;
  for (char c : hex.substr(0, 16)) {
    value = value << 4 | static_cast<std::uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  }
  return value;
}

// The first 128 bits of a SHA-256 hex digest: a collision-free key for deduplication.
DedupKeyType DedupKey(std::string_view hex) {
  return {HexWord(hex.substr(0, 16)), HexWord(hex.substr(16, 16))};
}

struct CheckedRow {
  InputRow row;
  std::string error;
  std::string hash;
  DedupKeyType dedup;
  // The cached result, on the batch's first occurrence of an input the cache has.
  std::optional<std::string> cached;
  // Validation is skipped for an input already known valid: seen earlier in the request or
  // found in the result cache (only computed, hence valid, inputs are cached). A repeat
  // inside the batch takes the verdict of its first occurrence `same_as`.
  bool known_valid = false;
  std::optional<size_t> same_as;
  // A repeat of an input an earlier batch wrote unchecked: checked itself, because its
  // verdict is not known yet (then remembered for later repeats). `repeat_of` is the unique
  // index it repeats.
  bool repeats_unchecked = false;
  std::uint32_t repeat_of = 0;
  // A new input written to its chunk unchecked (the chunk worker checks it).
  bool unchecked = false;
};

}  // namespace

// The state of one intake run.
class Intake::Session {
public:
  Session(Intake& owner, std::string uid, CacheKey key, const IntakeOptions& options)
      : owner_(owner), key_(std::move(key)), options_(options) {
    result_.uid = std::move(uid);
  }

  absl::Status Open();
  absl::Status Add(InputRow row);
  absl::Status Finish();

  IntakeResult TakeResult() { return std::move(result_); }

private:
  absl::Status ProcessBatch();
  absl::Status LookUpBatch();
  absl::StatusOr<bool> LookUpInCache(const std::vector<size_t>& rows);
  void ValidateBatch();
  void MarkUnchecked();
  bool RepeatsUnchecked(CheckedRow& checked, std::uint32_t unique);
  void RememberRepeatVerdicts();
  absl::Status Record(const CheckedRow& checked);
  absl::Status Plan(std::uint64_t unique, const CheckedRow& checked);
  absl::Status AppendChunkLine(std::uint64_t unique, const CheckedRow& checked);
  absl::Status FlushChunk();
  absl::Status FlushBuffers(bool force);

  Intake& owner_;
  CacheKey key_;
  IntakeOptions options_;
  IntakeResult result_;

  std::vector<CheckedRow> batch_;
  std::uint64_t held_blank_rows_ = 0;
  absl::flat_hash_map<DedupKeyType, std::uint32_t> seen_;
  // Whether each unique index went to its chunk unchecked and no repeat has been checked yet.
  std::vector<bool> unchecked_;
  // The row errors of unchecked inputs whose repeats were checked and rejected, by unique
  // index: later repeats take the verdict without another check.
  absl::flat_hash_map<std::uint32_t, std::string> rejected_repeats_;
  // Rows are checked here until a valid one was found and a chunk's worth was checked.
  bool check_all_ = true;

  std::unique_ptr<blob::BlobWriter> rows_writer_;
  std::unique_ptr<blob::BlobWriter> cached_writer_;
  std::string rows_buffer_;
  std::string cached_buffer_;
  std::string chunk_buffer_;
  int chunk_lines_ = 0;
  std::uint64_t chunk_first_ = 0;
};

absl::Status Intake::Session::Open() {
  std::string prefix = Prefix(result_.uid);
  HUB_ASSIGN_OR_RETURN(rows_writer_, owner_.blobs_.NewWriter(prefix + "/rows.tsv"));
  HUB_ASSIGN_OR_RETURN(cached_writer_, owner_.blobs_.NewWriter(prefix + "/cached.tsv"));
  return absl::OkStatus();
}

// Blank rows at the very end of an input (a trailing empty line) are dropped; blank rows
// followed by more data are kept and reported as empty.
absl::Status Intake::Session::Add(InputRow row) {
  if (row.smiles.empty() && row.id.empty()) {
    ++held_blank_rows_;
    return absl::OkStatus();
  }
  for (; held_blank_rows_ > 0; --held_blank_rows_) {
    batch_.emplace_back();
  }
  batch_.emplace_back().row = std::move(row);
  if (batch_.size() >= kValidationBatch) {
    return ProcessBatch();
  }
  return absl::OkStatus();
}

// Hashes the batch, looks its new inputs up in the cache, validates only what is still
// unknown (RDKit is the costly step of intake), then records the rows in input order.
absl::Status Intake::Session::ProcessBatch() {
  owner_.validators_.ParallelFor(batch_.size(), [this](size_t i) {
    batch_[i].hash = InputHash(batch_[i].row.smiles);
    batch_[i].dedup = DedupKey(batch_[i].hash);
  });
  HUB_RETURN_IF_ERROR(LookUpBatch());
  if (!check_all_) {
    MarkUnchecked();
  }
  ValidateBatch();
  RememberRepeatVerdicts();
  for (const CheckedRow& checked : batch_) {
    HUB_RETURN_IF_ERROR(Record(checked));
  }
  batch_.clear();
  // Decided between batches, so that a batch is checked in full or not at all.
  check_all_ = result_.unique == 0 || result_.rows < options_.chunk_rows;
  return FlushBuffers(false);
}

// Marks the rows whose input is a repeat or cached, and keeps the cached results.
absl::Status Intake::Session::LookUpBatch() {
  absl::flat_hash_map<DedupKeyType, size_t> first_in_batch;
  std::vector<size_t> lookups;
  for (size_t i = 0; i < batch_.size(); ++i) {
    CheckedRow& checked = batch_[i];
    const DedupKeyType& key = checked.dedup;
    if (auto seen = seen_.find(key); seen != seen_.end()) {
      if (!RepeatsUnchecked(checked, seen->second)) {
        continue;
      }
    }
    auto [first, inserted] = first_in_batch.try_emplace(key, i);
    if (!inserted) {
      checked.same_as = first->second;
      continue;
    }
    if (!checked.row.smiles.empty() && !checked.repeats_unchecked) {
      lookups.push_back(i);
    }
  }
  if (owner_.cache_ == nullptr || !options_.read_cache || lookups.empty()) {
    return absl::OkStatus();
  }
  HUB_ASSIGN_OR_RETURN(bool any, LookUpInCache(lookups));
  if (any && result_.columns.empty()) {
    HUB_ASSIGN_OR_RETURN(result_.columns, owner_.cache_->Columns(key_));
  }
  for (CheckedRow& checked : batch_) {
    const CheckedRow& first = checked.same_as ? batch_[*checked.same_as] : checked;
    checked.known_valid = checked.known_valid || first.cached.has_value();
  }
  return absl::OkStatus();
}

// Classifies a row whose input an earlier batch recorded as unique index `unique`: known
// valid, known invalid (a checked repeat was rejected), or to be checked here, once per batch
// (the caller deduplicates it like a new input). Returns whether it is to be checked.
bool Intake::Session::RepeatsUnchecked(CheckedRow& checked, std::uint32_t unique) {
  if (!unchecked_[unique]) {
    checked.known_valid = true;
    return false;
  }
  if (auto rejected = rejected_repeats_.find(unique); rejected != rejected_repeats_.end()) {
    checked.error = rejected->second;
    return false;
  }
  checked.repeats_unchecked = true;
  checked.repeat_of = unique;
  return true;
}

// Keeps the verdicts of the repeats this batch checked, so that no input is checked here
// more than once.
void Intake::Session::RememberRepeatVerdicts() {
  for (const CheckedRow& checked : batch_) {
    if (!checked.repeats_unchecked || checked.same_as) {
      continue;
    }
    if (checked.error.empty()) {
      unchecked_[checked.repeat_of] = false;
    } else {
      rejected_repeats_.try_emplace(checked.repeat_of, checked.error);
    }
  }
}

// Stores the cached results of the batch rows `rows` in them, one query per slice, the
// slices in parallel. Returns whether any was cached.
absl::StatusOr<bool> Intake::Session::LookUpInCache(const std::vector<size_t>& rows) {
  std::vector<absl::Status> parts((rows.size() + kLookupSlice - 1) / kLookupSlice);
  owner_.validators_.ParallelFor(parts.size(), [&](size_t part) {
    size_t begin = part * kLookupSlice;
    size_t end = std::min(rows.size(), begin + kLookupSlice);
    std::vector<std::string_view> hashes;
    hashes.reserve(end - begin);
    for (size_t i = begin; i < end; ++i) {
      hashes.emplace_back(batch_[rows[i]].hash);
    }
    auto found = owner_.cache_->Lookup(key_, hashes);
    if (!found.ok()) {
      parts[part] = found.status();
      return;
    }
    for (size_t i = begin; i < end; ++i) {
      batch_[rows[i]].cached = std::move((*found)[i - begin]);
    }
  });
  for (const absl::Status& part : parts) {
    HUB_RETURN_IF_ERROR(part);
  }
  return std::any_of(rows.begin(), rows.end(),
                     [this](size_t row) { return batch_[row].cached.has_value(); });
}

// Leaves the new inputs of the batch unchecked, except those repeated inside the batch: one
// check there gives the verdict of every copy.
void Intake::Session::MarkUnchecked() {
  std::vector<bool> repeated(batch_.size(), false);
  for (const CheckedRow& checked : batch_) {
    if (checked.same_as) {
      repeated[*checked.same_as] = true;
    }
  }
  for (size_t i = 0; i < batch_.size(); ++i) {
    CheckedRow& checked = batch_[i];
    checked.unchecked =
        !checked.known_valid && !checked.same_as && !checked.repeats_unchecked && !repeated[i];
  }
}

void Intake::Session::ValidateBatch() {
  owner_.validators_.ParallelFor(batch_.size(), [this](size_t i) {
    CheckedRow& checked = batch_[i];
    if (!checked.known_valid && !checked.same_as && !checked.unchecked && checked.error.empty()) {
      checked.error = owner_.check_(checked.row.smiles);
    }
  });
  for (CheckedRow& checked : batch_) {
    if (checked.same_as) {
      checked.error = batch_[*checked.same_as].error;
    }
  }
}

absl::Status Intake::Session::Record(const CheckedRow& checked) {
  std::uint64_t row_number = result_.rows++;
  if (result_.rows > options_.max_rows) {
    return absl::InvalidArgumentError(
        fmt::format("the request has more than {} molecules, the limit of this hub; split it",
                    options_.max_rows));
  }
  std::int64_t unique = -1;
  if (!checked.error.empty()) {
    ++result_.invalid;
    if (result_.rejected.size() < options_.rejected_examples) {
      result_.rejected.push_back(
          {row_number, checked.row.smiles.substr(0, kReportedInputBytes), checked.error});
    }
  } else {
    auto [it, inserted] =
        seen_.try_emplace(checked.dedup, static_cast<std::uint32_t>(result_.unique));
    unique = it->second;
    if (inserted) {
      unchecked_.push_back(checked.unchecked);
      result_.unchecked += checked.unchecked ? 1 : 0;
      HUB_RETURN_IF_ERROR(Plan(result_.unique++, checked));
    }
  }
  AppendTsvField(rows_buffer_, checked.error);
  fmt::format_to(std::back_inserter(rows_buffer_), "\t{}\t", unique);
  AppendTsvField(rows_buffer_, checked.row.id);
  rows_buffer_.push_back('\t');
  AppendTsvField(rows_buffer_, checked.row.smiles);
  rows_buffer_.push_back('\n');
  return absl::OkStatus();
}

// A new distinct input goes to cached.tsv when the cache has it, else to the current chunk;
// both stay in unique-index order.
absl::Status Intake::Session::Plan(std::uint64_t unique, const CheckedRow& checked) {
  if (!checked.cached) {
    return AppendChunkLine(unique, checked);
  }
  ++result_.cached;
  fmt::format_to(std::back_inserter(cached_buffer_), "{}\t\t{}\n", unique, *checked.cached);
  return absl::OkStatus();
}

absl::Status Intake::Session::AppendChunkLine(std::uint64_t unique, const CheckedRow& checked) {
  if (chunk_lines_ == 0) {
    chunk_first_ = unique;
  }
  fmt::format_to(std::back_inserter(chunk_buffer_), "{}\t", unique);
  AppendTsvField(chunk_buffer_, checked.row.smiles);
  if (checked.unchecked) {
    chunk_buffer_.push_back('\t');
    chunk_buffer_.append(kUncheckedMark);
  }
  chunk_buffer_.push_back('\n');
  if (++chunk_lines_ >= static_cast<int>(options_.chunk_rows)) {
    return FlushChunk();
  }
  return absl::OkStatus();
}

absl::Status Intake::Session::FlushChunk() {
  if (chunk_lines_ == 0) {
    return absl::OkStatus();
  }
  ChunkPlan plan;
  plan.seq = static_cast<int>(result_.chunks.size());
  plan.first_unique = chunk_first_;
  plan.lines = chunk_lines_;
  plan.input_key = fmt::format("{}/chunks/{}.in", Prefix(result_.uid), plan.seq);
  HUB_RETURN_IF_ERROR(owner_.blobs_.Put(plan.input_key, chunk_buffer_));
  result_.chunks.push_back(std::move(plan));
  chunk_buffer_.clear();
  chunk_lines_ = 0;
  return absl::OkStatus();
}

absl::Status Intake::Session::FlushBuffers(bool force) {
  if (force || rows_buffer_.size() >= kWriteBuffer) {
    HUB_RETURN_IF_ERROR(rows_writer_->Append(rows_buffer_));
    rows_buffer_.clear();
  }
  if (force || cached_buffer_.size() >= kWriteBuffer) {
    HUB_RETURN_IF_ERROR(cached_writer_->Append(cached_buffer_));
    cached_buffer_.clear();
  }
  return absl::OkStatus();
}

absl::Status Intake::Session::Finish() {
  HUB_RETURN_IF_ERROR(ProcessBatch());
  HUB_RETURN_IF_ERROR(FlushChunk());
  HUB_RETURN_IF_ERROR(FlushBuffers(true));
  if (result_.rows == 0) {
    return absl::InvalidArgumentError("the input has no molecules: send at least one");
  }
  if (result_.unique == 0) {
    const RejectedRow& first = result_.rejected.front();
    return absl::InvalidArgumentError(
        fmt::format("none of the {} rows is a molecule the hub can read; row {} ('{}'): {}",
                    result_.rows, first.row + 1, first.input, first.reason));
  }
  HUB_RETURN_IF_ERROR(rows_writer_->Commit());
  return cached_writer_->Commit();
}

std::string Intake::Prefix(const std::string& uid) {
  return "requests/" + uid;
}

absl::StatusOr<IntakeResult> Intake::Run(const std::string& uid,
                                         InputReader& reader,
                                         const CacheKey& cache_key,
                                         const IntakeOptions& options) {
  Session session(*this, uid, cache_key, options);
  auto run = [&]() -> absl::Status {
    HUB_RETURN_IF_ERROR(session.Open());
    InputRow row;
    while (reader.Next(row)) {
      absl::Status added = session.Add(std::move(row));
      if (!added.ok()) {
        return added;
      }
      row = InputRow();
    }
    HUB_RETURN_IF_ERROR(reader.status());
    return session.Finish();
  };
  absl::Status status = run();
  if (!status.ok()) {
    (void)blobs_.DeletePrefix(Prefix(uid));
    return status;
  }
  IntakeResult result = session.TakeResult();
  result.shape = reader.shape();
  return result;
}

}  // namespace hub::jobs
