#include "hub/http/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

#include "hub/common/log.h"
#include "hub/http/client.h"
#include "hub/metrics/registry.h"

namespace hub::http {
namespace {

using std::chrono::milliseconds;

// A plain TCP connection for tests that must send what no well-behaved client sends.
class RawConnection {
public:
  explicit RawConnection(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  }

  ~RawConnection() { close(fd_); }

  bool connected() const { return connected_; }

  void Send(std::string_view data) const { (void)!write(fd_, data.data(), data.size()); }

  // Reads until the peer closes or `timeout` passes without data.
  std::string ReadAll(milliseconds timeout = milliseconds(3000)) const {
    std::string out;
    char buffer[4096];
    pollfd p{fd_, POLLIN, 0};
    while (poll(&p, 1, static_cast<int>(timeout.count())) > 0) {
      ssize_t n = read(fd_, buffer, sizeof(buffer));
      if (n <= 0) {
        break;
      }
      out.append(buffer, static_cast<size_t>(n));
    }
    return out;
  }

  // True when the peer has closed the connection within `timeout`.
  bool ClosedWithin(milliseconds timeout) const {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) {
      return false;
    }
    char c;
    return read(fd_, &c, 1) == 0;
  }

private:
  int fd_ = -1;
  bool connected_ = false;
};

class CountingStream final : public BodyStream {
public:
  explicit CountingStream(int chunks) : remaining_(chunks) {}

  StreamStep Next(std::string& out) override {
    if (remaining_ == 0) {
      return StreamStep::End();
    }
    if (!waited_) {
      waited_ = true;
      return StreamStep::Wait(milliseconds(20));
    }
    out = "chunk" + std::to_string(remaining_--) + "\n";
    return StreamStep::Data();
  }

  void Cancel() override { cancelled = true; }

  std::atomic<bool> cancelled{false};

private:
  int remaining_;
  bool waited_ = false;
};

class ServerTest : public ::testing::Test {
protected:
  void SetUp() override {
    router_.Add(Method::kGet, "/hello", [](Request& r) {
      return Response::Json(200, {{"message", "hello"}, {"who", r.Query("who").value_or("")}});
    });
    router_.Add(
        Method::kPost, "/echo", [](Request& r) { return Response::Text(200, r.body); },
        JsonBody(1024));
    router_.Add(
        Method::kPost, "/upload",
        [](Request& r) {
          return Response::Json(200, {{"size", r.body_size}, {"file", !r.body_file.empty()}});
        },
        RouteOptions{.max_body_bytes = 10 << 20, .spool_body = true});
    router_.Add(Method::kGet, "/boom",
                [](Request&) -> Response { throw std::runtime_error("secret internals"); });
    router_.Add(Method::kGet, "/slow", [](Request&) {
      std::this_thread::sleep_for(milliseconds(300));
      return Response::Text(200, "done");
    });
    router_.Add(Method::kGet, "/stream", [this](Request&) {
      Response r;
      r.headers.Set("Content-Type", "text/plain");
      stream_ = std::make_shared<CountingStream>(3);
      r.stream = stream_;
      return r;
    });
    router_.Add(Method::kGet, "/pieces", [](Request&) {
      return Response::JsonPieces(200, {"[", std::string(300000, '1'), ",2", "", "]"});
    });
    router_.Add(Method::kGet, "/items/{id}",
                [](Request& r) { return Response::Text(200, std::string(r.Param("id"))); });
  }

  void StartServer(ServerOptions options = {}) {
    options.port = 0;
    options.io_threads = 1;
    options.worker_threads = 4;
    server_ = std::make_unique<Server>(options, router_, &metrics_);
    ASSERT_TRUE(server_->Start().ok());
    base_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }

  void TearDown() override {
    if (server_) {
      server_->Stop();
    }
  }

  Router router_;
  metrics::Registry metrics_;
  std::unique_ptr<Server> server_;
  std::shared_ptr<CountingStream> stream_;
  Client client_;
  std::string base_;
};

std::string Detail(const ClientResponse& response) {
  return nlohmann::json::parse(response.body).at("detail").get<std::string>();
}

TEST_F(ServerTest, AnswersJsonWithARequestId) {
  log::Init(log::Format::kText, log::Level::kDebug);
  StartServer();

  auto response = client_.Get(base_ + "/hello?who=ada");

  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(nlohmann::json::parse(response->body)["who"], "ada");
  EXPECT_TRUE(response->headers.Get("X-Request-Id").has_value());
}

TEST_F(ServerTest, EchoesAUsableClientRequestId) {
  StartServer();
  ClientRequest request;
  request.url = base_ + "/hello";
  request.headers.Set("X-Request-Id", "trace-42");

  auto response = client_.Send(request);

  ASSERT_TRUE(response.ok());
  EXPECT_EQ(*response->headers.Get("X-Request-Id"), "trace-42");
}

TEST_F(ServerTest, UnknownRouteAndWrongMethodExplainThemselves) {
  StartServer();

  auto missing = client_.Get(base_ + "/nowhere");
  auto wrong = client_.PostJson(base_ + "/hello", "{}");

  ASSERT_TRUE(missing.ok() && wrong.ok());
  EXPECT_EQ(missing->status, 404);
  EXPECT_NE(Detail(*missing).find("/nowhere"), std::string::npos);
  EXPECT_EQ(wrong->status, 405);
  EXPECT_NE(Detail(*wrong).find("GET"), std::string::npos);
}

TEST_F(ServerTest, RejectsWrongContentTypeAndOversizedBody) {
  StartServer();
  ClientRequest text;
  text.method = Method::kPost;
  text.url = base_ + "/echo";
  text.body = "hello";
  text.headers.Set("Content-Type", "text/plain");

  auto unsupported = client_.Send(text);
  auto oversized = client_.PostJson(base_ + "/echo", std::string(4096, 'x'));
  auto fine = client_.PostJson(base_ + "/echo", "{\"a\":1}");

  ASSERT_TRUE(unsupported.ok() && oversized.ok() && fine.ok());
  EXPECT_EQ(unsupported->status, 415);
  EXPECT_EQ(oversized->status, 413);
  EXPECT_NE(Detail(*oversized).find("1024"), std::string::npos);
  EXPECT_EQ(fine->body, "{\"a\":1}");
}

TEST_F(ServerTest, RejectsOversizedChunkedBody) {
  StartServer();
  RawConnection connection(server_->port());
  std::string chunk(2000, 'x');

  connection.Send(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n7d0\r\n" +
      chunk + "\r\n0\r\n\r\n");
  std::string reply = connection.ReadAll();

  EXPECT_NE(reply.find("413"), std::string::npos) << reply;
  EXPECT_NE(reply.find("detail"), std::string::npos);
}

TEST_F(ServerTest, MalformedRequestGets400) {
  StartServer();
  RawConnection connection(server_->port());

  connection.Send("THIS IS NOT HTTP\r\n\r\n");
  std::string reply = connection.ReadAll();

  EXPECT_NE(reply.find("400"), std::string::npos) << reply;
}

TEST_F(ServerTest, HandlerFailureIs500WithoutInternals) {
  StartServer();

  auto response = client_.Get(base_ + "/boom");

  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 500);
  EXPECT_EQ(response->body.find("secret"), std::string::npos);
  EXPECT_NE(Detail(*response).find("request id"), std::string::npos);
}

TEST_F(ServerTest, SpoolsUploadsToAFile) {
  StartServer();
  ClientRequest request;
  request.method = Method::kPost;
  request.url = base_ + "/upload";
  request.body = std::string(3 << 20, 'C');

  auto response = client_.Send(request);

  ASSERT_TRUE(response.ok());
  auto body = nlohmann::json::parse(response->body);
  EXPECT_EQ(body["size"], 3 << 20);
  EXPECT_EQ(body["file"], true);
}

TEST_F(ServerTest, StreamsChunksWithoutHoldingAThread) {
  StartServer();

  auto response = client_.Get(base_ + "/stream");

  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->body, "chunk3\nchunk2\nchunk1\n");
  EXPECT_TRUE(stream_->cancelled.load());
}

TEST_F(ServerTest, SendsBodyPiecesAsOneBodyWithItsLength) {
  StartServer();
  const std::string expected = "[" + std::string(300000, '1') + ",2]";

  auto first = client_.Get(base_ + "/pieces");
  auto second = client_.Get(base_ + "/pieces");  // the connection stays usable

  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->body, expected);
  EXPECT_EQ(first->headers.Get("Content-Length"), std::to_string(expected.size()));
  EXPECT_EQ(first->headers.Get("Content-Type"), "application/json");
  EXPECT_EQ(second->body, expected);
}

TEST_F(ServerTest, HeadOfBodyPiecesHasLengthButNoBody) {
  StartServer();
  ClientRequest request;
  request.method = Method::kHead;
  request.url = base_ + "/pieces";

  auto response = client_.Send(request);
  auto after = client_.Get(base_ + "/pieces");

  ASSERT_TRUE(response.ok() && after.ok());
  EXPECT_TRUE(response->body.empty());
  EXPECT_EQ(response->headers.Get("Content-Length"), std::to_string(300004));
  EXPECT_EQ(after->body.size(), 300004u);
}

TEST_F(ServerTest, PathParametersAreDecoded) {
  StartServer();

  auto response = client_.Get(base_ + "/items/a%2Fb");

  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->body, "a/b");
}

TEST_F(ServerTest, HeadHasLengthButNoBody) {
  StartServer();
  ClientRequest request;
  request.method = Method::kHead;
  request.url = base_ + "/hello";

  auto response = client_.Send(request);

  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 200);
  EXPECT_TRUE(response->body.empty());
  EXPECT_NE(response->headers.Get("Content-Length").value_or("0"), "0");
}

TEST_F(ServerTest, IdleConnectionsDoNotDelayOthers) {
  StartServer();
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 200; ++i) {
    idle.push_back(std::make_unique<RawConnection>(server_->port()));
    ASSERT_TRUE(idle.back()->connected());
  }

  auto start = std::chrono::steady_clock::now();
  auto response = client_.Get(base_ + "/hello");
  auto elapsed = std::chrono::steady_clock::now() - start;

  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 200);
  EXPECT_LT(elapsed, std::chrono::seconds(5));  // served at once, not after an idle timeout
}

TEST_F(ServerTest, ClosesSilentConnectionsAfterTheIdleTimeout) {
  ServerOptions options;
  options.idle_timeout = milliseconds(200);
  StartServer(options);
  RawConnection silent(server_->port());

  EXPECT_TRUE(silent.ClosedWithin(milliseconds(3000)));
}

TEST_F(ServerTest, ClosesClientsThatSendHeadersTooSlowly) {
  ServerOptions options;
  options.idle_timeout = milliseconds(300);
  StartServer(options);
  RawConnection slow(server_->port());

  slow.Send("GET /hello HTTP/1.1\r\nHost: x\r\n");

  EXPECT_TRUE(slow.ClosedWithin(milliseconds(3000)));
}

TEST_F(ServerTest, StopLetsInFlightRequestsFinish) {
  StartServer();
  auto pending = std::async(std::launch::async, [this] { return client_.Get(base_ + "/slow"); });
  std::this_thread::sleep_for(milliseconds(100));

  server_->Stop();
  auto response = pending.get();

  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->body, "done");
  EXPECT_FALSE(client_.Get(base_ + "/hello").ok());
}

TEST_F(ServerTest, CorsIsOffUnlessConfigured) {
  StartServer();
  ClientRequest request;
  request.url = base_ + "/hello";
  request.headers.Set("Origin", "https://example.org");

  auto response = client_.Send(request);

  ASSERT_TRUE(response.ok());
  EXPECT_FALSE(response->headers.Has("Access-Control-Allow-Origin"));
}

TEST_F(ServerTest, CorsAllowsConfiguredOriginsAndAnswersPreflight) {
  ServerOptions options;
  options.cors_origins = {"https://example.org"};
  StartServer(options);
  ClientRequest preflight;
  preflight.method = Method::kOptions;
  preflight.url = base_ + "/echo";
  preflight.headers.Set("Origin", "https://example.org");
  preflight.headers.Set("Access-Control-Request-Method", "POST");

  auto response = client_.Send(preflight);

  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 204);
  EXPECT_EQ(*response->headers.Get("Access-Control-Allow-Origin"), "https://example.org");
}

TEST_F(ServerTest, CountsRequestsByRouteAndStatus) {
  StartServer();

  ASSERT_TRUE(client_.Get(base_ + "/items/7").ok());

  std::string text = metrics_.Serialize();
  EXPECT_NE(text.find("route=\"/items/{id}\""), std::string::npos) << text;
  EXPECT_NE(text.find("hub_http_request_duration_seconds"), std::string::npos);
}

}  // namespace
}  // namespace hub::http
