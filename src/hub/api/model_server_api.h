#pragma once

#include <memory>
#include <string>

#include "hub/http/router.h"
#include "hub/models/model.h"

namespace hub::metrics {
class Registry;
}  // namespace hub::metrics

namespace hub::api {

struct ModelServerOptions {
  // Threads computing molecules; a batch uses all of them.
  size_t compute_threads = 1;
  // Asynchronous jobs kept in memory (oldest finished ones are forgotten first).
  size_t max_jobs = 1000;
  std::string model_version = "1.0";
};

// The Ersilia model-container HTTP protocol (what `ersiliaos/<id>` images serve on port 80,
// ../shared/reference/ersilia-models.md §1) for one built-in model: `GET /`, `/healthz`,
// `/models/status`, `/card`, `/card/{field}`, `/run/example/*`, `/run/columns/*`, `POST /run`
// and the asynchronous `/job/*` endpoints, plus `/metrics`. Handlers parse, call the
// renderers of `models/protocol.h` and the batch runner, and serialize.
//
// Thread-safe once `AddRoutes` has run; owns the model and its compute threads.
class ModelServer final {
public:
  ModelServer(models::ModelPtr model, ModelServerOptions options);
  ~ModelServer();

  ModelServer(const ModelServer&) = delete;
  ModelServer& operator=(const ModelServer&) = delete;

  // Registers the protocol's routes. `metrics` (may be null) adds `/metrics`.
  void AddRoutes(http::Router& router, metrics::Registry* metrics);

  class Impl;

private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace hub::api
