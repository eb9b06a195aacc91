#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"

namespace hub::common {

// A fixed set of worker threads running submitted tasks in FIFO order.
//
// Thread-safe: `Submit` may be called from any thread, including from a task. The destructor
// (or `Shutdown`) stops accepting tasks, runs every task already queued, and joins the threads.
class ThreadPool {
public:
  // Starts `threads` workers (at least one); `name` labels them for debuggers.
  ThreadPool(size_t threads, const std::string& name);
  ~ThreadPool();

  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Queues `task`. Returns false (and drops the task) after `Shutdown` has begun.
  bool Submit(std::function<void()> task);

  // Runs `body(i)` for every i in [0, count) on the pool's threads and the caller's, and
  // returns when all have finished. REQUIRES: not called from a task of this pool.
  void ParallelFor(size_t count, const std::function<void(size_t)>& body);

  // Drains the queue and joins the workers. Idempotent.
  void Shutdown();

  size_t size() const { return threads_.size(); }

  // Number of tasks waiting or running.
  size_t Pending() const;

private:
  void WorkerLoop();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  size_t running_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace hub::common
