#include "hub/models/protocol.h"

#include <chrono>
#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

#include "hub/common/strings.h"
#include "hub/models/registry.h"

namespace hub::models {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr double kNull = NAN;

ModelInfo FloatModel() {
  ModelInfo info;
  info.id = "eos0abc";
  info.slug = "tiny";
  info.columns = {Column{"count", ColumnType::kInteger, CellFormat::kInteger, "", ""},
                  Column{"score", ColumnType::kFloat, CellFormat::kPythonFloat, "", ""},
                  Column{"sa", ColumnType::kFloat, CellFormat::kFixed6, "", ""}};
  return info;
}

ModelInfo IntegerModel() {
  ModelInfo info;
  info.id = "eos0int";
  info.columns = {Column{"dim_0", ColumnType::kInteger, CellFormat::kInteger, "", ""},
                  Column{"dim_1", ColumnType::kInteger, CellFormat::kInteger, "", ""}};
  info.json_integers = true;
  return info;
}

RowResult Row(std::vector<double> values, std::string error = "") {
  return RowResult{std::move(values), std::move(error)};
}

std::string ParseError(std::string_view body) {
  auto request = ParseRunBody(body);
  EXPECT_FALSE(request.ok()) << body.substr(0, 80);
  EXPECT_EQ(request.status().code(), absl::StatusCode::kInvalidArgument);
  return common::ToString(request.status().message());
}

// ---- /run body -------------------------------------------------------------------------

TEST(ParseRunBodyTest, ParsesAListOfStrings) {
  auto request = ParseRunBody(R"(["CCO", "c1ccccc1", "C\/C\u00e9"])");

  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_THAT(request->inputs, ElementsAre("CCO", "c1ccccc1", "C/C\xc3\xa9"));
  EXPECT_TRUE(request->keys.empty());
}

TEST(ParseRunBodyTest, ParsesKeyInputObjectsIgnoringOtherFields) {
  auto request = ParseRunBody(
      R"([{"key": "k1", "input": "CCO"}, {"input": "CC", "extra": [1], "key": "k2"}])");

  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_THAT(request->inputs, ElementsAre("CCO", "CC"));
  EXPECT_THAT(request->keys, ElementsAre("k1", "k2"));
}

TEST(ParseRunBodyTest, RejectsObjectsMissingAField) {
  EXPECT_THAT(ParseError(R"([{"input": "CCO"}])"), HasSubstr("item 0 has no string field 'key'"));
  EXPECT_THAT(ParseError(R"([{"key": "a", "input": "C"}, {"key": "b"}])"),
              HasSubstr("item 1 has no string field 'input'"));
  EXPECT_THAT(ParseError(R"([{"key": 1, "input": "CCO"}])"), HasSubstr("not a string"));
}

TEST(ParseRunBodyTest, RejectsOtherShapes) {
  EXPECT_THAT(ParseError("CCO"), HasSubstr("not valid JSON"));
  EXPECT_THAT(ParseError(""), HasSubstr("not valid JSON"));
  EXPECT_THAT(ParseError(R"({"inputs": ["CCO"]})"), HasSubstr("not an array"));
  EXPECT_THAT(ParseError(R"("CCO")"), HasSubstr("not an array"));
  EXPECT_THAT(ParseError(R"(["CCO", 5])"), HasSubstr("item 1 is a number"));
  EXPECT_THAT(ParseError(R"([null])"), HasSubstr("item 0 is null"));
  EXPECT_THAT(ParseError(R"([["CCO"]])"), HasSubstr("item 0 is an array"));
  EXPECT_THAT(ParseError(R"(["CCO", {"key": "k", "input": "C"}])"),
              HasSubstr("item 1 is an object but item 0 is a string"));
  EXPECT_THAT(ParseError(R"(["CCO"] ["CC"])"), HasSubstr("not valid JSON"));
  EXPECT_THAT(ParseError(R"(["CCO")"), HasSubstr("not valid JSON"));
  EXPECT_THAT(ParseError("[\"C\xff\"]"), HasSubstr("not valid JSON"));
  EXPECT_THAT(ParseError(std::string(100000, '[') + std::string(100000, ']')),
              StartsWith("invalid /run body"));
}

TEST(ParseRunBodyTest, RejectsAnEmptyListLikeErsiliaPack) {
  EXPECT_EQ(ParseError("[]"), "Data is empty.");
  EXPECT_EQ(ParseError(" [ ] "), "Data is empty.");
}

TEST(ParseRunBodyTest, KeepsNulBytesForTheRowToReject) {
  auto escaped = ParseRunBody(R"(["CC\u0000O"])");
  auto raw = ParseRunBody(std::string("[\"CC\0O\"]", 8));

  ASSERT_TRUE(escaped.ok()) << escaped.status();
  EXPECT_EQ(escaped->inputs[0], std::string("CC\0O", 4));
  // simdjson may accept or refuse a raw control character; either way, no crash.
  if (raw.ok()) {
    EXPECT_EQ(raw->inputs[0].size(), 4u);
  }
}

TEST(ParseRunBodyTest, HandlesHugeStringsAndManyItems) {
  const std::string huge(10 << 20, 'C');
  std::string many = "[";
  for (int i = 0; i < 100000; ++i) {
    many += i == 0 ? "\"CCO\"" : ",\"c1ccccc1\"";
  }
  many += "]";

  auto one = ParseRunBody("[\"" + huge + "\"]");
  auto hundred_thousand = ParseRunBody(many);

  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->inputs[0].size(), huge.size());
  ASSERT_TRUE(hundred_thousand.ok()) << hundred_thousand.status();
  EXPECT_EQ(hundred_thousand->inputs.size(), 100000u);
  EXPECT_EQ(hundred_thousand->inputs[99999], "c1ccccc1");
}

TEST(ParseRunBodyTest, ParsesQueryValues) {
  EXPECT_EQ(*ParseOrient(""), Orient::kRecords);
  EXPECT_EQ(*ParseOrient("split"), Orient::kSplit);
  EXPECT_EQ(*ParseOrient("index"), Orient::kIndex);
  EXPECT_THAT(ParseOrient("table").status().message(), HasSubstr("records, split"));
  EXPECT_TRUE(*ParseBoolParameter("include_errors", "True"));
  EXPECT_FALSE(*ParseBoolParameter("include_errors", ""));
  EXPECT_EQ(ParseBoolParameter("include_errors", "maybe").status().code(),
            absl::StatusCode::kInvalidArgument);
}

// ---- /run answers ------------------------------------------------------------------------

TEST(RenderRunJsonTest, RecordsTypeValuesByOutputType) {
  const std::vector<RowResult> rows = {Row({8, 137.14199999999997, 3.3051869}),
                                       Row({kNull, kNull, kNull}, "invalid_smiles: x")};

  std::string json = RenderRunJson(FloatModel(), {"CCO", "bad"}, rows, RunRenderOptions());

  EXPECT_EQ(json, R"([{"count":8.0,"score":137.14199999999997,"sa":3.305187},)"
                  R"({"count":null,"score":null,"sa":null}])");
}

TEST(RenderRunJsonTest, IntegerModelsGiveJsonIntegers) {
  const std::vector<RowResult> rows = {Row({0, 255}), Row({kNull, kNull}, "empty_input: e")};

  EXPECT_EQ(RenderRunJson(IntegerModel(), {"C", ""}, rows, RunRenderOptions()),
            R"([{"dim_0":0,"dim_1":255},{"dim_0":null,"dim_1":null}])");
  EXPECT_EQ(RenderRunJson(IntegerModel(), {"C", ""}, rows, {Orient::kValues, false}),
            R"([[0,255],[null,null]])");
}

TEST(RenderRunJsonTest, IncludesErrorsOnlyWhenAsked) {
  const std::vector<RowResult> rows = {Row({1, 2}), Row({kNull, kNull}, "invalid_smiles: \"x\"")};
  const std::vector<std::string> inputs = {"C", "X"};

  EXPECT_EQ(RenderRunJson(IntegerModel(), inputs, rows, {Orient::kRecords, true}),
            R"([{"dim_0":1,"dim_1":2},{"dim_0":null,"dim_1":null,)"
            R"("_error":"invalid_smiles: \"x\""}])");
  EXPECT_EQ(RenderRunJson(IntegerModel(), inputs, rows, {Orient::kSplit, true}),
            R"({"columns":["dim_0","dim_1"],"index":["C","X"],"data":[[1,2],[null,null]],)"
            R"("errors":[null,"invalid_smiles: \"x\""]})");
  EXPECT_EQ(RenderRunJson(IntegerModel(), inputs, rows, {Orient::kColumns, true}),
            R"({"dim_0":{"C":1,"X":null},"dim_1":{"C":2,"X":null},)"
            R"("_error":{"C":null,"X":"invalid_smiles: \"x\""}})");
  EXPECT_EQ(CountRowErrors(rows), 1u);
}

TEST(RenderRunJsonTest, SplitIndexAndColumnsShapes) {
  const std::vector<RowResult> rows = {Row({1, 2}), Row({3, 4}), Row({1, 2})};
  const std::vector<std::string> inputs = {"C", "CC", "C"};

  EXPECT_EQ(RenderRunJson(IntegerModel(), inputs, rows, {Orient::kSplit, false}),
            R"({"columns":["dim_0","dim_1"],"index":["C","CC","C"],)"
            R"("data":[[1,2],[3,4],[1,2]]})");
  // Repeated inputs collapse, as in a Python dict.
  EXPECT_EQ(RenderRunJson(IntegerModel(), inputs, rows, {Orient::kIndex, false}),
            R"({"C":{"dim_0":1,"dim_1":2},"CC":{"dim_0":3,"dim_1":4}})");
  EXPECT_EQ(RenderRunJson(IntegerModel(), inputs, rows, {Orient::kColumns, false}),
            R"({"dim_0":{"C":1,"CC":3},"dim_1":{"C":2,"CC":4}})");
}

TEST(RenderRunJsonTest, DictOrientsKeepFirstPositionAndLastValue) {
  const std::vector<RowResult> rows = {Row({1, 2}), Row({3, 4}), Row({5, 6})};

  EXPECT_EQ(RenderRunJson(IntegerModel(), {"a", "b", "a"}, rows, {Orient::kIndex, false}),
            R"({"a":{"dim_0":5,"dim_1":6},"b":{"dim_0":3,"dim_1":4}})");
}

TEST(RenderRunJsonTest, EscapesInputsUsedAsKeys) {
  const std::vector<RowResult> rows = {Row({1, 2})};
  std::string json =
      RenderRunJson(IntegerModel(), {std::string("C\"\\\n\0\xff", 6)}, rows, {Orient::kIndex});

  auto parsed = nlohmann::json::parse(json, nullptr, false);
  ASSERT_FALSE(parsed.is_discarded()) << json;
  EXPECT_EQ(parsed.begin().key(), std::string("C\"\\\n\0\xef\xbf\xbd", 8));
}

TEST(RenderRunJsonTest, LargeFingerprintAnswerIsValid) {
  ModelInfo info;
  for (int c = 0; c < 2048; ++c) {
    char name[16];
    std::snprintf(name, sizeof(name), "dim_%04d", c);
    info.columns.push_back(Column{name, ColumnType::kInteger, CellFormat::kInteger, "", ""});
  }
  info.json_integers = true;
  std::vector<RowResult> rows(1000, Row(std::vector<double>(2048, 0.0)));
  for (size_t r = 0; r < rows.size(); ++r) {
    rows[r].values[r % 2048] = 1;
  }
  std::vector<std::string> inputs(rows.size(), "CCO");

  // Its speed is measured by bench/protocol_benchmark, not asserted here.
  std::string json = RenderRunJson(info, inputs, rows, RunRenderOptions());

  auto parsed = nlohmann::json::parse(json);
  EXPECT_EQ(parsed.size(), 1000u);
  EXPECT_EQ(parsed[7]["dim_0007"], 1);
}

TEST(RenderRunCsvTest, FormatsCellsPerColumn) {
  const std::vector<RowResult> rows = {Row({8, 137.14199999999997, 3.3051869}),
                                       Row({kNull, 1e-05, kNull}, "invalid_smiles: x")};

  EXPECT_EQ(RenderRunCsv(FloatModel(), rows),
            "count,score,sa\n8,137.14199999999997,3.305187\n,1e-05,\n");
}

// ---- metadata endpoints ------------------------------------------------------------------

class ProtocolMetadataTest : public ::testing::Test {
protected:
  void SetUp() override {
    auto model = CreateModel("eos3b5e", ModelResources{});
    ASSERT_TRUE(model.ok()) << model.status();
    model_ = std::move(*model);
  }

  const ModelInfo& info() const { return model_->info(); }

  ModelPtr model_;
};

TEST_F(ProtocolMetadataTest, RootAndCard) {
  EXPECT_EQ(RenderRoot(info()), R"({"eos3b5e":"molecular-weight"})");
  EXPECT_THAT(RenderCard(info()), StartsWith(R"({"Identifier":"eos3b5e","Slug":"molecular)"));
  EXPECT_EQ(*RenderCardField(info(), "Slug"), R"({"Slug":"molecular-weight"})");
  EXPECT_EQ(*RenderCardField(info(), "Input"), R"({"Input":["Compound"]})");
}

TEST_F(ProtocolMetadataTest, CardFieldErrors) {
  auto not_allowed = RenderCardField(info(), "License");
  ModelInfo bare = info();
  bare.card.erase("Subtask");
  auto missing = RenderCardField(bare, "Subtask");

  EXPECT_EQ(not_allowed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "Field Subtask not found in metadata");
}

TEST_F(ProtocolMetadataTest, Examples) {
  EXPECT_EQ(RenderExampleInput(info()),
            R"(["Nc1cccc(c1)-c1cc2c(Oc3cccc(O)c3)ncnc2[nH]1","C1=CN=CC=C1C(=O)NN",)"
            R"("CC(CN1C=NC2=C(N=CN=C21)N)OCP(=O)(O)O"])");
  EXPECT_EQ(RenderExampleOutput(info(), Orient::kRecords),
            R"([{"mol_weight":318.336},{"mol_weight":137.14199999999997},)"
            R"({"mol_weight":287.21599999999995}])");
  EXPECT_EQ(RenderExampleOutput(info(), Orient::kIndex),
            R"({"318.336":{"mol_weight":318.336},"137.14199999999997":)"
            R"({"mol_weight":137.14199999999997},"287.21599999999995":)"
            R"({"mol_weight":287.21599999999995}})");
  EXPECT_EQ(RenderInputColumns(info()), R"(["smiles"])");
  EXPECT_EQ(RenderOutputColumns(info()), R"(["mol_weight"])");
}

TEST_F(ProtocolMetadataTest, ModelsStatus) {
  ServerStatus status;
  status.workers.push_back(WorkerStatus{"0", "2026-12-03T10:00:00Z", "READY", 12.5, 42});

  auto parsed = nlohmann::json::parse(RenderModelsStatus(info(), status));

  ASSERT_EQ(parsed.size(), 1u);
  EXPECT_EQ(parsed[0]["modelName"], "eos3b5e");
  EXPECT_EQ(parsed[0]["modelVersion"], "1.0");
  EXPECT_EQ(parsed[0]["loadedAtStartup"], true);
  EXPECT_EQ(parsed[0]["workers"][0]["pid"], 42);
  EXPECT_EQ(parsed[0]["workers"][0]["memoryUsage"], 12.5);
}

}  // namespace
}  // namespace hub::models
