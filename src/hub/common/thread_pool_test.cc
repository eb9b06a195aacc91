#include "hub/common/thread_pool.h"

#include <atomic>
#include <vector>

#include "gtest/gtest.h"

namespace hub::common {
namespace {

TEST(ThreadPoolTest, RunsEveryTaskBeforeShutdownReturns) {
  std::atomic<int> count{0};
  ThreadPool pool(3, "test");

  for (int i = 0; i < 100; ++i) {
    pool.Submit([&count] { ++count; });
  }
  pool.Shutdown();

  EXPECT_EQ(count.load(), 100);
  EXPECT_FALSE(pool.Submit([] {}));
}

TEST(ThreadPoolTest, ParallelForVisitsEachIndexOnce) {
  ThreadPool pool(2, "test");
  std::vector<std::atomic<int>> hits(1000);

  pool.ParallelFor(hits.size(), [&hits](size_t i) { ++hits[i]; });

  for (const auto& h : hits) {
    EXPECT_EQ(h.load(), 1);
  }
}

}  // namespace
}  // namespace hub::common
