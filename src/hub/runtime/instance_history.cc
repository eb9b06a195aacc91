#include "hub/runtime/instance_history.h"

#include "hub/common/log.h"
#include "hub/common/strings.h"
#include "hub/runtime/metrics_sampler.h"

namespace hub::runtime {

InstanceHistory::InstanceHistory(InstanceEventRepository& events,
                                 InstanceMetricsRepository& metrics)
    : events_(events), metrics_(metrics) {
  thread_ = std::thread([this] { Loop(); });
}

InstanceHistory::~InstanceHistory() {
  Shutdown();
}

void InstanceHistory::SetSampler(MetricsSampler* sampler) {
  std::lock_guard<std::mutex> lock(mu_);
  sampler_ = sampler;
}

void InstanceHistory::Record(InstanceEvent event) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      queue_.push_back(std::move(event));
      ++queued_;
      cv_.notify_all();
      return;
    }
  }
  Write(event);
}

void InstanceHistory::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  std::uint64_t target = queued_;
  cv_.wait(lock, [&] { return written_ >= target; });
}

void InstanceHistory::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      return;
    }
    stopping_ = true;
    cv_.notify_all();
  }
  thread_.join();
}

void InstanceHistory::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) {
      return;  // stopping and drained
    }
    InstanceEvent event = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    Write(event);
    lock.lock();
    ++written_;
    cv_.notify_all();
  }
}

void InstanceHistory::Write(const InstanceEvent& event) {
  absl::Status written = events_.Insert(event);
  if (!written.ok() && log::Every("instance_history.events", 30'000)) {
    HUB_LOG(warn, "cannot save an instance event", {"instance_id", event.instance_id},
            {"event", InstanceEventKindName(event.kind)},
            {"error", common::ToString(written.message())});
  }
  if (!event.terminal()) {
    return;
  }
  MetricsSampler* sampler = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    sampler = sampler_;
  }
  InstanceMetricsRecord record;
  if (sampler != nullptr) {
    record = sampler->Finish(event);
  } else {
    record.instance_id = event.instance_id;
    record.model_id = event.model_id;
    record.server_id = event.server_id;
    record.backend = event.backend;
    record.stopped_at = event.at;
    record.stop_reason = event.reason;
    record.started_at = event.final_state->created_at;
    record.ready_at = event.final_state->ready_at;
    record.counters = event.final_state->counters;
    record.resources = event.final_state->resources;
  }
  absl::Status saved = metrics_.Insert(record);
  if (!saved.ok() && log::Every("instance_history.metrics", 30'000)) {
    HUB_LOG(warn, "cannot save instance metrics", {"instance_id", event.instance_id},
            {"error", common::ToString(saved.message())});
  }
}

}  // namespace hub::runtime
