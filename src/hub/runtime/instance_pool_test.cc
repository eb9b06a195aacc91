#include "hub/runtime/instance_pool.h"

#include <future>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include "hub/runtime/runtime_test_util.h"

namespace hub::runtime {
namespace {

using ::testing::ElementsAre;
using testing::FakeBackend;
using testing::FakeModelClient;
using testing::FakeModels;
using ::testing::HasSubstr;
using testing::RecordingSink;
using testing::WaitUntil;

constexpr common::Micros kSecond = common::kMicrosPerSecond;

class InstancePoolTest : public ::testing::Test {
protected:
  InstancePoolTest() { models_.Add("eos3b5e"); }

  void MakePool(PoolOptions options = {}) {
    options.server_id = "replica-1";
    PoolParts parts;
    parts.backends = {&backend_};
    parts.client_factory = [this](const ModelEndpoint&) {
      return client_;
    };
    pool_ = std::make_unique<InstancePool>(clock_, models_, sink_, std::move(parts), options);
    pool_->Start();
  }

  common::Micros Deadline(int seconds) { return clock_.NowMicros() + seconds * kSecond; }

  std::future<absl::StatusOr<InstanceLease>> AcquireAsync(const std::string& model,
                                                          int seconds = 60) {
    common::Micros deadline = Deadline(seconds);
    return std::async(std::launch::async,
                      [this, model, deadline] { return pool_->Acquire(model, deadline); });
  }

  // Acquires `model` when the pool has to start its `start`-th instance for it.
  InstanceLease AcquireStarting(const std::string& model, size_t start) {
    auto pending = AcquireAsync(model);
    std::string id = backend_.WaitForStart(start);
    backend_.Ready(id, model);
    absl::StatusOr<InstanceLease> lease = pending.get();
    EXPECT_TRUE(lease.ok()) << lease.status();
    return lease.ok() ? std::move(*lease) : InstanceLease();
  }

  common::ManualClock clock_{1'700'000'000'000'000};
  FakeModels models_;
  FakeBackend backend_;
  RecordingSink sink_;
  std::shared_ptr<FakeModelClient> client_ = std::make_shared<FakeModelClient>();
  std::unique_ptr<InstancePool> pool_;
};

TEST_F(InstancePoolTest, AcquireStartsAnInstanceWhenNoneRuns) {
  MakePool();

  InstanceLease lease = AcquireStarting("eos3b5e", 1);

  ASSERT_TRUE(lease.valid());
  EXPECT_EQ(lease.instance_id(), backend_.started()[0].instance_id);
  EXPECT_EQ(lease.base_url(), "http://fake/" + lease.instance_id());
  EXPECT_EQ(backend_.started()[0].owner, "replica-1");
  EXPECT_THAT(sink_.KindsOf(lease.instance_id()), ElementsAre("STARTING", "READY"));
  EXPECT_EQ(pool_->Scaling("eos3b5e").busy, 1);
}

TEST_F(InstancePoolTest, ReleasedInstanceIsReusedWithoutAnotherStart) {
  MakePool();
  InstanceLease first = AcquireStarting("eos3b5e", 1);
  std::string id = first.instance_id();
  pool_->Release(std::move(first), RunErrorKind::kNone);

  absl::StatusOr<InstanceLease> second = pool_->Acquire("eos3b5e", Deadline(1));

  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->instance_id(), id);
  EXPECT_EQ(backend_.started().size(), 1u);
}

TEST_F(InstancePoolTest, ConcurrentCallersScaleUpToTheModelMaximum) {
  models_.Add("eos3b5e", /*max_instances=*/2);
  MakePool();
  InstanceLease a = AcquireStarting("eos3b5e", 1);
  InstanceLease b = AcquireStarting("eos3b5e", 2);

  auto third = AcquireAsync("eos3b5e");
  WaitUntil([&] { return pool_->Scaling("eos3b5e").waiting == 1; });
  std::string freed = a.instance_id();
  pool_->Release(std::move(a), RunErrorKind::kNone);
  absl::StatusOr<InstanceLease> c = third.get();

  EXPECT_EQ(backend_.started().size(), 2u);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->instance_id(), freed);
}

TEST_F(InstancePoolTest, GlobalCapMakesCallersWaitAndTimeOutWithTheReason) {
  models_.Add("eos4wt0");
  PoolOptions options;
  options.max_instances = 1;
  MakePool(options);
  InstanceLease busy = AcquireStarting("eos3b5e", 1);

  auto waiting = AcquireAsync("eos4wt0", /*seconds=*/5);
  WaitUntil([&] { return pool_->Scaling("eos4wt0").waiting == 1; });
  clock_.Advance(std::chrono::seconds(6));
  pool_->Tick();
  absl::StatusOr<InstanceLease> result = waiting.get();

  EXPECT_EQ(result.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(result.status().message(), HasSubstr("no capacity: 1 of 1 instances"));
  EXPECT_EQ(backend_.started().size(), 1u);
}

TEST_F(InstancePoolTest, IdleInstanceOfAnotherModelIsStoppedToMakeRoom) {
  models_.Add("eos4wt0");
  PoolOptions options;
  options.max_instances = 1;
  MakePool(options);
  InstanceLease first = AcquireStarting("eos3b5e", 1);
  std::string idle = first.instance_id();
  pool_->Release(std::move(first), RunErrorKind::kNone);

  auto other = AcquireAsync("eos4wt0");
  WaitUntil([&] { return backend_.stopped().size() == 1; });
  backend_.Exit(idle, "eos3b5e", ExitCause::kStopped);
  std::string started = backend_.WaitForStart(2);
  backend_.Ready(started, "eos4wt0");

  EXPECT_THAT(backend_.stopped(), ElementsAre(idle));
  ASSERT_TRUE(other.get().ok());
  EXPECT_THAT(sink_.KindsOf(idle), ElementsAre("STARTING", "READY", "STOPPED"));
  EXPECT_EQ(sink_.events()[2].reason, "EVICTED");
  EXPECT_EQ(sink_.events().back().model_id, "eos4wt0");
}

TEST_F(InstancePoolTest, ModelLargerThanTheMemoryBudgetIsRefusedAtOnce) {
  models_.Add("eos8a4x", -1, /*memory_mb=*/4096);
  PoolOptions options;
  options.memory_budget_mb = 2048;
  MakePool(options);

  absl::StatusOr<InstanceLease> lease = pool_->Acquire("eos8a4x", Deadline(60));

  EXPECT_EQ(lease.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(lease.status().message(), HasSubstr("more than the whole memory budget"));
  EXPECT_TRUE(backend_.started().empty());
}

TEST_F(InstancePoolTest, MemoryBudgetLimitsInstancesThatFitTheCap) {
  models_.Add("eos3b5e", -1, /*memory_mb=*/600);
  PoolOptions options;
  options.memory_budget_mb = 1000;
  MakePool(options);
  InstanceLease busy = AcquireStarting("eos3b5e", 1);

  EXPECT_EQ(pool_->Admit("eos3b5e"), Admission::kWaitCapacity);
  EXPECT_EQ(pool_->Totals().memory_reserved_mb, 600);
}

TEST_F(InstancePoolTest, IdleInstanceStopsAfterTheIdleTimeout) {
  PoolOptions options;
  options.idle_timeout = std::chrono::seconds(30);
  MakePool(options);
  InstanceLease lease = AcquireStarting("eos3b5e", 1);
  std::string id = lease.instance_id();
  pool_->Release(std::move(lease), RunErrorKind::kNone);

  clock_.Advance(std::chrono::seconds(29));
  pool_->Tick();
  EXPECT_TRUE(backend_.stopped().empty());
  clock_.Advance(std::chrono::seconds(2));
  pool_->Tick();
  backend_.Exit(id, "eos3b5e", ExitCause::kStopped);

  EXPECT_THAT(backend_.stopped(), ElementsAre(id));
  EXPECT_TRUE(pool_->Snapshot().empty());
  EXPECT_EQ(sink_.events().back().reason, "IDLE");
  ASSERT_TRUE(sink_.events().back().terminal());
}

TEST_F(InstancePoolTest, ModelIdleTimeoutOverridesTheDefault) {
  models_.Add("eos3b5e").details.idle_timeout_seconds = 5;
  MakePool();
  InstanceLease lease = AcquireStarting("eos3b5e", 1);
  pool_->Release(std::move(lease), RunErrorKind::kNone);

  clock_.Advance(std::chrono::seconds(6));
  pool_->Tick();

  EXPECT_EQ(backend_.stopped().size(), 1u);
}

TEST_F(InstancePoolTest, StartFailureBacksOffExponentially) {
  MakePool();  // backoff 10 s, doubling
  auto first = AcquireAsync("eos3b5e");
  backend_.Exit(backend_.WaitForStart(1), "eos3b5e", ExitCause::kStartFailed,
                "exited with code 1: cannot read fpscores.pkl.gz");
  absl::StatusOr<InstanceLease> failed = first.get();
  int attempts = 1;

  // Callers during the backoff are refused without a start; starts resume after 10 s, then
  // after 20 s more.
  for (int second = 1; second <= 60; ++second) {
    clock_.Advance(std::chrono::seconds(1));
    pool_->Tick();
    if (pool_->Admit("eos3b5e") == Admission::kBackingOff) {
      absl::StatusOr<InstanceLease> refused = pool_->Acquire("eos3b5e", Deadline(1));
      EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
      continue;
    }
    auto retry = AcquireAsync("eos3b5e");
    ++attempts;
    backend_.Exit(backend_.WaitForStart(attempts), "eos3b5e", ExitCause::kStartFailed, "boom");
    EXPECT_FALSE(retry.get().ok());
  }

  EXPECT_EQ(failed.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(failed.status().message(), HasSubstr("cannot read fpscores.pkl.gz"));
  EXPECT_EQ(attempts, 3);  // t = 0, 10, 30; the next is due at 70
  EXPECT_EQ(sink_.Count(InstanceEventKind::kStartFailed), 3);
  ModelScaling scaling = pool_->Scaling("eos3b5e");
  EXPECT_EQ(scaling.consecutive_failures, 3);
  EXPECT_EQ(scaling.last_error, "boom");
  EXPECT_GT(scaling.next_start_at, clock_.NowMicros());
}

TEST_F(InstancePoolTest, ReadinessClearsTheBackoff) {
  MakePool();
  auto first = AcquireAsync("eos3b5e");
  backend_.Exit(backend_.WaitForStart(1), "eos3b5e", ExitCause::kStartFailed, "boom");
  ASSERT_FALSE(first.get().ok());
  clock_.Advance(std::chrono::seconds(11));

  InstanceLease lease = AcquireStarting("eos3b5e", 2);

  EXPECT_TRUE(lease.valid());
  EXPECT_EQ(pool_->Scaling("eos3b5e").consecutive_failures, 0);
}

TEST_F(InstancePoolTest, PermanentFailureRefusesUntilTheModelChanges) {
  MakePool();
  backend_.start_error = absl::FailedPreconditionError("model x is not a built-in model");

  absl::StatusOr<InstanceLease> first = pool_->Acquire("eos3b5e", Deadline(60));
  absl::StatusOr<InstanceLease> second = pool_->Acquire("eos3b5e", Deadline(60));
  clock_.Advance(std::chrono::hours(1));
  pool_->Tick();
  absl::StatusOr<InstanceLease> later = pool_->Acquire("eos3b5e", Deadline(60));
  EXPECT_EQ(sink_.Count(InstanceEventKind::kStartFailed), 1);
  backend_.start_error = absl::OkStatus();
  models_.Touch("eos3b5e");
  auto fixed = AcquireAsync("eos3b5e");
  backend_.Ready(backend_.WaitForStart(1), "eos3b5e");

  EXPECT_EQ(first.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(later.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(second.status().message(), HasSubstr("not a built-in model"));
  EXPECT_TRUE(fixed.get().ok());
  EXPECT_EQ(pool_->Admit("eos3b5e"), Admission::kReadyNow);
}

TEST_F(InstancePoolTest, InstanceNotReadyInTimeIsStoppedAsAStartFailure) {
  PoolOptions options;
  options.start_timeout = std::chrono::seconds(60);
  MakePool(options);
  auto pending = AcquireAsync("eos3b5e", /*seconds=*/120);
  std::string id = backend_.WaitForStart(1);

  clock_.Advance(std::chrono::seconds(61));
  pool_->Tick();
  WaitUntil([&] { return !backend_.stopped().empty(); });
  backend_.Exit(id, "eos3b5e", ExitCause::kStopped, "stopped; killed by signal 15");

  EXPECT_THAT(backend_.stopped(), ElementsAre(id));
  EXPECT_EQ(backend_.started().size(), 1u);
  absl::StatusOr<InstanceLease> result = pending.get();
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(result.status().message(), HasSubstr("not ready within 60s"));
  EXPECT_EQ(sink_.events().back().reason, "START_TIMEOUT");
  EXPECT_THAT(sink_.KindsOf(id), ElementsAre("STARTING", "START_FAILED"));
}

TEST_F(InstancePoolTest, InstanceLostBeforeReadyIsLostNotAStartFailure) {
  MakePool();
  auto waiting = AcquireAsync("eos3b5e");
  std::string first = backend_.WaitForStart(1);

  // Evicted after the cluster called it ready, before the pool heard so.
  backend_.Exit(first, "eos3b5e", ExitCause::kLost, "Evicted: The node was low on memory.");
  std::string replacement = backend_.WaitForStart(2);
  backend_.Ready(replacement, "eos3b5e");
  absl::StatusOr<InstanceLease> lease = waiting.get();

  EXPECT_TRUE(lease.ok()) << lease.status();
  EXPECT_THAT(sink_.KindsOf(first), ElementsAre("STARTING", "CRASHED"));
  std::string reason;
  for (const InstanceEvent& e : sink_.events()) {
    reason = e.instance_id == first && e.kind == InstanceEventKind::kCrashed ? e.reason : reason;
  }
  EXPECT_EQ(reason, "LOST");
  EXPECT_EQ(sink_.Count(InstanceEventKind::kStartFailed), 0);
}

TEST_F(InstancePoolTest, CrashWhileInUseFailsTheCallAndStartsAReplacement) {
  MakePool();
  InstanceLease lease = AcquireStarting("eos3b5e", 1);
  std::string id = lease.instance_id();

  backend_.Exit(id, "eos3b5e", ExitCause::kCrashed, "killed by signal 9 (SIGKILL)");
  client_->Fail(absl::AbortedError("model instance unreachable: connection refused"));
  absl::StatusOr<RunResult> run = lease.Run({"CCO"});
  const RunErrorKind outcome = lease.last_outcome();
  pool_->Release(std::move(lease), outcome);
  std::string replacement = backend_.WaitForStart(2);

  EXPECT_EQ(run.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(run.status().message(), HasSubstr("(CRASHED): killed by signal 9"));
  EXPECT_THAT(sink_.KindsOf(id), ElementsAre("STARTING", "READY", "CRASHED"));
  EXPECT_NE(replacement, id);
  EXPECT_EQ(sink_.events().back().details["replaces"], id);
}

TEST_F(InstancePoolTest, CrashCoveredByAFreeInstanceStartsNoReplacementLater) {
  MakePool();
  InstanceLease busy = AcquireStarting("eos3b5e", 1);
  InstanceLease spare = AcquireStarting("eos3b5e", 2);
  std::string spare_id = spare.instance_id();
  pool_->Release(std::move(spare), RunErrorKind::kNone);

  // The free instance covers the crashed one; once it idles out, nothing starts.
  backend_.Exit(busy.instance_id(), "eos3b5e", ExitCause::kCrashed, "killed by signal 9");
  pool_->Release(std::move(busy), RunErrorKind::kCrash);
  clock_.Advance(std::chrono::minutes(10));
  pool_->Tick();
  backend_.Exit(spare_id, "eos3b5e", ExitCause::kStopped, "stopped; killed by signal 15");
  pool_->Tick();

  EXPECT_EQ(backend_.started().size(), 2u);
  EXPECT_EQ(pool_->Scaling("eos3b5e").current(), 0);
}

TEST_F(InstancePoolTest, KillForMemoryDuringACallReportsOutOfMemory) {
  MakePool();
  InstanceLease lease = AcquireStarting("eos3b5e", 1);
  std::string id = lease.instance_id();

  ASSERT_TRUE(pool_->StopInstance(id, StopReason::kKilledForMemory).ok());
  backend_.Exit(id, "eos3b5e", ExitCause::kStopped, "stopped; killed by signal 9");
  client_->Fail(absl::AbortedError("model instance unreachable: connection reset"));
  absl::StatusOr<RunResult> run = lease.Run({"CCO"});

  EXPECT_EQ(backend_.last_grace(), std::chrono::milliseconds(0));
  EXPECT_EQ(run.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(RunErrorKindOf(run.status()), RunErrorKind::kOutOfMemory);
  EXPECT_THAT(sink_.KindsOf(id), ElementsAre("STARTING", "READY", "KILLED_FOR_MEMORY"));
}

TEST_F(InstancePoolTest, OomKilledExitDoublesTheMemoryOfTheNextInstances) {
  MakePool();
  InstanceLease lease = AcquireStarting("eos3b5e", 1);
  std::string id = lease.instance_id();

  backend_.Exit(id, "eos3b5e", ExitCause::kOutOfMemory, "OOMKilled (exit code 137)");
  pool_->Release(std::move(lease), RunErrorKind::kOutOfMemory);
  std::string replacement = backend_.WaitForStart(2);

  std::vector<InstanceSpec> started = backend_.started();
  ResourceSpec first = started[0].details.resources;
  ResourceSpec next = started[1].details.resources;
  EXPECT_EQ(next.memory_request, 2 * first.memory_request);
  EXPECT_THAT(sink_.KindsOf(id), ElementsAre("STARTING", "READY", "KILLED_FOR_MEMORY"));
  ASSERT_TRUE(pool_->Find(replacement).ok());
  EXPECT_EQ(pool_->Find(replacement)->memory_reserved_mb, 2 * first.memory_request);
}

TEST_F(InstancePoolTest, ReleaseAfterATimeoutStopsTheInstance) {
  MakePool();
  InstanceLease lease = AcquireStarting("eos3b5e", 1);
  std::string id = lease.instance_id();

  pool_->Release(std::move(lease), RunErrorKind::kTimeout);
  backend_.Exit(id, "eos3b5e", ExitCause::kStopped);

  EXPECT_THAT(backend_.stopped(), ElementsAre(id));
  EXPECT_EQ(sink_.events().back().reason, "RUN_TIMEOUT");
}

TEST_F(InstancePoolTest, LeaseCountsRowsAndShowsCurrentWork) {
  MakePool();
  InstanceLease lease = AcquireStarting("eos3b5e", 1);
  ASSERT_TRUE(lease.Run({"CCO", "CCN", "CCC"}).ok());
  ASSERT_TRUE(lease.Run({"CCO"}).ok());
  std::string id = lease.instance_id();

  absl::StatusOr<InstanceSnapshot> busy = pool_->Find(id);
  pool_->Release(std::move(lease), RunErrorKind::kNone);
  absl::StatusOr<InstanceSnapshot> idle = pool_->Find(id);

  ASSERT_TRUE(busy.ok() && idle.ok());
  EXPECT_EQ(busy->state, InstanceState::kBusy);
  ASSERT_EQ(busy->leases.size(), 1u);
  EXPECT_EQ(idle->state, InstanceState::kReady);
  EXPECT_EQ(idle->counters.rows, 4);
  EXPECT_EQ(idle->counters.max_rows_per_chunk, 3);
  EXPECT_EQ(idle->counters.chunks, 1);
}

TEST_F(InstancePoolTest, DestroyedLeaseIsReleased) {
  MakePool();
  { InstanceLease lease = AcquireStarting("eos3b5e", 1); }

  EXPECT_EQ(pool_->Scaling("eos3b5e").ready, 1);
}

TEST_F(InstancePoolTest, UnknownAndDisabledModelsAreRefused) {
  models_.Add("eos4wt0").enabled = false;
  MakePool();

  EXPECT_EQ(pool_->Acquire("nope", Deadline(1)).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(pool_->Acquire("eos4wt0", Deadline(1)).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(pool_->Admit("eos4wt0"), Admission::kRefused);
}

TEST_F(InstancePoolTest, ModelOnABackendTheHubLacksIsRefused) {
  models_.Add("eos3b5e").details.backend = "url";
  MakePool();

  absl::StatusOr<InstanceLease> lease = pool_->Acquire("eos3b5e", Deadline(1));

  EXPECT_EQ(lease.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(lease.status().message(), HasSubstr("backend \"url\""));
}

TEST_F(InstancePoolTest, AdminStartAddsAnIdleInstance) {
  MakePool();

  absl::StatusOr<std::string> id = pool_->StartInstance("eos3b5e");
  ASSERT_TRUE(id.ok()) << id.status();
  backend_.Ready(*id, "eos3b5e");

  EXPECT_EQ(pool_->Admit("eos3b5e"), Admission::kReadyNow);
  EXPECT_EQ(pool_->Scaling("eos3b5e").ready, 1);
}

TEST_F(InstancePoolTest, AdoptsInstancesTheBackendStillRunsForThisReplica) {
  InstanceObservation running;
  running.instance_id = "eos3b5e-aaaa0000";
  running.model_id = "eos3b5e";
  running.phase = InstancePhase::kReady;
  running.base_url = "http://10.0.0.7:80";
  backend_.owned = {running};

  MakePool();

  EXPECT_EQ(backend_.owner_asked, "replica-1");
  absl::StatusOr<InstanceSnapshot> adopted = pool_->Find("eos3b5e-aaaa0000");
  ASSERT_TRUE(adopted.ok());
  EXPECT_EQ(adopted->state, InstanceState::kReady);
  EXPECT_THAT(sink_.KindsOf("eos3b5e-aaaa0000"), ElementsAre("ADOPTED"));
  EXPECT_EQ(pool_->Acquire("eos3b5e", Deadline(1))->base_url(), "http://10.0.0.7:80");
}

TEST_F(InstancePoolTest, ShutdownFailsWaitersAndStopsInstances) {
  models_.Add("eos3b5e", /*max_instances=*/1);
  MakePool();
  InstanceLease lease = AcquireStarting("eos3b5e", 1);
  auto waiting = AcquireAsync("eos3b5e");
  WaitUntil([&] { return pool_->Scaling("eos3b5e").waiting == 1; });

  pool_->Shutdown(std::chrono::milliseconds(0));

  EXPECT_EQ(backend_.stopped().size(), 1u);
  EXPECT_FALSE(waiting.get().ok());
  EXPECT_EQ(pool_->Acquire("eos3b5e", Deadline(1)).status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(InstancePoolTest, RetireIdleRetiresAllOrNoneAndRetiredInstancesGetNoWork) {
  models_.Add("eos3b5e", /*max_instances=*/2);
  MakePool();
  InstanceLease a = AcquireStarting("eos3b5e", 1);
  InstanceLease b = AcquireStarting("eos3b5e", 2);
  std::string idle = a.instance_id();
  const std::string& busy = b.instance_id();
  pool_->Release(std::move(a), RunErrorKind::kNone);

  absl::Status refused = pool_->RetireIdle({idle, busy});
  absl::Status unknown = pool_->RetireIdle({idle, "someone-elses-pod"});
  absl::Status retired = pool_->RetireIdle({idle});
  absl::StatusOr<InstanceLease> late = pool_->Acquire("eos3b5e", clock_.NowMicros());

  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.message(), HasSubstr(busy + " is busy"));
  EXPECT_EQ(unknown.code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(retired.ok()) << retired;
  EXPECT_EQ(late.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(pool_->Find(idle)->stop_reason, StopReason::kNodeScaleDown);
}

TEST_F(InstancePoolTest, RestoredInstanceServesAgainAndARetiredExitIsNoFailure) {
  MakePool();
  InstanceLease a = AcquireStarting("eos3b5e", 1);
  std::string id = a.instance_id();
  pool_->Release(std::move(a), RunErrorKind::kNone);
  ASSERT_TRUE(pool_->RetireIdle({id}).ok());

  pool_->RestoreRetired({id});
  absl::StatusOr<InstanceLease> again = pool_->Acquire("eos3b5e", Deadline(1));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->instance_id(), id);
  pool_->Release(std::move(*again), RunErrorKind::kNone);
  ASSERT_TRUE(pool_->RetireIdle({id}).ok());
  backend_.Exit(id, "eos3b5e", ExitCause::kLost, "evicted");

  EXPECT_EQ(sink_.events().back().reason, "NODE_SCALE_DOWN");
  EXPECT_EQ(sink_.events().back().kind, InstanceEventKind::kStopped);
  EXPECT_EQ(pool_->Scaling("eos3b5e").consecutive_failures, 0);
  EXPECT_EQ(pool_->Scaling("eos3b5e").next_start_at, 0);
}

TEST_F(InstancePoolTest, FreeInstancesOnTheFullestNodeAreHandedOutFirst) {
  models_.Add("eos3b5e", /*max_instances=*/3);
  MakePool();
  std::vector<std::string> ids;
  std::vector<InstanceLease> leases;
  for (size_t n = 1; n <= 3; ++n) {
    auto pending = AcquireAsync("eos3b5e");
    std::string id = backend_.WaitForStart(n);
    backend_.Ready(id, "eos3b5e", {{"node", n <= 2 ? "full" : "sparse"}});
    leases.push_back(std::move(*pending.get()));
    ids.push_back(id);
  }
  for (InstanceLease& lease : leases) {
    clock_.Advance(std::chrono::seconds(1));
    pool_->Release(std::move(lease), RunErrorKind::kNone);  // the sparse node's one last
  }

  absl::StatusOr<InstanceLease> first = pool_->Acquire("eos3b5e", Deadline(1));
  absl::StatusOr<InstanceLease> second = pool_->Acquire("eos3b5e", Deadline(1));

  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->instance_id(), ids[1]);  // the fuller node, most recently used there
  EXPECT_EQ(second->instance_id(), ids[0]);
}

}  // namespace
}  // namespace hub::runtime
