#include "hub/runtime/kubernetes_backend.h"

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <vector>

#include <gtest/gtest.h>

#include "hub/k8s/kube_api.h"
#include "hub/runtime/replica_leases.h"

#include "tests/k8s/sim_test_util.h"

namespace hub::runtime {
namespace {

using k8s::sim::ImageFault;
using k8s::sim::KubeSimulator;
using k8s::sim::WaitFor;

class RecordingObserver final : public InstanceBackend::Observer {
public:
  void OnObservation(const InstanceObservation& observation) override {
    std::lock_guard<std::mutex> lock(mu_);
    seen_.push_back(observation);
  }

  std::optional<InstanceObservation> Find(const std::string& id, InstancePhase phase) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& observation : seen_) {
      if (observation.instance_id == id && observation.phase == phase) {
        return observation;
      }
    }
    return std::nullopt;
  }

private:
  std::mutex mu_;
  std::vector<InstanceObservation> seen_;
};

// A usable model-server binary: HUB_BINARY when it exists.
std::string HubBinary() {
  const char* binary = std::getenv("HUB_BINARY");  // NOLINT(concurrency-mt-unsafe)
  return binary != nullptr && std::filesystem::exists(binary) ? binary : "";
}

class KubernetesBackendTest : public ::testing::Test {
protected:
  void SetUp() override {
    if (HubBinary().empty()) {
      GTEST_FAIL() << "HUB_BINARY does not name a built ersilia-hub";
    }
    k8s::sim::SimulatorOptions options;
    options.hub_binary = HubBinary();
    options.work_dir = "/tmp/hub-k8s-backend-test";
    sim_ = std::make_unique<KubeSimulator>(options, clock_);
    ASSERT_TRUE(sim_->Start().ok());
    client_ = k8s::sim::ClientFor(*sim_, clock_);
    backend_ = MakeBackend();
  }

  void TearDown() override {
    if (backend_ != nullptr) {
      backend_->Shutdown();
    }
    if (sim_ != nullptr) {
      sim_->Stop();
    }
  }

  std::unique_ptr<KubernetesBackend> MakeBackend(bool node_scaling = true) {
    KubernetesBackendOptions options;
    options.namespace_name = "eos";
    options.pod_port = 8080;
    options.node_scaling = node_scaling;
    options.monitor_interval = std::chrono::milliseconds(10);
    auto backend = std::make_unique<KubernetesBackend>(*client_, http_, clock_, options);
    backend->SetObserver(&observer_);
    return backend;
  }

  InstanceSpec Spec(const std::string& id, std::int64_t memory_mb = 200) {
    InstanceSpec spec;
    spec.instance_id = id;
    spec.model_id = "eos3b5e";
    spec.owner = "replica-a";
    spec.details.image_tag = "v1.0.0";
    spec.details.resources.memory_request = memory_mb;
    spec.details.resources.memory_limit = memory_mb;
    return spec;
  }

  std::optional<InstanceObservation> WaitPhase(
      const std::string& id,
      InstancePhase phase,
      std::chrono::seconds timeout = std::chrono::seconds(20)) {
    WaitFor([&] { return observer_.Find(id, phase).has_value(); }, timeout);
    return observer_.Find(id, phase);
  }

  nlohmann::json Pod(const std::string& name) { return sim_->GetForTest("pods", "eos/" + name); }

  common::ManualClock clock_{1'700'000'000'000'000};
  http::Client http_;
  RecordingObserver observer_;
  std::unique_ptr<KubeSimulator> sim_;
  std::unique_ptr<k8s::HttpKubeClient> client_;
  std::unique_ptr<KubernetesBackend> backend_;
};

TEST_F(KubernetesBackendTest, BuildsThePodFromTheModelRecord) {
  nlohmann::json pod = backend_->PodManifest(Spec("eos3b5e-aa11"));

  const nlohmann::json& container = pod["spec"]["containers"][0];
  EXPECT_EQ(container["image"], "ersiliaos/eos3b5e:v1.0.0");
  EXPECT_EQ(container["resources"]["requests"]["memory"], "200Mi");
  EXPECT_EQ(container["resources"]["limits"]["cpu"], "500m");
  EXPECT_EQ(pod["metadata"]["annotations"]["cluster-autoscaler.kubernetes.io/safe-to-evict"],
            "false");
  EXPECT_EQ(pod["metadata"]["annotations"]["karpenter.sh/do-not-disrupt"], "true");
  EXPECT_EQ(pod["metadata"]["labels"]["ersilia.owner"], "replica-a");
  EXPECT_TRUE(pod["spec"]["affinity"]["podAffinity"].contains(
      "preferredDuringSchedulingIgnoredDuringExecution"));
}

TEST_F(KubernetesBackendTest, NamesTheConfiguredSchedulerOnlyWhenOneIsSet) {
  KubernetesBackendOptions options;
  options.namespace_name = "eos";
  options.scheduler_name = "ersilia-most-allocated";
  KubernetesBackend packing(*client_, http_, clock_, options);

  nlohmann::json named = packing.PodManifest(Spec("eos3b5e-aa11"));
  nlohmann::json plain = backend_->PodManifest(Spec("eos3b5e-aa12"));
  packing.Shutdown();

  EXPECT_EQ(named["spec"]["schedulerName"], "ersilia-most-allocated");
  EXPECT_FALSE(plain["spec"].contains("schedulerName"));
}

TEST_F(KubernetesBackendTest, StartsAReadyInstanceServingRealHttpAndStopsIt) {
  sim_->AddNode("n1", 4000, 8192);

  ASSERT_TRUE(backend_->Start(Spec("eos3b5e-aa11")).ok());
  auto ready = WaitPhase("eos3b5e-aa11", InstancePhase::kReady);
  ASSERT_TRUE(ready.has_value());
  auto health = http_.Get(ready->base_url + "/healthz");
  backend_->Stop("eos3b5e-aa11", std::chrono::seconds(5));
  auto exited = WaitPhase("eos3b5e-aa11", InstancePhase::kExited);

  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 200);
  ASSERT_TRUE(exited.has_value());
  EXPECT_EQ(exited->cause, ExitCause::kStopped);
  EXPECT_TRUE(WaitFor([&] { return Pod("eos3b5e-aa11").is_null(); }));
}

TEST_F(KubernetesBackendTest, AMissingImageFailsPermanently) {
  sim_->AddNode("n1", 4000, 8192);
  sim_->SetImageFault("ersiliaos/eos3b5e:v1.0.0", ImageFault::kNotFound);

  ASSERT_TRUE(backend_->Start(Spec("eos3b5e-aa11")).ok());
  auto exited = WaitPhase("eos3b5e-aa11", InstancePhase::kExited);

  ASSERT_TRUE(exited.has_value());
  EXPECT_EQ(exited->cause, ExitCause::kStartFailed);
  EXPECT_TRUE(exited->permanent);
  EXPECT_NE(exited->message.find("manifest unknown"), std::string::npos) << exited->message;
}

TEST_F(KubernetesBackendTest, OomKilledIsReportedAsOutOfMemory) {
  sim_->AddNode("n1", 4000, 8192);
  ASSERT_TRUE(backend_->Start(Spec("eos3b5e-aa11")).ok());
  ASSERT_TRUE(WaitPhase("eos3b5e-aa11", InstancePhase::kReady).has_value());

  sim_->KillContainerForTest("eos", "eos3b5e-aa11", 137, true);
  auto exited = WaitPhase("eos3b5e-aa11", InstancePhase::kExited);

  ASSERT_TRUE(exited.has_value());
  EXPECT_EQ(exited->cause, ExitCause::kOutOfMemory);
  EXPECT_NE(exited->message.find("OOMKilled"), std::string::npos);
}

TEST_F(KubernetesBackendTest, ACrashAfterReadyIsACrashWithItsExitCode) {
  sim_->AddNode("n1", 4000, 8192);
  ASSERT_TRUE(backend_->Start(Spec("eos3b5e-aa11")).ok());
  ASSERT_TRUE(WaitPhase("eos3b5e-aa11", InstancePhase::kReady).has_value());

  sim_->KillContainerForTest("eos", "eos3b5e-aa11", 2, false);
  auto exited = WaitPhase("eos3b5e-aa11", InstancePhase::kExited);

  ASSERT_TRUE(exited.has_value());
  EXPECT_EQ(exited->cause, ExitCause::kCrashed);
  EXPECT_NE(exited->message.find("code 2"), std::string::npos) << exited->message;
}

TEST_F(KubernetesBackendTest, UnschedulableWaitsForCapacityUntilTheTimeout) {
  sim_->AddNode("n1", 4000, 100);
  ASSERT_TRUE(backend_->Start(Spec("eos3b5e-aa11")).ok());
  ASSERT_TRUE(WaitFor([&] {
    return Pod("eos3b5e-aa11")["status"].value("conditions", nlohmann::json::array()).size() > 0;
  }));

  clock_.Advance(std::chrono::minutes(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  bool still_waiting = !observer_.Find("eos3b5e-aa11", InstancePhase::kExited).has_value() &&
                       !Pod("eos3b5e-aa11").is_null();
  clock_.Advance(std::chrono::minutes(6));
  auto exited = WaitPhase("eos3b5e-aa11", InstancePhase::kExited);

  EXPECT_TRUE(still_waiting);
  ASSERT_TRUE(exited.has_value());
  EXPECT_EQ(exited->cause, ExitCause::kStartFailed);
  EXPECT_NE(exited->message.find("Insufficient memory"), std::string::npos) << exited->message;
}

TEST_F(KubernetesBackendTest, KubeletEvictionAndNodeLossAreLost) {
  sim_->AddNode("n1", 4000, 8192);
  ASSERT_TRUE(backend_->Start(Spec("eos3b5e-aa11")).ok());
  ASSERT_TRUE(backend_->Start(Spec("eos3b5e-bb22")).ok());
  ASSERT_TRUE(WaitPhase("eos3b5e-aa11", InstancePhase::kReady).has_value());
  ASSERT_TRUE(WaitPhase("eos3b5e-bb22", InstancePhase::kReady).has_value());

  sim_->EvictByKubeletForTest("eos", "eos3b5e-aa11");
  auto evicted = WaitPhase("eos3b5e-aa11", InstancePhase::kExited);
  sim_->LoseNodeForTest("n1");
  auto lost = WaitPhase("eos3b5e-bb22", InstancePhase::kExited);

  ASSERT_TRUE(evicted.has_value() && lost.has_value());
  EXPECT_EQ(evicted->cause, ExitCause::kLost);
  EXPECT_NE(evicted->message.find("Evicted"), std::string::npos);
  EXPECT_EQ(lost->cause, ExitCause::kLost);
  EXPECT_NE(lost->message.find("lost"), std::string::npos) << lost->message;
}

TEST_F(KubernetesBackendTest, KeepsTrackAcrossACutWatch) {
  sim_->AddNode("n1", 4000, 8192);
  ASSERT_TRUE(backend_->Start(Spec("eos3b5e-aa11")).ok());
  ASSERT_TRUE(WaitPhase("eos3b5e-aa11", InstancePhase::kReady).has_value());

  sim_->CutWatchesForTest();
  sim_->KillContainerForTest("eos", "eos3b5e-aa11", 1, false);

  EXPECT_TRUE(WaitPhase("eos3b5e-aa11", InstancePhase::kExited).has_value());
}

TEST_F(KubernetesBackendTest, ANewReplicaAdoptsReadyPodsAndReclaimsDeadOnes) {
  sim_->AddNode("n1", 4000, 8192);
  ASSERT_TRUE(backend_->Start(Spec("eos3b5e-aa11")).ok());
  InstanceSpec other = Spec("eos3b5e-cc33");
  other.owner = "replica-dead";
  ASSERT_TRUE(backend_->Start(other).ok());
  ASSERT_TRUE(WaitPhase("eos3b5e-aa11", InstancePhase::kReady).has_value());
  ASSERT_TRUE(WaitPhase("eos3b5e-cc33", InstancePhase::kReady).has_value());

  auto restarted = MakeBackend();
  auto adopted = restarted->ListOwned("replica-a");
  auto reclaimed = restarted->ReclaimPodsOfDeadOwners({"replica-a"});

  ASSERT_TRUE(adopted.ok()) << adopted.status();
  ASSERT_EQ(adopted->size(), 1U);
  EXPECT_EQ((*adopted)[0].instance_id, "eos3b5e-aa11");
  EXPECT_EQ((*adopted)[0].phase, InstancePhase::kReady);
  ASSERT_TRUE(reclaimed.ok());
  EXPECT_EQ(*reclaimed, 1);
  EXPECT_TRUE(WaitFor([&] { return Pod("eos3b5e-cc33").is_null(); }));
  restarted->Shutdown();
}

TEST_F(KubernetesBackendTest, ReplicaLeasesReclaimOnlyPodsOfReplicasWhoseLeaseExpired) {
  sim_->AddNode("n1", 4000, 8192);
  ASSERT_TRUE(backend_->Start(Spec("eos3b5e-aa11")).ok());  // owner replica-a
  InstanceSpec of_b = Spec("eos3b5e-bb22");
  of_b.owner = "replica-b";
  ASSERT_TRUE(backend_->Start(of_b).ok());
  ReplicaLeaseOptions options;
  options.namespace_name = "eos";
  options.lease_duration = std::chrono::seconds(10);
  options.server_id = "replica-a";
  ReplicaLeases a(*client_, clock_, *backend_, options);
  options.server_id = "replica-b";
  ReplicaLeases b(*client_, clock_, *backend_, options);
  ASSERT_TRUE(a.Renew().ok());
  ASSERT_TRUE(b.Renew().ok());

  // Both alive: nothing is reclaimed.
  auto both = b.RunOnce();
  // replica-a stops renewing; after its Lease's duration replica-b reclaims its pod.
  clock_.Advance(std::chrono::seconds(11));
  auto after = b.RunOnce();
  auto live = b.LiveReplicas();

  ASSERT_TRUE(both.ok()) << both.status();
  EXPECT_EQ(*both, 0);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(*after, 1);
  EXPECT_EQ(b.reclaimed(), 1);
  ASSERT_TRUE(live.ok());
  EXPECT_EQ(*live, std::set<std::string>{"replica-b"});
  EXPECT_TRUE(WaitFor([&] { return Pod("eos3b5e-aa11").is_null(); }));
  EXPECT_FALSE(Pod("eos3b5e-bb22").is_null());
  EXPECT_NE(ReplicaLeases::LeaseNameFor("Hub_A.1"), ReplicaLeases::LeaseNameFor("hub-a-1"));
}

TEST_F(KubernetesBackendTest, UsageComesFromMetricsApi) {
  sim_->AddNode("n1", 4000, 8192);
  ASSERT_TRUE(backend_->Start(Spec("eos3b5e-aa11")).ok());
  ASSERT_TRUE(WaitPhase("eos3b5e-aa11", InstancePhase::kReady).has_value());

  auto usage = backend_->Usage("eos3b5e-aa11");

  ASSERT_TRUE(usage.ok()) << usage.status();
  EXPECT_GT(usage->memory_bytes, 0);
}

}  // namespace
}  // namespace hub::runtime
