#include "hub/http/json_body.h"

#include "gtest/gtest.h"

namespace hub::http {
namespace {

TEST(JsonBodyTest, ExplainsWhereTheSyntaxBreaks) {
  Request request;
  request.body = "{\"a\": }";

  auto parsed = ParseJsonBody(request);

  ASSERT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  std::string message(parsed.status().message());
  EXPECT_NE(message.find("not valid JSON"), std::string::npos) << message;
  EXPECT_NE(message.find("column"), std::string::npos) << message;
}

TEST(JsonBodyTest, RejectsEmptyBodiesAndNonObjects) {
  Request empty;
  Request array;
  array.body = "[1]";

  EXPECT_FALSE(ParseJsonBody(empty).ok());
  EXPECT_FALSE(ParseJsonObject(array).ok());
  EXPECT_TRUE(ParseJsonBody(array).ok());
}

}  // namespace
}  // namespace hub::http
