#include "hub/auth/periodic_runner.h"

#include "hub/common/status_macros.h"

namespace hub::auth {

PeriodicRunner::PeriodicRunner(const common::Clock& clock, std::chrono::milliseconds tick)
    : clock_(clock), tick_(tick) {}

PeriodicRunner::~PeriodicRunner() {
  Stop();
}

void PeriodicRunner::Add(std::string name,
                         std::chrono::milliseconds interval,
                         std::function<void()> task) {
  HUB_CHECK(!thread_.joinable() && interval.count() > 0);
  absl::MutexLock lock(&run_mu_);
  common::Micros every = interval.count() * 1000;
  tasks_.push_back(Task{std::move(name), every, clock_.NowMicros() + every, std::move(task)});
}

void PeriodicRunner::Start() {
  if (thread_.joinable()) {
    return;
  }
  {
    absl::MutexLock lock(&stop_mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { Loop(); });
}

void PeriodicRunner::Stop() {
  if (!thread_.joinable()) {
    return;
  }
  {
    absl::MutexLock lock(&stop_mu_);
    stopping_ = true;
  }
  thread_.join();
}

void PeriodicRunner::RunDue() {
  absl::MutexLock lock(&run_mu_);
  for (Task& task : tasks_) {
    common::Micros now = clock_.NowMicros();
    if (now < task.next_due) {
      continue;
    }
    task.next_due = now + task.interval;
    task.run();
  }
}

void PeriodicRunner::Loop() {
  absl::Duration tick = absl::Milliseconds(tick_.count());
  while (true) {
    {
      absl::MutexLock lock(&stop_mu_);
      stop_mu_.AwaitWithTimeout(absl::Condition(&stopping_), tick);
      if (stopping_) {
        return;
      }
    }
    RunDue();
  }
}

}  // namespace hub::auth
