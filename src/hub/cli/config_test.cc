#include "hub/cli/config.h"

#include "gtest/gtest.h"

#include "hub/cli/commands.h"
#include "hub/cli/hub_app.h"

namespace hub::cli {
namespace {

TEST(ConfigTest, DefaultsAreTheEmbeddedSingleMachineSetup) {
  auto config = LoadConfig(ConfigFlags());

  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->http.host, "127.0.0.1");
  EXPECT_EQ(config->http.port, 8080);
  EXPECT_EQ(config->database.backend, "sqlite");
  EXPECT_EQ(config->database.sqlite_path, "./var/hub.db");
}

TEST(ConfigTest, FlagsOverrideAndBadValuesNameTheSetting) {
  ConfigFlags flags;
  flags.port = 9001;
  flags.sets = {"database.schema=Bad-Name"};

  auto config = LoadConfig(flags);

  ASSERT_FALSE(config.ok());
  EXPECT_NE(std::string(config.status().message()).find("database.schema"), std::string::npos);
}

TEST(ConfigTest, UpstreamDatabaseVariablesSelectPostgres) {
  // The test is single-threaded, so changing the environment cannot race.
  setenv("DATABASE_HOST", "db.internal", 1);      // NOLINT(concurrency-mt-unsafe)
  setenv("DATABASE_NAME", "hub", 1);              // NOLINT(concurrency-mt-unsafe)
  setenv("DATABASE_PASSWORD", "it's secret", 1);  // NOLINT(concurrency-mt-unsafe)
  std::string described;

  auto config = LoadConfig(ConfigFlags(), &described);
  unsetenv("DATABASE_HOST");      // NOLINT(concurrency-mt-unsafe)
  unsetenv("DATABASE_NAME");      // NOLINT(concurrency-mt-unsafe)
  unsetenv("DATABASE_PASSWORD");  // NOLINT(concurrency-mt-unsafe)

  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->database.backend, "postgres");
  EXPECT_EQ(PostgresDsn(config->database),
            "host=db.internal port=5432 dbname=hub password='it\\'s secret'");
  EXPECT_EQ(described.find("secret"), std::string::npos);
}

TEST(ConfigTest, PostgresBackendWithoutConnectionIsAnError) {
  ConfigFlags flags;
  flags.sets = {"database.backend=postgres"};

  auto config = LoadConfig(flags);

  EXPECT_FALSE(config.ok());
}

}  // namespace
}  // namespace hub::cli
