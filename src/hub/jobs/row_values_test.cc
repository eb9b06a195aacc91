#include "hub/jobs/row_values.h"

#include "gtest/gtest.h"

namespace hub::jobs {
namespace {

TEST(RowValuesTest, KeepsTheModelsSpellingOfNumbers) {
  auto members = SplitJsonObject(R"({"mol_weight": 137.14199999999997, "n": 8.0, "s":"a\"b"})");

  ASSERT_TRUE(members.ok()) << members.status();
  EXPECT_EQ(ValuesArray(*members, {"mol_weight", "n", "s"}), R"([137.14199999999997,8.0,"a\"b"])");
  EXPECT_EQ(MemberKeys(*members), (std::vector<std::string>{"mol_weight", "n", "s"}));
}

TEST(RowValuesTest, ReordersAndFillsMissingColumnsWithNull) {
  auto members = SplitJsonObject(R"({"b":2,"a":[1,{"x":"}"}]})");

  ASSERT_TRUE(members.ok());
  EXPECT_EQ(ValuesArray(*members, {"a", "b", "c"}), R"([[1,{"x":"}"}],2,null])");
}

TEST(RowValuesTest, RejectsMalformedObjects) {
  EXPECT_FALSE(SplitJsonObject("[1,2]").ok());
  EXPECT_FALSE(SplitJsonObject(R"({"a":1)").ok());
  EXPECT_FALSE(SplitJsonObject(R"({"a" 1})").ok());
  EXPECT_TRUE(SplitJsonObject("{}")->empty());
}

TEST(RowValuesTest, SplitsArraysAndDecodesStrings) {
  auto elements = SplitJsonArray(R"([1.5, null, "x,y", [2]])");
  std::string decoded;

  ASSERT_TRUE(elements.ok());
  EXPECT_EQ(elements->size(), 4u);
  EXPECT_EQ((*elements)[2], "\"x,y\"");
  EXPECT_TRUE(DecodeJsonString(R"("a\u00e9\n")", decoded));
  EXPECT_EQ(decoded, "a\xc3\xa9\n");
  EXPECT_FALSE(DecodeJsonString(R"("bad\u12")", decoded));
}

TEST(RowValuesTest, SplitsArraysIntoAReusedVectorAndRejectsMalformedOnes) {
  std::vector<std::string_view> elements = {"left", "over"};

  EXPECT_TRUE(SplitJsonArray("[ ]", elements));
  EXPECT_TRUE(elements.empty());
  EXPECT_TRUE(SplitJsonArray(R"([7,"a]b"])", elements));
  EXPECT_EQ(elements, (std::vector<std::string_view>{"7", "\"a]b\""}));
  EXPECT_FALSE(SplitJsonArray("[1,2", elements));
  EXPECT_FALSE(SplitJsonArray("[1 2]", elements));
  EXPECT_FALSE(SplitJsonArray("{}", elements));
  EXPECT_FALSE(SplitJsonArray("[1,]", elements));
}

}  // namespace
}  // namespace hub::jobs
