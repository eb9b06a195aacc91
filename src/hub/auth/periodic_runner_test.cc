#include "hub/auth/periodic_runner.h"

#include "gtest/gtest.h"

namespace hub::auth {
namespace {

TEST(PeriodicRunnerTest, RunsTasksWhenTheClockSaysTheyAreDue) {
  common::ManualClock clock(0);
  PeriodicRunner runner(clock);
  int reloads = 0;
  runner.Add("reload", std::chrono::seconds(60), [&reloads] { ++reloads; });

  runner.RunDue();
  clock.Advance(std::chrono::seconds(59));
  runner.RunDue();
  int before = reloads;
  clock.Advance(std::chrono::seconds(1));
  runner.RunDue();
  runner.RunDue();

  EXPECT_EQ(before, 0);
  EXPECT_EQ(reloads, 1);
}

TEST(PeriodicRunnerTest, StartAndStopAreIdempotent) {
  common::ManualClock clock(0);
  PeriodicRunner runner(clock, std::chrono::milliseconds(1));
  runner.Add("noop", std::chrono::seconds(1), [] {});

  runner.Start();
  runner.Start();
  runner.Stop();
  runner.Stop();
}

}  // namespace
}  // namespace hub::auth
