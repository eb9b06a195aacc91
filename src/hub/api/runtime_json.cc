#include "hub/api/runtime_json.h"

#include <cmath>

#include "fmt/format.h"

#include "hub/common/status_macros.h"
#include "hub/common/strings.h"
#include "hub/common/time_format.h"
#include "hub/runtime/running_averages.h"

namespace hub::api {
namespace {

using nlohmann::json;
using runtime::ModelDetails;

constexpr size_t kMaxText = size_t{64} * 1024;
constexpr size_t kMaxListItems = 100;

json OrNull(const std::optional<std::string>& v) {
  return v.has_value() ? json(*v) : json(nullptr);
}

json OrNull(const std::optional<std::vector<std::string>>& v) {
  return v.has_value() ? json(*v) : json(nullptr);
}

json OrNull(const std::optional<std::int64_t>& v) {
  return v.has_value() ? json(*v) : json(nullptr);
}

// Typed reads of one JSON object with `path` in messages; absent and null are the same.
class Reader final {
public:
  Reader(const json& object, std::string path) : object_(object), path_(std::move(path)) {}

  const json* Find(const char* name) const {
    auto it = object_.find(name);
    return it == object_.end() || it->is_null() ? nullptr : &*it;
  }

  std::string Name(const char* name) const {
    return path_.empty() ? name : fmt::format("{}.{}", path_, name);
  }

  absl::Status Bad(const char* name, std::string_view what) const {
    return absl::InvalidArgumentError(fmt::format("{} must be {}", Name(name), what));
  }

  absl::Status Text(const char* name, std::string& out) const {
    const json* v = Find(name);
    if (v == nullptr) {
      return absl::OkStatus();
    }
    if (!v->is_string() || v->get_ref<const std::string&>().size() > kMaxText) {
      return Bad(name, "a string of at most 64 KiB");
    }
    out = v->get<std::string>();
    return absl::OkStatus();
  }

  absl::Status OptionalText(const char* name, std::optional<std::string>& out) const {
    const json* v = Find(name);
    if (v == nullptr) {
      out.reset();
      return absl::OkStatus();
    }
    std::string text;
    HUB_RETURN_IF_ERROR(Text(name, text));
    out = std::move(text);
    return absl::OkStatus();
  }

  absl::Status Bool(const char* name, bool& out) const {
    const json* v = Find(name);
    if (v == nullptr) {
      return absl::OkStatus();
    }
    if (!v->is_boolean()) {
      return Bad(name, "true or false");
    }
    out = v->get<bool>();
    return absl::OkStatus();
  }

  absl::Status Int(const char* name, std::int64_t& out) const {
    const json* v = Find(name);
    if (v == nullptr) {
      return absl::OkStatus();
    }
    return IntValue(name, *v, out);
  }

  template <typename T>
  absl::Status SmallInt(const char* name, T& out) const {
    std::int64_t value = out;
    HUB_RETURN_IF_ERROR(Int(name, value));
    if (value < -(1ll << 31) || value > (1ll << 31)) {
      return Bad(name, "an integer of reasonable size");
    }
    out = static_cast<T>(value);
    return absl::OkStatus();
  }

  // An integer, or null; absent keeps `out`.
  absl::Status OptionalInt(const char* name, std::optional<std::int64_t>& out) const {
    auto it = object_.find(name);
    if (it == object_.end()) {
      return absl::OkStatus();
    }
    if (it->is_null()) {
      out.reset();
      return absl::OkStatus();
    }
    std::int64_t value = 0;
    HUB_RETURN_IF_ERROR(IntValue(name, *it, value));
    out = value;
    return absl::OkStatus();
  }

  absl::Status List(const char* name, std::optional<std::vector<std::string>>& out) const {
    const json* v = Find(name);
    if (v == nullptr) {
      out.reset();
      return absl::OkStatus();
    }
    if (!v->is_array() || v->size() > kMaxListItems) {
      return Bad(name, "a list of at most 100 strings");
    }
    std::vector<std::string> items;
    for (const json& item : *v) {
      if (!item.is_string() || item.get_ref<const std::string&>().size() > 1024) {
        return Bad(name, "a list of strings");
      }
      items.push_back(item.get<std::string>());
    }
    out = std::move(items);
    return absl::OkStatus();
  }

private:
  absl::Status IntValue(const char* name, const json& v, std::int64_t& out) const {
    if (v.is_number_integer()) {
      out = v.get<std::int64_t>();
      return absl::OkStatus();
    }
    if (v.is_number_float()) {
      double d = v.get<double>();
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) {
        out = static_cast<std::int64_t>(d);
        return absl::OkStatus();
      }
    }
    return Bad(name, "an integer");
  }

  const json& object_;
  std::string path_;
};

absl::Status ParseResources(const json& j, runtime::ResourceSpec& r) {
  if (!j.is_object()) {
    return absl::InvalidArgumentError("details.k8s_resources must be an object");
  }
  Reader in(j, "details.k8s_resources");
  HUB_RETURN_IF_ERROR(in.Int("cpu_request", r.cpu_request));
  HUB_RETURN_IF_ERROR(in.OptionalInt("cpu_limit", r.cpu_limit));
  HUB_RETURN_IF_ERROR(in.Int("memory_request", r.memory_request));
  return in.OptionalInt("memory_limit", r.memory_limit);
}

absl::StatusOr<runtime::IdentificationDetails> ParseIdentification(const json& j) {
  if (!j.is_object()) {
    return absl::InvalidArgumentError("details.identification_details must be an object or null");
  }
  Reader in(j, "details.identification_details");
  runtime::IdentificationDetails d;
  HUB_RETURN_IF_ERROR(in.OptionalText("description", d.description));
  HUB_RETURN_IF_ERROR(in.OptionalText("title", d.title));
  HUB_RETURN_IF_ERROR(in.OptionalText("interpretation", d.interpretation));
  HUB_RETURN_IF_ERROR(in.OptionalText("slug", d.slug));
  HUB_RETURN_IF_ERROR(in.OptionalText("source_code", d.source_code));
  HUB_RETURN_IF_ERROR(in.OptionalText("publication", d.publication));
  HUB_RETURN_IF_ERROR(in.List("target_organisms", d.target_organisms));
  HUB_RETURN_IF_ERROR(in.List("biomedical_areas", d.biomedical_areas));
  return d;
}

absl::Status ParseRuntimeFields(const Reader& in, ModelDetails& d) {
  HUB_RETURN_IF_ERROR(in.Text("backend", d.backend));
  HUB_RETURN_IF_ERROR(in.Text("url", d.url));
  HUB_RETURN_IF_ERROR(in.SmallInt("threads", d.threads));
  HUB_RETURN_IF_ERROR(in.OptionalInt("idle_timeout_seconds", d.idle_timeout_seconds));
  return in.SmallInt("chunks_per_instance", d.chunks_per_instance);
}

// Details from the API form over `d`'s defaults, then validated.
absl::Status ParseDetails(const json& j, ModelDetails& d) {
  if (!j.is_object()) {
    return absl::InvalidArgumentError("details is required and must be an object");
  }
  Reader in(j, "details");
  if (in.Find("description") == nullptr) {
    return absl::InvalidArgumentError("details.description is required");
  }
  HUB_RETURN_IF_ERROR(in.Text("template_version", d.template_version));
  HUB_RETURN_IF_ERROR(in.Text("description", d.description));
  HUB_RETURN_IF_ERROR(in.Bool("disable_memory_limit", d.disable_memory_limit));
  HUB_RETURN_IF_ERROR(in.SmallInt("max_instances", d.max_instances));
  std::string mode(runtime::ExecutionModeName(d.execution_mode));
  HUB_RETURN_IF_ERROR(in.Text("execution_mode", mode));
  auto parsed_mode = runtime::ParseExecutionMode(mode);
  if (!parsed_mode.has_value()) {
    return in.Bad("execution_mode", R"("SYNC" or "ASYNC")");
  }
  d.execution_mode = *parsed_mode;
  if (const json* resources = in.Find("k8s_resources"); resources != nullptr) {
    HUB_RETURN_IF_ERROR(ParseResources(*resources, d.resources));
  }
  HUB_RETURN_IF_ERROR(in.Text("image_tag", d.image_tag));
  HUB_RETURN_IF_ERROR(in.Bool("cache_enabled", d.cache_enabled));
  d.identification.reset();
  if (const json* ident = in.Find("identification_details"); ident != nullptr) {
    HUB_ASSIGN_OR_RETURN(d.identification, ParseIdentification(*ident));
  }
  HUB_RETURN_IF_ERROR(ParseRuntimeFields(in, d));
  return runtime::ValidateModelDetails(d);
}

// The UI's defaults for a new model (upstream-server.md §6.1).
ModelDetails NewModelDefaults() {
  ModelDetails d;
  d.resources.cpu_request = 10;
  d.resources.cpu_limit = 500;
  d.resources.memory_request = 100;
  d.resources.memory_limit = 3500;
  d.max_instances = -1;
  d.execution_mode = runtime::ExecutionMode::kAsync;
  return d;
}

json BracketJson(runtime::ProfileId id, const std::optional<runtime::Bracket>& bracket) {
  if (!bracket.has_value()) {
    return nullptr;
  }
  return {{"id", runtime::ProfileIdName(id)},
          {"state", runtime::ProfileStateName(bracket->state)},
          {"min", bracket->min},
          {"max", bracket->max},
          {"min_value", runtime::ConfigFor(id).min_value}};
}

json StateJson(runtime::ProfileId id, const std::optional<runtime::ProfileState>& state) {
  if (!state.has_value()) {
    return nullptr;
  }
  for (const runtime::Bracket& bracket : runtime::ConfigFor(id).brackets) {
    if (bracket.state == *state) {
      return BracketJson(id, bracket);
    }
  }
  return nullptr;
}

json RecommendationJson(const runtime::ResourceRecommendation& r) {
  return {{"profile_id", runtime::ProfileIdName(r.profile)},
          {"current_usage_value", r.current_usage_value},
          {"current_allocation_value", r.current_allocation_value},
          {"current_usage_percentage", r.current_usage_percentage},
          {"current_profile_state", BracketJson(r.profile, r.current_profile_state)},
          {"recommended_profile", BracketJson(r.profile, r.recommended_profile)},
          {"recommended_min_value", r.recommended_min_value},
          {"recommended_max_value", r.recommended_max_value},
          {"current_allocation_percentage", r.current_allocation_percentage},
          {"current_allocation_profile_state",
           StateJson(r.profile, r.current_allocation_profile_state)},
          {"recommended_value",
           r.recommended_value.has_value() ? json(*r.recommended_value) : json(nullptr)}};
}

json UsageJson(const runtime::UsageProfile& p) {
  return {{"min_usage", p.min_usage},
          {"max_usage", p.max_usage},
          {"min_allocatable", p.min_allocatable},
          {"max_allocatable", p.max_allocatable},
          {"min_usage_percentage", p.min_usage_percentage},
          {"max_usage_percentage", p.max_usage_percentage}};
}

json CountersJson(const runtime::InstanceCounters& c) {
  return {{"chunks", c.chunks},
          {"rows", c.rows},
          {"max_rows_per_chunk", c.max_rows_per_chunk},
          {"failed_chunks", c.failed_chunks},
          {"busy_seconds", static_cast<double>(c.busy_micros) / common::kMicrosPerSecond}};
}

json ResourcesJson(const runtime::ResourceSpec& r) {
  return {{"cpu_request", r.cpu_request},
          {"cpu_limit", OrNull(r.cpu_limit)},
          {"memory_request", r.memory_request},
          {"memory_limit", OrNull(r.memory_limit)}};
}

std::string_view ColumnTypeName(models::ColumnType type) {
  switch (type) {
    case models::ColumnType::kInteger:
      return "integer";
    case models::ColumnType::kString:
      return "string";
    case models::ColumnType::kFloat:
      break;
  }
  return "float";
}

}  // namespace

json TimestampOrNull(common::Micros t) {
  return t == 0 ? json(nullptr) : json(common::FormatTimestamp(t));
}

json OutputColumnsJson(const std::vector<models::Column>& columns) {
  json out = json::array();
  for (const models::Column& column : columns) {
    json item = {{"name", column.name}, {"type", ColumnTypeName(column.type)}};
    if (!column.direction.empty()) {
      item["direction"] = column.direction;
    }
    if (!column.description.empty()) {
      item["description"] = column.description;
    }
    out.push_back(std::move(item));
  }
  return out;
}

json IdentificationJson(const runtime::IdentificationDetails& d) {
  return {{"description", OrNull(d.description)},
          {"title", OrNull(d.title)},
          {"interpretation", OrNull(d.interpretation)},
          {"slug", OrNull(d.slug)},
          {"source_code", OrNull(d.source_code)},
          {"publication", OrNull(d.publication)},
          {"target_organisms", OrNull(d.target_organisms)},
          {"biomedical_areas", OrNull(d.biomedical_areas)}};
}

json ModelJson(const runtime::ModelRecord& m) {
  const ModelDetails& d = m.details;
  json details = {
      {"template_version", d.template_version},
      {"description", d.description},
      {"disable_memory_limit", d.disable_memory_limit},
      {"max_instances", d.max_instances},
      {"execution_mode", runtime::ExecutionModeName(d.execution_mode)},
      {"k8s_resources", ResourcesJson(d.resources)},
      {"image_tag", d.image_tag},
      {"cache_enabled", d.cache_enabled},
      {"identification_details",
       d.identification.has_value() ? IdentificationJson(*d.identification) : json(nullptr)},
      {"backend", d.backend},
      {"url", d.url},
      {"threads", d.threads},
      {"idle_timeout_seconds", OrNull(d.idle_timeout_seconds)},
      {"chunks_per_instance", d.chunks_per_instance}};
  return {{"id", m.id},
          {"enabled", m.enabled},
          {"last_updated", TimestampOrNull(m.last_updated)},
          {"details", std::move(details)}};
}

absl::StatusOr<runtime::ModelRecord> ParseModelCreate(const json& body) {
  Reader in(body, "");
  runtime::ModelRecord record;
  const json* id = in.Find("id");
  if (id == nullptr || !id->is_string()) {
    return absl::InvalidArgumentError("id is required and must be a string");
  }
  record.id = id->get<std::string>();
  HUB_RETURN_IF_ERROR(runtime::ValidateModelId(record.id));
  HUB_RETURN_IF_ERROR(in.Bool("enabled", record.enabled));
  const json* details = in.Find("details");
  if (details == nullptr) {
    return absl::InvalidArgumentError("details is required and must be an object");
  }
  record.details = NewModelDefaults();
  HUB_RETURN_IF_ERROR(ParseDetails(*details, record.details));
  return record;
}

absl::StatusOr<runtime::ModelUpdate> ParseModelUpdate(const json& body,
                                                      const std::string& path_id) {
  Reader in(body, "");
  runtime::ModelUpdate update;
  update.id = path_id;
  if (const json* id = in.Find("id"); id != nullptr && (!id->is_string() || *id != path_id)) {
    return absl::InvalidArgumentError(
        fmt::format("id in the body must be the model id of the path ({})", path_id));
  }
  if (const json* enabled = in.Find("enabled"); enabled != nullptr) {
    if (!enabled->is_boolean()) {
      return in.Bad("enabled", "true or false");
    }
    update.enabled = enabled->get<bool>();
  }
  if (const json* token = in.Find("last_updated"); token != nullptr) {
    auto parsed = token->is_string()
                      ? common::ParseTimestamp(token->get_ref<const std::string&>())
                      : absl::StatusOr<common::Micros>(absl::InvalidArgumentError("not a string"));
    if (!parsed.ok()) {
      return in.Bad("last_updated", "the timestamp the model was read with");
    }
    update.expected_last_updated = *parsed;
  }
  const json* details = in.Find("details");
  if (details == nullptr) {
    return absl::InvalidArgumentError("details is required and must be an object");
  }
  update.details = NewModelDefaults();
  HUB_RETURN_IF_ERROR(ParseDetails(*details, update.details));
  return update;
}

json ScalingJson(const runtime::ModelRecord& model, const runtime::ModelScaling& s) {
  return {{"enabled", model.enabled},
          {"current_instances", s.current()},
          {"max_instances", model.details.max_instances},
          {"starting", s.starting},
          {"ready", s.ready},
          {"busy", s.busy},
          {"stopping", s.stopping},
          {"waiting", s.waiting},
          {"memory_reserved_mb", s.memory_reserved_mb},
          {"consecutive_failures", s.consecutive_failures},
          {"last_error", s.last_error.empty() ? json(nullptr) : json(s.last_error)},
          {"last_error_at", TimestampOrNull(s.last_error_at)},
          {"next_start_at", TimestampOrNull(s.next_start_at)},
          {"backing_off", s.next_start_at != 0},
          {"permanent_failure", s.permanent_failure}};
}

json ActiveMetricsJson(const runtime::InstanceMetricsView& v) {
  return {{"model_id", v.model_id},
          {"instance_id", v.instance_id},
          {"namespace", v.namespace_name},
          {"cpu_running_averages", runtime::RunningAveragesToJson(v.cpu)},
          {"memory_running_averages", runtime::RunningAveragesToJson(v.memory)},
          {"cpu_busy_running_averages", runtime::RunningAveragesToJson(v.cpu_busy)},
          {"memory_peak_bytes", v.memory_peak_bytes},
          {"cpu_seconds", v.cpu_seconds},
          {"persisted", false}};
}

json StoredMetricsJson(const runtime::InstanceMetricsRecord& r) {
  return {{"model_id", r.model_id},
          {"instance_id", r.instance_id},
          {"namespace", r.backend},
          {"cpu_running_averages", runtime::RunningAveragesToJson(r.cpu)},
          {"memory_running_averages", runtime::RunningAveragesToJson(r.memory)},
          {"cpu_busy_running_averages", runtime::RunningAveragesToJson(r.cpu_busy)},
          {"memory_peak_bytes", r.memory_peak_bytes},
          {"cpu_seconds", r.cpu_seconds},
          {"persisted", true},
          {"server_id", r.server_id},
          {"started_at", TimestampOrNull(r.started_at)},
          {"ready_at", TimestampOrNull(r.ready_at)},
          {"stopped_at", TimestampOrNull(r.stopped_at)},
          {"stop_reason", r.stop_reason},
          {"counters", CountersJson(r.counters)},
          {"resources", ResourcesJson(r.resources)}};
}

json EventJson(const runtime::StoredEvent& e) {
  json details = json::parse(e.details, nullptr, false);
  return {{"model_id", e.model_id},
          {"instance_id", e.instance_id},
          {"correlation_id", nullptr},
          {"instance_details", details.is_discarded() ? json(nullptr) : details},
          {"log_event", e.event},
          {"log_timestamp", common::FormatTimestamp(e.at)},
          {"reason", e.reason.empty() ? json(nullptr) : json(e.reason)},
          {"message", e.message.empty() ? json(nullptr) : json(e.message)},
          {"server_id", e.server_id},
          {"backend", e.backend}};
}

json InstanceItemJson(const runtime::InstanceSnapshot& snapshot,
                      const std::optional<runtime::InstanceMetricsView>& metrics,
                      const std::optional<runtime::StoredEvent>& last_event,
                      common::Micros now) {
  json details = snapshot.details;
  details["backend"] = snapshot.backend;
  details["base_url"] = snapshot.base_url;
  details["server_id"] = snapshot.server_id;
  details["resources"] = ResourcesJson(snapshot.resources);
  details["memory_reserved_mb"] = snapshot.memory_reserved_mb;
  json work = json::array();
  for (const runtime::LeaseView& lease : snapshot.leases) {
    work.push_back({{"holder", lease.holder},
                    {"since", common::FormatTimestamp(lease.since)},
                    {"rows", lease.rows}});
  }
  json instance = {
      {"model_id", snapshot.model_id},
      {"work_request_id", nullptr},
      {"instance_id", snapshot.instance_id},
      {"instance_details", std::move(details)},
      {"state", runtime::InstanceStateName(snapshot.state)},
      {"termination_reason", snapshot.stop_reason.has_value()
                                 ? json(runtime::StopReasonName(*snapshot.stop_reason))
                                 : json(nullptr)},
      {"job_submission_process", nullptr},
      {"last_updated", common::FormatTimestamp(snapshot.state_since)},
      {"created_at", common::FormatTimestamp(snapshot.created_at)},
      {"ready_at", TimestampOrNull(snapshot.ready_at)},
      {"uptime_seconds", static_cast<double>(now - snapshot.created_at) / common::kMicrosPerSecond},
      {"cpu_millicores", metrics.has_value() ? json(metrics->cpu.avg_60s) : json(nullptr)},
      {"memory_bytes", metrics.has_value() && metrics->memory.count > 0
                           ? json(metrics->memory.max_60s)
                           : json(nullptr)},
      {"current_work", std::move(work)},
      {"counters", CountersJson(snapshot.counters)}};
  return {{"model_instance", std::move(instance)},
          {"last_event", last_event.has_value() ? EventJson(*last_event) : json(nullptr)},
          {"work_request", nullptr},
          {"metrics", metrics.has_value() ? ActiveMetricsJson(*metrics) : json(nullptr)},
          {"resource_profile", nullptr},
          {"resource_recommendations", nullptr}};
}

json ProfileJson(const runtime::ResourceProfile& profile) {
  return {{"cpu", UsageJson(profile.cpu)}, {"memory", UsageJson(profile.memory)}};
}

json RecommendationsJson(const runtime::ModelRecommendations& r) {
  const runtime::MemoryModel& m = r.memory_model;
  return {
      {"model_id", r.model_id},
      {"cpu_min", RecommendationJson(r.cpu_min)},
      {"cpu_max", RecommendationJson(r.cpu_max)},
      {"memory_min", RecommendationJson(r.memory_min)},
      {"memory_max", RecommendationJson(r.memory_max)},
      {"profiled_instances", r.profiled_instances},
      {"last_updated", TimestampOrNull(r.last_updated)},
      {"resource_profile", ProfileJson(r.profile)},
      {"memory_model",
       {{"base_mb", m.base_mb},
        {"mb_per_row", m.mb_per_row},
        {"instances", m.instances},
        {"max_rows_per_chunk", m.max_rows_per_chunk},
        {"depends_on_rows", m.depends_on_rows}}},
      {"rows_per_chunk", r.rows_per_chunk.has_value() ? json(*r.rows_per_chunk) : json(nullptr)}};
}

absl::StatusOr<ApplyRequest> ParseApply(const json& body) {
  auto recommendations = body.find("recommendations");
  if (recommendations == body.end() || !recommendations->is_object()) {
    return absl::InvalidArgumentError("recommendations is required and must be an object");
  }
  ApplyRequest request;
  auto id = recommendations->find("model_id");
  if (id == recommendations->end() || !id->is_string()) {
    return absl::InvalidArgumentError("recommendations.model_id is required");
  }
  request.model_id = id->get<std::string>();
  auto profiles = body.find("profiles");
  if (profiles != body.end() && !profiles->is_null()) {
    if (!profiles->is_array()) {
      return absl::InvalidArgumentError(
          "profiles must be a list of CPU_MIN, CPU_MAX, MEMORY_MIN, MEMORY_MAX, or null");
    }
    for (const json& name : *profiles) {
      auto parsed =
          name.is_string() ? runtime::ParseProfileId(name.get<std::string>()) : std::nullopt;
      if (!parsed.has_value()) {
        return absl::InvalidArgumentError(fmt::format(
            "profiles: unknown profile {}; use CPU_MIN, CPU_MAX, MEMORY_MIN or MEMORY_MAX",
            name.dump()));
      }
      request.profiles.push_back(*parsed);
    }
  }
  for (runtime::ProfileId profile : runtime::kAllProfiles) {
    std::string key = common::ToLower(runtime::ProfileIdName(profile));
    auto entry = recommendations->find(key);
    if (entry == recommendations->end() || !entry->is_object()) {
      continue;
    }
    auto value = entry->find("recommended_value");
    if (value != entry->end() && value->is_number()) {
      double v = value->get<double>();
      if (!std::isfinite(v) || v <= 0) {
        return absl::InvalidArgumentError(
            fmt::format("recommendations.{}.recommended_value must be positive", key));
      }
      request.values[profile] = v;
    }
  }
  return request;
}

}  // namespace hub::api
