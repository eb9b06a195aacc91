#include "hub/jobs/jobs_metrics.h"

#include "hub/metrics/registry.h"

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace hub::jobs {

JobsMetrics::JobsMetrics(metrics::Registry& registry, store::Database& db) : db_(db) {
  auto& r = registry.prometheus();
  chunk_seconds_ = &prometheus::BuildHistogram()
                        .Name("hub_chunk_duration_seconds")
                        .Help("Time a chunk spent on a model instance, by model and outcome")
                        .Register(r);
  chunk_rows_ = &prometheus::BuildCounter()
                     .Name("hub_chunk_rows_total")
                     .Help("Distinct molecules sent to models, by model and chunk outcome")
                     .Register(r);
  requests_finished_ = &prometheus::BuildCounter()
                            .Name("hub_work_requests_finished_total")
                            .Help("Work requests that ended, by model and final status")
                            .Register(r);
  requests_submitted_ = &prometheus::BuildCounter()
                             .Name("hub_work_requests_submitted_total")
                             .Help("Work requests accepted, by model")
                             .Register(r);
  rows_submitted_ = &prometheus::BuildCounter()
                         .Name("hub_work_request_rows_submitted_total")
                         .Help("Rows of accepted work requests, by model")
                         .Register(r);
  queue_chunks_ = &prometheus::BuildGauge()
                       .Name("hub_queue_chunks")
                       .Help("Chunks queued or running, by model and state (QUEUED, LEASED)")
                       .Register(r);
  registry.AddCollectHook([this] { CollectQueue(); });
}

void JobsMetrics::ObserveChunk(const std::string& model_id,
                               const std::string& outcome,
                               double seconds,
                               size_t rows) {
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1200};
  chunk_seconds_->Add({{"model_id", model_id}, {"outcome", outcome}}, kBuckets).Observe(seconds);
  chunk_rows_->Add({{"model_id", model_id}, {"outcome", outcome}})
      .Increment(static_cast<double>(rows));
}

void JobsMetrics::ObserveRows(const std::string& model_id, size_t done, size_t failed) {
  chunk_rows_->Add({{"model_id", model_id}, {"outcome", "row_done"}})
      .Increment(static_cast<double>(done));
  chunk_rows_->Add({{"model_id", model_id}, {"outcome", "row_failed"}})
      .Increment(static_cast<double>(failed));
}

void JobsMetrics::RequestFinished(const WorkRequestRecord& request) {
  requests_finished_
      ->Add({{"model_id", request.model_id},
             {"status", std::string(RequestStatusName(request.status))}})
      .Increment();
}

void JobsMetrics::RequestSubmitted(const std::string& model_id, std::int64_t rows) {
  requests_submitted_->Add({{"model_id", model_id}}).Increment();
  rows_submitted_->Add({{"model_id", model_id}}).Increment(static_cast<double>(rows));
}

void JobsMetrics::CollectQueue() {
  auto result = db_.Exec(
      "SELECT model_id, status, count(*) FROM {schema}.work_request_chunks WHERE status IN "
      "('QUEUED', 'LEASED') GROUP BY model_id, status");
  if (!result.ok()) {
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  // Series reported before drop to 0 when their queue drained.
  for (const auto& [model, state] : reported_) {
    queue_chunks_->Add({{"model_id", model}, {"state", state}}).Set(0);
  }
  for (const store::Row& row : *result) {
    auto model = row.GetString(0);
    auto status = row.GetString(1);
    auto count = row.GetInt(2);
    if (model.ok() && status.ok() && count.ok()) {
      queue_chunks_->Add({{"model_id", *model}, {"state", *status}})
          .Set(static_cast<double>(*count));
      reported_.emplace(*model, *status);
    }
  }
}

}  // namespace hub::jobs
