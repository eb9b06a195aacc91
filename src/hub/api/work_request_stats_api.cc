// GET /api/work-request-stats (the upstream aggregation by model and input size),
// /api/work-request-stats/filter-data, and /api/work-request-stats/daily (requests per day,
// for the dashboard). Statistics come from `work_request_stats`, which outlives retention.

#include <array>

#include "fmt/format.h"
#include "nlohmann/json.hpp"

#include "hub/api/api_routes.h"
#include "hub/api/status_to_http.h"
#include "hub/common/clock.h"
#include "hub/common/settings.h"
#include "hub/common/status_macros.h"
#include "hub/common/strings.h"
#include "hub/common/time_format.h"
#include "hub/jobs/work_request.h"
#include "hub/store/database.h"

namespace hub::api {
namespace {

using http::Method;
using http::Request;
using http::Response;

constexpr common::Micros kDefaultWindow = 21LL * 86'400 * common::kMicrosPerSecond;

struct Metric {
  const char* name;
  const char* expression;  // microseconds
};

constexpr std::array<Metric, 3> kMetrics = {{
    {"request_start_time", "(started_at - request_date)"},
    {"request_time", "(processed_at - request_date)"},
    {"job_execution_time", "(processed_at - started_at)"},
}};

struct Subset {
  const char* name;
  const char* condition;
};

constexpr std::array<Subset, 3> kSubsets = {{
    {"all", "1 = 1"},
    {"success", "status = 'COMPLETED'"},
    {"failed", "status = 'FAILED'"},
}};
constexpr std::array<const char*, 4> kAggregates = {"total", "max", "min", "avg"};
constexpr std::array<const char*, 4> kSql = {"sum", "max", "min", "avg"};

struct StatsQuery {
  std::string where = "1 = 1";
  store::Params params;
  bool by_input_size = false;

  std::string Bind(store::Value value) {
    params.push_back(std::move(value));
    return fmt::format("${}", params.size());
  }
};

absl::StatusOr<StatsQuery> ParseStatsQuery(const Request& request, common::Micros now) {
  StatsQuery q;
  common::Micros from = now - kDefaultWindow;
  if (auto text = request.Query("request_date_from")) {
    HUB_ASSIGN_OR_RETURN(from, common::ParseTimestamp(*text));
  }
  q.where += " AND request_date >= " + q.Bind(from);
  if (auto text = request.Query("request_date_to")) {
    HUB_ASSIGN_OR_RETURN(common::Micros to, common::ParseTimestamp(*text));
    q.where += " AND request_date <= " + q.Bind(to);
  }
  if (auto user = request.Query("user_id")) {
    q.where += " AND user_id = " + q.Bind(std::string(*user));
  }
  auto in = [&q](std::string_view column, const std::vector<std::string>& values) {
    if (values.empty()) {
      return;
    }
    std::string list;
    for (const std::string& v : values) {
      list += (list.empty() ? "" : ", ") + q.Bind(v);
    }
    q.where += fmt::format(" AND {} IN ({})", column, list);
  };
  in("model_id", request.QueryAll("model_ids"));
  std::vector<std::string> statuses = request.QueryAll("request_statuses");
  for (const std::string& s : statuses) {
    HUB_RETURN_IF_ERROR(jobs::ParseRequestStatus(s).status());
  }
  in("status", statuses);
  for (const char* bound : {"input_size_ge", "input_size_le"}) {
    if (auto text = request.Query(bound)) {
      auto value = common::ParseIntSetting(*text, 0, std::int64_t{1} << 40);
      if (!value.ok()) {
        return absl::InvalidArgumentError(fmt::format("{} must be a non-negative integer", bound));
      }
      bool ge = std::string_view(bound).ends_with("ge");
      q.where += fmt::format(" AND input_size {} {}", ge ? ">=" : "<=", q.Bind(*value));
    }
  }
  for (const std::string& group : request.QueryAll("group_by")) {
    if (group == "InputSize") {
      q.by_input_size = true;
    } else if (group != "ModelId") {
      return absl::InvalidArgumentError("group_by accepts ModelId and InputSize");
    }
  }
  return q;
}

std::string StatsSql(const StatsQuery& q) {
  std::string columns = q.by_input_size ? "model_id, input_size" : "model_id, 0";
  std::string select = columns +
                       ", count(*), sum(CASE WHEN status = 'COMPLETED' THEN 1 ELSE 0 END), "
                       "sum(CASE WHEN status = 'FAILED' THEN 1 ELSE 0 END)";
  for (const Metric& m : kMetrics) {
    for (const Subset& s : kSubsets) {
      for (const char* fn : kSql) {
        select += fmt::format(", {}(CASE WHEN {} THEN {} END)", fn, s.condition, m.expression);
      }
    }
  }
  return fmt::format(
      "SELECT {} FROM {{schema}}.work_request_stats WHERE {} GROUP BY {} "
      "ORDER BY 1, 2",
      select, q.where, q.by_input_size ? "model_id, input_size" : "model_id");
}

// Column `column` of `row` as seconds (the query returns microseconds); NULL is 0.
absl::StatusOr<double> SecondsAt(const store::Row& row, size_t column) {
  if (row.IsNull(column)) {
    return 0.0;
  }
  HUB_ASSIGN_OR_RETURN(double micros, row.GetDouble(column));
  return micros / 1e6;
}

// Adds every subset and aggregate of metric `m`, reading columns from `column` on.
absl::Status AddMetricColumns(const store::Row& row,
                              const Metric& m,
                              size_t& column,
                              nlohmann::ordered_json& item) {
  for (const Subset& s : kSubsets) {
    for (const char* aggregate : kAggregates) {
      HUB_ASSIGN_OR_RETURN(double seconds, SecondsAt(row, column));
      item[fmt::format("{}_{}_{}", aggregate, s.name, m.name)] = seconds;
      ++column;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<nlohmann::ordered_json> StatsRow(const store::Row& row) {
  nlohmann::ordered_json item;
  HUB_ASSIGN_OR_RETURN(item["model_id"], row.GetString(0));
  HUB_ASSIGN_OR_RETURN(item["input_size"], row.GetInt(1));
  HUB_ASSIGN_OR_RETURN(item["total_count"], row.GetInt(2));
  HUB_ASSIGN_OR_RETURN(item["success_count"], row.GetInt(3));
  HUB_ASSIGN_OR_RETURN(item["failed_count"], row.GetInt(4));
  size_t column = 5;
  for (const Metric& m : kMetrics) {
    HUB_RETURN_IF_ERROR(AddMetricColumns(row, m, column, item));
  }
  return item;
}

Response Stats(store::Database& db, const Request& request) {
  auto query = ParseStatsQuery(request, common::SystemClock::Instance().NowMicros());
  if (!query.ok()) {
    return ErrorResponse(query.status(), request);
  }
  auto result = db.Exec(StatsSql(*query), query->params);
  if (!result.ok()) {
    return ErrorResponse(result.status(), request);
  }
  nlohmann::ordered_json stats = nlohmann::ordered_json::array();
  for (const store::Row& row : *result) {
    auto item = StatsRow(row);
    if (!item.ok()) {
      return ErrorResponse(item.status(), request);
    }
    stats.push_back(std::move(*item));
  }
  return Response::JsonText(200, nlohmann::ordered_json({{"stats", stats}}).dump());
}

Response FilterData(store::Database& db, const Request& request) {
  auto result =
      db.Exec("SELECT DISTINCT model_id FROM {schema}.work_request_stats ORDER BY model_id");
  if (!result.ok()) {
    return ErrorResponse(result.status(), request);
  }
  std::vector<std::string> models;
  for (const store::Row& row : *result) {
    models.push_back(row.GetString(0).value_or(""));
  }
  return Response::Json(200, {{"model_ids", models}, {"group_by", {"ModelId", "InputSize"}}});
}

// Requests per UTC day over the last `days` days (default 30, at most 366).
Response Daily(store::Database& db, const Request& request) {
  auto days = common::ParseIntSetting(request.Query("days").value_or("30"), 1, 366);
  if (!days.ok()) {
    return Response::Error(400, "days must be an integer between 1 and 366");
  }
  common::Micros day = 86'400LL * common::kMicrosPerSecond;
  common::Micros now = common::SystemClock::Instance().NowMicros();
  common::Micros from = (now / day - *days + 1) * day;
  auto result = db.Exec(
      "SELECT request_date / CAST($1 AS BIGINT), count(*), sum(CASE WHEN status = 'COMPLETED' "
      "THEN 1 ELSE 0 END), sum(CASE WHEN status = 'FAILED' THEN 1 ELSE 0 END), "
      "sum(input_size) FROM {schema}.work_request_stats WHERE request_date >= $2 GROUP BY 1 "
      "ORDER BY 1",
      {day, from});
  if (!result.ok()) {
    return ErrorResponse(result.status(), request);
  }
  nlohmann::json items = nlohmann::json::array();
  for (const store::Row& row : *result) {
    std::int64_t index = row.GetInt(0).value_or(0);
    items.push_back({{"day", common::FormatTimestamp(index * day).substr(0, 10)},
                     {"total", row.GetInt(1).value_or(0)},
                     {"completed", row.GetInt(2).value_or(0)},
                     {"failed", row.GetInt(3).value_or(0)},
                     {"molecules", row.GetInt(4).value_or(0)}});
  }
  return Response::Json(200, {{"days", items}});
}

}  // namespace

void AddWorkRequestStatsRoutes(ApiRoutes& routes, store::Database& db) {
  store::Database* database = &db;
  routes.Require(auth::Permission::kManageWorkRequests, Method::kGet, "/api/work-request-stats",
                 [database](Request& r, const auth::Principal&) { return Stats(*database, r); });
  routes.Require(
      auth::Permission::kManageWorkRequests, Method::kGet, "/api/work-request-stats/filter-data",
      [database](Request& r, const auth::Principal&) { return FilterData(*database, r); });
  routes.Require(auth::Permission::kManageWorkRequests, Method::kGet,
                 "/api/work-request-stats/daily",
                 [database](Request& r, const auth::Principal&) { return Daily(*database, r); });
}

}  // namespace hub::api
