#include "hub/runtime/runtime_metrics.h"

#include "hub/metrics/registry.h"

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace hub::runtime {

RuntimeMetrics::RuntimeMetrics(metrics::Registry& registry) {
  prometheus::Registry& r = registry.prometheus();
  instances_ = &prometheus::BuildGauge()
                    .Name("hub_model_instances")
                    .Help("Live model instances by model and state")
                    .Register(r);
  waiters_ = &prometheus::BuildGauge()
                  .Name("hub_model_instance_waiters")
                  .Help("Callers waiting for an instance of the model")
                  .Register(r);
  starts_ = &prometheus::BuildCounter()
                 .Name("hub_model_instance_starts_total")
                 .Help("Model instances launched")
                 .Register(r);
  start_failures_ = &prometheus::BuildCounter()
                         .Name("hub_model_instance_start_failures_total")
                         .Help("Model instances that never became ready")
                         .Register(r);
  stops_ = &prometheus::BuildCounter()
                .Name("hub_model_instance_stops_total")
                .Help("Model instances ended, by reason")
                .Register(r);
  start_seconds_ = &prometheus::BuildHistogram()
                        .Name("hub_model_instance_start_seconds")
                        .Help("Time from launch to ready")
                        .Register(r);
  auto& memory = prometheus::BuildGauge()
                     .Name("hub_runtime_memory_bytes")
                     .Help("Memory the live instances declare, and the budget (0: none)")
                     .Register(r);
  memory_reserved_ = &memory.Add({{"kind", "reserved"}});
  memory_budget_ = &memory.Add({{"kind", "budget"}});
}

prometheus::Gauge& RuntimeMetrics::Gauge(prometheus::Family<prometheus::Gauge>& family,
                                         const std::map<std::string, std::string>& labels) {
  // Family::Add returns the existing metric for known labels.
  return family.Add(labels);
}

void RuntimeMetrics::SetInstances(const std::string& model_id,
                                  const std::string& state,
                                  double count) {
  Gauge(*instances_, {{"model_id", model_id}, {"state", state}}).Set(count);
}

void RuntimeMetrics::SetWaiters(const std::string& model_id, double count) {
  Gauge(*waiters_, {{"model_id", model_id}}).Set(count);
}

void RuntimeMetrics::CountStart(const std::string& model_id) {
  starts_->Add({{"model_id", model_id}}).Increment();
}

void RuntimeMetrics::CountStartFailure(const std::string& model_id) {
  start_failures_->Add({{"model_id", model_id}}).Increment();
}

void RuntimeMetrics::CountStop(const std::string& model_id, const std::string& reason) {
  stops_->Add({{"model_id", model_id}, {"reason", reason}}).Increment();
}

void RuntimeMetrics::ObserveStartSeconds(const std::string& model_id, double seconds) {
  static const prometheus::Histogram::BucketBoundaries kBuckets = {0.05, 0.1, 0.25, 0.5, 1,   2.5,
                                                                   5,    10,  30,   60,  120, 300};
  start_seconds_->Add({{"model_id", model_id}}, kBuckets).Observe(seconds);
}

void RuntimeMetrics::SetMemory(double reserved_bytes, double budget_bytes) {
  memory_reserved_->Set(reserved_bytes);
  memory_budget_->Set(budget_bytes);
}

}  // namespace hub::runtime
