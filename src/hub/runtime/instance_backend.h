#pragma once

// Where model instances run. An `InstanceBackend` starts, watches and stops instances of
// models; the instance pool decides how many there are. Implementations: `LocalBackend`
// (`ersilia-hub model-server` processes), `UrlBackend` (a server someone else runs); a
// Kubernetes backend (pods) fits the same contract:
//
//   - Starting is asynchronous. `Start` returns once the instance is launched (process
//     spawned, pod created); readiness, failure and exit arrive later as observations.
//   - Every state change the backend sees is reported to the `Observer`, with a reason and a
//     message for people: a process exit code or signal, a pod's `OOMKilled`, `Evicted` or
//     `Unschedulable` condition. Exactly one terminal (`kExited`) observation is reported
//     per started instance.
//   - Instances carry the id the pool chose and the owner (this replica's server id), so after
//     a restart `ListOwned` finds the ones this replica still owns and the pool adopts them.
//   - `Usage` reports cumulative CPU seconds and memory, from /proc or the kubelet.
//   - `Logs` returns the instance's output, also after it stopped when the backend keeps it.
//
// Thread-safety: every method is thread-safe. Observer calls come from the backend's threads,
// never while the backend holds a lock that its own methods take, so an observer may call
// back into the backend. REQUIRES: the observer outlives the backend's `Shutdown`.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

#include "hub/common/clock.h"
#include "hub/runtime/model_record.h"

namespace hub::runtime {

// What to start.
struct InstanceSpec {
  // Unique id chosen by the pool, e.g. "eos3b5e-1a2b3c4d": safe as a file name and as a
  // Kubernetes pod name.
  std::string instance_id;
  std::string model_id;
  // The replica that owns the instance (its server id).
  std::string owner;
  // The model's record at the time of the start (resources, image tag, URL, threads).
  ModelDetails details;
  // Compute threads for a local instance (already resolved from the runtime default).
  int threads = 1;
};

enum class InstancePhase {
  kStarting,  // launched, not ready yet
  kReady,     // answering the model protocol at `base_url`
  kExited,    // gone; terminal
};

// Why an instance ended, as the backend saw it.
enum class ExitCause {
  kNone,         // not exited
  kStopped,      // stopped on request
  kStartFailed,  // exited, or could not become ready, before it was ever ready
  kCrashed,      // exited on its own after it was ready
  kOutOfMemory,  // killed for exceeding its memory (OOMKilled)
  kLost,         // disappeared (pod deleted or evicted, node lost, URL gone)
};

std::string_view ExitCauseName(ExitCause cause);

// One state change of one instance.
struct InstanceObservation {
  std::string instance_id;
  std::string model_id;
  InstancePhase phase = InstancePhase::kStarting;
  ExitCause cause = ExitCause::kNone;
  // For people: "exited with code 1: <last log line>", "OOMKilled", ...
  std::string message;
  // Where the model protocol is served, once ready: "http://127.0.0.1:41234".
  std::string base_url;
  // Backend facts for the admin API and history: pid, port, exit code, pod name, node, ...
  nlohmann::json details = nlohmann::json::object();
  // A start failure that retrying cannot fix (the image does not exist, the model cannot run
  // on this backend); the pool stops trying until the model's record changes.
  bool permanent = false;
};

// Resource use of a live instance.
struct ResourceUsage {
  // CPU time used since the instance started, in seconds (a counter, as the kubelet reports
  // `container_cpu_usage_seconds_total`).
  double cpu_seconds = 0;
  // Resident memory (working set) now, in bytes.
  std::int64_t memory_bytes = 0;
  // Highest resident memory since start, in bytes; 0 when the backend cannot tell.
  std::int64_t memory_peak_bytes = 0;
  common::Micros sampled_at = 0;
};

// Which part of a log to return.
struct LogQuery {
  int tail = 0;  // > 0: only the last `tail` lines
  int head = 0;  // > 0 (and no tail): only the first `head` lines
};

class InstanceBackend {
public:
  // Receives observations. Implemented by the instance pool.
  class Observer {
  public:
    virtual ~Observer() = default;
    virtual void OnObservation(const InstanceObservation& observation) = 0;
  };

  virtual ~InstanceBackend() = default;

  // "local", "url", "kubernetes".
  virtual std::string_view name() const = 0;

  // Sets where observations go. REQUIRES: called once, before `Start` or `ListOwned`.
  virtual void SetObserver(Observer* observer) = 0;

  // Launches an instance; progress arrives through the observer. Errors (nothing was
  // launched, no observation follows): `kFailedPrecondition` when this backend cannot run the
  // model at all (not a built-in model, no URL) — permanent; `kInvalidArgument` for a bad
  // spec; `kUnavailable` / `kResourceExhausted` for transient trouble (spawn failed, API
  // down).
  [[nodiscard]] virtual absl::Status Start(const InstanceSpec& spec) = 0;

  // Asks the instance to stop within `grace`, then forces it. A `kExited` observation with
  // `kStopped` (or the cause it died of first) follows. Unknown or exited ids are ignored.
  virtual void Stop(const std::string& instance_id, std::chrono::milliseconds grace) = 0;

  // Live instances this backend runs for `owner`, as observations (phase, base URL, model),
  // for adoption after a restart. Local processes die with the hub, so the local backend has
  // none.
  [[nodiscard]] virtual absl::StatusOr<std::vector<InstanceObservation>> ListOwned(
      const std::string& owner) = 0;

  // Current usage. `kNotFound` when the instance is not running; `kUnimplemented` when the
  // backend cannot measure it.
  [[nodiscard]] virtual absl::StatusOr<ResourceUsage> Usage(const std::string& instance_id) = 0;

  // The instance's output lines. `kNotFound` when there is none (unknown id, or a backend
  // that keeps no logs).
  [[nodiscard]] virtual absl::StatusOr<std::vector<std::string>> Logs(
      const std::string& instance_id, const LogQuery& query) = 0;

  // Stops every instance this backend started and joins its threads; afterwards no
  // observation is delivered and `Start` fails with `kUnavailable`. Idempotent.
  virtual void Shutdown() = 0;
};

}  // namespace hub::runtime
