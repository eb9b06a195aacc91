#pragma once

// Which hub replicas are alive, told through the Kubernetes API, and the reclaim of model pods
// that dead replicas left behind.
//
// Each replica holds its own coordination.k8s.io Lease in the models namespace, named after its
// server id (`ersilia-hub-replica-<id>-<hash>`, labelled `app.kubernetes.io/component=
// hub-replica`, `holderIdentity` = the server id) and renewed every `interval`. A replica whose
// Lease was not renewed for `lease_duration` is dead: every pass deletes the model pods owned
// (`ersilia.owner`) by a replica without a live Lease, through
// `KubernetesBackend::ReclaimPodsOfDeadOwners`. Any replica may do this (deleting a pod twice
// is harmless), so no leader is needed; a replica's Lease is renewed once in `Start` before it
// creates pods, so its pods never exist without its Lease.
//
// A replica cut off from the API for longer than `lease_duration` loses its pods to the
// others; its pool sees them as lost and starts new ones when it can reach the API again.
//
// Thread-safety: `Start` and `Stop` from one thread; `RunOnce` and `last_reclaimed` from any.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "hub/common/clock.h"
#include "hub/k8s/kube_client.h"
#include "hub/runtime/kubernetes_backend.h"

namespace hub::runtime {

struct ReplicaLeaseOptions {
  // This replica's server id (the pods' `ersilia.owner`).
  std::string server_id;
  std::string namespace_name = "eos-models";
  // A Lease not renewed this long marks its replica dead (on `clock`).
  std::chrono::seconds lease_duration{60};
  // Period of the background pass, in real time.
  std::chrono::milliseconds interval{15'000};
};

class ReplicaLeases final {
public:
  // `client`, `clock` and `backend` must outlive this object.
  ReplicaLeases(k8s::KubeClient& client,
                const common::Clock& clock,
                KubernetesBackend& backend,
                ReplicaLeaseOptions options);
  ~ReplicaLeases();

  ReplicaLeases(const ReplicaLeases&) = delete;
  ReplicaLeases& operator=(const ReplicaLeases&) = delete;

  // Creates or renews this replica's Lease. Errors of the API calls (kUnavailable when it is
  // down, kPermissionDenied without the `leases` rights).
  [[nodiscard]] absl::Status Renew();

  // Server ids of the replicas whose Lease is live now, this one included.
  [[nodiscard]] absl::StatusOr<std::set<std::string>> LiveReplicas();

  // One pass: renew, list the live replicas, reclaim the pods of the others. Returns how many
  // pods were deleted; API errors stop the pass.
  [[nodiscard]] absl::StatusOr<int> RunOnce();

  // Renews once (a failure is logged, the loop retries), then runs `RunOnce` every `interval`
  // on a thread until `Stop`.
  void Start();
  void Stop();

  // Pods reclaimed since the start.
  int reclaimed() const { return reclaimed_.load(); }

  // The Lease name of a server id: DNS-safe, at most 63 characters, distinct per id.
  static std::string LeaseNameFor(const std::string& server_id);

private:
  void Loop();

  k8s::KubeClient& client_;
  const common::Clock& clock_;
  KubernetesBackend& backend_;
  const ReplicaLeaseOptions options_;
  const std::string lease_path_;
  std::atomic<int> reclaimed_{0};

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace hub::runtime
