#pragma once

// The `/api/auth` endpoints (upstream-server.md §2.2 plus API keys): signup, login,
// anonymous login, logout, session refresh, the caller's permissions, and API keys.

#include "hub/api/api_routes.h"
#include "hub/auth/auth_module.h"

namespace hub::api {

// Registers the endpoints on `routes`. `auth` must outlive the server.
void AddAuthRoutes(ApiRoutes& routes, auth::AuthModule& auth);

}  // namespace hub::api
