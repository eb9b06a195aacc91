#pragma once

// Deletes old work requests with their blobs: anonymous requests after
// `anonymous_age` (7 days, as upstream), every request after `max_age` when set. Runs
// periodically, on one replica at a time (a singleton lease), in batches.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "hub/common/clock.h"
#include "hub/jobs/singleton_lease.h"
#include "hub/jobs/work_request_service.h"

namespace hub::jobs {

struct RetentionOptions {
  std::chrono::milliseconds interval{60 * 60'000};
  std::chrono::milliseconds anonymous_age{7LL * 24 * 3600'000};
  // 0: registered users' requests are kept until deleted.
  std::chrono::milliseconds max_age{0};
  int batch = 500;
};

struct RetentionReport {
  std::int64_t anonymous = 0;
  std::int64_t old = 0;
  std::int64_t orphan_blobs = 0;
};

// Thread-safe. Collaborators must outlive it.
class Retention final {
public:
  Retention(WorkRequestService& service,
            store::Database& db,
            const common::Clock& clock,
            std::string replica,
            RetentionOptions options);
  ~Retention();

  Retention(const Retention&) = delete;
  Retention& operator=(const Retention&) = delete;

  // Starts the periodic run (the first one after one interval).
  void Start();
  void Stop();

  // One run now, if this replica gets the lease (an empty report otherwise).
  [[nodiscard]] absl::StatusOr<RetentionReport> RunOnce();

private:
  absl::StatusOr<std::int64_t> DeleteOlderThan(common::Micros before, const std::string& kind);
  absl::StatusOr<std::int64_t> SweepOrphanBlobs();
  void Loop();

  WorkRequestService& service_;
  store::Database& db_;
  const common::Clock& clock_;
  RetentionOptions options_;
  SingletonLease lease_;
  // Blob prefixes without a request row seen by the previous run: deleted when still orphaned
  // one run later (an intake in progress writes blobs before its row exists).
  std::set<std::string> suspects_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace hub::jobs
