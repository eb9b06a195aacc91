#include "hub/common/thread_pool.h"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <utility>

namespace hub::common {

ThreadPool::ThreadPool(size_t threads, const std::string& name) {
  if (threads == 0) {
    threads = 1;
  }
  threads_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) {
    threads_.emplace_back([this] { WorkerLoop(); });
    std::string label = name.substr(0, 11) + "-" + std::to_string(i);
    pthread_setname_np(threads_.back().native_handle(), label.substr(0, 15).c_str());
  }
}

ThreadPool::~ThreadPool() {
  Shutdown();
}

bool ThreadPool::Submit(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      return false;
    }
    queue_.push_back(std::move(task));
  }
  cv_.notify_one();
  return true;
}

void ThreadPool::ParallelFor(size_t count, const std::function<void(size_t)>& body) {
  if (count == 0) {
    return;
  }

  // Shared with helper tasks that may start after the loop is over; such a late helper finds
  // the index space exhausted and never touches `body`.
  struct Shared {
    std::atomic<size_t> next{0};
    std::atomic<size_t> done{0};
    std::mutex mu;
    std::condition_variable cv;
  };

  auto shared = std::make_shared<Shared>();
  const std::function<void(size_t)>* body_ptr = &body;
  auto drain = [shared, body_ptr, count] {
    size_t finished = 0;
    for (size_t i = shared->next++; i < count; i = shared->next++) {
      (*body_ptr)(i);
      ++finished;
    }
    if (finished > 0 && shared->done.fetch_add(finished) + finished == count) {
      std::lock_guard<std::mutex> lock(shared->mu);
      shared->cv.notify_all();
    }
  };

  size_t helpers = std::min(threads_.size(), count - 1);
  for (size_t h = 0; h < helpers; ++h) {
    Submit(drain);
  }
  drain();
  std::unique_lock<std::mutex> lock(shared->mu);
  shared->cv.wait(lock, [&] { return shared->done.load() == count; });
}

void ThreadPool::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && threads_.empty()) {
      return;
    }
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) {
    if (t.joinable()) {
      t.join();
    }
  }
  threads_.clear();
}

size_t ThreadPool::Pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size() + running_;
}

void ThreadPool::WorkerLoop() {
  while (true) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) {
        return;
      }
      task = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
    }
    task();
    std::lock_guard<std::mutex> lock(mu_);
    --running_;
  }
}

}  // namespace hub::common
