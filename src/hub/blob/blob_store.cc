#include "hub/blob/blob_store.h"

#include "fmt/format.h"

#include "hub/common/strings.h"

namespace hub::blob {

absl::Status ValidateKey(std::string_view key) {
  bool ok = !key.empty() && key.size() <= 512;
  for (char c : key) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '_' || c == '-' || c == '/');
  }
  for (std::string_view part : common::Split(key, '/')) {
    ok = ok && !part.empty() && part != "." && part != "..";
  }
  if (!ok) {
    return absl::InvalidArgumentError(fmt::format("invalid blob key '{}'", key.substr(0, 80)));
  }
  return absl::OkStatus();
}

bool LineReader::Next(std::string& line) {
  while (true) {
    size_t newline = buffer_.find('\n', pos_);
    if (newline != std::string::npos) {
      line.assign(buffer_, pos_, newline - pos_);
      pos_ = newline + 1;
      return true;
    }
    if (eof_) {
      if (pos_ < buffer_.size()) {
        line.assign(buffer_, pos_, std::string::npos);
        pos_ = buffer_.size();
        return true;
      }
      return false;
    }
    buffer_.erase(0, pos_);
    pos_ = 0;
    size_t old_size = buffer_.size();
    buffer_.resize(old_size + size_t{256} * 1024);
    auto got = reader_->Read(buffer_.data() + old_size, size_t{256} * 1024);
    if (!got.ok()) {
      status_ = got.status();
      buffer_.resize(old_size);
      return false;
    }
    buffer_.resize(old_size + *got);
    eof_ = *got == 0;
  }
}

}  // namespace hub::blob
