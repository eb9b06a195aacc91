#pragma once

// Every API endpoint of the hub, registered through `ApiRoutes` so each declares its access.
// Later modules add their services to `ApiServices` and one `Add...Routes` call here.

#include "hub/api/api_routes.h"
#include "hub/api/work_requests_api.h"
#include "hub/auth/auth_module.h"
#include "hub/jobs/jobs_module.h"
#include "hub/runtime/runtime_module.h"
#include "hub/store/database.h"

namespace hub::api {

// The services the API handlers call. Not owned; they must outlive the server.
struct ApiServices {
  auth::AuthModule* auth = nullptr;
  // Models, instances, metrics and recommendations; their routes are added when set.
  runtime::RuntimeModule* runtime = nullptr;
  // Model list and get are public (the UI's browse-before-login), else VIEW_MODELS.
  bool public_model_catalog = false;
  // Work requests and their statistics; their routes are added when set.
  jobs::JobsModule* jobs = nullptr;
  store::Database* db = nullptr;  // statistics queries; REQUIRES: set with `jobs`
  WorkRequestsApiOptions work_requests;
};

// Registers every API endpoint. REQUIRES: each service pointer is set.
void AddApiRoutes(ApiRoutes& routes, const ApiServices& services);

// The authenticator `ApiRoutes` uses: the request's `Authorization` header, checked by the
// session service.
ApiRoutes::Authenticator SessionAuthenticator(auth::AuthModule& auth);

}  // namespace hub::api
