#include "hub/jobs/intake.h"

#include <atomic>
#include <filesystem>
#include <sstream>

#include "gtest/gtest.h"

#include "hub/blob/local_blob_store.h"
#include "hub/common/clock.h"
#include "hub/models/smiles.h"
#include "hub/store/migrator.h"
#include "hub/store/sqlite_database.h"

namespace hub::jobs {
namespace {

std::string CheckRow(const std::string& input) {
  absl::Status status = models::CheckSmilesSyntax(input);
  return status.ok() ? "" : std::string{status.message()};
}

class IntakeTest : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/intake_test_" + std::to_string(::getpid());
    std::filesystem::remove_all(dir_);
    blobs_ = std::move(*blob::LocalBlobStore::Open(dir_ + "/blobs"));
    db_ = std::move(*store::SqliteDatabase::Open({.path = dir_ + "/hub.db"}));
    store::Migrator migrator(*db_, store::BuiltinMigrations(db_->dialect()), clock_);
    ASSERT_TRUE(migrator.Apply().ok());
    cache_ = std::make_unique<ResultCache>(*db_, clock_);
    intake_ = std::make_unique<Intake>(*blobs_, cache_.get(), pool_, CheckRow);
  }

  absl::StatusOr<IntakeResult> Run(const std::string& text, IntakeOptions options = {}) {
    auto reader = InputReader::Open(std::make_unique<std::istringstream>(text), {},
                                    [](const std::string& s) { return CheckRow(s).empty(); });
    if (!reader.ok()) {
      return reader.status();
    }
    return intake_->Run("u1", **reader, {"eos3b5e", "1.0"}, options);
  }

  std::string Blob(const std::string& key) { return blobs_->Get(key).value_or("<missing>"); }

  common::ManualClock clock_{1'000'000};
  std::string dir_;
  std::unique_ptr<blob::LocalBlobStore> blobs_;
  std::unique_ptr<store::SqliteDatabase> db_;
  std::unique_ptr<ResultCache> cache_;
  common::ThreadPool pool_{2, "validate"};
  std::unique_ptr<Intake> intake_;
};

TEST_F(IntakeTest, DeduplicatesAndRecordsEveryRowInOrder) {
  auto result = Run("smiles\nCCO\nnot smiles(\nCCO\n\nCCN\n\n");

  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->shape.header);
  EXPECT_EQ(result->rows, 5u);
  EXPECT_EQ(result->invalid, 2u);
  EXPECT_EQ(result->unique, 2u);
  ASSERT_EQ(result->rejected.size(), 2u);
  EXPECT_NE(result->rejected[0].reason.find("invalid_smiles"), std::string::npos);
  EXPECT_NE(result->rejected[1].reason.find("empty_input"), std::string::npos);
  std::string rows = Blob("requests/u1/rows.tsv");
  EXPECT_EQ(std::count(rows.begin(), rows.end(), '\n'), 5);
  EXPECT_NE(rows.find("\t0\t\tCCO\n"), std::string::npos);
  EXPECT_NE(rows.find("\t1\t\tCCN\n"), std::string::npos);
  EXPECT_EQ(Blob("requests/u1/chunks/0.in"), "0\tCCO\n1\tCCN\n");
}

TEST_F(IntakeTest, CutsChunksOfTheConfiguredSize) {
  std::string text;
  for (int i = 1; i <= 25; ++i) {
    text += std::string(static_cast<size_t>(i), 'C') + "\n";
  }

  auto result = Run(text, {.chunk_rows = 10});

  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->chunks.size(), 3u);
  EXPECT_EQ(result->chunks[2].first_unique, 20u);
  EXPECT_EQ(result->chunks[2].lines, 5);
}

TEST_F(IntakeTest, CachedInputsAreNotPlanned) {
  ASSERT_TRUE(cache_
                  ->Store({"eos3b5e", "1.0"}, {{InputHash("CCO"), "CCO", "[46.069]"}}, "u",
                          "[\"mol_weight\"]")
                  .ok());

  auto result = Run("CCO\nCCN\n");

  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->cached, 1u);
  EXPECT_EQ(result->columns, "[\"mol_weight\"]");
  EXPECT_EQ(Blob("requests/u1/cached.tsv"), "0\t\t[46.069]\n");
  EXPECT_EQ(Blob("requests/u1/chunks/0.in"), "1\tCCN\n");
}

TEST_F(IntakeTest, ValidatesEachNewInputOnceAndCachedInputsNever) {
  ASSERT_TRUE(cache_
                  ->Store({"eos3b5e", "1.0"}, {{InputHash("CCO"), "CCO", "[46.069]"}}, "u",
                          "[\"mol_weight\"]")
                  .ok());
  std::atomic<int> checks{0};
  Intake counting(*blobs_, cache_.get(), pool_, [&checks](const std::string& input) {
    ++checks;
    return CheckRow(input);
  });
  std::string text = "CCO\nCCN\nbad(\nCCN\nbad(\n";
  for (int i = 0; i < 3000; ++i) {  // repeats in later batches too
    text += "CCN\nCCO\n";
  }
  auto reader = InputReader::Open(std::make_unique<std::istringstream>(text), {},
                                  [](const std::string& s) { return CheckRow(s).empty(); });
  ASSERT_TRUE(reader.ok());

  auto result = counting.Run("u2", **reader, {"eos3b5e", "1.0"}, {});

  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->rows, 6005u);
  EXPECT_EQ(result->invalid, 2u);
  EXPECT_EQ(result->unique, 2u);
  EXPECT_EQ(result->cached, 1u);
  EXPECT_EQ(checks.load(), 2);  // CCN and bad( (the header sniffing calls its own check)
  EXPECT_EQ(Blob("requests/u2/chunks/0.in"), "1\tCCN\n");
}

// `count` distinct valid SMILES (chains of carbons, then nitrogens).
std::vector<std::string> DistinctSmiles(size_t count) {
  std::vector<std::string> smiles;
  for (size_t i = 0; smiles.size() < count; ++i) {
    smiles.push_back(std::string(i % 50 + 1, 'C') + std::string(i / 50, 'N'));
  }
  return smiles;
}

std::string Lines(const std::vector<std::string>& rows) {
  std::string text;
  for (const std::string& row : rows) {
    text += row + "\n";
  }
  return text;
}

TEST_F(IntakeTest, RowsAfterTheFirstCheckedBatchGoToTheirChunkUnchecked) {
  std::vector<std::string> rows = DistinctSmiles(2100);
  rows[2050] = "not(";
  rows[2060] = "C1CC";
  rows[2070] = "C1CC";  // a repeat in the same batch is checked here

  auto result = Run(Lines(rows), {.chunk_rows = 1000});

  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->rows, 2100u);
  EXPECT_EQ(result->invalid, 2u);  // both C1CC rows
  EXPECT_EQ(result->unique, 2098u);
  EXPECT_EQ(result->unchecked, 2100u - 2048 - 2);  // the second batch, but C1CC
  std::string last = Blob("requests/u1/chunks/2.in");
  EXPECT_NE(last.find("2050\tnot(\tunchecked\n"), std::string::npos) << last;
  EXPECT_NE(last.find("2049\t" + rows[2049] + "\tunchecked\n"), std::string::npos);
  EXPECT_EQ(last.find("C1CC"), std::string::npos);
  EXPECT_EQ(Blob("requests/u1/chunks/0.in").find("unchecked"), std::string::npos);
}

TEST_F(IntakeTest, RepeatOfAnUncheckedInputIsCheckedAndSharesItsIndexWhenValid) {
  std::vector<std::string> rows = DistinctSmiles(4200);
  rows[2100] = "not(";
  rows[4150] = "not(";      // a later batch repeats an unchecked invalid input
  rows[4160] = rows[2101];  // and an unchecked valid one

  auto result = Run(Lines(rows), {.chunk_rows = 1000});

  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->invalid, 1u);  // row 4150, rejected here; row 2100 is left to its chunk
  EXPECT_EQ(result->unique, 4198u);
  ASSERT_EQ(result->rejected.size(), 1u);
  EXPECT_EQ(result->rejected[0].row, 4150u);
  std::string rows_tsv = Blob("requests/u1/rows.tsv");
  std::string shared = "\n\t2101\t\t" + rows[2101] + "\n";
  size_t first = rows_tsv.find(shared);
  ASSERT_NE(first, std::string::npos);
  EXPECT_NE(rows_tsv.find(shared, first + 1), std::string::npos) << "row 4160 has index 2101";
}

// A big request of repeated copies (the 1,000,000-row benchmark) must not pay RDKit once per
// copy: each unchecked input's repeats are checked once, and the verdict is kept.
TEST_F(IntakeTest, RepeatsOfAnUncheckedInputAreCheckedOnceHoweverOftenTheyRecur) {
  std::vector<std::string> distinct = DistinctSmiles(3000);
  distinct[2500] = "not(";
  std::vector<std::string> rows;
  for (int copy = 0; copy < 4; ++copy) {
    rows.insert(rows.end(), distinct.begin(), distinct.end());
  }
  std::atomic<int> checks{0};
  Intake counting(*blobs_, cache_.get(), pool_, [&checks](const std::string& input) {
    ++checks;
    return CheckRow(input);
  });
  auto reader = InputReader::Open(std::make_unique<std::istringstream>(Lines(rows)), {},
                                  [](const std::string& s) { return CheckRow(s).empty(); });
  ASSERT_TRUE(reader.ok());

  auto result = counting.Run("u3", **reader, {"eos3b5e", "1.0"}, {.chunk_rows = 1000});

  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->rows, 12000u);
  EXPECT_EQ(result->unique, 3000u);  // not( included: its first copy is left to its chunk
  EXPECT_EQ(result->invalid, 3u);    // its three later copies, rejected here
  EXPECT_EQ(result->unchecked, 3000u - 2048);
  // 2048 rows of the first batch, then each unchecked input once, on its first repeat.
  EXPECT_EQ(checks.load(), 3000);
}

TEST_F(IntakeTest, LargeInputWithoutAValidRowIsCheckedInFull) {
  std::vector<std::string> rows(3000, "");
  for (size_t i = 0; i < rows.size(); ++i) {
    rows[i] = "bad" + std::to_string(i) + "(";
  }

  auto result = Run(Lines(rows), {.chunk_rows = 100});

  ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(result.status().message()).find("none of the 3000 rows"), std::string::npos)
      << result.status();
  EXPECT_TRUE(blobs_->List("requests")->empty());
}

TEST_F(IntakeTest, OnlyValidRowLastIsFoundAndChecked) {
  std::vector<std::string> rows(3000, "");
  for (size_t i = 0; i < rows.size(); ++i) {
    rows[i] = "bad" + std::to_string(i) + "(";
  }
  rows.emplace_back("CCO");

  auto result = Run(Lines(rows), {.chunk_rows = 100});

  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->invalid, 3000u);
  EXPECT_EQ(result->unique, 1u);
  EXPECT_EQ(result->unchecked, 0u);
  EXPECT_EQ(Blob("requests/u1/chunks/0.in"), "0\tCCO\n");
}

TEST_F(IntakeTest, NoValidRowLeavesNothingBehind) {
  auto result = Run("xx(\nyy)\n");

  ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(result.status().message()).find("row 1"), std::string::npos);
  EXPECT_TRUE(blobs_->List("requests")->empty());
}

TEST_F(IntakeTest, TooManyRowsLeavesNothingBehind) {
  auto result = Run("C\nCC\nCCC\n", {.max_rows = 2});

  ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(result.status().message()).find("limit"), std::string::npos);
  EXPECT_TRUE(blobs_->List("requests")->empty());
}

}  // namespace
}  // namespace hub::jobs
