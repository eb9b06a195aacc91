#include "hub/runtime/running_averages.h"

#include <algorithm>

namespace hub::runtime {

nlohmann::json RunningAveragesToJson(const RunningAveragesView& v) {
  return {{"count", v.count},
          {"total", v.total},
          {"min", v.min},
          {"max", v.max},
          {"avg", v.avg},
          {"count_60s", v.count_60s},
          {"total_60s", v.total_60s},
          {"min_60s", v.min_60s},
          {"max_60s", v.max_60s},
          {"avg_60s", v.avg_60s}};
}

absl::StatusOr<RunningAveragesView> RunningAveragesFromJson(const nlohmann::json& j) {
  RunningAveragesView v;
  try {
    v.count = j.at("count").get<std::int64_t>();
    v.total = j.at("total").get<double>();
    v.min = j.at("min").get<double>();
    v.max = j.at("max").get<double>();
    v.avg = j.at("avg").get<double>();
    v.count_60s = j.at("count_60s").get<std::int64_t>();
    v.total_60s = j.at("total_60s").get<double>();
    v.min_60s = j.at("min_60s").get<double>();
    v.max_60s = j.at("max_60s").get<double>();
    v.avg_60s = j.at("avg_60s").get<double>();
  } catch (const nlohmann::json::exception&) {
    return absl::DataLossError("stored running averages are malformed");
  }
  return v;
}

void RunningAverages::Add(common::Micros at, double value) {
  auto position = std::upper_bound(
      samples_.begin(), samples_.end(), at,
      [](common::Micros t, const std::pair<common::Micros, double>& s) { return t < s.first; });
  samples_.insert(position, {at, value});
  common::Micros newest = samples_.back().first;
  while (!samples_.empty() && samples_.front().first < newest - kKeep) {
    samples_.pop_front();
  }
  ++count_;
  total_ += value;
  min_ = count_ == 1 ? value : std::min(min_, value);
  max_ = count_ == 1 ? value : std::max(max_, value);
}

RunningAveragesView RunningAverages::View() const {
  RunningAveragesView v;
  v.count = count_;
  v.total = total_;
  v.min = min_;
  v.max = max_;
  v.avg = count_ > 0 ? total_ / static_cast<double>(count_) : -1;
  if (samples_.empty()) {
    return v;
  }
  // The window starts at the last sample at or before newest - 60 s (upstream's slice).
  common::Micros boundary = samples_.back().first - kWindow;
  size_t start = 0;
  for (size_t i = 0; i < samples_.size(); ++i) {
    if (samples_[i].first <= boundary) {
      start = i;
    }
  }
  for (size_t i = start; i < samples_.size(); ++i) {
    double value = samples_[i].second;
    v.min_60s = v.count_60s == 0 ? value : std::min(v.min_60s, value);
    v.max_60s = v.count_60s == 0 ? value : std::max(v.max_60s, value);
    v.total_60s += value;
    ++v.count_60s;
  }
  v.avg_60s = v.total_60s / static_cast<double>(v.count_60s);
  return v;
}

}  // namespace hub::runtime
