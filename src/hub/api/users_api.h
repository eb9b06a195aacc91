#pragma once

// The `/api/users` endpoints (upstream-server.md §2.3): list, get, delete, password,
// permissions, clearing data and contributions, forgotten-password mails and reset tokens.

#include "hub/api/api_routes.h"
#include "hub/auth/auth_module.h"

namespace hub::api {

// Registers the endpoints on `routes`. `auth` must outlive the server.
void AddUsersRoutes(ApiRoutes& routes, auth::AuthModule& auth);

}  // namespace hub::api
