#include "hub/common/number_format.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"

namespace hub::common {
namespace {

TEST(PythonFloatTest, MatchesPythonRepr) {
  EXPECT_EQ(PythonFloat(137.14199999999997), "137.14199999999997");
  EXPECT_EQ(PythonFloat(318.336), "318.336");
  EXPECT_EQ(PythonFloat(27.0), "27.0");
  EXPECT_EQ(PythonFloat(0.0), "0.0");
  EXPECT_EQ(PythonFloat(-0.0), "-0.0");
  EXPECT_EQ(PythonFloat(0.1), "0.1");
  EXPECT_EQ(PythonFloat(0.8999999999999999), "0.8999999999999999");
  EXPECT_EQ(PythonFloat(-1.37102176232333), "-1.37102176232333");
}

TEST(PythonFloatTest, SwitchesToScientificAtPythonThresholds) {
  EXPECT_EQ(PythonFloat(0.0001), "0.0001");
  EXPECT_EQ(PythonFloat(0.00001), "1e-05");
  EXPECT_EQ(PythonFloat(1.5e-7), "1.5e-07");
  EXPECT_EQ(PythonFloat(1e15), "1000000000000000.0");
  EXPECT_EQ(PythonFloat(1e16), "1e+16");
  EXPECT_EQ(PythonFloat(1.2345e22), "1.2345e+22");
  EXPECT_EQ(PythonFloat(5e-324), "5e-324");
}

TEST(PythonFloatTest, SpellsNonFiniteValuesLikePython) {
  EXPECT_EQ(PythonFloat(std::nan("")), "nan");
  EXPECT_EQ(PythonFloat(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(PythonFloat(-std::numeric_limits<double>::infinity()), "-inf");
}

TEST(JsonFloatTest, WritesNullForNonFinite) {
  std::string out;
  AppendJsonFloat(out, std::nan(""));
  out.push_back(',');
  AppendJsonFloat(out, 2.5);
  EXPECT_EQ(out, "null,2.5");
}

TEST(Fixed6Test, MatchesPrintf) {
  std::string out;
  AppendFixed6(out, 3.3051866);
  EXPECT_EQ(out, "3.305187");
}

TEST(JsonStringTest, EscapesAndRepairsUtf8) {
  std::string out;
  AppendJsonString(out, std::string("a\"b\\c\n\x01") + "\xc3\xa9" + "\xff");
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\u000a\\u0001\xc3\xa9\xef\xbf\xbd\"");
}

}  // namespace
}  // namespace hub::common
