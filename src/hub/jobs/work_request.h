#pragma once

// The work request as stored, and the values it is filtered by.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

#include "hub/common/clock.h"

namespace hub::jobs {

// The upstream statuses plus CANCELLED.
enum class RequestStatus { kQueued, kScheduling, kProcessing, kCompleted, kFailed, kCancelled };

std::string_view RequestStatusName(RequestStatus status);
absl::StatusOr<RequestStatus> ParseRequestStatus(std::string_view text);
bool IsTerminal(RequestStatus status);

struct WorkRequestRecord {
  std::int64_t id = 0;
  std::string uid;  // blob prefix name
  std::string model_id;
  std::string model_version;
  std::string user_id;
  std::string user_kind;  // "user" or "anonymous"
  RequestStatus status = RequestStatus::kQueued;
  std::string status_reason;
  int priority = 0;
  int lane = 1;  // 0: small requests
  common::Micros request_date = 0;
  std::optional<common::Micros> started_at;
  std::optional<common::Micros> processed_at;
  common::Micros last_updated = 0;
  std::int64_t rows_total = 0;    // data rows (header excluded)
  std::int64_t rows_invalid = 0;  // rejected at intake
  std::int64_t rows_unique = 0;   // distinct valid inputs
  std::int64_t rows_cached = 0;   // distinct inputs taken from the cache
  std::int64_t rows_done = 0;     // distinct inputs computed
  std::int64_t rows_failed = 0;   // distinct inputs the model could not compute
  int chunks_total = 0;
  int chunks_open = 0;
  bool has_header = false;
  bool cache_opt_in = false;
  bool cache_write = false;
  std::string columns;   // JSON array of output column names, once known
  std::string metadata;  // JSON object: tracking data, intake report, stage timings

  // Distinct inputs finished one way or another.
  std::int64_t unique_finished() const { return rows_cached + rows_done + rows_failed; }
};

// Filters of `GET /api/work-requests` (all optional; bound parameters only).
struct RequestFilter {
  std::optional<std::int64_t> id;
  std::optional<std::string> user_id;
  std::vector<std::string> model_ids;
  std::vector<RequestStatus> statuses;
  std::optional<common::Micros> date_from;
  std::optional<common::Micros> date_to;
  std::optional<std::string> user_kind;
  int limit = 100;
};

}  // namespace hub::jobs
