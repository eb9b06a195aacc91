#pragma once

// Vocabulary of the instance pool: instance states, why instances stop, the events the
// history keeps, and point-in-time views of an instance for the admin API and the metrics
// sampler.
//
// Thread-safety: plain value types and pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nlohmann/json.hpp"

#include "hub/common/clock.h"
#include "hub/runtime/model_record.h"

namespace hub::runtime {

// The pool's view of a live instance.
enum class InstanceState {
  kStarting,  // launched, waiting for readiness
  kReady,     // idle, can take a chunk
  kBusy,      // every slot leased
  kStopping,  // asked to stop, not exited yet
};

// "STARTING", "READY", "BUSY", "STOPPING".
std::string_view InstanceStateName(InstanceState state);
std::optional<InstanceState> ParseInstanceState(std::string_view name);

// Why the pool stopped an instance, or what ended it.
enum class StopReason {
  kIdle,             // idle past its timeout (scale to zero)
  kAdmin,            // STOP_INSTANCE from the admin API
  kShutdown,         // the hub is stopping
  kEvicted,          // stopped to make room for another model's instance
  kStartFailed,      // exited or failed before it was ready
  kStartTimeout,     // not ready within the start timeout
  kCrashed,          // exited on its own after it was ready
  kKilledForMemory,  // used more than its memory limit
  kRunTimeout,       // a call did not answer within its timeout: it may be stuck
  kUnhealthy,        // a caller found it broken (connection refused or reset)
  kLost,             // the backend lost it (pod deleted or evicted, URL unreachable)
  kNodeScaleDown,    // retired idle so that its node can be drained and removed
};

// "IDLE", "ADMIN", "SHUTDOWN", "EVICTED", "START_FAILED", "START_TIMEOUT", "CRASHED",
// "KILLED_FOR_MEMORY", "RUN_TIMEOUT", "UNHEALTHY", "LOST", "NODE_SCALE_DOWN".
std::string_view StopReasonName(StopReason reason);

// What the history records.
enum class InstanceEventKind {
  kStarting,         // launched
  kReady,            // became ready
  kAdopted,          // found running after a restart and taken over
  kStopped,          // stopped by the pool (reason says why)
  kCrashed,          // ended on its own (reason CRASHED, UNHEALTHY or LOST)
  kKilledForMemory,  // killed for memory
  kStartFailed,      // never became ready
};

// "STARTING", "READY", "ADOPTED", "STOPPED", "CRASHED", "KILLED_FOR_MEMORY", "START_FAILED".
std::string_view InstanceEventKindName(InstanceEventKind kind);

// The event kind that records an instance ending for `reason`.
InstanceEventKind TerminalEventFor(StopReason reason);

// Work counters of one instance.
struct InstanceCounters {
  std::int64_t chunks = 0;              // leases released
  std::int64_t rows = 0;                // inputs sent over all leases
  std::int64_t max_rows_per_chunk = 0;  // the largest lease, in rows
  std::int64_t failed_chunks = 0;       // leases released with an error
  std::int64_t busy_micros = 0;         // time leased
};

// One lease in progress on an instance.
struct LeaseView {
  std::string holder;  // what the caller said it is doing ("work_request=... chunk=...")
  common::Micros since = 0;
  std::int64_t rows = 0;  // rows of the call in progress, 0 between calls
};

// A point-in-time view of one live instance.
struct InstanceSnapshot {
  std::string instance_id;
  std::string model_id;
  std::string backend;
  std::string server_id;
  InstanceState state = InstanceState::kStarting;
  std::string base_url;
  common::Micros created_at = 0;
  common::Micros ready_at = 0;  // 0 until ready
  common::Micros state_since = 0;
  common::Micros last_used_at = 0;
  int max_leases = 1;
  std::vector<LeaseView> leases;
  std::int64_t memory_reserved_mb = 0;
  // The memory limit that applies (MiB); nullopt when none (or `disable_memory_limit`).
  std::optional<std::int64_t> memory_limit_mb;
  ResourceSpec resources;
  // Set while stopping.
  std::optional<StopReason> stop_reason;
  InstanceCounters counters;
  nlohmann::json details = nlohmann::json::object();
};

// One history event.
struct InstanceEvent {
  InstanceEventKind kind = InstanceEventKind::kStarting;
  std::string instance_id;
  std::string model_id;
  std::string server_id;
  std::string backend;
  std::string reason;   // a `StopReasonName` for terminal events, else empty
  std::string message;  // for people: the exit code and last log line, an error
  nlohmann::json details = nlohmann::json::object();
  common::Micros at = 0;
  // The instance's last view, for terminal events (the metrics of its life are saved from
  // it).
  std::optional<InstanceSnapshot> final_state;

  bool terminal() const { return final_state.has_value(); }
};

// Receives history events. `Record` must not block on I/O for long: the pool calls it from
// backend threads. Thread-safe.
class InstanceEventSink {
public:
  virtual ~InstanceEventSink() = default;
  virtual void Record(InstanceEvent event) = 0;
};

}  // namespace hub::runtime
