#pragma once

// The instance pool: how many instances of each model run, and who uses them.
//
// Rules (docs/decisions/runtime.md):
//   - Instances start on demand: `Acquire` for a model with no free instance starts one
//     (scale from zero), up to the model's `max_instances`, the global `max_instances` and the
//     memory budget (each instance counts for `ReservedMemoryMb` of its model). To make room,
//     idle instances of other models are stopped, least recently used first.
//   - One caller per instance at a time (`chunks_per_instance` allows more). Waiting callers
//     are served first come, first served.
//   - Packing: a caller gets a free instance on the node (`details["node"]`) that holds the
//     most live instances, the most recently used there; room is made by stopping idle
//     instances on the least occupied nodes first. Surplus instances therefore idle out on
//     the emptiest nodes, which a node scaler can then remove (`RetireIdle`).
//   - An instance idle past its idle timeout stops (scale to zero).
//   - A model whose instance fails to start backs off exponentially (`backoff_initial`,
//     doubling up to `backoff_max`): callers get `kUnavailable` naming the last error and when
//     the next attempt is allowed, instead of a restart loop. Crashes after readiness count
//     the same way from `crash_backoff_after` crashes in a row. A permanent failure (the
//     backend cannot run the model) fails callers with `kFailedPrecondition` until the model's
//     record changes; any change of the record also clears the backoff.
//   - An instance that exits on its own is noticed through its backend; callers holding it
//     see their call fail (`kAborted`, or `kResourceExhausted` when it was killed for memory),
//     and a replacement starts at once.
//   - Every lifecycle step is an `InstanceEvent` (history), and the pool's counts are
//     Prometheus metrics.
//
// The pool never calls a backend, the event sink or the model lookup while holding its lock,
// so observations may arrive from any backend thread at any time.
//
// Thread-safety: every method is thread-safe. Collaborators must outlive the pool; `Shutdown`
// must run before the backends shut down.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

#include "hub/common/clock.h"
#include "hub/runtime/instance.h"
#include "hub/runtime/instance_backend.h"
#include "hub/runtime/model_client.h"
#include "hub/runtime/model_lookup.h"

namespace hub::runtime {

class InstancePool;
class RuntimeMetrics;

struct PoolOptions {
  // This replica's id: owner of its instances, and recorded in their events.
  std::string server_id = "local";
  // The backend of models that do not name one.
  std::string default_backend = std::string(kLocalBackend);
  // Live instances of all models at once.
  int max_instances = 8;
  // Memory (MiB) the live instances may declare in total; 0: no budget.
  std::int64_t memory_budget_mb = 0;
  // An idle instance stops after this long unless its model says otherwise.
  std::chrono::milliseconds idle_timeout{5 * 60 * 1000};
  // An instance not ready this long after its launch is stopped and counts as a start failure.
  std::chrono::milliseconds start_timeout{60 * 1000};
  // Backends that time their own starts stage by stage (kubernetes: scheduling, image pull,
  // readiness) get this limit instead of `start_timeout`, by backend name.
  std::map<std::string, std::chrono::milliseconds, std::less<>> start_timeout_by_backend;
  std::chrono::milliseconds backoff_initial{10 * 1000};
  std::chrono::milliseconds backoff_max{5 * 60 * 1000};
  // Time a stopping instance gets before the backend forces it.
  std::chrono::milliseconds stop_grace{5 * 1000};
  // Compute threads of a local instance whose model does not say.
  int default_threads = 1;
  // How long a caller whose call broke waits for the backend to report the instance's end, to
  // tell a crash from a kill for memory.
  std::chrono::milliseconds exit_wait{1000};
  // Crashes in a row (without a successful chunk in between) from which a model backs off.
  int crash_backoff_after = 2;
};

// Makes the protocol client of a ready instance. Tests substitute fakes.
using ModelClientFactory = std::function<std::shared_ptr<ModelClient>(const ModelEndpoint&)>;

// What the pool runs instances with, besides the clock, the registry and the event sink.
struct PoolParts {
  // The backends, keyed by their `name()`; each must outlive the pool.
  std::vector<InstanceBackend*> backends;
  ModelClientFactory client_factory;
  // Prometheus counts; may be null.
  RuntimeMetrics* metrics = nullptr;
};

struct AcquireOptions {
  // What the caller is doing, shown by the admin API as the instance's current work
  // ("work_request=42 chunk=7").
  std::string holder;
};

// Whether `Acquire` for a model would get an instance now (for schedulers that only take work
// they can run).
enum class Admission {
  kReadyNow,      // a free instance exists
  kCanStart,      // none free, one can start now
  kWaitCapacity,  // none free and none can start until others are released or stop
  kBackingOff,    // the model failed recently; starts are paused (`ModelScaling` says until when)
  kRefused,       // the model is unknown, disabled, or cannot run on its backend
};

std::string_view AdmissionName(Admission admission);

// Scaling facts of one model (`/api/models/{id}/scaling-info`).
struct ModelScaling {
  std::string model_id;
  int starting = 0;
  int ready = 0;  // idle
  int busy = 0;
  int stopping = 0;
  int waiting = 0;  // callers waiting in `Acquire`
  int max_instances = -1;
  std::int64_t memory_reserved_mb = 0;
  int consecutive_failures = 0;
  std::string last_error;
  common::Micros last_error_at = 0;
  // When the next start is allowed (0: now).
  common::Micros next_start_at = 0;
  bool permanent_failure = false;

  // Instances that exist and are not stopping.
  int current() const { return starting + ready + busy; }
};

// Totals over all models.
struct PoolTotals {
  int instances = 0;  // including stopping ones
  int max_instances = 0;
  std::int64_t memory_reserved_mb = 0;
  std::int64_t memory_budget_mb = 0;
  int waiting = 0;
};

// The right to use one instance for a while. Move-only. Destroying a lease that was not given
// back with `InstancePool::Release` releases it with the outcome of its last `Run`.
// Thread-safety: one thread at a time per lease.
class InstanceLease final {
public:
  InstanceLease() = default;
  ~InstanceLease();
  InstanceLease(InstanceLease&& other) noexcept;
  InstanceLease& operator=(InstanceLease&& other) noexcept;
  InstanceLease(const InstanceLease&) = delete;
  InstanceLease& operator=(const InstanceLease&) = delete;

  bool valid() const { return pool_ != nullptr; }

  const std::string& instance_id() const { return instance_id_; }

  const std::string& model_id() const { return model_id_; }

  const std::string& base_url() const { return base_url_; }

  // Runs `inputs` on the instance (see `ModelClient::Run` for the errors). A call that breaks
  // because the instance died reports why: `kResourceExhausted` when it was killed for
  // memory, `kAborted` otherwise (the message has the exit code or signal).
  // REQUIRES: `valid()`.
  [[nodiscard]] absl::StatusOr<RunResult> Run(const std::vector<std::string>& inputs,
                                              const RunOptions& options = {});

  // The outcome of the last `Run` (kNone before any).
  RunErrorKind last_outcome() const { return last_outcome_; }

  // The instance's protocol client, for calls `Run` does not cover.
  ModelClient& client() { return *client_; }

private:
  friend class InstancePool;
  void Reset();

  InstancePool* pool_ = nullptr;
  std::uint64_t lease_id_ = 0;
  std::string instance_id_;
  std::string model_id_;
  std::string base_url_;
  std::shared_ptr<ModelClient> client_;
  RunErrorKind last_outcome_ = RunErrorKind::kNone;
  std::int64_t rows_ = 0;
  std::int64_t max_rows_ = 0;
  int failed_calls_ = 0;
};

class InstancePool final : public InstanceBackend::Observer {
public:
  // `clock`, `models`, `events` and the parts' backends and metrics must outlive the pool.
  InstancePool(const common::Clock& clock,
               const ModelLookup& models,
               InstanceEventSink& events,
               PoolParts parts,
               PoolOptions options);
  ~InstancePool() override;

  InstancePool(const InstancePool&) = delete;
  InstancePool& operator=(const InstancePool&) = delete;

  // Attaches to the backends and adopts the instances they still run for this replica
  // (stopping those of unknown or disabled models). Backend listing errors are logged.
  void Start();

  // Fails waiting callers with `kUnavailable`, stops every instance and waits up to
  // `timeout` for them to exit. Later `Acquire` calls fail with `kUnavailable`. Idempotent.
  void Shutdown(std::chrono::milliseconds timeout);

  // A ready instance of `model_id`, waiting until `deadline` (a `Clock` time) while one
  // starts or is released. Errors:
  //   kNotFound            unknown model;
  //   kFailedPrecondition  the model is disabled, cannot run on its backend, or needs more
  //                        memory than the whole budget;
  //   kUnavailable         the model is backing off after failed starts (the message has the
  //                        last error and when starts resume), a start failed while waiting,
  //                        or the pool is shutting down;
  //   kDeadlineExceeded    nothing became free in time (the message says what blocked).
  [[nodiscard]] absl::StatusOr<InstanceLease> Acquire(std::string_view model_id,
                                                      common::Micros deadline,
                                                      const AcquireOptions& options = {});

  // Gives `lease` back. `outcome` is how its work ended: kCrash, kTimeout and kOutOfMemory
  // stop the instance (it is replaced on demand); anything else returns it to the free
  // instances. A successful outcome clears the model's crash count.
  void Release(InstanceLease lease, RunErrorKind outcome);

  // Whether `Acquire` would get an instance of `model_id` now.
  Admission Admit(std::string_view model_id);

  // Starts one more instance of `model_id` (admin warm-up) and returns its id; it is free
  // once ready. Errors as `Acquire`, plus `kResourceExhausted` when no capacity is left.
  [[nodiscard]] absl::StatusOr<std::string> StartInstance(std::string_view model_id);

  // Asks an instance to stop. `kNotFound` when no live instance has that id.
  [[nodiscard]] absl::Status StopInstance(std::string_view instance_id, StopReason reason);

  // Stops every live instance of `model_id`; returns how many were asked to stop.
  int StopModel(std::string_view model_id, StopReason reason);

  // Takes the instances `instance_ids` out of service for a node scale-down, all or none, in
  // one step with the check that each is idle: a retired instance is never leased again, so
  // the caller may evict it while no work runs on it. When it then ends, that is recorded as
  // NODE_SCALE_DOWN, not as a failure of its model. Already retired instances count as idle.
  // Errors (nothing retired):
  //   kNotFound            an id is not a live instance of this replica (another replica's
  //                        pod, whose work only its owner knows);
  //   kFailedPrecondition  an instance is busy, starting or stopping (the message names it).
  [[nodiscard]] absl::Status RetireIdle(const std::vector<std::string>& instance_ids);

  // Puts retired instances back in service (the scale-down was given up). Ids that are gone
  // or not retired are ignored.
  void RestoreRetired(const std::vector<std::string>& instance_ids);

  // Live instances, by id.
  std::vector<InstanceSnapshot> Snapshot() const;

  // One live instance. `kNotFound` when none.
  [[nodiscard]] absl::StatusOr<InstanceSnapshot> Find(std::string_view instance_id) const;

  // Scaling facts of one model (the model need not be registered).
  ModelScaling Scaling(std::string_view model_id) const;

  PoolTotals Totals() const;

  // Periodic work, due by the clock: stops idle instances and those that failed to become
  // ready in time, retries starts whose backoff ended, wakes waiters to check deadlines.
  void Tick();

  // The backend that runs (or ran) `instance_id`'s kind, by name; null when unknown.
  InstanceBackend* BackendNamed(std::string_view name) const;

  // Usage of a live instance from its backend. Errors as `InstanceBackend::Usage`.
  [[nodiscard]] absl::StatusOr<ResourceUsage> Usage(std::string_view instance_id);

  const PoolOptions& options() const { return options_; }

  // InstanceBackend::Observer
  void OnObservation(const InstanceObservation& observation) override;

private:
  friend class InstanceLease;
  struct Instance;
  struct ModelHealth;
  struct Waiter;
  struct Actions;
  struct ExitInfo;

  // What `CheckCapacity` may do when the instance does not fit: only tell whether stopping idle
  // instances of other models would make it fit, stop them, or neither.
  enum class CapacityMode { kDryRun, kEvict, kNoEvict };

  void ReleaseLease(InstanceLease& lease, RunErrorKind outcome);
  void NoteCall(const InstanceLease& lease, std::int64_t rows);
  absl::Status ExplainBrokenCall(const InstanceLease& lease, const absl::Status& error);

  absl::StatusOr<ModelRecord> LookUp(std::string_view model_id) const;
  ModelHealth& HealthFor(const ModelRecord& model) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status RefusalFor(const ModelHealth& health) const;
  absl::Status BackoffError(const ModelHealth& health) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Instance* FreeInstance(std::string_view model_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::map<std::string, int> NodeOccupancy() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status CheckRetirable(std::string_view instance_id) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ExpireStartingOrIdle(Instance& instance, common::Micros now, Actions& actions)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FinishLaunch(const std::string& instance_id, const absl::Status& started, Actions& actions)
      ABSL_LOCKS_EXCLUDED(mu_);
  InstanceLease MakeLease(Instance& instance, const std::string& holder)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Plan(const ModelRecord& model, Actions& actions) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status CheckCapacity(const ModelRecord& model, CapacityMode mode, Actions& actions)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool EvictFor(std::int64_t memory_needed_mb, std::string_view model_id, Actions* actions)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Instance& CreateInstance(const ModelRecord& model, Actions& actions)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RequestStop(Instance& instance, StopReason reason, Actions& actions)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Dispatch(std::string_view model_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FailWaiters(std::string_view model_id, const absl::Status& error)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RecordFailure(ModelHealth& health,
                     const std::string& message,
                     bool permanent,
                     bool start_failure) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void HandleReady(Instance& instance, const InstanceObservation& observation, Actions& actions)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void HandleExit(Instance& instance, const InstanceObservation& observation, Actions& actions)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Adopt(InstanceBackend& backend,
             const InstanceObservation& observation,
             const absl::StatusOr<ModelRecord>& model,
             Actions& actions) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ReplanWaitingModels(Actions& actions) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  InstanceEvent EventFor(const Instance& instance, InstanceEventKind kind) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  InstanceSnapshot SnapshotOf(const Instance& instance) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void UpdateGauges() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::chrono::milliseconds StartTimeoutFor(const Instance& instance) const;
  void Execute(Actions& actions) ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status WaitForAssignment(Waiter& waiter, const ModelRecord& model, common::Micros deadline)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const common::Clock& clock_;
  const ModelLookup& models_;
  std::map<std::string, InstanceBackend*, std::less<>> backends_;
  InstanceEventSink& events_;
  const ModelClientFactory client_factory_;
  const PoolOptions options_;
  RuntimeMetrics* const metrics_;

  mutable absl::Mutex mu_;
  absl::CondVar exit_cv_;
  std::map<std::string, std::unique_ptr<Instance>, std::less<>> instances_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, ModelHealth, std::less<>> health_ ABSL_GUARDED_BY(mu_);
  std::deque<ExitInfo> recent_exits_ ABSL_GUARDED_BY(mu_);
  std::uint64_t next_lease_id_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, int, std::less<>> gauge_models_ ABSL_GUARDED_BY(mu_);
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace hub::runtime
