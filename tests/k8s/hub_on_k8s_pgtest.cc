// Two hub replicas on one PostgreSQL database running their instances as pods of the
// simulator: a replica killed mid-request loses its pods to the survivor (reclaimed once its
// Lease expires, never earlier) and the survivor completes the request.

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "fmt/format.h"
#include "gtest/gtest.h"

#include "tests/integration/postgres_storage.h"
#include "tests/k8s/hub_on_k8s_fixture.h"

namespace hub {
namespace {

using k8s::sim::WaitFor;

class HubOnK8sPgTest : public HubOnK8sTest {
protected:
  std::vector<std::string> ReplicaSets(const std::string& server_id) {
    return K8sSets(server_id, {"jobs.results_dir=" + results_dir_, "jobs.chunk_rows=100",
                               "jobs.lease_ttl=3s", "runtime.idle_timeout=1h"});
  }

  // Live (not terminating) model pods of `owner`.
  size_t LivePods(const std::string& owner) const {
    size_t live = 0;
    for (const nlohmann::json& pod : ModelPods(owner)) {
      live += pod["metadata"].contains("deletionTimestamp") ? 0 : 1;
    }
    return live;
  }

  std::string results_dir_ = test_support::MakeTempDir("shared-results");
};

TEST_P(HubOnK8sPgTest, KilledReplicasPodsAreReclaimedAndTheOtherReplicaCompletesTheRequest) {
  sim_->AddNode("n1", 16'000, 32'768);
  StartHub(ReplicaSets("hub-a"));
  StartSecondHub(ReplicaSets("hub-b"));
  std::string key = AnonymousHeader();
  std::vector<std::string> smiles = SharedMolecules(50'000);

  auto submitted =
      api().Call(http::Method::kPost, "/api/work-requests?model_id=eos3b5e&has_header=true",
                 CsvOf(smiles), key, "text/csv");
  ASSERT_EQ(submitted.status, 200) << submitted.raw;
  std::int64_t id = submitted.body["id"];
  ASSERT_TRUE(WaitFor([&] { return LivePods("hub-a") > 0; }, std::chrono::seconds(60)));
  // Longer than a Lease: a live replica's pods are never reclaimed.
  std::this_thread::sleep_for(std::chrono::seconds(4));
  size_t before_kill = LivePods("hub-a");
  auto open = api().Get("/api/work-requests/" + std::to_string(id), key);
  hub().Kill();

  bool reclaimed = WaitFor([&] { return LivePods("hub-a") == 0; }, std::chrono::seconds(30));
  nlohmann::json done = WaitFinishedOn(*api_b_, key, id, std::chrono::seconds(600));

  EXPECT_GT(before_kill, 0u) << "hub A's pods were reclaimed while it was alive";
  EXPECT_NE(open.body["request_status"], "COMPLETED") << "hub A was killed too late";
  EXPECT_TRUE(reclaimed) << "hub A's pods are still there";
  auto login = api_b_->Login("root", kRootPassword);
  auto decisions = api_b_->Get("/api/admin/cluster/scaler-decisions",
                               test_support::BearerHeader(login.body["session"]));
  EXPECT_GE(decisions.body.value("reclaimed_pods", 0), 1) << decisions.raw;
  ASSERT_EQ(done["request_status"], "COMPLETED") << done.dump();
  EXPECT_EQ(done["progress"]["molecules_failed"], 0) << done.dump();
  auto result = api_b_->Get(fmt::format("/api/work-requests/{}/result?format=json", id), key);
  nlohmann::json rows = nlohmann::json::parse(result.raw, nullptr, false);
  ASSERT_TRUE(rows.is_array()) << result.raw.substr(0, 300);
  EXPECT_EQ(rows.size(), smiles.size());
}

INSTANTIATE_TEST_SUITE_P(Postgres, HubOnK8sPgTest, ::testing::Values(Postgres()), HubBackendName);

}  // namespace
}  // namespace hub
