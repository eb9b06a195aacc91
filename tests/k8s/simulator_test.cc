#include <gtest/gtest.h>

#include "hub/k8s/kube_api.h"

#include "tests/k8s/kube_simulator.h"
#include "tests/k8s/sim_test_util.h"

namespace hub::k8s::sim {
namespace {

using json = nlohmann::json;

class SimulatorTest : public ::testing::Test {
protected:
  void SetUp() override {
    SimulatorOptions options;
    options.work_dir = "/tmp/hub-k8s-sim-test";
    sim_ = std::make_unique<KubeSimulator>(options, clock_);
    ASSERT_TRUE(sim_->Start().ok());
    client_ = ClientFor(*sim_, clock_);
  }

  json Pod(const std::string& name) { return sim_->GetForTest("pods", "eos/" + name); }

  common::ManualClock clock_{1'700'000'000'000'000};
  std::unique_ptr<KubeSimulator> sim_;
  std::unique_ptr<HttpKubeClient> client_;
};

TEST_F(SimulatorTest, RejectsAWrongToken) {
  auto wrong = ClientFor(*sim_, clock_, "nope");

  auto list = wrong->Call(MakeRequest(http::Method::kGet, PodsPath("eos")));

  EXPECT_EQ(list.status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(SimulatorTest, SchedulesAndRunsAPodUntilReady) {
  sim_->AddNode("n1", 2000, 4096);

  auto created = CreatePod(*client_, "eos", TestPod("p1", "ersiliaos/eos3b5e:v1"));

  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ((*created)["status"]["phase"], "Pending");
  EXPECT_EQ((*created)["spec"]["containers"][0]["imagePullPolicy"], "IfNotPresent");
  EXPECT_TRUE(WaitFor([&] { return Pod("p1")["status"].value("phase", "") == "Running"; }));
  EXPECT_EQ(Pod("p1")["spec"]["nodeName"], "n1");
}

TEST_F(SimulatorTest, ReportsUnschedulableWithTheSchedulerMessage) {
  sim_->AddNode("n1", 2000, 50);

  ASSERT_TRUE(CreatePod(*client_, "eos", TestPod("p1", "ersiliaos/eos3b5e:v1")).ok());

  ASSERT_TRUE(WaitFor([&] { return Pod("p1")["status"].contains("conditions"); }));
  json condition = Pod("p1")["status"]["conditions"][0];
  EXPECT_EQ(condition["reason"], "Unschedulable");
  EXPECT_EQ(condition["message"],
            "0/1 nodes are available: 1 Insufficient memory. preemption: 0/1 nodes are available: "
            "1 Preemption is not helpful for scheduling.");
}

TEST_F(SimulatorTest, ConflictsOnAStalePut) {
  sim_->AddNode("n1", 2000, 4096);
  json node = sim_->GetForTest("nodes", "/n1");
  node["metadata"]["resourceVersion"] = "1";

  auto put = client_->Call(MakeRequest(http::Method::kPut, "/api/v1/nodes/n1", node.dump()));

  EXPECT_TRUE(IsConflict(put.status())) << put.status();
}

TEST_F(SimulatorTest, AppliesMergeAndJsonPatchesAndRejectsStrategicOnCrds) {
  sim_->AddNode("n1", 2000, 4096);
  sim_->AddMachineDeployment("capi", "md", 0, 4000, 8192, 0);

  auto merged = PatchObject(*client_, "/api/v1/nodes/n1",
                            {{"metadata", {{"annotations", {{"a", "1"}}}}}}, PatchType::kMerge);
  auto json_patched = PatchObject(
      *client_, "/api/v1/nodes/n1",
      json::array({{{"op", "add"}, {"path", "/metadata/annotations/b~1c"}, {"value", "2"}}}),
      PatchType::kJson);
  auto strategic = PatchObject(*client_, MachineDeploymentPath("v1beta1", "capi", "md"),
                               {{"spec", {{"replicas", 1}}}}, PatchType::kStrategicMerge);

  ASSERT_TRUE(merged.ok() && json_patched.ok());
  EXPECT_EQ((*json_patched)["metadata"]["annotations"]["a"], "1");
  EXPECT_EQ((*json_patched)["metadata"]["annotations"]["b/c"], "2");
  EXPECT_EQ(GetApiError(strategic.status())->code, 415);
}

TEST_F(SimulatorTest, EvictionRespectsAPodDisruptionBudget) {
  sim_->AddNode("n1", 2000, 4096);
  ASSERT_TRUE(CreatePod(*client_, "eos", TestPod("p1", "ersiliaos/eos3b5e:v1")).ok());
  ASSERT_TRUE(WaitFor([&] { return Pod("p1")["status"].value("phase", "") == "Running"; }));
  json pdb = {{"metadata", {{"name", "keep"}, {"namespace", "eos"}}},
              {"spec",
               {{"minAvailable", 1},
                {"selector", {{"matchLabels", {{"app.kubernetes.io/component", "model"}}}}}}}};
  ASSERT_TRUE(sim_->CreateForTest("poddisruptionbudgets", pdb).ok());

  absl::Status blocked = EvictPod(*client_, "eos", "p1", "");
  std::string pdb_path = "/apis/policy/v1/namespaces/eos/poddisruptionbudgets/keep";
  ASSERT_TRUE(client_->Call(MakeRequest(http::Method::kDelete, pdb_path)).ok());
  absl::Status allowed = EvictPod(*client_, "eos", "p1", "");

  EXPECT_EQ(GetApiError(blocked)->code, 429);
  EXPECT_TRUE(allowed.ok()) << allowed;
  EXPECT_TRUE(WaitFor([&] { return Pod("p1").is_null(); }));
}

TEST_F(SimulatorTest, ScalesAMachineDeploymentIntoNodesAfterProvisioning) {
  sim_->AddMachineDeployment("capi", "md", 0, 4000, 8192, 120);
  std::string path = MachineDeploymentPath("v1beta1", "capi", "md");

  ASSERT_TRUE(SetScaleReplicas(*client_, path, 2).ok());
  ASSERT_TRUE(WaitFor([&] { return sim_->ListForTest("machines").size() == 2; }));
  EXPECT_TRUE(sim_->ListForTest("nodes").empty());
  clock_.Advance(std::chrono::seconds(121));

  EXPECT_TRUE(WaitFor([&] { return sim_->ListForTest("nodes").size() == 2; }));
  EXPECT_EQ(*GetScaleReplicas(*client_, path), 2);
}

TEST_F(SimulatorTest, ServesInjected429sWithRetryAfter) {
  sim_->ThrottleForTest(1, 3);
  std::vector<std::chrono::milliseconds> sleeps;
  HttpKubeClientOptions options;
  options.config.server = sim_->url();
  options.config.token = "sim-token";
  options.sleep = [&](std::chrono::milliseconds d) {
    sleeps.push_back(d);
  };
  HttpKubeClient client(options, clock_);

  auto list = client.Call(MakeRequest(http::Method::kGet, PodsPath("eos")));

  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(sleeps.size(), 1U);
  EXPECT_EQ(sleeps[0], std::chrono::seconds(3));
}

}  // namespace
}  // namespace hub::k8s::sim
