#include "hub/store/migration.h"

#include <cctype>
#include <string>

#include "gtest/gtest.h"

#include "hub/common/strings.h"

namespace hub::store {
namespace {

TEST(BuiltinMigrationsTest, BothBackendsHaveTheSameMigrations) {
  std::vector<Migration> sqlite = BuiltinMigrations(Dialect::kSqlite);
  std::vector<Migration> postgres = BuiltinMigrations(Dialect::kPostgres);

  ASSERT_FALSE(sqlite.empty());
  ASSERT_EQ(sqlite.size(), postgres.size());
  for (size_t i = 0; i < sqlite.size(); ++i) {
    EXPECT_EQ(sqlite[i].version, postgres[i].version);
    EXPECT_EQ(sqlite[i].name, postgres[i].name);
    EXPECT_NE(sqlite[i].sql, postgres[i].sql) << sqlite[i].Label();
    if (i > 0) {
      EXPECT_GT(sqlite[i].version, sqlite[i - 1].version);
    }
  }
  EXPECT_EQ(sqlite[0].Label(), "0001 'servers'");
}

// Every CREATE TABLE / CREATE INDEX ... ON must go through the {schema} token, or the table
// would land in PostgreSQL's search_path instead of the configured schema.
TEST(BuiltinMigrationsTest, EveryTableIsSchemaQualified) {
  for (Dialect dialect : {Dialect::kSqlite, Dialect::kPostgres}) {
    for (const Migration& migration : BuiltinMigrations(dialect)) {
      std::string sql = common::ToLower(migration.sql);
      for (size_t pos = sql.find("create table"); pos != std::string::npos;
           pos = sql.find("create table", pos + 1)) {
        std::string rest = sql.substr(pos + 12, 40);
        EXPECT_NE(rest.find("{schema}."), std::string::npos)
            << DialectName(dialect) << " " << migration.Label() << ": " << rest;
      }
    }
  }
}

TEST(MigrationTest, ChecksumIsSha256OfTheText) {
  Migration migration{7, "name", "abc"};

  EXPECT_EQ(migration.Checksum(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(migration.Label(), "0007 'name'");
}

}  // namespace
}  // namespace hub::store
