#include "hub/http/multipart.h"

#include <fstream>

#include "gtest/gtest.h"

namespace hub::http {
namespace {

std::string Write(const std::string& body) {
  std::string path = ::testing::TempDir() + "/multipart_test.bin";
  std::ofstream(path, std::ios::binary) << body;
  return path;
}

TEST(MultipartTest, SplitsFieldsAndFiles) {
  std::string body =
      "--XyZ\r\nContent-Disposition: form-data; name=\"model_id\"\r\n\r\neos3b5e\r\n"
      "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"in.csv\"\r\n"
      "Content-Type: text/csv\r\n\r\nsmiles\r\nCCO\r\n\r\n--XyZ--\r\n";

  auto parts = ParseMultipartFile(Write(body), "XyZ");

  ASSERT_TRUE(parts.ok()) << parts.status();
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].name, "model_id");
  EXPECT_EQ((*parts)[0].value, "eos3b5e");
  EXPECT_EQ((*parts)[1].filename, "in.csv");
  EXPECT_EQ((*parts)[1].content_type, "text/csv");
  EXPECT_EQ(body.substr((*parts)[1].offset, (*parts)[1].length), "smiles\r\nCCO\r\n");
}

TEST(MultipartTest, BoundaryFromContentType) {
  EXPECT_EQ(*MultipartBoundary("multipart/form-data; boundary=\"abc\""), "abc");
  EXPECT_FALSE(MultipartBoundary("text/csv").has_value());
}

TEST(MultipartTest, RejectsTruncatedBodies) {
  EXPECT_FALSE(ParseMultipartFile(Write("--XyZ\r\nContent-Disposition: form-data; name=\"a\""
                                        "\r\n\r\nvalue"),
                                  "XyZ")
                   .ok());
  EXPECT_FALSE(ParseMultipartFile(Write("no boundary here"), "XyZ").ok());
}

}  // namespace
}  // namespace hub::http
