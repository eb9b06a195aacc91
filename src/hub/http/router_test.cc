#include "hub/http/router.h"

#include "gtest/gtest.h"

namespace hub::http {
namespace {

Handler Named(const std::string& name) {
  return [name](Request&) {
    return Response::Text(200, name);
  };
}

std::string RunRoute(const Router::Match& match) {
  Request request;
  return match.route->handler(request).body;
}

TEST(RouterTest, LiteralSegmentsWinOverParameters) {
  Router router;
  router.Add(Method::kGet, "/api/models/{id}", Named("one"));
  router.Add(Method::kGet, "/api/models/scaling", Named("literal"));

  auto literal = router.Find(Method::kGet, "/api/models/scaling");
  auto param = router.Find(Method::kGet, "/api/models/eos3b5e");

  EXPECT_EQ(RunRoute(literal), "literal");
  ASSERT_EQ(RunRoute(param), "one");
  EXPECT_EQ(param.params[0].first, "id");
  EXPECT_EQ(param.params[0].second, "eos3b5e");
}

TEST(RouterTest, ReportsAllowedMethodsOnMismatch) {
  Router router;
  router.Add(Method::kGet, "/api/models", Named("list"));
  router.Add(Method::kPost, "/api/models", Named("create"));

  auto match = router.Find(Method::kDelete, "/api/models");

  EXPECT_EQ(match.status, 405);
  EXPECT_EQ(match.allowed.size(), 2u);
}

TEST(RouterTest, UnknownPathIs404AndGetAnswersHead) {
  Router router;
  router.Add(Method::kGet, "/healthz", Named("ok"));

  EXPECT_EQ(router.Find(Method::kGet, "/nope").status, 404);
  EXPECT_EQ(router.Find(Method::kHead, "/healthz").status, 0);
  EXPECT_EQ(router.Find(Method::kGet, "/healthz/").status, 0);
}

TEST(RouterTest, RestParameterTakesTheRemainingPath) {
  Router router;
  router.Add(Method::kGet, "/static/{path*}", Named("file"));

  auto match = router.Find(Method::kGet, "/static/assets/app.js");

  ASSERT_EQ(match.status, 0);
  EXPECT_EQ(match.params[0].second, "assets/app.js");
}

TEST(RouterTest, FallbackServesUnmatchedGetsOnly) {
  Router router;
  router.Add(Method::kGet, "/api/models", Named("list"));
  router.SetFallback(Named("index"));

  EXPECT_EQ(RunRoute(router.Find(Method::kGet, "/requests/12")), "index");
  EXPECT_EQ(router.Find(Method::kPost, "/requests/12").status, 404);
}

}  // namespace
}  // namespace hub::http
