#include "hub/blob/local_blob_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "fmt/format.h"

#include "hub/common/random.h"
#include "hub/common/status_macros.h"

namespace hub::blob {
namespace {

namespace fs = std::filesystem;

absl::Status IoError(std::string_view what, const std::string& path) {
  return absl::UnavailableError(
      fmt::format("{} {}: {}", what, path, std::generic_category().message(errno)));
}

absl::Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return IoError("cannot write", path);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

class FileReader final : public BlobReader {
public:
  explicit FileReader(int fd) : fd_(fd) {}

  ~FileReader() override { ::close(fd_); }

  absl::StatusOr<size_t> Read(char* buffer, size_t size) override {
    while (true) {
      ssize_t n = ::read(fd_, buffer, size);
      if (n >= 0) {
        return static_cast<size_t>(n);
      }
      if (errno != EINTR) {
        return absl::UnavailableError(
            fmt::format("cannot read blob: {}", std::generic_category().message(errno)));
      }
    }
  }

private:
  int fd_;
};

// Writes to "<path>.<random>.tmp" and renames it into place on commit.
class FileWriter final : public BlobWriter {
public:
  FileWriter(int fd, std::string temporary, std::string path)
      : fd_(fd), temporary_(std::move(temporary)), path_(std::move(path)) {}

  ~FileWriter() override {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    if (!committed_) {
      ::unlink(temporary_.c_str());
    }
  }

  absl::Status Append(std::string_view data) override {
    HUB_RETURN_IF_ERROR(WriteAll(fd_, data, temporary_));
    size_ += data.size();
    return absl::OkStatus();
  }

  absl::Status Commit() override {
    if (::close(fd_) != 0) {
      fd_ = -1;
      return IoError("cannot write", temporary_);
    }
    fd_ = -1;
    if (::rename(temporary_.c_str(), path_.c_str()) != 0) {
      return IoError("cannot rename into", path_);
    }
    committed_ = true;
    return absl::OkStatus();
  }

  std::uint64_t size() const override { return size_; }

private:
  int fd_;
  std::string temporary_;
  std::string path_;
  std::uint64_t size_ = 0;
  bool committed_ = false;
};

}  // namespace

absl::StatusOr<std::unique_ptr<LocalBlobStore>> LocalBlobStore::Open(std::string root) {
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) {
    return absl::UnavailableError(
        fmt::format("cannot create blob directory {}: {}", root, ec.message()));
  }
  return std::unique_ptr<LocalBlobStore>(new LocalBlobStore(std::move(root)));
}

std::string LocalBlobStore::PathOf(std::string_view key) const {
  return fmt::format("{}/{}", root_, key);
}

absl::StatusOr<std::unique_ptr<BlobWriter>> LocalBlobStore::NewWriter(std::string_view key) {
  HUB_RETURN_IF_ERROR(ValidateKey(key));
  std::string path = PathOf(key);
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  std::string temporary = fmt::format("{}.{}.tmp", path, common::RandomHexToken(6));
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    return IoError("cannot create", temporary);
  }
  return std::make_unique<FileWriter>(fd, std::move(temporary), std::move(path));
}

absl::Status LocalBlobStore::Put(std::string_view key, std::string_view data) {
  HUB_ASSIGN_OR_RETURN(auto writer, NewWriter(key));
  HUB_RETURN_IF_ERROR(writer->Append(data));
  return writer->Commit();
}

absl::Status LocalBlobStore::PutFile(std::string_view key, const std::string& path) {
  HUB_RETURN_IF_ERROR(ValidateKey(key));
  std::string target = PathOf(key);
  std::error_code ec;
  fs::create_directories(fs::path(target).parent_path(), ec);
  if (::rename(path.c_str(), target.c_str()) == 0) {
    return absl::OkStatus();
  }
  // Another file system: copy, then remove the source.
  fs::copy_file(path, target + ".copy.tmp", fs::copy_options::overwrite_existing, ec);
  if (ec || ::rename((target + ".copy.tmp").c_str(), target.c_str()) != 0) {
    return absl::UnavailableError(fmt::format("cannot store {} as {}", path, key));
  }
  fs::remove(path, ec);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<BlobReader>> LocalBlobStore::NewReader(std::string_view key) {
  HUB_RETURN_IF_ERROR(ValidateKey(key));
  std::string path = PathOf(key);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      return absl::NotFoundError(fmt::format("no blob {}", key));
    }
    return IoError("cannot open", path);
  }
  return std::make_unique<FileReader>(fd);
}

absl::StatusOr<std::string> LocalBlobStore::Get(std::string_view key) {
  HUB_ASSIGN_OR_RETURN(auto reader, NewReader(key));
  std::string out;
  char buffer[64 * 1024];
  while (true) {
    HUB_ASSIGN_OR_RETURN(size_t n, reader->Read(buffer, sizeof(buffer)));
    if (n == 0) {
      return out;
    }
    out.append(buffer, n);
  }
}

absl::StatusOr<bool> LocalBlobStore::Exists(std::string_view key) {
  HUB_RETURN_IF_ERROR(ValidateKey(key));
  std::error_code ec;
  return fs::is_regular_file(PathOf(key), ec);
}

absl::Status LocalBlobStore::Delete(std::string_view key) {
  HUB_RETURN_IF_ERROR(ValidateKey(key));
  std::string path = PathOf(key);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return IoError("cannot delete", path);
  }
  return absl::OkStatus();
}

absl::Status LocalBlobStore::DeletePrefix(std::string_view prefix) {
  HUB_RETURN_IF_ERROR(ValidateKey(prefix));
  std::error_code ec;
  fs::remove_all(PathOf(prefix), ec);
  if (ec) {
    return absl::UnavailableError(fmt::format("cannot delete {}: {}", prefix, ec.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> LocalBlobStore::List(std::string_view prefix) {
  HUB_RETURN_IF_ERROR(ValidateKey(prefix));
  std::vector<std::string> keys;
  std::error_code ec;
  fs::path base(PathOf(prefix));
  if (!fs::is_directory(base, ec)) {
    return keys;
  }
  for (auto it = fs::recursive_directory_iterator(base, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (it->is_regular_file() && name.find(".tmp") == std::string::npos) {
      keys.push_back(fs::relative(it->path(), root_).string());
    }
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

}  // namespace hub::blob
