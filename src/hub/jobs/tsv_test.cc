#include "hub/jobs/tsv.h"

#include "gtest/gtest.h"

namespace hub::jobs {
namespace {

TEST(TsvTest, EscapesAndSplitsRoundTrip) {
  std::string line;
  AppendTsvField(line, "a\tb\\c");
  line.push_back('\t');
  AppendTsvField(line, "line\nbreak\r");

  auto fields = SplitTsvLine(line);

  ASSERT_EQ(fields.size(), 2u);
  EXPECT_EQ(fields[0], "a\tb\\c");
  EXPECT_EQ(fields[1], "line\nbreak\r");
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(TsvTest, SplitPrefixLeavesTheRestUntouched) {
  std::vector<std::string> head;

  std::string_view rest = SplitTsvPrefix("7\t\t[1.5,\"a\\tb\"]", 2, head);

  EXPECT_EQ(head, (std::vector<std::string>{"7", ""}));
  EXPECT_EQ(rest, "[1.5,\"a\\tb\"]");
}

TEST(TsvTest, SplittingIntoAVectorReplacesWhatItHeld) {
  std::vector<std::string> fields = {"a long field from an earlier line", "x", "y", "z"};

  SplitTsvLine("1\\tb\tc", fields);

  EXPECT_EQ(fields, (std::vector<std::string>{"1\tb", "c"}));

  SplitTsvLine("", fields);

  EXPECT_EQ(fields, (std::vector<std::string>{""}));
}

TEST(TsvTest, SplitPrefixOfAShortLineGivesTheFieldsItHas) {
  std::vector<std::string> head = {"old", "old", "old"};

  std::string_view rest = SplitTsvPrefix("only", 2, head);

  EXPECT_EQ(head, (std::vector<std::string>{"only"}));
  EXPECT_EQ(rest, "");
}

}  // namespace
}  // namespace hub::jobs
