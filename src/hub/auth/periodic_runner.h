#pragma once

// A background thread that runs a few periodic tasks (permission reloads, removal of expired
// sessions). Whether a task is due is decided by the injected `Clock`; the thread only wakes
// up every `tick` to ask. Tests call `RunDue` after moving a `ManualClock` instead of
// sleeping.
//
// Thread-safety: `Add` before `Start` only; `RunDue`, `Start` and `Stop` are thread-safe. A
// task never runs concurrently with itself. The clock must outlive the runner.

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

#include "hub/common/clock.h"

namespace hub::auth {

class PeriodicRunner final {
public:
  explicit PeriodicRunner(const common::Clock& clock,
                          std::chrono::milliseconds tick = std::chrono::seconds(1));
  ~PeriodicRunner();

  PeriodicRunner(const PeriodicRunner&) = delete;
  PeriodicRunner& operator=(const PeriodicRunner&) = delete;

  // Registers `task`, first due one `interval` after registration.
  // REQUIRES: `Start` has not been called; `interval` > 0.
  void Add(std::string name, std::chrono::milliseconds interval, std::function<void()> task);

  // Starts the thread. Idempotent.
  void Start();

  // Stops and joins the thread; a running task finishes first. Idempotent.
  void Stop();

  // Runs every task that is due now, on the calling thread.
  void RunDue();

private:
  struct Task {
    std::string name;
    common::Micros interval = 0;
    common::Micros next_due = 0;
    std::function<void()> run;
  };

  void Loop();

  const common::Clock& clock_;
  const std::chrono::milliseconds tick_;
  absl::Mutex run_mu_;  // serializes RunDue
  std::vector<Task> tasks_ ABSL_GUARDED_BY(run_mu_);
  absl::Mutex stop_mu_;
  bool stopping_ ABSL_GUARDED_BY(stop_mu_) = false;
  std::thread thread_;
};

}  // namespace hub::auth
