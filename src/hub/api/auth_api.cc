#include "hub/api/auth_api.h"

#include "hub/api/auth_json.h"
#include "hub/api/json_fields.h"
#include "hub/api/status_to_http.h"
#include "hub/auth/credentials.h"
#include "hub/common/status_macros.h"
#include "hub/common/time_format.h"
#include "hub/http/json_body.h"

namespace hub::api {
namespace {

using http::Method;
using http::Request;
using http::Response;

// Auth bodies are small; anything bigger is refused before it is read.
constexpr std::uint64_t kMaxBodyBytes = 16 << 10;
// Generous bounds for parsing; the services apply the real rules with precise messages.
constexpr size_t kMaxField = 1024;

auth::ClientInfo Client(const Request& request, const auth::AuthModule& auth) {
  std::string agent(request.Header("User-Agent").value_or(""));
  return {ClientAddress(request, auth.options().trust_forwarded_for), std::move(agent)};
}

// Takes a rate-limit token; a 429 response when there is none.
std::optional<Response> Limited(auth::AuthModule& auth,
                                auth::RateAction action,
                                const Request& request) {
  std::string client = ClientAddress(request, auth.options().trust_forwarded_for);
  if (auto wait = auth.rate_limiter().Take(action, client)) {
    return TooManyRequests(auth::RateActionName(action), *wait);
  }
  return std::nullopt;
}

absl::StatusOr<auth::NewAccount> ParseSignup(const Request& request) {
  HUB_ASSIGN_OR_RETURN(nlohmann::json body, http::ParseJsonObject(request));
  JsonFields fields(body);
  HUB_ASSIGN_OR_RETURN(JsonFields user, fields.RequiredObject("user"));
  auth::NewAccount account;
  HUB_ASSIGN_OR_RETURN(account.username, user.RequiredString("username", kMaxField));
  HUB_ASSIGN_OR_RETURN(account.first_name, user.RequiredString("first_name", kMaxField));
  HUB_ASSIGN_OR_RETURN(account.last_name, user.RequiredString("last_name", kMaxField));
  HUB_ASSIGN_OR_RETURN(account.email, user.RequiredString("email", kMaxField));
  HUB_ASSIGN_OR_RETURN(account.password, fields.RequiredString("password", kMaxField));
  return account;
}

absl::StatusOr<auth::UsernamePassword> ParseLogin(const Request& request) {
  HUB_ASSIGN_OR_RETURN(nlohmann::json body, http::ParseJsonObject(request));
  JsonFields fields(body);
  HUB_ASSIGN_OR_RETURN(std::string encoding, fields.RequiredString("encoding", 4 * kMaxField));
  HUB_ASSIGN_OR_RETURN(auto auth_type, fields.OptionalString("auth_type", 64));
  if (auth_type && *auth_type == "ErsiliaAnonymous") {
    return absl::InvalidArgumentError(
        "anonymous sessions start with POST /api/auth/anonymous-login/{key}");
  }
  if (auth_type && *auth_type != "ErsiliaUser") {
    return absl::InvalidArgumentError("auth_type must be ErsiliaUser");
  }
  return auth::DecodeLoginEncoding(encoding);
}

Response Signup(auth::AuthModule& auth, Request& request) {
  if (auto limited = Limited(auth, auth::RateAction::kSignup, request)) {
    return *limited;
  }
  auto account = ParseSignup(request);
  if (!account.ok()) {
    return ErrorResponse(account.status(), request);
  }
  auto user = auth.users().Signup(*account);
  return user.ok() ? Response::Json(200, UserJson(*user)) : ErrorResponse(user.status(), request);
}

Response AnonymousLogin(auth::AuthModule& auth, Request& request) {
  if (auto limited = Limited(auth, auth::RateAction::kAnonymousLogin, request)) {
    return *limited;
  }
  auto login = auth.sessions().AnonymousLogin(request.Param("session_id"), Client(request, auth));
  return login.ok() ? Response::Json(200, LoginJson(*login))
                    : ErrorResponse(login.status(), request);
}

Response Login(auth::AuthModule& auth, Request& request) {
  if (auto limited = Limited(auth, auth::RateAction::kLogin, request)) {
    return *limited;
  }
  auto credentials = ParseLogin(request);
  if (!credentials.ok()) {
    return ErrorResponse(credentials.status(), request);
  }
  auto login =
      auth.sessions().Login(credentials->username, credentials->password, Client(request, auth));
  return login.ok() ? Response::Json(200, LoginJson(*login))
                    : ErrorResponse(login.status(), request);
}

Response Logout(auth::AuthModule& auth, Request& request, const auth::Principal& principal) {
  absl::Status ended = auth.sessions().Logout(principal);
  return ended.ok() ? Response::JsonText(200, R"({"status":"ok"})") : ErrorResponse(ended, request);
}

Response Refresh(auth::AuthModule& auth, Request& request, const auth::Principal& principal) {
  auto session = auth.sessions().Refresh(principal);
  return session.ok() ? Response::Json(200, SessionJson(*session))
                      : ErrorResponse(session.status(), request);
}

Response Permissions(auth::AuthModule& auth, Request& request, const auth::Principal& principal) {
  auto stored = auth.users().PermissionsOf(principal);
  if (!stored.ok()) {
    return ErrorResponse(stored.status(), request);
  }
  nlohmann::json last_updated = nullptr;
  if (stored->updated_at > 0) {
    last_updated = common::FormatTimestamp(stored->updated_at);
  }
  return Response::Json(200, {{"userid", principal.user_id},
                              {"permissions", principal.permissions.Names()},
                              {"last_updated", last_updated}});
}

Response CreateApiKey(auth::AuthModule& auth, Request& request, const auth::Principal& principal) {
  auto body = http::ParseJsonObject(request);
  if (!body.ok()) {
    return ErrorResponse(body.status(), request);
  }
  auto name = JsonFields(*body).RequiredString("name", auth::kMaxApiKeyNameLength);
  if (!name.ok()) {
    return ErrorResponse(name.status(), request);
  }
  auto created = auth.api_keys().Create(principal, *name);
  if (!created.ok()) {
    return ErrorResponse(created.status(), request);
  }
  nlohmann::json json = ApiKeyJson(created->record);
  json["key"] = created->key;
  return Response::Json(201, json);
}

Response ListApiKeys(auth::AuthModule& auth, Request& request, const auth::Principal& principal) {
  auto keys = auth.api_keys().List(principal);
  if (!keys.ok()) {
    return ErrorResponse(keys.status(), request);
  }
  nlohmann::json items = nlohmann::json::array();
  for (const auto& key : *keys) {
    items.push_back(ApiKeyJson(key));
  }
  return Response::Json(200, {{"items", items}});
}

Response RevokeApiKey(auth::AuthModule& auth, Request& request, const auth::Principal& principal) {
  absl::Status revoked = auth.api_keys().Revoke(principal, std::string(request.Param("id")));
  return revoked.ok() ? Response::JsonText(200, R"({"result":"SUCCESS"})")
                      : ErrorResponse(revoked, request);
}

}  // namespace

void AddAuthRoutes(ApiRoutes& routes, auth::AuthModule& auth) {
  http::RouteOptions secret_path;
  secret_path.secret_path = true;  // the path holds the anonymous key
  routes.Public(Method::kPost, "/api/auth/signup", Bind(auth, Signup),
                http::JsonBody(kMaxBodyBytes));
  routes.Public(Method::kPost, "/api/auth/anonymous-login/{session_id}", Bind(auth, AnonymousLogin),
                secret_path);
  routes.Public(Method::kPost, "/api/auth/login", Bind(auth, Login), http::JsonBody(kMaxBodyBytes));

  routes.Authenticated(Method::kPost, "/api/auth/logout", Bind(auth, Logout));
  routes.Authenticated(Method::kPost, "/api/auth/session/refresh", Bind(auth, Refresh));
  routes.Authenticated(Method::kGet, "/api/auth/permissions", Bind(auth, Permissions));

  routes.Authenticated(Method::kPost, "/api/auth/api-keys", Bind(auth, CreateApiKey),
                       http::JsonBody(kMaxBodyBytes));
  routes.Authenticated(Method::kGet, "/api/auth/api-keys", Bind(auth, ListApiKeys));
  routes.Authenticated(Method::kDelete, "/api/auth/api-keys/{id}", Bind(auth, RevokeApiKey));
}

}  // namespace hub::api
