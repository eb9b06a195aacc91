#include "hub/http/static_files.h"

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"

namespace hub::http {
namespace {

class StaticFilesTest : public ::testing::Test {
protected:
  void SetUp() override {
    root_ = ::testing::TempDir() + "/static_files_test";
    std::filesystem::create_directories(root_ + "/assets");
    std::ofstream(root_ + "/index.html") << "<html>app</html>";
    std::ofstream(root_ + "/assets/app-1234.js") << "console.log(1)";
    std::ofstream(root_ + "/.secret") << "no";
  }

  std::string root_;
};

TEST_F(StaticFilesTest, HashedAssetsAreImmutableAndPagesRevalidate) {
  StaticFiles files(root_, true);
  Request request;

  Response asset = files.Serve(request, "assets/app-1234.js");
  Response page = files.Serve(request, "");

  EXPECT_EQ(asset.status, 200);
  EXPECT_EQ(*asset.headers.Get("Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(*asset.headers.Get("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(page.body, "<html>app</html>");
  EXPECT_EQ(*page.headers.Get("Cache-Control"), "no-cache");
}

TEST_F(StaticFilesTest, MatchingEtagGets304) {
  StaticFiles files(root_, false);
  Request request;
  std::string etag(*files.Serve(request, "index.html").headers.Get("ETag"));
  request.headers.Set("If-None-Match", etag);

  Response response = files.Serve(request, "index.html");

  EXPECT_EQ(response.status, 304);
  EXPECT_TRUE(response.body.empty());
}

TEST_F(StaticFilesTest, ClientRoutesFallBackToIndexButFilesDoNot) {
  StaticFiles files(root_, true);
  Request request;

  EXPECT_EQ(files.Serve(request, "requests/42").body, "<html>app</html>");
  EXPECT_EQ(files.Serve(request, "missing.js").status, 404);
}

TEST_F(StaticFilesTest, RefusesTraversalAndHiddenFiles) {
  StaticFiles files(root_, true);
  Request request;

  EXPECT_EQ(files.Serve(request, "../etc/passwd").status, 404);
  EXPECT_EQ(files.Serve(request, ".secret").status, 404);
}

}  // namespace
}  // namespace hub::http
