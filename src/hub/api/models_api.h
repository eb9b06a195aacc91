#pragma once

// `/api/models`: the model registry (upstream-server.md §2.4) plus the catalog import.
//
//   GET    /api/models                                   VIEW_MODELS (public: see below)
//   GET    /api/models/{model_id}                        VIEW_MODELS (public: see below)
//   POST   /api/models                                   MANAGE_MODELS
//   PUT    /api/models/{model_id}                        MANAGE_MODELS
//   POST   /api/models/import                            MANAGE_MODELS
//   DELETE /api/models/{model_id}/cache                  MANAGE_MODELS
//   GET    /api/models/{model_id}/ersilia-catalog-details VIEW_MODELS
//   GET    /api/models/{model_id}/identification-details  VIEW_MODELS
//   GET    /api/models/{model_id}/scaling-info           K8S_ADMIN
//
// With `public_catalog`, list and get are public, so the UI can show the models before login.
// Handlers parse (runtime_json.h), call the model service or the pool, and serialize.

#include "hub/api/api_routes.h"
#include "hub/runtime/instance_pool.h"
#include "hub/runtime/model_service.h"

namespace hub::api {

struct ModelsApiOptions {
  bool public_catalog = false;
};

// Registers the routes above. `models` and `pool` must outlive the server.
void AddModelRoutes(ApiRoutes& routes,
                    runtime::ModelService& models,
                    runtime::InstancePool& pool,
                    const ModelsApiOptions& options);

}  // namespace hub::api
