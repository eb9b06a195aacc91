#include "hub/http/request_target.h"

#include "gtest/gtest.h"

namespace hub::http {
namespace {

TEST(RequestTargetTest, DecodesPathAndQuery) {
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;

  ASSERT_TRUE(SplitTarget("/a%20b/c?x=1&y=%2F+z&flag&model_ids=a&model_ids=b", path, query).ok());

  EXPECT_EQ(path, "/a b/c");
  ASSERT_EQ(query.size(), 5u);
  EXPECT_EQ(query[1], (std::pair<std::string, std::string>{"y", "/ z"}));
  EXPECT_EQ(query[2], (std::pair<std::string, std::string>{"flag", ""}));
}

TEST(RequestTargetTest, RejectsBadEscapesAndAbsoluteForm) {
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;

  EXPECT_FALSE(SplitTarget("/a%zz", path, query).ok());
  EXPECT_FALSE(SplitTarget("/a?x=%4", path, query).ok());
  EXPECT_FALSE(SplitTarget("http://host/a", path, query).ok());
}

TEST(RequestTargetTest, EncodesReservedCharacters) {
  EXPECT_EQ(PercentEncode("C(=O)O c#1"), "C%28%3DO%29O%20c%231");
}

}  // namespace
}  // namespace hub::http
