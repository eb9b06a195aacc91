#include "hub/api/status_to_http.h"

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace hub::api {
namespace {

TEST(StatusToHttpTest, MapsCanonicalCodes) {
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kResourceExhausted), 429);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kInternal), 500);
}

TEST(StatusToHttpTest, ServerErrorsHideTheirMessage) {
  http::Request request;
  request.request_id = "abc";

  auto client = ErrorResponse(absl::InvalidArgumentError("model_id is required"), request);
  auto server = ErrorResponse(absl::InternalError("pq: relation missing"), request);

  EXPECT_EQ(client.status, 400);
  EXPECT_EQ(nlohmann::json::parse(client.body)["detail"], "model_id is required");
  EXPECT_EQ(server.status, 500);
  EXPECT_EQ(server.body.find("relation"), std::string::npos);
  EXPECT_NE(server.body.find("abc"), std::string::npos);
}

}  // namespace
}  // namespace hub::api
