#include "hub/k8s/quantity.h"

#include <gtest/gtest.h>

namespace hub::k8s {
namespace {

TEST(QuantityTest, ParsesCpuForms) {
  EXPECT_EQ(*ParseMillicores("100m"), 100);
  EXPECT_EQ(*ParseMillicores("1.5"), 1500);
  EXPECT_EQ(*ParseMillicores("2"), 2000);
  EXPECT_EQ(*ParseMillicores("137803218n"), 138);
  EXPECT_EQ(*ParseMillicores("1e3"), 1'000'000);
}

TEST(QuantityTest, ParsesMemoryForms) {
  EXPECT_EQ(*ParseBytes("1523012Ki"), 1523012LL * 1024);
  EXPECT_EQ(*ParseBytes("129M"), 129'000'000);
  EXPECT_EQ(*ParseBytes("512Mi"), 512LL << 20);
  EXPECT_EQ(*ParseBytes("1E"), 1'000'000'000'000'000'000LL);
}

TEST(QuantityTest, RejectsMalformedText) {
  EXPECT_FALSE(ParseBytes("").ok());
  EXPECT_FALSE(ParseBytes("12Q").ok());
  EXPECT_FALSE(ParseBytes("abc").ok());
  EXPECT_FALSE(ParseMillicores("-1").ok());
}

TEST(QuantityTest, FormatsAsTheApiServerDoes) {
  EXPECT_EQ(FormatMillicores(2000), "2");
  EXPECT_EQ(FormatMillicores(250), "250m");
  EXPECT_EQ(FormatMebibytes(512), "512Mi");
}

}  // namespace
}  // namespace hub::k8s
