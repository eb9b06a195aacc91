#include "hub/api/api_routes.h"

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace hub::api {
namespace {

using http::Method;
using http::Request;
using http::Response;

// Accepts "Bearer user" (no permissions) and "Bearer manager" (MANAGE_USERS).
absl::StatusOr<auth::Principal> FakeAuthenticate(const Request& request) {
  auto header = request.Header("Authorization");
  if (!header) {
    return absl::UnauthenticatedError("missing Authorization header");
  }
  auth::Principal principal;
  principal.user_id = std::string(header->substr(7));
  if (principal.user_id == "manager") {
    principal.permissions.Add(auth::Permission::kManageUsers);
  } else if (principal.user_id != "user") {
    return absl::UnauthenticatedError("unknown token");
  }
  return principal;
}

class ApiRoutesTest : public ::testing::Test {
protected:
  ApiRoutesTest() : routes_(router_, FakeAuthenticate) {
    routes_.Public(Method::kGet, "/api/open", [](Request&) { return Response::Text(200, "o"); });
    routes_.Authenticated(Method::kGet, "/api/me", [](Request&, const auth::Principal& p) {
      return Response::Text(200, p.user_id);
    });
    routes_.Require(auth::Permission::kManageUsers, Method::kGet, "/api/admin",
                    [](Request&, const auth::Principal&) { return Response::Text(200, "a"); });
  }

  Response Call(std::string_view path, std::optional<std::string> token = std::nullopt) {
    Request request;
    request.path = std::string(path);
    if (token) {
      request.headers.Add("Authorization", "Bearer " + *token);
    }
    auto match = router_.Find(Method::kGet, path);
    EXPECT_NE(match.route, nullptr) << path;
    last_request_ = request;
    Response response = match.route->handler(request);
    last_request_ = request;
    return response;
  }

  http::Router router_;
  ApiRoutes routes_;
  Request last_request_;
};

TEST_F(ApiRoutesTest, PublicRoutesIgnoreCredentials) {
  EXPECT_EQ(Call("/api/open").status, 200);
  EXPECT_EQ(Call("/api/open", "garbage").status, 200);
}

TEST_F(ApiRoutesTest, AuthenticatedRoutesAnswer401WithDetail) {
  Response response = Call("/api/me");

  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(nlohmann::json::parse(response.body)["detail"], "missing Authorization header");
  EXPECT_TRUE(response.headers.Has("WWW-Authenticate"));
}

TEST_F(ApiRoutesTest, HandlersSeeThePrincipalAndTheLogHasTheUser) {
  Response response = Call("/api/me", "user");

  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "user");
  ASSERT_EQ(last_request_.log_fields.size(), 1u);
  EXPECT_EQ(last_request_.log_fields[0].first, "user_id");
}

TEST_F(ApiRoutesTest, MissingPermissionIs403NamingIt) {
  Response denied = Call("/api/admin", "user");
  Response allowed = Call("/api/admin", "manager");
  Response anonymous = Call("/api/admin");

  EXPECT_EQ(denied.status, 403);
  EXPECT_NE(denied.body.find("MANAGE_USERS"), std::string::npos);
  EXPECT_EQ(allowed.status, 200);
  EXPECT_EQ(anonymous.status, 401);
}

TEST_F(ApiRoutesTest, TableListsDeclaredAccess) {
  ASSERT_EQ(routes_.table().size(), 3u);
  EXPECT_EQ(routes_.table()[0].Describe(), "public");
  EXPECT_EQ(routes_.table()[1].Describe(), "authenticated");
  EXPECT_EQ(routes_.table()[2].Describe(), "MANAGE_USERS");
}

TEST_F(ApiRoutesTest, RoutesAddedBehindItsBackAreReported) {
  EXPECT_TRUE(routes_.CheckEveryApiRouteDeclared().ok());
  router_.Add(Method::kGet, "/healthz", [](Request&) { return Response::NoContent(); });
  router_.Add(Method::kGet, "/api/v1/openapi.json", [](Request&) { return Response::NoContent(); });
  EXPECT_TRUE(routes_.CheckEveryApiRouteDeclared().ok());

  router_.Add(Method::kDelete, "/api/sneaky", [](Request&) { return Response::NoContent(); });
  absl::Status status = routes_.CheckEveryApiRouteDeclared();

  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(std::string(status.message()).find("DELETE /api/sneaky"), std::string::npos);
  EXPECT_EQ(routes_.FullTable().size(), 6u);
}

TEST(ClientAddressTest, ForwardedForOnlyWhenTrusted) {
  Request request;
  request.client_address = "10.0.0.1";
  request.headers.Add("X-Forwarded-For", " 203.0.113.9, 10.0.0.1");

  EXPECT_EQ(ClientAddress(request, false), "10.0.0.1");
  EXPECT_EQ(ClientAddress(request, true), "203.0.113.9");
}

TEST(TooManyRequestsTest, HasRetryAfter) {
  Response response = TooManyRequests("login", std::chrono::seconds(7));

  EXPECT_EQ(response.status, 429);
  EXPECT_EQ(response.headers.Get("Retry-After"), "7");
  EXPECT_NE(response.body.find("login"), std::string::npos);
}

}  // namespace
}  // namespace hub::api
