#include "hub/api/model_server_api.h"

#include <unistd.h>

#include <cstdint>
#include <deque>
#include <fstream>
#include <mutex>
#include <unordered_map>

#include "fmt/format.h"

#include "hub/api/status_to_http.h"
#include "hub/common/clock.h"
#include "hub/common/random.h"
#include "hub/common/strings.h"
#include "hub/common/thread_pool.h"
#include "hub/common/time_format.h"
#include "hub/metrics/registry.h"
#include "hub/models/batch_runner.h"
#include "hub/models/protocol.h"

namespace hub::api {
namespace {

using http::Method;
using http::Request;
using http::Response;

constexpr std::uint64_t kMaxRunBody = 256ull << 20;

// Like ersilia-pack (FastAPI), accept JSON sent without a Content-Type.
http::RouteOptions RunBody() {
  http::RouteOptions options = http::JsonBody(kMaxRunBody);
  options.content_types.emplace_back();
  return options;
}

double MemoryUsedPercent() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  double total = 0, available = 0, value = 0;
  std::string unit;
  while (in >> key >> value >> unit) {
    if (key == "MemTotal:") {
      total = value;
    } else if (key == "MemAvailable:") {
      available = value;
    }
  }
  return total > 0 ? 100.0 * (total - available) / total : 0.0;
}

double CpuLoadPercent() {
  std::ifstream in("/proc/loadavg");
  double one_minute = 0;
  in >> one_minute;
  const auto cores = sysconf(_SC_NPROCESSORS_ONLN);
  return cores > 0 ? std::min(100.0, 100.0 * one_minute / static_cast<double>(cores)) : 0.0;
}

double ResidentMib() {
  std::ifstream in("/proc/self/statm");
  std::int64_t pages = 0;
  std::int64_t resident = 0;
  in >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / 1048576.0;
}

// Query parameters of `/run` and `/job/submit` that change the answer.
struct RunQuery {
  models::RunRenderOptions render;
};

absl::StatusOr<RunQuery> ParseRunQuery(const Request& request) {
  RunQuery query;
  auto orient = models::ParseOrient(request.Query("orient").value_or(""));
  if (!orient.ok()) {
    return orient.status();
  }
  query.render.orient = *orient;
  auto errors =
      models::ParseBoolParameter("include_errors", request.Query("include_errors").value_or(""));
  if (!errors.ok()) {
    return errors.status();
  }
  query.render.include_errors = *errors;
  return query;
}

}  // namespace

class ModelServer::Impl {
public:
  Impl(models::ModelPtr model, ModelServerOptions options)
      : model_(std::move(model)),
        options_(std::move(options)),
        compute_(std::max<size_t>(1, options_.compute_threads), "compute"),
        jobs_runner_(1, "jobs"),
        started_(common::FormatTimestamp(common::SystemClock::Instance().NowMicros())) {}

  void AddRoutes(http::Router& router, metrics::Registry* metrics);

private:
  struct Job {
    std::string status = "pending";  // pending | completed | failed
    std::string result;              // the /run JSON once completed
  };

  Response Run(const Request& request);
  Response Submit(const Request& request);
  Response JobStatus(const Request& request, bool with_result);
  Response ResetJobs();
  Response Health() const;
  Response Status() const;
  void Remember(const std::string& id);

  models::ModelPtr model_;
  ModelServerOptions options_;
  common::ThreadPool compute_;
  // Runs submitted jobs one at a time; each uses every compute thread.
  common::ThreadPool jobs_runner_;
  std::string started_;

  std::mutex jobs_mu_;
  std::unordered_map<std::string, std::shared_ptr<Job>> jobs_;
  std::deque<std::string> job_order_;
};

Response ModelServer::Impl::Run(const Request& request) {
  auto query = ParseRunQuery(request);
  if (!query.ok()) {
    return Response::Error(422, common::ToString(query.status().message()));
  }
  auto body = models::ParseRunBody(request.body);
  if (!body.ok()) {
    return Response::Error(422, common::ToString(body.status().message()));
  }
  // The compute threads render the rows they compute, and the pieces go to the socket as they
  // are: a fingerprint answer (26 MB per 1000 molecules) is never copied into one string.
  models::RenderedBatch answer =
      models::RunAndRender(*model_, body->inputs, query->render, &compute_);
  Response response = Response::JsonPieces(200, std::move(answer.pieces));
  response.headers.Set(std::string(models::kRowErrorsHeader), std::to_string(answer.row_errors));
  return response;
}

void ModelServer::Impl::Remember(const std::string& id) {
  job_order_.push_back(id);
  while (job_order_.size() > options_.max_jobs) {
    const std::string& oldest = job_order_.front();
    auto it = jobs_.find(oldest);
    if (it != jobs_.end() && it->second->status == "pending") {
      break;  // never forget work in progress
    }
    jobs_.erase(oldest);
    job_order_.pop_front();
  }
}

Response ModelServer::Impl::Submit(const Request& request) {
  auto query = ParseRunQuery(request);
  if (!query.ok()) {
    return Response::Error(422, common::ToString(query.status().message()));
  }
  auto body = models::ParseRunBody(request.body);
  if (!body.ok()) {
    return Response::Error(422, common::ToString(body.status().message()));
  }
  std::string id = common::NewUuid();
  auto job = std::make_shared<Job>();
  {
    std::lock_guard<std::mutex> lock(jobs_mu_);
    jobs_[id] = job;
    Remember(id);
  }
  auto inputs = std::make_shared<std::vector<std::string>>(std::move(body->inputs));
  models::RunRenderOptions render = query->render;
  jobs_runner_.Submit([this, job, inputs, render] {
    models::RenderedBatch answer = models::RunAndRender(*model_, *inputs, render, &compute_);
    std::string result;
    result.reserve(answer.bytes);
    for (const std::string& piece : answer.pieces) {
      result += piece;
    }
    std::lock_guard<std::mutex> lock(jobs_mu_);
    job->result = std::move(result);
    job->status = "completed";
  });
  return Response::Json(200, {{"job_id", id}, {"message", "Job submitted successfully."}});
}

Response ModelServer::Impl::JobStatus(const Request& request, bool with_result) {
  std::string id(request.Param("job_id"));
  std::lock_guard<std::mutex> lock(jobs_mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) {
    return Response::Error(404, "Job not found");
  }
  const Job& job = *it->second;
  if (with_result && job.status == "completed") {
    return Response::JsonText(200, job.result);
  }
  nlohmann::json body = {{"job_id", id}, {"status", job.status}};
  if (with_result) {
    body["result"] = nullptr;
  }
  return Response::Json(200, body);
}

Response ModelServer::Impl::ResetJobs() {
  std::lock_guard<std::mutex> lock(jobs_mu_);
  std::erase_if(jobs_, [](const auto& entry) { return entry.second->status != "pending"; });
  std::erase_if(job_order_, [this](const std::string& id) { return !jobs_.contains(id); });
  return Response::Json(200, {{"message", "Jobs reset."}});
}

Response ModelServer::Impl::Health() const {
  nlohmann::json breaker = {{"state", "closed"},
                            {"failures", 0},
                            {"last_failure", nullptr},
                            {"reset_timeout", 60},
                            {"next_reset", nullptr}};
  nlohmann::json system = {{"cpu", CpuLoadPercent()}, {"memory", MemoryUsedPercent()}};
  return Response::Json(200, {{"breaker", breaker}, {"system", system}});
}

Response ModelServer::Impl::Status() const {
  models::ServerStatus status;
  status.model_version = options_.model_version;
  status.max_workers = static_cast<int>(compute_.size());
  status.workers.push_back({"0", started_, "READY", ResidentMib(), getpid()});
  return Response::JsonText(200, models::RenderModelsStatus(model_->info(), status));
}

void ModelServer::Impl::AddRoutes(http::Router& router, metrics::Registry* metrics) {
  const models::ModelInfo& info = model_->info();
  http::RouteOptions probe;
  probe.inline_handler = true;
  probe.quiet = true;
  router.Add(
      Method::kGet, "/",
      [&info](Request&) { return Response::JsonText(200, models::RenderRoot(info)); }, probe);
  router.Add(
      Method::kGet, "/healthz", [this](Request&) { return Health(); }, probe);
  router.Add(Method::kGet, "/models/status", [this](Request&) { return Status(); });
  router.Add(Method::kGet, "/card",
             [&info](Request&) { return Response::JsonText(200, models::RenderCard(info)); });
  router.Add(Method::kGet, "/card/{field}", [&info](Request& request) {
    auto field = models::RenderCardField(info, request.Param("field"));
    if (!field.ok()) {
      int code = field.status().code() == absl::StatusCode::kNotFound ? 404 : 422;
      return Response::Error(code, common::ToString(field.status().message()));
    }
    return Response::JsonText(200, *field);
  });
  router.Add(Method::kGet, "/run/example/input", [&info](Request&) {
    return Response::JsonText(200, models::RenderExampleInput(info));
  });
  router.Add(Method::kGet, "/run/example/output", [&info](Request& request) {
    auto orient = models::ParseOrient(request.Query("orient").value_or(""));
    if (!orient.ok()) {
      return Response::Error(422, common::ToString(orient.status().message()));
    }
    return Response::JsonText(200, models::RenderExampleOutput(info, *orient));
  });
  router.Add(Method::kGet, "/run/columns/input", [&info](Request&) {
    return Response::JsonText(200, models::RenderInputColumns(info));
  });
  router.Add(Method::kGet, "/run/columns/output", [&info](Request&) {
    return Response::JsonText(200, models::RenderOutputColumns(info));
  });
  router.Add(
      Method::kPost, "/run", [this](Request& r) { return Run(r); }, RunBody());
  router.Add(
      Method::kPost, "/job/submit", [this](Request& r) { return Submit(r); }, RunBody());
  router.Add(Method::kGet, "/job/status/{job_id}",
             [this](Request& r) { return JobStatus(r, false); });
  router.Add(Method::kGet, "/job/result/{job_id}",
             [this](Request& r) { return JobStatus(r, true); });
  router.Add(Method::kPost, "/job/jobs/reset", [this](Request&) { return ResetJobs(); });
  if (metrics != nullptr) {
    router.Add(
        Method::kGet, "/metrics",
        [metrics](Request&) {
          return Response::Text(200, metrics->Serialize(), "text/plain; version=0.0.4");
        },
        probe);
  }
}

ModelServer::ModelServer(models::ModelPtr model, ModelServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(model), std::move(options))) {}

ModelServer::~ModelServer() = default;

void ModelServer::AddRoutes(http::Router& router, metrics::Registry* metrics) {
  impl_->AddRoutes(router, metrics);
}

}  // namespace hub::api
