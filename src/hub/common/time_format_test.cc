#include "hub/common/time_format.h"

#include "gtest/gtest.h"

namespace hub::common {
namespace {

TEST(TimeFormatTest, FormatsWithMicrosecondsAndZ) {
  EXPECT_EQ(FormatTimestamp(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatTimestamp(1'780'000'000'123'456), "2026-05-28T20:26:40.123456Z");
}

TEST(TimeFormatTest, ParsesTheFormsClientsSend) {
  Micros t = 1'780'000'000'123'456;

  EXPECT_EQ(*ParseTimestamp("2026-05-28T20:26:40.123456Z"), t);
  EXPECT_EQ(*ParseTimestamp("2026-05-28 20:26:40.123456"), t);
  EXPECT_EQ(*ParseTimestamp("2026-05-28T20:26:40.123456789+00:00"), t);
  EXPECT_EQ(*ParseTimestamp("2026-05-28"), 1'779'926'400'000'000);
}

TEST(TimeFormatTest, RejectsOtherText) {
  EXPECT_FALSE(ParseTimestamp("yesterday").ok());
  EXPECT_FALSE(ParseTimestamp("2026-13-01").ok());
  EXPECT_FALSE(ParseTimestamp("2026-05-28T20:26:40+02:00").ok());
}

}  // namespace
}  // namespace hub::common
