#include "hub/store/connection_pool.h"

#include <atomic>
#include <optional>
#include <thread>

#include "gtest/gtest.h"

#include "hub/store/test_util.h"

namespace hub::store {
namespace {

struct FakeConnection {
  int id;
};

using Pool = ConnectionPool<FakeConnection>;

class ConnectionPoolTest : public ::testing::Test {
protected:
  std::unique_ptr<Pool> MakePool(size_t max_size, absl::Duration timeout) {
    return std::make_unique<Pool>(
        Pool::Options{max_size, timeout},
        [this]() -> absl::StatusOr<std::unique_ptr<FakeConnection>> {
          if (fail_next_.exchange(false)) {
            return absl::UnavailableError("refused");
          }
          return std::make_unique<FakeConnection>(FakeConnection{++opened_});
        });
  }

  std::atomic<int> opened_{0};
  std::atomic<bool> fail_next_{false};
};

TEST_F(ConnectionPoolTest, ReusesReturnedConnections) {
  auto pool = MakePool(2, absl::Seconds(1));

  int first_id = 0;
  {
    HUB_ASSERT_OK_AND_ASSIGN(Pool::Lease lease, pool->Acquire());
    first_id = lease->id;
  }
  HUB_ASSERT_OK_AND_ASSIGN(Pool::Lease again, pool->Acquire());

  EXPECT_EQ(again->id, first_id);
  EXPECT_EQ(opened_.load(), 1);
}

TEST_F(ConnectionPoolTest, ExhaustedPoolIsUnavailableAfterTimeout) {
  auto pool = MakePool(2, absl::Milliseconds(20));
  HUB_ASSERT_OK_AND_ASSIGN(Pool::Lease a, pool->Acquire());
  HUB_ASSERT_OK_AND_ASSIGN(Pool::Lease b, pool->Acquire());

  auto third = pool->Acquire();

  EXPECT_EQ(third.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(pool->open_count(), 2u);
}

TEST_F(ConnectionPoolTest, WaiterGetsTheReturnedConnection) {
  auto pool = MakePool(1, absl::Seconds(30));
  std::optional<Pool::Lease> held;
  {
    HUB_ASSERT_OK_AND_ASSIGN(Pool::Lease lease, pool->Acquire());
    held.emplace(std::move(lease));
  }
  int waiter_id = 0;

  std::thread waiter([&] {
    auto lease = pool->Acquire();
    waiter_id = lease.ok() ? (*lease)->id : -1;
  });
  held.reset();
  waiter.join();

  EXPECT_EQ(waiter_id, 1);
  EXPECT_EQ(opened_.load(), 1);
}

TEST_F(ConnectionPoolTest, BrokenConnectionIsReplaced) {
  auto pool = MakePool(1, absl::Seconds(1));
  {
    HUB_ASSERT_OK_AND_ASSIGN(Pool::Lease lease, pool->Acquire());
    lease.MarkBroken();
  }
  size_t open_after_break = pool->open_count();

  HUB_ASSERT_OK_AND_ASSIGN(Pool::Lease replacement, pool->Acquire());

  EXPECT_EQ(open_after_break, 0u);
  EXPECT_EQ(replacement->id, 2);
}

TEST_F(ConnectionPoolTest, FailedOpenFreesItsSlot) {
  auto pool = MakePool(1, absl::Seconds(1));
  fail_next_ = true;

  auto failed = pool->Acquire();
  auto next = pool->Acquire();

  EXPECT_EQ(failed.status().code(), absl::StatusCode::kUnavailable);
  HUB_EXPECT_OK(next);
}

}  // namespace
}  // namespace hub::store
