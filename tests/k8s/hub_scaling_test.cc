// `ersilia-hub serve` scaling the simulator's Cluster API node group with its own node scaler
// (kubernetes.md §4.3): a node whose instances went idle is cordoned, drained through the
// Eviction API, its Machine annotated and the MachineDeployment lowered; a node under a busy
// instance is never the one removed; and a group a cluster-autoscaler owns, or a cluster where
// Karpenter provisions nodes, is never resized or cordoned, while pending pods still run once
// the autoscaler or Karpenter adds capacity.
//
// The hub's timers run on its real clock (short settings below); the simulator's controllers
// (pod grace periods, provisioning) on the virtual clock the tests keep moving.

#include <algorithm>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "fmt/format.h"
#include "gtest/gtest.h"

#include "hub/k8s/kube_api.h"

#include "tests/integration/sqlite_storage.h"
#include "tests/k8s/hub_on_k8s_fixture.h"

namespace hub {
namespace {

using json = nlohmann::json;
using k8s::sim::WaitFor;

constexpr char kGroup[] = "models";
constexpr char kMachines[] = "/apis/cluster.x-k8s.io/v1beta1/namespaces/default/machines/";
constexpr char kGroupPath[] =
    "/apis/cluster.x-k8s.io/v1beta1/namespaces/default/machinedeployments/models";
constexpr char kScale[] =
    "/apis/cluster.x-k8s.io/v1beta1/namespaces/default/machinedeployments/models/scale";

// True for the API calls that change the node group or its nodes: a /scale write, a Machine
// write, a node patch (cordon) or an eviction.
bool TouchesNodes(const std::string& call) {
  if (call.rfind("GET ", 0) == 0) {
    return false;
  }
  return call.find("/scale") != std::string::npos || call.find(kMachines) != std::string::npos ||
         call.find("/api/v1/nodes/") != std::string::npos ||
         call.find("/eviction") != std::string::npos;
}

// Position of the first call equal to `call` in `log`, or -1.
std::ptrdiff_t IndexOf(const std::vector<std::string>& log, const std::string& call) {
  auto at = std::find(log.begin(), log.end(), call);
  return at == log.end() ? -1 : at - log.begin();
}

class HubScalingTest : public HubOnK8sTest {
protected:
  // A hub scaling `models` with every timer short: a node idle 2 s goes (3 s after a scale-up).
  void StartScalingHub(std::vector<std::string> more = {}) {
    std::vector<std::string> sets = {"k8s.node_scaling.enabled=true",
                                     std::string("k8s.node_scaling.machine_deployment=") + kGroup,
                                     "k8s.node_scaling.interval=200ms",
                                     "k8s.node_scaling.pending_grace=0s",
                                     "k8s.node_scaling.idle_before_removal=2s",
                                     "k8s.node_scaling.delay_after_scale_up=3s",
                                     "k8s.node_scaling.delay_after_failure=0s",
                                     "jobs.acquire_timeout=300s"};
    sets.insert(sets.end(), more.begin(), more.end());
    StartHub(K8sSets("hub-a", sets));
    root_ = RootHeader();
  }

  // One pod of `model` per node of 1024 MiB; one instance at most.
  void OnePodPerNode(const std::string& model) {
    ChangeModel(model, [](json& record) {
      record["details"]["k8s_resources"]["memory_request"] = 700;
      record["details"]["k8s_resources"]["memory_limit"] = 1024;
      record["details"]["max_instances"] = 1;
    });
  }

  std::int64_t Submit(const std::string& header,
                      const std::string& model,
                      const std::vector<std::string>& smiles) {
    auto submitted = SubmitCsv(header, "model_id=" + model + "&has_header=true", CsvOf(smiles));
    EXPECT_EQ(submitted.status, 200) << submitted.raw;
    return submitted.status == 200 ? submitted.body["id"].get<std::int64_t>() : 0;
  }

  json Decisions() { return ScalerDecisions(root_); }

  // The first decision `action` (on `node` unless empty), or null.
  json FindDecision(const std::string& action, const std::string& node = "") {
    for (const json& d : Decisions()) {
      if (d.value("action", "") == action && (node.empty() || d.value("node", "") == node)) {
        return d;
      }
    }
    return nullptr;
  }

  std::string DecisionsText() { return Decisions().dump(1); }

  std::vector<std::string> NodeNames() const {
    std::vector<std::string> names;
    for (const json& node : sim_->ListForTest("nodes")) {
      names.push_back(node["metadata"]["name"]);
    }
    return names;
  }

  int Replicas() const {
    return sim_->GetForTest("machinedeployments", std::string("default/") + kGroup)["spec"].value(
        "replicas", -1);
  }

  // The node a live pod of `model` is bound to, waiting up to a minute; "" when none.
  std::string NodeOfModel(const std::string& model) {
    std::string node;
    WaitFor(
        [&] {
          for (const json& pod : ModelPods()) {
            std::string bound = pod["spec"].value("nodeName", "");
            bool live = !pod["metadata"].contains("deletionTimestamp");
            if (live && !bound.empty() &&
                pod["metadata"]["labels"].value("ersilia.modelid", "") == model) {
              node = bound;
              return true;
            }
          }
          return false;
        },
        std::chrono::seconds(60));
    return node;
  }

  // Waits until the hub's scaler has made `passes` more passes (each makes the call `read`
  // once: reads the group, or looks for Karpenter), moving the virtual clock meanwhile; false
  // when it did not within a minute.
  // Waits until the first model pod is pending with the scheduler's conditions and the scaler
  // has recorded `action`; returns that decision (null when either wait times out).
  json WaitPendingAndDecision(const std::string& action) {
    bool pending = WaitFor(
        [&] {
          std::vector<json> pods = ModelPods();
          return !pods.empty() && pods[0]["status"].contains("conditions");
        },
        std::chrono::seconds(60));
    json detected = nullptr;
    if (pending) {
      WaitFor(
          [&] {
            detected = FindDecision(action);
            return !detected.is_null();
          },
          std::chrono::seconds(30));
    }
    return detected;
  }

  bool WaitScalerPasses(int passes, const std::string& read = std::string("GET ") + kGroupPath) {
    auto reads = [this, &read] {
      std::vector<std::string> log = sim_->RequestLogForTest();
      return std::count(log.begin(), log.end(), read);
    };
    auto target = reads() + passes;
    return WaitMovingClock([&] { return reads() >= target; }, std::chrono::seconds(60));
  }

  std::string root_;
};

TEST_P(HubScalingTest, IdleNodeIsCordonedDrainedThroughEvictionAndRemoved) {
  sim_->AddMachineDeployment("default", kGroup, 0, 8000, 16'384, 0);
  StartScalingHub();
  ChangeModel("eos3b5e", [](json& record) { record["details"]["max_instances"] = 1; });
  std::string key = AnonymousHeader();
  std::vector<std::string> smiles = SharedMolecules(500);

  // Demand: the group grows from zero and the request completes on the new node.
  std::int64_t id = Submit(key, "eos3b5e", smiles);
  ASSERT_TRUE(WaitFor([&] { return Replicas() == 1 && NodeNames().size() == 1; },
                      std::chrono::seconds(120)))
      << DecisionsText();
  std::string node = NodeNames()[0];
  json done = WaitFinished(key, id, std::chrono::seconds(300));
  ASSERT_EQ(done["request_status"], "COMPLETED") << done.dump();
  ExpectNoLostRows(key, id, smiles.size());
  std::vector<json> pods = ModelPods();
  ASSERT_EQ(pods.size(), 1U);
  std::string pod = pods[0]["metadata"]["name"];

  // Demand gone: the idle instance's node is emptied and removed.
  bool removed = WaitMovingClock([&] { return Replicas() == 0 && NodeNames().empty(); },
                                 std::chrono::seconds(120));

  ASSERT_TRUE(removed) << DecisionsText();
  EXPECT_FALSE(FindDecision("cordon", node).is_null()) << DecisionsText();
  json down = FindDecision("scale-down", node);
  ASSERT_FALSE(down.is_null()) << DecisionsText();
  EXPECT_EQ(down["from"], 1);
  EXPECT_EQ(down["to"], 0);
  // Cordon, then eviction, then the Machine annotated, then the replicas lowered.
  std::vector<std::string> log = sim_->RequestLogForTest();
  std::ptrdiff_t cordon = IndexOf(log, "PATCH /api/v1/nodes/" + node);
  std::ptrdiff_t evict = IndexOf(
      log, fmt::format("POST /api/v1/namespaces/{}/pods/{}/eviction", kModelsNamespace, pod));
  std::ptrdiff_t mark = IndexOf(log, std::string("PATCH ") + kMachines + node);
  std::ptrdiff_t lower = -1;
  for (std::ptrdiff_t i = std::max<std::ptrdiff_t>(mark, 0); i < std::ssize(log); ++i) {
    if (log[i] == std::string("PUT ") + kScale) {
      lower = i;
      break;
    }
  }
  EXPECT_GE(cordon, 0);
  EXPECT_GT(evict, cordon);
  EXPECT_GT(mark, evict);
  EXPECT_GT(lower, mark);
  EXPECT_TRUE(ModelPods().empty());
}

TEST_P(HubScalingTest, OnlyTheNodeOfTheIdleInstanceGoesWhileTheOtherRunsALongRequest) {
  sim_->AddMachineDeployment("default", kGroup, 0, 8000, 1024, 0);
  StartScalingHub({"jobs.chunk_rows=50"});
  OnePodPerNode("eos3b5e");
  OnePodPerNode("eos3zur");
  std::string key = AnonymousHeader();

  // The long request's pod gets the first node, the short one's a second.
  std::int64_t long_id = Submit(key, "eos3b5e", SharedMolecules(50'000));
  std::string busy_node = NodeOfModel("eos3b5e");
  ASSERT_FALSE(busy_node.empty()) << DecisionsText();
  std::int64_t short_id = Submit(key, "eos3zur", SharedMolecules(200));
  std::string idle_node = NodeOfModel("eos3zur");
  ASSERT_FALSE(idle_node.empty()) << DecisionsText();
  ASSERT_NE(idle_node, busy_node);
  json short_done = WaitFinished(key, short_id, std::chrono::seconds(300));
  ASSERT_EQ(short_done["request_status"], "COMPLETED") << short_done.dump();

  // The short request's node goes; the long request is still running on the other one.
  bool idle_gone = WaitMovingClock(
      [&] {
        std::vector<std::string> names = NodeNames();
        return std::find(names.begin(), names.end(), idle_node) == names.end();
      },
      std::chrono::seconds(120));
  json long_status = api().Get("/api/work-requests/" + std::to_string(long_id), key).body;

  ASSERT_TRUE(idle_gone) << DecisionsText();
  ASSERT_EQ(long_status["request_status"], "PROCESSING")
      << "the long request ended before the idle node went; make it longer";
  EXPECT_EQ(NodeNames(), std::vector<std::string>{busy_node});
  EXPECT_EQ(Replicas(), 1);
  EXPECT_FALSE(FindDecision("scale-down", idle_node).is_null()) << DecisionsText();
  EXPECT_TRUE(FindDecision("cordon", busy_node).is_null()) << DecisionsText();

  // The long request completes on its node, which then goes too.
  json long_done = WaitFinished(key, long_id, std::chrono::seconds(900));
  ASSERT_EQ(long_done["request_status"], "COMPLETED") << long_done.dump();
  EXPECT_EQ(long_done["progress"]["molecules_failed"], 0) << long_done.dump();
  EXPECT_TRUE(WaitMovingClock([&] { return Replicas() == 0 && NodeNames().empty(); },
                              std::chrono::seconds(120)))
      << DecisionsText();
  EXPECT_FALSE(FindDecision("scale-down", busy_node).is_null()) << DecisionsText();
}

TEST_P(HubScalingTest, GroupOwnedByAClusterAutoscalerIsNeverResized) {
  sim_->AddMachineDeployment("default", kGroup, 0, 8000, 16'384, 0, /*autoscaler_managed=*/true);
  StartScalingHub();
  std::string key = AnonymousHeader();
  std::vector<std::string> smiles = SharedMolecules(500);

  // A pending pod, shaped for an autoscaler, and several scaler passes past its grace.
  std::int64_t id = Submit(key, "eos3b5e", smiles);
  json detected = WaitPendingAndDecision("autoscaler");
  ASSERT_FALSE(detected.is_null());
  ASSERT_TRUE(WaitScalerPasses(15));
  EXPECT_EQ(Replicas(), 0);
  json pod = ModelPods()[0];
  EXPECT_EQ(pod["spec"].value("nodeName", ""), "");
  EXPECT_EQ(
      pod["metadata"]["annotations"].value("cluster-autoscaler.kubernetes.io/safe-to-evict", ""),
      "false");
  EXPECT_FALSE(pod["spec"]["containers"][0]["resources"]["requests"].value("memory", "").empty());

  // The autoscaler adds a node: the pod is scheduled and the request completes.
  auto client = k8s::sim::ClientFor(*sim_, sim_clock_);
  std::string group = k8s::MachineDeploymentPath("v1beta1", "default", kGroup);
  ASSERT_TRUE(k8s::SetScaleReplicas(*client, group, 1).ok());
  json done = WaitFinished(key, id, std::chrono::seconds(300));
  ASSERT_EQ(done["request_status"], "COMPLETED") << done.dump();
  ExpectNoLostRows(key, id, smiles.size());

  // Idle long past the hub's timers (25 passes of 200 ms): still one node, never cordoned;
  // the only write to the group is the autoscaler's.
  ASSERT_TRUE(WaitScalerPasses(25));
  EXPECT_EQ(Replicas(), 1);
  EXPECT_EQ(NodeNames().size(), 1U);
  std::vector<std::string> writes;
  for (const std::string& call : sim_->RequestLogForTest()) {
    if (TouchesNodes(call)) {
      writes.push_back(call);
    }
  }
  EXPECT_EQ(writes, std::vector<std::string>{"PUT " + std::string(kScale)});
  EXPECT_EQ(detected["reason"],
            "cluster-autoscaler owns this MachineDeployment; only shaping pods");
  EXPECT_TRUE(FindDecision("scale-up").is_null()) << DecisionsText();
  EXPECT_TRUE(FindDecision("cordon").is_null()) << DecisionsText();
}

TEST_P(HubScalingTest, WithKarpenterTheHubOnlyShapesPodsAndNeverTouchesNodes) {
  sim_->AddMachineDeployment("default", kGroup, 0, 8000, 16'384, 0);
  sim_->InstallKarpenter("default");
  StartScalingHub();
  std::string key = AnonymousHeader();
  std::vector<std::string> smiles = SharedMolecules(500);
  const std::string karpenter_read = "GET /apis/karpenter.sh";

  // A pending pod, shaped for Karpenter, and several scaler passes past its grace.
  std::int64_t id = Submit(key, "eos3b5e", smiles);
  json detected = WaitPendingAndDecision("karpenter");
  ASSERT_FALSE(detected.is_null());
  ASSERT_TRUE(WaitScalerPasses(15, karpenter_read));
  EXPECT_EQ(Replicas(), 0);
  json pod = ModelPods()[0];
  EXPECT_EQ(pod["spec"].value("nodeName", ""), "");
  EXPECT_EQ(pod["metadata"]["annotations"].value("karpenter.sh/do-not-disrupt", ""), "true");
  EXPECT_EQ(
      pod["metadata"]["annotations"].value("cluster-autoscaler.kubernetes.io/safe-to-evict", ""),
      "false");
  json requests = pod["spec"]["containers"][0]["resources"]["requests"];
  EXPECT_FALSE(requests.value("memory", "").empty()) << requests.dump();
  EXPECT_FALSE(requests.value("cpu", "").empty()) << requests.dump();

  // Karpenter launches a node for it: the pod is scheduled and the request completes.
  sim_->AddKarpenterNode("default", "kp-1", 8000, 16'384);
  json done = WaitFinished(key, id, std::chrono::seconds(300));
  ASSERT_EQ(done["request_status"], "COMPLETED") << done.dump();
  ExpectNoLostRows(key, id, smiles.size());

  // Idle long past the hub's timers: the node is never cordoned or drained, the group never
  // resized; consolidation is Karpenter's.
  ASSERT_TRUE(WaitScalerPasses(25, karpenter_read));
  EXPECT_EQ(Replicas(), 0);
  EXPECT_EQ(NodeNames(), std::vector<std::string>{"kp-1"});
  EXPECT_FALSE(sim_->GetForTest("nodes", "/kp-1")["spec"].value("unschedulable", false));
  for (const std::string& call : sim_->RequestLogForTest()) {
    EXPECT_FALSE(TouchesNodes(call)) << call;
  }
  EXPECT_NE(detected["reason"].get<std::string>().find("NodePools: default"), std::string::npos)
      << detected.dump();
  EXPECT_TRUE(FindDecision("scale-up").is_null()) << DecisionsText();
  EXPECT_TRUE(FindDecision("cordon").is_null()) << DecisionsText();
}

INSTANTIATE_TEST_SUITE_P(Sqlite, HubScalingTest, ::testing::Values(Sqlite()), HubBackendName);

}  // namespace
}  // namespace hub
