#include "hub/common/encoding.h"

#include "gtest/gtest.h"

#include "hub/common/random.h"

namespace hub::common {
namespace {

TEST(EncodingTest, Base64RoundTrips) {
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    auto decoded = Base64Decode(Base64Encode(s));
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(*decoded, s);
  }
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
}

TEST(EncodingTest, Base64RejectsGarbage) {
  EXPECT_FALSE(Base64Decode("ab$c").has_value());
  EXPECT_FALSE(Base64Decode("a").has_value());
}

TEST(EncodingTest, DigestsMatchKnownValues) {
  EXPECT_EQ(Md5Hex("C1=CN=CC=C1C(=O)NN"), Md5Hex("C1=CN=CC=C1C(=O)NN"));
  EXPECT_EQ(Md5Hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(RandomTest, UuidsAreVersion4AndDistinct) {
  std::string a = NewUuid();
  std::string b = NewUuid();

  EXPECT_TRUE(IsUuid(a));
  EXPECT_EQ(a[14], '4');
  EXPECT_NE(a, b);
  EXPECT_FALSE(IsUuid("not-a-uuid"));
  EXPECT_TRUE(IsUuid("A1B2C3D4-0000-4000-8000-000000000000"));
}

}  // namespace
}  // namespace hub::common
