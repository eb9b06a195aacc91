#pragma once

// The chunk queue's behaviour, one set of `TEST_P` bodies run on SQLite
// (chunk_queue_test.cc) and on PostgreSQL (chunk_queue_pgtest.cc).

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "gtest/gtest.h"

#include "hub/common/clock.h"
#include "hub/jobs/chunk_queue.h"
#include "hub/jobs/request_store.h"
#include "hub/store/migrator.h"

namespace hub::jobs {

// Opens databases on one private store; `keepalive` owns whatever backs it.
struct QueueStore {
  std::shared_ptr<void> keepalive;
  std::function<absl::StatusOr<store::DatabasePtr>()> open;
};

struct QueueBackend {
  std::string name;
  std::function<absl::StatusOr<QueueStore>()> make;
};

inline void PrintTo(const QueueBackend& backend, std::ostream* os) {
  *os << backend.name;
}

// Makes `backend`'s store, opens a database on it and applies the built-in migrations.
inline void OpenMigrated(const QueueBackend& backend,
                         const common::Clock& clock,
                         QueueStore& store,
                         store::DatabasePtr& db) {
  auto made = backend.make();
  ASSERT_TRUE(made.ok()) << made.status();
  store = std::move(*made);
  auto opened = store.open();
  ASSERT_TRUE(opened.ok()) << opened.status();
  db = std::move(*opened);
  store::Migrator migrator(*db, store::BuiltinMigrations(db->dialect()), clock);
  ASSERT_TRUE(migrator.Apply().ok());
}

class ChunkQueueTest : public ::testing::TestWithParam<QueueBackend> {
protected:
  void SetUp() override {
    OpenMigrated(GetParam(), clock_, store_, db_);
    if (HasFatalFailure()) {
      return;
    }
    for (const char* user : {"alice", "bob"}) {
      ASSERT_TRUE(db_->Exec("INSERT INTO {schema}.users (id, kind, username, username_key, "
                            "permissions_updated_at, signup_at, updated_at) VALUES ($1, 'user', "
                            "$1, $1, 0, 0, 0)",
                            {std::string(user)})
                      .ok());
    }
    requests_ = std::make_unique<RequestStore>(*db_, clock_);
    queue_ = MakeQueue("replica-a");
  }

  std::unique_ptr<ChunkQueue> MakeQueue(const std::string& owner) {
    return std::make_unique<ChunkQueue>(*db_, clock_, owner, std::chrono::seconds(30));
  }

  std::int64_t Submit(const std::string& user, int chunks, int lane = 1, int rows = 10) {
    WorkRequestRecord r;
    r.uid = user + std::to_string(next_uid_++);
    r.model_id = "eos3b5e";
    r.user_id = user;
    r.user_kind = "user";
    r.lane = lane;
    r.request_date = clock_.NowMicros();
    r.rows_total = static_cast<std::int64_t>(rows) * chunks;
    r.rows_unique = static_cast<std::int64_t>(rows) * chunks;
    std::vector<ChunkPlan> plans;
    plans.reserve(chunks);
    for (int i = 0; i < chunks; ++i) {
      plans.push_back({i, static_cast<std::uint64_t>(i * rows), "in/" + std::to_string(i), rows});
    }
    auto id = requests_->Insert(r, plans);
    EXPECT_TRUE(id.ok()) << id.status();
    return id.value_or(0);
  }

  std::optional<ChunkLease> ClaimFor(ChunkQueue& queue, const std::string& user) {
    auto lease = queue.Claim(user, {"eos3b5e"});
    EXPECT_TRUE(lease.ok()) << lease.status();
    return lease.ok() ? *lease : std::nullopt;
  }

  ChunkOutcome Done(int rows, int failed = 0) {
    return {"result/x", rows - failed, failed, 0, "[\"mol_weight\"]", failed ? "boom" : ""};
  }

  common::ManualClock clock_{1'800'000'000'000'000};
  QueueStore store_;
  store::DatabasePtr db_;
  std::unique_ptr<RequestStore> requests_;
  std::unique_ptr<ChunkQueue> queue_;
  int next_uid_ = 0;
};

TEST_P(ChunkQueueTest, ClaimsInOrderAndCompletesTheRequest) {
  std::int64_t id = Submit("alice", 2);

  auto first = ClaimFor(*queue_, "alice");
  auto second = ClaimFor(*queue_, "alice");
  auto none = ClaimFor(*queue_, "alice");
  ASSERT_TRUE(first && second);
  EXPECT_FALSE(none);
  EXPECT_EQ(first->seq, 0);
  EXPECT_EQ(second->seq, 1);
  EXPECT_EQ(requests_->Get(id)->status, RequestStatus::kScheduling);

  auto a = queue_->Complete(*first, Done(10));
  auto b = queue_->Complete(*second, Done(10, 2));

  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(a->committed && !a->request_finished);
  EXPECT_TRUE(b->request_finished);
  auto request = requests_->Get(id);
  EXPECT_EQ(request->status, RequestStatus::kCompleted);
  EXPECT_EQ(request->rows_done, 18);
  EXPECT_EQ(request->rows_failed, 2);
  EXPECT_EQ(request->columns, "[\"mol_weight\"]");
  auto stats =
      db_->Exec("SELECT success FROM {schema}.work_request_stats WHERE request_id = $1", {id});
  EXPECT_EQ(*stats->rows()[0].GetInt(0), 1);
}

TEST_P(ChunkQueueTest, ExpiredLeaseMovesToAnotherReplicaAndTheOldResultIsRefused) {
  Submit("alice", 1);
  auto replica_b = MakeQueue("replica-b");
  auto held = ClaimFor(*queue_, "alice");
  ASSERT_TRUE(held);

  EXPECT_FALSE(ClaimFor(*replica_b, "alice"));
  clock_.Advance(std::chrono::seconds(31));
  auto taken = ClaimFor(*replica_b, "alice");
  ASSERT_TRUE(taken);

  auto stale = queue_->Complete(*held, Done(10));
  auto fresh = replica_b->Complete(*taken, Done(10));
  EXPECT_FALSE(stale->committed);
  EXPECT_TRUE(fresh->committed);
  EXPECT_EQ(taken->attempts, 2);
}

TEST_P(ChunkQueueTest, HeartbeatKeepsALeaseAlive) {
  Submit("alice", 1);
  auto held = ClaimFor(*queue_, "alice");
  ASSERT_TRUE(held);

  for (int i = 0; i < 4; ++i) {
    clock_.Advance(std::chrono::seconds(20));
    auto lost = queue_->Extend({*held});
    ASSERT_TRUE(lost.ok());
    EXPECT_TRUE(lost->empty());
  }

  EXPECT_FALSE(ClaimFor(*MakeQueue("replica-b"), "alice"));
  EXPECT_TRUE(queue_->Complete(*held, Done(10))->committed);
}

TEST_P(ChunkQueueTest, RequeuedChunkWaitsForItsTime) {
  Submit("alice", 1);
  auto held = ClaimFor(*queue_, "alice");
  ASSERT_TRUE(held);

  ASSERT_TRUE(*queue_->Requeue(*held, "503", clock_.NowMicros() + 5'000'000, true));

  EXPECT_FALSE(ClaimFor(*queue_, "alice"));
  clock_.Advance(std::chrono::seconds(6));
  auto again = ClaimFor(*queue_, "alice");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->attempts, 2);
}

TEST_P(ChunkQueueTest, SplitReplacesAChunkByItsHalves) {
  std::int64_t id = Submit("alice", 1);
  auto held = ClaimFor(*queue_, "alice");
  ASSERT_TRUE(held);

  ASSERT_TRUE(*queue_->Split(*held, 5, 5, "instance crashed"));
  auto left = ClaimFor(*queue_, "alice");
  auto right = ClaimFor(*queue_, "alice");

  ASSERT_TRUE(left && right);
  EXPECT_EQ(left->line_begin, 0);
  EXPECT_EQ(left->line_end, 5);
  EXPECT_EQ(right->line_begin, 5);
  EXPECT_EQ(right->first_unique, 5);
  EXPECT_EQ(requests_->LeafChunks(id)->size(), 2u);
  EXPECT_FALSE(queue_->Complete(*left, Done(5))->request_finished);
  EXPECT_TRUE(queue_->Complete(*right, Done(5))->request_finished);
}

TEST_P(ChunkQueueTest, GroupsAndRunningCountsDriveFairness) {
  Submit("alice", 3);
  Submit("bob", 1, /*lane=*/0);
  ASSERT_TRUE(ClaimFor(*queue_, "alice"));

  auto groups = queue_->Groups({"eos3b5e"});
  auto running = queue_->Running();

  ASSERT_TRUE(groups.ok() && running.ok());
  ASSERT_EQ(groups->size(), 2u);
  EXPECT_EQ((*running)["alice"], 1);
  for (const QueueGroup& g : *groups) {
    EXPECT_EQ(g.chunks, g.user_id == "alice" ? 2 : 1);
    EXPECT_EQ(g.lane, g.user_id == "bob" ? 0 : 1);
  }
  EXPECT_TRUE(queue_->Groups({"other"})->empty());
}

TEST_P(ChunkQueueTest, CancelKeepsComputedRowsAndDropsQueuedChunks) {
  std::int64_t id = Submit("alice", 3);
  auto held = ClaimFor(*queue_, "alice");
  ASSERT_TRUE(held);

  ASSERT_TRUE(requests_->Cancel(id, "cancelled by alice").ok());
  auto late = queue_->Complete(*held, Done(10));

  EXPECT_TRUE(late->committed);
  auto request = requests_->Get(id);
  EXPECT_EQ(request->status, RequestStatus::kCancelled);
  EXPECT_EQ(request->rows_done, 10);
  EXPECT_FALSE(ClaimFor(*queue_, "alice"));
  EXPECT_EQ(requests_->Cancel(id, "again").code(), absl::StatusCode::kFailedPrecondition);
}

TEST_P(ChunkQueueTest, RequestWhereNothingComputedFailsWithTheReason) {
  std::int64_t id = Submit("alice", 1);
  auto held = ClaimFor(*queue_, "alice");

  ASSERT_TRUE(queue_->Complete(*held, Done(10, 10)).ok());

  auto request = requests_->Get(id);
  EXPECT_EQ(request->status, RequestStatus::kFailed);
  EXPECT_NE(request->status_reason.find("boom"), std::string::npos);
}

TEST_P(ChunkQueueTest, ConcurrentReplicasClaimEachChunkOnce) {
  Submit("alice", 40);
  std::mutex mu;
  std::set<std::int64_t> claimed;
  std::atomic<int> duplicates{0};
  auto replica = [&](int w) {
    auto db = store_.open();
    ASSERT_TRUE(db.ok());
    ChunkQueue queue(**db, clock_, "replica-" + std::to_string(w), std::chrono::seconds(30));
    while (true) {
      auto lease = queue.Claim("alice", {"eos3b5e"});
      ASSERT_TRUE(lease.ok()) << lease.status();
      if (!*lease) {
        return;
      }
      std::lock_guard<std::mutex> lock(mu);
      if (!claimed.insert((*lease)->chunk_id).second) {
        ++duplicates;
      }
    }
  };
  std::vector<std::thread> workers;
  workers.reserve(4);
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back(replica, w);
  }
  for (auto& t : workers) {
    t.join();
  }

  EXPECT_EQ(claimed.size(), 40u);
  EXPECT_EQ(duplicates.load(), 0);
}

TEST_P(ChunkQueueTest, ListFiltersWithBoundParameters) {
  Submit("alice", 1);
  Submit("bob", 1);
  RequestFilter filter;
  filter.user_id = "x') OR TRUE --";

  auto injected = requests_->List(filter);
  filter.user_id = "bob";
  auto bob = requests_->List(filter);
  filter.user_id.reset();
  filter.statuses = {RequestStatus::kQueued};
  filter.model_ids = {"eos3b5e", "eos4wt0"};
  auto queued = requests_->List(filter);

  ASSERT_TRUE(injected.ok() && bob.ok() && queued.ok());
  EXPECT_TRUE(injected->empty());
  EXPECT_EQ(bob->size(), 1u);
  EXPECT_EQ(queued->size(), 2u);
}

}  // namespace hub::jobs
