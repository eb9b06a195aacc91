#pragma once

// The registrar every API endpoint goes through. An endpoint is added with its access
// declared, in one of three ways:
//
//   routes.Public(Method::kPost, "/api/auth/login", handler);              // anyone
//   routes.Authenticated(Method::kGet, "/api/auth/permissions", handler);  // any identity
//   routes.Require(Permission::kManageUsers, Method::kGet, "/api/users", handler);
//
// For the last two the registrar authenticates the request first (401 with a `detail` saying
// what is wrong with the credentials, and `WWW-Authenticate`), then checks the permission
// (403 naming it), adds `user_id` to the request's access-log fields, and only then calls the
// handler with the `auth::Principal`. Ownership rules ("self or MANAGE_USERS") belong to the
// service behind the handler.
//
// API modules receive an `ApiRoutes&`, never the router, so an API route cannot be added
// without an access declaration; `CheckEveryApiRouteDeclared` verifies at start-up that no
// route under /api/ slipped past (the OpenAPI documents under /api/v1/ are public system
// routes). `table()` lists every declared route with its access, for tests, docs and
// `serve --print-routes`.
//
// Thread-safety: registration is single-threaded, before the server starts; the handlers it
// installs are thread-safe when the authenticator is.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

#include "hub/auth/permission.h"
#include "hub/auth/principal.h"
#include "hub/http/message.h"
#include "hub/http/router.h"

namespace hub::api {

enum class AccessKind { kPublic, kAuthenticated, kPermission };

// The declared access of one route.
struct RouteAccess {
  http::Method method = http::Method::kGet;
  std::string pattern;
  AccessKind kind = AccessKind::kPublic;
  // Meaningful only for `kPermission`.
  auth::Permission permission = auth::Permission::kAdmin;

  // "public", "authenticated" or the permission's name ("MANAGE_USERS").
  std::string Describe() const;
};

using PublicHandler = std::function<http::Response(http::Request&)>;
using AuthenticatedHandler = std::function<http::Response(http::Request&, const auth::Principal&)>;

class ApiRoutes final {
public:
  // Turns a request's credentials into a principal, or an error status (usually
  // `kUnauthenticated`) that becomes the response.
  using Authenticator = std::function<absl::StatusOr<auth::Principal>(const http::Request&)>;

  // `router` must outlive this object and the server.
  ApiRoutes(http::Router& router, Authenticator authenticate);

  ApiRoutes(const ApiRoutes&) = delete;
  ApiRoutes& operator=(const ApiRoutes&) = delete;

  // A route anyone may call; the `Authorization` header is ignored.
  void Public(http::Method method,
              std::string pattern,
              PublicHandler handler,
              http::RouteOptions options = {});

  // A route for any authenticated identity (account, anonymous key or API key).
  void Authenticated(http::Method method,
                     std::string pattern,
                     AuthenticatedHandler handler,
                     http::RouteOptions options = {});

  // A route for identities that hold `permission` (`ADMIN` holds every permission).
  void Require(auth::Permission permission,
               http::Method method,
               std::string pattern,
               AuthenticatedHandler handler,
               http::RouteOptions options = {});

  // Every route registered here, in registration order.
  const std::vector<RouteAccess>& table() const { return table_; }

  // Every route of the router: the declared ones with their access, the others (health,
  // metrics, documentation) as public.
  std::vector<RouteAccess> FullTable() const;

  // `kFailedPrecondition` naming the routes under /api/ (outside /api/v1/) that the router
  // holds but that were not registered here.
  absl::Status CheckEveryApiRouteDeclared() const;

private:
  void AddChecked(RouteAccess access, AuthenticatedHandler handler, http::RouteOptions options);

  http::Router& router_;
  Authenticator authenticate_;
  std::vector<RouteAccess> table_;
};

// Adapts `handler(service, request)` / `handler(service, request, principal)` for the
// registrar, so a module's route table reads one line per endpoint:
//   routes.Public(Method::kPost, "/api/auth/login", Bind(auth, Login));
template <typename Service>
PublicHandler Bind(Service& service, http::Response (*handler)(Service&, http::Request&)) {
  return [&service, handler](http::Request& request) {
    return handler(service, request);
  };
}

template <typename Service>
AuthenticatedHandler Bind(
    Service& service, http::Response (*handler)(Service&, http::Request&, const auth::Principal&)) {
  return [&service, handler](http::Request& request, const auth::Principal& principal) {
    return handler(service, request, principal);
  };
}

// The client's address: the peer's, or with `trust_forwarded_for` the first entry of
// `X-Forwarded-For` (set by a trusted reverse proxy).
std::string ClientAddress(const http::Request& request, bool trust_forwarded_for);

// A response for a rate-limited request: 429 with `Retry-After` and a `detail`.
http::Response TooManyRequests(std::string_view action, std::chrono::seconds retry_after);

}  // namespace hub::api
