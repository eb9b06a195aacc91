#pragma once

// The hub's own node scaler for a Cluster API MachineDeployment nobody else scales
// (kubernetes.md §4.3 "Mode B"), run by one hub replica at a time.
//
// Each pass (`RunOnce`):
//   1. Takes or renews a coordination.k8s.io Lease; a replica that does not hold it does
//      nothing else.
//   2. Looks for Karpenter: API discovery `GET /apis/karpenter.sh` (404: not installed), then
//      its NodePools and the nodes labelled `karpenter.sh/nodepool`. When Karpenter is
//      installed and has a NodePool or nodes, it provisions for pending pods and consolidates
//      empty nodes itself: the scaler records "karpenter" and never resizes, cordons or
//      drains anything (the backend's pod shape is all that is needed).
//   3. Reads the MachineDeployment. When it carries the cluster-autoscaler node-group
//      min/max annotations, an autoscaler owns it: the scaler records "autoscaler" and never
//      touches replicas. A paused deployment is left alone too.
//   4. Scale-up: model pods Unschedulable for at least `pending_grace` that fit an empty node
//      of the group are bin-packed (first-fit decreasing by memory) onto template nodes;
//      nodes still provisioning are subtracted; replicas are raised through /scale, clamped
//      to `max_nodes`. Pods bigger than a whole node are reported as never schedulable.
//   5. Scale-down, one node at a time, after `delay_after_scale_up` and
//      `delay_after_failure`: a Ready node of the group whose pods are all idle model pods
//      (or none) for `idle_before_removal` is cordoned; its pods are re-listed and its model
//      pods retired through `retire_pods` (all or none, atomically with the pool's idle
//      check, so no chunk can be leased to one of them between the check and the eviction);
//      anything else on the node, or a busy pod, aborts, restores the retired pods and
//      uncordons. Retired pods are evicted through the Eviction API (429 = a
//      PodDisruptionBudget blocks: retried until `drain_timeout`, then abort); once empty,
//      its Machine is annotated `cluster.x-k8s.io/delete-machine` and replicas lowered by one
//      (on failure the annotation is removed and the drain aborted).
// Every decision is logged and kept (`Decisions`) for the admin API.
//
// Thread-safety: `RunOnce`, `Start` and `Stop` from one thread; `Decisions` and `leader`
// from any.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "nlohmann/json.hpp"

#include "hub/common/clock.h"
#include "hub/k8s/kube_client.h"

namespace hub::k8s {

struct NodeScalerOptions {
  std::string models_namespace = "eos-models";
  // The MachineDeployment (on the same API server: management and workload cluster in one).
  std::string capi_namespace = "default";
  std::string machine_deployment;
  std::string capi_version = "v1beta1";
  int min_nodes = 0;
  int max_nodes = 10;
  // Leader election.
  std::string replica_id;
  std::string lease_namespace = "eos-models";
  std::string lease_name = "ersilia-hub-node-scaler";
  std::chrono::seconds lease_duration{15};
  // Timers (kubernetes.md §4.1, §7), on the injected clock.
  std::chrono::seconds pending_grace{10};
  std::chrono::seconds idle_before_removal{600};
  std::chrono::seconds delay_after_scale_up{600};
  std::chrono::seconds delay_after_failure{180};
  std::chrono::seconds drain_timeout{120};
  // Period of the background loop (`Start`), in real time.
  std::chrono::milliseconds interval{10'000};
  // True when the model pod `name` runs no work (picks scale-down candidates); empty: only
  // empty nodes are removed.
  std::function<bool(const std::string& name)> pod_is_idle;
  // Takes the model pods `names` out of service, all or none, in one step with the check
  // that they are idle; an error (busy, or not this replica's) aborts the drain. Empty:
  // `pod_is_idle` is asked again instead, which leaves a window for a chunk to arrive.
  std::function<absl::Status(const std::vector<std::string>& names)> retire_pods;
  // Puts pods `retire_pods` took out back in service after an aborted drain.
  std::function<void(const std::vector<std::string>& names)> restore_pods;
};

// One decision, for logs and the admin API.
struct ScalerDecision {
  common::Micros at = 0;
  // scale-up, scale-down, cordon, drain-blocked, abort, autoscaler, karpenter, never-fits
  std::string action;
  std::string node;
  int from = 0;
  int to = 0;
  std::string reason;
};

nlohmann::json DecisionToJson(const ScalerDecision& decision);

class NodeScaler final {
public:
  // `client` and `clock` must outlive the scaler.
  NodeScaler(KubeClient& client, const common::Clock& clock, NodeScalerOptions options);
  ~NodeScaler();

  NodeScaler(const NodeScaler&) = delete;
  NodeScaler& operator=(const NodeScaler&) = delete;

  // One pass as described above. Errors are those of the API calls (the pass stops there;
  // the next one starts over).
  [[nodiscard]] absl::Status RunOnce();

  // Runs `RunOnce` every `interval` on a thread until `Stop`.
  void Start();
  void Stop();

  // Most recent decisions, oldest first (at most 200).
  std::vector<ScalerDecision> Decisions() const;

  // True while this replica holds the lease.
  bool leader() const { return leader_.load(); }

private:
  struct Drain {
    std::string node;
    common::Micros started = 0;
    // Pods `retire_pods` took out of service, restored if the drain is given up.
    std::vector<std::string> retired;
  };

  // The background thread: a pass every `interval` until `Stop`.
  void Loop();
  // Waits one `interval`; false once `Stop` was called.
  bool WaitInterval();
  absl::StatusOr<bool> HoldLease();
  // Why Karpenter owns node provisioning here ("" when it does not).
  absl::StatusOr<std::string> DetectKarpenter();
  // Records that `action` ("karpenter", "autoscaler") owns the nodes, once per change, and
  // gives up a drain in progress.
  absl::Status HandsOff(const std::string& action, const std::string& reason);
  // The pass once the nodes are the hub's to scale.
  absl::Status ScaleGroup(const nlohmann::json& md);
  absl::Status ScaleUp(const nlohmann::json& md,
                       const std::vector<nlohmann::json>& pods,
                       const std::vector<nlohmann::json>& nodes,
                       bool& scaled);
  absl::Status ScaleDown(const nlohmann::json& md, const std::vector<nlohmann::json>& nodes);
  absl::Status ContinueDrain(const nlohmann::json& md);
  // Retires the live pods of the node being drained; why not ("" when all are retired).
  std::string RetirePods(const std::vector<nlohmann::json>& pods);
  // Evicts the pods not yet leaving; true when a PodDisruptionBudget refused one (429).
  absl::StatusOr<bool> EvictPods(const std::vector<nlohmann::json>& pods);
  absl::Status RemoveNode(const nlohmann::json& md, const std::string& node);
  absl::Status Abort(const std::string& node, const std::string& reason);
  absl::StatusOr<std::vector<nlohmann::json>> PodsOn(const std::string& node);
  bool Busy(const nlohmann::json& pod) const;
  void Record(ScalerDecision decision);

  KubeClient& client_;
  const common::Clock& clock_;
  NodeScalerOptions options_;
  std::atomic<bool> leader_{false};
  std::string md_path_;
  common::Micros last_scale_up_ = 0;
  common::Micros last_failure_ = 0;
  std::map<std::string, common::Micros> idle_since_;
  std::optional<Drain> drain_;
  std::string last_skip_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<ScalerDecision> decisions_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace hub::k8s
