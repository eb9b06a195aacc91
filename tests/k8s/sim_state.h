#pragma once

// Internals of `KubeSimulator`: the object store with its global revision and watch
// history, the API handlers, and the controllers. Only kube_simulator*.cc include this.

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "hub/common/clock.h"
#include "hub/http/client.h"
#include "hub/http/router.h"
#include "hub/http/server.h"
#include "hub/runtime/subprocess.h"

#include "tests/k8s/kube_simulator.h"

namespace hub::k8s::sim {

struct ResourceInfo {
  std::string api_version;
  std::string kind;
  bool namespaced = true;
  bool custom = false;  // a CRD: strategic merge is 415
};

// The resources the simulator serves, by plural name; nullptr when unknown.
const ResourceInfo* FindResource(const std::string& resource);

struct HistoryEvent {
  std::int64_t revision = 0;
  std::string resource;
  std::string type;
  nlohmann::json object;
  nlohmann::json previous;  // null for ADDED
};

// What the kubelet knows about one pod.
struct PodRuntime {
  enum class Stage { kPulling, kPullBackOff, kRunning, kBackOff, kTerminated, kLost };
  Stage stage = Stage::kPulling;
  common::Micros next_at = 0;     // pull done / back-off over
  common::Micros backoff_us = 0;  // current back-off
  std::unique_ptr<runtime::Subprocess> process;
  std::string ip;
  bool ready = false;
  bool oom_pending = false;
  bool pull_errored = false;
  int restarts = 0;
  common::Micros deleting_since = 0;
  std::chrono::steady_clock::time_point started_real;
};

// One `InjectFaultForTest` rule.
struct FaultRule {
  FaultRoute route;
  ResponseFault fault = ResponseFault::kInternalError;
  int left = 0;
};

class KubeSimulator::State {
public:
  State(SimulatorOptions options, common::ManualClock& clock);

  SimulatorOptions options;
  common::ManualClock& clock;
  mutable std::mutex mu;
  std::map<std::string, std::map<std::string, nlohmann::json>> objects;
  std::int64_t revision = 1;
  std::deque<HistoryEvent> history;
  std::int64_t compacted_revision = 0;  // watches from below this get 410
  std::atomic<int> cut_generation{0};
  std::atomic<bool> stopping{false};
  int throttle_left = 0;
  int throttle_retry_after = 1;
  std::vector<FaultRule> faults;
  std::atomic<int> faults_served{0};
  std::string token;
  std::atomic<std::int64_t> api_calls{0};
  std::deque<std::string> request_log;  // "VERB path", bounded; guarded by `mu`
  std::map<std::string, ImageFault> image_faults;
  std::map<std::string, PodRuntime> pods;  // by "ns/name"
  std::map<std::string, common::Micros> lost_nodes;
  std::set<std::string> pulled;  // "node|image"
  int next_ip = 1;
  bool karpenter = false;  // the karpenter.sh API group is served
  int ip_block = 0;        // second octet of this simulator's pod IPs; drawn on first use

  http::Router router;
  std::unique_ptr<http::Server> server;
  std::thread controller;
  http::Client probe_client;

  // A loopback address for a new pod on which `port` is free. REQUIRES: `mu` held.
  std::string NextPodIp(int port);

  // Store operations. REQUIRES: `mu` held.
  std::string Now() const;
  nlohmann::json& Put(const std::string& resource, nlohmann::json object, const std::string& type);
  void Remove(const std::string& resource, const std::string& key);
  nlohmann::json* Find(const std::string& resource, const std::string& key);
  void RecordEvent(const nlohmann::json& object,
                   const std::string& type,
                   const std::string& reason,
                   const std::string& message,
                   bool new_style);

  // Controllers (sim_controllers.cc). `Tick` takes `mu` itself.
  void Tick();
  void Schedule();
  void RunKubelet(std::vector<std::pair<std::string, std::string>>& probes);
  void RunMachines();
  void FinishProbes(const std::vector<std::pair<std::string, std::string>>& probes);
  void StartContainer(const std::string& key, nlohmann::json& pod, PodRuntime& runtime);
  void Terminate(nlohmann::json& pod,
                 PodRuntime& runtime,
                 int exit_code,
                 const std::string& reason);
  void LosePods(const std::string& node);
};

// Handlers (kube_simulator.cc).
void InstallRoutes(const std::shared_ptr<KubeSimulator::State>& state);

}  // namespace hub::k8s::sim
