// The instance pool with real `ersilia-hub model-server` processes: scale from zero and back,
// a `kill -9` of an instance in use, and the backoff of a model whose server exits at start.

#include <csignal>
#include <future>
#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include "tests/runtime/runtime_fixture.h"

namespace hub::runtime {
namespace {

using ::testing::HasSubstr;

constexpr char kModel[] = "eos3b5e";
// Needs the SA score table: with a missing RDKit data directory its server exits at start.
constexpr char kFailingModel[] = "eos9ei3";
const std::vector<std::string> kInputs = {"CCO", "c1ccccc1O"};

common::Micros In(std::chrono::milliseconds delay) {
  return common::SystemClock::Instance().NowMicros() +
         std::chrono::duration_cast<std::chrono::microseconds>(delay).count();
}

int LiveInstances(InstancePool& pool, std::string_view model_id) {
  ModelScaling s = pool.Scaling(model_id);
  return s.current() + s.stopping;
}

TEST(InstancePoolProcessTest, ScalesFromZeroToThreeAndBackToZero) {
  RuntimeHarness harness;
  harness.Start([](RuntimeOptions& o) { o.pool.idle_timeout = std::chrono::milliseconds(300); });
  ASSERT_EQ(LiveInstances(harness.pool(), kModel), 0);

  // Three callers at once: each needs its own instance.
  std::vector<std::future<absl::StatusOr<InstanceLease>>> calls;
  calls.reserve(3);
  for (int i = 0; i < 3; ++i) {
    calls.push_back(std::async(std::launch::async, [&harness] {
      return harness.pool().Acquire(kModel, In(std::chrono::seconds(20)));
    }));
  }
  std::vector<InstanceLease> leases;
  std::set<std::string> ids;
  for (auto& call : calls) {
    absl::StatusOr<InstanceLease> lease = call.get();
    ASSERT_TRUE(lease.ok()) << lease.status();
    auto answer = lease->Run(kInputs);
    ASSERT_TRUE(answer.ok()) << answer.status();
    EXPECT_EQ(answer->size(), kInputs.size());
    ids.insert(lease->instance_id());
    leases.push_back(std::move(*lease));
  }
  EXPECT_EQ(ids.size(), 3U);
  EXPECT_EQ(harness.pool().Scaling(kModel).busy, 3);

  // Released, they idle past the timeout and stop: back to zero.
  for (InstanceLease& lease : leases) {
    harness.pool().Release(std::move(lease), RunErrorKind::kNone);
  }
  EXPECT_TRUE(PollUntil([&] { return LiveInstances(harness.pool(), kModel) == 0; }));
  for (const std::string& id : ids) {
    std::vector<StoredEvent> stopped = harness.AwaitEventsOf(id, "STOPPED");
    ASSERT_EQ(stopped.size(), 1U) << id;
    EXPECT_EQ(stopped[0].reason, "IDLE");
    EXPECT_EQ(harness.AwaitEventsOf(id, "READY").size(), 1U) << id;
  }
}

TEST(InstancePoolProcessTest, KillNineOfAnInstanceInUseIsNoticedAndReplaced) {
  RuntimeHarness harness;
  harness.Start();
  auto lease = harness.pool().Acquire(kModel, In(std::chrono::seconds(20)), {"test=kill"});
  ASSERT_TRUE(lease.ok()) << lease.status();
  ASSERT_TRUE(lease->Run(kInputs).ok());
  const std::string victim = lease->instance_id();
  int pid = harness.runtime().local_backend().PidForTest(victim);
  ASSERT_GT(pid, 0);

  ASSERT_EQ(kill(pid, SIGKILL), 0);
  absl::StatusOr<RunResult> broken = lease->Run(kInputs);

  // The holder's call fails and says why.
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.status().code(), absl::StatusCode::kAborted) << broken.status();
  EXPECT_THAT(broken.status().message(), HasSubstr("CRASHED"));
  harness.pool().Release(std::move(*lease), RunErrorKind::kCrash);

  // A replacement starts without anyone asking, naming the instance it replaces.
  std::string replacement;
  ASSERT_TRUE(PollUntil([&] {
    for (const InstanceSnapshot& s : harness.pool().Snapshot()) {
      if (s.state == InstanceState::kReady && s.details.value("replaces", "") == victim) {
        replacement = s.instance_id;
      }
    }
    return !replacement.empty();
  }));
  auto next = harness.pool().Acquire(kModel, In(std::chrono::seconds(5)));
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->instance_id(), replacement);
  EXPECT_TRUE(next->Run(kInputs).ok());

  // The history has the crash, with the signal.
  std::vector<StoredEvent> crashed = harness.AwaitEventsOf(victim, "CRASHED");
  ASSERT_EQ(crashed.size(), 1U);
  EXPECT_EQ(crashed[0].reason, "CRASHED");
  EXPECT_THAT(crashed[0].message, HasSubstr("signal 9"));
}

TEST(InstancePoolProcessTest, ModelWhoseServerExitsAtStartBacksOff) {
  // The pool's clock is manual, so a simulated minute of demand takes real seconds only for the
  // attempts themselves; the default backoff (10 s, doubling) is what production runs.
  common::ManualClock clock(common::SystemClock::Instance().NowMicros());
  RuntimeHarness harness(clock);
  harness.Start([](RuntimeOptions& o) {
    o.local.rdkit_data_dir = "/nonexistent";
    o.pool.backoff_initial = std::chrono::seconds(10);
    o.pool.backoff_max = std::chrono::minutes(5);
  });

  // A caller every simulated second for a minute.
  absl::Status last;
  for (int second = 0; second < 60; ++second) {
    auto lease = harness.pool().Acquire(kFailingModel, clock.NowMicros() + 1'000'000);
    ASSERT_FALSE(lease.ok());
    last = lease.status();
    clock.Advance(std::chrono::seconds(1));
  }

  // Starts at 0 s, 10 s and 30 s (then 70 s): three attempts in the minute, not sixty.
  // (The last failure's event may reach the history just after its caller got the error.)
  EventFilter starts;
  starts.model_id = kFailingModel;
  starts.events = {"START_FAILED"};
  std::vector<StoredEvent> failed;
  EXPECT_TRUE(PollUntil([&] { return (failed = harness.Events(starts)).size() >= 3; }));
  ASSERT_EQ(failed.size(), 3U);
  starts.events = {"STARTING"};
  EXPECT_EQ(harness.Events(starts).size(), 3U);
  EXPECT_THAT(failed[0].message, HasSubstr("SA score"));

  // Callers and admins see the error and when the next attempt is allowed.
  EXPECT_EQ(last.code(), absl::StatusCode::kUnavailable) << last;
  EXPECT_THAT(last.message(), HasSubstr("SA score"));
  EXPECT_THAT(last.message(), HasSubstr("next start attempt in"));
  ModelScaling scaling = harness.pool().Scaling(kFailingModel);
  EXPECT_EQ(scaling.consecutive_failures, 3);
  EXPECT_THAT(scaling.last_error, HasSubstr("SA score"));
  EXPECT_GT(scaling.next_start_at, clock.NowMicros());
}

}  // namespace
}  // namespace hub::runtime
