#pragma once

// Helpers for the store's tests: status assertions and a self-deleting temp directory.

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"

// NOLINTBEGIN(bugprone-macro-parentheses): `lhs` may be a declaration.
#define HUB_STORE_CONCAT_INNER(a, b) a##b
#define HUB_STORE_CONCAT(a, b) HUB_STORE_CONCAT_INNER(a, b)

// ASSERT/EXPECT that an `absl::Status` or `absl::StatusOr` is OK, printing the error if not.
#define HUB_ASSERT_OK(expr)                                          \
  do {                                                               \
    const auto& hub_assert_result_ = (expr);                         \
    ASSERT_TRUE(hub_assert_result_.ok())                             \
        << ::hub::store::testing_util::StatusOf(hub_assert_result_); \
  } while (false)

#define HUB_EXPECT_OK(expr)                                          \
  do {                                                               \
    const auto& hub_expect_result_ = (expr);                         \
    EXPECT_TRUE(hub_expect_result_.ok())                             \
        << ::hub::store::testing_util::StatusOf(hub_expect_result_); \
  } while (false)

// `lhs = *expr`, or a fatal failure when `expr` (an `absl::StatusOr`) is not OK.
#define HUB_ASSERT_OK_AND_ASSIGN(lhs, expr) \
  HUB_ASSERT_OK_AND_ASSIGN_IMPL(HUB_STORE_CONCAT(hub_statusor_, __LINE__), lhs, expr)
#define HUB_ASSERT_OK_AND_ASSIGN_IMPL(statusor, lhs, expr) \
  auto statusor = (expr);                                  \
  ASSERT_TRUE(statusor.ok()) << statusor.status();         \
  lhs = std::move(statusor).value()

// NOLINTEND(bugprone-macro-parentheses)

namespace hub::store::testing_util {

inline const absl::Status& StatusOf(const absl::Status& status) {
  return status;
}

template <typename T>
const absl::Status& StatusOf(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

// A fresh directory under the system temp dir, removed with its contents on destruction.
class ScopedTempDir final {
public:
  ScopedTempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "hub-store-XXXXXX").string();
    char* made = mkdtemp(pattern.data());
    path_ = made == nullptr ? std::filesystem::path() : std::filesystem::path(made);
  }

  ~ScopedTempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }

  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

private:
  std::filesystem::path path_;
};

}  // namespace hub::store::testing_util
