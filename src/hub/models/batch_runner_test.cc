#include "hub/models/batch_runner.h"

#include <atomic>
#include <cmath>
#include <stdexcept>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include <GraphMol/ROMol.h>

#include "hub/models/registry.h"
#include "hub/models/test_data.h"

namespace hub::models {
namespace {

using ::testing::StartsWith;

// Counts atoms; fails on 4 atoms and throws on 5, to exercise both error paths.
class AtomCountModel final : public Model {
public:
  AtomCountModel() {
    info_.id = "eos0000";
    info_.columns = {Column{"atoms", ColumnType::kInteger, CellFormat::kInteger, "", ""}};
  }

  const ModelInfo& info() const override { return info_; }

  absl::Status Compute(const RDKit::ROMol& mol, std::vector<double>& values) const override {
    ++calls;
    if (mol.getNumAtoms() == 4) {
      return absl::InvalidArgumentError("four atoms");
    }
    if (mol.getNumAtoms() == 5) {
      throw std::runtime_error("five atoms");
    }
    values[0] = mol.getNumAtoms();
    return absl::OkStatus();
  }

  mutable std::atomic<int> calls{0};

private:
  ModelInfo info_;
};

TEST(BatchRunnerTest, ReturnsRowsInInputOrderWithPerRowErrors) {
  AtomCountModel model;
  common::ThreadPool pool(2, "test");
  const std::vector<std::string> inputs = {"C", "CC", "C1CC", "", "CCCC", "CCCCC", "CCC"};

  std::vector<RowResult> rows = RunBatch(model, inputs, &pool);

  ASSERT_EQ(rows.size(), inputs.size());
  EXPECT_EQ(rows[0].values[0], 1);
  EXPECT_EQ(rows[1].values[0], 2);
  EXPECT_THAT(rows[2].error, StartsWith("invalid_smiles: "));
  EXPECT_THAT(rows[3].error, StartsWith("empty_input: "));
  EXPECT_EQ(rows[4].error, "computation_failed: four atoms");
  EXPECT_EQ(rows[5].error, "computation_failed: five atoms");
  EXPECT_TRUE(std::isnan(rows[5].values[0]));
  EXPECT_EQ(rows[6].values[0], 3);
  EXPECT_TRUE(rows[6].error.empty());
}

TEST(BatchRunnerTest, ComputesRepeatedInputsOnce) {
  AtomCountModel model;
  const std::vector<std::string> inputs = {"CC", "CCC", "CC", "CC", "CCC"};

  std::vector<RowResult> rows = RunBatch(model, inputs, nullptr);

  EXPECT_EQ(model.calls.load(), 2);
  EXPECT_EQ(rows[3].values[0], 2);
  EXPECT_EQ(rows[4].values[0], 3);
}

TEST(BatchRunnerTest, LargeBatchOnManyThreadsMatchesSequentialRun) {
  AtomCountModel model;
  std::vector<std::string> inputs;
  inputs.reserve(3000);
  for (int i = 0; i < 3000; ++i) {
    inputs.push_back(std::string(1 + i % 40, 'C') + (i % 7 == 0 ? "(" : ""));
  }
  common::ThreadPool pool(4, "test");

  std::vector<RowResult> parallel = RunBatch(model, inputs, &pool);
  std::vector<RowResult> sequential = RunBatch(model, inputs, nullptr);

  for (size_t i = 0; i < inputs.size(); ++i) {
    ASSERT_EQ(parallel[i].error, sequential[i].error) << i;
    ASSERT_EQ(parallel[i].values[0] == sequential[i].values[0],
              !std::isnan(sequential[i].values[0]))
        << i;
  }
}

TEST(BatchRunnerTest, EmptyBatchGivesNoRows) {
  AtomCountModel model;
  common::ThreadPool pool(2, "test");

  EXPECT_TRUE(RunBatch(model, {}, &pool).empty());
}

// Equal, with NaN equal to NaN.
bool SameValues(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i] && !(std::isnan(a[i]) && std::isnan(b[i]))) {
      return false;
    }
  }
  return true;
}

// RDKit objects shared by a model's threads (the Morgan generator of eos5axz) must give the
// same answers under concurrency.
TEST(BatchRunnerTest, BuiltinModelsAreThreadSafe) {
  const std::string shared = testing::SharedDataDir();
  if (shared.empty()) {
    GTEST_FAIL() << "../shared/data not found";
  }
  const std::vector<std::string> inputs =
      testing::ReadFirstColumn(shared + "/molecules_50k.csv", 400);
  common::ThreadPool pool(4, "test");

  for (const char* id : {"eos5axz", "eos4wt0", "eos5guo"}) {
    auto model = CreateModel(id, ModelResources{});
    ASSERT_TRUE(model.ok()) << model.status();

    std::vector<RowResult> parallel = RunBatch(**model, inputs, &pool);
    std::vector<RowResult> sequential = RunBatch(**model, inputs, nullptr);

    for (size_t i = 0; i < inputs.size(); ++i) {
      ASSERT_TRUE(SameValues(parallel[i].values, sequential[i].values)) << id << " row " << i;
    }
  }
}

std::string Join(const RenderedBatch& batch) {
  std::string text;
  for (const std::string& piece : batch.pieces) {
    text += piece;
  }
  return text;
}

// Rendering on the compute threads must give `RenderRunJson`'s bytes for every orient, with
// errors, duplicates (first row repeated too) and on one or several threads.
TEST(BatchRunnerTest, RunAndRenderGivesRenderRunJsonText) {
  AtomCountModel model;
  common::ThreadPool pool(2, "test");
  const std::vector<std::string> inputs = {"C",     "CC",  "C1CC", "",   "CCCC",
                                           "CCCCC", "CCC", "C",    "CC", "C\"\\\n(x"};
  const std::vector<RowResult> rows = RunBatch(model, inputs, nullptr);

  for (Orient orient :
       {Orient::kRecords, Orient::kValues, Orient::kSplit, Orient::kIndex, Orient::kColumns}) {
    for (bool include_errors : {false, true}) {
      const RunRenderOptions options{orient, include_errors};
      const std::string expected = RenderRunJson(model.info(), inputs, rows, options);
      for (common::ThreadPool* threads : {static_cast<common::ThreadPool*>(nullptr), &pool}) {
        RenderedBatch batch = RunAndRender(model, inputs, options, threads);

        EXPECT_EQ(Join(batch), expected) << static_cast<int>(orient) << include_errors;
        EXPECT_EQ(batch.bytes, expected.size());
        EXPECT_EQ(batch.row_errors, CountRowErrors(rows));
      }
    }
  }
}

// A large batch is cut into runs of rows, one piece each, enough for every thread, and the
// duplicates spread over it land in their places.
TEST(BatchRunnerTest, RunAndRenderPutsRunsOfRowsInOnePiece) {
  AtomCountModel model;
  common::ThreadPool pool(2, "test");
  std::vector<std::string> inputs;
  for (size_t i = 0; i < 600; ++i) {
    inputs.push_back(i == 321 ? "C1CC" : "[" + std::to_string(1 + i % 400) + "CH4]");
  }
  const std::vector<RowResult> rows = RunBatch(model, inputs, nullptr);
  const RunRenderOptions options{Orient::kRecords, true};

  RenderedBatch batch = RunAndRender(model, inputs, options, &pool);

  EXPECT_EQ(Join(batch), RenderRunJson(model.info(), inputs, rows, options));
  EXPECT_EQ(batch.row_errors, 1u);
  EXPECT_GE(batch.pieces.size(), 2 * 8 + 1);  // eight runs per thread, then `]`
  EXPECT_LE(batch.pieces.size(), 2 * 8 + 2);
}

TEST(BatchRunnerTest, RunAndRenderOfAnEmptyBatchIsAnEmptyList) {
  AtomCountModel model;
  common::ThreadPool pool(2, "test");

  RenderedBatch batch = RunAndRender(model, {}, RunRenderOptions{}, &pool);

  EXPECT_EQ(Join(batch), "[]");
  EXPECT_EQ(batch.row_errors, 0u);
}

// The fingerprint the task is about, on real molecules: 2048 keyed integers per row.
TEST(BatchRunnerTest, RunAndRenderMatchesForAFingerprintModel) {
  const std::string shared = testing::SharedDataDir();
  if (shared.empty()) {
    GTEST_FAIL() << "../shared/data not found";
  }
  std::vector<std::string> inputs = testing::ReadFirstColumn(shared + "/molecules_50k.csv", 200);
  inputs.emplace_back("not a smiles");
  inputs.push_back(inputs.front());
  common::ThreadPool pool(3, "test");
  auto model = CreateModel("eos4wt0", ModelResources{});
  ASSERT_TRUE(model.ok()) << model.status();
  const std::vector<RowResult> rows = RunBatch(**model, inputs, nullptr);

  for (bool include_errors : {false, true}) {
    const RunRenderOptions options{Orient::kRecords, include_errors};
    RenderedBatch batch = RunAndRender(**model, inputs, options, &pool);

    EXPECT_EQ(Join(batch), RenderRunJson((*model)->info(), inputs, rows, options));
    EXPECT_EQ(batch.row_errors, 1u);
  }
}

}  // namespace
}  // namespace hub::models
