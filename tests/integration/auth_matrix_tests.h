#pragma once

// The authorization matrix: every API endpoint × every kind of caller → the expected status.
// Shared by auth_test.cc (SQLite) and auth_pgtest.cc (PostgreSQL).
//
// Adding an endpoint is one line in `Matrix()`; `RouteTableMatchesTheMatrix` fails until
// every route `serve --print-routes` reports is in it with the same declared access. Each
// cell runs with fresh identities (a fresh caller, a fresh victim user, a fresh anonymous key
// B), so destructive endpoints cannot disturb other cells.
//
// Path and body placeholders: {self} the caller's user id; {other} a victim user's id;
// {key_b} anonymous key B's user id; {guid} a fresh GUID; {own_key} an API key of the caller;
// {other_key} an API key of the victim; {fresh} a fresh username; {other_login} the victim's
// login encoding; {password} the caller's password.

#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "hub/auth/permission.h"
#include "hub/common/encoding.h"
#include "hub/common/strings.h"

#include "tests/integration/auth_fixture.h"

namespace hub {

// Who calls. Users with one permission hold exactly that one.
struct Caller {
  enum class Kind { kNone, kAnonymousA, kAnonymousB, kUser, kAdmin };
  Kind kind = Kind::kNone;
  std::optional<std::string> permission;

  std::string Name() const {
    switch (kind) {
      case Kind::kNone:
        return "no auth";
      case Kind::kAnonymousA:
        return "anonymous key A";
      case Kind::kAnonymousB:
        return "anonymous key B";
      case Kind::kUser:
        return permission ? "user with " + *permission : "user (default permissions)";
      case Kind::kAdmin:
        return "admin";
    }
    return "?";
  }
};

inline std::vector<Caller> AllCallers() {
  std::vector<Caller> callers = {{Caller::Kind::kNone, {}},
                                 {Caller::Kind::kAnonymousA, {}},
                                 {Caller::Kind::kAnonymousB, {}},
                                 {Caller::Kind::kUser, {}}};
  for (auth::Permission p : auth::kAllPermissions) {
    callers.push_back({Caller::Kind::kUser, std::string(auth::PermissionName(p))});
  }
  callers.push_back({Caller::Kind::kAdmin, {}});
  return callers;
}

// The status each caller should get.
struct Expect {
  int none = 401;
  int anonymous_a = 0;
  int anonymous_b = 0;
  int user = 0;  // default permissions, and every single permission not in `with`
  std::map<std::string, int> with;
  int admin = 0;
  std::optional<int> default_user;  // when set, the default-permissions user gets this

  int For(const Caller& caller) const {
    switch (caller.kind) {
      case Caller::Kind::kNone:
        return none;
      case Caller::Kind::kAnonymousA:
        return anonymous_a;
      case Caller::Kind::kAnonymousB:
        return anonymous_b;
      case Caller::Kind::kUser: {
        if (!caller.permission && default_user) {
          return *default_user;
        }
        auto it = caller.permission ? with.find(*caller.permission) : with.end();
        return it != with.end() ? it->second : user;
      }
      case Caller::Kind::kAdmin:
        return admin;
    }
    return 0;
  }
};

// Public: everyone, with or without credentials, gets `status`.
inline Expect Everyone(int status) {
  return {status, status, status, status, {}, status, std::nullopt};
}

// Any identity gets `status`; no credentials 401.
inline Expect AnyIdentity(int status) {
  return {401, status, status, status, {}, status, std::nullopt};
}

// Accounts get `user`, anonymous keys `anonymous`.
inline Expect Accounts(int user, int anonymous) {
  return {401, anonymous, anonymous, user, {}, user, std::nullopt};
}

// Holders of MANAGE_USERS (or ADMIN) get `allowed`; other identities `denied`.
inline Expect Managers(int allowed, int denied = 403) {
  return {401,     denied,      denied, denied, {{"MANAGE_USERS", allowed}, {"ADMIN", allowed}},
          allowed, std::nullopt};
}

// Holders of `permission` (or ADMIN) get `allowed`; other identities `denied`.
inline Expect Holders(const std::string& permission, int allowed, int denied = 403) {
  return {401,     denied,      denied, denied, {{permission, allowed}, {"ADMIN", allowed}},
          allowed, std::nullopt};
}

// Routes of a permission every default identity holds (VIEW_MODELS, SUBMIT_WORK_REQUESTS); a
// user holding only another permission does not.
inline Expect DefaultHolders(const std::string& permission, int allowed) {
  Expect e = Holders(permission, allowed);
  e.anonymous_a = e.anonymous_b = allowed;
  e.default_user = allowed;
  return e;
}

inline Expect Viewers(int allowed) {
  Expect e = Holders("VIEW_MODELS", allowed);
  e.anonymous_a = e.anonymous_b = allowed;
  e.default_user = allowed;
  return e;
}

// As `Managers`, but key B acting on itself gets `self`.
inline Expect ManagersOrKeyB(int allowed, int self, int denied = 403) {
  Expect e = Managers(allowed, denied);
  e.anonymous_b = self;
  return e;
}

struct Endpoint {
  http::Method method;
  std::string pattern;  // as the route table names it
  std::string access;   // declared access: public, authenticated or a permission
  std::string path;
  std::string body;
  Expect expect;
};

inline std::vector<Endpoint> Matrix() {
  using http::Method;
  const std::string kNewPassword = R"("new_password":"a brand new password")";
  const std::string kSignup =
      R"({"user":{"username":"{fresh}","first_name":"F","last_name":"L",)"
      R"("email":"{fresh}@example.org"},"password":"a long enough password"})";
  // clang-format off
  return {
    {Method::kPost, "/api/auth/signup", "public", "/api/auth/signup", kSignup, Everyone(200)},
    {Method::kPost, "/api/auth/anonymous-login/{session_id}", "public",
     "/api/auth/anonymous-login/{guid}", "", Everyone(200)},
    {Method::kPost, "/api/auth/login", "public", "/api/auth/login",
     R"({"encoding":"{other_login}","auth_type":"ErsiliaUser"})", Everyone(200)},
    {Method::kPost, "/api/auth/logout", "authenticated", "/api/auth/logout", "", AnyIdentity(200)},
    {Method::kPost, "/api/auth/session/refresh", "authenticated", "/api/auth/session/refresh", "",
     AnyIdentity(200)},
    {Method::kGet, "/api/auth/permissions", "authenticated", "/api/auth/permissions", "",
     AnyIdentity(200)},
    {Method::kPost, "/api/auth/api-keys", "authenticated", "/api/auth/api-keys",
     R"({"name":"script"})", Accounts(201, 403)},
    {Method::kGet, "/api/auth/api-keys", "authenticated", "/api/auth/api-keys", "",
     AnyIdentity(200)},
    {Method::kDelete, "/api/auth/api-keys/{id}", "authenticated", "/api/auth/api-keys/{own_key}",
     "", Accounts(200, 404)},
    {Method::kDelete, "/api/auth/api-keys/{id}", "authenticated",
     "/api/auth/api-keys/{other_key}", "", AnyIdentity(404)},
    {Method::kGet, "/api/users", "MANAGE_USERS", "/api/users", "", Managers(200)},
    {Method::kGet, "/api/users/{userid}", "authenticated", "/api/users/{self}", "",
     AnyIdentity(200)},
    {Method::kGet, "/api/users/{userid}", "authenticated", "/api/users/{other}", "",
     Managers(200)},
    {Method::kGet, "/api/users/{userid}", "authenticated", "/api/users/{key_b}", "",
     ManagersOrKeyB(200, 200)},
    {Method::kPut, "/api/users/{userid}/password", "authenticated", "/api/users/{self}/password",
     "{" + kNewPassword + R"(,"current_password":"{password}"})", Accounts(200, 409)},
    {Method::kPut, "/api/users/{userid}/password", "authenticated", "/api/users/{other}/password",
     "{" + kNewPassword + R"(,"force":true})", Managers(200)},
    {Method::kPut, "/api/users/{userid}/password", "authenticated", "/api/users/{other}/password",
     "{" + kNewPassword + R"(,"current_password":"guess"})", AnyIdentity(403)},
    {Method::kPut, "/api/users/{userid}/password", "authenticated", "/api/users/{key_b}/password",
     "{" + kNewPassword + R"(,"force":true})", Managers(409)},
    {Method::kPut, "/api/users/{userid}/permissions", "MANAGE_USERS",
     "/api/users/{other}/permissions", R"({"permissions":["VIEW_MODELS"]})", Managers(200)},
    {Method::kPut, "/api/users/{userid}/permissions", "MANAGE_USERS",
     "/api/users/{other}/permissions", R"({"permissions":["K8S_ADMIN"]})",
     {401, 403, 403, 403, {{"ADMIN", 200}}, 200, std::nullopt}},
    {Method::kPut, "/api/users/{userid}/permissions", "MANAGE_USERS",
     "/api/users/{self}/permissions", R"({"permissions":["VIEW_MODELS"]})", Managers(200)},
    {Method::kPut, "/api/users/{userid}/permissions", "MANAGE_USERS",
     "/api/users/{key_b}/permissions", R"({"permissions":["ADMIN"]})", Managers(409)},
    {Method::kDelete, "/api/users/{userid}/data", "authenticated", "/api/users/{self}/data", "",
     AnyIdentity(200)},
    {Method::kDelete, "/api/users/{userid}/data", "authenticated", "/api/users/{other}/data", "",
     Managers(200)},
    {Method::kDelete, "/api/users/{userid}/data", "authenticated", "/api/users/{key_b}/data", "",
     ManagersOrKeyB(200, 200)},
    {Method::kDelete, "/api/users/{userid}/contributions", "authenticated",
     "/api/users/{self}/contributions", "", AnyIdentity(200)},
    {Method::kDelete, "/api/users/{userid}/contributions", "authenticated",
     "/api/users/{other}/contributions", "", Managers(200)},
    {Method::kDelete, "/api/users/{userid}/contributions", "authenticated",
     "/api/users/{key_b}/contributions", "", ManagersOrKeyB(200, 200)},
    {Method::kDelete, "/api/users/{userid}", "authenticated", "/api/users/{other}", "",
     Managers(200)},
    {Method::kDelete, "/api/users/{userid}", "authenticated", "/api/users/{key_b}", "",
     ManagersOrKeyB(200, 200)},
    {Method::kDelete, "/api/users/{userid}", "authenticated", "/api/users/{self}", "",
     AnyIdentity(200)},
    {Method::kPost, "/api/users/forgot-password", "public", "/api/users/forgot-password",
     R"({"username":"{fresh}","email":"{fresh}@example.org"})", Everyone(200)},
    {Method::kPost, "/api/users/reset-password", "public", "/api/users/reset-password",
     R"({"token":"0000000000000000000000000000000000000000000000000000000000000000",)" +
         kNewPassword + "}",
     Everyone(400)},
    {Method::kGet, "/api/models", "VIEW_MODELS", "/api/models", "", Viewers(200)},
    {Method::kGet, "/api/models/{model_id}", "VIEW_MODELS", "/api/models/eos3b5e", "",
     Viewers(200)},
    {Method::kGet, "/api/models/{model_id}", "VIEW_MODELS", "/api/models/eos0000", "",
     Viewers(404)},
    {Method::kPost, "/api/models", "MANAGE_MODELS", "/api/models",
     R"({"id":"eos3b5e","details":{"description":"again"}})", Holders("MANAGE_MODELS", 409)},
    {Method::kPut, "/api/models/{model_id}", "MANAGE_MODELS", "/api/models/eos0000",
     R"({"enabled":true})", Holders("MANAGE_MODELS", 404)},
    {Method::kPost, "/api/models/import", "MANAGE_MODELS", "/api/models/import",
     R"({"catalog":"not a list"})", Holders("MANAGE_MODELS", 400)},
    {Method::kDelete, "/api/models/{model_id}/cache", "MANAGE_MODELS",
     "/api/models/eos3b5e/cache", "", Holders("MANAGE_MODELS", 200)},
    {Method::kGet, "/api/models/{model_id}/ersilia-catalog-details", "VIEW_MODELS",
     "/api/models/eos0000/ersilia-catalog-details", "", Viewers(404)},
    {Method::kGet, "/api/models/{model_id}/identification-details", "VIEW_MODELS",
     "/api/models/eos0000/identification-details", "", Viewers(404)},
    {Method::kGet, "/api/models/{model_id}/scaling-info", "K8S_ADMIN",
     "/api/models/eos3b5e/scaling-info", "", Holders("K8S_ADMIN", 200)},
    {Method::kGet, "/api/instances", "K8S_ADMIN", "/api/instances", "",
     Holders("K8S_ADMIN", 200)},
    {Method::kGet, "/api/instances/history", "K8S_ADMIN", "/api/instances/history", "",
     Holders("K8S_ADMIN", 200)},
    {Method::kGet, "/api/instances/job-logs", "K8S_ADMIN", "/api/instances/job-logs", "",
     Holders("K8S_ADMIN", 400)},
    {Method::kGet, "/api/instances/{instance_id}/logs", "K8S_ADMIN",
     "/api/instances/no-such-instance/logs", "", Holders("K8S_ADMIN", 404)},
    {Method::kPost, "/api/instances/actions", "K8S_ADMIN", "/api/instances/actions",
     R"({"action":"explode"})", Holders("K8S_ADMIN", 400)},
    {Method::kGet, "/api/metrics/instances", "K8S_ADMIN", "/api/metrics/instances", "",
     Holders("K8S_ADMIN", 200)},
    {Method::kGet, "/api/recommendations", "K8S_ADMIN", "/api/recommendations", "",
     Holders("K8S_ADMIN", 200)},
    {Method::kPost, "/api/recommendations/apply", "K8S_ADMIN", "/api/recommendations/apply",
     R"({"recommendations":{"model_id":"eos0000"}})", Holders("K8S_ADMIN", 404)},
    {Method::kGet, "/api/admin/cluster/scaler-decisions", "K8S_ADMIN",
     "/api/admin/cluster/scaler-decisions", "", Holders("K8S_ADMIN", 200)},
    {Method::kPost, "/api/work-requests", "SUBMIT_WORK_REQUESTS", "/api/work-requests",
     R"({"model_id":"eos0000","request_payload":{"entries":["CCO"]}})",
     DefaultHolders("SUBMIT_WORK_REQUESTS", 400)},
    {Method::kGet, "/api/work-requests", "authenticated", "/api/work-requests", "",
     AnyIdentity(200)},
    {Method::kGet, "/api/work-requests/{id}", "authenticated", "/api/work-requests/999999", "",
     AnyIdentity(404)},
    {Method::kPut, "/api/work-requests/{id}", "MANAGE_WORK_REQUESTS", "/api/work-requests/999999",
     R"({"priority":1})", Holders("MANAGE_WORK_REQUESTS", 404)},
    {Method::kPost, "/api/work-requests/{id}/cancel", "authenticated",
     "/api/work-requests/999999/cancel", "", AnyIdentity(404)},
    {Method::kGet, "/api/work-requests/{id}/result", "authenticated",
     "/api/work-requests/999999/result", "", AnyIdentity(404)},
    {Method::kGet, "/api/work-requests/{id}/rows", "authenticated",
     "/api/work-requests/999999/rows", "", AnyIdentity(404)},
    {Method::kGet, "/api/work-requests/{id}/events", "authenticated",
     "/api/work-requests/999999/events", "", AnyIdentity(404)},
    {Method::kGet, "/api/work-request-stats", "MANAGE_WORK_REQUESTS", "/api/work-request-stats",
     "", Holders("MANAGE_WORK_REQUESTS", 200)},
    {Method::kGet, "/api/work-request-stats/filter-data", "MANAGE_WORK_REQUESTS",
     "/api/work-request-stats/filter-data", "", Holders("MANAGE_WORK_REQUESTS", 200)},
    {Method::kGet, "/api/work-request-stats/daily", "MANAGE_WORK_REQUESTS",
     "/api/work-request-stats/daily", "", Holders("MANAGE_WORK_REQUESTS", 200)},
  };
  // clang-format on
}

class AuthMatrixTest : public AuthIntegrationTest {
protected:
  // The identities and ids one cell uses.
  struct Cell {
    std::optional<std::string> header;
    std::string self;
    std::string password = kPassword;
    std::string other;
    std::string other_name;
    std::string key_b;
    std::string key_b_header;
    std::string own_key;
    std::string other_key;
  };

  static std::string Fresh() { return "m" + common::RandomHexToken(6); }

  // A fresh account holding exactly `permissions` (nullopt: the defaults); its id and header.
  std::pair<std::string, std::string> NewAccount(
      const std::optional<std::vector<std::string>>& permissions) {
    std::string name = Fresh();
    std::string id = SignupUser(name);
    if (permissions) {
      auto set = api().Call(http::Method::kPut, "/api/users/" + id + "/permissions",
                            nlohmann::json{{"permissions", *permissions}}.dump(), root_);
      EXPECT_EQ(set.status, 200) << set.raw;
    }
    return {id, LoginHeader(name)};
  }

  std::string NewApiKey(const std::string& header) {
    auto created = api().Post("/api/auth/api-keys", {{"name", "k"}}, header);
    return created.body.value("id", "");
  }

  Cell Prepare(const Caller& caller, const Endpoint& endpoint) {
    Cell cell;
    cell.other_name = Fresh();
    cell.other = SignupUser(cell.other_name);
    auto b = api().AnonymousLogin(NewKey());
    cell.key_b = b.body["user"].value("id", "");
    cell.key_b_header = test_support::UpstreamHeader(b.body["session"]);
    if (endpoint.path.find("{other_key}") != std::string::npos) {
      cell.other_key = NewApiKey(LoginHeader(cell.other_name));
    }
    cell.self = common::NewUuid();
    cell.own_key = common::NewUuid();

    switch (caller.kind) {
      case Caller::Kind::kNone:
        break;
      case Caller::Kind::kAnonymousA: {
        auto a = api().AnonymousLogin(NewKey());
        cell.self = a.body["user"].value("id", "");
        cell.header = test_support::UpstreamHeader(a.body["session"]);
        break;
      }
      case Caller::Kind::kAnonymousB:
        cell.self = cell.key_b;
        cell.header = cell.key_b_header;
        break;
      case Caller::Kind::kUser:
      case Caller::Kind::kAdmin: {
        std::optional<std::vector<std::string>> permissions;
        if (caller.permission) {
          permissions = std::vector<std::string>{*caller.permission};
        } else if (caller.kind == Caller::Kind::kAdmin) {
          permissions = std::vector<std::string>{"ADMIN"};
        }
        auto [id, header] = NewAccount(permissions);
        cell.self = id;
        cell.header = header;
        if (endpoint.path.find("{own_key}") != std::string::npos) {
          cell.own_key = NewApiKey(header);
        }
        break;
      }
    }
    return cell;
  }

  static std::string Fill(std::string text, const Cell& cell) {
    std::string fresh = Fresh();
    std::string login = common::Base64Encode(cell.other_name + ":" + kPassword);
    std::vector<std::pair<std::string, std::string>> values = {
        {"{self}", cell.self},        {"{other}", cell.other},
        {"{key_b}", cell.key_b},      {"{guid}", common::NewUuid()},
        {"{own_key}", cell.own_key},  {"{other_key}", cell.other_key},
        {"{fresh}", fresh},           {"{other_login}", login},
        {"{password}", cell.password}};
    for (const auto& [from, to] : values) {
      for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
        text.replace(at, from.size(), to);
      }
    }
    return text;
  }

  // Runs one cell; returns a failure line or "".
  std::string Run(const Caller& caller, const Endpoint& endpoint) {
    Cell cell = Prepare(caller, endpoint);
    std::string path = Fill(endpoint.path, cell);
    std::optional<std::string> body;
    if (!endpoint.body.empty()) {
      body = Fill(endpoint.body, cell);
    }
    auto response = api().Call(endpoint.method, path, body, cell.header);
    int expected = endpoint.expect.For(caller);

    std::ostringstream failure;
    if (response.status != expected) {
      failure << http::MethodName(endpoint.method) << " " << endpoint.path << " as "
              << caller.Name() << ": expected " << expected << ", got " << response.status << " "
              << response.raw.substr(0, 160);
    } else if (response.status >= 400 && response.Detail().empty()) {
      failure << http::MethodName(endpoint.method) << " " << endpoint.path << " as "
              << caller.Name() << ": error without detail";
    }
    // Key A never changes key B: B's session and identity are intact afterwards.
    bool b_may_change = caller.kind == Caller::Kind::kAnonymousB ||
                        caller.kind == Caller::Kind::kAdmin ||
                        (caller.permission &&
                         (*caller.permission == "MANAGE_USERS" || *caller.permission == "ADMIN"));
    if (!b_may_change) {
      auto b = api().Get("/api/users/" + cell.key_b, cell.key_b_header);
      if (b.status != 200) {
        failure << http::MethodName(endpoint.method) << " " << endpoint.path << " as "
                << caller.Name() << " disturbed key B: " << b.status;
      }
    }
    return failure.str();
  }

  std::string root_;
};

TEST_P(AuthMatrixTest, EveryEndpointAnswersEveryCallerAsDeclared) {
  StartHub();
  root_ = RootHeader();
  std::vector<std::string> failures;
  int cells = 0;

  for (const Endpoint& endpoint : Matrix()) {
    for (const Caller& caller : AllCallers()) {
      std::string failure = Run(caller, endpoint);
      ++cells;
      if (!failure.empty()) {
        failures.push_back(failure);
      }
    }
  }

  EXPECT_GT(cells, 300);
  EXPECT_TRUE(failures.empty()) << failures.size() << " of " << cells << " cells failed:\n"
                                << common::Join(failures, "\n");
}

TEST_P(AuthMatrixTest, RouteTableMatchesTheMatrix) {
  std::vector<std::string> args = {test_support::HubBinary(), "serve", "--print-routes"};
  for (const std::string& set : BaseSets()) {
    args.insert(args.end(), {"--set", set});
  }
  std::vector<std::string> extra = storage_->CommandArgs();
  args.insert(args.end(), extra.begin(), extra.end());

  auto printed = test_support::RunCommand(args, storage_->CommandEnv());
  ASSERT_EQ(printed.exit_code, 0) << printed.output;

  std::map<std::string, std::string> served;  // "METHOD PATTERN" -> access
  std::istringstream lines(printed.output);
  std::string method, pattern, access;
  while (lines >> method >> pattern >> access) {
    if (pattern.rfind("/api/", 0) == 0 && pattern.rfind("/api/v1/", 0) != 0) {
      served[method + " " + pattern] = access;
    }
  }
  std::map<std::string, std::string> tested;
  for (const Endpoint& endpoint : Matrix()) {
    tested[std::string(http::MethodName(endpoint.method)) + " " + endpoint.pattern] =
        endpoint.access;
  }

  EXPECT_FALSE(served.empty()) << printed.output;
  for (const auto& [route, declared] : served) {
    ASSERT_TRUE(tested.count(route) > 0) << route << " is served but not in the matrix";
    EXPECT_EQ(tested[route], declared) << route;
  }
  for (const auto& [route, declared] : tested) {
    EXPECT_TRUE(served.count(route) > 0) << route << " is in the matrix but not served";
  }
}

}  // namespace hub
