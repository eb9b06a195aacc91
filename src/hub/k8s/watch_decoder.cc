#include "hub/k8s/watch_decoder.h"

#include "fmt/format.h"

#include "hub/common/strings.h"

namespace hub::k8s {

void WatchDecoder::Feed(std::string_view bytes) {
  // Compact once the consumed prefix dominates, so a long stream does not grow the buffer.
  if (start_ > 0 && start_ * 2 > buffer_.size()) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  buffer_.append(bytes);
}

absl::StatusOr<std::optional<WatchEvent>> WatchDecoder::Next() {
  while (true) {
    size_t newline = buffer_.find('\n', start_);
    if (newline == std::string::npos) {
      return std::nullopt;
    }
    std::string_view line(buffer_.data() + start_, newline - start_);
    start_ = newline + 1;
    if (common::Trim(line).empty()) {
      continue;
    }
    nlohmann::json doc = nlohmann::json::parse(line, nullptr, false);
    bool valid = doc.is_object() && doc.contains("type") && doc["type"].is_string() &&
                 doc.contains("object") && doc["object"].is_object();
    if (!valid) {
      return absl::DataLossError(fmt::format("malformed watch event: {}",
                                             line.substr(0, std::min<size_t>(120, line.size()))));
    }
    WatchEvent event;
    event.type = doc["type"].get<std::string>();
    event.object = std::move(doc["object"]);
    return event;
  }
}

bool WatchDecoder::HasPartial() const {
  std::string_view rest = buffer_;
  return !common::Trim(rest.substr(start_)).empty();
}

}  // namespace hub::k8s
