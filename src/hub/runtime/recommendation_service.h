#pragma once

// Keeps each model's resource recommendations (recommendation.h), computed from its 100 most
// recent measured instances: all models every `refresh_interval`, a model without one on
// first request; applying one copies the chosen recommended values into the model's
// resources.
//
// Thread-safety: thread-safe. Collaborators must outlive the service.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

#include "hub/common/clock.h"
#include "hub/runtime/instance_metrics_repository.h"
#include "hub/runtime/model_service.h"
#include "hub/runtime/recommendation.h"

namespace hub::runtime {

struct RecommendationOptions {
  std::chrono::milliseconds refresh_interval{10 * 60 * 1000};
  int instances_per_model = 100;
};

struct RecommendationsView {
  common::Micros last_updated = 0;  // of the last full refresh; 0 before any
  std::vector<ModelRecommendations> models;
};

class RecommendationService final {
public:
  RecommendationService(const common::Clock& clock,
                        ModelService& models,
                        InstanceMetricsRepository& metrics,
                        RecommendationOptions options);

  RecommendationService(const RecommendationService&) = delete;
  RecommendationService& operator=(const RecommendationService&) = delete;

  // Recomputes every registered model. Database errors (the old state stays).
  [[nodiscard]] absl::Status Refresh();

  // `Refresh` when `refresh_interval` has passed; errors are logged.
  void RefreshIfDue();

  // Recommendations of `model_ids` (empty: every registered model), computing missing ones
  // now. `kNotFound` for an unknown id; database errors.
  [[nodiscard]] absl::StatusOr<RecommendationsView> Get(const std::vector<std::string>& model_ids);

  // Copies the recommended value of each of `profiles` (empty: all four) into the model's
  // resources (CPU_MIN -> cpu_request, CPU_MAX -> cpu_limit, MEMORY_MIN -> memory_request,
  // MEMORY_MAX -> memory_limit), then recomputes the model's recommendations against the new
  // allocation and returns them. `values` may override a recommended value (what the admin
  // saw). Errors, before anything changes: `kNotFound`; `kFailedPrecondition` when a profile
  // has no value (nothing measured yet); `kInvalidArgument` when the result is not valid
  // (e.g. a request above its limit).
  [[nodiscard]] absl::StatusOr<ModelRecommendations> Apply(
      const std::string& model_id,
      const std::vector<ProfileId>& profiles,
      const std::map<ProfileId, double>& values);

private:
  absl::StatusOr<ModelRecommendations> Compute(const ModelRecord& model);

  const common::Clock& clock_;
  ModelService& models_;
  InstanceMetricsRepository& metrics_;
  const RecommendationOptions options_;
  absl::Mutex mu_;
  std::map<std::string, ModelRecommendations> cache_ ABSL_GUARDED_BY(mu_);
  common::Micros last_refresh_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace hub::runtime
