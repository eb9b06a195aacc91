#include "hub/api/users_api.h"

#include "fmt/format.h"

#include "hub/api/auth_json.h"
#include "hub/api/json_fields.h"
#include "hub/api/status_to_http.h"
#include "hub/common/settings.h"
#include "hub/common/status_macros.h"
#include "hub/http/json_body.h"

namespace hub::api {
namespace {

using auth::Permission;
using auth::Principal;
using http::Method;
using http::Request;
using http::Response;

constexpr std::uint64_t kMaxBodyBytes = 16 << 10;
constexpr size_t kMaxField = 1024;
constexpr size_t kMaxFilter = 256;

Response Success() {
  return Response::JsonText(200, R"({"result":"SUCCESS"})");
}

Response SuccessOr(const absl::Status& status, const Request& request) {
  return status.ok() ? Success() : ErrorResponse(status, request);
}

absl::StatusOr<std::optional<std::string>> Filter(const Request& request, std::string_view name) {
  std::optional<std::string_view> value = request.Query(name);
  if (!value || value->empty()) {
    return std::nullopt;
  }
  if (value->size() > kMaxFilter) {
    return absl::InvalidArgumentError(
        fmt::format("{} must be at most {} characters", name, kMaxFilter));
  }
  return std::string(*value);
}

absl::StatusOr<auth::UserFilter> ParseFilter(const Request& request) {
  auth::UserFilter filter;
  HUB_ASSIGN_OR_RETURN(filter.username, Filter(request, "username"));
  HUB_ASSIGN_OR_RETURN(filter.username_prefix, Filter(request, "username_prefix"));
  HUB_ASSIGN_OR_RETURN(filter.first_name_prefix, Filter(request, "firstname_prefix"));
  HUB_ASSIGN_OR_RETURN(filter.last_name_prefix, Filter(request, "lastname_prefix"));
  HUB_ASSIGN_OR_RETURN(filter.email_prefix, Filter(request, "email_prefix"));
  if (auto limit = request.Query("limit")) {
    auto parsed = common::ParseIntSetting(*limit, 1, 1000);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError("limit must be an integer in 1..1000");
    }
    filter.limit = static_cast<int>(*parsed);
  }
  return filter;
}

absl::StatusOr<auth::PasswordChange> ParsePasswordChange(const Request& request) {
  HUB_ASSIGN_OR_RETURN(nlohmann::json body, http::ParseJsonObject(request));
  JsonFields fields(body);
  auth::PasswordChange change;
  HUB_ASSIGN_OR_RETURN(change.new_password, fields.RequiredString("new_password", kMaxField));
  HUB_ASSIGN_OR_RETURN(change.current_password,
                       fields.OptionalString("current_password", kMaxField));
  HUB_ASSIGN_OR_RETURN(change.force, fields.OptionalBool("force", false));
  return change;
}

absl::StatusOr<auth::PermissionSet> ParsePermissions(const Request& request) {
  HUB_ASSIGN_OR_RETURN(nlohmann::json body, http::ParseJsonObject(request));
  HUB_ASSIGN_OR_RETURN(auto names, JsonFields(body).OptionalStringList("permissions", 32, 64));
  return auth::PermissionSet::FromNames(names.value_or(std::vector<std::string>{}));
}

std::string UserId(const Request& request) {
  return std::string(request.Param("userid"));
}

Response ListUsers(auth::AuthModule& auth, Request& request, const Principal& principal) {
  auto filter = ParseFilter(request);
  if (!filter.ok()) {
    return ErrorResponse(filter.status(), request);
  }
  auto users = auth.users().List(principal, *filter);
  if (!users.ok()) {
    return ErrorResponse(users.status(), request);
  }
  // Each user's permissions too, so that an admin edits the user's set, not their own
  // (upstream started from the caller's permissions).
  nlohmann::json items = nlohmann::json::array();
  for (const auto& user : *users) {
    nlohmann::json item = UserJson(user);
    auto permissions = auth.sessions().PermissionsOf(user.id, user.kind);
    if (permissions.ok()) {
      item["permissions"] = permissions->Names();
    }
    items.push_back(std::move(item));
  }
  return Response::Json(200, {{"items", items}});
}

Response GetUser(auth::AuthModule& auth, Request& request, const Principal& principal) {
  auto user = auth.users().Get(principal, UserId(request));
  return user.ok() ? Response::Json(200, UserJson(*user)) : ErrorResponse(user.status(), request);
}

Response SetPassword(auth::AuthModule& auth, Request& request, const Principal& principal) {
  auto change = ParsePasswordChange(request);
  if (!change.ok()) {
    return ErrorResponse(change.status(), request);
  }
  return SuccessOr(auth.users().ChangePassword(principal, UserId(request), *change), request);
}

Response SetPermissions(auth::AuthModule& auth, Request& request, const Principal& principal) {
  auto permissions = ParsePermissions(request);
  if (!permissions.ok()) {
    return ErrorResponse(permissions.status(), request);
  }
  return SuccessOr(auth.users().SetPermissions(principal, UserId(request), *permissions), request);
}

Response Cleared(const absl::StatusOr<std::int64_t>& deleted, const Request& request) {
  if (!deleted.ok()) {
    return ErrorResponse(deleted.status(), request);
  }
  return Response::Json(200, {{"result", "SUCCESS"}, {"deleted", *deleted}});
}

Response DeleteUser(auth::AuthModule& auth, Request& request, const Principal& principal) {
  return SuccessOr(auth.users().Delete(principal, UserId(request)), request);
}

Response ClearData(auth::AuthModule& auth, Request& request, const Principal& principal) {
  return Cleared(auth.users().ClearData(principal, UserId(request)), request);
}

Response ClearContributions(auth::AuthModule& auth, Request& request, const Principal& principal) {
  return Cleared(auth.users().ClearContributions(principal, UserId(request)), request);
}

Response ForgotPassword(auth::AuthModule& auth, Request& request) {
  std::string client = ClientAddress(request, auth.options().trust_forwarded_for);
  if (auto wait = auth.rate_limiter().Take(auth::RateAction::kForgotPassword, client)) {
    return TooManyRequests(auth::RateActionName(auth::RateAction::kForgotPassword), *wait);
  }
  auto body = http::ParseJsonObject(request);
  if (!body.ok()) {
    return ErrorResponse(body.status(), request);
  }
  JsonFields fields(*body);
  auto username = fields.RequiredString("username", kMaxField);
  auto email = fields.RequiredString("email", kMaxField);
  if (!username.ok() || !email.ok()) {
    return ErrorResponse(username.ok() ? email.status() : username.status(), request);
  }
  return SuccessOr(auth.users().ForgotPassword(*username, *email), request);
}

Response ResetPassword(auth::AuthModule& auth, Request& request) {
  auto body = http::ParseJsonObject(request);
  if (!body.ok()) {
    return ErrorResponse(body.status(), request);
  }
  JsonFields fields(*body);
  auto token = fields.RequiredString("token", 128);
  auto password = fields.RequiredString("new_password", kMaxField);
  if (!token.ok() || !password.ok()) {
    return ErrorResponse(token.ok() ? password.status() : token.status(), request);
  }
  return SuccessOr(auth.users().ResetPassword(*token, *password), request);
}

}  // namespace

void AddUsersRoutes(ApiRoutes& routes, auth::AuthModule& auth) {
  http::RouteOptions json = http::JsonBody(kMaxBodyBytes);
  routes.Require(Permission::kManageUsers, Method::kGet, "/api/users", Bind(auth, ListUsers));
  routes.Authenticated(Method::kGet, "/api/users/{userid}", Bind(auth, GetUser));
  routes.Authenticated(Method::kPut, "/api/users/{userid}/password", Bind(auth, SetPassword), json);
  routes.Require(Permission::kManageUsers, Method::kPut, "/api/users/{userid}/permissions",
                 Bind(auth, SetPermissions), json);
  routes.Authenticated(Method::kDelete, "/api/users/{userid}", Bind(auth, DeleteUser));
  routes.Authenticated(Method::kDelete, "/api/users/{userid}/data", Bind(auth, ClearData));
  routes.Authenticated(Method::kDelete, "/api/users/{userid}/contributions",
                       Bind(auth, ClearContributions));
  routes.Public(Method::kPost, "/api/users/forgot-password", Bind(auth, ForgotPassword), json);
  routes.Public(Method::kPost, "/api/users/reset-password", Bind(auth, ResetPassword), json);
}

}  // namespace hub::api
