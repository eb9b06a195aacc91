#include "hub/store/result.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"

namespace hub::store {
namespace {

Row MakeRow(std::vector<Value> values) {
  return Row(std::move(values));
}

TEST(ValueTest, LiteralsPickTheExpectedAlternative) {
  EXPECT_TRUE(std::holds_alternative<std::int64_t>(Value(7)));
  EXPECT_TRUE(std::holds_alternative<std::int64_t>(Value(true)));
  EXPECT_TRUE(std::holds_alternative<double>(Value(1.5)));
  EXPECT_TRUE(std::holds_alternative<std::string>(Value("text")));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(Value(kNull)));
  EXPECT_EQ(std::get<std::int64_t>(Value(true)), 1);
}

TEST(RowTest, GetIntAcceptsIntegersIntegralRealsAndDecimalText) {
  Row row =
      MakeRow({std::int64_t{-5}, 2.0, std::string("9223372036854775807"), std::string("-12")});

  EXPECT_EQ(*row.GetInt(0), -5);
  EXPECT_EQ(*row.GetInt(1), 2);
  EXPECT_EQ(*row.GetInt(2), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(*row.GetInt(3), -12);
}

TEST(RowTest, GetIntRejectsWhatIsNotAnInteger) {
  Row row = MakeRow({1.5, 1e19, std::string("12x"), std::string(""), std::string("1.0")});

  for (size_t c = 0; c < row.size(); ++c) {
    EXPECT_EQ(row.GetInt(c).status().code(), absl::StatusCode::kInvalidArgument) << c;
  }
}

TEST(RowTest, GetDoubleReadsPostgresText) {
  Row row = MakeRow({std::string("1.5"), std::string("Infinity"), std::string("-Infinity"),
                     std::string("NaN"), std::string("1e-300"), std::int64_t{3}});

  EXPECT_EQ(*row.GetDouble(0), 1.5);
  EXPECT_EQ(*row.GetDouble(1), std::numeric_limits<double>::infinity());
  EXPECT_EQ(*row.GetDouble(2), -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(*row.GetDouble(3)));
  EXPECT_EQ(*row.GetDouble(4), 1e-300);
  EXPECT_EQ(*row.GetDouble(5), 3.0);
  EXPECT_FALSE(MakeRow({std::string("abc")}).GetDouble(0).ok());
}

TEST(RowTest, GetStringFormatsNumbersLikePostgres) {
  Row row =
      MakeRow({std::int64_t{42}, 0.1, std::numeric_limits<double>::infinity(), std::string("x")});

  EXPECT_EQ(*row.GetString(0), "42");
  EXPECT_EQ(*row.GetString(1), "0.1");
  EXPECT_EQ(*row.GetString(2), "Infinity");
  EXPECT_EQ(*row.GetString(3), "x");
}

TEST(RowTest, NullAndOutOfRangeHaveTheirOwnCodes) {
  Row row = MakeRow({kNull});

  EXPECT_TRUE(row.IsNull(0));
  EXPECT_TRUE(row.IsNull(5));
  EXPECT_EQ(row.GetInt(0).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(row.GetString(1).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(*row.GetOptionalInt(0), std::nullopt);
  EXPECT_EQ(*row.GetOptionalString(0), std::nullopt);
  EXPECT_EQ(row.GetOptionalInt(1).status().code(), absl::StatusCode::kOutOfRange);
}

TEST(RowTest, GetBoolAcceptsZeroAndOneOnly) {
  Row row = MakeRow({std::int64_t{0}, std::string("1"), std::int64_t{2}});

  EXPECT_FALSE(*row.GetBool(0));
  EXPECT_TRUE(*row.GetBool(1));
  EXPECT_EQ(row.GetBool(2).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ResultTest, SingleRowWantsExactlyOne) {
  Result none({"a"}, {}, 0);
  Result one({"a"}, {MakeRow({std::int64_t{1}})}, 0);
  Result two({"a"}, {MakeRow({std::int64_t{1}}), MakeRow({std::int64_t{2}})}, 0);

  EXPECT_EQ(none.SingleRow().status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(*one.SingleRow()->GetInt(0), 1);
  EXPECT_EQ(two.SingleRow().status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace hub::store
