#include "hub/http/sse.h"

#include "gtest/gtest.h"

#include "hub/http/client.h"
#include "hub/http/router.h"
#include "hub/http/server.h"

namespace hub::http {
namespace {

TEST(SseTest, FormatsMultilineData) {
  std::string out;

  AppendSseEvent(out, {"progress", "a\nb", "7"});

  EXPECT_EQ(out, "id: 7\nevent: progress\ndata: a\ndata: b\n\n");
}

TEST(SseTest, StreamsPolledEventsUntilThePollerFinishes) {
  int calls = 0;
  Router router;
  router.Add(Method::kGet, "/events", [&calls](Request&) {
    auto poll = [&calls](std::vector<SseEvent>& events) {
      ++calls;
      events.push_back({"tick", std::to_string(calls), ""});
      return calls < 3;
    };
    return SseResponse(std::make_shared<PollingSseStream>(poll, std::chrono::milliseconds(10)));
  });
  ServerOptions options;
  options.port = 0;
  Server server(options, router, nullptr);
  ASSERT_TRUE(server.Start().ok());
  Client client;

  auto response = client.Get("http://127.0.0.1:" + std::to_string(server.port()) + "/events");

  ASSERT_TRUE(response.ok());
  EXPECT_EQ(*response->headers.Get("Content-Type"), "text/event-stream");
  EXPECT_EQ(response->body,
            "event: tick\ndata: 1\n\nevent: tick\ndata: 2\n\nevent: tick\ndata: 3\n\n");
  server.Stop();
}

}  // namespace
}  // namespace hub::http
