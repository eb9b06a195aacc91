// The model registry and the instance admin API as an admin sees them, against the real
// `ersilia-hub serve` with real model-server processes: bad input gets a 4xx with a message,
// a model's details list its output columns, the catalog imports from a local file, a model that
// fails to start backs off with its error in the API, a `kill -9` lands in the history and the
// metrics, instances scale to zero.

#include <csignal>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

#include "tests/support/api_client.h"
#include "tests/support/hub_process.h"

namespace hub {
namespace {

using nlohmann::json;
using test_support::ApiResponse;
using ::testing::HasSubstr;

constexpr char kRootPassword[] = "root password for tests";

bool PollUntil(const std::function<bool()>& done,
               std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
  auto give_up = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > give_up) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

json CatalogRecord() {
  return {{"Identifier", "eos3b5e"},
          {"Slug", "molecular-weight"},
          {"Title", "Molecular weight"},
          {"Description", "The molecular weight of a molecule, in g/mol"},
          {"Interpretation", "Molecular weight in g/mol"},
          {"Publication", "https://example.org/molecular-weight"},
          {"GitHub", "https://github.com/ersilia-os/eos3b5e"},
          {"Target Organism", json::array({"Not Applicable"})},
          {"Biomedical Area", json::array({"Any"})},
          {"Task", "Regression"},
          {"Output Dimension", 1}};
}

class RuntimeApiTest : public ::testing::Test {
protected:
  // Starts a hub whose catalog is `catalog.json` in its temp dir and whose model servers
  // lack the RDKit data (so eos9ei3, which needs the SA score table, exits at start).
  void StartHub(const std::vector<std::string>& sets = {}) {
    dir_ = test_support::MakeTempDir("runtime_api");
    catalog_path_ = dir_ + "/catalog.json";
    test_support::HubProcess::Options options;
    options.args = {"serve", "--port", "0"};
    std::vector<std::string> all = {
        "auth.password.ops_limit=1",
        "auth.password.mem_limit=8KiB",
        "auth.rate_limit.login=off",
        "auth.initial_admin.username=root",
        "auth.initial_admin.email=root@example.org",
        std::string("auth.initial_admin.password=") + kRootPassword,
        "models.catalog_url=file://" + catalog_path_,
        "runtime.local.rdkit_data_dir=/nonexistent",
        "runtime.metrics_interval=200ms",
    };
    all.insert(all.end(), sets.begin(), sets.end());
    for (const std::string& set : all) {
      options.args.insert(options.args.end(), {"--set", set});
    }
    auto hub = test_support::HubProcess::Start(options);
    ASSERT_TRUE(hub.ok()) << hub.status();
    hub_ = std::move(*hub);
    api_ = std::make_unique<test_support::ApiClient>(hub_->Url(""));
    auto login = api_->Login("root", kRootPassword);
    ASSERT_EQ(login.status, 200) << login.raw;
    root_ = test_support::BearerHeader(login.body["session"]);
  }

  ApiResponse Get(const std::string& path) { return api_->Get(path, root_); }

  ApiResponse Post(const std::string& path, const json& body) {
    return api_->Post(path, body, root_);
  }

  ApiResponse Put(const std::string& path, const json& body) {
    return api_->Call(http::Method::kPut, path, body.dump(), root_);
  }

  ApiResponse StartInstance(const std::string& model_id) {
    return Post("/api/instances/actions", {{"action", "START_INSTANCE"}, {"model_id", model_id}});
  }

  // The instance item of `instance_id` in GET /api/instances, or null.
  json LiveInstance(const std::string& instance_id) {
    ApiResponse list = Get("/api/instances?instance_id=" + instance_id);
    EXPECT_EQ(list.status, 200) << list.raw;
    return list.body["items"].empty() ? json(nullptr) : list.body["items"][0]["model_instance"];
  }

  bool WaitReady(const std::string& instance_id) {
    return PollUntil([&] {
      json instance = LiveInstance(instance_id);
      return !instance.is_null() && instance["state"] == "READY";
    });
  }

  // History events of `instance_id` named `kind`.
  json History(const std::string& instance_id, const std::string& kind) {
    ApiResponse history =
        Get("/api/instances/history?instance_id=" + instance_id + "&events=" + kind);
    EXPECT_EQ(history.status, 200) << history.raw;
    return history.body["history"];
  }

  std::string dir_;
  std::string catalog_path_;
  std::string root_;
  std::unique_ptr<test_support::HubProcess> hub_;
  std::unique_ptr<test_support::ApiClient> api_;
};

TEST_F(RuntimeApiTest, ModelApiRejectsBadInputWithAMessage) {
  StartHub();
  json valid_details = {{"description", "a model"}};

  ApiResponse unknown = Get("/api/models/eos0zzz");
  ApiResponse unknown_put = Put("/api/models/eos0zzz", {{"details", valid_details}});
  ApiResponse unknown_scaling = Get("/api/models/eos0zzz/scaling-info");
  ApiResponse duplicate = Post("/api/models", {{"id", "eos3b5e"}, {"details", valid_details}});
  ApiResponse bad_cpu =
      Post("/api/models",
           {{"id", "eos0bad"},
            {"details", {{"description", "x"}, {"k8s_resources", {{"cpu_request", 0}}}}}});
  ApiResponse bad_memory = Post(
      "/api/models", {{"id", "eos0bad"},
                      {"details",
                       {{"description", "x"},
                        {"k8s_resources", {{"memory_request", 4000}, {"memory_limit", 1000}}}}}});
  ApiResponse bad_id = Post("/api/models", {{"id", "Bad Id!"}, {"details", valid_details}});
  ApiResponse not_json = api_->Call(http::Method::kPost, "/api/models", "{not json", root_);

  EXPECT_EQ(unknown.status, 404);
  EXPECT_THAT(unknown.Detail(), HasSubstr("eos0zzz"));
  EXPECT_EQ(unknown_put.status, 404);
  EXPECT_THAT(unknown_put.Detail(), HasSubstr("eos0zzz"));
  EXPECT_EQ(unknown_scaling.status, 404);
  EXPECT_EQ(duplicate.status, 409);
  EXPECT_THAT(duplicate.Detail(), HasSubstr("already exists"));
  EXPECT_EQ(bad_cpu.status, 400);
  EXPECT_THAT(bad_cpu.Detail(), HasSubstr("cpu_request"));
  EXPECT_EQ(bad_memory.status, 400);
  EXPECT_THAT(bad_memory.Detail(), HasSubstr("memory"));
  EXPECT_EQ(bad_id.status, 400);
  EXPECT_THAT(bad_id.Detail(), HasSubstr("model id"));
  EXPECT_EQ(not_json.status, 400);
  EXPECT_FALSE(not_json.Detail().empty());
  EXPECT_EQ(Get("/api/models/eos0bad").status, 404) << "a rejected model is not registered";
}

TEST_F(RuntimeApiTest, ModelDetailsListTheOutputColumnsOfBuiltInModels) {
  StartHub();
  json custom = {{"id", "eos0own"}, {"details", {{"description", "not built in"}}}};
  ASSERT_EQ(Post("/api/models", custom).status, 200);

  json weight = Get("/api/models/eos3b5e").body;
  json bits = Get("/api/models/eos4wt0").body;
  json own = Get("/api/models/eos0own").body;
  ApiResponse list = Get("/api/models");

  // Published order, type, and direction and description when the card has them.
  EXPECT_EQ(weight["details"]["output_columns"],
            json::parse(R"([{"name": "mol_weight", "type": "float", "direction": "high",
                "description": "The calculated molecular weight of the molecule in g/mol"}])"));
  EXPECT_EQ(weight["details"]["output_column_count"], 1);
  ASSERT_EQ(bits["details"]["output_columns"].size(), 2048U);
  EXPECT_EQ(bits["details"]["output_columns"][0],
            json::parse(R"({"name": "dim_0000", "type": "integer",
                "description": "Morgan fingerprint bit index 0"})"));
  EXPECT_EQ(bits["details"]["output_columns"][2047]["name"], "dim_2047");
  EXPECT_TRUE(own["details"]["output_columns"].is_null());
  EXPECT_TRUE(own["details"]["output_column_count"].is_null());

  // The list keeps the upstream shape and counts the columns without listing them.
  ASSERT_EQ(list.status, 200) << list.raw;
  for (const json& item : list.body["items"]) {
    for (const char* key : {"id", "enabled", "last_updated", "details"}) {
      EXPECT_TRUE(item.contains(key)) << key << " missing in " << item["id"];
    }
    EXPECT_FALSE(item["details"].contains("output_columns")) << item["id"];
    EXPECT_EQ(item["details"]["identification_details"].is_null(), item["id"] == "eos0own");
    if (item["id"] == "eos4wt0") {
      EXPECT_EQ(item["details"]["output_column_count"], 2048);
    }
  }

  // The columns are read-only: a PUT of what GET answered is accepted and changes nothing.
  ApiResponse put = Put("/api/models/eos3b5e", weight);
  ASSERT_EQ(put.status, 200) << put.raw;
  EXPECT_EQ(put.body["details"]["output_columns"], weight["details"]["output_columns"]);
}

TEST_F(RuntimeApiTest, ImportsIdentificationDetailsFromALocalCatalogFile) {
  StartHub();

  // A malformed file, then one that is JSON but not a catalog: 400, nothing changes.
  WriteFile(catalog_path_, R"([{"Identifier": "eos3b5e", )");
  ApiResponse malformed = Post("/api/models/import", json::object());
  WriteFile(catalog_path_, json{{"Identifier", "eos3b5e"}}.dump());
  ApiResponse not_a_list = Post("/api/models/import", json::object());
  WriteFile(catalog_path_, json::array({{{"Identifier", "eos3b5e"}, {"Title", 7}}}).dump());
  ApiResponse bad_field = Post("/api/models/import", {{"model_ids", {"eos3b5e"}}});
  EXPECT_EQ(malformed.status, 400);
  EXPECT_THAT(malformed.Detail(), HasSubstr("not valid JSON"));
  EXPECT_EQ(not_a_list.status, 400);
  EXPECT_THAT(not_a_list.Detail(), HasSubstr("array"));
  EXPECT_EQ(bad_field.status, 400);
  EXPECT_THAT(bad_field.Detail(), HasSubstr("Title"));

  // A good file: the registered model is updated, a missing one created (disabled).
  json added = CatalogRecord();
  added["Identifier"] = "eos0new";
  added["Title"] = "Not built in";
  WriteFile(catalog_path_, json::array({CatalogRecord(), added}).dump());
  ApiResponse imported =
      Post("/api/models/import", {{"model_ids", {"eos3b5e", "eos0new"}}, {"create_missing", true}});
  ASSERT_EQ(imported.status, 200) << imported.raw;
  EXPECT_EQ(imported.body["items"][0]["result"], "UPDATED");
  EXPECT_EQ(imported.body["items"][1]["result"], "CREATED");

  json model = Get("/api/models/eos3b5e").body;
  json ident = model["details"]["identification_details"];
  EXPECT_EQ(ident["title"], "Molecular weight");
  EXPECT_EQ(ident["slug"], "molecular-weight");
  EXPECT_EQ(ident["source_code"], "https://github.com/ersilia-os/eos3b5e");
  EXPECT_EQ(ident["target_organisms"], json::array({"Not Applicable"}));
  EXPECT_EQ(ident["biomedical_areas"], json::array({"Any"}));
  json created = Get("/api/models/eos0new").body;
  EXPECT_EQ(created["enabled"], false);
  EXPECT_EQ(created["details"]["identification_details"]["title"], "Not built in");
  ApiResponse again = Post("/api/models/import", {{"model_ids", {"eos3b5e"}}});
  EXPECT_EQ(again.body["items"][0]["result"], "UNCHANGED") << again.raw;
}

TEST_F(RuntimeApiTest, ModelWhoseServerExitsAtStartBacksOffWithItsErrorVisible) {
  StartHub();

  ApiResponse first = StartInstance("eos9ei3");
  ASSERT_EQ(first.status, 200) << first.raw;
  std::string instance_id = first.body["instance_id"];
  json scaling;
  ASSERT_TRUE(PollUntil([&] {
    scaling = Get("/api/models/eos9ei3/scaling-info").body;
    return scaling["last_error"].is_string();
  }));
  ApiResponse second = StartInstance("eos9ei3");

  // The error, the backoff, and no second start.
  EXPECT_THAT(scaling["last_error"].get<std::string>(), HasSubstr("SA score"));
  EXPECT_EQ(scaling["consecutive_failures"], 1);
  EXPECT_EQ(scaling["backing_off"], true);
  EXPECT_TRUE(scaling["next_start_at"].is_string());
  EXPECT_EQ(second.status, 503) << second.raw;
  EXPECT_THAT(second.Detail(), HasSubstr("next start attempt in"));
  EXPECT_THAT(second.Detail(), HasSubstr("SA score"));
  // (The history is written just after the pool acts.)
  json failed;
  ASSERT_TRUE(PollUntil([&] { return !(failed = History(instance_id, "START_FAILED")).empty(); }));
  ASSERT_EQ(failed.size(), 1U);
  EXPECT_THAT(failed[0]["message"].get<std::string>(), HasSubstr("exited with code 1"));
  ApiResponse logs = Get("/api/instances/" + instance_id + "/logs");
  ASSERT_EQ(logs.status, 200) << logs.raw;
  EXPECT_THAT(logs.body["logs"].dump(), HasSubstr("SA score"));
  EXPECT_EQ(Get("/api/instances/history?model_id=eos9ei3&events=STARTING").body["history"].size(),
            1U);
  std::string metrics = api_->Get("/metrics").raw;
  EXPECT_THAT(metrics,
              HasSubstr("hub_model_instance_start_failures_total{model_id=\"eos9ei3\"} 1"));
  EXPECT_THAT(metrics, HasSubstr("hub_model_instance_starts_total{model_id=\"eos9ei3\"} 1"));
}

TEST_F(RuntimeApiTest, KillNineIsRecordedInTheHistoryAndTheMetrics) {
  StartHub();
  ApiResponse started = StartInstance("eos3b5e");
  ASSERT_EQ(started.status, 200) << started.raw;
  std::string instance_id = started.body["instance_id"];
  ASSERT_TRUE(WaitReady(instance_id));
  int pid = LiveInstance(instance_id)["instance_details"]["pid"];

  ASSERT_EQ(kill(pid, SIGKILL), 0);

  ASSERT_TRUE(PollUntil([&] { return !History(instance_id, "CRASHED").empty(); }));
  json crashed = History(instance_id, "CRASHED")[0];
  EXPECT_EQ(crashed["reason"], "CRASHED");
  EXPECT_THAT(crashed["message"].get<std::string>(), HasSubstr("signal 9"));
  EXPECT_EQ(crashed["instance_details"]["pid"], pid);
  EXPECT_TRUE(LiveInstance(instance_id).is_null());
  std::string metrics = api_->Get("/metrics").raw;
  EXPECT_THAT(
      metrics,
      HasSubstr("hub_model_instance_stops_total{model_id=\"eos3b5e\",reason=\"CRASHED\"} 1"));
  EXPECT_THAT(metrics, HasSubstr("hub_model_instance_starts_total{model_id=\"eos3b5e\"} 1"));
  EXPECT_THAT(metrics, HasSubstr("hub_model_instance_start_seconds_count{model_id=\"eos3b5e\"} 1"));
  EXPECT_THAT(metrics, HasSubstr("hub_model_instances{model_id=\"eos3b5e\",state=\"READY\"} 0"));
}

TEST_F(RuntimeApiTest, InstancesScaleToZeroWhenIdle) {
  StartHub({"runtime.idle_timeout=1s"});
  std::vector<std::string> ids;
  for (int i = 0; i < 2; ++i) {
    ApiResponse started = StartInstance("eos3b5e");
    ASSERT_EQ(started.status, 200) << started.raw;
    ids.push_back(started.body["instance_id"]);
  }
  ASSERT_TRUE(PollUntil([&] {
    json scaling = Get("/api/models/eos3b5e/scaling-info").body;
    return scaling["current_instances"] == 2 && scaling["ready"] == 2;
  }));

  ASSERT_TRUE(PollUntil([&] { return Get("/api/instances").body["items"].empty(); }));

  for (const std::string& id : ids) {
    json stopped;
    ASSERT_TRUE(PollUntil([&] { return !(stopped = History(id, "STOPPED")).empty(); })) << id;
    ASSERT_EQ(stopped.size(), 1U) << id;
    EXPECT_EQ(stopped[0]["reason"], "IDLE");
  }
  EXPECT_EQ(Get("/api/models/eos3b5e/scaling-info").body["current_instances"], 0);
}

}  // namespace
}  // namespace hub
