#include "hub/k8s/node_scaler.h"

#include <set>

#include <gtest/gtest.h>

#include "hub/k8s/kube_api.h"

#include "tests/k8s/sim_test_util.h"

namespace hub::k8s::sim {
namespace {

using json = nlohmann::json;

class NodeScalerTest : public ::testing::Test {
protected:
  void SetUp() override {
    SimulatorOptions options;
    options.work_dir = "/tmp/hub-k8s-scaler-test";
    sim_ = std::make_unique<KubeSimulator>(options, clock_);
    ASSERT_TRUE(sim_->Start().ok());
    client_ = ClientFor(*sim_, clock_);
  }

  std::unique_ptr<NodeScaler> Scaler(const std::string& replica = "replica-a") {
    NodeScalerOptions options;
    options.models_namespace = "eos";
    options.capi_namespace = "capi";
    options.machine_deployment = "md";
    options.lease_namespace = "eos";
    options.replica_id = replica;
    options.pod_is_idle = [this](const std::string& name) {
      return busy_.count(name) == 0;
    };
    return std::make_unique<NodeScaler>(*client_, clock_, options);
  }

  void CreateModelPod(const std::string& name, const std::string& memory) {
    json pod = TestPod(name, "ersiliaos/eos3b5e:v1");
    pod["spec"]["containers"][0]["resources"]["requests"]["memory"] = memory;
    ASSERT_TRUE(CreatePod(*client_, "eos", pod).ok());
  }

  int Replicas() {
    return *GetScaleReplicas(*client_, MachineDeploymentPath("v1beta1", "capi", "md"));
  }

  bool HasDecision(const NodeScaler& scaler, const std::string& action) {
    for (const auto& decision : scaler.Decisions()) {
      if (decision.action == action) {
        return true;
      }
    }
    return false;
  }

  common::ManualClock clock_{1'700'000'000'000'000};
  std::unique_ptr<KubeSimulator> sim_;
  std::unique_ptr<HttpKubeClient> client_;
  std::set<std::string> busy_;
};

TEST_F(NodeScalerTest, GrowsTheGroupForPendingPodsAndThePodsRun) {
  sim_->AddMachineDeployment("capi", "md", 0, 4000, 4096, 60);
  for (const char* name : {"p1", "p2", "p3"}) {
    CreateModelPod(name, "1500Mi");
  }
  auto scaler = Scaler();
  ASSERT_TRUE(
      WaitFor([&] { return sim_->GetForTest("pods", "eos/p3")["status"].contains("conditions"); }));

  clock_.Advance(std::chrono::seconds(11));
  ASSERT_TRUE(scaler->RunOnce().ok());
  int after_first = Replicas();
  ASSERT_TRUE(scaler->RunOnce().ok());
  ASSERT_TRUE(WaitFor([&] { return sim_->ListForTest("machines").size() == 2; }));
  clock_.Advance(std::chrono::seconds(61));

  EXPECT_EQ(after_first, 2);
  EXPECT_EQ(Replicas(), 2);  // nodes in flight are not asked for twice
  EXPECT_TRUE(WaitFor(
      [&] { return !sim_->GetForTest("pods", "eos/p3")["spec"].value("nodeName", "").empty(); }));
  EXPECT_TRUE(HasDecision(*scaler, "scale-up"));
}

TEST_F(NodeScalerTest, LeavesAnAutoscaledGroupAlone) {
  sim_->AddMachineDeployment("capi", "md", 0, 4000, 4096, 60, /*autoscaler_managed=*/true);
  CreateModelPod("p1", "1500Mi");
  auto scaler = Scaler();
  clock_.Advance(std::chrono::seconds(30));

  ASSERT_TRUE(scaler->RunOnce().ok());

  EXPECT_EQ(Replicas(), 0);
  EXPECT_TRUE(HasDecision(*scaler, "autoscaler"));
}

TEST_F(NodeScalerTest, RemovesAnIdleNodeButNeverABusyOne) {
  sim_->AddMachineDeployment("capi", "md", 2, 4000, 4096, 0);
  ASSERT_TRUE(WaitFor([&] { return sim_->ListForTest("nodes").size() == 2; }));
  CreateModelPod("busy", "3000Mi");
  busy_.insert("busy");
  ASSERT_TRUE(WaitFor(
      [&] { return !sim_->GetForTest("pods", "eos/busy")["spec"].value("nodeName", "").empty(); }));
  std::string busy_node = sim_->GetForTest("pods", "eos/busy")["spec"]["nodeName"];
  auto scaler = Scaler();

  ASSERT_TRUE(scaler->RunOnce().ok());
  clock_.Advance(std::chrono::seconds(601));
  ASSERT_TRUE(scaler->RunOnce().ok());
  ASSERT_TRUE(WaitFor([&] { return sim_->ListForTest("nodes").size() == 1; }));
  clock_.Advance(std::chrono::seconds(1200));
  ASSERT_TRUE(scaler->RunOnce().ok());
  ASSERT_TRUE(scaler->RunOnce().ok());

  EXPECT_EQ(Replicas(), 1);
  ASSERT_EQ(sim_->ListForTest("nodes").size(), 1U);
  EXPECT_EQ(sim_->ListForTest("nodes")[0]["metadata"]["name"], busy_node);
  EXPECT_FALSE(sim_->GetForTest("pods", "eos/busy").is_null());
  EXPECT_TRUE(HasDecision(*scaler, "scale-down"));
}

TEST_F(NodeScalerTest, OnlyTheLeaseHolderActs) {
  sim_->AddMachineDeployment("capi", "md", 0, 4000, 4096, 60);
  auto first = Scaler("replica-a");
  auto second = Scaler("replica-b");

  ASSERT_TRUE(first->RunOnce().ok());
  ASSERT_TRUE(second->RunOnce().ok());
  clock_.Advance(std::chrono::seconds(16));
  ASSERT_TRUE(second->RunOnce().ok());

  EXPECT_TRUE(first->leader());
  EXPECT_TRUE(second->leader());  // took over the expired lease
  ASSERT_TRUE(first->RunOnce().ok());
  EXPECT_FALSE(first->leader());
}

}  // namespace
}  // namespace hub::k8s::sim
