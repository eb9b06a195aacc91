#pragma once

// SQL access to `instance_events` (migration 0003_runtime): the append-only history of model
// instances, every replica's, newest first when read.
//
// Thread-safety: safe from any number of threads; holds no state.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "hub/runtime/instance.h"
#include "hub/store/database.h"

namespace hub::runtime {

struct EventFilter {
  std::optional<std::string> model_id;
  std::optional<std::string> instance_id;
  // Event kinds (names as `InstanceEventKindName`); empty: all.
  std::vector<std::string> events;
  std::optional<common::Micros> since;  // inclusive
  std::optional<common::Micros> until;  // exclusive
  int limit = 100;
};

// A stored event. `details` is the JSON text as stored.
struct StoredEvent {
  std::int64_t id = 0;
  std::string instance_id;
  std::string model_id;
  std::string server_id;
  std::string backend;
  std::string event;
  std::string reason;
  std::string message;
  std::string details;
  common::Micros at = 0;
};

class InstanceEventRepository final {
public:
  // `db` must outlive the repository.
  explicit InstanceEventRepository(store::Database& db) : db_(db) {}

  InstanceEventRepository(const InstanceEventRepository&) = delete;
  InstanceEventRepository& operator=(const InstanceEventRepository&) = delete;

  // Appends one event. Database errors.
  [[nodiscard]] absl::Status Insert(const InstanceEvent& event);

  // Events matching `filter`, newest first, at most `filter.limit` (1-1000). Database errors.
  [[nodiscard]] absl::StatusOr<std::vector<StoredEvent>> List(const EventFilter& filter) const;

private:
  store::Database& db_;
};

}  // namespace hub::runtime
