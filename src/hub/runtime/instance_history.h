#pragma once

// Persists the pool's events: each one becomes a row of `instance_events`, and an instance's
// terminal event also saves its life's measurements (from the metrics sampler) to
// `instance_metrics`. Writes happen on a background thread, so backend threads reporting an
// exit never wait for the database; a failed write is logged (rate-limited) and dropped.
//
// Thread-safety: thread-safe. The repositories (and the sampler, once set) must outlive it.

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "absl/base/thread_annotations.h"

#include "hub/runtime/instance.h"
#include "hub/runtime/instance_event_repository.h"
#include "hub/runtime/instance_metrics_repository.h"

namespace hub::runtime {

class MetricsSampler;

class InstanceHistory final : public InstanceEventSink {
public:
  InstanceHistory(InstanceEventRepository& events, InstanceMetricsRepository& metrics);
  ~InstanceHistory() override;

  InstanceHistory(const InstanceHistory&) = delete;
  InstanceHistory& operator=(const InstanceHistory&) = delete;

  // Where terminal events take their measurements from (may stay null: then the saved
  // metrics hold only the work counters). Call before events arrive.
  void SetSampler(MetricsSampler* sampler);

  // Queues `event` for writing. After `Shutdown`, writes it at once on the caller's thread.
  void Record(InstanceEvent event) override;

  // Returns once every event queued before the call is written.
  void Flush();

  // Writes what is queued and stops the thread. Idempotent.
  void Shutdown();

private:
  void Loop();
  void Write(const InstanceEvent& event);

  InstanceEventRepository& events_;
  InstanceMetricsRepository& metrics_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<InstanceEvent> queue_ ABSL_GUARDED_BY(mu_);
  std::uint64_t queued_ ABSL_GUARDED_BY(mu_) = 0;
  std::uint64_t written_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  MetricsSampler* sampler_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::thread thread_;
};

}  // namespace hub::runtime
