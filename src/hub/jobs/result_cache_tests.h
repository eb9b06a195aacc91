#pragma once

// The result cache's behaviour, one set of `TEST_P` bodies run on SQLite (chunk_queue_test.cc)
// and on PostgreSQL (chunk_queue_pgtest.cc), on the same private stores as the queue's tests.

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "fmt/format.h"
#include "gtest/gtest.h"

#include "hub/common/clock.h"
#include "hub/jobs/chunk_queue_tests.h"
#include "hub/jobs/result_cache.h"
#include "hub/store/migrator.h"

namespace hub::jobs {

class ResultCacheTest : public ::testing::TestWithParam<QueueBackend> {
protected:
  void SetUp() override {
    OpenMigrated(GetParam(), clock_, store_, db_);
    if (HasFatalFailure()) {
      return;
    }
    cache_ = std::make_unique<ResultCache>(*db_, clock_);
  }

  // An entry for `input` whose result names it, so a mix-up shows.
  static CacheEntry Entry(const std::string& input, const std::string& tag = "") {
    return {InputHash(input), input, fmt::format("[\"{}{}\"]", tag, input)};
  }

  void Store(const CacheKey& key, const std::vector<CacheEntry>& entries) {
    ASSERT_TRUE(cache_->Store(key, entries, "", "[\"value\"]").ok());
  }

  std::unordered_map<std::string, std::string> Lookup(const CacheKey& key,
                                                      const std::vector<std::string>& inputs) {
    std::vector<std::string> hashes;
    hashes.reserve(inputs.size());
    for (const std::string& input : inputs) {
      hashes.push_back(InputHash(input));
    }
    auto found = cache_->Lookup(key, std::vector<std::string_view>(hashes.begin(), hashes.end()));
    EXPECT_TRUE(found.ok()) << found.status();
    std::unordered_map<std::string, std::string> by_hash;
    if (found.ok()) {
      EXPECT_EQ(found->size(), hashes.size());
      for (size_t i = 0; i < found->size(); ++i) {
        if ((*found)[i]) {
          by_hash.emplace(hashes[i], *(*found)[i]);
        }
      }
    }
    return by_hash;
  }

  QueueStore store_;
  store::DatabasePtr db_;
  common::ManualClock clock_{1'800'000'000'000'000};
  std::unique_ptr<ResultCache> cache_;
};

TEST_P(ResultCacheTest, FindsWhatWasStoredAndNothingElse) {
  CacheKey key{"eos3b5e", "v1"};
  Store(key, {Entry("CCO"), Entry("c1ccccc1")});

  auto found = Lookup(key, {"CCO", "CCN", "c1ccccc1"});

  EXPECT_EQ(found.size(), 2u);
  EXPECT_EQ(found[InputHash("CCO")], "[\"CCO\"]");
  EXPECT_EQ(found[InputHash("c1ccccc1")], "[\"c1ccccc1\"]");
  EXPECT_FALSE(found.contains(InputHash("CCN")));
}

TEST_P(ResultCacheTest, KeepsModelsAndVersionsApart) {
  CacheKey a1{"eos3b5e", "v1"};
  CacheKey a2{"eos3b5e", "v2"};
  CacheKey b1{"eos4wt0", "v1"};
  Store(a1, {Entry("CCO", "a1-")});
  Store(a2, {Entry("CCO", "a2-")});
  Store(b1, {Entry("CCO", "b1-")});

  EXPECT_EQ(Lookup(a1, {"CCO"})[InputHash("CCO")], "[\"a1-CCO\"]");
  EXPECT_EQ(Lookup(a2, {"CCO"})[InputHash("CCO")], "[\"a2-CCO\"]");
  EXPECT_EQ(Lookup(b1, {"CCO"})[InputHash("CCO")], "[\"b1-CCO\"]");
  EXPECT_TRUE(Lookup({"eos4wt0", "v2"}, {"CCO"}).empty());
}

TEST_P(ResultCacheTest, StoringAgainKeepsTheFirstResult) {
  CacheKey key{"eos3b5e", "v1"};
  Store(key, {Entry("CCO", "first-")});
  Store(key, {Entry("CCO", "second-"), Entry("CCN")});

  auto found = Lookup(key, {"CCO", "CCN"});

  EXPECT_EQ(found[InputHash("CCO")], "[\"first-CCO\"]");
  EXPECT_EQ(found[InputHash("CCN")], "[\"CCN\"]");
}

TEST_P(ResultCacheTest, LooksUpMoreInputsThanOneStatementTakes) {
  CacheKey key{"eos3b5e", "v1"};
  std::vector<CacheEntry> entries;
  std::vector<std::string> inputs;
  for (int i = 0; i < 1203; ++i) {
    inputs.push_back(fmt::format("C{}O", std::string(static_cast<size_t>(i % 7), 'C')) +
                     std::to_string(i));
    if (i % 3 != 0) {
      entries.push_back(Entry(inputs.back()));
    }
  }
  Store(key, entries);

  auto found = Lookup(key, inputs);

  EXPECT_EQ(found.size(), entries.size());
  for (const CacheEntry& e : entries) {
    EXPECT_EQ(found[e.input_hash], e.result);
  }
}

TEST_P(ResultCacheTest, AnswersPositionByPositionRepeatsIncluded) {
  CacheKey key{"eos3b5e", "v1"};
  Store(key, {Entry("CCO"), Entry("CCN")});
  std::vector<std::string> hashes = {InputHash("CCO"), InputHash("C"), InputHash("CCO"),
                                     InputHash("CCN")};
  for (int i = 0; i < 600; ++i) {
    hashes.push_back(InputHash("CCN"));
  }

  auto found = cache_->Lookup(key, std::vector<std::string_view>(hashes.begin(), hashes.end()));

  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ(found->size(), hashes.size());
  EXPECT_EQ((*found)[0], "[\"CCO\"]");
  EXPECT_EQ((*found)[1], std::nullopt);
  EXPECT_EQ((*found)[2], "[\"CCO\"]");
  for (size_t i = 3; i < hashes.size(); ++i) {
    EXPECT_EQ((*found)[i], "[\"CCN\"]") << i;
  }
}

TEST_P(ResultCacheTest, ClearingAModelLeavesTheOthers) {
  Store({"eos3b5e", "v1"}, {Entry("CCO")});
  Store({"eos4wt0", "v1"}, {Entry("CCO")});

  auto cleared = cache_->ClearModel("eos3b5e");

  ASSERT_TRUE(cleared.ok());
  EXPECT_TRUE(Lookup({"eos3b5e", "v1"}, {"CCO"}).empty());
  EXPECT_EQ(Lookup({"eos4wt0", "v1"}, {"CCO"}).size(), 1u);
  auto columns = cache_->Columns({"eos4wt0", "v1"});
  ASSERT_TRUE(columns.ok());
  EXPECT_EQ(*columns, "[\"value\"]");
}

}  // namespace hub::jobs
