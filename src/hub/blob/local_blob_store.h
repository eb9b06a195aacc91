#pragma once

#include <string>

#include "hub/blob/blob_store.h"

namespace hub::blob {

// Objects as files below a root directory. Writes go to a temporary file in the same
// directory and are renamed into place, so readers never see half an object. Several
// processes may share the root (replicas on one machine or on a shared volume).
class LocalBlobStore final : public BlobStore {
public:
  // Creates `root` if missing. Unavailable when it cannot be created.
  static absl::StatusOr<std::unique_ptr<LocalBlobStore>> Open(std::string root);

  // BlobStore methods.
  absl::Status Put(std::string_view key, std::string_view data) override;
  absl::StatusOr<std::unique_ptr<BlobWriter>> NewWriter(std::string_view key) override;
  absl::Status PutFile(std::string_view key, const std::string& path) override;
  absl::StatusOr<std::string> Get(std::string_view key) override;
  absl::StatusOr<std::unique_ptr<BlobReader>> NewReader(std::string_view key) override;
  absl::StatusOr<bool> Exists(std::string_view key) override;
  absl::Status Delete(std::string_view key) override;
  absl::Status DeletePrefix(std::string_view prefix) override;
  absl::StatusOr<std::vector<std::string>> List(std::string_view prefix) override;

  std::string Describe() const override { return "local " + root_; }

  const std::string& root() const { return root_; }

private:
  explicit LocalBlobStore(std::string root) : root_(std::move(root)) {}

  std::string PathOf(std::string_view key) const;

  std::string root_;
};

}  // namespace hub::blob
