#pragma once

// Running statistics of one measured value (CPU or memory of one instance), in the upstream
// shape (../shared/reference/upstream-processing.md §6.4): lifetime count, total, min, max and
// average, and the same over the last 60 s. Samples older than the newest minus 600 s are
// dropped from the buffer (the lifetime figures keep counting them).
//
// Thread-safety: a value type; callers synchronize.

#include <cstdint>
#include <deque>
#include <utility>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

#include "hub/common/clock.h"

namespace hub::runtime {

// The figures; -1 in `min`, `max` and `avg` means "no data" (as upstream), the window figures
// are 0 when the window is empty.
struct RunningAveragesView {
  std::int64_t count = 0;
  double total = 0;
  double min = -1;
  double max = -1;
  double avg = -1;
  std::int64_t count_60s = 0;
  double total_60s = 0;
  double min_60s = 0;
  double max_60s = 0;
  double avg_60s = 0;
};

// `{count,total,min,max,avg,count_60s,total_60s,min_60s,max_60s,avg_60s}`.
nlohmann::json RunningAveragesToJson(const RunningAveragesView& view);

// Parses that form; DataLoss when a field is missing or not a number.
[[nodiscard]] absl::StatusOr<RunningAveragesView> RunningAveragesFromJson(const nlohmann::json& j);

class RunningAverages final {
public:
  static constexpr common::Micros kWindow = 60 * common::kMicrosPerSecond;
  static constexpr common::Micros kKeep = 600 * common::kMicrosPerSecond;

  // Adds a sample taken at `at`. Late samples are placed by time.
  void Add(common::Micros at, double value);

  // The figures as of the newest sample.
  RunningAveragesView View() const;

  bool empty() const { return count_ == 0; }

private:
  std::deque<std::pair<common::Micros, double>> samples_;
  std::int64_t count_ = 0;
  double total_ = 0;
  double min_ = -1;
  double max_ = -1;
};

}  // namespace hub::runtime
