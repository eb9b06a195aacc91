#pragma once

#include <functional>
#include <string>

#include "absl/status/status.h"

#include "hub/http/router.h"

namespace hub::metrics {
class Registry;
}  // namespace hub::metrics

namespace hub::api {

struct SystemApiOptions {
  // Returns OK when the hub can serve (database reachable, migrations applied), else an
  // error whose message is shown in the /readyz body.
  std::function<absl::Status()> readiness;
  metrics::Registry* metrics = nullptr;
  // Directory of the built web UI; empty serves no UI and no API docs page.
  std::string web_dir;
};

// Adds the health probes (/healthz, /livez, /readyz), /metrics, the OpenAPI document
// (/api/v1/openapi.json), the API docs page (/api/v1/docs) and, when `web_dir` is set, the web
// UI as the router's fallback. All are public.
void AddSystemRoutes(http::Router& router, SystemApiOptions options);

// The OpenAPI document kept in src/hub/api/openapi.yaml, as JSON text.
const std::string& OpenApiJson();

}  // namespace hub::api
