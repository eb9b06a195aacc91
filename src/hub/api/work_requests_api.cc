#include "hub/api/work_requests_api.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "fmt/format.h"

#include "hub/api/status_to_http.h"
#include "hub/api/work_request_json.h"
#include "hub/blob/blob_store.h"
#include "hub/common/clock.h"
#include "hub/common/log.h"
#include "hub/common/settings.h"
#include "hub/common/status_macros.h"
#include "hub/common/strings.h"
#include "hub/common/time_format.h"
#include "hub/http/json_body.h"
#include "hub/http/multipart.h"
#include "hub/http/sse.h"
#include "hub/jobs/result_reader.h"
#include "hub/jobs/tsv.h"

namespace hub::api {
namespace {

using auth::Permission;
using auth::Principal;
using http::Method;
using http::Request;
using http::Response;

constexpr std::uint64_t kMaxJsonSubmit = 64ull << 20;

jobs::Caller CallerFor(const Request& request, const Principal& principal) {
  jobs::Caller caller;
  caller.user_id = principal.user_id;
  caller.user_kind = principal.anonymous() ? "anonymous" : "user";
  caller.manage = principal.Has(Permission::kManageWorkRequests);
  caller.view_all = caller.manage || principal.Has(Permission::kK8sAdmin) ||
                    principal.Has(Permission::kManageUsers);
  caller.cache_admin = principal.Has(Permission::kAdmin);
  caller.session_id = principal.public_session_id;
  caller.user_agent = std::string(request.Header("User-Agent").value_or(""));
  caller.client_address = request.client_address;
  return caller;
}

absl::StatusOr<std::int64_t> RequestId(const Request& request) {
  auto id = common::ParseIntSetting(request.Param("id"), 1, std::int64_t{1} << 62);
  if (!id.ok()) {
    return absl::NotFoundError(
        fmt::format("Failed to load request with id [{}]", request.Param("id")));
  }
  return *id;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The first `limit` input rows of a request (its `entries`).
std::vector<std::string> Entries(blob::BlobStore& blobs,
                                 const jobs::WorkRequestRecord& r,
                                 size_t limit) {
  std::vector<std::string> entries;
  auto reader = blobs.NewReader("requests/" + r.uid + "/rows.tsv");
  if (!reader.ok()) {
    return entries;
  }
  blob::LineReader lines(std::move(*reader));
  std::string line;
  while (entries.size() < limit && lines.Next(line)) {
    auto fields = jobs::SplitTsvLine(line);
    if (fields.size() == 4) {
      entries.push_back(std::move(fields[3]));
    }
  }
  return entries;
}

// Builds a submit request from whichever body the client sent: the upstream JSON, a
// multipart form with a file, or the file itself with options in the query string.
absl::StatusOr<jobs::SubmitRequest> ParseSubmit(const Request& request) {
  jobs::SubmitRequest submit;
  std::string content_type(request.Header("Content-Type").value_or(""));
  std::string media = common::ToLower(common::Trim(content_type.substr(0, content_type.find(';'))));
  auto query = [&request](std::string_view name) -> std::optional<std::string> {
    auto value = request.Query(name);
    return value ? std::optional<std::string>(std::string(*value)) : std::nullopt;
  };

  if (media == "application/json" || media.empty()) {
    if (request.body_size > kMaxJsonSubmit) {
      return absl::InvalidArgumentError(
          "JSON bodies are limited to 64 MiB; upload large inputs as a CSV or SMILES file");
    }
    http::Request copy;
    copy.body = ReadFile(request.body_file);
    auto body = http::ParseJsonObject(copy);
    if (!body.ok()) {
      return body.status();
    }
    HUB_RETURN_IF_ERROR(ParseSubmitJson(*body, submit));
    return submit;
  }

  if (media == "multipart/form-data") {
    auto boundary = http::MultipartBoundary(content_type);
    if (!boundary) {
      return absl::InvalidArgumentError("multipart/form-data needs a boundary parameter");
    }
    HUB_ASSIGN_OR_RETURN(auto parts, http::ParseMultipartFile(request.body_file, *boundary));
    const http::MultipartPart* file = nullptr;
    for (const auto& part : parts) {
      if (!part.filename.empty() || part.name == "file") {
        file = &part;
      }
    }
    if (file == nullptr) {
      return absl::InvalidArgumentError(
          "the form has no file: send the molecules in a field named `file`");
    }
    submit.input.file_path = request.body_file;
    submit.input.offset = file->offset;
    submit.input.length = file->length;
    submit.input.filename = file->filename;
    submit.input.media_type = file->content_type;
    auto field = [&parts, &query](std::string_view name) -> std::optional<std::string> {
      auto it = std::find_if(parts.begin(), parts.end(), [name](const auto& part) {
        return part.name == name && part.filename.empty();
      });
      if (it != parts.end()) {
        return std::string(common::Trim(it->value));
      }
      return query(name);
    };
    HUB_RETURN_IF_ERROR(ApplySubmitFields(field, submit));
    return submit;
  }

  // A raw file body: CSV, TSV, SMILES or text.
  submit.input.file_path = request.body_file;
  submit.input.length = request.body_size;
  submit.input.media_type = media;
  submit.input.filename = std::string(request.Query("filename").value_or(""));
  HUB_RETURN_IF_ERROR(ApplySubmitFields(query, submit));
  return submit;
}

Response RecordResponse(jobs::WorkRequestService& service,
                        const jobs::Caller& caller,
                        const jobs::WorkRequestRecord& record,
                        size_t entries) {
  bool contents = jobs::WorkRequestService::MaySeeContents(caller, record);
  std::vector<std::string> rows;
  if (contents) {
    rows = Entries(service.blobs(), record, entries);
  }
  auto json = WorkRequestJson(record, rows, contents, common::SystemClock::Instance().NowMicros());
  return Response::JsonText(200,
                            json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

// A body that produces a result on demand from a `ResultReader`, optionally wrapped (the
// upstream GET embeds the result inside the request's JSON).
class ResultBody final : public http::BodyStream {
public:
  ResultBody(std::unique_ptr<jobs::ResultReader> reader, std::string prefix, std::string suffix)
      : reader_(std::move(reader)), prefix_(std::move(prefix)), suffix_(std::move(suffix)) {}

  http::StreamStep Next(std::string& out) override {
    if (cancelled_ || finished_) {
      return http::StreamStep::End();
    }
    out = std::move(prefix_);
    prefix_.clear();
    auto more = reader_->Next(out);
    if (!more.ok()) {
      // Headers are gone: all we can do is end the body; the log says why.
      HUB_LOG(error, "result stream failed", {"error", common::ToString(more.status().message())});
      finished_ = true;
      return http::StreamStep::Data();
    }
    if (!*more) {
      out += suffix_;
      finished_ = true;
    }
    return http::StreamStep::Data();
  }

  void Cancel() override { cancelled_ = true; }

private:
  std::unique_ptr<jobs::ResultReader> reader_;
  std::string prefix_;
  std::string suffix_;
  bool finished_ = false;
  std::atomic<bool> cancelled_{false};
};

absl::StatusOr<jobs::RequestFilter> ParseFilter(const Request& request) {
  jobs::RequestFilter filter;
  if (auto id = request.Query("id")) {
    auto parsed = common::ParseIntSetting(*id, 1, std::int64_t{1} << 62);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError("id must be a positive integer");
    }
    filter.id = *parsed;
  }
  if (auto user = request.Query("user_id")) {
    filter.user_id = std::string(*user);
  }
  filter.model_ids = request.QueryAll("model_ids");
  for (const std::string& status : request.QueryAll("request_statuses")) {
    HUB_ASSIGN_OR_RETURN(auto parsed, jobs::ParseRequestStatus(status));
    filter.statuses.push_back(parsed);
  }
  if (auto from = request.Query("request_date_from")) {
    HUB_ASSIGN_OR_RETURN(filter.date_from, common::ParseTimestamp(*from));
  }
  if (auto to = request.Query("request_date_to")) {
    HUB_ASSIGN_OR_RETURN(filter.date_to, common::ParseTimestamp(*to));
  }
  if (auto kind = request.Query("user_kind")) {
    if (*kind != "user" && *kind != "anonymous") {
      return absl::InvalidArgumentError("user_kind must be user or anonymous");
    }
    filter.user_kind = std::string(*kind);
  }
  if (auto limit = request.Query("limit")) {
    auto parsed = common::ParseIntSetting(*limit, 1, 500);
    if (!parsed.ok()) {
      return absl::OutOfRangeError("limit must be an integer between 1 and 500");
    }
    filter.limit = static_cast<int>(*parsed);
  }
  return filter;
}

struct Handlers {
  jobs::WorkRequestService& service;
  WorkRequestsApiOptions options;

  // The request the path names, if `caller` may see it (NotFound otherwise).
  absl::StatusOr<jobs::WorkRequestRecord> VisibleRequest(const Request& request,
                                                         const jobs::Caller& caller) {
    HUB_ASSIGN_OR_RETURN(std::int64_t id, RequestId(request));
    return service.Get(caller, id);
  }

  // The same, when `caller` may also read its molecules and results (PermissionDenied
  // otherwise).
  absl::StatusOr<jobs::WorkRequestRecord> ReadableRequest(const Request& request,
                                                          const jobs::Caller& caller) {
    HUB_ASSIGN_OR_RETURN(jobs::WorkRequestRecord record, VisibleRequest(request, caller));
    if (!jobs::WorkRequestService::MaySeeContents(caller, record)) {
      return absl::PermissionDeniedError("the results of this request need MANAGE_WORK_REQUESTS");
    }
    return record;
  }

  Response Submit(Request& request, const Principal& principal) {
    auto submit = ParseSubmit(request);
    if (!submit.ok()) {
      return ErrorResponse(submit.status(), request);
    }
    jobs::Caller caller = CallerFor(request, principal);
    auto result = service.Submit(caller, *submit);
    if (!result.ok()) {
      return ErrorResponse(result.status(), request);
    }
    return RecordResponse(service, caller, result->request, options.entries_in_response);
  }

  Response List(Request& request, const Principal& principal) {
    auto filter = ParseFilter(request);
    if (!filter.ok()) {
      int code = filter.status().code() == absl::StatusCode::kOutOfRange ? 422 : 400;
      return Response::Error(code, common::ToString(filter.status().message()));
    }
    jobs::Caller caller = CallerFor(request, principal);
    auto records = service.List(caller, *filter);
    if (!records.ok()) {
      return ErrorResponse(records.status(), request);
    }
    nlohmann::ordered_json items = nlohmann::ordered_json::array();
    common::Micros now = common::SystemClock::Instance().NowMicros();
    for (const auto& record : *records) {
      items.push_back(WorkRequestJson(record, {}, false, now));
    }
    return Response::JsonText(200, nlohmann::ordered_json({{"items", items}}).dump());
  }

  Response Get(Request& request, const Principal& principal) {
    jobs::Caller caller = CallerFor(request, principal);
    auto record = VisibleRequest(request, caller);
    if (!record.ok()) {
      return ErrorResponse(record.status(), request);
    }
    auto include = common::ParseBoolSetting(request.Query("include_result").value_or("false"));
    auto csv = common::ParseBoolSetting(request.Query("csv_result").value_or("false"));
    if (!include.ok() || !csv.ok()) {
      return Response::Error(400, "include_result and csv_result must be true or false");
    }
    bool contents = jobs::WorkRequestService::MaySeeContents(caller, *record);
    if (!*include || record->status != jobs::RequestStatus::kCompleted || !contents) {
      return RecordResponse(service, caller, *record, options.entries_in_response);
    }
    return EmbeddedResult(request, *record, *csv);
  }

  // The upstream shape with the result inside: the request's JSON, streamed, with `result`
  // as CSV lines or as the model's row objects.
  Response EmbeddedResult(Request& request, const jobs::WorkRequestRecord& record, bool csv) {
    jobs::ResultOptions result_options;
    result_options.format =
        csv ? jobs::ResultFormat::kUpstreamCsvLines : jobs::ResultFormat::kUpstreamJson;
    auto reader =
        jobs::ResultReader::Open(service.blobs(), service.requests(), record, result_options);
    if (!reader.ok()) {
      return ErrorResponse(reader.status(), request);
    }
    auto json =
        WorkRequestJson(record, Entries(service.blobs(), record, options.entries_in_response), true,
                        common::SystemClock::Instance().NowMicros());
    json.erase("result");
    std::string text = json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    text.pop_back();  // the closing brace
    text += ",\"result\":[";
    Response response;
    response.headers.Set("Content-Type", "application/json");
    response.stream = std::make_shared<ResultBody>(std::move(*reader), std::move(text), "]}");
    return response;
  }

  Response Result(Request& request, const Principal& principal) {
    auto record = ReadableRequest(request, CallerFor(request, principal));
    if (!record.ok()) {
      return ErrorResponse(record.status(), request);
    }
    jobs::ResultOptions result_options;
    auto format = jobs::ParseResultFormat(request.Query("format").value_or("csv"));
    auto layout = jobs::ParseCsvLayout(request.Query("layout").value_or("ersilia"));
    auto errors = common::ParseBoolSetting(request.Query("errors").value_or("false"));
    if (!format.ok() || !layout.ok() || !errors.ok()) {
      return Response::Error(400, !format.ok()   ? common::ToString(format.status().message())
                                  : !layout.ok() ? common::ToString(layout.status().message())
                                                 : "errors must be true or false");
    }
    result_options.format = *format;
    result_options.layout = *layout;
    result_options.error_column = *errors;
    auto reader =
        jobs::ResultReader::Open(service.blobs(), service.requests(), *record, result_options);
    if (!reader.ok()) {
      return ErrorResponse(reader.status(), request);
    }
    static constexpr std::pair<jobs::ResultFormat, std::pair<const char*, const char*>> kTypes[] = {
        {jobs::ResultFormat::kCsv, {"text/csv; charset=utf-8", "csv"}},
        {jobs::ResultFormat::kJson, {"application/json", "json"}},
        {jobs::ResultFormat::kJsonLines, {"application/x-ndjson", "jsonl"}}};
    Response response;
    for (const auto& [f, type] : kTypes) {
      if (f == *format) {
        response.headers.Set("Content-Type", type.first);
        response.headers.Set("Content-Disposition",
                             fmt::format("attachment; filename=\"ersiliahub_{}_{}.{}\"",
                                         record->model_id, record->id, type.second));
      }
    }
    response.headers.Set("X-Hub-Request-Status",
                         std::string(jobs::RequestStatusName(record->status)));
    response.stream = std::make_shared<ResultBody>(std::move(*reader), "", "");
    return response;
  }

  Response Rows(Request& request, const Principal& principal) {
    auto record = ReadableRequest(request, CallerFor(request, principal));
    if (!record.ok()) {
      return ErrorResponse(record.status(), request);
    }
    auto offset =
        common::ParseIntSetting(request.Query("offset").value_or("0"), 0, std::int64_t{1} << 40);
    auto limit = common::ParseIntSetting(request.Query("limit").value_or("100"), 1,
                                         static_cast<std::int64_t>(options.max_page_rows));
    if (!offset.ok() || !limit.ok()) {
      return Response::Error(
          400, fmt::format("offset must be ≥ 0 and limit between 1 and {}", options.max_page_rows));
    }
    auto reader = jobs::ResultReader::Open(service.blobs(), service.requests(), *record, {});
    if (!reader.ok() || !(*reader)->Skip(static_cast<std::uint64_t>(*offset)).ok()) {
      return ErrorResponse(
          reader.ok() ? absl::UnavailableError("cannot read results") : reader.status(), request);
    }
    std::string rows = "[";
    for (std::int64_t i = 0; i < *limit; ++i) {
      auto row = (*reader)->NextRow();
      if (!row.ok()) {
        return ErrorResponse(row.status(), request);
      }
      if (!*row) {
        break;
      }
      nlohmann::json item = {{"row", (*row)->row},
                             {"key", (*row)->key},
                             {"input", (*row)->input},
                             {"id", (*row)->id},
                             {"error", (*row)->error.empty() ? nlohmann::json(nullptr)
                                                             : nlohmann::json((*row)->error)}};
      std::string text = item.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      text.pop_back();
      text +=
          ",\"values\":" + ((*row)->values.empty() ? std::string("null") : (*row)->values) + "}";
      rows += (rows.size() > 1 ? "," : "") + text;
    }
    rows += "]";
    nlohmann::json columns = (*reader)->columns();
    std::string body = fmt::format(R"({{"id":{},"total":{},"offset":{},"columns":{},"rows":{}}})",
                                   record->id, record->rows_total, *offset, columns.dump(), rows);
    return Response::JsonText(200, std::move(body));
  }

  Response Events(Request& request, const Principal& principal) {
    jobs::Caller caller = CallerFor(request, principal);
    auto record = VisibleRequest(request, caller);
    if (!record.ok()) {
      return ErrorResponse(record.status(), request);
    }
    auto last = std::make_shared<std::string>();
    jobs::WorkRequestService* svc = &service;
    std::int64_t request_id = record->id;
    auto poll = [svc, caller, request_id, last](std::vector<http::SseEvent>& events) {
      auto current = svc->Get(caller, request_id);
      if (!current.ok()) {
        events.push_back({"error", R"({"detail":"the request is gone"})", ""});
        return false;
      }
      nlohmann::json progress = ProgressJson(*current, common::SystemClock::Instance().NowMicros());
      progress["id"] = current->id;
      progress["request_status"] = std::string(jobs::RequestStatusName(current->status));
      progress["request_status_reason"] = current->status_reason;
      std::string data = progress.dump();
      if (data != *last) {
        *last = data;
        events.push_back({"progress", data, std::to_string(current->last_updated)});
      }
      if (jobs::IsTerminal(current->status)) {
        events.push_back({"done", data, ""});
        return false;
      }
      return true;
    };
    return http::SseResponse(
        std::make_shared<http::PollingSseStream>(poll, options.events_interval));
  }

  Response Cancel(Request& request, const Principal& principal) {
    jobs::Caller caller = CallerFor(request, principal);
    auto id = RequestId(request);
    auto record = id.ok() ? service.Cancel(caller, *id) : id.status();
    if (!record.ok()) {
      return ErrorResponse(record.status(), request);
    }
    return RecordResponse(service, caller, *record, 0);
  }

  Response Update(Request& request, const Principal& principal) {
    jobs::Caller caller = CallerFor(request, principal);
    auto id = RequestId(request);
    auto body = http::ParseJsonObject(request);
    if (!id.ok() || !body.ok()) {
      return ErrorResponse(id.ok() ? body.status() : id.status(), request);
    }
    absl::StatusOr<jobs::WorkRequestRecord> record = service.Get(caller, *id);
    if (body->contains("priority")) {
      if (!(*body)["priority"].is_number_integer()) {
        return Response::Error(400, "priority must be an integer");
      }
      record = service.SetPriority(caller, *id, (*body)["priority"].get<int>());
    }
    if (record.ok() && body->contains("request_status")) {
      if ((*body)["request_status"] != "CANCELLED") {
        return Response::Error(
            400, "request_status can only be set to CANCELLED; the hub decides the others");
      }
      record = service.Cancel(caller, *id);
    }
    if (!record.ok()) {
      return ErrorResponse(record.status(), request);
    }
    return RecordResponse(service, caller, *record, 0);
  }
};

http::RouteOptions SubmitOptions(std::uint64_t max_upload) {
  http::RouteOptions options;
  options.max_body_bytes = max_upload;
  options.spool_body = true;
  options.content_types = {"application/json",
                           "multipart/form-data",
                           "text/csv",
                           "text/plain",
                           "text/tab-separated-values",
                           "chemical/x-daylight-smiles",
                           "application/octet-stream",
                           ""};
  return options;
}

}  // namespace

void AddWorkRequestStatsRoutes(ApiRoutes& routes, store::Database& db);

void AddWorkRequestRoutes(ApiRoutes& routes,
                          jobs::WorkRequestService& service,
                          store::Database& db,
                          WorkRequestsApiOptions options) {
  auto handlers = std::make_shared<Handlers>(Handlers{service, options});
  auto bind = [handlers](Response (Handlers::*method)(Request&, const Principal&)) {
    return [handlers, method](Request& r, const Principal& p) {
      return ((*handlers).*method)(r, p);
    };
  };
  routes.Require(Permission::kSubmitWorkRequests, Method::kPost, "/api/work-requests",
                 bind(&Handlers::Submit), SubmitOptions(options.max_upload_bytes));
  routes.Authenticated(Method::kGet, "/api/work-requests", bind(&Handlers::List));
  routes.Authenticated(Method::kGet, "/api/work-requests/{id}", bind(&Handlers::Get));
  routes.Require(Permission::kManageWorkRequests, Method::kPut, "/api/work-requests/{id}",
                 bind(&Handlers::Update), http::JsonBody());
  routes.Authenticated(Method::kPost, "/api/work-requests/{id}/cancel", bind(&Handlers::Cancel));
  routes.Authenticated(Method::kGet, "/api/work-requests/{id}/result", bind(&Handlers::Result));
  routes.Authenticated(Method::kGet, "/api/work-requests/{id}/rows", bind(&Handlers::Rows));
  routes.Authenticated(Method::kGet, "/api/work-requests/{id}/events", bind(&Handlers::Events));
  AddWorkRequestStatsRoutes(routes, db);
}

}  // namespace hub::api
