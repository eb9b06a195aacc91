#include "hub/models/pickle_reader.h"

#include <unistd.h>
#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include "hub/models/np_score.h"
#include "hub/models/resources.h"
#include "hub/models/sa_score.h"

namespace hub::models {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

// Big-endian IEEE double, as pickle's BINFLOAT stores it.
std::string BinFloat(double value) {
  std::uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof(bits));
  std::string out = "G";
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((bits >> shift) & 0xff));
  }
  return out;
}

TEST(PickleReaderTest, ParsesProtocolZeroListOfScoreLists) {
  const std::string pickle = "(lp0\n(lp1\nF-2.5\naI7\naL8L\naa(lp2\nF1.0\naI7\naa.";

  auto scores = ParseFragmentScorePickle(pickle);

  ASSERT_TRUE(scores.ok()) << scores.status();
  EXPECT_THAT(*scores, ElementsAre(Pair(7u, -2.5), Pair(8u, -2.5), Pair(7u, 1.0)));
  EXPECT_EQ(SaScoreTable(*scores).Lookup(7), 1.0);  // the later entry wins, as in Python
  EXPECT_EQ(SaScoreTable(*scores).Lookup(9), -4.0);
}

TEST(PickleReaderTest, ParsesProtocolTwoDict) {
  const std::string pickle = std::string("\x80\x02}q\x00(J\x07\x00\x00\x00", 11) + BinFloat(0.5) +
                             "I4294967295\n" + BinFloat(-1.25) + std::string("K\x09", 2) +
                             BinFloat(2.0) + "u.";

  auto scores = ParseNpModelPickle(pickle);

  ASSERT_TRUE(scores.ok()) << scores.status();
  EXPECT_THAT(*scores, ElementsAre(Pair(7u, 0.5), Pair(4294967295u, -1.25), Pair(9u, 2.0)));
}

TEST(PickleReaderTest, RejectsMalformedPickles) {
  EXPECT_EQ(ParseFragmentScorePickle("(lp0\n(lp1\nF-2.5\naI7").status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_THAT(ParseFragmentScorePickle("cos\nsystem\n.").status().message(),
              HasSubstr("unsupported opcode 0x63"));
  EXPECT_THAT(ParseFragmentScorePickle("(lp0\nFabc\na.").status().message(),
              HasSubstr("bad float"));
  EXPECT_EQ(ParseFragmentScorePickle("").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(ParseFragmentScorePickle("a.").status().code(), absl::StatusCode::kDataLoss);
}

TEST(PickleReaderTest, RejectsOtherShapes) {
  EXPECT_THAT(ParseFragmentScorePickle("}.").status().message(), HasSubstr("not a list"));
  EXPECT_THAT(ParseNpModelPickle("(lp0\n.").status().message(), HasSubstr("not a dict"));
  EXPECT_THAT(ParseFragmentScorePickle("(lp0\n(lp1\nF1.0\naI-3\naa.").status().message(),
              HasSubstr("fragment id"));
}

TEST(PickleReaderTest, ReadsGzipFilesAndNamesMissingOnes) {
  std::string path = ::testing::TempDir() + "/pickle_reader_test.gz";
  gzFile file = gzopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  gzputs(file, "(lp0\n.");
  gzclose(file);

  auto text = ReadGzipFile(path);
  auto missing = ReadGzipFile(path + ".missing");

  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "(lp0\n.");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(missing.status().message(), HasSubstr(path + ".missing"));
  std::filesystem::remove(path);
}

TEST(PickleReaderTest, LoadErrorsNameTheDebianPackage) {
  auto table = SaScoreTable::Load("/nonexistent/fpscores.pkl.gz");

  EXPECT_EQ(table.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(table.status().message(), HasSubstr("/nonexistent/fpscores.pkl.gz"));
  EXPECT_THAT(table.status().message(), HasSubstr("rdkit-data"));
}

TEST(PickleReaderTest, LoadsTheDebianTables) {
  const std::string data_dir = ResourceOptions().rdkit_data_dir;
  if (!std::filesystem::exists(SaScoreTablePath(data_dir))) {
    GTEST_FAIL() << "rdkit-data is not installed";
  }

  auto table = SaScoreTable::Load(SaScoreTablePath(data_dir));
  auto model = NpModel::Load(NpModelPath(data_dir));

  ASSERT_TRUE(table.ok()) << table.status();
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ(table->size(), 705292u);
  EXPECT_EQ(model->size(), 266104u);
}

}  // namespace
}  // namespace hub::models
