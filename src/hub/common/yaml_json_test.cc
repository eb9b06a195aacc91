#include "hub/common/yaml_json.h"

#include "gtest/gtest.h"

namespace hub::common {
namespace {

TEST(YamlJsonTest, TypesPlainScalarsAndKeepsQuotedOnesAsStrings) {
  auto json = YamlToJson("a: 1\nb: true\nc: \"1\"\nd: [x, 2.5]\ne: ~\nf: \"200\"\n");

  ASSERT_TRUE(json.ok());
  EXPECT_EQ((*json)["a"], 1);
  EXPECT_EQ((*json)["b"], true);
  EXPECT_EQ((*json)["c"], "1");
  EXPECT_EQ((*json)["d"][1], 2.5);
  EXPECT_TRUE((*json)["e"].is_null());
  EXPECT_EQ((*json)["f"], "200");
}

TEST(YamlJsonTest, ReportsMalformedYaml) {
  EXPECT_FALSE(YamlToJson("a: [1, 2").ok());
}

}  // namespace
}  // namespace hub::common
