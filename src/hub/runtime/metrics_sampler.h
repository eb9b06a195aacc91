#pragma once

// Samples the CPU and memory of every live instance (and of the hub itself) into running
// averages, and stops instances that use more memory than their model's limit.
//
// CPU is kept as a rate in millicores, computed from successive readings of the cumulative
// counter (the upstream averaged the raw counter, which made "max CPU" the total CPU-seconds
// so far). Samples taken while a chunk runs also go into a busy-only series, which is what the
// CPU request recommendation uses: idle time would dilute it.
//
// Thread-safety: thread-safe. The pool and clock must outlive the sampler.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

#include "hub/common/clock.h"
#include "hub/runtime/instance_metrics_repository.h"
#include "hub/runtime/instance_pool.h"
#include "hub/runtime/running_averages.h"

namespace hub::runtime {

struct SamplerOptions {
  std::chrono::milliseconds interval{5000};
  // Stop an instance whose resident memory exceeds its model's memory limit.
  bool enforce_memory_limits = true;
};

// The measurements of one instance so far.
struct InstanceMetricsView {
  std::string model_id;
  std::string instance_id;
  // The backend, shown where upstream shows the Kubernetes namespace.
  std::string namespace_name;
  RunningAveragesView cpu;       // millicores
  RunningAveragesView memory;    // bytes
  RunningAveragesView cpu_busy;  // millicores while a chunk ran
  std::int64_t memory_peak_bytes = 0;
  double cpu_seconds = 0;
};

class MetricsSampler final {
public:
  MetricsSampler(const common::Clock& clock, InstancePool& pool, SamplerOptions options);

  MetricsSampler(const MetricsSampler&) = delete;
  MetricsSampler& operator=(const MetricsSampler&) = delete;

  // `Sample` when `interval` has passed since the last one.
  void SampleIfDue();

  // Reads every live instance's usage now (instances whose backend cannot measure are
  // skipped), and the hub's own.
  void Sample();

  // Live instances' measurements, of one model when `model_id` is set.
  std::vector<InstanceMetricsView> Active(const std::optional<std::string>& model_id) const;

  // One live instance's measurements; nullopt before its first sample.
  std::optional<InstanceMetricsView> Get(const std::string& instance_id) const;

  // The hub process itself (model "core", as upstream).
  InstanceMetricsView Core() const;

  // The record to save for an instance that ended (`event` is its terminal event); forgets
  // the instance.
  InstanceMetricsRecord Finish(const InstanceEvent& event);

private:
  struct Series {
    std::string model_id;
    std::string backend;
    RunningAverages cpu;
    RunningAverages memory;
    RunningAverages cpu_busy;
    double last_cpu_seconds = -1;
    common::Micros last_at = 0;
    std::int64_t memory_peak_bytes = 0;
    double cpu_seconds = 0;
  };

  void Add(Series& series, const ResourceUsage& usage, common::Micros at, bool busy);
  static InstanceMetricsView ViewOf(const std::string& instance_id, const Series& series);

  const common::Clock& clock_;
  InstancePool& pool_;
  const SamplerOptions options_;
  mutable absl::Mutex mu_;
  std::map<std::string, Series> series_ ABSL_GUARDED_BY(mu_);
  Series core_ ABSL_GUARDED_BY(mu_);
  common::Micros last_sample_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace hub::runtime
