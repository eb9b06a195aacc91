#pragma once

// Resource recommendations from measured instances: the upstream approach
// (../shared/reference/upstream-processing.md §6.5) with its defects fixed and one
// improvement (docs/decisions/runtime.md explains both):
//
//   - `recommended_min_value` is the smallest allocation that keeps the usage inside the
//     RECOMMENDED bracket, `recommended_max_value` the largest (upstream had them inverted);
//   - CPU is a rate in millicores, not the cumulative counter; the CPU request follows the
//     average while a chunk runs, the limit the peak;
//   - the memory limit accounts for input size: a line `peak(rows) = base + per_row * rows`
//     bounding every instance's (largest chunk, peak memory) point from above is fitted, and
//     the limit is recommended for the largest chunk seen. The same line says how many rows
//     per chunk fit in a given limit (`rows_per_chunk`), which the work-request planner uses.
//
// Thread-safety: pure functions and value types.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/common/clock.h"
#include "hub/runtime/instance_metrics_repository.h"
#include "hub/runtime/model_record.h"

namespace hub::runtime {

enum class ProfileId { kCpuMin, kCpuMax, kMemoryMin, kMemoryMax };
enum class ProfileState { kVeryUnder, kUnder, kRecommended, kOver, kVeryOver };

// "CPU_MIN", "CPU_MAX", "MEMORY_MIN", "MEMORY_MAX".
std::string_view ProfileIdName(ProfileId id);
std::optional<ProfileId> ParseProfileId(std::string_view name);
// "VERY_UNDER", "UNDER", "RECOMMENDED", "OVER", "VERY_OVER".
std::string_view ProfileStateName(ProfileState state);

inline constexpr std::array<ProfileId, 4> kAllProfiles = {
    ProfileId::kCpuMin, ProfileId::kCpuMax, ProfileId::kMemoryMin, ProfileId::kMemoryMax};

// One bracket of a profile: usage as a percentage of the allocation, [min, max).
struct Bracket {
  ProfileState state = ProfileState::kRecommended;
  double min = 0;
  double max = 0;
};

struct ProfileConfig {
  ProfileId id = ProfileId::kCpuMin;
  std::array<Bracket, 5> brackets;  // VERY_UNDER .. VERY_OVER
  double min_value = 0;             // no recommendation goes below (m or MiB)

  const Bracket& recommended() const { return brackets[2]; }
};

// The upstream bracket table.
const ProfileConfig& ConfigFor(ProfileId id);

// The bracket of `config` that contains `percentage`; nullopt outside every bracket.
std::optional<Bracket> BracketFor(const ProfileConfig& config, double percentage);

struct ResourceRecommendation {
  ProfileId profile = ProfileId::kCpuMin;
  // Usage in m or MiB; -1 when nothing was measured.
  double current_usage_value = -1;
  // The model's allocation; -1 when none (no limit).
  std::int64_t current_allocation_value = -1;
  std::int64_t current_usage_percentage = 0;
  std::optional<Bracket> current_profile_state;
  std::optional<Bracket> recommended_profile;
  double recommended_min_value = 0;
  double recommended_max_value = 0;
  std::int64_t current_allocation_percentage = 0;
  std::optional<ProfileState> current_allocation_profile_state;
  std::optional<double> recommended_value;  // nullopt when nothing was measured
};

// Peak memory as a function of rows per chunk.
struct MemoryModel {
  double base_mb = 0;
  double mb_per_row = 0;
  int instances = 0;                    // points the line is fitted on
  std::int64_t max_rows_per_chunk = 0;  // the largest chunk seen
  bool depends_on_rows = false;         // fitted on at least two chunk sizes

  double PeakMb(std::int64_t rows) const {
    return base_mb + mb_per_row * static_cast<double>(rows);
  }

  // Rows per chunk whose predicted peak stays within `memory_mb`; nullopt when memory does not
  // measurably grow with rows (any chunk size fits) or not even one row fits.
  std::optional<std::int64_t> RowsFitting(double memory_mb) const;
};

// Usage against allocation, one resource (the upstream "RP").
struct UsageProfile {
  double min_usage = -1;
  double max_usage = -1;
  std::int64_t min_allocatable = -1;
  std::int64_t max_allocatable = -1;
  std::int64_t min_usage_percentage = 0;
  std::int64_t max_usage_percentage = 0;
};

struct ResourceProfile {
  UsageProfile cpu;
  UsageProfile memory;
};

struct ModelRecommendations {
  std::string model_id;
  ResourceRecommendation cpu_min;
  ResourceRecommendation cpu_max;
  ResourceRecommendation memory_min;
  ResourceRecommendation memory_max;
  std::vector<std::string> profiled_instances;
  common::Micros last_updated = 0;
  ResourceProfile profile;
  MemoryModel memory_model;
  // Rows per chunk that fit the recommended memory limit at the middle of its RECOMMENDED
  // bracket; nullopt when unknown or unbounded.
  std::optional<std::int64_t> rows_per_chunk;

  const ResourceRecommendation& Get(ProfileId id) const;
};

// One profile's recommendation for usage `usage` (-1: none) against `allocation` (-1: none)
// at `usage_percentage`.
ResourceRecommendation Recommend(ProfileId id,
                                 double usage,
                                 std::int64_t allocation,
                                 std::int64_t usage_percentage);

// Fits the memory line on the instances that measured memory and ran at least one chunk.
MemoryModel FitMemoryModel(const std::vector<InstanceMetricsRecord>& instances);

// Usage against `resources` over `instances` (those with samples).
ResourceProfile ProfileOf(const ResourceSpec& resources,
                          const std::vector<InstanceMetricsRecord>& instances);

// Every recommendation of one model from its measured instances.
ModelRecommendations RecommendForModel(const ModelRecord& model,
                                       const std::vector<InstanceMetricsRecord>& instances,
                                       common::Micros now);

}  // namespace hub::runtime
