// The platform foundation seen from outside: the binary with embedded defaults, its probes,
// error model, configuration, logs and shutdown.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

#include "hub/http/client.h"

#include "tests/support/hub_process.h"

namespace hub {
namespace {

using test_support::HubProcess;

std::unique_ptr<HubProcess> StartHub(HubProcess::Options options = {}) {
  auto hub = HubProcess::Start(std::move(options));
  EXPECT_TRUE(hub.ok()) << hub.status();
  return hub.ok() ? std::move(*hub) : nullptr;
}

std::string Detail(const http::ClientResponse& response) {
  auto body = nlohmann::json::parse(response.body, nullptr, false);
  return body.is_object() && body.contains("detail") ? body["detail"].get<std::string>() : "";
}

int OpenIdleConnection(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

TEST(PlatformTest, ServesProbesWithEmbeddedDefaults) {
  auto hub = StartHub();
  ASSERT_NE(hub, nullptr);
  http::Client client;

  auto health = client.Get(hub->Url("/healthz"));
  auto live = client.Get(hub->Url("/livez"));
  auto ready = client.Get(hub->Url("/readyz"));

  ASSERT_TRUE(health.ok() && live.ok() && ready.ok());
  EXPECT_EQ(health->body, R"({"status":"ok"})");
  EXPECT_EQ(live->body, R"({"status":"ok"})");
  EXPECT_EQ(ready->status, 200) << ready->body;
  EXPECT_TRUE(health->headers.Has("X-Request-Id"));
  EXPECT_TRUE(std::filesystem::exists(hub->data_dir() + "/hub.db"));
}

TEST(PlatformTest, UnknownRouteAndWrongMethodGetDetail) {
  auto hub = StartHub();
  ASSERT_NE(hub, nullptr);
  http::Client client;

  auto missing = client.Get(hub->Url("/api/nothing-here"));
  auto wrong = client.PostJson(hub->Url("/healthz"), "{}");

  ASSERT_TRUE(missing.ok() && wrong.ok());
  EXPECT_EQ(missing->status, 404);
  EXPECT_FALSE(Detail(*missing).empty());
  EXPECT_EQ(wrong->status, 405);
  EXPECT_NE(Detail(*wrong).find("GET"), std::string::npos);
}

TEST(PlatformTest, AnswersPromptlyWith200IdleConnectionsOpen) {
  auto hub = StartHub();
  ASSERT_NE(hub, nullptr);
  std::vector<int> idle;
  for (int i = 0; i < 200; ++i) {
    int fd = OpenIdleConnection(hub->port());
    ASSERT_GE(fd, 0);
    idle.push_back(fd);
  }
  http::Client client;

  auto start = std::chrono::steady_clock::now();
  auto response = client.Get(hub->Url("/healthz"));
  auto elapsed = std::chrono::steady_clock::now() - start;

  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 200);
  EXPECT_LT(elapsed, std::chrono::milliseconds(100));  // issue 2: within 100 ms
  for (int fd : idle) {
    close(fd);
  }
}

TEST(PlatformTest, MetricsCountRequestsByRoute) {
  auto hub = StartHub();
  ASSERT_NE(hub, nullptr);
  http::Client client;
  ASSERT_TRUE(client.Get(hub->Url("/healthz")).ok());

  auto metrics = client.Get(hub->Url("/metrics"));

  ASSERT_TRUE(metrics.ok());
  EXPECT_NE(metrics->body.find(R"(hub_http_requests_total{method="GET",route="/healthz",)"),
            std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("hub_http_request_duration_seconds_bucket"), std::string::npos);
}

TEST(PlatformTest, ServesOpenApiAndTheDocsPage) {
  HubProcess::Options options;
  options.env = {{"HUB_WEB_DIR", test_support::SourceDir() + "/web/dist"}};
  auto hub = StartHub(options);
  ASSERT_NE(hub, nullptr);
  http::Client client;

  auto spec = client.Get(hub->Url("/api/v1/openapi.json"));
  auto docs = client.Get(hub->Url("/api/v1/docs"));

  ASSERT_TRUE(spec.ok() && docs.ok());
  auto document = nlohmann::json::parse(spec->body);
  EXPECT_EQ(document["openapi"], "3.0.3");
  EXPECT_TRUE(document["paths"].contains("/readyz"));
  EXPECT_EQ(docs->status, 200);
  EXPECT_NE(docs->body.find("swagger-ui"), std::string::npos);
}

TEST(PlatformTest, JsonLogsHaveRequestIdsAndSkipProbes) {
  HubProcess::Options options;
  options.args = {"serve", "--port", "0", "--log-format", "json"};
  auto hub = StartHub(options);
  ASSERT_NE(hub, nullptr);
  http::Client client;
  ASSERT_TRUE(client.Get(hub->Url("/healthz")).ok());
  ASSERT_TRUE(client.Get(hub->Url("/no-such-page")).ok());
  ASSERT_EQ(hub->Stop(), 0);

  std::istringstream lines(hub->Log());
  std::string line;
  bool saw_request = false;
  while (std::getline(lines, line)) {
    auto record = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(record.is_discarded()) << "not JSON: " << line;
    ASSERT_TRUE(record.contains("ts") && record.contains("level") && record.contains("msg"));
    if (record["msg"] == "request") {
      EXPECT_NE(record.value("path", ""), "/healthz");
      EXPECT_FALSE(record.value("request_id", "").empty());
      saw_request = true;
    }
  }
  EXPECT_TRUE(saw_request);
}

TEST(PlatformTest, SigtermStopsCleanly) {
  auto hub = StartHub();
  ASSERT_NE(hub, nullptr);

  int code = hub->Stop();

  EXPECT_EQ(code, 0);
  EXPECT_NE(hub->Log().find("stopped"), std::string::npos);
}

TEST(PlatformTest, InvalidSettingStopsStartupNamingIt) {
  auto result = test_support::RunCommand(
      {test_support::HubBinary(), "serve", "--data-dir", test_support::MakeTempDir("bad")},
      {{"API_PORT", "eighty"}});

  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find("http.port"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("API_PORT"), std::string::npos) << result.output;
}

TEST(PlatformTest, PrintConfigMasksSecrets) {
  auto result = test_support::RunCommand(
      {test_support::HubBinary(), "serve", "--print-config", "--set", "http.port=9999"},
      {{"DATABASE_PASSWORD", "hunter2-secret"}});

  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("9999"), std::string::npos);
  EXPECT_NE(result.output.find("command line"), std::string::npos);
  EXPECT_EQ(result.output.find("hunter2-secret"), std::string::npos);
}

TEST(PlatformTest, MigrateAppliesOnceThenReportsUpToDate) {
  std::string dir = test_support::MakeTempDir("migrate");
  std::vector<std::string> migrate = {test_support::HubBinary(), "migrate", "--data-dir", dir};

  auto first = test_support::RunCommand(migrate);
  auto second = test_support::RunCommand(migrate);

  EXPECT_EQ(first.exit_code, 0) << first.output;
  EXPECT_EQ(second.exit_code, 0) << second.output;
  EXPECT_NE(second.output.find("applied 0 migration(s)"), std::string::npos) << second.output;
}

TEST(PlatformTest, PortInUseFailsWithAClearMessage) {
  auto first = StartHub();
  ASSERT_NE(first, nullptr);

  auto result = test_support::RunCommand({test_support::HubBinary(), "serve", "--port",
                                          std::to_string(first->port()), "--data-dir",
                                          test_support::MakeTempDir("busy")});

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("cannot listen"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace hub
