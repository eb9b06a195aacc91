// The chunk queue on PostgreSQL: every test gets a fresh schema (HUB_TEST_PG_DSN; see
// tests/support/with_postgres.sh).

#include "hub/jobs/chunk_queue_tests.h"
#include "hub/jobs/result_cache_tests.h"

#include "tests/support/pg_test_env.h"

namespace hub::jobs {
namespace {

QueueBackend PostgresBackend() {
  return {"Postgres", []() -> absl::StatusOr<QueueStore> {
            auto schema = test_support::PgTestSchema::Create("queue");
            if (!schema.ok()) {
              return schema.status();
            }
            std::shared_ptr<test_support::PgTestSchema> shared(std::move(*schema));
            QueueStore store;
            store.keepalive = shared;
            store.open = [shared]() -> absl::StatusOr<store::DatabasePtr> {
              auto db = shared->Open();
              if (!db.ok()) {
                return db.status();
              }
              return store::DatabasePtr(std::move(*db));
            };
            return store;
          }};
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Postgres,
                         ChunkQueueTest,
                         ::testing::Values(PostgresBackend()),
                         [](const auto& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(Postgres,
                         ResultCacheTest,
                         ::testing::Values(PostgresBackend()),
                         [](const auto& info) { return info.param.name; });

}  // namespace hub::jobs
