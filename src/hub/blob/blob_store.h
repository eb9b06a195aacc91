#pragma once

// Where results and other large objects live: a local directory by default, an
// S3-compatible store when several replicas share them.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace hub::blob {

// Sequential reader of one object. Not thread-safe; one reader per caller.
class BlobReader {
public:
  virtual ~BlobReader() = default;
  // Reads up to `size` bytes into `buffer`; returns 0 at the end of the object.
  [[nodiscard]] virtual absl::StatusOr<size_t> Read(char* buffer, size_t size) = 0;
};

// Writer of one new object. Nothing is visible under the key until `Commit` succeeds;
// destroying an uncommitted writer discards what was written. Not thread-safe.
class BlobWriter {
public:
  virtual ~BlobWriter() = default;
  [[nodiscard]] virtual absl::Status Append(std::string_view data) = 0;
  [[nodiscard]] virtual absl::Status Commit() = 0;
  // Bytes appended so far.
  virtual std::uint64_t size() const = 0;
};

// A store of immutable-once-written objects named by keys such as
// "requests/12/chunks/3.out". Keys are relative paths of [A-Za-z0-9._/-] without empty, "."
// or ".." segments; others are refused with InvalidArgument.
//
// Errors: NotFound for a missing key (except `Delete*`, which succeed), Unavailable for
// storage failures. Implementations are thread-safe.
class BlobStore {
public:
  virtual ~BlobStore() = default;

  // Writes `data` under `key`, replacing any object atomically.
  [[nodiscard]] virtual absl::Status Put(std::string_view key, std::string_view data) = 0;
  // Starts a streamed write of `key`.
  [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<BlobWriter>> NewWriter(
      std::string_view key) = 0;
  // Moves the local file `path` under `key` (the file is gone afterwards).
  [[nodiscard]] virtual absl::Status PutFile(std::string_view key, const std::string& path) = 0;

  [[nodiscard]] virtual absl::StatusOr<std::string> Get(std::string_view key) = 0;
  [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<BlobReader>> NewReader(
      std::string_view key) = 0;
  [[nodiscard]] virtual absl::StatusOr<bool> Exists(std::string_view key) = 0;

  [[nodiscard]] virtual absl::Status Delete(std::string_view key) = 0;
  // Deletes every object whose key starts with `prefix` + "/" (a "directory").
  [[nodiscard]] virtual absl::Status DeletePrefix(std::string_view prefix) = 0;
  // Keys directly or indirectly below `prefix` + "/", sorted.
  [[nodiscard]] virtual absl::StatusOr<std::vector<std::string>> List(std::string_view prefix) = 0;

  // For logs: "local /var/hub/blobs".
  virtual std::string Describe() const = 0;
};

using BlobStorePtr = std::unique_ptr<BlobStore>;

// Checks a key against the rules above.
[[nodiscard]] absl::Status ValidateKey(std::string_view key);

// Reads an object line by line (`\n`; a final line without one is returned too).
// Not thread-safe.
class LineReader final {
public:
  explicit LineReader(std::unique_ptr<BlobReader> reader) : reader_(std::move(reader)) {}

  // Stores the next line without its `\n` in `line`; false at the end or on an error
  // (`status()` tells which).
  bool Next(std::string& line);

  const absl::Status& status() const { return status_; }

private:
  std::unique_ptr<BlobReader> reader_;
  std::string buffer_;
  size_t pos_ = 0;
  bool eof_ = false;
  absl::Status status_;
};

}  // namespace hub::blob
