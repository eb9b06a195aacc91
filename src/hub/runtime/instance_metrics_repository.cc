#include "hub/runtime/instance_metrics_repository.h"

#include <algorithm>

#include "hub/common/status_macros.h"

namespace hub::runtime {
namespace {

using nlohmann::json;

constexpr char kInsertSql[] =
    "INSERT INTO {schema}.instance_metrics"
    " (instance_id, model_id, server_id, backend, started_at, ready_at, stopped_at, stop_reason,"
    " cpu, memory, cpu_busy, memory_peak_bytes, cpu_seconds, counters, resources)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
    " ON CONFLICT (instance_id) DO NOTHING";

constexpr char kRecentSql[] =
    "SELECT instance_id, model_id, server_id, backend, started_at, ready_at, stopped_at,"
    " stop_reason, cpu, memory, cpu_busy, memory_peak_bytes, cpu_seconds, counters, resources"
    " FROM {schema}.instance_metrics WHERE (CAST($1 AS TEXT) IS NULL OR model_id = $1)"
    " ORDER BY stopped_at DESC, instance_id LIMIT $2";

json CountersToJson(const InstanceCounters& c) {
  return {{"chunks", c.chunks},
          {"rows", c.rows},
          {"max_rows_per_chunk", c.max_rows_per_chunk},
          {"failed_chunks", c.failed_chunks},
          {"busy_micros", c.busy_micros}};
}

InstanceCounters CountersFromJson(const json& j) {
  InstanceCounters c;
  c.chunks = j.value("chunks", std::int64_t{0});
  c.rows = j.value("rows", std::int64_t{0});
  c.max_rows_per_chunk = j.value("max_rows_per_chunk", std::int64_t{0});
  c.failed_chunks = j.value("failed_chunks", std::int64_t{0});
  c.busy_micros = j.value("busy_micros", std::int64_t{0});
  return c;
}

json ResourcesToJson(const ResourceSpec& r) {
  return {{"cpu_request", r.cpu_request},
          {"cpu_limit", r.cpu_limit.has_value() ? json(*r.cpu_limit) : json(nullptr)},
          {"memory_request", r.memory_request},
          {"memory_limit", r.memory_limit.has_value() ? json(*r.memory_limit) : json(nullptr)}};
}

ResourceSpec ResourcesFromJson(const json& j) {
  ResourceSpec r;
  r.cpu_request = j.value("cpu_request", r.cpu_request);
  r.memory_request = j.value("memory_request", r.memory_request);
  if (j.contains("cpu_limit") && j["cpu_limit"].is_number()) {
    r.cpu_limit = j["cpu_limit"].get<std::int64_t>();
  } else {
    r.cpu_limit.reset();
  }
  if (j.contains("memory_limit") && j["memory_limit"].is_number()) {
    r.memory_limit = j["memory_limit"].get<std::int64_t>();
  }
  return r;
}

absl::StatusOr<RunningAveragesView> AveragesFromText(const std::string& text) {
  json parsed = json::parse(text, nullptr, false);
  return RunningAveragesFromJson(parsed);
}

absl::StatusOr<InstanceMetricsRecord> FromRow(const store::Row& row) {
  InstanceMetricsRecord r;
  HUB_ASSIGN_OR_RETURN(r.instance_id, row.GetString(0));
  HUB_ASSIGN_OR_RETURN(r.model_id, row.GetString(1));
  HUB_ASSIGN_OR_RETURN(r.server_id, row.GetString(2));
  HUB_ASSIGN_OR_RETURN(r.backend, row.GetString(3));
  HUB_ASSIGN_OR_RETURN(r.started_at, row.GetInt(4));
  HUB_ASSIGN_OR_RETURN(r.ready_at, row.GetInt(5));
  HUB_ASSIGN_OR_RETURN(r.stopped_at, row.GetInt(6));
  HUB_ASSIGN_OR_RETURN(r.stop_reason, row.GetString(7));
  HUB_ASSIGN_OR_RETURN(std::string cpu, row.GetString(8));
  HUB_ASSIGN_OR_RETURN(std::string memory, row.GetString(9));
  HUB_ASSIGN_OR_RETURN(std::string cpu_busy, row.GetString(10));
  HUB_ASSIGN_OR_RETURN(r.cpu, AveragesFromText(cpu));
  HUB_ASSIGN_OR_RETURN(r.memory, AveragesFromText(memory));
  HUB_ASSIGN_OR_RETURN(r.cpu_busy, AveragesFromText(cpu_busy));
  HUB_ASSIGN_OR_RETURN(r.memory_peak_bytes, row.GetInt(11));
  HUB_ASSIGN_OR_RETURN(r.cpu_seconds, row.GetDouble(12));
  HUB_ASSIGN_OR_RETURN(std::string counters, row.GetString(13));
  HUB_ASSIGN_OR_RETURN(std::string resources, row.GetString(14));
  json c = json::parse(counters, nullptr, false);
  json res = json::parse(resources, nullptr, false);
  if (!c.is_object() || !res.is_object()) {
    return absl::DataLossError("stored instance metrics are malformed");
  }
  r.counters = CountersFromJson(c);
  r.resources = ResourcesFromJson(res);
  return r;
}

}  // namespace

absl::Status InstanceMetricsRepository::Insert(const InstanceMetricsRecord& r) {
  return db_
      .Exec(kInsertSql,
            {r.instance_id, r.model_id, r.server_id, r.backend, r.started_at, r.ready_at,
             r.stopped_at, r.stop_reason, RunningAveragesToJson(r.cpu).dump(),
             RunningAveragesToJson(r.memory).dump(), RunningAveragesToJson(r.cpu_busy).dump(),
             r.memory_peak_bytes, r.cpu_seconds, CountersToJson(r.counters).dump(),
             ResourcesToJson(r.resources).dump()})
      .status();
}

absl::StatusOr<std::vector<InstanceMetricsRecord>> InstanceMetricsRepository::Recent(
    const std::optional<std::string>& model_id, int limit) const {
  store::Value model = model_id.has_value() ? store::Value(*model_id) : store::Value(store::kNull);
  std::int64_t bounded = std::clamp(limit, 1, 1000);
  HUB_ASSIGN_OR_RETURN(store::Result rows, db_.Exec(kRecentSql, {model, bounded}));
  std::vector<InstanceMetricsRecord> out;
  for (const store::Row& row : rows) {
    auto record = FromRow(row);
    if (record.ok()) {
      out.push_back(std::move(*record));
    }
  }
  return out;
}

}  // namespace hub::runtime
