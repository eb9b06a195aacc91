#include "hub/runtime/recommendation.h"

#include <algorithm>
#include <cmath>

namespace hub::runtime {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;
constexpr std::int64_t kMaxRowsPerChunk = 1'000'000;

ProfileConfig MakeConfig(ProfileId id, double recommended_max, double over_max, double min_value) {
  return ProfileConfig{id,
                       {{{ProfileState::kVeryUnder, 0, 40},
                         {ProfileState::kUnder, 40, 65},
                         {ProfileState::kRecommended, 65, recommended_max},
                         {ProfileState::kOver, recommended_max, over_max},
                         {ProfileState::kVeryOver, over_max, 10000}}},
                       min_value};
}

bool Measured(const InstanceMetricsRecord& r) {
  return r.cpu.count > 0 || r.memory.count > 0;
}

std::int64_t PercentFloor(double usage, std::int64_t allocation) {
  return allocation > 0 && usage >= 0
             ? static_cast<std::int64_t>(std::floor(usage / static_cast<double>(allocation) * 100))
             : 0;
}

std::int64_t PercentCeil(double usage, std::int64_t allocation) {
  return allocation > 0 && usage >= 0
             ? static_cast<std::int64_t>(std::ceil(usage / static_cast<double>(allocation) * 100))
             : 0;
}

// How far `allocation` is from `recommended`, in percent of the recommendation (upstream's
// formula, integer truncation included).
std::int64_t Deviation(double allocation, double recommended) {
  if (recommended <= 0 || allocation == recommended) {
    return 0;
  }
  auto ratio = static_cast<std::int64_t>(allocation / recommended * 100);
  return allocation < recommended ? -(100 - ratio) : ratio - 100;
}

ProfileState StateForDeviation(std::int64_t d) {
  if (d <= -35) {
    return ProfileState::kVeryUnder;
  }
  if (d <= -10) {
    return ProfileState::kUnder;
  }
  if (d >= 35) {
    return ProfileState::kVeryOver;
  }
  if (d >= 10) {
    return ProfileState::kOver;
  }
  return ProfileState::kRecommended;
}

// CPU while working: the busy-only series when it has samples, else the whole life.
double BusyAverage(const InstanceMetricsRecord& r) {
  return r.cpu_busy.count > 0 ? r.cpu_busy.avg : r.cpu.avg;
}

double PeakMib(const InstanceMetricsRecord& r) {
  double sampled = r.memory.count > 0 ? r.memory.max : 0;
  return std::max(sampled, static_cast<double>(r.memory_peak_bytes)) / kMiB;
}

}  // namespace

std::string_view ProfileIdName(ProfileId id) {
  switch (id) {
    case ProfileId::kCpuMin:
      return "CPU_MIN";
    case ProfileId::kCpuMax:
      return "CPU_MAX";
    case ProfileId::kMemoryMin:
      return "MEMORY_MIN";
    case ProfileId::kMemoryMax:
      return "MEMORY_MAX";
  }
  return "UNKNOWN";
}

std::optional<ProfileId> ParseProfileId(std::string_view name) {
  for (ProfileId id : kAllProfiles) {
    if (ProfileIdName(id) == name) {
      return id;
    }
  }
  return std::nullopt;
}

std::string_view ProfileStateName(ProfileState state) {
  switch (state) {
    case ProfileState::kVeryUnder:
      return "VERY_UNDER";
    case ProfileState::kUnder:
      return "UNDER";
    case ProfileState::kRecommended:
      return "RECOMMENDED";
    case ProfileState::kOver:
      return "OVER";
    case ProfileState::kVeryOver:
      return "VERY_OVER";
  }
  return "UNKNOWN";
}

const ProfileConfig& ConfigFor(ProfileId id) {
  static const ProfileConfig kCpuMin = MakeConfig(ProfileId::kCpuMin, 85, 95, 10);
  static const ProfileConfig kCpuMax = MakeConfig(ProfileId::kCpuMax, 85, 95, 200);
  static const ProfileConfig kMemoryMin = MakeConfig(ProfileId::kMemoryMin, 80, 90, 100);
  static const ProfileConfig kMemoryMax = MakeConfig(ProfileId::kMemoryMax, 80, 90, 300);
  switch (id) {
    case ProfileId::kCpuMin:
      return kCpuMin;
    case ProfileId::kCpuMax:
      return kCpuMax;
    case ProfileId::kMemoryMin:
      return kMemoryMin;
    case ProfileId::kMemoryMax:
      return kMemoryMax;
  }
  return kCpuMin;
}

std::optional<Bracket> BracketFor(const ProfileConfig& config, double percentage) {
  for (const Bracket& bracket : config.brackets) {
    if (percentage >= bracket.min && percentage < bracket.max) {
      return bracket;
    }
  }
  return std::nullopt;
}

const ResourceRecommendation& ModelRecommendations::Get(ProfileId id) const {
  switch (id) {
    case ProfileId::kCpuMin:
      return cpu_min;
    case ProfileId::kCpuMax:
      return cpu_max;
    case ProfileId::kMemoryMin:
      return memory_min;
    case ProfileId::kMemoryMax:
      return memory_max;
  }
  return cpu_min;
}

std::optional<std::int64_t> MemoryModel::RowsFitting(double memory_mb) const {
  if (!depends_on_rows || mb_per_row <= 0) {
    return std::nullopt;
  }
  double rows = std::floor((memory_mb - base_mb) / mb_per_row);
  if (rows < 1) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(std::min<double>(rows, kMaxRowsPerChunk));
}

ResourceRecommendation Recommend(ProfileId id,
                                 double usage,
                                 std::int64_t allocation,
                                 std::int64_t usage_percentage) {
  const ProfileConfig& config = ConfigFor(id);
  const Bracket& target = config.recommended();
  ResourceRecommendation r;
  r.profile = id;
  r.current_usage_value = usage;
  r.current_allocation_value = allocation;
  r.current_usage_percentage = usage_percentage;
  r.recommended_profile = target;
  if (usage < 0) {
    return r;
  }
  // The allocation range that puts `usage` inside the target bracket.
  double low = std::ceil(100 * usage / target.max);
  double high = std::floor(100 * usage / target.min);
  if (low < config.min_value) {
    low = config.min_value;
    high = std::max(high, std::ceil(config.min_value * (1 + (target.max - target.min) / 100)));
  }
  high = std::max(high, low);
  r.recommended_min_value = low;
  r.recommended_max_value = high;
  r.recommended_value = std::ceil(low + (high - low) / 2);
  r.current_profile_state = BracketFor(config, static_cast<double>(usage_percentage));
  if (allocation > 0) {
    r.current_allocation_percentage =
        Deviation(static_cast<double>(allocation), *r.recommended_value);
    r.current_allocation_profile_state = StateForDeviation(r.current_allocation_percentage);
  }
  return r;
}

MemoryModel FitMemoryModel(const std::vector<InstanceMetricsRecord>& instances) {
  std::vector<std::pair<double, double>> points;  // (rows, peak MiB)
  MemoryModel model;
  for (const InstanceMetricsRecord& r : instances) {
    double peak = PeakMib(r);
    if (peak <= 0 || r.counters.max_rows_per_chunk <= 0) {
      continue;
    }
    points.emplace_back(static_cast<double>(r.counters.max_rows_per_chunk), peak);
    model.max_rows_per_chunk = std::max(model.max_rows_per_chunk, r.counters.max_rows_per_chunk);
  }
  model.instances = static_cast<int>(points.size());
  if (points.empty()) {
    return model;
  }
  double mean_x = 0, mean_y = 0;
  for (const auto& [x, y] : points) {
    mean_x += x / static_cast<double>(points.size());
    mean_y += y / static_cast<double>(points.size());
  }
  double covariance = 0, variance = 0;
  for (const auto& [x, y] : points) {
    covariance += (x - mean_x) * (y - mean_y);
    variance += (x - mean_x) * (x - mean_x);
  }
  // Least squares for the slope, then the intercept that puts every point under the line.
  model.depends_on_rows = variance > 0 && covariance > 0;
  model.mb_per_row = model.depends_on_rows ? covariance / variance : 0;
  model.base_mb = -1e300;
  for (const auto& [x, y] : points) {
    model.base_mb = std::max(model.base_mb, y - model.mb_per_row * x);
  }
  return model;
}

ResourceProfile ProfileOf(const ResourceSpec& resources,
                          const std::vector<InstanceMetricsRecord>& instances) {
  ResourceProfile p;
  p.cpu.min_allocatable = resources.cpu_request;
  p.cpu.max_allocatable = resources.cpu_limit.value_or(-1);
  p.memory.min_allocatable = resources.memory_request;
  p.memory.max_allocatable = resources.memory_limit.value_or(-1);
  for (const InstanceMetricsRecord& r : instances) {
    if (r.cpu.count > 0) {
      p.cpu.min_usage = std::max(p.cpu.min_usage, BusyAverage(r));
      p.cpu.max_usage = std::max({p.cpu.max_usage, r.cpu.max, r.cpu_busy.max});
    }
    if (r.memory.count > 0 && r.memory.min >= 0) {
      double baseline = r.memory.min / kMiB;
      p.memory.min_usage =
          p.memory.min_usage < 0 ? baseline : std::min(p.memory.min_usage, baseline);
      p.memory.max_usage = std::max(p.memory.max_usage, PeakMib(r));
    }
  }
  p.cpu.min_usage_percentage = PercentFloor(p.cpu.min_usage, p.cpu.min_allocatable);
  p.cpu.max_usage_percentage = PercentCeil(p.cpu.max_usage, p.cpu.max_allocatable);
  p.memory.min_usage_percentage = PercentFloor(p.memory.min_usage, p.memory.min_allocatable);
  p.memory.max_usage_percentage = PercentCeil(p.memory.max_usage, p.memory.max_allocatable);
  return p;
}

ModelRecommendations RecommendForModel(const ModelRecord& model,
                                       const std::vector<InstanceMetricsRecord>& instances,
                                       common::Micros now) {
  std::vector<InstanceMetricsRecord> measured;
  for (const InstanceMetricsRecord& r : instances) {
    if (Measured(r)) {
      measured.push_back(r);
    }
  }
  ModelRecommendations out;
  out.model_id = model.id;
  out.last_updated = now;
  for (const InstanceMetricsRecord& r : measured) {
    out.profiled_instances.push_back(r.instance_id);
  }
  out.profile = ProfileOf(model.details.resources, measured);
  out.memory_model = FitMemoryModel(measured);
  UsageProfile& memory = out.profile.memory;
  if (out.memory_model.instances > 0) {
    // The limit must hold the largest chunk seen, as predicted from every instance.
    memory.max_usage =
        std::max(memory.max_usage, out.memory_model.PeakMb(out.memory_model.max_rows_per_chunk));
    memory.max_usage_percentage = PercentCeil(memory.max_usage, memory.max_allocatable);
  }
  const UsageProfile& cpu = out.profile.cpu;
  out.cpu_min =
      Recommend(ProfileId::kCpuMin, cpu.min_usage, cpu.min_allocatable, cpu.min_usage_percentage);
  out.cpu_max =
      Recommend(ProfileId::kCpuMax, cpu.max_usage, cpu.max_allocatable, cpu.max_usage_percentage);
  out.memory_min = Recommend(ProfileId::kMemoryMin, memory.min_usage, memory.min_allocatable,
                             memory.min_usage_percentage);
  out.memory_max = Recommend(ProfileId::kMemoryMax, memory.max_usage, memory.max_allocatable,
                             memory.max_usage_percentage);
  if (out.memory_max.recommended_value.has_value()) {
    const Bracket& target = ConfigFor(ProfileId::kMemoryMax).recommended();
    double usable = *out.memory_max.recommended_value * (target.min + target.max) / 200;
    out.rows_per_chunk = out.memory_model.RowsFitting(usable);
  }
  return out;
}

}  // namespace hub::runtime
