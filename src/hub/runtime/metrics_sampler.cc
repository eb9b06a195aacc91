#include "hub/runtime/metrics_sampler.h"

#include <unistd.h>

#include <algorithm>

#include "hub/common/log.h"
#include "hub/runtime/proc_usage.h"

namespace hub::runtime {
namespace {

constexpr std::int64_t kMiB = std::int64_t{1024} * 1024;

}  // namespace

MetricsSampler::MetricsSampler(const common::Clock& clock,
                               InstancePool& pool,
                               SamplerOptions options)
    : clock_(clock), pool_(pool), options_(options) {
  core_.model_id = "core";
  core_.backend = "ersilia-core";
}

void MetricsSampler::SampleIfDue() {
  {
    absl::MutexLock lock(&mu_);
    auto interval = std::chrono::duration_cast<std::chrono::microseconds>(options_.interval);
    if (clock_.NowMicros() - last_sample_ < interval.count()) {
      return;
    }
  }
  Sample();
}

void MetricsSampler::Add(Series& series, const ResourceUsage& usage, common::Micros at, bool busy) {
  // A rate needs two readings; the first one only sets the baseline.
  if (series.last_cpu_seconds >= 0 && at > series.last_at) {
    double millicores = std::max(0.0, usage.cpu_seconds - series.last_cpu_seconds) * 1000.0 *
                        common::kMicrosPerSecond / static_cast<double>(at - series.last_at);
    series.cpu.Add(at, millicores);
    if (busy) {
      series.cpu_busy.Add(at, millicores);
    }
  }
  series.last_cpu_seconds = usage.cpu_seconds;
  series.last_at = at;
  series.cpu_seconds = usage.cpu_seconds;
  series.memory.Add(at, static_cast<double>(usage.memory_bytes));
  series.memory_peak_bytes =
      std::max({series.memory_peak_bytes, usage.memory_peak_bytes, usage.memory_bytes});
}

void MetricsSampler::Sample() {
  common::Micros now = clock_.NowMicros();
  std::vector<InstanceSnapshot> live = pool_.Snapshot();
  std::vector<std::pair<std::string, std::string>> over_limit;
  for (const InstanceSnapshot& instance : live) {
    if (instance.state == InstanceState::kStarting || instance.state == InstanceState::kStopping) {
      continue;
    }
    absl::StatusOr<ResourceUsage> usage = pool_.Usage(instance.instance_id);
    if (!usage.ok()) {
      continue;
    }
    {
      absl::MutexLock lock(&mu_);
      Series& series = series_[instance.instance_id];
      series.model_id = instance.model_id;
      series.backend = instance.backend;
      Add(series, *usage, now, !instance.leases.empty());
    }
    if (options_.enforce_memory_limits && instance.memory_limit_mb.has_value() &&
        usage->memory_bytes > *instance.memory_limit_mb * kMiB) {
      over_limit.emplace_back(instance.instance_id,
                              std::to_string(usage->memory_bytes / kMiB) + " MiB");
      HUB_LOG(warn, "instance exceeds its memory limit; killing it",
              {"instance_id", instance.instance_id}, {"model_id", instance.model_id},
              {"memory_mib", usage->memory_bytes / kMiB}, {"limit_mib", *instance.memory_limit_mb});
    }
  }
  for (const auto& [id, used] : over_limit) {
    (void)pool_.StopInstance(id, StopReason::kKilledForMemory);
  }
  absl::StatusOr<ResourceUsage> self = ReadProcessUsage(getpid());
  absl::MutexLock lock(&mu_);
  if (self.ok()) {
    Add(core_, *self, now, false);
  }
  last_sample_ = now;
}

InstanceMetricsView MetricsSampler::ViewOf(const std::string& instance_id, const Series& s) {
  InstanceMetricsView view;
  view.model_id = s.model_id;
  view.instance_id = instance_id;
  view.namespace_name = s.backend;
  view.cpu = s.cpu.View();
  view.memory = s.memory.View();
  view.cpu_busy = s.cpu_busy.View();
  view.memory_peak_bytes = s.memory_peak_bytes;
  view.cpu_seconds = s.cpu_seconds;
  return view;
}

std::vector<InstanceMetricsView> MetricsSampler::Active(
    const std::optional<std::string>& model_id) const {
  absl::MutexLock lock(&mu_);
  std::vector<InstanceMetricsView> out;
  for (const auto& [id, series] : series_) {
    if (!model_id.has_value() || series.model_id == *model_id) {
      out.push_back(ViewOf(id, series));
    }
  }
  return out;
}

std::optional<InstanceMetricsView> MetricsSampler::Get(const std::string& instance_id) const {
  absl::MutexLock lock(&mu_);
  auto it = series_.find(instance_id);
  if (it == series_.end()) {
    return std::nullopt;
  }
  return ViewOf(instance_id, it->second);
}

InstanceMetricsView MetricsSampler::Core() const {
  absl::MutexLock lock(&mu_);
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  return ViewOf(host, core_);
}

InstanceMetricsRecord MetricsSampler::Finish(const InstanceEvent& event) {
  InstanceMetricsRecord record;
  record.instance_id = event.instance_id;
  record.model_id = event.model_id;
  record.server_id = event.server_id;
  record.backend = event.backend;
  record.stopped_at = event.at;
  record.stop_reason = event.reason;
  if (event.final_state.has_value()) {
    const InstanceSnapshot& last = *event.final_state;
    record.started_at = last.created_at;
    record.ready_at = last.ready_at;
    record.counters = last.counters;
    record.resources = last.resources;
  }
  absl::MutexLock lock(&mu_);
  auto it = series_.find(event.instance_id);
  if (it != series_.end()) {
    InstanceMetricsView view = ViewOf(event.instance_id, it->second);
    record.cpu = view.cpu;
    record.memory = view.memory;
    record.cpu_busy = view.cpu_busy;
    record.memory_peak_bytes = view.memory_peak_bytes;
    record.cpu_seconds = view.cpu_seconds;
    series_.erase(it);
  }
  return record;
}

}  // namespace hub::runtime
