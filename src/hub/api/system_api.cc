#include "hub/api/system_api.h"

#include <memory>

#include "fmt/format.h"
#include "nlohmann/json.hpp"

#include "hub/common/embedded_file.h"
#include "hub/common/status_macros.h"
#include "hub/common/strings.h"
#include "hub/common/yaml_json.h"
#include "hub/http/static_files.h"
#include "hub/metrics/registry.h"

namespace hub::api {

std::span<const common::EmbeddedFile> ApiSpecFiles();

namespace {

using http::Method;
using http::Request;
using http::Response;

http::RouteOptions Probe() {
  http::RouteOptions options;
  options.inline_handler = true;
  options.quiet = true;
  return options;
}

Response Ok() {
  return Response::JsonText(200, R"({"status":"ok"})");
}

void AddProbes(http::Router& router, std::function<absl::Status()> readiness) {
  router.Add(
      Method::kGet, "/healthz", [](Request&) { return Ok(); }, Probe());
  router.Add(
      Method::kGet, "/livez", [](Request&) { return Ok(); }, Probe());
  http::RouteOptions ready_options = Probe();
  ready_options.inline_handler = false;  // touches the database
  router.Add(
      Method::kGet, "/readyz",
      [readiness = std::move(readiness)](Request&) {
        absl::Status status = readiness ? readiness() : absl::OkStatus();
        if (status.ok()) {
          return Ok();
        }
        return Response::Json(
            503, {{"status", "unavailable"}, {"detail", common::ToString(status.message())}});
      },
      ready_options);
}

void AddDocs(http::Router& router, const std::string& web_dir) {
  router.Add(Method::kGet, "/api/v1/openapi.json",
             [](Request&) { return Response::JsonText(200, OpenApiJson()); });
  if (web_dir.empty()) {
    return;
  }
  auto docs = std::make_shared<http::StaticFiles>(web_dir + "/api-docs", false);
  // The page links its assets by absolute path, so it works with and without the slash.
  router.Add(Method::kGet, "/api/v1/docs",
             [docs](Request& request) { return docs->Serve(request, "index.html"); });
  router.Add(Method::kGet, "/api/v1/docs/{file*}",
             [docs](Request& request) { return docs->Serve(request, request.Param("file")); });
}

}  // namespace

const std::string& OpenApiJson() {
  static const std::string* json = [] {
    auto yaml = common::FindEmbeddedFile(ApiSpecFiles(), "openapi.yaml");
    HUB_CHECK(yaml.has_value());
    auto document = common::YamlToJson(*yaml);
    HUB_CHECK(document.ok());
    return new std::string(document->dump());
  }();
  return *json;
}

void AddSystemRoutes(http::Router& router, SystemApiOptions options) {
  OpenApiJson();  // converts the spec now, not on the first request
  AddProbes(router, std::move(options.readiness));
  metrics::Registry* metrics = options.metrics;
  if (metrics != nullptr) {
    http::RouteOptions quiet;
    quiet.quiet = true;
    router.Add(
        Method::kGet, "/metrics",
        [metrics](Request&) {
          return Response::Text(200, metrics->Serialize(), "text/plain; version=0.0.4");
        },
        quiet);
  }
  AddDocs(router, options.web_dir);
  if (!options.web_dir.empty()) {
    auto ui = std::make_shared<http::StaticFiles>(options.web_dir, true);
    router.SetFallback([ui](Request& request) {
      std::string_view path = request.path;
      // API clients get the JSON error model, never the UI's index page.
      if (path.rfind("/api/", 0) == 0) {
        return Response::Error(404, fmt::format("no route for GET {}", path));
      }
      return ui->Serve(request, path.empty() ? path : path.substr(1));
    });
  }
}

}  // namespace hub::api
