// The hub on PostgreSQL: starts, migrates into the configured schema, and reports ready.

#include "gtest/gtest.h"

#include "hub/http/client.h"

#include "tests/support/hub_process.h"
#include "tests/support/pg_test_env.h"

namespace hub {
namespace {

using test_support::HubProcess;
using test_support::PgTestSchema;

HubProcess::Options PostgresHub(const PgTestSchema& schema) {
  HubProcess::Options options;
  options.env = {{"HUB_DATABASE_URL", schema.dsn()}, {"DATABASE_SCHEMA", schema.name()}};
  return options;
}

TEST(PlatformPgTest, ServesReadyOnPostgres) {
  auto schema = PgTestSchema::Create("platform");
  ASSERT_TRUE(schema.ok()) << schema.status();

  auto hub = HubProcess::Start(PostgresHub(**schema));
  ASSERT_TRUE(hub.ok()) << hub.status();
  http::Client client;
  auto ready = client.Get((*hub)->Url("/readyz"));

  ASSERT_TRUE(ready.ok());
  EXPECT_EQ(ready->status, 200) << ready->body;
  EXPECT_EQ((*hub)->Stop(), 0);
}

TEST(PlatformPgTest, TablesLiveInTheConfiguredSchema) {
  auto schema = PgTestSchema::Create("tables");
  ASSERT_TRUE(schema.ok()) << schema.status();
  auto hub = HubProcess::Start(PostgresHub(**schema));
  ASSERT_TRUE(hub.ok()) << hub.status();
  auto db = (*schema)->Open();
  ASSERT_TRUE(db.ok()) << db.status();

  auto in_schema = (*db)->Exec(
      "SELECT count(*) FROM information_schema.tables WHERE table_schema = $1 AND "
      "table_name IN ('servers', 'schema_migrations')",
      {(*schema)->name()});
  auto in_public = (*db)->Exec(
      "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND "
      "table_name IN ('servers', 'schema_migrations')");

  ASSERT_TRUE(in_schema.ok() && in_public.ok());
  EXPECT_EQ(*in_schema->rows()[0].GetInt(0), 2);
  EXPECT_EQ(*in_public->rows()[0].GetInt(0), 0);
}

TEST(PlatformPgTest, RefusesToStartWithPendingMigrationsWhenAskedNotToMigrate) {
  auto schema = PgTestSchema::Create("pending");
  ASSERT_TRUE(schema.ok()) << schema.status();
  HubProcess::Options options = PostgresHub(**schema);
  options.env.emplace_back("HUB_DATABASE_MIGRATE_ON_START", "false");

  auto hub = HubProcess::Start(options);

  ASSERT_FALSE(hub.ok());
  EXPECT_NE(std::string(hub.status().message()).find("ersilia-hub migrate"), std::string::npos)
      << hub.status();
}

}  // namespace
}  // namespace hub
