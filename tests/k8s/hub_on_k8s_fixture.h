#pragma once

// The real hub (`ersilia-hub serve`, a separate process) running model instances as pods on
// the Kubernetes API simulator, which runs in the test process and reaches the hub through a
// kubeconfig the fixture writes. Each pod is a real `ersilia-hub model-server` on its own
// loopback address, so every chunk goes through real HTTP from the hub to a pod.
//
// The simulator's clock starts at the real time (the hub's clock) and moves only when a test
// advances it: provisioning delays, taint-manager timers and pull backoffs are virtual.

#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

#include "hub/common/clock.h"

#include "tests/jobs/work_request_fixture.h"
#include "tests/k8s/kube_simulator.h"
#include "tests/k8s/sim_test_util.h"

namespace hub {

inline constexpr char kModelsNamespace[] = "eos";

class HubOnK8sTest : public WorkRequestTest {
protected:
  void SetUp() override {
    WorkRequestTest::SetUp();
    k8s::sim::SimulatorOptions options;
    options.hub_binary = test_support::HubBinary();
    options.work_dir = test_support::MakeTempDir("k8s-sim");
    sim_ = std::make_unique<k8s::sim::KubeSimulator>(options, sim_clock_);
    ASSERT_TRUE(sim_->Start().ok());
    kubeconfig_ = WriteKubeconfig(sim_->url());
  }

  void TearDown() override {
    // The hubs first: they delete their pods while the API is still there.
    if (hub_b_ != nullptr && hub_b_->Running()) {
      hub_b_->Stop();
    }
    if (hub_ != nullptr && hub_->Running()) {
      hub_->Stop();
    }
    if (sim_ != nullptr) {
      sim_->Stop();
    }
  }

  static std::string WriteKubeconfig(const std::string& server) {
    std::string path = test_support::MakeTempDir("kubeconfig") + "/config";
    std::ofstream out(path);
    out << "apiVersion: v1\nkind: Config\n"
        << "clusters:\n- name: sim\n  cluster:\n    server: " << server << "\n"
        << "users:\n- name: hub\n  user:\n    token: sim-token\n"
        << "contexts:\n- name: sim\n  context:\n    cluster: sim\n    user: hub\n"
        << "    namespace: " << kModelsNamespace << "\n"
        << "current-context: sim\n";
    return path;
  }

  // Settings of a hub whose instances are pods of the simulator.
  std::vector<std::string> K8sSets(const std::string& server_id,
                                   std::vector<std::string> more = {}) const {
    std::vector<std::string> sets =
        FastSets({"runtime.backend=kubernetes", "k8s.kubeconfig=" + kubeconfig_,
                  std::string("k8s.namespace=") + kModelsNamespace, "k8s.pod_port=8080",
                  "runtime.memory_budget=0", "runtime.server_id=" + server_id,
                  "k8s.replica_lease_interval=200ms", "k8s.replica_lease_duration=3s"});
    sets.insert(sets.end(), more.begin(), more.end());
    return sets;
  }

  // Starts a second hub on the same storage (own data directory, shared results directory).
  void StartSecondHub(const std::vector<std::string>& sets) {
    test_support::HubProcess::Options options;
    options.args = {"serve", "--port", "0"};
    std::vector<std::string> all = BaseSets();
    all.insert(all.end(), sets.begin(), sets.end());
    for (const std::string& set : all) {
      options.args.insert(options.args.end(), {"--set", set});
    }
    storage_->Configure(options);
    options.data_dir = test_support::MakeTempDir("hub-b");
    auto second = test_support::HubProcess::Start(options);
    if (!second.ok()) {
      throw std::runtime_error("hub B did not start: " + std::string(second.status().message()));
    }
    hub_b_ = std::move(*second);
    api_b_ = std::make_unique<test_support::ApiClient>(hub_b_->Url(""));
  }

  // Polls `condition`, moving the virtual clock `step` ahead at most every 50 ms while it does
  // not hold (pod grace periods, provisioning), for up to `timeout` of real time. Timers that
  // start at an unknown moment (a Machine the simulator creates later) need the clock kept
  // moving, not advanced once.
  bool WaitMovingClock(const std::function<bool()>& condition,
                       std::chrono::seconds timeout,
                       std::chrono::seconds step = std::chrono::seconds(5)) {
    auto last = std::chrono::steady_clock::now();
    return k8s::sim::WaitFor(
        [&] {
          if (condition()) {
            return true;
          }
          if (std::chrono::steady_clock::now() - last >= std::chrono::milliseconds(50)) {
            sim_clock_.Advance(step);
            last = std::chrono::steady_clock::now();
          }
          return false;
        },
        timeout);
  }

  // The node scaler's decisions as the admin API shows them (`header` may list them).
  nlohmann::json ScalerDecisions(const std::string& header) {
    auto got = api().Get("/api/admin/cluster/scaler-decisions", header);
    EXPECT_EQ(got.status, 200) << got.raw;
    return got.body.value("decisions", nlohmann::json::array());
  }

  // Model pods in the simulator (all, or those of `owner`).
  std::vector<nlohmann::json> ModelPods(const std::string& owner = "") const {
    std::vector<nlohmann::json> pods;
    for (nlohmann::json& pod : sim_->ListForTest("pods")) {
      const nlohmann::json& labels = pod["metadata"].value("labels", nlohmann::json::object());
      if (labels.value("app.kubernetes.io/component", "") == "model" &&
          (owner.empty() || labels.value("ersilia.owner", "") == owner)) {
        pods.push_back(std::move(pod));
      }
    }
    return pods;
  }

  // The first Ready model pod, waiting for one up to `timeout`; null when none.
  nlohmann::json WaitRunningPod(std::chrono::seconds timeout = std::chrono::seconds(60)) {
    nlohmann::json found;
    k8s::sim::WaitFor(
        [&] {
          for (nlohmann::json& pod : ModelPods()) {
            bool ready = false;
            for (const nlohmann::json& c :
                 pod["status"].value("conditions", nlohmann::json::array())) {
              ready = ready || (c.value("type", "") == "Ready" && c.value("status", "") == "True");
            }
            if (ready && !pod["metadata"].contains("deletionTimestamp")) {
              found = std::move(pod);
              return true;
            }
          }
          return false;
        },
        timeout);
    return found;
  }

  // Instance history events of `model` on `hub` (newest first), as root.
  nlohmann::json History(test_support::ApiClient& hub, const std::string& model) {
    auto login = hub.Login("root", kRootPassword);
    auto got = hub.Get("/api/instances/history?limit=1000&model_id=" + model,
                       test_support::BearerHeader(login.body["session"]));
    EXPECT_EQ(got.status, 200) << got.raw;
    return got.body.value("history", nlohmann::json::array());
  }

  // One line per history event of `model`: "EVENT REASON message" (for failure messages).
  std::string HistorySummary(const std::string& model) {
    std::string out;
    for (const nlohmann::json& e : History(api(), model)) {
      out += e.value("log_event", "") + " " + e["reason"].dump() + " " + e["message"].dump() + "\n";
    }
    return out;
  }

  // The first history event of `model` whose `log_event` is `kind` (any when empty) and whose
  // message holds `text`, waiting up to `timeout`; null when none came.
  nlohmann::json WaitEvent(const std::string& model,
                           const std::string& kind,
                           const std::string& text,
                           std::chrono::seconds timeout = std::chrono::seconds(60)) {
    nlohmann::json found;
    k8s::sim::WaitFor(
        [&] {
          for (const nlohmann::json& event : History(api(), model)) {
            std::string message = event.value("message", nlohmann::json()).is_string()
                                      ? event["message"].get<std::string>()
                                      : "";
            if ((kind.empty() || event.value("log_event", "") == kind) &&
                message.find(text) != std::string::npos) {
              found = event;
              return true;
            }
          }
          return false;
        },
        timeout);
    return found;
  }

  // Result rows (JSON layout) of a finished request: every input row must be there, with a
  // value or an error.
  void ExpectNoLostRows(const std::string& header, std::int64_t id, size_t rows) {
    nlohmann::json result =
        nlohmann::json::parse(Result(header, id, "format=json"), nullptr, false);
    ASSERT_TRUE(result.is_array()) << result.dump().substr(0, 300);
    EXPECT_EQ(result.size(), rows);
  }

  common::ManualClock sim_clock_{common::SystemClock::Instance().NowMicros()};
  std::unique_ptr<k8s::sim::KubeSimulator> sim_;
  std::string kubeconfig_;
  std::unique_ptr<test_support::HubProcess> hub_b_;
  std::unique_ptr<test_support::ApiClient> api_b_;
};

}  // namespace hub
