#pragma once

// SQL access to `instance_metrics` (migration 0003_runtime): what each instance measured over
// its life, written once when it ends. The recommendation engine reads it.
//
// Thread-safety: safe from any number of threads; holds no state.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "hub/runtime/instance.h"
#include "hub/runtime/running_averages.h"
#include "hub/store/database.h"

namespace hub::runtime {

// The measurements of one instance's life.
struct InstanceMetricsRecord {
  std::string instance_id;
  std::string model_id;
  std::string server_id;
  std::string backend;
  common::Micros started_at = 0;
  common::Micros ready_at = 0;
  common::Micros stopped_at = 0;
  std::string stop_reason;
  // CPU in millicores (a rate, not the cumulative counter), memory in bytes.
  RunningAveragesView cpu;
  RunningAveragesView memory;
  // CPU sampled while a chunk was running.
  RunningAveragesView cpu_busy;
  std::int64_t memory_peak_bytes = 0;
  double cpu_seconds = 0;
  InstanceCounters counters;
  // The allocation it ran with.
  ResourceSpec resources;
};

class InstanceMetricsRepository final {
public:
  // `db` must outlive the repository.
  explicit InstanceMetricsRepository(store::Database& db) : db_(db) {}

  InstanceMetricsRepository(const InstanceMetricsRepository&) = delete;
  InstanceMetricsRepository& operator=(const InstanceMetricsRepository&) = delete;

  // Saves one record; a second record for the same instance is ignored. Database errors.
  [[nodiscard]] absl::Status Insert(const InstanceMetricsRecord& record);

  // The newest records (by `stopped_at`), of one model when `model_id` is set, at most `limit`
  // (1-1000). Unreadable rows are skipped. Database errors.
  [[nodiscard]] absl::StatusOr<std::vector<InstanceMetricsRecord>> Recent(
      const std::optional<std::string>& model_id, int limit) const;

private:
  store::Database& db_;
};

}  // namespace hub::runtime
