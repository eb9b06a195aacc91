#include "hub/common/csv.h"

#include <sstream>

#include "gtest/gtest.h"

namespace hub::common {
namespace {

std::vector<std::vector<std::string>> ReadAll(const std::string& text, absl::Status* status) {
  std::istringstream in(text);
  CsvReader reader(in);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> fields;
  while (reader.Next(fields)) {
    rows.push_back(fields);
  }
  *status = reader.status();
  return rows;
}

TEST(CsvReaderTest, ReadsQuotedFieldsAndMixedLineEndings) {
  absl::Status status;

  auto rows = ReadAll("\xEF\xBB\xBFsmiles,id\r\n\"C(=O)O\",\"a, b\"\nCCO,\"he said \"\"hi\"\"\"\rN",
                      &status);

  ASSERT_TRUE(status.ok()) << status;
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"smiles", "id"}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{"C(=O)O", "a, b"}));
  EXPECT_EQ(rows[2], (std::vector<std::string>{"CCO", "he said \"hi\""}));
  EXPECT_EQ(rows[3], (std::vector<std::string>{"N"}));
}

TEST(CsvReaderTest, KeepsLineBreaksInsideQuotes) {
  absl::Status status;

  auto rows = ReadAll("\"a\nb\",c\n", &status);

  ASSERT_TRUE(status.ok());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], "a\nb");
}

TEST(CsvReaderTest, RejectsUnterminatedQuote) {
  absl::Status status;

  ReadAll("a\n\"never closed\n", &status);

  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("line 2"), std::string::npos);
}

TEST(CsvReaderTest, RejectsOverlongField) {
  std::istringstream in(std::string(100, 'x'));
  CsvReader::Options options;
  options.max_field_bytes = 10;
  CsvReader reader(in, options);
  std::vector<std::string> fields;

  EXPECT_FALSE(reader.Next(fields));

  EXPECT_EQ(reader.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(CsvWriterTest, QuotesOnlyWhenNeeded) {
  std::string out;

  AppendCsvRow(out, {"plain", "a,b", "say \"x\"", ""});

  EXPECT_EQ(out, "plain,\"a,b\",\"say \"\"x\"\"\",\n");
}

}  // namespace
}  // namespace hub::common
