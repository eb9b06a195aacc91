#include "hub/api/json_fields.h"

#include "gtest/gtest.h"

#include "hub/common/strings.h"

namespace hub::api {
namespace {

std::string MessageOf(const absl::Status& status) {
  return common::ToString(status.message());
}

TEST(JsonFieldsTest, ReadsTypedFields) {
  auto body = nlohmann::json::parse(
      R"({"name":"x","flag":true,"list":["A","B"],"user":{"email":"a@b.org"},"gone":null})");
  JsonFields fields(body);

  EXPECT_EQ(*fields.RequiredString("name", 10), "x");
  EXPECT_TRUE(*fields.OptionalBool("flag", false));
  EXPECT_FALSE(*fields.OptionalBool("missing", false));
  EXPECT_EQ(fields.OptionalStringList("list", 5, 5)->value().size(), 2u);
  EXPECT_FALSE(fields.OptionalString("gone", 10)->has_value());
  EXPECT_EQ(*fields.RequiredObject("user")->RequiredString("email", 100), "a@b.org");
}

TEST(JsonFieldsTest, ErrorsNameTheField) {
  auto body = nlohmann::json::parse(R"({"name":7,"long":"abcdef","user":{},"list":[1]})");
  JsonFields fields(body);

  EXPECT_EQ(MessageOf(fields.RequiredString("name", 10).status()), "name must be a string");
  EXPECT_EQ(MessageOf(fields.RequiredString("long", 3).status()),
            "long must be at most 3 characters");
  EXPECT_EQ(MessageOf(fields.RequiredObject("user")->RequiredString("email", 9).status()),
            "user.email is required");
  EXPECT_EQ(MessageOf(fields.OptionalBool("name", false).status()), "name must be true or false");
  EXPECT_FALSE(fields.OptionalStringList("list", 5, 5).ok());
  EXPECT_EQ(MessageOf(fields.RequiredObject("name").status()), "name must be an object");
}

}  // namespace
}  // namespace hub::api
