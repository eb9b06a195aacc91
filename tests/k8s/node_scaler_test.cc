#include "hub/k8s/node_scaler.h"

#include <algorithm>
#include <future>
#include <optional>
#include <set>

#include <gtest/gtest.h>

#include "hub/k8s/kube_api.h"
#include "hub/runtime/instance_pool.h"
#include "hub/runtime/runtime_test_util.h"

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

// True for API calls that change nodes or the group: a /scale write, a Machine or node write,
// an eviction.
bool TouchesNodes(const std::string& call) {
  if (call.rfind("GET ", 0) == 0) {
    return false;
  }
  return call.find("/scale") != std::string::npos || call.find("/machines/") != std::string::npos ||
         call.find("/api/v1/nodes/") != std::string::npos ||
         call.find("/eviction") != std::string::npos;
}

TEST_F(NodeScalerTest, LeavesTheNodesToKarpenterWhenItHasANodePool) {
  sim_->AddMachineDeployment("capi", "md", 0, 4000, 4096, 0);
  sim_->InstallKarpenter("default");
  sim_->AddKarpenterNode("default", "kp-1", 4000, 2048);
  CreateModelPod("idle", "1000Mi");
  CreateModelPod("pending", "3000Mi");
  auto scaler = Scaler();
  ASSERT_TRUE(WaitFor(
      [&] { return sim_->GetForTest("pods", "eos/pending")["status"].contains("conditions"); }));

  for (int pass = 0; pass < 5; ++pass) {
    clock_.Advance(std::chrono::seconds(700));
    ASSERT_TRUE(scaler->RunOnce().ok());
  }

  EXPECT_EQ(Replicas(), 0);
  EXPECT_FALSE(sim_->GetForTest("nodes", "/kp-1")["spec"].value("unschedulable", false));
  for (const std::string& call : sim_->RequestLogForTest()) {
    EXPECT_FALSE(TouchesNodes(call)) << call;
  }
  std::vector<ScalerDecision> decisions = scaler->Decisions();
  ASSERT_EQ(decisions.size(), 1U);
  EXPECT_EQ(decisions[0].action, "karpenter");
  EXPECT_EQ(decisions[0].reason,
            "Karpenter (karpenter.sh/v1) provisions nodes here (NodePools: default; 1 node(s) "
            "labelled karpenter.sh/nodepool); only shaping pods");
}

TEST_F(NodeScalerTest, ScalesItsGroupWhenKarpenterIsAbsent) {
  sim_->AddMachineDeployment("capi", "md", 0, 4000, 4096, 60);
  CreateModelPod("pending", "1000Mi");
  auto scaler = Scaler();
  ASSERT_TRUE(WaitFor(
      [&] { return sim_->GetForTest("pods", "eos/pending")["status"].contains("conditions"); }));
  clock_.Advance(std::chrono::seconds(11));

  ASSERT_TRUE(scaler->RunOnce().ok());

  std::vector<std::string> log = sim_->RequestLogForTest();
  EXPECT_NE(std::find(log.begin(), log.end(), "GET /apis/karpenter.sh"), log.end());
  EXPECT_EQ(Replicas(), 1);
  EXPECT_FALSE(HasDecision(*scaler, "karpenter"));
}

// A real instance pool whose instances are simulator pods named after them (as the
// kubernetes backend makes them), for the scale-down races.
class NodeScalerPoolTest : public NodeScalerTest {
protected:
  static constexpr char kModel[] = "eos3b5e";

  void SetUp() override {
    NodeScalerTest::SetUp();
    models_.Add(kModel);
    runtime::PoolParts parts;
    parts.backends = {&backend_};
    parts.client_factory = [this](const runtime::ModelEndpoint&) {
      return client_model_;
    };
    pool_ = std::make_unique<runtime::InstancePool>(clock_, models_, sink_, std::move(parts),
                                                    runtime::PoolOptions{});
    pool_->Start();
  }

  void TearDown() override { pool_->Shutdown(std::chrono::milliseconds(0)); }

  // A scaler that retires pods through the pool; `before_retire` runs just before.
  std::unique_ptr<NodeScaler> PoolScaler(std::function<void()> before_retire = {}) {
    NodeScalerOptions options;
    options.models_namespace = "eos";
    options.capi_namespace = "capi";
    options.machine_deployment = "md";
    options.lease_namespace = "eos";
    options.replica_id = "replica-a";
    options.pod_is_idle = [this](const std::string& name) {
      auto found = pool_->Find(name);
      return found.ok() && found->state == runtime::InstanceState::kReady;
    };
    options.retire_pods =
        [this, before = std::move(before_retire)](const std::vector<std::string>& names) {
          if (before) {
            before();
          }
          return pool_->RetireIdle(names);
        };
    options.restore_pods = [this](const std::vector<std::string>& names) {
      pool_->RestoreRetired(names);
    };
    return std::make_unique<NodeScaler>(*client_, clock_, options);
  }

  // Starts the `n`-th instance (a lease for it), its pod bound to `node`, and reports it
  // ready there.
  runtime::InstanceLease StartOn(size_t n, const std::string& node) {
    auto pending = std::async(std::launch::async, [this] {
      return pool_->Acquire(kModel, clock_.NowMicros() + 60 * common::kMicrosPerSecond);
    });
    std::string id = backend_.WaitForStart(n);
    json pod = TestPod(id, "ersiliaos/eos3b5e:v1");
    pod["spec"]["nodeName"] = node;
    pod["spec"]["containers"][0]["resources"]["requests"]["memory"] = "1000Mi";
    EXPECT_TRUE(CreatePod(*client_, "eos", pod).ok());
    backend_.Ready(id, kModel, {{"pod", id}, {"node", node}});
    absl::StatusOr<runtime::InstanceLease> lease = pending.get();
    EXPECT_TRUE(lease.ok()) << lease.status();
    return lease.ok() ? std::move(*lease) : runtime::InstanceLease();
  }

  // Node names of the group, once `count` are Ready.
  std::vector<std::string> GroupNodes(size_t count) {
    EXPECT_TRUE(WaitFor([&] { return sim_->ListForTest("nodes").size() == count; }));
    std::vector<std::string> names;
    for (const json& node : sim_->ListForTest("nodes")) {
      names.push_back(node["metadata"]["name"]);
    }
    return names;
  }

  // Scaler passes, `step` of virtual time apart, until `done` or `passes` ran.
  void RunPasses(NodeScaler& scaler,
                 int passes,
                 std::chrono::seconds step,
                 const std::function<bool()>& done) {
    for (int i = 0; i < passes && !done(); ++i) {
      clock_.Advance(step);
      ASSERT_TRUE(scaler.RunOnce().ok());
      WaitFor(done, std::chrono::milliseconds(50));
    }
  }

  bool Evicted(const std::string& pod) {
    std::vector<std::string> log = sim_->RequestLogForTest();
    return std::find(log.begin(), log.end(),
                     "POST /api/v1/namespaces/eos/pods/" + pod + "/eviction") != log.end();
  }

  runtime::testing::FakeModels models_;
  runtime::testing::FakeBackend backend_{"local"};
  runtime::testing::RecordingSink sink_;
  std::shared_ptr<runtime::testing::FakeModelClient> client_model_ =
      std::make_shared<runtime::testing::FakeModelClient>();
  std::unique_ptr<runtime::InstancePool> pool_;
};

TEST_F(NodeScalerPoolTest, AChunkLeasedBetweenTheIdleCheckAndTheEvictionKeepsTheNode) {
  sim_->AddMachineDeployment("capi", "md", 1, 4000, 4096, 0);
  std::string node = GroupNodes(1)[0];
  runtime::InstanceLease first = StartOn(1, node);
  std::string id = first.instance_id();
  pool_->Release(std::move(first), runtime::RunErrorKind::kNone);
  // The chunk arrives after the scaler saw the instance idle and cordoned its node, just
  // before the pods are retired and evicted.
  std::optional<absl::StatusOr<runtime::InstanceLease>> chunk;
  auto scaler = PoolScaler([&] {
    if (!chunk.has_value()) {
      chunk = pool_->Acquire(kModel, clock_.NowMicros());
    }
  });

  ASSERT_TRUE(scaler->RunOnce().ok());
  clock_.Advance(std::chrono::seconds(601));
  ASSERT_TRUE(scaler->RunOnce().ok());

  ASSERT_TRUE(chunk.has_value());
  ASSERT_TRUE(chunk->ok()) << chunk->status();
  EXPECT_EQ((*chunk)->instance_id(), id);
  EXPECT_TRUE(HasDecision(*scaler, "cordon"));
  EXPECT_TRUE(HasDecision(*scaler, "abort"));
  EXPECT_FALSE(Evicted(id));
  EXPECT_FALSE(sim_->GetForTest("nodes", "/" + node)["spec"].value("unschedulable", false));
  EXPECT_FALSE(sim_->GetForTest("pods", "eos/" + id)["metadata"].contains("deletionTimestamp"));
  EXPECT_EQ(Replicas(), 1);
  absl::StatusOr<runtime::InstanceSnapshot> instance = pool_->Find(id);
  ASSERT_TRUE(instance.ok());
  EXPECT_EQ(instance->state, runtime::InstanceState::kBusy);
  EXPECT_FALSE(instance->stop_reason.has_value());
  auto run = (*chunk)->Run({"CCO"});
  EXPECT_TRUE(run.ok()) << run.status();
}

TEST_F(NodeScalerPoolTest, ARetiredInstanceGetsNoChunkAndItsNodeGoes) {
  sim_->AddMachineDeployment("capi", "md", 1, 4000, 4096, 0);
  std::string node = GroupNodes(1)[0];
  runtime::InstanceLease first = StartOn(1, node);
  std::string id = first.instance_id();
  pool_->Release(std::move(first), runtime::RunErrorKind::kNone);
  // The chunk arrives once the pods are retired: it must not get the leaving instance.
  std::optional<absl::StatusOr<runtime::InstanceLease>> chunk;
  auto scaler = PoolScaler();
  ASSERT_TRUE(scaler->RunOnce().ok());
  clock_.Advance(std::chrono::seconds(601));
  ASSERT_TRUE(scaler->RunOnce().ok());
  ASSERT_TRUE(Evicted(id));
  chunk = pool_->Acquire(kModel, clock_.NowMicros());

  RunPasses(*scaler, 20, std::chrono::seconds(5), [&] { return Replicas() == 0; });
  backend_.Exit(id, kModel, runtime::ExitCause::kLost, "evicted through the Eviction API");

  EXPECT_EQ(chunk->status().code(), absl::StatusCode::kDeadlineExceeded) << chunk->status();
  EXPECT_EQ(backend_.started().size(), 2U);  // the chunk asked for a new instance
  EXPECT_EQ(Replicas(), 0);
  EXPECT_TRUE(HasDecision(*scaler, "scale-down"));
  EXPECT_FALSE(HasDecision(*scaler, "abort"));
  std::vector<runtime::InstanceEvent> events = sink_.events();
  auto last = std::find_if(events.rbegin(), events.rend(),
                           [&](const runtime::InstanceEvent& e) { return e.instance_id == id; });
  ASSERT_NE(last, events.rend());
  EXPECT_EQ(last->kind, runtime::InstanceEventKind::kStopped);
  EXPECT_EQ(last->reason, "NODE_SCALE_DOWN");
  EXPECT_EQ(pool_->Scaling(kModel).consecutive_failures, 0);
}

TEST_F(NodeScalerPoolTest, ChunksGoToTheFullerNodeSoTheOtherEmptiesAndGoes) {
  sim_->AddMachineDeployment("capi", "md", 2, 4000, 4096, 0);
  std::vector<std::string> nodes = GroupNodes(2);
  std::string full = nodes[0];
  std::string sparse = nodes[1];
  // Three idle instances, two on one node and one on the other, the lone one used last.
  runtime::InstanceLease a1 = StartOn(1, full);
  runtime::InstanceLease a2 = StartOn(2, full);
  runtime::InstanceLease b1 = StartOn(3, sparse);
  std::string lone = b1.instance_id();
  for (runtime::InstanceLease* lease : {&a1, &a2, &b1}) {
    clock_.Advance(std::chrono::seconds(1));
    pool_->Release(std::move(*lease), runtime::RunErrorKind::kNone);
  }
  auto scaler = PoolScaler();

  // Demand drops to two chunks at a time: both run on the fuller node.
  auto c1 = pool_->Acquire(kModel, clock_.NowMicros());
  auto c2 = pool_->Acquire(kModel, clock_.NowMicros());
  ASSERT_TRUE(c1.ok() && c2.ok());
  RunPasses(*scaler, 40, std::chrono::seconds(60), [&] { return Replicas() == 1; });
  backend_.Exit(lone, kModel, runtime::ExitCause::kLost, "evicted");

  EXPECT_NE(c1->instance_id(), lone);
  EXPECT_NE(c2->instance_id(), lone);
  EXPECT_EQ(Replicas(), 1);
  ASSERT_TRUE(WaitFor([&] { return sim_->ListForTest("nodes").size() == 1; }));
  EXPECT_EQ(sim_->ListForTest("nodes")[0]["metadata"]["name"], full);
  EXPECT_TRUE(Evicted(lone));
  EXPECT_FALSE(Evicted(c1->instance_id()));
  EXPECT_FALSE(Evicted(c2->instance_id()));
  EXPECT_EQ(pool_->Scaling(kModel).busy, 2);
  EXPECT_FALSE(pool_->Find(lone).ok());
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
