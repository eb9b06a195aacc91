#include "hub/runtime/instance_pool.h"

#include <algorithm>
#include <exception>

#include "fmt/format.h"

#include "hub/common/log.h"
#include "hub/common/random.h"
#include "hub/common/status_macros.h"
#include "hub/common/strings.h"
#include "hub/runtime/runtime_metrics.h"

namespace hub::runtime {
namespace {

constexpr size_t kRecentExits = 64;
constexpr common::Micros kMaxWaitSlice = 100'000;  // re-check deadlines at least this often

// Runs `work` where an exception cannot be handled: a destructor or a move. The pool reports
// failures as statuses, so only an allocation failure can throw here; the process then ends
// (libstdc++'s terminate handler prints the exception) rather than leave a lease or an
// instance half released.
template <typename Work>
void RunOrTerminate(const Work& work) noexcept {
  try {
    work();
  } catch (...) {
    std::terminate();
  }
}

common::Micros ToMicros(std::chrono::milliseconds d) {
  return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
}

double Seconds(common::Micros micros) {
  return static_cast<double>(micros) / common::kMicrosPerSecond;
}

std::optional<std::int64_t> MemoryLimitMb(const ModelDetails& details) {
  if (details.disable_memory_limit) {
    return std::nullopt;
  }
  return details.resources.memory_limit;
}

// Memory doublings after OOMKilled exits at most (8x the model's record).
constexpr int kMaxMemoryDoublings = 3;

// The model's details with memory request and limit doubled once per OOMKilled exit of its
// instances (capped), so the next instance gets room; the record itself is unchanged.
ModelDetails WithRaisedMemory(const ModelDetails& details, int oom_kills) {
  ModelDetails raised = details;
  if (oom_kills <= 0) {
    return raised;
  }
  std::int64_t factor = std::int64_t{1} << std::min(oom_kills, kMaxMemoryDoublings);
  ResourceSpec& r = raised.resources;
  r.memory_request = std::min(kMaxMemoryMb, r.memory_request * factor);
  if (r.memory_limit.has_value()) {
    r.memory_limit = std::min(kMaxMemoryMb, *r.memory_limit * factor);
  }
  return raised;
}

bool StopsInstance(RunErrorKind outcome) {
  return outcome == RunErrorKind::kCrash || outcome == RunErrorKind::kTimeout ||
         outcome == RunErrorKind::kOutOfMemory;
}

StopReason StopReasonFor(RunErrorKind outcome) {
  switch (outcome) {
    case RunErrorKind::kTimeout:
      return StopReason::kRunTimeout;
    case RunErrorKind::kOutOfMemory:
      return StopReason::kKilledForMemory;
    default:
      return StopReason::kUnhealthy;
  }
}

bool IsStartFailure(StopReason reason) {
  return reason == StopReason::kStartFailed || reason == StopReason::kStartTimeout;
}

bool IsCrash(StopReason reason) {
  return reason == StopReason::kCrashed || reason == StopReason::kKilledForMemory ||
         reason == StopReason::kLost || reason == StopReason::kUnhealthy;
}

// How an exit the pool did not ask for is recorded. A lost instance (evicted, its node gone,
// deleted by someone else) is LOST whenever it happens: before it was ready too, since that
// says nothing about the model, unlike a failed start.
StopReason ReasonForExit(ExitCause cause, bool was_ready) {
  switch (cause) {
    case ExitCause::kOutOfMemory:
      return StopReason::kKilledForMemory;
    case ExitCause::kLost:
      return StopReason::kLost;
    case ExitCause::kStopped:
      return was_ready ? StopReason::kLost : StopReason::kStartFailed;
    case ExitCause::kStartFailed:
      return StopReason::kStartFailed;
    default:
      return was_ready ? StopReason::kCrashed : StopReason::kStartFailed;
  }
}

}  // namespace

std::string_view AdmissionName(Admission admission) {
  switch (admission) {
    case Admission::kReadyNow:
      return "READY_NOW";
    case Admission::kCanStart:
      return "CAN_START";
    case Admission::kWaitCapacity:
      return "WAIT_CAPACITY";
    case Admission::kBackingOff:
      return "BACKING_OFF";
    case Admission::kRefused:
      return "REFUSED";
  }
  return "UNKNOWN";
}

// ---------------------------------------------------------------------------------------------
// Internal state

struct InstancePool::Instance {
  std::string id;
  std::string model_id;
  InstanceBackend* backend = nullptr;
  InstanceState state = InstanceState::kStarting;
  std::string base_url;
  common::Micros created_at = 0;
  common::Micros ready_at = 0;
  common::Micros state_since = 0;
  common::Micros last_used_at = 0;
  common::Micros idle_timeout = 0;
  int max_leases = 1;
  std::map<std::uint64_t, LeaseView> leases;
  std::int64_t memory_mb = 0;
  std::optional<std::int64_t> memory_limit_mb;
  ResourceSpec resources;
  ExecutionMode mode = ExecutionMode::kSync;
  std::optional<StopReason> stop_reason;
  InstanceCounters counters;
  nlohmann::json details = nlohmann::json::object();
  std::shared_ptr<ModelClient> client;
  bool launched = false;
  // The failure this instance stands for is already counted in its model's health.
  bool failure_recorded = false;
  // Out of service for a node scale-down (`RetireIdle`): never leased again.
  bool retired = false;

  bool available() const {
    return !retired && (state == InstanceState::kReady || state == InstanceState::kBusy) &&
           static_cast<int>(leases.size()) < max_leases;
  }

  // The node it runs on ("" when the backend does not say).
  std::string node() const {
    auto it = details.find("node");
    return it != details.end() && it->is_string() ? it->get<std::string>() : "";
  }
};

struct InstancePool::Waiter {
  std::string model_id;
  std::string holder;
  absl::CondVar cv;
  std::optional<InstanceLease> lease;
  absl::Status error;
  bool done = false;
  std::string blocked;
};

struct InstancePool::ModelHealth {
  std::optional<ModelRecord> record;
  int start_failures = 0;
  int crashes = 0;
  std::string last_error;
  common::Micros last_error_at = 0;
  common::Micros next_start_at = 0;
  bool permanent = false;
  // OOMKilled exits since the record last changed: each doubles the memory of the next
  // instances (`WithRaisedMemory`).
  int oom_kills = 0;
  // Instances that crashed while in use, to be replaced even without a waiter.
  std::deque<std::string> replacements;
  std::deque<Waiter*> waiters;
};

struct InstancePool::ExitInfo {
  std::string instance_id;
  StopReason reason = StopReason::kCrashed;
  std::string message;
};

struct InstancePool::Actions {
  struct Launch {
    std::string instance_id;
    InstanceBackend* backend = nullptr;
    InstanceSpec spec;
  };

  struct Halt {
    std::string instance_id;
    InstanceBackend* backend = nullptr;
    bool force = false;  // no grace period (killed for memory)
  };

  std::vector<InstanceEvent> events;
  std::vector<Halt> stops;
  std::vector<Launch> launches;

  bool empty() const { return events.empty() && stops.empty() && launches.empty(); }
};

// ---------------------------------------------------------------------------------------------
// InstanceLease

InstanceLease::~InstanceLease() {
  if (pool_ != nullptr) {
    RunOrTerminate([&] { pool_->ReleaseLease(*this, last_outcome_); });
  }
}

InstanceLease::InstanceLease(InstanceLease&& other) noexcept {
  *this = std::move(other);
}

InstanceLease& InstanceLease::operator=(InstanceLease&& other) noexcept {
  if (this != &other) {
    if (pool_ != nullptr) {
      RunOrTerminate([&] { pool_->ReleaseLease(*this, last_outcome_); });
    }
    pool_ = std::exchange(other.pool_, nullptr);
    lease_id_ = other.lease_id_;
    instance_id_ = std::move(other.instance_id_);
    model_id_ = std::move(other.model_id_);
    base_url_ = std::move(other.base_url_);
    client_ = std::move(other.client_);
    last_outcome_ = other.last_outcome_;
    rows_ = other.rows_;
    max_rows_ = other.max_rows_;
    failed_calls_ = other.failed_calls_;
  }
  return *this;
}

void InstanceLease::Reset() {
  pool_ = nullptr;
  client_.reset();
}

absl::StatusOr<RunResult> InstanceLease::Run(const std::vector<std::string>& inputs,
                                             const RunOptions& options) {
  auto rows = static_cast<std::int64_t>(inputs.size());
  pool_->NoteCall(*this, rows);
  absl::StatusOr<RunResult> result = client_->Run(inputs, options);
  pool_->NoteCall(*this, 0);
  rows_ += rows;
  max_rows_ = std::max(max_rows_, rows);
  if (result.ok()) {
    last_outcome_ = RunErrorKind::kNone;
    return result;
  }
  absl::Status error = result.status();
  if (RunErrorKindOf(error) == RunErrorKind::kCrash) {
    error = pool_->ExplainBrokenCall(*this, error);
  }
  last_outcome_ = RunErrorKindOf(error);
  ++failed_calls_;
  return error;
}

// ---------------------------------------------------------------------------------------------
// Construction, start and shutdown

InstancePool::InstancePool(const common::Clock& clock,
                           const ModelLookup& models,
                           InstanceEventSink& events,
                           PoolParts parts,
                           PoolOptions options)
    : clock_(clock),
      models_(models),
      events_(events),
      client_factory_(std::move(parts.client_factory)),
      options_(std::move(options)),
      metrics_(parts.metrics) {
  for (InstanceBackend* backend : parts.backends) {
    backends_[std::string(backend->name())] = backend;
  }
}

InstancePool::~InstancePool() {
  RunOrTerminate([&] { Shutdown(std::chrono::milliseconds(0)); });
}

void InstancePool::Start() {
  {
    absl::MutexLock lock(&mu_);
    if (started_) {
      return;
    }
    started_ = true;
  }
  for (auto& [name, backend] : backends_) {
    backend->SetObserver(this);
  }
  for (auto& [name, backend] : backends_) {
    auto owned = backend->ListOwned(options_.server_id);
    if (!owned.ok()) {
      HUB_LOG(warn, "cannot list running instances to adopt", {"backend", name},
              {"error", common::ToString(owned.status().message())});
      continue;
    }
    Actions actions;
    for (const InstanceObservation& observation : *owned) {
      absl::StatusOr<ModelRecord> model = LookUp(observation.model_id);
      absl::MutexLock lock(&mu_);
      Adopt(*backend, observation, model, actions);
    }
    Execute(actions);
  }
}

void InstancePool::Adopt(InstanceBackend& backend,
                         const InstanceObservation& observation,
                         const absl::StatusOr<ModelRecord>& model,
                         Actions& actions) {
  common::Micros now = clock_.NowMicros();
  auto instance = std::make_unique<Instance>();
  instance->id = observation.instance_id;
  instance->model_id = observation.model_id;
  instance->backend = &backend;
  instance->created_at = instance->state_since = instance->last_used_at = now;
  instance->details = observation.details;
  instance->launched = true;
  Instance& adopted = *instance;
  instances_[adopted.id] = std::move(instance);
  if (!model.ok()) {
    HUB_LOG(info, "stopping an instance of a model that cannot run now",
            {"instance_id", adopted.id}, {"model_id", adopted.model_id});
    RequestStop(adopted, StopReason::kAdmin, actions);
    return;
  }
  adopted.memory_mb = ReservedMemoryMb(model->details);
  adopted.memory_limit_mb = MemoryLimitMb(model->details);
  adopted.resources = model->details.resources;
  adopted.mode = model->details.execution_mode;
  adopted.max_leases = model->details.chunks_per_instance;
  adopted.idle_timeout = model->details.idle_timeout_seconds.has_value()
                             ? *model->details.idle_timeout_seconds * common::kMicrosPerSecond
                             : ToMicros(options_.idle_timeout);
  if (observation.phase == InstancePhase::kReady) {
    adopted.state = InstanceState::kReady;
    adopted.ready_at = now;
    adopted.base_url = observation.base_url;
    adopted.client = client_factory_({adopted.model_id, adopted.base_url, adopted.mode});
  }
  actions.events.push_back(EventFor(adopted, InstanceEventKind::kAdopted));
  UpdateGauges();
}

void InstancePool::Shutdown(std::chrono::milliseconds timeout) {
  Actions actions;
  {
    absl::MutexLock lock(&mu_);
    if (shutting_down_) {
      return;
    }
    shutting_down_ = true;
    for (auto& [id, health] : health_) {
      FailWaiters(id, absl::UnavailableError("the hub is shutting down"));
      health.replacements.clear();
    }
    for (auto& [id, instance] : instances_) {
      RequestStop(*instance, StopReason::kShutdown, actions);
    }
  }
  Execute(actions);
  absl::MutexLock lock(&mu_);
  absl::Time deadline = absl::Now() + absl::FromChrono(timeout);
  while (!instances_.empty()) {
    if (exit_cv_.WaitWithDeadline(&mu_, deadline)) {
      break;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Acquire and release

absl::StatusOr<ModelRecord> InstancePool::LookUp(std::string_view model_id) const {
  HUB_ASSIGN_OR_RETURN(ModelRecord model, models_.FindModel(model_id));
  if (!model.enabled) {
    return absl::FailedPreconditionError(fmt::format("model {} is disabled", model_id));
  }
  return model;
}

InstancePool::ModelHealth& InstancePool::HealthFor(const ModelRecord& model) {
  ModelHealth& health = health_[model.id];
  // A changed record (resources fixed, backend changed) deserves a fresh try.
  if (health.record.has_value() && health.record->last_updated != model.last_updated) {
    health.start_failures = 0;
    health.crashes = 0;
    health.next_start_at = 0;
    health.permanent = false;
    health.oom_kills = 0;
  }
  health.record = model;
  return health;
}

absl::Status InstancePool::RefusalFor(const ModelHealth& health) const {
  if (health.permanent) {
    return absl::FailedPreconditionError(
        fmt::format("model {} cannot start: {}", health.record->id, health.last_error));
  }
  return absl::OkStatus();
}

absl::Status InstancePool::BackoffError(const ModelHealth& health) const {
  common::Micros wait = std::max<common::Micros>(0, health.next_start_at - clock_.NowMicros());
  int failures = std::max(health.start_failures, health.crashes);
  return absl::UnavailableError(fmt::format(
      "model {} failed {} time(s) in a row (last error: {}); next start attempt in {:.0f}s",
      health.record->id, failures, health.last_error, Seconds(wait)));
}

std::map<std::string, int> InstancePool::NodeOccupancy() const {
  std::map<std::string, int> live;
  for (const auto& [id, instance] : instances_) {
    if (instance->state != InstanceState::kStopping && !instance->retired) {
      ++live[instance->node()];
    }
  }
  return live;
}

InstancePool::Instance* InstancePool::FreeInstance(std::string_view model_id) {
  // On the fullest node, the most recently used there: surplus instances stay idle and time
  // out, on the emptiest nodes first, so that whole nodes empty out.
  std::map<std::string, int> occupancy = NodeOccupancy();
  Instance* best = nullptr;
  int best_occupancy = -1;
  for (auto& [id, instance] : instances_) {
    if (instance->model_id != model_id || !instance->available()) {
      continue;
    }
    int on_node = occupancy[instance->node()];
    if (best == nullptr || on_node > best_occupancy ||
        (on_node == best_occupancy && instance->last_used_at > best->last_used_at)) {
      best = instance.get();
      best_occupancy = on_node;
    }
  }
  return best;
}

InstanceLease InstancePool::MakeLease(Instance& instance, const std::string& holder) {
  common::Micros now = clock_.NowMicros();
  InstanceLease lease;
  lease.pool_ = this;
  lease.lease_id_ = ++next_lease_id_;
  lease.instance_id_ = instance.id;
  lease.model_id_ = instance.model_id;
  lease.base_url_ = instance.base_url;
  lease.client_ = instance.client;
  instance.leases[lease.lease_id_] = LeaseView{holder, now, 0};
  instance.state = InstanceState::kBusy;
  instance.state_since = now;
  instance.last_used_at = now;
  return lease;
}

absl::StatusOr<InstanceLease> InstancePool::Acquire(std::string_view model_id,
                                                    common::Micros deadline,
                                                    const AcquireOptions& options) {
  HUB_ASSIGN_OR_RETURN(ModelRecord model, LookUp(model_id));
  Waiter waiter;
  waiter.model_id = model.id;
  waiter.holder = options.holder;
  Actions actions;
  {
    absl::MutexLock lock(&mu_);
    if (shutting_down_) {
      return absl::UnavailableError("the hub is shutting down");
    }
    ModelHealth& health = HealthFor(model);
    HUB_RETURN_IF_ERROR(RefusalFor(health));
    Instance* free = health.waiters.empty() ? FreeInstance(model.id) : nullptr;
    if (free != nullptr) {
      InstanceLease lease = MakeLease(*free, options.holder);
      UpdateGauges();
      return lease;
    }
    health.waiters.push_back(&waiter);
    Plan(model, actions);
    UpdateGauges();
  }
  Execute(actions);

  absl::MutexLock lock(&mu_);
  absl::Status waited = WaitForAssignment(waiter, model, deadline);
  if (waiter.lease.has_value()) {
    return std::move(*waiter.lease);
  }
  return waited;
}

absl::Status InstancePool::WaitForAssignment(Waiter& waiter,
                                             const ModelRecord& model,
                                             common::Micros deadline) {
  while (!waiter.done) {
    common::Micros left = deadline - clock_.NowMicros();
    if (left <= 0) {
      std::deque<Waiter*>& queue = health_[model.id].waiters;
      queue.erase(std::remove(queue.begin(), queue.end(), &waiter), queue.end());
      UpdateGauges();
      return absl::DeadlineExceededError(
          fmt::format("no instance of model {} became free in time{}", model.id,
                      waiter.blocked.empty() ? "" : ": " + waiter.blocked));
    }
    waiter.cv.WaitWithTimeout(&mu_, absl::Microseconds(std::min(left, kMaxWaitSlice)));
  }
  return waiter.error;
}

void InstancePool::Release(InstanceLease lease, RunErrorKind outcome) {
  if (lease.valid()) {
    ReleaseLease(lease, outcome);
  }
}

void InstancePool::ReleaseLease(InstanceLease& lease, RunErrorKind outcome) {
  Actions actions;
  {
    absl::MutexLock lock(&mu_);
    common::Micros now = clock_.NowMicros();
    auto health = health_.find(lease.model_id_);
    if (health != health_.end() && !StopsInstance(outcome)) {
      health->second.crashes = 0;
    }
    auto it = instances_.find(lease.instance_id_);
    if (it != instances_.end()) {
      Instance& instance = *it->second;
      auto view = instance.leases.find(lease.lease_id_);
      if (view != instance.leases.end()) {
        instance.counters.busy_micros += now - view->second.since;
        instance.leases.erase(view);
      }
      instance.counters.chunks += 1;
      instance.counters.rows += lease.rows_;
      instance.counters.max_rows_per_chunk =
          std::max(instance.counters.max_rows_per_chunk, lease.max_rows_);
      instance.counters.failed_chunks += outcome == RunErrorKind::kNone ? 0 : 1;
      instance.last_used_at = now;
      if (StopsInstance(outcome)) {
        RequestStop(instance, StopReasonFor(outcome), actions);
      } else if (instance.state != InstanceState::kStopping) {
        instance.state = instance.leases.empty() ? InstanceState::kReady : InstanceState::kBusy;
        instance.state_since = now;
        Dispatch(instance.model_id);
      }
    }
    lease.Reset();
    UpdateGauges();
  }
  Execute(actions);
}

void InstancePool::NoteCall(const InstanceLease& lease, std::int64_t rows) {
  absl::MutexLock lock(&mu_);
  auto it = instances_.find(lease.instance_id_);
  if (it == instances_.end()) {
    return;
  }
  auto view = it->second->leases.find(lease.lease_id_);
  if (view != it->second->leases.end()) {
    view->second.rows = rows;
  }
}

absl::Status InstancePool::ExplainBrokenCall(const InstanceLease& lease,
                                             const absl::Status& error) {
  absl::MutexLock lock(&mu_);
  absl::Time deadline = absl::Now() + absl::FromChrono(options_.exit_wait);
  while (instances_.count(lease.instance_id_) > 0) {
    if (exit_cv_.WaitWithDeadline(&mu_, deadline)) {
      break;
    }
  }
  for (const ExitInfo& exit : recent_exits_) {
    if (exit.instance_id != lease.instance_id_) {
      continue;
    }
    std::string message = fmt::format("instance {} ended ({}): {}", exit.instance_id,
                                      StopReasonName(exit.reason), exit.message);
    if (exit.reason == StopReason::kKilledForMemory) {
      return absl::ResourceExhaustedError(message);
    }
    return absl::AbortedError(message);
  }
  return error;
}

void InstancePool::Dispatch(std::string_view model_id) {
  auto health = health_.find(model_id);
  if (health == health_.end()) {
    return;
  }
  std::deque<Waiter*>& queue = health->second.waiters;
  while (!queue.empty()) {
    Instance* free = FreeInstance(model_id);
    if (free == nullptr) {
      return;
    }
    Waiter* waiter = queue.front();
    queue.pop_front();
    waiter->lease = MakeLease(*free, waiter->holder);
    waiter->done = true;
    waiter->cv.Signal();
  }
}

void InstancePool::FailWaiters(std::string_view model_id, const absl::Status& error) {
  auto health = health_.find(model_id);
  if (health == health_.end()) {
    return;
  }
  for (Waiter* waiter : health->second.waiters) {
    waiter->error = error;
    waiter->done = true;
    waiter->cv.Signal();
  }
  health->second.waiters.clear();
}

// ---------------------------------------------------------------------------------------------
// Planning

void InstancePool::Plan(const ModelRecord& model, Actions& actions) {
  ModelHealth& health = health_[model.id];
  const int slots = std::max(1, model.details.chunks_per_instance);
  int demand = static_cast<int>(health.waiters.size() + health.replacements.size());
  int coming = 0;
  int alive = 0;
  for (auto& [id, instance] : instances_) {
    // A retired instance is leaving: it covers no demand.
    if (instance->model_id != model.id || instance->state == InstanceState::kStopping ||
        instance->retired) {
      continue;
    }
    ++alive;
    coming += instance->state == InstanceState::kStarting
                  ? slots
                  : std::max(0, instance->max_leases - static_cast<int>(instance->leases.size()));
  }
  int missing = demand - coming;
  while (missing > 0) {
    absl::Status blocked = CheckCapacity(model, CapacityMode::kEvict, actions);
    if (!blocked.ok()) {
      bool hopeless = blocked.code() == absl::StatusCode::kFailedPrecondition ||
                      (blocked.code() == absl::StatusCode::kUnavailable && alive == 0);
      if (hopeless) {
        FailWaiters(model.id, blocked);
        health.replacements.clear();
      }
      for (Waiter* waiter : health.waiters) {
        waiter->blocked = common::ToString(blocked.message());
      }
      return;
    }
    CreateInstance(model, actions);
    ++alive;
    missing -= slots;
  }
  // Demand is covered: a replacement still queued would start an unneeded instance later,
  // when the ones covering it idle out.
  health.replacements.clear();
}

absl::Status InstancePool::CheckCapacity(const ModelRecord& model,
                                         CapacityMode mode,
                                         Actions& actions) {
  ModelHealth& health = health_[model.id];
  HUB_RETURN_IF_ERROR(RefusalFor(health));
  std::string backend = EffectiveBackend(model.details, options_.default_backend);
  if (backends_.count(backend) == 0) {
    return absl::FailedPreconditionError(fmt::format(
        "model {} uses backend \"{}\", which this hub does not run", model.id, backend));
  }
  if (health.next_start_at > clock_.NowMicros()) {
    return BackoffError(health);
  }
  int of_model = 0;
  int total = 0;
  std::int64_t reserved = 0;
  for (auto& [id, instance] : instances_) {
    ++total;
    reserved += instance->memory_mb;
    of_model += instance->model_id == model.id && instance->state != InstanceState::kStopping;
  }
  if (model.details.max_instances > 0 && of_model >= model.details.max_instances) {
    return absl::ResourceExhaustedError(fmt::format("model {} has its maximum of {} instances",
                                                    model.id, model.details.max_instances));
  }
  std::int64_t memory = ReservedMemoryMb(WithRaisedMemory(model.details, health.oom_kills));
  if (options_.memory_budget_mb > 0 && memory > options_.memory_budget_mb) {
    return absl::FailedPreconditionError(fmt::format(
        "model {} declares {} MiB per instance, more than the whole memory budget of {} MiB",
        model.id, memory, options_.memory_budget_mb));
  }
  bool fits = total + 1 <= options_.max_instances &&
              (options_.memory_budget_mb == 0 || reserved + memory <= options_.memory_budget_mb);
  if (fits) {
    return absl::OkStatus();
  }
  std::string why = fmt::format("no capacity: {} of {} instances, {} of {} MiB reserved", total,
                                options_.max_instances, reserved, options_.memory_budget_mb);
  if (mode != CapacityMode::kNoEvict &&
      EvictFor(memory, model.id, mode == CapacityMode::kEvict ? &actions : nullptr)) {
    if (mode == CapacityMode::kDryRun) {
      return absl::OkStatus();
    }
    return absl::ResourceExhaustedError(why + "; idle instances of other models are stopping");
  }
  return absl::ResourceExhaustedError(why);
}

bool InstancePool::EvictFor(std::int64_t memory_needed_mb,
                            std::string_view model_id,
                            Actions* actions) {
  int total = 0;
  std::int64_t reserved = 0;
  std::vector<Instance*> idle;
  for (auto& [id, instance] : instances_) {
    // Instances already stopping will free their share; count them out.
    if (instance->state == InstanceState::kStopping) {
      continue;
    }
    ++total;
    reserved += instance->memory_mb;
    if (instance->model_id != model_id && instance->state == InstanceState::kReady &&
        instance->leases.empty()) {
      idle.push_back(instance.get());
    }
  }
  auto fits = [&] {
    return total + 1 <= options_.max_instances &&
           (options_.memory_budget_mb == 0 ||
            reserved + memory_needed_mb <= options_.memory_budget_mb);
  };
  if (fits()) {
    return true;  // the stopping ones are enough; wait for them
  }
  // Emptiest nodes first, so that room is made where whole nodes can empty out; then least
  // recently used.
  std::map<std::string, int> occupancy = NodeOccupancy();
  std::sort(idle.begin(), idle.end(), [&occupancy](const Instance* a, const Instance* b) {
    int on_a = occupancy[a->node()];
    int on_b = occupancy[b->node()];
    return on_a != on_b ? on_a < on_b : a->last_used_at < b->last_used_at;
  });
  std::vector<Instance*> chosen;
  for (Instance* candidate : idle) {
    if (fits()) {
      break;
    }
    chosen.push_back(candidate);
    --total;
    reserved -= candidate->memory_mb;
  }
  if (!fits()) {
    return false;
  }
  if (actions == nullptr) {
    return true;
  }
  for (Instance* victim : chosen) {
    HUB_LOG(info, "stopping an idle instance to make room", {"instance_id", victim->id},
            {"model_id", victim->model_id}, {"for_model", model_id});
    RequestStop(*victim, StopReason::kEvicted, *actions);
  }
  return true;
}

InstancePool::Instance& InstancePool::CreateInstance(const ModelRecord& model, Actions& actions) {
  ModelHealth& health = health_[model.id];
  common::Micros now = clock_.NowMicros();
  auto owned = std::make_unique<Instance>();
  Instance& instance = *owned;
  ModelDetails details = WithRaisedMemory(model.details, health.oom_kills);
  instance.id = fmt::format("{}-{}", model.id, common::RandomHexToken(4));
  instance.model_id = model.id;
  instance.backend = backends_[EffectiveBackend(model.details, options_.default_backend)];
  instance.created_at = instance.state_since = instance.last_used_at = now;
  instance.max_leases = std::max(1, model.details.chunks_per_instance);
  instance.memory_mb = ReservedMemoryMb(details);
  instance.memory_limit_mb = MemoryLimitMb(details);
  instance.resources = details.resources;
  if (health.oom_kills > 0) {
    instance.details["memory_raised_after_oom"] = {
        {"oom_kills", health.oom_kills},
        {"memory_request_mb", details.resources.memory_request},
        {"record_memory_request_mb", model.details.resources.memory_request}};
  }
  instance.mode = model.details.execution_mode;
  instance.idle_timeout = model.details.idle_timeout_seconds.has_value()
                              ? *model.details.idle_timeout_seconds * common::kMicrosPerSecond
                              : ToMicros(options_.idle_timeout);
  if (!health.replacements.empty()) {
    instance.details["replaces"] = health.replacements.front();
    health.replacements.pop_front();
  }

  InstanceSpec spec;
  spec.instance_id = instance.id;
  spec.model_id = model.id;
  spec.owner = options_.server_id;
  spec.details = details;
  spec.threads = model.details.threads > 0 ? model.details.threads : options_.default_threads;
  actions.events.push_back(EventFor(instance, InstanceEventKind::kStarting));
  actions.launches.push_back({instance.id, instance.backend, std::move(spec)});
  if (metrics_ != nullptr) {
    metrics_->CountStart(model.id);
  }
  HUB_LOG(info, "starting instance", {"instance_id", instance.id}, {"model_id", model.id},
          {"backend", instance.backend->name()});
  instances_[instance.id] = std::move(owned);
  return instance;
}

void InstancePool::RequestStop(Instance& instance, StopReason reason, Actions& actions) {
  if (instance.state == InstanceState::kStopping) {
    return;
  }
  instance.stop_reason = reason;
  instance.state = InstanceState::kStopping;
  instance.state_since = clock_.NowMicros();
  if (instance.launched) {
    actions.stops.push_back(
        {instance.id, instance.backend, reason == StopReason::kKilledForMemory});
  }
  HUB_LOG(info, "stopping instance", {"instance_id", instance.id}, {"model_id", instance.model_id},
          {"reason", StopReasonName(reason)});
}

void InstancePool::ReplanWaitingModels(Actions& actions) {
  for (auto& [id, health] : health_) {
    if (health.record.has_value() && (!health.waiters.empty() || !health.replacements.empty())) {
      Plan(*health.record, actions);
    }
  }
}

void InstancePool::RecordFailure(ModelHealth& health,
                                 const std::string& message,
                                 bool permanent,
                                 bool start_failure) {
  common::Micros now = clock_.NowMicros();
  health.last_error = message;
  health.last_error_at = now;
  if (permanent) {
    health.permanent = true;
    return;
  }
  int failures =
      start_failure ? ++health.start_failures : health.crashes - options_.crash_backoff_after + 1;
  if (failures <= 0) {
    return;
  }
  common::Micros backoff = ToMicros(options_.backoff_initial);
  for (int i = 1; i < failures && backoff < ToMicros(options_.backoff_max); ++i) {
    backoff *= 2;
  }
  backoff = std::min(backoff, ToMicros(options_.backoff_max));
  health.next_start_at = now + backoff;
  HUB_LOG(warn, "model instance failed; backing off", {"model_id", health.record->id},
          {"failures", failures}, {"backoff_seconds", Seconds(backoff)}, {"error", message});
}

// ---------------------------------------------------------------------------------------------
// Executing decisions outside the lock

void InstancePool::Execute(Actions& actions) {
  while (!actions.empty()) {
    Actions current = std::move(actions);
    actions = Actions();
    for (InstanceEvent& event : current.events) {
      events_.Record(std::move(event));
    }
    for (const Actions::Halt& halt : current.stops) {
      halt.backend->Stop(halt.instance_id,
                         halt.force ? std::chrono::milliseconds(0) : options_.stop_grace);
    }
    for (Actions::Launch& launch : current.launches) {
      FinishLaunch(launch.instance_id, launch.backend->Start(launch.spec), actions);
    }
  }
}

void InstancePool::FinishLaunch(const std::string& instance_id,
                                const absl::Status& started,
                                Actions& actions) {
  absl::MutexLock lock(&mu_);
  auto it = instances_.find(instance_id);
  if (it == instances_.end()) {
    return;
  }
  Instance& instance = *it->second;
  if (started.ok()) {
    instance.launched = true;
    // A stop asked for while the launch was under way is carried out now.
    if (instance.state == InstanceState::kStopping) {
      actions.stops.push_back(
          {instance.id, instance.backend, instance.stop_reason == StopReason::kKilledForMemory});
    }
    return;
  }
  InstanceObservation failed;
  failed.instance_id = instance.id;
  failed.model_id = instance.model_id;
  failed.phase = InstancePhase::kExited;
  failed.cause = ExitCause::kStartFailed;
  failed.message = common::ToString(started.message());
  failed.permanent = started.code() == absl::StatusCode::kFailedPrecondition ||
                     started.code() == absl::StatusCode::kInvalidArgument;
  HandleExit(instance, failed, actions);
}

// ---------------------------------------------------------------------------------------------
// Observations

void InstancePool::OnObservation(const InstanceObservation& observation) {
  Actions actions;
  {
    absl::MutexLock lock(&mu_);
    auto it = instances_.find(observation.instance_id);
    if (it == instances_.end()) {
      return;
    }
    Instance& instance = *it->second;
    for (const auto& [key, value] : observation.details.items()) {
      instance.details[key] = value;
    }
    if (observation.phase == InstancePhase::kReady) {
      HandleReady(instance, observation, actions);
    } else if (observation.phase == InstancePhase::kExited) {
      HandleExit(instance, observation, actions);
    }
    UpdateGauges();
  }
  Execute(actions);
}

void InstancePool::HandleReady(Instance& instance,
                               const InstanceObservation& observation,
                               Actions& actions) {
  if (instance.state != InstanceState::kStarting) {
    return;  // stopping already: the ready news is too late
  }
  common::Micros now = clock_.NowMicros();
  instance.state = InstanceState::kReady;
  instance.ready_at = instance.state_since = instance.last_used_at = now;
  instance.base_url = observation.base_url;
  instance.client = client_factory_({instance.model_id, instance.base_url, instance.mode});
  auto health = health_.find(instance.model_id);
  if (health != health_.end()) {
    health->second.start_failures = 0;
    health->second.next_start_at = 0;
  }
  if (metrics_ != nullptr) {
    metrics_->ObserveStartSeconds(instance.model_id, Seconds(now - instance.created_at));
  }
  HUB_LOG(info, "instance ready", {"instance_id", instance.id}, {"model_id", instance.model_id},
          {"start_seconds", Seconds(now - instance.created_at)});
  actions.events.push_back(EventFor(instance, InstanceEventKind::kReady));
  Dispatch(instance.model_id);
}

void InstancePool::HandleExit(Instance& instance,
                              const InstanceObservation& observation,
                              Actions& actions) {
  bool was_ready = instance.ready_at != 0;
  StopReason reason = instance.stop_reason.value_or(ReasonForExit(observation.cause, was_ready));
  if (observation.cause == ExitCause::kOutOfMemory) {
    reason = StopReason::kKilledForMemory;
  }
  std::string message = observation.message.empty() ? std::string(ExitCauseName(observation.cause))
                                                    : observation.message;
  ModelHealth& health = health_[instance.model_id];
  if (observation.cause == ExitCause::kOutOfMemory) {
    ++health.oom_kills;
    HUB_LOG(warn, "instance OOMKilled; next instances get more memory",
            {"instance_id", instance.id}, {"model_id", instance.model_id},
            {"oom_kills", health.oom_kills});
  }
  // Stops the pool asked for are not failures, except those it made because the instance
  // failed (out of memory, broken, not ready in time).
  bool requested = instance.stop_reason.has_value() && !IsCrash(reason) && !IsStartFailure(reason);
  if (instance.failure_recorded) {
    // Counted when the pool gave up on it.
  } else if (!requested && IsStartFailure(reason)) {
    RecordFailure(health, message, observation.permanent, true);
    if (metrics_ != nullptr) {
      metrics_->CountStartFailure(instance.model_id);
    }
  } else if (!requested && IsCrash(reason)) {
    ++health.crashes;
    RecordFailure(health, message, false, false);
    if (!instance.leases.empty()) {
      health.replacements.push_back(instance.id);
    }
  }

  recent_exits_.push_back({instance.id, reason, message});
  while (recent_exits_.size() > kRecentExits) {
    recent_exits_.pop_front();
  }
  InstanceEvent event = EventFor(instance, TerminalEventFor(reason));
  event.reason = std::string(StopReasonName(reason));
  event.message = message;
  event.final_state = SnapshotOf(instance);
  event.final_state->stop_reason = reason;
  actions.events.push_back(std::move(event));
  if (metrics_ != nullptr) {
    metrics_->CountStop(instance.model_id, std::string(StopReasonName(reason)));
  }
  HUB_LOG(info, "instance ended", {"instance_id", instance.id}, {"model_id", instance.model_id},
          {"reason", StopReasonName(reason)}, {"message", message});
  instances_.erase(instance.id);
  exit_cv_.SignalAll();
  if (!shutting_down_) {
    ReplanWaitingModels(actions);
  }
}

// ---------------------------------------------------------------------------------------------
// Admin operations and views

Admission InstancePool::Admit(std::string_view model_id) {
  absl::StatusOr<ModelRecord> model = LookUp(model_id);
  if (!model.ok()) {
    return Admission::kRefused;
  }
  absl::MutexLock lock(&mu_);
  ModelHealth& health = HealthFor(*model);
  if (shutting_down_ || health.permanent ||
      backends_.count(EffectiveBackend(model->details, options_.default_backend)) == 0) {
    return Admission::kRefused;
  }
  if (FreeInstance(model->id) != nullptr) {
    return Admission::kReadyNow;
  }
  if (health.next_start_at > clock_.NowMicros()) {
    return Admission::kBackingOff;
  }
  Actions unused;
  absl::Status capacity = CheckCapacity(*model, CapacityMode::kDryRun, unused);
  return capacity.ok() ? Admission::kCanStart : Admission::kWaitCapacity;
}

absl::StatusOr<std::string> InstancePool::StartInstance(std::string_view model_id) {
  HUB_ASSIGN_OR_RETURN(ModelRecord model, LookUp(model_id));
  Actions actions;
  std::string id;
  {
    absl::MutexLock lock(&mu_);
    if (shutting_down_) {
      return absl::UnavailableError("the hub is shutting down");
    }
    ModelHealth& health = HealthFor(model);
    HUB_RETURN_IF_ERROR(RefusalFor(health));
    HUB_RETURN_IF_ERROR(CheckCapacity(model, CapacityMode::kNoEvict, actions));
    id = CreateInstance(model, actions).id;
    UpdateGauges();
  }
  Execute(actions);
  return id;
}

absl::Status InstancePool::StopInstance(std::string_view instance_id, StopReason reason) {
  Actions actions;
  {
    absl::MutexLock lock(&mu_);
    auto it = instances_.find(instance_id);
    if (it == instances_.end()) {
      return absl::NotFoundError(fmt::format("no live instance {} on this replica", instance_id));
    }
    RequestStop(*it->second, reason, actions);
    UpdateGauges();
  }
  Execute(actions);
  return absl::OkStatus();
}

int InstancePool::StopModel(std::string_view model_id, StopReason reason) {
  Actions actions;
  int stopped = 0;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [id, instance] : instances_) {
      if (instance->model_id == model_id && instance->state != InstanceState::kStopping) {
        RequestStop(*instance, reason, actions);
        ++stopped;
      }
    }
    UpdateGauges();
  }
  Execute(actions);
  return stopped;
}

absl::Status InstancePool::CheckRetirable(std::string_view instance_id) const {
  auto it = instances_.find(instance_id);
  if (it == instances_.end()) {
    return absl::NotFoundError(fmt::format("no live instance {} on this replica", instance_id));
  }
  const Instance& instance = *it->second;
  bool idle = instance.state == InstanceState::kReady && instance.leases.empty();
  if (!idle) {
    return absl::FailedPreconditionError(fmt::format(
        "instance {} is {}", instance_id, common::ToLower(InstanceStateName(instance.state))));
  }
  return absl::OkStatus();
}

absl::Status InstancePool::RetireIdle(const std::vector<std::string>& instance_ids) {
  absl::MutexLock lock(&mu_);
  // Checked together, then marked together: no lease can come in between.
  for (const std::string& id : instance_ids) {
    HUB_RETURN_IF_ERROR(CheckRetirable(id));
  }
  for (const std::string& id : instance_ids) {
    Instance& instance = *instances_.find(id)->second;
    if (!instance.retired) {
      instance.retired = true;
      instance.stop_reason = StopReason::kNodeScaleDown;
      instance.details["retired"] = "node scale-down";
      HUB_LOG(info, "instance retired for a node scale-down", {"instance_id", id},
              {"model_id", instance.model_id}, {"node", instance.node()});
    }
  }
  UpdateGauges();
  return absl::OkStatus();
}

void InstancePool::RestoreRetired(const std::vector<std::string>& instance_ids) {
  absl::MutexLock lock(&mu_);
  for (const std::string& id : instance_ids) {
    auto it = instances_.find(id);
    if (it == instances_.end() || !it->second->retired) {
      continue;
    }
    Instance& instance = *it->second;
    instance.retired = false;
    instance.details.erase("retired");
    if (instance.state != InstanceState::kStopping) {
      instance.stop_reason.reset();
    }
    HUB_LOG(info, "retired instance back in service", {"instance_id", id},
            {"model_id", instance.model_id});
    Dispatch(instance.model_id);
  }
  UpdateGauges();
}

std::chrono::milliseconds InstancePool::StartTimeoutFor(const Instance& instance) const {
  auto own = options_.start_timeout_by_backend.find(instance.backend->name());
  return own == options_.start_timeout_by_backend.end() ? options_.start_timeout : own->second;
}

void InstancePool::Tick() {
  Actions actions;
  {
    absl::MutexLock lock(&mu_);
    common::Micros now = clock_.NowMicros();
    for (auto& [id, instance] : instances_) {
      ExpireStartingOrIdle(*instance, now, actions);
    }
    if (!shutting_down_) {
      ReplanWaitingModels(actions);
    }
    for (auto& [id, health] : health_) {
      for (Waiter* waiter : health.waiters) {
        waiter->cv.Signal();
      }
    }
    UpdateGauges();
  }
  Execute(actions);
}

void InstancePool::ExpireStartingOrIdle(Instance& instance, common::Micros now, Actions& actions) {
  if (instance.state == InstanceState::kReady && instance.leases.empty() &&
      now - instance.last_used_at >= instance.idle_timeout) {
    RequestStop(instance, StopReason::kIdle, actions);
    return;
  }
  common::Micros limit = ToMicros(StartTimeoutFor(instance));
  if (instance.state != InstanceState::kStarting || now - instance.created_at < limit) {
    return;
  }
  // Counted now, so that the waiters see the backoff instead of another start.
  RecordFailure(health_[instance.model_id], fmt::format("not ready within {:.0f}s", Seconds(limit)),
                false, true);
  instance.failure_recorded = true;
  if (metrics_ != nullptr) {
    metrics_->CountStartFailure(instance.model_id);
  }
  RequestStop(instance, StopReason::kStartTimeout, actions);
}

InstanceBackend* InstancePool::BackendNamed(std::string_view name) const {
  auto it = backends_.find(name);
  return it == backends_.end() ? nullptr : it->second;
}

absl::StatusOr<ResourceUsage> InstancePool::Usage(std::string_view instance_id) {
  InstanceBackend* backend = nullptr;
  {
    absl::MutexLock lock(&mu_);
    auto it = instances_.find(instance_id);
    if (it == instances_.end()) {
      return absl::NotFoundError(fmt::format("no live instance {}", instance_id));
    }
    backend = it->second->backend;
  }
  return backend->Usage(std::string(instance_id));
}

InstanceSnapshot InstancePool::SnapshotOf(const Instance& instance) const {
  InstanceSnapshot s;
  s.instance_id = instance.id;
  s.model_id = instance.model_id;
  s.backend = std::string(instance.backend->name());
  s.server_id = options_.server_id;
  s.state = instance.state;
  s.base_url = instance.base_url;
  s.created_at = instance.created_at;
  s.ready_at = instance.ready_at;
  s.state_since = instance.state_since;
  s.last_used_at = instance.last_used_at;
  s.max_leases = instance.max_leases;
  for (const auto& [id, view] : instance.leases) {
    s.leases.push_back(view);
  }
  s.memory_reserved_mb = instance.memory_mb;
  s.memory_limit_mb = instance.memory_limit_mb;
  s.resources = instance.resources;
  s.stop_reason = instance.stop_reason;
  s.counters = instance.counters;
  s.details = instance.details;
  return s;
}

InstanceEvent InstancePool::EventFor(const Instance& instance, InstanceEventKind kind) const {
  InstanceEvent event;
  event.kind = kind;
  event.instance_id = instance.id;
  event.model_id = instance.model_id;
  event.server_id = options_.server_id;
  event.backend = std::string(instance.backend->name());
  event.at = clock_.NowMicros();
  event.details = instance.details;
  event.details["backend"] = event.backend;
  if (!instance.base_url.empty()) {
    event.details["base_url"] = instance.base_url;
  }
  event.details["memory_reserved_mb"] = instance.memory_mb;
  return event;
}

std::vector<InstanceSnapshot> InstancePool::Snapshot() const {
  absl::MutexLock lock(&mu_);
  std::vector<InstanceSnapshot> out;
  out.reserve(instances_.size());
  for (const auto& [id, instance] : instances_) {
    out.push_back(SnapshotOf(*instance));
  }
  return out;
}

absl::StatusOr<InstanceSnapshot> InstancePool::Find(std::string_view instance_id) const {
  absl::MutexLock lock(&mu_);
  auto it = instances_.find(instance_id);
  if (it == instances_.end()) {
    return absl::NotFoundError(fmt::format("no live instance {} on this replica", instance_id));
  }
  return SnapshotOf(*it->second);
}

ModelScaling InstancePool::Scaling(std::string_view model_id) const {
  absl::MutexLock lock(&mu_);
  ModelScaling s;
  s.model_id = std::string(model_id);
  for (const auto& [id, instance] : instances_) {
    if (instance->model_id != model_id) {
      continue;
    }
    s.memory_reserved_mb += instance->memory_mb;
    switch (instance->state) {
      case InstanceState::kStarting:
        ++s.starting;
        break;
      case InstanceState::kReady:
        ++s.ready;
        break;
      case InstanceState::kBusy:
        ++s.busy;
        break;
      case InstanceState::kStopping:
        ++s.stopping;
        break;
    }
  }
  auto health = health_.find(model_id);
  if (health != health_.end()) {
    const ModelHealth& h = health->second;
    s.waiting = static_cast<int>(h.waiters.size());
    s.max_instances = h.record.has_value() ? h.record->details.max_instances : -1;
    s.consecutive_failures = std::max(h.start_failures, h.crashes);
    s.last_error = h.last_error;
    s.last_error_at = h.last_error_at;
    s.next_start_at = h.next_start_at > clock_.NowMicros() ? h.next_start_at : 0;
    s.permanent_failure = h.permanent;
  }
  return s;
}

PoolTotals InstancePool::Totals() const {
  absl::MutexLock lock(&mu_);
  PoolTotals t;
  t.max_instances = options_.max_instances;
  t.memory_budget_mb = options_.memory_budget_mb;
  for (const auto& [id, instance] : instances_) {
    ++t.instances;
    t.memory_reserved_mb += instance->memory_mb;
  }
  for (const auto& [id, health] : health_) {
    t.waiting += static_cast<int>(health.waiters.size());
  }
  return t;
}

void InstancePool::UpdateGauges() {
  if (metrics_ == nullptr) {
    return;
  }
  std::map<std::string, std::map<std::string, int>> counts;
  std::int64_t reserved = 0;
  for (const auto& [id, instance] : instances_) {
    counts[instance->model_id][std::string(InstanceStateName(instance->state))] += 1;
    reserved += instance->memory_mb;
    gauge_models_[instance->model_id] = 1;
  }
  for (const auto& [model, ignored] : gauge_models_) {
    for (InstanceState state : {InstanceState::kStarting, InstanceState::kReady,
                                InstanceState::kBusy, InstanceState::kStopping}) {
      std::string name(InstanceStateName(state));
      metrics_->SetInstances(model, name, counts[model][name]);
    }
    auto health = health_.find(model);
    metrics_->SetWaiters(
        model, health == health_.end() ? 0.0 : static_cast<double>(health->second.waiters.size()));
  }
  metrics_->SetMemory(static_cast<double>(reserved) * 1048576.0,
                      static_cast<double>(options_.memory_budget_mb) * 1048576.0);
}

}  // namespace hub::runtime
