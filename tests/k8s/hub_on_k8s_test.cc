// `ersilia-hub serve` with `runtime.backend=kubernetes` against the simulator: results equal to
// the local backend's, watches cut mid-request, every pod failure mode of kubernetes.md §2.3
// ending in the right state with its reason in the admin API, bad answers from the API server
// (malformed JSON, 500, 503, unknown fields, a stalled watch) that neither stop the hub nor
// lose a row, and node scaling with a request.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "fmt/format.h"
#include "gtest/gtest.h"

#include "hub/k8s/kube_api.h"

#include "tests/integration/sqlite_storage.h"
#include "tests/k8s/hub_on_k8s_fixture.h"

namespace hub {
namespace {

using k8s::sim::FaultRoute;
using k8s::sim::ImageFault;
using k8s::sim::ResponseFault;
using k8s::sim::WaitFor;

// One chunk row of a request, as the hub recorded it.
struct ChunkRow {
  std::int64_t line_begin = 0;
  std::int64_t line_end = 0;
  std::string status;
  std::string last_error;
};

// Submits `smiles` as CSV and returns the request id (0 when refused).
std::int64_t Submit(test_support::ApiClient& hub,
                    const std::string& header,
                    const std::vector<std::string>& smiles) {
  auto submitted =
      hub.Call(http::Method::kPost, "/api/work-requests?model_id=eos3b5e&has_header=true",
               CsvOf(smiles), header, "text/csv");
  EXPECT_EQ(submitted.status, 200) << submitted.raw;
  return submitted.status == 200 ? submitted.body["id"].get<std::int64_t>() : 0;
}

class HubOnK8sSqliteTest : public HubOnK8sTest {
protected:
  // Waits for a running pod and disrupts it `how`; returns its name ("" when none ran).
  std::string DisruptARunningPod(const std::function<void(const std::string&)>& how) {
    nlohmann::json pod = WaitRunningPod();
    EXPECT_FALSE(pod.is_null());
    if (pod.is_null()) {
      return "";
    }
    std::string name = pod["metadata"]["name"];
    how(name);
    return name;
  }

  // Waits until a pod is computing a chunk (the hub's instance view shows a call in flight)
  // and OOMKills its container at once; returns the pod's name ("" when none computed).
  std::string OomKillAPodInTheMiddleOfAChunk() {
    std::string root = RootHeader();
    std::string killed;
    WaitFor(
        [&] {
          auto instances = api().Get("/api/instances", root);
          for (const nlohmann::json& item : instances.body.value("items", nlohmann::json())) {
            const nlohmann::json& instance = item["model_instance"];
            for (const nlohmann::json& work : instance["current_work"]) {
              if (work.value("rows", 0) > 0) {
                killed = instance["instance_id"].get<std::string>();
                sim_->KillContainerForTest(kModelsNamespace, killed, 137, true);
                return true;
              }
            }
          }
          return false;
        },
        std::chrono::seconds(60));
    return killed;
  }

  // The chunk rows the hub recorded for request `id`.
  std::vector<ChunkRow> Chunks(std::int64_t id) {
    std::vector<ChunkRow> chunks;
    auto db = storage_->OpenDatabase();
    EXPECT_TRUE(db.ok()) << db.status();
    if (!db.ok()) {
      return chunks;
    }
    auto rows = (*db)->Exec(
        "SELECT line_begin, line_end, status, last_error FROM {schema}.work_request_chunks "
        "WHERE request_id = $1 ORDER BY line_begin, line_end",
        {id});
    EXPECT_TRUE(rows.ok()) << rows.status();
    if (!rows.ok()) {
      return chunks;
    }
    for (const auto& row : *rows) {
      chunks.push_back({row.GetInt(0).value_or(-1), row.GetInt(1).value_or(-1),
                        row.GetString(2).value_or(""), row.GetString(3).value_or("")});
    }
    return chunks;
  }

  // The hub's instances and the cluster's live model pods of `owner` agree (within 20 s).
  void ExpectHubTracksExactlyTheClustersPods(const std::string& owner) {
    std::string root = RootHeader();
    size_t live = 0;
    size_t tracked = 0;
    bool agree = WaitFor(
        [&] {
          auto instances = api().Get("/api/instances", root);
          live = 0;
          for (const nlohmann::json& pod : ModelPods(owner)) {
            live += pod["metadata"].contains("deletionTimestamp") ? 0 : 1;
          }
          tracked = instances.body.value("items", nlohmann::json::array()).size();
          return instances.status == 200 && tracked == live;
        },
        std::chrono::seconds(20));
    EXPECT_TRUE(agree) << "the hub tracks " << tracked << " instances, the cluster runs " << live
                       << " pods";
  }

  // A request runs while the next `count` pod watches answer `watch_fault` and the next
  // `count` other pod calls and Lease calls answer `call_fault`; meanwhile a running pod is
  // deleted behind the hub's back, which the hub can only learn through those answers. The
  // hub must keep running, notice and replace the pod, complete the request with every row,
  // and end up tracking exactly the pods that exist.
  void ExpectARequestSurvives(std::optional<ResponseFault> watch_fault,
                              std::optional<ResponseFault> call_fault,
                              int count) {
    sim_->AddNode("n1", 16'000, 32'768);
    StartHub(K8sSets("hub-a", {"jobs.chunk_rows=200", "k8s.watch_idle_timeout=3s",
                               "runtime.backoff_initial=500ms"}));
    std::string key = AnonymousHeader();
    std::vector<std::string> smiles = SharedMolecules(4000);
    std::int64_t id = Submit(api(), key, smiles);
    nlohmann::json victim = WaitRunningPod();
    ASSERT_FALSE(victim.is_null());

    int injected = 0;
    if (watch_fault.has_value()) {
      sim_->InjectFaultForTest({"pods", "", true}, *watch_fault, count);
      injected += count;
    }
    sim_->CutWatchesForTest();  // the hub's next pod watch meets the faults
    // The test's own call comes before the call faults, which it would otherwise take.
    auto client = k8s::sim::ClientFor(*sim_, sim_clock_);
    std::string victim_name = victim["metadata"]["name"];
    ASSERT_TRUE(client
                    ->Call(k8s::MakeRequest(
                        http::Method::kDelete,
                        k8s::PodsPath(kModelsNamespace, victim_name) + "?gracePeriodSeconds=0"))
                    .ok());
    if (call_fault.has_value()) {
      sim_->InjectFaultForTest({"pods", "", false}, *call_fault, count);
      sim_->InjectFaultForTest({"leases", "", false}, *call_fault, count);
      injected += 2 * count;
    }
    nlohmann::json done = WaitFinished(key, id, std::chrono::seconds(600));

    ASSERT_EQ(done["request_status"], "COMPLETED") << done.dump();
    EXPECT_EQ(done["progress"]["molecules_failed"], 0) << done.dump();
    ExpectNoLostRows(key, id, smiles.size());
    EXPECT_TRUE(hub_->Running());
    EXPECT_TRUE(WaitFor([&] { return sim_->faults_served() >= std::min(injected, 4); },
                        std::chrono::seconds(30)))
        << sim_->faults_served() << " of " << injected << " injected faults were served";
    EXPECT_FALSE(WaitEvent("eos3b5e", "CRASHED", "pod deleted").is_null())
        << "the deleted pod " << victim_name << " was not noticed\n"
        << HistorySummary("eos3b5e");
    ExpectHubTracksExactlyTheClustersPods("hub-a");
  }
};

TEST_P(HubOnK8sSqliteTest, FiftyThousandMoleculesOnPodsGiveTheLocalBackendsResults) {
  sim_->AddNode("n1", 16'000, 32'768);
  StartHub(K8sSets("hub-a", {"k8s.enabled=true"}));
  std::string key = AnonymousHeader();
  std::vector<std::string> smiles = SharedMolecules(50'000);

  std::int64_t on_pods = Submit(api(), key, smiles);
  nlohmann::json done = WaitFinished(key, on_pods, std::chrono::seconds(900));
  ASSERT_EQ(done["request_status"], "COMPLETED") << done.dump();
  std::string pods_csv = Result(key, on_pods);
  bool ran_on_pods = false;
  for (const nlohmann::json& event : History(api(), "eos3b5e")) {
    ran_on_pods =
        ran_on_pods || (event["backend"] == "kubernetes" && event["log_event"] == "READY");
  }
  EXPECT_TRUE(ran_on_pods);

  // The same request on the local backend (the model's record names it).
  ChangeModel("eos3b5e", [](nlohmann::json& model) { model["details"]["backend"] = "local"; });
  std::int64_t local = Submit(api(), key, smiles);
  nlohmann::json local_done = WaitFinished(key, local, std::chrono::seconds(900));
  ASSERT_EQ(local_done["request_status"], "COMPLETED") << local_done.dump();
  std::string local_csv = Result(key, local);

  EXPECT_EQ(done["progress"]["rows_total"], smiles.size());
  EXPECT_EQ(CsvRows(pods_csv).size(), smiles.size() + 1);
  EXPECT_TRUE(pods_csv == local_csv) << "kubernetes and local results differ";
}

TEST_P(HubOnK8sSqliteTest, WatchesCutOrExpiredMidRequestLoseNoPod) {
  sim_->AddNode("n1", 16'000, 32'768);
  StartHub(K8sSets("hub-a", {"jobs.chunk_rows=100"}));
  std::string key = AnonymousHeader();
  std::vector<std::string> smiles = SharedMolecules(5000);

  std::int64_t id = Submit(api(), key, smiles);
  ASSERT_FALSE(WaitRunningPod().is_null());
  for (int i = 0; i < 5; ++i) {
    sim_->CutWatchesForTest();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    sim_->CompactHistoryForTest();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  // A pod deleted behind the hub's back while its watch is cut must still be noticed.
  nlohmann::json victim = WaitRunningPod();
  ASSERT_FALSE(victim.is_null());
  std::string victim_name = victim["metadata"]["name"];
  sim_->CutWatchesForTest();
  sim_->CompactHistoryForTest();
  k8s::KubeRequest del =
      k8s::MakeRequest(http::Method::kDelete,
                       k8s::PodsPath(kModelsNamespace, victim_name) + "?gracePeriodSeconds=0");
  auto client = k8s::sim::ClientFor(*sim_, sim_clock_);
  ASSERT_TRUE(client->Call(del).ok());
  nlohmann::json done = WaitFinished(key, id, std::chrono::seconds(600));

  ASSERT_EQ(done["request_status"], "COMPLETED") << done.dump();
  EXPECT_EQ(done["progress"]["molecules_failed"], 0) << done.dump();
  ExpectNoLostRows(key, id, smiles.size());
  EXPECT_FALSE(WaitEvent("eos3b5e", "CRASHED", "pod deleted").is_null())
      << "the deleted pod " << victim_name << " was not noticed";
  // The hub and the cluster agree on which pods exist.
  auto login = api().Login("root", kRootPassword);
  std::string root = test_support::BearerHeader(login.body["session"]);
  EXPECT_TRUE(WaitFor(
      [&] {
        auto instances = api().Get("/api/instances", root);
        size_t live = 0;
        for (const nlohmann::json& pod : ModelPods("hub-a")) {
          live += pod["metadata"].contains("deletionTimestamp") ? 0 : 1;
        }
        return instances.body.is_object() && instances.body.contains("items") &&
               instances.body["items"].size() == live;
      },
      std::chrono::seconds(20)));
}

TEST_P(HubOnK8sSqliteTest, MissingImageFailsTheRequestWithThePullErrorAndNoLostRows) {
  sim_->AddNode("n1", 16'000, 32'768);
  sim_->SetImageFault("ersiliaos/eos3b5e:missing", ImageFault::kNotFound);
  StartHub(K8sSets("hub-a"));
  ChangeModel("eos3b5e", [](nlohmann::json& model) { model["details"]["image_tag"] = "missing"; });
  std::string key = AnonymousHeader();
  std::vector<std::string> smiles = SharedMolecules(50);

  std::int64_t id = Submit(api(), key, smiles);
  nlohmann::json done = WaitFinished(key, id, std::chrono::seconds(120));

  EXPECT_EQ(done["request_status"], "FAILED") << done.dump();
  EXPECT_NE(done.dump().find("manifest unknown"), std::string::npos) << done.dump();
  EXPECT_FALSE(WaitEvent("eos3b5e", "START_FAILED", "ErrImagePull").is_null());
  EXPECT_EQ(done["progress"]["rows_total"], smiles.size()) << done.dump();
}

TEST_P(HubOnK8sSqliteTest, UnschedulablePodFailsAfterItsTimeoutWithTheSchedulersMessage) {
  sim_->AddNode("n1", 4000, 4096);
  StartHub(K8sSets("hub-a", {"k8s.unschedulable_timeout_without_scaling=3s",
                             "jobs.wait_timeout=15s", "runtime.backoff_initial=1s"}));
  ChangeModel("eos3b5e", [](nlohmann::json& model) {
    model["details"]["k8s_resources"]["memory_request"] = 65'536;
    model["details"]["k8s_resources"]["memory_limit"] = 65'536;
  });
  std::string key = AnonymousHeader();
  std::vector<std::string> smiles = SharedMolecules(20);

  std::int64_t id = Submit(api(), key, smiles);
  nlohmann::json failed = WaitEvent("eos3b5e", "START_FAILED", "Insufficient memory");
  nlohmann::json done = WaitFinished(key, id, std::chrono::seconds(120));

  EXPECT_FALSE(failed.is_null()) << HistorySummary("eos3b5e");
  EXPECT_EQ(done["request_status"], "FAILED") << done.dump();
  EXPECT_EQ(done["progress"]["rows_total"], smiles.size()) << done.dump();
}

TEST_P(HubOnK8sSqliteTest, CrashingContainerIsAStartFailureWithItsExitCode) {
  sim_->AddNode("n1", 16'000, 32'768);
  sim_->SetImageFault("ersiliaos/eos3b5e:crash", ImageFault::kCrashOnStart);
  StartHub(K8sSets("hub-a", {"jobs.wait_timeout=10s", "runtime.backoff_initial=1s"}));
  ChangeModel("eos3b5e", [](nlohmann::json& model) { model["details"]["image_tag"] = "crash"; });
  std::string key = AnonymousHeader();
  std::vector<std::string> smiles = SharedMolecules(20);

  std::int64_t id = Submit(api(), key, smiles);
  nlohmann::json failed = WaitEvent("eos3b5e", "START_FAILED", "exited with code 1");
  nlohmann::json done = WaitFinished(key, id, std::chrono::seconds(120));

  EXPECT_FALSE(failed.is_null()) << HistorySummary("eos3b5e");
  EXPECT_EQ(done["request_status"], "FAILED") << done.dump();
  EXPECT_EQ(done["progress"]["rows_total"], smiles.size()) << done.dump();
}

TEST_P(HubOnK8sSqliteTest, OomKilledPodGetsMoreMemoryNextAndItsChunkIsRetriedSmaller) {
  sim_->AddNode("n1", 16'000, 32'768);
  StartHub(K8sSets("hub-a", {"jobs.chunk_rows=2000"}));
  std::string key = AnonymousHeader();
  std::vector<std::string> smiles = SharedMolecules(16'000);
  auto model = api().Get("/api/models/eos3b5e", RootHeader());
  std::int64_t record_mb = model.body["details"]["k8s_resources"]["memory_request"];

  std::int64_t id = Submit(api(), key, smiles);
  std::string killed = OomKillAPodInTheMiddleOfAChunk();
  nlohmann::json oom = WaitEvent("eos3b5e", "KILLED_FOR_MEMORY", "OOMKilled");
  nlohmann::json done = WaitFinished(key, id, std::chrono::seconds(600));

  ASSERT_FALSE(killed.empty()) << "no pod was seen computing a chunk";
  ASSERT_FALSE(oom.is_null()) << HistorySummary("eos3b5e");
  EXPECT_EQ(oom["instance_id"], killed);
  EXPECT_EQ(oom["reason"], "KILLED_FOR_MEMORY");
  ASSERT_EQ(done["request_status"], "COMPLETED") << done.dump();
  EXPECT_EQ(done["progress"]["molecules_failed"], 0) << done.dump();
  ExpectNoLostRows(key, id, smiles.size());
  // Pods started after the kill ask for twice the record's memory.
  bool raised = false;
  for (const nlohmann::json& pod : ModelPods()) {
    std::string memory = pod["spec"]["containers"][0]["resources"]["requests"].value("memory", "");
    raised = raised || memory == fmt::format("{}Mi", 2 * record_mb);
  }
  EXPECT_TRUE(raised) << "no pod got more memory after the OOMKill";
  // The chunk the killed pod was computing is recorded SPLIT with the OOMKill as its error,
  // and both halves ran as chunks of their own.
  std::vector<ChunkRow> chunks = Chunks(id);
  std::string listing;
  for (const ChunkRow& c : chunks) {
    listing += fmt::format("[{}, {}) {} {}\n", c.line_begin, c.line_end, c.status, c.last_error);
  }
  const ChunkRow* split = nullptr;
  for (const ChunkRow& c : chunks) {
    if (c.status == "SPLIT" && c.last_error.find("KILLED_FOR_MEMORY") != std::string::npos) {
      split = &c;
    }
  }
  ASSERT_NE(split, nullptr) << "no chunk was split after the OOMKill:\n" << listing;
  std::int64_t mid = split->line_begin + (split->line_end - split->line_begin) / 2;
  int halves = 0;
  for (const ChunkRow& c : chunks) {
    bool first = c.line_begin == split->line_begin && c.line_end == mid;
    bool second = c.line_begin == mid && c.line_end == split->line_end;
    halves += (first || second) && (c.status == "DONE" || c.status == "SPLIT") ? 1 : 0;
  }
  EXPECT_EQ(halves, 2) << listing;
}

TEST_P(HubOnK8sSqliteTest, EvictedPodIsReplacedAndTheRequestCompletes) {
  sim_->AddNode("n1", 16'000, 32'768);
  StartHub(K8sSets("hub-a", {"jobs.chunk_rows=200"}));
  std::string key = AnonymousHeader();
  std::vector<std::string> smiles = SharedMolecules(5000);

  std::int64_t id = Submit(api(), key, smiles);
  // Evicted as soon as the cluster calls it Ready, often before the hub's own /healthz check
  // has passed: an eviction is LOST whenever it happens, never a start failure.
  DisruptARunningPod(
      [this](const std::string& name) { sim_->EvictByKubeletForTest(kModelsNamespace, name); });
  nlohmann::json evicted = WaitEvent("eos3b5e", "", "Evicted");
  nlohmann::json done = WaitFinished(key, id, std::chrono::seconds(600));

  ASSERT_FALSE(evicted.is_null()) << HistorySummary("eos3b5e");
  EXPECT_EQ(evicted["log_event"], "CRASHED") << HistorySummary("eos3b5e");
  EXPECT_EQ(evicted["reason"], "LOST") << HistorySummary("eos3b5e");
  ASSERT_EQ(done["request_status"], "COMPLETED") << done.dump();
  EXPECT_EQ(done["progress"]["molecules_failed"], 0) << done.dump();
  ExpectNoLostRows(key, id, smiles.size());
}

TEST_P(HubOnK8sSqliteTest, LostNodeIsNoticedAndTheRequestCompletesOnAnotherNode) {
  sim_->AddNode("n1", 16'000, 32'768);
  StartHub(K8sSets("hub-a", {"jobs.chunk_rows=200"}));
  std::string key = AnonymousHeader();
  std::vector<std::string> smiles = SharedMolecules(5000);

  std::int64_t id = Submit(api(), key, smiles);
  ASSERT_FALSE(WaitRunningPod().is_null());
  sim_->AddNode("n2", 16'000, 32'768);
  sim_->LoseNodeForTest("n1");
  // The taint manager deletes the lost node's pods 300 s (virtual) later.
  sim_clock_.Advance(std::chrono::seconds(301));
  nlohmann::json lost = WaitEvent("eos3b5e", "", "node n1 lost");
  nlohmann::json done = WaitFinished(key, id, std::chrono::seconds(600));

  ASSERT_FALSE(lost.is_null()) << HistorySummary("eos3b5e");
  // Never a start failure. LOST, or UNHEALTHY when a chunk's broken /run made the pool stop
  // the instance before the node's loss reached the hub.
  EXPECT_EQ(lost["log_event"], "CRASHED") << HistorySummary("eos3b5e");
  EXPECT_TRUE(lost["reason"] == "LOST" || lost["reason"] == "UNHEALTHY")
      << HistorySummary("eos3b5e");
  ASSERT_EQ(done["request_status"], "COMPLETED") << done.dump();
  EXPECT_EQ(done["progress"]["molecules_failed"], 0) << done.dump();
  ExpectNoLostRows(key, id, smiles.size());
  bool on_n2 = false;
  for (const nlohmann::json& pod : ModelPods()) {
    on_n2 = on_n2 || pod["spec"].value("nodeName", "") == "n2";
  }
  EXPECT_TRUE(on_n2);
}

TEST_P(HubOnK8sSqliteTest, MalformedJsonFromTheApiServerLosesNoRowAndNoPod) {
  ExpectARequestSurvives(ResponseFault::kMalformedJson, ResponseFault::kMalformedJson, 3);
}

TEST_P(HubOnK8sSqliteTest, InternalErrorsFromTheApiServerLoseNoRowAndNoPod) {
  ExpectARequestSurvives(ResponseFault::kInternalError, ResponseFault::kInternalError, 3);
}

TEST_P(HubOnK8sSqliteTest, UnavailableApiServerLosesNoRowAndNoPod) {
  ExpectARequestSurvives(ResponseFault::kUnavailable, ResponseFault::kUnavailable, 3);
}

TEST_P(HubOnK8sSqliteTest, UnknownFieldsInEveryObjectAreIgnored) {
  // Every answer and every watch event of the whole request carries them.
  ExpectARequestSurvives(ResponseFault::kUnknownFields, ResponseFault::kUnknownFields, 1'000'000);
}

TEST_P(HubOnK8sSqliteTest, StalledWatchIsAbandonedAfterItsIdleTimeoutAndThePodsRelisted) {
  // Two watches in a row send nothing and hold their connection open.
  ExpectARequestSurvives(ResponseFault::kStalledWatch, std::nullopt, 2);
}

TEST_P(HubOnK8sSqliteTest, PendingPodsGrowTheNodeGroupAndTheRequestCompletes) {
  // No node at all: the first pod is Unschedulable until the MachineDeployment grows.
  sim_->AddMachineDeployment("default", "models", 0, 8000, 16'384, 120);
  StartHub(K8sSets("hub-a",
                   {"k8s.node_scaling.enabled=true", "k8s.node_scaling.machine_deployment=models",
                    "k8s.node_scaling.interval=200ms", "k8s.node_scaling.pending_grace=0s",
                    "jobs.acquire_timeout=300s"}));
  std::string key = AnonymousHeader();
  std::vector<std::string> smiles = SharedMolecules(500);

  std::int64_t id = Submit(api(), key, smiles);
  auto login = api().Login("root", kRootPassword);
  std::string root = test_support::BearerHeader(login.body["session"]);
  bool scaled = WaitFor(
      [&] {
        for (const nlohmann::json& d : ScalerDecisions(root)) {
          if (d.value("action", "") == "scale-up") {
            return true;
          }
        }
        return false;
      },
      std::chrono::seconds(60));
  ASSERT_TRUE(scaled) << api().Get("/api/admin/cluster/scaler-decisions", root).raw;
  // The Machine provisions in 120 virtual seconds from when the simulator's controller creates
  // it, which can be after this point: keep the clock moving until its node has joined.
  sim_clock_.Advance(std::chrono::seconds(121));
  bool joined = WaitMovingClock([&] { return !sim_->ListForTest("nodes").empty(); },
                                std::chrono::seconds(60), std::chrono::seconds(10));
  ASSERT_TRUE(joined) << sim_->GetForTest("machinedeployments", "default/models").dump();
  nlohmann::json done = WaitFinished(key, id, std::chrono::seconds(300));

  ASSERT_EQ(done["request_status"], "COMPLETED") << done.dump();
  ExpectNoLostRows(key, id, smiles.size());
  nlohmann::json md = sim_->GetForTest("machinedeployments", "default/models");
  EXPECT_GE(md["spec"].value("replicas", 0), 1) << md.dump();
  auto decisions = api().Get("/api/admin/cluster/scaler-decisions", root);
  EXPECT_TRUE(decisions.body.value("leader", false)) << decisions.raw;
}

INSTANTIATE_TEST_SUITE_P(Sqlite, HubOnK8sSqliteTest, ::testing::Values(Sqlite()), HubBackendName);

}  // namespace
}  // namespace hub
