// `ersilia-hub model-server` over real HTTP: the Ersilia model-container protocol for every
// built-in model, and bodies that must not crash or hang it.

#include <thread>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

#include "hub/http/client.h"
#include "hub/models/registry.h"

#include "tests/support/hub_process.h"

namespace hub {
namespace {

using test_support::HubProcess;

std::unique_ptr<HubProcess> StartModelServer(const std::string& model, int threads = 2) {
  HubProcess::Options options;
  options.args = {"model-server",         "--model", model, "--port", "0", "--threads",
                  std::to_string(threads)};
  auto server = HubProcess::Start(options);
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? std::move(*server) : nullptr;
}

nlohmann::json GetJson(http::Client& client, const std::string& url) {
  auto response = client.Get(url);
  EXPECT_TRUE(response.ok()) << url;
  if (!response.ok()) {
    return nullptr;
  }
  EXPECT_EQ(response->status, 200) << url << " " << response->body;
  return nlohmann::json::parse(response->body, nullptr, false);
}

// Numbers compared as numbers: the published example output was typed by ersilia-pack.
void ExpectSameRecords(const nlohmann::json& actual,
                       const nlohmann::json& expected,
                       double tolerance) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t row = 0; row < actual.size(); ++row) {
    ASSERT_EQ(actual[row].size(), expected[row].size()) << "row " << row;
    for (const auto& [column, value] : expected[row].items()) {
      const auto& got = actual[row][column];
      if (value.is_number() && got.is_number()) {
        EXPECT_NEAR(got.get<double>(), value.get<double>(), tolerance) << column;
      } else {
        EXPECT_EQ(got, value) << column;
      }
    }
  }
}

class ModelServerProtocolTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ModelServerProtocolTest, ReproducesItsPublishedExampleOverHttp) {
  std::string model = GetParam();
  auto server = StartModelServer(model);
  ASSERT_NE(server, nullptr);
  http::Client client;

  auto root = GetJson(client, server->Url("/"));
  auto inputs = GetJson(client, server->Url("/run/example/input"));
  auto expected = GetJson(client, server->Url("/run/example/output"));
  auto run = client.PostJson(server->Url("/run"), inputs.dump());

  EXPECT_TRUE(root.contains(model));
  ASSERT_TRUE(run.ok());
  ASSERT_EQ(run->status, 200) << run->body;
  EXPECT_EQ(*run->headers.Get("X-Hub-Row-Errors"), "0");
  ExpectSameRecords(nlohmann::json::parse(run->body), expected, 1e-12);
}

TEST_P(ModelServerProtocolTest, ServesCardColumnsAndStatus) {
  std::string model = GetParam();
  auto server = StartModelServer(model, 1);
  ASSERT_NE(server, nullptr);
  http::Client client;

  auto card = GetJson(client, server->Url("/card"));
  auto slug = GetJson(client, server->Url("/card/Slug"));
  auto columns = GetJson(client, server->Url("/run/columns/output"));
  auto status = GetJson(client, server->Url("/models/status"));
  auto health = GetJson(client, server->Url("/healthz"));
  auto bad_field = client.Get(server->Url("/card/Secret"));

  EXPECT_EQ(card["Identifier"], model);
  EXPECT_EQ(slug["Slug"], card["Slug"]);
  EXPECT_FALSE(columns.empty());
  EXPECT_EQ(status[0]["modelName"], model);
  EXPECT_TRUE(health.contains("system"));
  ASSERT_TRUE(bad_field.ok());
  EXPECT_EQ(bad_field->status, 422);
}

INSTANTIATE_TEST_SUITE_P(BuiltinModels,
                         ModelServerProtocolTest,
                         ::testing::ValuesIn(models::BuiltinModelIds()));

class ModelServerTest : public ::testing::Test {
protected:
  void SetUp() override {
    server_ = StartModelServer("eos3b5e");
    ASSERT_NE(server_, nullptr);
  }

  http::ClientResponse Post(const std::string& path, std::string body) {
    auto response = client_.PostJson(server_->Url(path), std::move(body));
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : http::ClientResponse{};
  }

  std::unique_ptr<HubProcess> server_;
  http::Client client_;
};

TEST_F(ModelServerTest, BadMoleculesBecomeNullRowsWithReasons) {
  auto plain = Post("/run", R"(["C1=CN=CC=C1C(=O)NN", "not a smiles", ""])");
  auto explained = Post("/run?include_errors=true", R"(["CCO", "C1CC"])");

  EXPECT_EQ(plain.status, 200);
  auto rows = nlohmann::json::parse(plain.body);
  EXPECT_EQ(rows[0]["mol_weight"], 137.14199999999997);
  EXPECT_TRUE(rows[1]["mol_weight"].is_null());
  EXPECT_TRUE(rows[2]["mol_weight"].is_null());
  EXPECT_EQ(*plain.headers.Get("X-Hub-Row-Errors"), "2");
  auto with_errors = nlohmann::json::parse(explained.body);
  EXPECT_FALSE(with_errors[0].contains("_error"));
  EXPECT_NE(with_errors[1]["_error"].get<std::string>().find("invalid_smiles"), std::string::npos);
}

TEST_F(ModelServerTest, GarbageBodiesGet4xxAndTheServerStaysUp) {
  std::string huge = "[\"" + std::string(10 << 20, 'C') + "\"]";
  std::string nul = "[\"CC\\u0000O\"]";

  EXPECT_EQ(Post("/run", "this is not json").status, 422);
  EXPECT_EQ(Post("/run", R"({"smiles": "CCO"})").status, 422);
  EXPECT_EQ(Post("/run", "[1, 2, 3]").status, 422);
  EXPECT_EQ(Post("/run", R"([{"input": "CCO"}])").status, 422);
  EXPECT_EQ(Post("/run", "[]").status, 422);
  auto long_string = Post("/run", huge);
  auto nul_byte = Post("/run", nul);

  EXPECT_EQ(long_string.status, 200);
  EXPECT_TRUE(nlohmann::json::parse(long_string.body)[0]["mol_weight"].is_null());
  EXPECT_EQ(nul_byte.status, 200);
  EXPECT_EQ(Post("/run", R"(["CCO"])").status, 200);
}

TEST_F(ModelServerTest, AnswersAHundredThousandItems) {
  std::string body = "[";
  for (int i = 0; i < 100'000; ++i) {
    body += i == 0 ? "\"CCO\"" : ",\"CCO\"";
  }
  body += "]";

  auto response = Post("/run", body);

  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(nlohmann::json::parse(response.body).size(), 100'000u);
}

TEST_F(ModelServerTest, SupportsEveryOrient) {
  std::string body = R"(["CCO", "c1ccccc1"])";

  auto split = nlohmann::json::parse(Post("/run?orient=split", body).body);
  auto values = nlohmann::json::parse(Post("/run?orient=values", body).body);
  auto columns = nlohmann::json::parse(Post("/run?orient=columns", body).body);
  auto index = nlohmann::json::parse(Post("/run?orient=index", body).body);
  auto bad = Post("/run?orient=sideways", body);

  EXPECT_EQ(split["columns"][0], "mol_weight");
  EXPECT_EQ(split["index"][1], "c1ccccc1");
  EXPECT_EQ(values.size(), 2u);
  EXPECT_TRUE(columns["mol_weight"].contains("CCO"));
  EXPECT_TRUE(index["c1ccccc1"].contains("mol_weight"));
  EXPECT_EQ(bad.status, 422);
}

TEST_F(ModelServerTest, AcceptsKeyedInputs) {
  auto response = Post("/run", R"([{"key": "a", "input": "CCO"}, {"key": "b", "input": "C"}])");

  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(nlohmann::json::parse(response.body).size(), 2u);
}

TEST_F(ModelServerTest, RunsAsynchronousJobs) {
  auto submitted = nlohmann::json::parse(Post("/job/submit", R"(["CCO"])").body);
  std::string id = submitted["job_id"];
  nlohmann::json status;
  for (int i = 0; i < 200; ++i) {
    status = GetJson(client_, server_->Url("/job/status/" + id));
    if (status["status"] != "pending") {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }

  auto result = GetJson(client_, server_->Url("/job/result/" + id));
  auto missing = client_.Get(server_->Url("/job/status/no-such-job"));

  EXPECT_EQ(status["status"], "completed");
  EXPECT_EQ(result[0]["mol_weight"], 46.069);
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);
}

TEST(ModelServerStartTest, UnknownModelFailsWithTheKnownIds) {
  auto result = test_support::RunCommand(
      {test_support::HubBinary(), "model-server", "--model", "eos0000", "--port", "0"});

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("eos3b5e"), std::string::npos) << result.output;
}

TEST(ModelServerStartTest, MissingRdkitDataIsAClearError) {
  auto result =
      test_support::RunCommand({test_support::HubBinary(), "model-server", "--model", "eos9ei3",
                                "--port", "0", "--rdkit-data-dir", "/nonexistent"});

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("rdkit-data"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace hub
