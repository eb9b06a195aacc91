#include "hub/jobs/work_request.h"

#include <array>
#include <utility>

#include "fmt/format.h"

#include "hub/common/strings.h"

namespace hub::jobs {
namespace {

constexpr std::array<std::pair<RequestStatus, std::string_view>, 6> kNames = {{
    {RequestStatus::kQueued, "QUEUED"},
    {RequestStatus::kScheduling, "SCHEDULING"},
    {RequestStatus::kProcessing, "PROCESSING"},
    {RequestStatus::kCompleted, "COMPLETED"},
    {RequestStatus::kFailed, "FAILED"},
    {RequestStatus::kCancelled, "CANCELLED"},
}};

}  // namespace

std::string_view RequestStatusName(RequestStatus status) {
  for (const auto& [value, name] : kNames) {
    if (value == status) {
      return name;
    }
  }
  return "QUEUED";
}

absl::StatusOr<RequestStatus> ParseRequestStatus(std::string_view text) {
  for (const auto& [value, name] : kNames) {
    if (name == text) {
      return value;
    }
  }
  return absl::InvalidArgumentError(fmt::format(
      "unknown request status '{}': use QUEUED, SCHEDULING, PROCESSING, COMPLETED, FAILED or "
      "CANCELLED",
      text));
}

bool IsTerminal(RequestStatus status) {
  return status == RequestStatus::kCompleted || status == RequestStatus::kFailed ||
         status == RequestStatus::kCancelled;
}

}  // namespace hub::jobs
