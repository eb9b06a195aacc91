#include "hub/runtime/instance_event_repository.h"

#include <algorithm>

#include "hub/common/status_macros.h"
#include "hub/common/strings.h"

namespace hub::runtime {
namespace {

constexpr char kInsertSql[] =
    "INSERT INTO {schema}.instance_events"
    " (instance_id, model_id, server_id, backend, event, reason, message, details, at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

// Optional filters are NULL (or '' for the event list) when unused.
constexpr char kListSql[] =
    "SELECT id, instance_id, model_id, server_id, backend, event, reason, message, details, at"
    " FROM {schema}.instance_events"
    " WHERE (CAST($1 AS TEXT) IS NULL OR model_id = $1)"
    " AND (CAST($2 AS TEXT) IS NULL OR instance_id = $2)"
    " AND ($3 = '' OR (',' || $3 || ',') LIKE ('%,' || event || ',%'))"
    " AND (CAST($4 AS BIGINT) IS NULL OR at >= $4)"
    " AND (CAST($5 AS BIGINT) IS NULL OR at < $5)"
    " ORDER BY at DESC, id DESC LIMIT $6";

store::Value Optional(const std::optional<std::string>& v) {
  return v.has_value() ? store::Value(*v) : store::Value(store::kNull);
}

store::Value Optional(const std::optional<common::Micros>& v) {
  return v.has_value() ? store::Value(*v) : store::Value(store::kNull);
}

absl::StatusOr<StoredEvent> FromRow(const store::Row& row) {
  StoredEvent e;
  HUB_ASSIGN_OR_RETURN(e.id, row.GetInt(0));
  HUB_ASSIGN_OR_RETURN(e.instance_id, row.GetString(1));
  HUB_ASSIGN_OR_RETURN(e.model_id, row.GetString(2));
  HUB_ASSIGN_OR_RETURN(e.server_id, row.GetString(3));
  HUB_ASSIGN_OR_RETURN(e.backend, row.GetString(4));
  HUB_ASSIGN_OR_RETURN(e.event, row.GetString(5));
  HUB_ASSIGN_OR_RETURN(e.reason, row.GetString(6));
  HUB_ASSIGN_OR_RETURN(e.message, row.GetString(7));
  HUB_ASSIGN_OR_RETURN(e.details, row.GetString(8));
  HUB_ASSIGN_OR_RETURN(e.at, row.GetInt(9));
  return e;
}

}  // namespace

absl::Status InstanceEventRepository::Insert(const InstanceEvent& event) {
  return db_
      .Exec(
          kInsertSql,
          {event.instance_id, event.model_id, event.server_id, event.backend,
           std::string(InstanceEventKindName(event.kind)), event.reason, event.message,
           event.details.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), event.at})
      .status();
}

absl::StatusOr<std::vector<StoredEvent>> InstanceEventRepository::List(
    const EventFilter& filter) const {
  std::string events = common::Join(filter.events, ",");
  std::int64_t limit = std::clamp(filter.limit, 1, 1000);
  HUB_ASSIGN_OR_RETURN(
      store::Result rows,
      db_.Exec(kListSql, {Optional(filter.model_id), Optional(filter.instance_id), events,
                          Optional(filter.since), Optional(filter.until), limit}));
  std::vector<StoredEvent> out;
  out.reserve(rows.size());
  for (const store::Row& row : rows) {
    HUB_ASSIGN_OR_RETURN(StoredEvent event, FromRow(row));
    out.push_back(std::move(event));
  }
  return out;
}

}  // namespace hub::runtime
