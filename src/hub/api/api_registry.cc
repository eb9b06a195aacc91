#include "hub/api/api_registry.h"

#include "hub/api/auth_api.h"
#include "hub/api/instances_api.h"
#include "hub/api/models_api.h"
#include "hub/api/users_api.h"
#include "hub/common/status_macros.h"

namespace hub::api {

void AddApiRoutes(ApiRoutes& routes, const ApiServices& services) {
  HUB_CHECK(services.auth != nullptr);
  AddAuthRoutes(routes, *services.auth);
  AddUsersRoutes(routes, *services.auth);
  if (services.runtime != nullptr) {
    AddModelRoutes(routes, services.runtime->models(), services.runtime->pool(),
                   {services.public_model_catalog});
    AddInstanceRoutes(routes, *services.runtime);
  }
  if (services.jobs != nullptr) {
    HUB_CHECK(services.db != nullptr);
    AddWorkRequestRoutes(routes, services.jobs->service(), *services.db, services.work_requests);
  }
}

ApiRoutes::Authenticator SessionAuthenticator(auth::AuthModule& auth) {
  return [&auth](const http::Request& request) {
    return auth.sessions().Authenticate(request.Header("Authorization"));
  };
}

}  // namespace hub::api
