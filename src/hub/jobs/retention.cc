#include "hub/jobs/retention.h"

#include "fmt/format.h"

#include "hub/common/log.h"
#include "hub/common/status_macros.h"
#include "hub/common/strings.h"
#include "hub/jobs/intake.h"

namespace hub::jobs {

Retention::Retention(WorkRequestService& service,
                     store::Database& db,
                     const common::Clock& clock,
                     std::string replica,
                     RetentionOptions options)
    : service_(service),
      db_(db),
      clock_(clock),
      options_(options),
      lease_(db, clock, "retention", std::move(replica), options.interval * 2) {}

Retention::~Retention() {
  Stop();
}

void Retention::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Retention::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void Retention::Loop() {
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (cv_.wait_for(lock, options_.interval, [this] { return stopping_; })) {
        return;
      }
    }
    auto report = RunOnce();
    if (!report.ok()) {
      HUB_LOG(warn, "retention run failed", {"error", common::ToString(report.status().message())});
    } else if (report->anonymous + report->old + report->orphan_blobs > 0) {
      HUB_LOG(info, "retention deleted old requests", {"anonymous", report->anonymous},
              {"old", report->old}, {"orphan_blobs", report->orphan_blobs});
    }
  }
}

absl::StatusOr<std::int64_t> Retention::DeleteOlderThan(common::Micros before,
                                                        const std::string& kind) {
  std::int64_t total = 0;
  while (true) {
    HUB_ASSIGN_OR_RETURN(auto batch,
                         service_.requests().FindOlderThan(before, kind, options_.batch));
    if (batch.empty()) {
      return total;
    }
    HUB_ASSIGN_OR_RETURN(std::int64_t deleted, service_.DeleteRequests(batch));
    total += deleted;
    if (static_cast<int>(batch.size()) < options_.batch) {
      return total;
    }
  }
}

absl::StatusOr<std::int64_t> Retention::SweepOrphanBlobs() {
  HUB_ASSIGN_OR_RETURN(auto keys, service_.blobs().List("requests"));
  std::set<std::string> uids;
  for (const std::string& key : keys) {
    auto parts = common::Split(key, '/');
    if (parts.size() >= 2) {
      uids.emplace(parts[1]);
    }
  }
  std::set<std::string> orphans;
  for (const std::string& uid : uids) {
    HUB_ASSIGN_OR_RETURN(auto row,
                         db_.Exec("SELECT 1 FROM {schema}.work_requests WHERE uid = $1", {uid}));
    if (row.empty()) {
      orphans.insert(uid);
    }
  }
  std::int64_t deleted = 0;
  for (const std::string& uid : orphans) {
    if (suspects_.count(uid) > 0) {
      HUB_RETURN_IF_ERROR(service_.blobs().DeletePrefix(Intake::Prefix(uid)));
      ++deleted;
    }
  }
  suspects_ = std::move(orphans);
  return deleted;
}

absl::StatusOr<RetentionReport> Retention::RunOnce() {
  RetentionReport report;
  HUB_ASSIGN_OR_RETURN(bool leader, lease_.Acquire());
  if (!leader) {
    return report;
  }
  common::Micros now = clock_.NowMicros();
  HUB_ASSIGN_OR_RETURN(report.anonymous,
                       DeleteOlderThan(now - options_.anonymous_age.count() * 1000, "anonymous"));
  if (options_.max_age.count() > 0) {
    HUB_ASSIGN_OR_RETURN(report.old, DeleteOlderThan(now - options_.max_age.count() * 1000, ""));
  }
  HUB_ASSIGN_OR_RETURN(report.orphan_blobs, SweepOrphanBlobs());
  return report;
}

}  // namespace hub::jobs
