#pragma once

// Instances as pods on a Kubernetes cluster: one bare pod per instance, named after the
// instance id, from `ersiliaos/<model id>:<image tag>` with the model's requests and limits.
//
// Pods carry labels and annotations naming the model, the instance and the owning replica
// (`ersilia.owner`), `cluster-autoscaler.kubernetes.io/safe-to-evict: "false"` and
// `karpenter.sh/do-not-disrupt: "true"` (a model pod is an unreplicated job), preferred pod
// affinity to other model pods (packing), `restartPolicy: Never`, a /healthz readiness probe
// and `activeDeadlineSeconds` as a safety net for pods a dead replica leaves behind.
//
// An informer (list-then-watch) follows every model pod in the namespace. Each change of an
// instance's pod is classified (kubernetes.md §2.3) and reported to the observer:
//   - Ready=True, then `GET /healthz` on `podIP:port` answers 2xx → kReady;
//   - Unschedulable → stays kStarting with the scheduler's message in `details` while a
//     node scale-up can still help (`node_scaling`), failing after `unschedulable_timeout`
//     (or `unschedulable_timeout_without_scaling`); never deleted earlier;
//   - ErrImagePull/ImagePullBackOff with "not found", "manifest unknown", "unauthorized" or
//     "pull access denied", InvalidImageName → kStartFailed, permanent; other pull errors
//     (rate limits) wait until `image_pull_timeout`;
//   - a terminated container or CrashLoopBackOff → kStartFailed before ready, kCrashed after,
//     with the exit code; OOMKilled → kOutOfMemory;
//   - Evicted (kubelet), Eviction API, taint-manager deletion or a NotReady node → kLost,
//     whenever it happens (also before the instance was reported ready), with the reason;
//   - the pod deleted by someone else → kLost.
// Bad answers from the API (malformed JSON, 5xx, unknown fields, stalled watches) never
// stop the backend: the informer relists after them, a watch silent for `watch_idle_timeout`
// is abandoned, and a create whose outcome is unknown (malformed answer, 5xx, transport
// error) deletes the pod by name, so no pod runs that the hub does not track.
// Logs are fetched before a finished pod is deleted (with a uid precondition), so `Logs`
// works after the end. Usage comes from metrics.k8s.io (its CPU rate integrated into a
// counter), falling back to the kubelet's /metrics/resource through the API server proxy.
//
// Thread-safety: thread-safe, as `InstanceBackend` requires; observer calls are made without
// backend locks held, from the informer thread or the monitor thread.

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"

#include "hub/common/clock.h"
#include "hub/http/client.h"
#include "hub/k8s/informer.h"
#include "hub/k8s/kube_client.h"
#include "hub/runtime/instance_backend.h"

namespace hub::runtime {

struct KubernetesBackendOptions {
  // Where model pods live.
  std::string namespace_name = "eos-models";
  std::string image_repository = "ersiliaos";
  // The port model servers listen on inside the pod (`containerPort`).
  int pod_port = 80;
  // True when a node scaler or autoscaler can add capacity, so Unschedulable is waited out.
  bool node_scaling = true;
  // Timeouts from kubernetes.md §7, measured on `clock`.
  std::chrono::seconds unschedulable_timeout{15 * 60};
  std::chrono::seconds unschedulable_timeout_without_scaling{3 * 60};
  std::chrono::seconds image_pull_timeout{15 * 60};
  std::chrono::seconds ready_timeout{10 * 60};
  // Pod lifetime cap (activeDeadlineSeconds).
  std::chrono::seconds active_deadline{24 * 3600};
  int termination_grace_seconds = 10;
  // `priorityClassName`; empty: none.
  std::string priority_class;
  // `schedulerName`, e.g. a second scheduler whose NodeResourcesFit scores MostAllocated
  // (kubernetes.md §4.4); empty: the default scheduler.
  std::string scheduler_name;
  // Monitor period (timeouts, /healthz checks), in real time.
  std::chrono::milliseconds monitor_interval{100};
  // Each pod watch asks the server to end it after this long (`timeoutSeconds`); it resumes.
  std::chrono::seconds watch_timeout{300};
  // A watch that sends no byte (not even a bookmark) for this long is abandoned and the pods
  // are relisted: a stalled or half-open stream cannot hide pod changes for longer.
  std::chrono::milliseconds watch_idle_timeout{360'000};
};

class KubernetesBackend final : public InstanceBackend {
public:
  // `client`, `http` (for /healthz) and `clock` must outlive the backend. Starts the informer
  // and the monitor thread.
  KubernetesBackend(k8s::KubeClient& client,
                    http::Client& http,
                    const common::Clock& clock,
                    KubernetesBackendOptions options);
  ~KubernetesBackend() override;

  KubernetesBackend(const KubernetesBackend&) = delete;
  KubernetesBackend& operator=(const KubernetesBackend&) = delete;

  std::string_view name() const override { return kKubernetesBackend; }

  void SetObserver(Observer* observer) override;

  // Creates the pod. kInvalidArgument when the API rejects it (422); kUnavailable or
  // kResourceExhausted when the API is down or throttling; kAlreadyExists for a reused id.
  absl::Status Start(const InstanceSpec& spec) override;
  void Stop(const std::string& instance_id, std::chrono::milliseconds grace) override;

  // Adopts the owner's Ready pods (returned as kReady observations and followed from then
  // on) and deletes its pods that are not Ready, since no start is waiting for them.
  absl::StatusOr<std::vector<InstanceObservation>> ListOwned(const std::string& owner) override;
  absl::StatusOr<ResourceUsage> Usage(const std::string& instance_id) override;
  absl::StatusOr<std::vector<std::string>> Logs(const std::string& instance_id,
                                                const LogQuery& query) override;
  void Shutdown() override;

  // Deletes model pods whose owner is not in `live_owners` (replicas that died); returns how
  // many. Call from the one replica that runs cluster housekeeping.
  [[nodiscard]] absl::StatusOr<int> ReclaimPodsOfDeadOwners(
      const std::set<std::string>& live_owners);

  // The pod manifest for `spec` (exposed for tests and `--dry-run` checks).
  nlohmann::json PodManifest(const InstanceSpec& spec) const;

private:
  struct Tracked {
    InstanceSpec spec;
    std::string uid;
    common::Micros created_at = 0;
    common::Micros running_since = 0;  // when the container was first seen running
    bool ready = false;
    bool stop_requested = false;
    bool exited = false;
    bool healthz_pending = false;
    bool pull_wait = false;  // a transient image pull error is being waited out
    bool unschedulable = false;
    std::string base_url;
    std::string node;
    std::string wait_message;
    double cpu_seconds = 0;  // integrated from metrics.k8s.io rates
    common::Micros cpu_sampled_at = 0;
  };

  // After a failed create: forgets the instance and deletes a pod the create may have made.
  absl::Status CreateFailed(const std::string& instance_id, const absl::Status& status);
  void OnPodEvent(const k8s::WatchEvent& event);
  std::optional<InstanceObservation> Classify(Tracked& tracked, const nlohmann::json& pod)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  InstanceObservation Exit(Tracked& tracked, ExitCause cause, std::string message, bool permanent)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Ended(const InstanceObservation& observation);
  void Finish(const std::string& instance_id, const std::string& uid);
  std::optional<InstanceObservation> AdoptOrDelete(const nlohmann::json& pod,
                                                   const std::string& owner);
  bool ReclaimIfDead(const nlohmann::json& pod, const std::set<std::string>& live);
  void Monitor();
  void CheckTimeouts(std::vector<InstanceObservation>& out) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CheckHealth();
  void Deliver(const std::vector<InstanceObservation>& observations);
  bool NodeReady(const std::string& node);

  k8s::KubeClient& client_;
  http::Client& http_;
  const common::Clock& clock_;
  KubernetesBackendOptions options_;
  std::unique_ptr<k8s::Informer> informer_;
  std::thread monitor_;

  std::mutex mu_;
  std::condition_variable cv_;
  Observer* observer_ ABSL_GUARDED_BY(mu_) = nullptr;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::string, Tracked> instances_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::vector<std::string>> final_logs_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hub::runtime
