#pragma once

// Cuts a watch stream (one JSON document per line) into events, whatever the chunking: an
// event may span many reads, and one read may carry many events.
//
// Thread-safety: none; one decoder belongs to one stream.

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

#include "hub/k8s/kube_client.h"

namespace hub::k8s {

class WatchDecoder final {
public:
  // Appends bytes as they arrived.
  void Feed(std::string_view bytes);

  // The next complete event, nullopt when no complete line is buffered. Blank lines are
  // skipped. kDataLoss for a line that is not a JSON object with `type` and `object`; the
  // line is consumed either way.
  [[nodiscard]] absl::StatusOr<std::optional<WatchEvent>> Next();

  // True when bytes of an unfinished event are buffered (a cut mid-event at end of stream).
  bool HasPartial() const;

private:
  std::string buffer_;
  size_t start_ = 0;
};

}  // namespace hub::k8s
