#include "hub/blob/local_blob_store.h"

#include <filesystem>

#include "gtest/gtest.h"

namespace hub::blob {
namespace {

class LocalBlobStoreTest : public ::testing::Test {
protected:
  void SetUp() override {
    root_ = ::testing::TempDir() + "/blob_test_" + std::to_string(::getpid());
    std::filesystem::remove_all(root_);
    auto store = LocalBlobStore::Open(root_);
    ASSERT_TRUE(store.ok());
    store_ = std::move(*store);
  }

  std::string root_;
  std::unique_ptr<LocalBlobStore> store_;
};

TEST_F(LocalBlobStoreTest, PutGetAndList) {
  ASSERT_TRUE(store_->Put("requests/1/input.tsv", "a\nb\n").ok());
  ASSERT_TRUE(store_->Put("requests/1/chunks/0.out", "x").ok());

  EXPECT_EQ(*store_->Get("requests/1/input.tsv"), "a\nb\n");
  EXPECT_EQ(*store_->List("requests/1"),
            (std::vector<std::string>{"requests/1/chunks/0.out", "requests/1/input.tsv"}));
  EXPECT_EQ(store_->Get("requests/2/input.tsv").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(LocalBlobStoreTest, UncommittedWritesAreInvisibleAndDiscarded) {
  {
    auto writer = store_->NewWriter("requests/1/result.csv");
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Append("partial").ok());
    EXPECT_FALSE(*store_->Exists("requests/1/result.csv"));
  }

  EXPECT_FALSE(*store_->Exists("requests/1/result.csv"));
  EXPECT_TRUE(store_->List("requests/1")->empty());
}

TEST_F(LocalBlobStoreTest, LineReaderReturnsEveryLine) {
  ASSERT_TRUE(store_->Put("lines", "one\ntwo\nlast-without-newline").ok());
  LineReader lines(std::move(*store_->NewReader("lines")));
  std::vector<std::string> got;
  std::string line;

  while (lines.Next(line)) {
    got.push_back(line);
  }

  EXPECT_TRUE(lines.status().ok());
  EXPECT_EQ(got, (std::vector<std::string>{"one", "two", "last-without-newline"}));
}

TEST_F(LocalBlobStoreTest, RefusesKeysThatEscapeTheRoot) {
  EXPECT_EQ(store_->Put("../outside", "x").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Put("/abs", "x").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Put("a//b", "x").code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(LocalBlobStoreTest, DeletePrefixRemovesADirectory) {
  ASSERT_TRUE(store_->Put("requests/7/a", "x").ok());
  ASSERT_TRUE(store_->Put("requests/7/b/c", "y").ok());

  ASSERT_TRUE(store_->DeletePrefix("requests/7").ok());

  EXPECT_TRUE(store_->List("requests/7")->empty());
  EXPECT_TRUE(store_->Delete("requests/7/a").ok());
}

}  // namespace
}  // namespace hub::blob
