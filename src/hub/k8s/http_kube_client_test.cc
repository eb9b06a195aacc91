#include "hub/k8s/http_kube_client.h"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <vector>

#include <gtest/gtest.h>

#include "hub/http/router.h"
#include "hub/http/server.h"

namespace hub::k8s {
namespace {

namespace fs = std::filesystem;

// Sends fixed chunks, then ends.
class ChunkStream final : public http::BodyStream {
public:
  explicit ChunkStream(std::vector<std::string> chunks) : chunks_(std::move(chunks)) {}

  http::StreamStep Next(std::string& out) override {
    if (next_ == chunks_.size()) {
      return http::StreamStep::End();
    }
    out = chunks_[next_++];
    return http::StreamStep::Data();
  }

private:
  std::vector<std::string> chunks_;
  size_t next_ = 0;
};

WatchOptions WatchAt(std::string path) {
  WatchOptions options;
  options.path = std::move(path);
  return options;
}

class HttpKubeClientTest : public ::testing::Test {
protected:
  void SetUp() override {
    token_dir_ = fs::temp_directory_path() / ("hub_k8s_client_" + std::to_string(::getpid()));
    fs::create_directories(token_dir_);
    WriteToken("first");
    router_.Add(http::Method::kGet, "/api/v1/namespaces/eos/pods/{name}",
                [this](http::Request& request) { return GetPod(request); });
    router_.Add(http::Method::kGet, "/api/v1/namespaces/eos/pods",
                [this](http::Request& request) { return WatchPods(request); });
    http::ServerOptions options;
    options.port = 0;
    options.worker_threads = 4;
    server_ = std::make_unique<http::Server>(options, router_, nullptr);
    ASSERT_TRUE(server_->Start().ok());
    HttpKubeClientOptions client_options;
    client_options.config.server = "http://127.0.0.1:" + std::to_string(server_->port());
    client_options.config.token_file = (token_dir_ / "token").string();
    client_options.sleep = [this](std::chrono::milliseconds delay) {
      std::lock_guard<std::mutex> lock(mu_);
      sleeps_.push_back(delay);
    };
    client_ = std::make_unique<HttpKubeClient>(client_options, clock_);
  }

  void TearDown() override {
    server_->Stop();
    fs::remove_all(token_dir_);
  }

  void WriteToken(const std::string& token) {
    std::ofstream(token_dir_ / "token") << token << "\n";
    std::lock_guard<std::mutex> lock(mu_);
    valid_token_ = token;
  }

  http::Response GetPod(http::Request& request) {
    std::lock_guard<std::mutex> lock(mu_);
    if (request.Header("Authorization").value_or("") != "Bearer " + valid_token_) {
      ++unauthorized_;
      return http::Response::JsonText(
          401, R"({"kind":"Status","status":"Failure","reason":"Unauthorized","code":401})");
    }
    if (throttle_left_ > 0) {
      --throttle_left_;
      http::Response response = http::Response::JsonText(
          429, R"({"kind":"Status","reason":"TooManyRequests","code":429})");
      response.headers.Set("Retry-After", "2");
      return response;
    }
    if (request.Param("name") == "missing") {
      return http::Response::JsonText(
          404, R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
               R"("message":"pods \"missing\" not found","reason":"NotFound","code":404})");
    }
    return http::Response::JsonText(200, R"({"kind":"Pod","metadata":{"name":"p"}})");
  }

  http::Response WatchPods(http::Request& /*request*/) {
    http::Response response;
    response.headers.Set("Content-Type", "application/json");
    response.stream = std::make_shared<ChunkStream>(watch_chunks_);
    return response;
  }

  fs::path token_dir_;
  common::ManualClock clock_{1'000'000};
  http::Router router_;
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<HttpKubeClient> client_;
  std::mutex mu_;
  std::string valid_token_;
  int unauthorized_ = 0;
  int throttle_left_ = 0;
  std::vector<std::chrono::milliseconds> sleeps_;
  std::vector<std::string> watch_chunks_;
};

TEST_F(HttpKubeClientTest, RereadsARotatedTokenAfter401) {
  ASSERT_TRUE(client_->Call(MakeRequest(http::Method::kGet, "/api/v1/namespaces/eos/pods/p")).ok());

  WriteToken("second");
  auto pod = client_->Call(MakeRequest(http::Method::kGet, "/api/v1/namespaces/eos/pods/p"));

  ASSERT_TRUE(pod.ok()) << pod.status();
  EXPECT_EQ((*pod)["metadata"]["name"], "p");
  EXPECT_EQ(unauthorized_, 1);
}

TEST_F(HttpKubeClientTest, RetriesThrottledCallsAfterRetryAfter) {
  throttle_left_ = 2;

  auto pod = client_->Call(MakeRequest(http::Method::kGet, "/api/v1/namespaces/eos/pods/p"));

  ASSERT_TRUE(pod.ok()) << pod.status();
  ASSERT_EQ(sleeps_.size(), 2U);
  EXPECT_EQ(sleeps_[0], std::chrono::seconds(2));
}

TEST_F(HttpKubeClientTest, MapsStatusObjectsToErrors) {
  auto pod = client_->Call(MakeRequest(http::Method::kGet, "/api/v1/namespaces/eos/pods/missing"));

  EXPECT_EQ(pod.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(GetApiError(pod.status())->reason, "NotFound");
}

TEST_F(HttpKubeClientTest, WatchDeliversEventsSplitAcrossChunks) {
  watch_chunks_ = {R"({"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"5"}}})"
                   "\n{\"type\":\"BOOK",
                   R"(MARK","object":{"metadata":{"resourceVersion":"9"}}})"
                   "\n"};
  std::vector<WatchEvent> events;

  absl::Status status = client_->Watch(WatchAt("/api/v1/namespaces/eos/pods"), [&](WatchEvent&& e) {
    events.push_back(std::move(e));
    return true;
  });

  EXPECT_TRUE(status.ok()) << status;
  ASSERT_EQ(events.size(), 2U);
  EXPECT_EQ(events[1].type, "BOOKMARK");
}

TEST_F(HttpKubeClientTest, WatchEndsWithExpiredOnAnErrorEvent) {
  watch_chunks_ = {
      R"({"type":"ERROR","object":{"kind":"Status","status":"Failure",)"
      R"j("message":"too old resource version: 1 (5)","reason":"Expired","code":410}})j"
      "\n"};

  absl::Status status =
      client_->Watch(WatchAt("/api/v1/namespaces/eos/pods"), [](WatchEvent&&) { return true; });

  EXPECT_TRUE(IsExpired(status)) << status;
}

TEST_F(HttpKubeClientTest, WatchReportsAStreamCutMidEvent) {
  watch_chunks_ = {R"({"type":"ADDED","object":{"metadata":{"name":"a"}}})"
                   "\n{\"type\":\"MODIFIED\",\"obj"};
  int events = 0;

  absl::Status status = client_->Watch(WatchAt("/api/v1/namespaces/eos/pods"), [&](WatchEvent&&) {
    ++events;
    return true;
  });

  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(status.message(), "watch stream cut mid-event");
  EXPECT_EQ(events, 1);
}

}  // namespace
}  // namespace hub::k8s
