// The chunk queue on SQLite: every test gets a fresh database file.

#include <unistd.h>

#include <filesystem>

#include "hub/jobs/chunk_queue_tests.h"
#include "hub/store/sqlite_database.h"

namespace hub::jobs {
namespace {

QueueBackend SqliteBackend() {
  return {"Sqlite", []() -> absl::StatusOr<QueueStore> {
            static std::atomic<int> counter{0};
            auto dir = std::make_shared<std::string>(::testing::TempDir() + "/queue_test_" +
                                                     std::to_string(::getpid()) + "_" +
                                                     std::to_string(counter++));
            std::filesystem::remove_all(*dir);
            QueueStore store;
            store.keepalive = std::shared_ptr<void>(
                dir.get(), [dir](void*) { std::filesystem::remove_all(*dir); });
            store.open = [dir]() -> absl::StatusOr<store::DatabasePtr> {
              auto db = store::SqliteDatabase::Open({.path = *dir + "/hub.db"});
              if (!db.ok()) {
                return db.status();
              }
              return store::DatabasePtr(std::move(*db));
            };
            return store;
          }};
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Sqlite,
                         ChunkQueueTest,
                         ::testing::Values(SqliteBackend()),
                         [](const auto& info) { return info.param.name; });

}  // namespace hub::jobs
