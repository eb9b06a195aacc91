#include "hub/models/number_writer.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include "gtest/gtest.h"

#include "hub/common/number_format.h"

namespace hub::models {
namespace {

std::string PythonFloat(double value) {
  char buffer[kMaxNumberBytes];
  return {buffer, WritePythonFloat(buffer, value)};
}

TEST(NumberWriterTest, WritesPythonReprLayouts) {
  EXPECT_EQ(PythonFloat(137.14199999999997), "137.14199999999997");
  EXPECT_EQ(PythonFloat(27.0), "27.0");
  EXPECT_EQ(PythonFloat(0.0), "0.0");
  EXPECT_EQ(PythonFloat(-0.0), "-0.0");
  EXPECT_EQ(PythonFloat(1e-05), "1e-05");
  EXPECT_EQ(PythonFloat(0.0001), "0.0001");
  EXPECT_EQ(PythonFloat(1e16), "1e+16");
  EXPECT_EQ(PythonFloat(1234567890123456.0), "1234567890123456.0");
  EXPECT_EQ(PythonFloat(-2.5e-300), "-2.5e-300");
  EXPECT_EQ(PythonFloat(std::numeric_limits<double>::quiet_NaN()), "nan");
  EXPECT_EQ(PythonFloat(-std::numeric_limits<double>::infinity()), "-inf");
}

TEST(NumberWriterTest, AgreesWithCommonFormattingOnRandomDoubles) {
  std::mt19937_64 random(42);
  for (int i = 0; i < 200000; ++i) {
    std::uint64_t bits = random();
    double value = 0;
    std::memcpy(&value, &bits, sizeof(value));
    if (i % 2 == 0) {
      value =
          std::ldexp(static_cast<double>(bits % 1000000) / 997.0, static_cast<int>(i % 40) - 20);
    }

    ASSERT_EQ(PythonFloat(value), common::PythonFloat(value)) << bits;
  }
}

TEST(NumberWriterTest, WritesJsonNullForNonFinite) {
  char buffer[kMaxNumberBytes];

  EXPECT_EQ(std::string(buffer, WriteJsonFloat(buffer, NAN)), "null");
  EXPECT_EQ(std::string(buffer, WriteJsonFloat(buffer, INFINITY)), "null");
  EXPECT_EQ(std::string(buffer, WriteJsonFloat(buffer, 8.0)), "8.0");
}

TEST(NumberWriterTest, WritesIntegersAndFixed6) {
  char buffer[kMaxFixed6Bytes];

  EXPECT_EQ(std::string(buffer, WriteInteger(buffer, 0)), "0");
  EXPECT_EQ(std::string(buffer, WriteInteger(buffer, 255)), "255");
  EXPECT_EQ(std::string(buffer, WriteInteger(buffer, -7)), "-7");
  EXPECT_EQ(std::string(buffer, WriteFixed6(buffer, 3.3051869)), "3.305187");
  std::string expected;
  common::AppendFixed6(expected, 1e300);
  EXPECT_EQ(std::string(buffer, WriteFixed6(buffer, 1e300)), expected);
}

}  // namespace
}  // namespace hub::models
