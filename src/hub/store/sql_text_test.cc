#include "hub/store/sql_text.h"

#include <string>

#include "gtest/gtest.h"

#include "hub/store/test_util.h"

namespace hub::store {
namespace {

constexpr char kPgSchema[] = "\"hub\"";

SqlText Rewrite(std::string_view sql, Dialect dialect = Dialect::kSqlite) {
  auto text = RewriteStatement(sql, dialect, dialect == Dialect::kSqlite ? "main" : kPgSchema);
  EXPECT_TRUE(text.ok()) << text.status();
  return text.ok() ? *text : SqlText();
}

TEST(RewriteStatementTest, NumbersPlaceholdersForSqlite) {
  SqlText text = Rewrite("SELECT $2, $1, $2 FROM t WHERE a = $10 OR b IN ($3,$4,$5,$6,$7,$8,$9)");

  EXPECT_EQ(text.text, "SELECT ?2, ?1, ?2 FROM t WHERE a = ?10 OR b IN (?3,?4,?5,?6,?7,?8,?9)");
  EXPECT_EQ(text.placeholders, 10);
}

TEST(RewriteStatementTest, KeepsPlaceholdersForPostgres) {
  SqlText text = Rewrite("SELECT $2, $1", Dialect::kPostgres);

  EXPECT_EQ(text.text, "SELECT $2, $1");
  EXPECT_EQ(text.placeholders, 2);
}

TEST(RewriteStatementTest, QualifiesTablesAndCollectsTheirNames) {
  SqlText text = Rewrite(
      "SELECT u.id FROM {schema}.Users u JOIN {schema}.sessions s ON s.user_id = u.id"
      " JOIN {schema}.users v ON true",
      Dialect::kPostgres);

  EXPECT_EQ(text.text,
            "SELECT u.id FROM \"hub\".Users u JOIN \"hub\".sessions s ON s.user_id = u.id"
            " JOIN \"hub\".users v ON true");
  EXPECT_EQ(text.tables, (std::vector<std::string>{"users", "sessions"}));
}

TEST(RewriteStatementTest, LeavesLiteralsIdentifiersAndCommentsAlone) {
  SqlText text = Rewrite(
      "SELECT 'it''s $2 {schema}.x', \"odd \"\" $3\" -- $4 {schema}.y\n"
      "FROM t /* $5 {schema}.z */ WHERE a = $1");

  EXPECT_EQ(text.text,
            "SELECT 'it''s $2 {schema}.x', \"odd \"\" $3\" -- $4 {schema}.y\n"
            "FROM t /* $5 {schema}.z */ WHERE a = ?1");
  EXPECT_EQ(text.placeholders, 1);
  EXPECT_TRUE(text.tables.empty());
}

TEST(RewriteStatementTest, RejectsBadPlaceholders) {
  EXPECT_FALSE(RewriteStatement("SELECT $1, $3", Dialect::kSqlite, "main").ok());
  EXPECT_FALSE(RewriteStatement("SELECT $0", Dialect::kSqlite, "main").ok());
  EXPECT_FALSE(RewriteStatement("SELECT $99999999999", Dialect::kSqlite, "main").ok());
}

TEST(RewriteStatementTest, AcceptsOnlyOneStatement) {
  EXPECT_TRUE(RewriteStatement("SELECT 1; -- done\n", Dialect::kSqlite, "main").ok());
  EXPECT_TRUE(RewriteStatement("SELECT ';x'", Dialect::kSqlite, "main").ok());
  EXPECT_EQ(RewriteStatement("SELECT 1; SELECT 2", Dialect::kSqlite, "main").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(RewriteStatementTest, TellsQueriesFromChanges) {
  EXPECT_TRUE(Rewrite("select 1").is_query);
  EXPECT_TRUE(Rewrite("WITH a AS (SELECT 1), b AS (DELETE FROM t) SELECT * FROM a").is_query);
  EXPECT_TRUE(Rewrite("VALUES (1)").is_query);
  EXPECT_FALSE(Rewrite("WITH a AS (SELECT 1) INSERT INTO t SELECT * FROM a").is_query);
  EXPECT_FALSE(Rewrite("INSERT INTO t SELECT 1").is_query);
  EXPECT_FALSE(Rewrite("UPDATE t SET a = (SELECT 1) RETURNING a").is_query);
  EXPECT_FALSE(Rewrite("CREATE TABLE t (a INTEGER)").is_query);
}

TEST(RewriteScriptTest, ReplacesSchemaEvenInFunctionBodiesAndKeepsDollars) {
  SqlText text = RewriteScript(
      "CREATE FUNCTION {schema}.f() RETURNS bigint AS $$ SELECT count(*) FROM {schema}.t $$"
      " LANGUAGE sql; SELECT $1",
      kPgSchema);

  EXPECT_EQ(text.text,
            "CREATE FUNCTION \"hub\".f() RETURNS bigint AS $$ SELECT count(*) FROM \"hub\".t $$"
            " LANGUAGE sql; SELECT $1");
  EXPECT_EQ(text.tables, (std::vector<std::string>{"f", "t"}));
}

TEST(ValidateParamsTest, RequiresExactCountAndNoNul) {
  SqlText text = Rewrite("SELECT $1, $2");

  HUB_EXPECT_OK(ValidateParams(text, {1, "x"}));
  EXPECT_FALSE(ValidateParams(text, {1}).ok());
  EXPECT_FALSE(ValidateParams(text, {1, "x", 2}).ok());
  EXPECT_EQ(ValidateParams(text, {1, std::string("a\0b", 3)}).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SchemaNameTest, AcceptsPlainLowerCaseNames) {
  for (const char* name : {"hub", "public", "hub_test_1", "_x"}) {
    HUB_EXPECT_OK(ValidateSchemaName(name));
  }
}

TEST(SchemaNameTest, RejectsEverythingElse) {
  for (const char* name : {"", "Hub", "1hub", "a-b", "a\"b", "a b", "pg_catalog"}) {
    EXPECT_EQ(ValidateSchemaName(name).code(), absl::StatusCode::kInvalidArgument) << name;
  }
  EXPECT_FALSE(ValidateSchemaName(std::string(64, 'a')).ok());
  HUB_EXPECT_OK(ValidateSchemaName(std::string(63, 'a')));
}

TEST(QuoteIdentifierTest, DoublesInnerQuotes) {
  EXPECT_EQ(QuoteIdentifier("hub"), "\"hub\"");
  EXPECT_EQ(QuoteIdentifier("a\"b"), "\"a\"\"b\"");
}

}  // namespace
}  // namespace hub::store
