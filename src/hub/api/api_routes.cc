#include "hub/api/api_routes.h"

#include <algorithm>

#include "fmt/format.h"

#include "hub/api/status_to_http.h"
#include "hub/common/strings.h"

namespace hub::api {

std::string RouteAccess::Describe() const {
  switch (kind) {
    case AccessKind::kPublic:
      return "public";
    case AccessKind::kAuthenticated:
      return "authenticated";
    case AccessKind::kPermission:
      return std::string(auth::PermissionName(permission));
  }
  return "public";
}

ApiRoutes::ApiRoutes(http::Router& router, Authenticator authenticate)
    : router_(router), authenticate_(std::move(authenticate)) {}

void ApiRoutes::Public(http::Method method,
                       std::string pattern,
                       PublicHandler handler,
                       http::RouteOptions options) {
  table_.push_back({method, pattern, AccessKind::kPublic, auth::Permission::kAdmin});
  router_.Add(method, std::move(pattern), std::move(handler), std::move(options));
}

void ApiRoutes::Authenticated(http::Method method,
                              std::string pattern,
                              AuthenticatedHandler handler,
                              http::RouteOptions options) {
  AddChecked({method, std::move(pattern), AccessKind::kAuthenticated, auth::Permission::kAdmin},
             std::move(handler), std::move(options));
}

void ApiRoutes::Require(auth::Permission permission,
                        http::Method method,
                        std::string pattern,
                        AuthenticatedHandler handler,
                        http::RouteOptions options) {
  AddChecked({method, std::move(pattern), AccessKind::kPermission, permission}, std::move(handler),
             std::move(options));
}

void ApiRoutes::AddChecked(RouteAccess access,
                           AuthenticatedHandler handler,
                           http::RouteOptions options) {
  table_.push_back(access);
  std::optional<auth::Permission> needed;
  if (access.kind == AccessKind::kPermission) {
    needed = access.permission;
  }
  auto wrapped = [authenticate = authenticate_, handler = std::move(handler),
                  needed](http::Request& request) {
    absl::StatusOr<auth::Principal> principal = authenticate(request);
    if (!principal.ok()) {
      http::Response response = ErrorResponse(principal.status(), request);
      if (response.status == 401) {
        response.headers.Set("WWW-Authenticate", "Bearer realm=\"ersilia-hub\"");
      }
      return response;
    }
    request.log_fields.emplace_back("user_id", principal->user_id);
    if (needed && !principal->Has(*needed)) {
      return http::Response::Error(
          403, fmt::format("this endpoint needs the {} permission", auth::PermissionName(*needed)));
    }
    return handler(request, *principal);
  };
  router_.Add(access.method, std::move(access.pattern), std::move(wrapped), std::move(options));
}

std::vector<RouteAccess> ApiRoutes::FullTable() const {
  std::vector<RouteAccess> full;
  for (const auto& route : router_.routes()) {
    auto declared = std::find_if(table_.begin(), table_.end(), [&route](const RouteAccess& a) {
      return a.method == route->method && a.pattern == route->pattern;
    });
    full.push_back(declared != table_.end()
                       ? *declared
                       : RouteAccess{route->method, route->pattern, AccessKind::kPublic,
                                     auth::Permission::kAdmin});
  }
  return full;
}

absl::Status ApiRoutes::CheckEveryApiRouteDeclared() const {
  std::vector<std::string> undeclared;
  for (const auto& route : router_.routes()) {
    const std::string& pattern = route->pattern;
    bool api = pattern.rfind("/api/", 0) == 0 && pattern.rfind("/api/v1/", 0) != 0;
    bool declared = std::any_of(table_.begin(), table_.end(), [&route](const RouteAccess& a) {
      return a.method == route->method && a.pattern == route->pattern;
    });
    if (api && !declared) {
      undeclared.push_back(fmt::format("{} {}", http::MethodName(route->method), pattern));
    }
  }
  if (undeclared.empty()) {
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(
      fmt::format("API routes registered without declared access (use api::ApiRoutes): {}",
                  common::Join(undeclared, ", ")));
}

std::string ClientAddress(const http::Request& request, bool trust_forwarded_for) {
  if (trust_forwarded_for) {
    if (auto forwarded = request.Header("X-Forwarded-For")) {
      std::string_view first = common::Trim(common::Split(*forwarded, ',')[0]);
      if (!first.empty() && first.size() <= 64) {
        return std::string(first);
      }
    }
  }
  return request.client_address;
}

http::Response TooManyRequests(std::string_view action, std::chrono::seconds retry_after) {
  http::Response response = http::Response::Error(
      429, fmt::format("too many {} attempts from this address; retry in {} s", action,
                       retry_after.count()));
  response.headers.Set("Retry-After", std::to_string(retry_after.count()));
  return response;
}

}  // namespace hub::api
