#include "hub/api/instances_api.h"

#include "fmt/format.h"

#include "hub/api/runtime_json.h"
#include "hub/api/status_to_http.h"
#include "hub/common/settings.h"
#include "hub/common/status_macros.h"
#include "hub/common/strings.h"
#include "hub/common/time_format.h"
#include "hub/http/json_body.h"

namespace hub::api {
namespace {

using auth::Permission;
using auth::Principal;
using http::Method;
using http::Request;
using http::Response;
using nlohmann::json;

constexpr std::uint64_t kMaxActionBody = 16 << 10;

absl::StatusOr<bool> BoolQuery(const Request& request, std::string_view name, bool fallback) {
  std::optional<std::string_view> value = request.Query(name);
  if (!value.has_value() || value->empty()) {
    return fallback;
  }
  auto parsed = common::ParseBoolSetting(*value);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(fmt::format("{} must be true or false", name));
  }
  return *parsed;
}

absl::StatusOr<int> IntQuery(
    const Request& request, std::string_view name, int fallback, int min, int max) {
  std::optional<std::string_view> value = request.Query(name);
  if (!value.has_value() || value->empty()) {
    return fallback;
  }
  auto parsed = common::ParseIntSetting(*value, min, max);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        fmt::format("{} must be an integer between {} and {}", name, min, max));
  }
  return static_cast<int>(*parsed);
}

std::optional<std::string> TextQuery(const Request& request, std::string_view name) {
  std::optional<std::string_view> value = request.Query(name);
  if (!value.has_value() || value->empty()) {
    return std::nullopt;
  }
  return std::string(*value);
}

// Every value of a repeated parameter, also comma-separated ones.
std::vector<std::string> ListQuery(const Request& request, std::string_view name) {
  std::vector<std::string> out;
  for (const std::string& value : request.QueryAll(name)) {
    for (std::string_view piece : common::Split(value, ',')) {
      if (!common::Trim(piece).empty()) {
        out.emplace_back(common::Trim(piece));
      }
    }
  }
  return out;
}

absl::StatusOr<std::vector<runtime::InstanceState>> StatesQuery(const Request& request,
                                                                std::string_view name) {
  std::vector<runtime::InstanceState> states;
  for (const std::string& value : ListQuery(request, name)) {
    auto state = runtime::ParseInstanceState(value);
    if (!state.has_value()) {
      return absl::InvalidArgumentError(
          fmt::format("{}: unknown state {}; use STARTING, READY, BUSY or STOPPING", name, value));
    }
    states.push_back(*state);
  }
  return states;
}

absl::StatusOr<std::optional<common::Micros>> TimeQuery(const Request& request,
                                                        std::string_view name) {
  std::optional<std::string> text = TextQuery(request, name);
  if (!text.has_value()) {
    return std::optional<common::Micros>();
  }
  auto parsed = common::ParseTimestamp(*text);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        fmt::format("{}: {}", name, common::ToString(parsed.status().message())));
  }
  return std::optional<common::Micros>(*parsed);
}

// A saved-metrics record made from a live instance, for its own profile.
runtime::InstanceMetricsRecord RecordOf(const runtime::InstanceSnapshot& s,
                                        const runtime::InstanceMetricsView& m) {
  runtime::InstanceMetricsRecord r;
  r.instance_id = s.instance_id;
  r.model_id = s.model_id;
  r.cpu = m.cpu;
  r.memory = m.memory;
  r.cpu_busy = m.cpu_busy;
  r.memory_peak_bytes = m.memory_peak_bytes;
  r.cpu_seconds = m.cpu_seconds;
  r.counters = s.counters;
  r.resources = s.resources;
  return r;
}

struct InstanceQuery {
  std::vector<runtime::InstanceState> states;
  std::vector<runtime::InstanceState> not_states;
  std::optional<std::string> model_id;
  std::optional<std::string> instance_id;
  bool profiles = false;
  bool recommendations = false;
};

absl::StatusOr<InstanceQuery> ParseInstanceQuery(const Request& request) {
  InstanceQuery q;
  HUB_ASSIGN_OR_RETURN(q.states, StatesQuery(request, "states"));
  HUB_ASSIGN_OR_RETURN(q.not_states, StatesQuery(request, "not_states"));
  q.model_id = TextQuery(request, "model_id");
  q.instance_id = TextQuery(request, "instance_id");
  HUB_ASSIGN_OR_RETURN(q.profiles, BoolQuery(request, "load_resource_profiles", false));
  HUB_ASSIGN_OR_RETURN(q.recommendations, BoolQuery(request, "load_recommendations", false));
  return q;
}

bool Matches(const InstanceQuery& q, const runtime::InstanceSnapshot& s) {
  auto in = [&](const std::vector<runtime::InstanceState>& states) {
    return std::find(states.begin(), states.end(), s.state) != states.end();
  };
  return (q.states.empty() || in(q.states)) && (q.not_states.empty() || !in(q.not_states)) &&
         (!q.model_id || *q.model_id == s.model_id) &&
         (!q.instance_id || *q.instance_id == s.instance_id);
}

json InstanceItem(runtime::RuntimeModule& runtime,
                  const InstanceQuery& q,
                  const runtime::InstanceSnapshot& s,
                  common::Micros now) {
  std::optional<runtime::InstanceMetricsView> metrics = runtime.sampler().Get(s.instance_id);
  runtime::EventFilter filter;
  filter.instance_id = s.instance_id;
  filter.limit = 1;
  auto events = runtime.events().List(filter);
  std::optional<runtime::StoredEvent> last;
  if (events.ok() && !events->empty()) {
    last = events->front();
  }
  json item = InstanceItemJson(s, metrics, last, now);
  if ((q.profiles || q.recommendations) && metrics.has_value()) {
    std::vector<runtime::InstanceMetricsRecord> own = {RecordOf(s, *metrics)};
    item["resource_profile"] = ProfileJson(runtime::ProfileOf(s.resources, own));
    if (q.recommendations) {
      runtime::ModelRecord model;
      model.id = s.model_id;
      model.details.resources = s.resources;
      item["resource_recommendations"] =
          RecommendationsJson(runtime::RecommendForModel(model, own, now));
    }
  }
  return item;
}

absl::StatusOr<json> ListInstances(runtime::RuntimeModule& runtime,
                                   const Request& request,
                                   common::Micros now) {
  HUB_ASSIGN_OR_RETURN(InstanceQuery q, ParseInstanceQuery(request));
  json items = json::array();
  for (const runtime::InstanceSnapshot& s : runtime.pool().Snapshot()) {
    if (Matches(q, s)) {
      items.push_back(InstanceItem(runtime, q, s, now));
    }
  }
  return json{{"items", std::move(items)}};
}

absl::StatusOr<json> History(runtime::RuntimeModule& runtime, const Request& request) {
  runtime::EventFilter filter;
  filter.model_id = TextQuery(request, "model_id");
  filter.instance_id = TextQuery(request, "instance_id");
  filter.events = ListQuery(request, "events");
  HUB_ASSIGN_OR_RETURN(filter.since, TimeQuery(request, "since"));
  HUB_ASSIGN_OR_RETURN(filter.until, TimeQuery(request, "until"));
  HUB_ASSIGN_OR_RETURN(filter.limit, IntQuery(request, "limit", 100, 1, 1000));
  HUB_ASSIGN_OR_RETURN(std::vector<runtime::StoredEvent> events, runtime.events().List(filter));
  json history = json::array();
  for (const runtime::StoredEvent& event : events) {
    history.push_back(EventJson(event));
  }
  return json{{"history", std::move(history)}};
}

absl::StatusOr<json> Logs(runtime::RuntimeModule& runtime,
                          const Request& request,
                          const std::string& instance_id) {
  runtime::LogQuery query;
  HUB_ASSIGN_OR_RETURN(query.tail, IntQuery(request, "tail", 0, 0, 1'000'000));
  HUB_ASSIGN_OR_RETURN(query.head, IntQuery(request, "head", 0, 0, 1'000'000));
  // The backend that ran it: the live instance's, else the one its history names.
  std::string backend = runtime.options().pool.default_backend;
  if (auto live = runtime.pool().Find(instance_id); live.ok()) {
    backend = live->backend;
  } else {
    runtime::EventFilter filter;
    filter.instance_id = instance_id;
    filter.limit = 1;
    HUB_ASSIGN_OR_RETURN(auto events, runtime.events().List(filter));
    if (events.empty()) {
      return absl::NotFoundError(fmt::format("Instance {} not found", instance_id));
    }
    backend = events.front().backend;
  }
  runtime::InstanceBackend* source = runtime.pool().BackendNamed(backend);
  if (source == nullptr) {
    return absl::NotFoundError(fmt::format("no logs for instance {}", instance_id));
  }
  HUB_ASSIGN_OR_RETURN(std::vector<std::string> lines, source->Logs(instance_id, query));
  return json{{"logs", std::move(lines)}};
}

absl::StatusOr<json> Action(runtime::RuntimeModule& runtime, const Request& request) {
  HUB_ASSIGN_OR_RETURN(json body, http::ParseJsonObject(request));
  auto text = [&](const char* key) -> std::optional<std::string> {
    auto it = body.find(key);
    return it != body.end() && it->is_string() && !it->get_ref<const std::string&>().empty()
               ? std::optional<std::string>(it->get<std::string>())
               : std::nullopt;
  };
  std::optional<std::string> action = text("action");
  std::optional<std::string> instance_id = text("instance_id");
  std::optional<std::string> model_id = text("model_id");
  if (action == "STOP_INSTANCE") {
    if (instance_id.has_value()) {
      absl::Status stopped = runtime.pool().StopInstance(*instance_id, runtime::StopReason::kAdmin);
      if (!stopped.ok()) {
        return absl::NotFoundError("Instance not found");
      }
      return json{{"result", "Instance termination requested"}, {"stopped", 1}};
    }
    if (!model_id.has_value()) {
      return absl::InvalidArgumentError("Missing instance_id or model_id filter");
    }
    int stopped = runtime.pool().StopModel(*model_id, runtime::StopReason::kAdmin);
    if (stopped == 0) {
      return absl::NotFoundError("Instance not found");
    }
    return json{{"result", "Instance termination requested"}, {"stopped", stopped}};
  }
  if (action == "START_INSTANCE") {
    if (!model_id.has_value()) {
      return absl::InvalidArgumentError("START_INSTANCE needs a model_id");
    }
    HUB_ASSIGN_OR_RETURN(std::string id, runtime.pool().StartInstance(*model_id));
    return json{{"result", "Instance start requested"}, {"instance_id", id}};
  }
  return absl::InvalidArgumentError(fmt::format(
      "Unknown action {}; use STOP_INSTANCE or START_INSTANCE", action.value_or("(none)")));
}

absl::StatusOr<json> Metrics(runtime::RuntimeModule& runtime, const Request& request) {
  HUB_ASSIGN_OR_RETURN(bool active, BoolQuery(request, "active", true));
  HUB_ASSIGN_OR_RETURN(bool persisted, BoolQuery(request, "persisted", false));
  HUB_ASSIGN_OR_RETURN(int limit, IntQuery(request, "limit", 100, 1, 1000));
  std::optional<std::string> model_id = TextQuery(request, "model_id");
  json items = json::array();
  if (active) {
    for (const runtime::InstanceMetricsView& view : runtime.sampler().Active(model_id)) {
      items.push_back(ActiveMetricsJson(view));
    }
    if (!model_id.has_value()) {
      items.push_back(ActiveMetricsJson(runtime.sampler().Core()));
    }
  }
  if (persisted) {
    HUB_ASSIGN_OR_RETURN(auto saved, runtime.instance_metrics().Recent(model_id, limit));
    for (const runtime::InstanceMetricsRecord& record : saved) {
      items.push_back(StoredMetricsJson(record));
    }
  }
  return json{{"items", std::move(items)}};
}

absl::StatusOr<json> Recommendations(runtime::RuntimeModule& runtime, const Request& request) {
  std::vector<std::string> ids = ListQuery(request, "model_ids");
  // The shipped frontend sends `model_id`; it counts too.
  for (const std::string& id : ListQuery(request, "model_id")) {
    ids.push_back(id);
  }
  HUB_ASSIGN_OR_RETURN(runtime::RecommendationsView view, runtime.recommendations().Get(ids));
  json models = json::array();
  for (const runtime::ModelRecommendations& r : view.models) {
    models.push_back(RecommendationsJson(r));
  }
  return json{{"last_updated", TimestampOrNull(view.last_updated)},
              {"model_recommendations", std::move(models)}};
}

absl::StatusOr<json> Apply(runtime::RuntimeModule& runtime, const Request& request) {
  HUB_ASSIGN_OR_RETURN(json body, http::ParseJsonObject(request));
  HUB_ASSIGN_OR_RETURN(ApplyRequest apply, ParseApply(body));
  HUB_ASSIGN_OR_RETURN(
      runtime::ModelRecommendations applied,
      runtime.recommendations().Apply(apply.model_id, apply.profiles, apply.values));
  return RecommendationsJson(applied);
}

Response JsonOr(const absl::StatusOr<json>& result, const Request& request) {
  return result.ok() ? Response::Json(200, *result) : ErrorResponse(result.status(), request);
}

void AddInstanceViews(ApiRoutes& routes, runtime::RuntimeModule& runtime) {
  const common::Clock* clock = &common::SystemClock::Instance();
  routes.Require(Permission::kK8sAdmin, Method::kGet, "/api/instances",
                 [&runtime, clock](Request& request, const Principal&) {
                   return JsonOr(ListInstances(runtime, request, clock->NowMicros()), request);
                 });
  routes.Require(Permission::kK8sAdmin, Method::kGet, "/api/instances/history",
                 [&runtime](Request& request, const Principal&) {
                   return JsonOr(History(runtime, request), request);
                 });
  routes.Require(Permission::kK8sAdmin, Method::kGet, "/api/instances/job-logs",
                 [&runtime](Request& request, const Principal&) {
                   std::optional<std::string> id = TextQuery(request, "instance_id");
                   if (!id.has_value()) {
                     return ErrorResponse(
                         absl::InvalidArgumentError(
                             "Missing instance_id filter (instances serve many work requests; "
                             "find the instance in GET /api/instances/history)"),
                         request);
                   }
                   return JsonOr(Logs(runtime, request, *id), request);
                 });
  routes.Require(Permission::kK8sAdmin, Method::kGet, "/api/instances/{instance_id}/logs",
                 [&runtime](Request& request, const Principal&) {
                   return JsonOr(Logs(runtime, request, std::string(request.Param("instance_id"))),
                                 request);
                 });
  routes.Require(
      Permission::kK8sAdmin, Method::kPost, "/api/instances/actions",
      [&runtime](Request& request, const Principal&) {
        return JsonOr(Action(runtime, request), request);
      },
      http::JsonBody(kMaxActionBody));
}

void AddMeasurements(ApiRoutes& routes, runtime::RuntimeModule& runtime) {
  routes.Require(Permission::kK8sAdmin, Method::kGet, "/api/metrics/instances",
                 [&runtime](Request& request, const Principal&) {
                   return JsonOr(Metrics(runtime, request), request);
                 });
  routes.Require(Permission::kK8sAdmin, Method::kGet, "/api/recommendations",
                 [&runtime](Request& request, const Principal&) {
                   return JsonOr(Recommendations(runtime, request), request);
                 });
  routes.Require(
      Permission::kK8sAdmin, Method::kPost, "/api/recommendations/apply",
      [&runtime](Request& request, const Principal&) {
        return JsonOr(Apply(runtime, request), request);
      },
      http::JsonBody(kMaxActionBody));
}

// The node scaler's recent decisions, oldest first; empty when this replica runs none.
json ScalerDecisions(runtime::RuntimeModule& runtime) {
  k8s::NodeScaler* scaler = runtime.node_scaler();
  json decisions = json::array();
  if (scaler != nullptr) {
    for (const k8s::ScalerDecision& decision : scaler->Decisions()) {
      decisions.push_back(k8s::DecisionToJson(decision));
    }
  }
  runtime::ReplicaLeases* replicas = runtime.replica_leases();
  return json{{"kubernetes", runtime.kubernetes_backend() != nullptr},
              {"node_scaling", scaler != nullptr},
              {"leader", scaler != nullptr && scaler->leader()},
              {"reclaimed_pods", replicas == nullptr ? 0 : replicas->reclaimed()},
              {"decisions", std::move(decisions)}};
}

void AddClusterViews(ApiRoutes& routes, runtime::RuntimeModule& runtime) {
  routes.Require(Permission::kK8sAdmin, Method::kGet, "/api/admin/cluster/scaler-decisions",
                 [&runtime](Request&, const Principal&) {
                   return Response::Json(200, ScalerDecisions(runtime));
                 });
}

}  // namespace

void AddInstanceRoutes(ApiRoutes& routes, runtime::RuntimeModule& runtime) {
  AddInstanceViews(routes, runtime);
  AddMeasurements(routes, runtime);
  AddClusterViews(routes, runtime);
}

}  // namespace hub::api
