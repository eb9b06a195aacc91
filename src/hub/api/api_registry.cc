#include "hub/api/api_registry.h"

#include "hub/api/auth_api.h"
#include "hub/api/users_api.h"
#include "hub/common/status_macros.h"

namespace hub::api {

void AddApiRoutes(ApiRoutes& routes, const ApiServices& services) {
  HUB_CHECK(services.auth != nullptr);
  AddAuthRoutes(routes, *services.auth);
  AddUsersRoutes(routes, *services.auth);
}

ApiRoutes::Authenticator SessionAuthenticator(auth::AuthModule& auth) {
  return [&auth](const http::Request& request) {
    return auth.sessions().Authenticate(request.Header("Authorization"));
  };
}

}  // namespace hub::api
