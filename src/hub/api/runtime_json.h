#pragma once

// The JSON shapes of the models, instances, metrics and recommendations APIs
// (../shared/reference/upstream-server.md §2.4, §2.7, §2.9, §2.10, §12.3-12.5, snake_case),
// with the hub's additions documented in docs/api.md, and the parsers of their request
// bodies. Parsers return `kInvalidArgument` naming the bad field ("details.k8s_resources.
// cpu_request must be an integer").
//
// Thread-safety: pure functions.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

#include "hub/models/model.h"
#include "hub/runtime/instance.h"
#include "hub/runtime/instance_event_repository.h"
#include "hub/runtime/instance_metrics_repository.h"
#include "hub/runtime/instance_pool.h"
#include "hub/runtime/metrics_sampler.h"
#include "hub/runtime/model_record.h"
#include "hub/runtime/model_service.h"
#include "hub/runtime/recommendation.h"

namespace hub::api {

// ModelApiModel: `{id, enabled, last_updated, details{...}}`.
nlohmann::json ModelJson(const runtime::ModelRecord& model);

// The hub's addition to a model's details: its output columns in published order, as
// `[{name, type, direction?, description?}]`. `type` is "float", "integer" or "string";
// `direction` ("high" or "low", from `run_columns.csv`) and `description` are left out when
// the model's card gives none.
nlohmann::json OutputColumnsJson(const std::vector<models::Column>& columns);

// ModelIdentificationDetailsModel; every field nullable.
nlohmann::json IdentificationJson(const runtime::IdentificationDetails& details);

// The body of `POST /api/models`: `id` and `details` (with `description`) are required;
// `enabled` defaults to true; missing details fields take the upstream UI defaults.
[[nodiscard]] absl::StatusOr<runtime::ModelRecord> ParseModelCreate(const nlohmann::json& body);

// The body of `PUT /api/models/{id}`: `details` required (replaces the stored ones), `enabled`
// and `last_updated` (the optimistic-concurrency token) optional, `id` when present must be
// `path_id`.
[[nodiscard]] absl::StatusOr<runtime::ModelUpdate> ParseModelUpdate(const nlohmann::json& body,
                                                                    const std::string& path_id);

// `{"enabled", "current_instances", "max_instances"}` plus the pool's facts.
nlohmann::json ScalingJson(const runtime::ModelRecord& model, const runtime::ModelScaling& s);

// The upstream InstanceMetricsModel: `{model_id, instance_id, namespace,
// cpu_running_averages, memory_running_averages}` plus the busy CPU series and peak memory.
nlohmann::json ActiveMetricsJson(const runtime::InstanceMetricsView& view);
nlohmann::json StoredMetricsJson(const runtime::InstanceMetricsRecord& record);

// One `/api/instances` item: `{model_instance, last_event, work_request, metrics,
// resource_profile, resource_recommendations}`. `metrics`, `last_event` may be null.
nlohmann::json InstanceItemJson(const runtime::InstanceSnapshot& snapshot,
                                const std::optional<runtime::InstanceMetricsView>& metrics,
                                const std::optional<runtime::StoredEvent>& last_event,
                                common::Micros now);

// One `/api/instances/history` entry (InstanceLogEntry plus reason, message, server).
nlohmann::json EventJson(const runtime::StoredEvent& event);

// ModelInstanceRecommendationsModel plus `resource_profile`, `memory_model`, `rows_per_chunk`.
nlohmann::json RecommendationsJson(const runtime::ModelRecommendations& r);

// `{cpu: RP, memory: RP}`.
nlohmann::json ProfileJson(const runtime::ResourceProfile& profile);

// The body of `POST /api/recommendations/apply`.
struct ApplyRequest {
  std::string model_id;
  std::vector<runtime::ProfileId> profiles;  // empty: all four
  std::map<runtime::ProfileId, double> values;
};

[[nodiscard]] absl::StatusOr<ApplyRequest> ParseApply(const nlohmann::json& body);

// A timestamp in the API form, or null for 0.
nlohmann::json TimestampOrNull(common::Micros t);

}  // namespace hub::api
