#include "hub/store/dsn.h"

#include "gtest/gtest.h"

namespace hub::store {
namespace {

TEST(MaskDsnTest, MasksKeywordPasswords) {
  EXPECT_EQ(MaskDsn("host=db port=5432 password=s3cret user=hub"),
            "host=db port=5432 password=*** user=hub");
  EXPECT_EQ(MaskDsn("PASSWORD=s3cret"), "PASSWORD=***");
  EXPECT_EQ(MaskDsn("password = s3cret dbname=x"), "password = *** dbname=x");
  EXPECT_EQ(MaskDsn(R"(password='a b\' c' user=x)"), "password=*** user=x");
}

TEST(MaskDsnTest, MasksUriPasswords) {
  EXPECT_EQ(MaskDsn("postgresql://hub:s3cret@db:5432/hub?sslmode=require"),
            "postgresql://hub:***@db:5432/hub?sslmode=require");
  EXPECT_EQ(MaskDsn("postgres://db/hub?user=x&password=s3cret&sslmode=disable"),
            "postgres://db/hub?user=x&password=***&sslmode=disable");
  EXPECT_EQ(MaskDsn("postgresql://hub:p%40ss@db/hub"), "postgresql://hub:***@db/hub");
}

TEST(MaskDsnTest, LeavesOtherDsnsAlone) {
  EXPECT_EQ(MaskDsn("host=/tmp port=5432 dbname=hub user=hub"),
            "host=/tmp port=5432 dbname=hub user=hub");
  EXPECT_EQ(MaskDsn("postgresql://hub@db/hub"), "postgresql://hub@db/hub");
  EXPECT_EQ(MaskDsn(""), "");
}

}  // namespace
}  // namespace hub::store
