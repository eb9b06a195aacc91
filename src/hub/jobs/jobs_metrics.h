#pragma once

#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"

#include "hub/jobs/work_request.h"
#include "hub/store/database.h"

namespace hub::metrics {
class Registry;
}  // namespace hub::metrics

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus

namespace hub::jobs {

// Prometheus metrics of the work-request engine: queue depth by model and state (read from
// the database when scraped), rows done and failed, chunk latency by outcome, requests by
// final status. Thread-safe.
class JobsMetrics final {
public:
  JobsMetrics(metrics::Registry& registry, store::Database& db);

  void ObserveChunk(const std::string& model_id,
                    const std::string& outcome,
                    double seconds,
                    size_t rows);
  void ObserveRows(const std::string& model_id, size_t done, size_t failed);
  void RequestFinished(const WorkRequestRecord& request);
  void RequestSubmitted(const std::string& model_id, std::int64_t rows);

  // Refreshes the queue-depth gauges from the database.
  void CollectQueue();

private:
  store::Database& db_;
  prometheus::Family<prometheus::Histogram>* chunk_seconds_;
  prometheus::Family<prometheus::Counter>* chunk_rows_;
  prometheus::Family<prometheus::Counter>* requests_finished_;
  prometheus::Family<prometheus::Counter>* requests_submitted_;
  prometheus::Family<prometheus::Counter>* rows_submitted_;
  prometheus::Family<prometheus::Gauge>* queue_chunks_;
  std::mutex mu_;
  std::set<std::pair<std::string, std::string>> reported_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hub::jobs
