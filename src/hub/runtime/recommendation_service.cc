#include "hub/runtime/recommendation_service.h"

#include <algorithm>
#include <cmath>

#include "fmt/format.h"

#include "hub/common/log.h"
#include "hub/common/status_macros.h"
#include "hub/common/strings.h"

namespace hub::runtime {

RecommendationService::RecommendationService(const common::Clock& clock,
                                             ModelService& models,
                                             InstanceMetricsRepository& metrics,
                                             RecommendationOptions options)
    : clock_(clock), models_(models), metrics_(metrics), options_(options) {}

absl::StatusOr<ModelRecommendations> RecommendationService::Compute(const ModelRecord& model) {
  HUB_ASSIGN_OR_RETURN(std::vector<InstanceMetricsRecord> instances,
                       metrics_.Recent(model.id, options_.instances_per_model));
  ModelRecommendations computed = RecommendForModel(model, instances, clock_.NowMicros());
  absl::MutexLock lock(&mu_);
  cache_[model.id] = computed;
  return computed;
}

absl::Status RecommendationService::Refresh() {
  common::Micros started = clock_.NowMicros();
  std::vector<ModelRecord> models = models_.List();
  for (const ModelRecord& model : models) {
    HUB_RETURN_IF_ERROR(Compute(model).status());
  }
  absl::MutexLock lock(&mu_);
  // Models that no longer exist are dropped.
  for (auto it = cache_.begin(); it != cache_.end();) {
    bool known = std::any_of(models.begin(), models.end(),
                             [&](const ModelRecord& m) { return m.id == it->first; });
    it = known ? std::next(it) : cache_.erase(it);
  }
  last_refresh_ = started;
  return absl::OkStatus();
}

void RecommendationService::RefreshIfDue() {
  {
    absl::MutexLock lock(&mu_);
    auto interval =
        std::chrono::duration_cast<std::chrono::microseconds>(options_.refresh_interval);
    if (last_refresh_ != 0 && clock_.NowMicros() - last_refresh_ < interval.count()) {
      return;
    }
  }
  absl::Status refreshed = Refresh();
  if (!refreshed.ok() && log::Every("recommendations.refresh", 60'000)) {
    HUB_LOG(warn, "recommendation refresh failed",
            {"error", common::ToString(refreshed.message())});
  }
}

absl::StatusOr<RecommendationsView> RecommendationService::Get(
    const std::vector<std::string>& model_ids) {
  std::vector<ModelRecord> models;
  if (model_ids.empty()) {
    models = models_.List();
  } else {
    for (const std::string& id : model_ids) {
      HUB_ASSIGN_OR_RETURN(ModelRecord model, models_.Get(id));
      models.push_back(std::move(model));
    }
  }
  RecommendationsView view;
  for (const ModelRecord& model : models) {
    std::optional<ModelRecommendations> cached;
    {
      absl::MutexLock lock(&mu_);
      auto it = cache_.find(model.id);
      if (it != cache_.end()) {
        cached = it->second;
      }
    }
    if (!cached.has_value()) {
      HUB_ASSIGN_OR_RETURN(ModelRecommendations computed, Compute(model));
      cached = std::move(computed);
    }
    view.models.push_back(std::move(*cached));
  }
  absl::MutexLock lock(&mu_);
  view.last_updated = last_refresh_;
  return view;
}

absl::StatusOr<ModelRecommendations> RecommendationService::Apply(
    const std::string& model_id,
    const std::vector<ProfileId>& profiles,
    const std::map<ProfileId, double>& values) {
  HUB_ASSIGN_OR_RETURN(ModelRecord model, models_.Get(model_id));
  HUB_ASSIGN_OR_RETURN(RecommendationsView current, Get({model_id}));
  const ModelRecommendations& recommendations = current.models.front();
  std::vector<ProfileId> chosen =
      profiles.empty() ? std::vector<ProfileId>(kAllProfiles.begin(), kAllProfiles.end())
                       : profiles;
  // Every value is settled before the model changes.
  std::map<ProfileId, std::int64_t> apply;
  for (ProfileId id : chosen) {
    auto given = values.find(id);
    std::optional<double> value = given != values.end() ? std::optional<double>(given->second)
                                                        : recommendations.Get(id).recommended_value;
    if (!value.has_value()) {
      return absl::FailedPreconditionError(
          fmt::format("no {} recommendation for model {} yet: no instance of it has been measured",
                      ProfileIdName(id), model_id));
    }
    apply[id] = static_cast<std::int64_t>(std::ceil(*value));
  }
  HUB_ASSIGN_OR_RETURN(ModelRecord updated, models_.Modify(model_id, [&](ModelDetails& details) {
    ResourceSpec& r = details.resources;
    for (const auto& [id, value] : apply) {
      switch (id) {
        case ProfileId::kCpuMin:
          r.cpu_request = value;
          break;
        case ProfileId::kCpuMax:
          r.cpu_limit = value;
          break;
        case ProfileId::kMemoryMin:
          r.memory_request = value;
          break;
        case ProfileId::kMemoryMax:
          r.memory_limit = value;
          break;
      }
    }
    return absl::OkStatus();
  }));
  HUB_LOG(info, "applied resource recommendations", {"model_id", model_id},
          {"profiles", static_cast<std::int64_t>(apply.size())});
  return Compute(updated);
}

}  // namespace hub::runtime
