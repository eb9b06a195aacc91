#include "hub/jobs/input_reader.h"

#include <sstream>

#include "gtest/gtest.h"

namespace hub::jobs {
namespace {

// A stand-in for the RDKit check: SMILES here are upper-case letters, digits and ()=#.
bool LooksLikeSmiles(const std::string& text) {
  if (text.empty()) {
    return false;
  }
  for (char c : text) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '(' || c == ')' ||
              c == '=' || c == '#' || c == 'c' || c == 'n' || c == 'o';
    if (!ok) {
      return false;
    }
  }
  return true;
}

struct Read {
  InputShape shape;
  std::vector<InputRow> rows;
  absl::Status status;
};

Read ReadAll(const std::string& text, const InputOptions& options = {}) {
  Read out;
  auto reader =
      InputReader::Open(std::make_unique<std::istringstream>(text), options, LooksLikeSmiles);
  if (!reader.ok()) {
    out.status = reader.status();
    return out;
  }
  out.shape = (*reader)->shape();
  InputRow row;
  while ((*reader)->Next(row)) {
    out.rows.push_back(row);
  }
  out.status = (*reader)->status();
  return out;
}

TEST(InputReaderTest, PlainListWithoutHeader) {
  Read read = ReadAll("CCO\nC1=CC=CC=C1\n");

  ASSERT_TRUE(read.status.ok());
  EXPECT_FALSE(read.shape.header);
  ASSERT_EQ(read.rows.size(), 2u);
  EXPECT_EQ(read.rows[1].smiles, "C1=CC=CC=C1");
}

TEST(InputReaderTest, KnownColumnNameMakesAHeader) {
  Read read = ReadAll("smiles\r\nCCO\r\nCCN");

  ASSERT_TRUE(read.status.ok());
  EXPECT_TRUE(read.shape.header);
  EXPECT_NE(read.shape.header_reason.find("smiles"), std::string::npos);
  EXPECT_EQ(read.rows.size(), 2u);
}

TEST(InputReaderTest, NonSmilesFirstLineFollowedBySmilesIsAHeader) {
  Read read = ReadAll("my molecules\nCCO\nCCN\n");

  EXPECT_TRUE(read.shape.header);
  EXPECT_EQ(read.rows.size(), 2u);
}

TEST(InputReaderTest, ExplicitChoiceWins) {
  InputOptions options;
  options.has_header = false;
  Read kept = ReadAll("smiles\nCCO\n", options);

  EXPECT_FALSE(kept.shape.header);
  ASSERT_EQ(kept.rows.size(), 2u);
  EXPECT_EQ(kept.rows[0].smiles, "smiles");
}

TEST(InputReaderTest, CsvWithIdColumnByName) {
  Read read = ReadAll("inchikey,smiles\nAAA,CCO\n\"B,B\",CCN\n");

  ASSERT_TRUE(read.status.ok());
  EXPECT_EQ(read.shape.format, InputFormat::kCsv);
  EXPECT_EQ(read.shape.smiles_column, 1);
  EXPECT_EQ(read.shape.id_column, 0);
  EXPECT_EQ(read.rows[1].id, "B,B");
  EXPECT_EQ(read.rows[1].smiles, "CCN");
}

TEST(InputReaderTest, SmiFilesCarryNames) {
  Read read = ReadAll("CCO ethanol\nc1ccccc1 benzene ring\n");

  EXPECT_EQ(read.shape.format, InputFormat::kSmi);
  ASSERT_EQ(read.rows.size(), 2u);
  EXPECT_EQ(read.rows[1].id, "benzene ring");
}

TEST(InputReaderTest, TwoColumnsWithoutHeaderFindTheSmiles) {
  Read read = ReadAll("mol-1,CCO\nmol-2,CCN\n");

  EXPECT_FALSE(read.shape.header);
  EXPECT_EQ(read.shape.smiles_column, 1);
  EXPECT_EQ(read.rows[0].id, "mol-1");
}

TEST(InputReaderTest, RefusesBinaryEmptyAndHeaderOnly) {
  EXPECT_NE(std::string(ReadAll(std::string("\x89PNG\0\0", 6)).status.message()).find("binary"),
            std::string::npos);
  EXPECT_FALSE(ReadAll("").status.ok());
  EXPECT_NE(std::string(ReadAll("smiles\n").status.message()).find("no molecules"),
            std::string::npos);
}

TEST(InputReaderTest, RefusesAnOverlongLine) {
  InputOptions options;
  options.max_field_bytes = 1000;

  Read read = ReadAll("CCO\n" + std::string(5000, 'C') + "\n", options);

  EXPECT_EQ(read.status.code(), absl::StatusCode::kInvalidArgument);
}

TEST(InputReaderTest, StopsReadingAnOverlongSmiLineAtTheLimit) {
  InputOptions options;
  options.format = InputFormat::kSmi;
  options.max_field_bytes = 1000;
  std::string text;
  for (int i = 0; i < 200; ++i) {
    text += "CCO ethanol\n";
  }
  text += std::string(1'000'000, 'C') + " long\n";
  auto stream = std::make_unique<std::istringstream>(text);
  std::istringstream* raw = stream.get();
  auto reader = InputReader::Open(std::move(stream), options, LooksLikeSmiles);
  ASSERT_TRUE(reader.ok()) << reader.status();

  InputRow row;
  int rows = 0;
  while ((*reader)->Next(row)) {
    ++rows;
  }

  EXPECT_EQ(rows, 200);
  EXPECT_NE(std::string((*reader)->status().message()).find("longer than the limit of 1000"),
            std::string::npos)
      << (*reader)->status();
  // The reader kept no more than the limit: most of the long line was never read.
  raw->clear();
  EXPECT_LT(raw->tellg(), 10'000);
}

TEST(InputReaderTest, ColumnsByPositionAndUnknownNames) {
  InputOptions options;
  options.has_header = true;
  options.smiles_column = "2";
  Read by_position = ReadAll("a,b\nx,CCO\n", options);
  options.smiles_column = "smiles";
  Read unknown = ReadAll("a,b\nx,CCO\n", options);

  EXPECT_EQ(by_position.rows[0].smiles, "CCO");
  EXPECT_NE(std::string(unknown.status.message()).find("not in the header"), std::string::npos);
}

}  // namespace
}  // namespace hub::jobs
