#include "hub/models/metadata.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include "hub/models/embedded_data.h"
#include "hub/models/registry.h"
#include "hub/models/test_data.h"

namespace hub::models {
namespace {

using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::StartsWith;

ModelFiles SmallModel() {
  ModelFiles files;
  files.metadata_json = R"({"Identifier": "eos0abc", "Slug": "tiny", "Title": "T"})";
  files.run_columns_csv =
      "name,type,direction,description\r\ncount,integer,high,A count\r\n"
      "score,float,,A score\r\n";
  files.run_input_csv = "smiles\nCCO\nc1ccccc1\n";
  files.run_output_csv = "count,score\n3,0.5\n6,1.0";
  return files;
}

TEST(MetadataTest, EmbedsThePublishedFilesUnchanged) {
  const std::string shared = testing::SharedDataDir();
  if (shared.empty()) {
    GTEST_FAIL() << "../shared/data not found";
  }
  size_t compared = 0;
  for (const EmbeddedFile& file : EmbeddedModelFiles()) {
    // A model published with metadata.yml ships a metadata.json converted from it.
    const std::string published = shared + "/models/" + std::string(file.path);
    if (!std::filesystem::exists(published)) {
      continue;
    }
    std::ifstream in(published, std::ios::binary);
    std::ostringstream contents;
    contents << in.rdbuf();

    EXPECT_EQ(file.contents, contents.str()) << file.path;
    ++compared;
  }
  EXPECT_EQ(EmbeddedModelFiles().size(), 4 * BuiltinModelIds().size());
  EXPECT_GE(compared, EmbeddedModelFiles().size() - BuiltinModelIds().size());
}

TEST(MetadataTest, CompletesTheCardLikeErsiliaPack) {
  auto info = BuildModelInfo(SmallModel());

  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->id, "eos0abc");
  EXPECT_EQ(info->slug, "tiny");
  EXPECT_EQ(info->card_json,
            R"({"Identifier":"eos0abc","Slug":"tiny","Title":"T","Input Shape":"Single",)"
            R"("Output Type":["Float"],"Output Shape":"List"})");
  EXPECT_EQ(info->card["Output Type"], nlohmann::json::array({"Float"}));
  EXPECT_FALSE(info->json_integers);
}

TEST(MetadataTest, ReadsColumnsAndExamples) {
  auto info = BuildModelInfo(SmallModel());

  ASSERT_TRUE(info.ok()) << info.status();
  ASSERT_EQ(info->columns.size(), 2u);
  EXPECT_EQ(info->columns[0].name, "count");
  EXPECT_EQ(info->columns[0].type, ColumnType::kInteger);
  EXPECT_EQ(info->columns[0].format, CellFormat::kInteger);
  EXPECT_EQ(info->columns[0].direction, "high");
  EXPECT_EQ(info->columns[1].format, CellFormat::kPythonFloat);
  EXPECT_THAT(info->example_input_columns, ElementsAre("smiles"));
  EXPECT_THAT(info->example_inputs, ElementsAre("CCO", "c1ccccc1"));
  EXPECT_THAT(info->example_output_columns, ElementsAre("count", "score"));
  ASSERT_EQ(info->example_outputs.size(), 2u);
  EXPECT_THAT(info->example_outputs[1], ElementsAre("6", "1.0"));
}

TEST(MetadataTest, InfersIntegerOutputTypeAndKeepsPublishedFields) {
  ModelFiles files = SmallModel();
  files.metadata_json = R"({"Identifier": "eos0abc", "Slug": "tiny", "Output Shape": "Single"})";
  files.run_columns_csv = "name,type,direction,description\ncount,integer,,\n";
  files.run_output_csv = "count\n3\n";

  auto info = BuildModelInfo(files);

  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_TRUE(info->json_integers);
  EXPECT_THAT(info->card_json, EndsWith(R"("Output Shape":"Single","Input Shape":"Single",)"
                                        R"("Output Type":["Integer"]})"));
}

TEST(MetadataTest, RejectsMalformedFiles) {
  ModelFiles bad_header = SmallModel();
  bad_header.run_columns_csv = "name,type\ncount,integer\n";
  ModelFiles bad_type = SmallModel();
  bad_type.run_columns_csv = "name,type,direction,description\ncount,other,,\n";
  ModelFiles bad_output = SmallModel();
  bad_output.run_output_csv = "score,count\n";
  ModelFiles bad_card = SmallModel();
  bad_card.metadata_json = "[1, 2]";
  ModelFiles no_slug = SmallModel();
  no_slug.metadata_json = R"({"Identifier": "eos0abc"})";

  EXPECT_THAT(BuildModelInfo(bad_header).status().message(), HasSubstr("header"));
  EXPECT_THAT(BuildModelInfo(bad_type).status().message(), HasSubstr("unsupported type"));
  EXPECT_THAT(BuildModelInfo(bad_output).status().message(), HasSubstr("run_output.csv"));
  EXPECT_THAT(BuildModelInfo(bad_card).status().message(), HasSubstr("not a JSON object"));
  EXPECT_THAT(BuildModelInfo(no_slug).status().message(), HasSubstr("Slug"));
  EXPECT_EQ(BuildModelInfo(bad_card).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(MetadataTest, LoadsEmbeddedMetadataOfEveryBuiltinModel) {
  for (const std::string& id : BuiltinModelIds()) {
    auto info = LoadModelInfo(id, "");

    ASSERT_TRUE(info.ok()) << id << ": " << info.status();
    EXPECT_EQ(info->id, id);
    EXPECT_THAT(info->card_json, StartsWith(R"({"Identifier":")" + id + "\""));
    EXPECT_EQ(info->example_outputs.size(), 3u) << id;
  }
}

TEST(MetadataTest, ReadsFromADirectoryWhenGiven) {
  const std::string dir = ::testing::TempDir() + "/metadata_test";
  std::filesystem::create_directories(dir + "/eos0abc");
  const ModelFiles files = SmallModel();
  std::ofstream(dir + "/eos0abc/metadata.json") << files.metadata_json;
  std::ofstream(dir + "/eos0abc/run_columns.csv") << files.run_columns_csv;
  std::ofstream(dir + "/eos0abc/run_input.csv") << files.run_input_csv;
  std::ofstream(dir + "/eos0abc/run_output.csv") << files.run_output_csv;

  auto info = LoadModelInfo("eos0abc", dir);
  auto missing = LoadModelInfo("eos0xyz", dir);

  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->slug, "tiny");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hub::models
