#pragma once

// A bounded pool of database connections, shared by both backends.
//
// Connections are opened lazily, up to `max_size`. `Acquire` hands out an idle connection, or
// opens a new one when fewer than `max_size` exist, or waits up to `acquire_timeout` for one
// to be returned. A lease returns its connection when destroyed, unless it was marked broken:
// then the connection is closed and a later `Acquire` opens a replacement.
//
// Thread-safety: all methods are thread-safe. A `Lease` is used by one thread at a time.
// REQUIRES: every lease is destroyed before the pool.

#include <cstddef>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "fmt/format.h"

namespace hub::store {

template <typename Conn>
class ConnectionPool final {
public:
  // Opens one connection; errors are passed on from `Acquire`.
  using Factory = std::function<absl::StatusOr<std::unique_ptr<Conn>>()>;

  struct Options {
    size_t max_size = 4;
    absl::Duration acquire_timeout = absl::Seconds(5);
  };

  // Exclusive use of one connection. Movable, not copyable.
  class Lease final {
  public:
    Lease(Lease&& other) noexcept
        : pool_(std::exchange(other.pool_, nullptr)), conn_(std::move(other.conn_)) {}

    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

    ~Lease() {
      if (pool_ != nullptr) {
        pool_->Return(std::move(conn_), broken_);
      }
    }

    Conn& operator*() const { return *conn_; }

    Conn* operator->() const { return conn_.get(); }

    // The connection is unusable; it is closed instead of returned to the pool.
    void MarkBroken() { broken_ = true; }

  private:
    friend class ConnectionPool;

    Lease(ConnectionPool* pool, std::unique_ptr<Conn> conn) : pool_(pool), conn_(std::move(conn)) {}

    ConnectionPool* pool_;
    std::unique_ptr<Conn> conn_;
    bool broken_ = false;
  };

  ConnectionPool(Options options, Factory factory)
      : options_(options), factory_(std::move(factory)) {
    if (options_.max_size == 0) {
      options_.max_size = 1;
    }
  }

  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // A connection, or `kUnavailable` when none was free within the acquire timeout, or the
  // factory's error when opening a new one failed.
  absl::StatusOr<Lease> Acquire() ABSL_LOCKS_EXCLUDED(mu_) {
    mu_.Lock();
    if (!mu_.AwaitWithTimeout(absl::Condition(this, &ConnectionPool::CanAcquire),
                              options_.acquire_timeout)) {
      mu_.Unlock();
      return absl::UnavailableError(fmt::format("all {} database connections stayed busy for {}",
                                                options_.max_size,
                                                absl::FormatDuration(options_.acquire_timeout)));
    }
    if (!idle_.empty()) {
      std::unique_ptr<Conn> conn = std::move(idle_.back());
      idle_.pop_back();
      mu_.Unlock();
      return Lease(this, std::move(conn));
    }

    // Open outside the lock: connecting takes a network round trip.
    ++open_;
    mu_.Unlock();
    absl::StatusOr<std::unique_ptr<Conn>> conn = factory_();
    if (!conn.ok()) {
      Return(nullptr, /*broken=*/true);
      return conn.status();
    }
    return Lease(this, std::move(*conn));
  }

  // Connections currently open (idle or leased).
  size_t open_count() const ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    return open_;
  }

  size_t max_size() const { return options_.max_size; }

private:
  bool CanAcquire() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !idle_.empty() || open_ < options_.max_size;
  }

  void Return(std::unique_ptr<Conn> conn, bool broken) ABSL_LOCKS_EXCLUDED(mu_) {
    if (broken || conn == nullptr) {
      // Close before taking the lock: closing may talk to the server.
      conn.reset();
      absl::MutexLock lock(&mu_);
      --open_;
      return;
    }
    absl::MutexLock lock(&mu_);
    idle_.push_back(std::move(conn));
  }

  Options options_;
  Factory factory_;
  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<Conn>> idle_ ABSL_GUARDED_BY(mu_);
  size_t open_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace hub::store
