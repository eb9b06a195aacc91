#pragma once

// Prometheus metrics of the instance pool:
//   hub_model_instances{model_id,state}                  live instances by state (gauge)
//   hub_model_instance_waiters{model_id}                 callers waiting for an instance
//   hub_model_instance_starts_total{model_id}            instances launched
//   hub_model_instance_start_failures_total{model_id}    instances that never became ready
//   hub_model_instance_stops_total{model_id,reason}      instances ended, by StopReason
//   hub_model_instance_start_seconds{model_id}           launch to ready (histogram)
//   hub_runtime_memory_bytes{kind="reserved"|"budget"}  memory the live instances declare,
//                                                        and the configured budget (0: none)
//
// Thread-safety: thread-safe (prometheus-cpp locks internally).

#include <map>
#include <string>

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus

namespace hub::metrics {
class Registry;
}  // namespace hub::metrics

namespace hub::runtime {

class RuntimeMetrics final {
public:
  // Registers the families on `registry`, which must outlive this object.
  explicit RuntimeMetrics(metrics::Registry& registry);

  RuntimeMetrics(const RuntimeMetrics&) = delete;
  RuntimeMetrics& operator=(const RuntimeMetrics&) = delete;

  // Sets the live count of `model_id` in `state` ("STARTING", ...).
  void SetInstances(const std::string& model_id, const std::string& state, double count);
  void SetWaiters(const std::string& model_id, double count);
  void CountStart(const std::string& model_id);
  void CountStartFailure(const std::string& model_id);
  void CountStop(const std::string& model_id, const std::string& reason);
  void ObserveStartSeconds(const std::string& model_id, double seconds);
  void SetMemory(double reserved_bytes, double budget_bytes);

private:
  prometheus::Gauge& Gauge(prometheus::Family<prometheus::Gauge>& family,
                           const std::map<std::string, std::string>& labels);

  prometheus::Family<prometheus::Gauge>* instances_;
  prometheus::Family<prometheus::Gauge>* waiters_;
  prometheus::Family<prometheus::Counter>* starts_;
  prometheus::Family<prometheus::Counter>* start_failures_;
  prometheus::Family<prometheus::Counter>* stops_;
  prometheus::Family<prometheus::Histogram>* start_seconds_;
  prometheus::Gauge* memory_reserved_;
  prometheus::Gauge* memory_budget_;
};

}  // namespace hub::runtime
