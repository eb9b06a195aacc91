#pragma once

// A small, faithful Kubernetes API server for tests (never linked into the product).
//
// It serves over real HTTP the subset the hub uses, with the real JSON shapes: pods, nodes,
// events, poddisruptionbudgets, leases (core, policy, coordination.k8s.io), Cluster API
// machinedeployments (+ /scale) and machines, metrics.k8s.io, and (once installed) Karpenter's
// karpenter.sh/v1 group: discovery, NodePools and NodeClaims. Semantics follow
// ../shared/reference/kubernetes.md §6.4: one global resourceVersion; list + watch with a
// bounded history (an older resourceVersion gets an ERROR 410 event, or HTTP 410), bookmarks,
// timeoutSeconds, selector transitions; 409 on stale PUTs and uid preconditions; Status
// objects on every error; bearer-token auth (401); injected 429s with Retry-After; injected
// bad answers (malformed JSON, 500, 503, unknown fields, stalled watches) on chosen routes.
//
// Controllers run on a thread every few milliseconds against a `ManualClock` the test
// drives: a scheduler (requests-based fit, Unschedulable with the real message format,
// preferred pod affinity), a kubelet per node that runs each pod as a real
// `ersilia-hub model-server` on its own loopback address (so /healthz and /run are real HTTP)
// and probes its readiness, image faults (ErrImagePull ↔ ImagePullBackOff), crashes
// (Failed, or CrashLoopBackOff with restartPolicy Always), OOMKilled, kubelet eviction,
// node loss (Ready Unknown, then taint-manager deletion after 300 s), the Eviction API with
// PodDisruptionBudgets, and MachineDeployments that create Machines and Nodes after a
// provisioning delay.
//
// Thread-safety: every method is thread-safe.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"

#include "hub/common/clock.h"

namespace hub::k8s::sim {

struct SimulatorOptions {
  // Bearer token clients must send.
  std::string token = "sim-token";
  // Watch events kept; older resourceVersions are "too old" (410).
  size_t history_limit = 10'000;
  // Answer an expired watch with HTTP 410 instead of 200 + ERROR event.
  bool expired_as_http_410 = false;
  // The `ersilia-hub` binary run for each pod; empty: pods are Ready without a process.
  std::string hub_binary;
  std::string rdkit_data_dir = "/usr/share/RDKit";
  // Where pod logs go.
  std::string work_dir = "/tmp/hub-k8s-sim";
  // Virtual seconds a first pull of an image on a node takes.
  int image_pull_seconds = 0;
  // Real-time interval between bookmarks on quiet watches that asked for them.
  int bookmark_interval_ms = 200;
};

// What happens to pods of an image (`SetImageFault`).
enum class ImageFault {
  kNone,
  kNotFound,      // ErrImagePull "manifest unknown", then ImagePullBackOff
  kRateLimited,   // ErrImagePull "toomanyrequests"
  kCrashOnStart,  // the container exits 1 at once
  kOomOnStart,    // the container is OOMKilled (137) at once
};

// A bad answer served on a route (`InjectFaultForTest`).
enum class ResponseFault {
  kMalformedJson,  // the call is carried out; its body is cut in half (a watch: a line that is
                   // not JSON comes first)
  kInternalError,  // 500 InternalError; the call is not carried out
  kUnavailable,    // 503 ServiceUnavailable with Retry-After: 1; the call is not carried out
  kUnknownFields,  // the call is carried out; every object (and watch event) carries fields,
                   // conditions and container-status members no API version defines
  kStalledWatch,   // watches only: 200 and headers, then nothing while the connection stays open
};

// Which calls a fault hits: those on `resource` (plural, "pods"), with `method` ("GET", "POST",
// ...; empty for any), and watches only (`watch`) or every call but watches.
struct FaultRoute {
  std::string resource;
  std::string method;
  bool watch = false;
};

class KubeSimulator final {
public:
  KubeSimulator(SimulatorOptions options, common::ManualClock& clock);
  ~KubeSimulator();

  KubeSimulator(const KubeSimulator&) = delete;
  KubeSimulator& operator=(const KubeSimulator&) = delete;

  // Serves on 127.0.0.1:<free port> and starts the controllers.
  absl::Status Start();
  void Stop();

  // "http://127.0.0.1:<port>".
  std::string url() const;

  // Adds a Ready node with this allocatable CPU (millicores) and memory (MiB).
  void AddNode(const std::string& name,
               std::int64_t cpu_millicores,
               std::int64_t memory_mb,
               const std::map<std::string, std::string>& labels = {});

  // Adds a Cluster API MachineDeployment in `ns` whose Machines become Nodes of this size
  // `provisioning_seconds` (virtual) after creation. `autoscaler_managed` adds the
  // cluster-autoscaler min/max size annotations.
  void AddMachineDeployment(const std::string& ns,
                            const std::string& name,
                            int replicas,
                            std::int64_t node_cpu_millicores,
                            std::int64_t node_memory_mb,
                            int provisioning_seconds,
                            bool autoscaler_managed = false);

  // Installs Karpenter with one NodePool `nodepool` (real karpenter.sh/v1 shape). Before this,
  // `GET /apis/karpenter.sh` and everything under it answer 404, as on a cluster without it.
  void InstallKarpenter(const std::string& nodepool);

  // What Karpenter does for pending pods: a NodeClaim of `nodepool` (Launched, Registered,
  // Initialized, Ready) and its Ready Node `name`, labelled `karpenter.sh/nodepool`, of this
  // allocatable CPU (millicores) and memory (MiB). REQUIRES: `InstallKarpenter`.
  void AddKarpenterNode(const std::string& nodepool,
                        const std::string& name,
                        std::int64_t cpu_millicores,
                        std::int64_t memory_mb);

  // Creates any object directly (PDBs, namespaces of leases, ...), as a POST would.
  absl::Status CreateForTest(const std::string& resource, const nlohmann::json& object);

  // The stored object ("pods", "eos/name") or null.
  nlohmann::json GetForTest(const std::string& resource, const std::string& key) const;
  std::vector<nlohmann::json> ListForTest(const std::string& resource) const;

  void SetImageFault(const std::string& image, ImageFault fault);

  // Kills a running pod's container with this exit code (137 with `oom` = OOMKilled).
  void KillContainerForTest(const std::string& ns, const std::string& pod, int exit_code, bool oom);

  // Kubelet eviction (node pressure): Failed/Evicted, the object kept.
  void EvictByKubeletForTest(const std::string& ns, const std::string& pod);

  // The node stops heartbeating: Ready Unknown, its containers die; 300 s later its pods are
  // marked for deletion and stay Terminating until force-deleted.
  void LoseNodeForTest(const std::string& node);

  // Ends every open watch in the middle of an event.
  void CutWatchesForTest();

  // Forgets the watch history, so every watch from an older resourceVersion gets 410.
  void CompactHistoryForTest();

  // The next `count` API calls get 429 with `Retry-After: <seconds>`.
  void ThrottleForTest(int count, int retry_after_seconds);

  // The next `count` calls on `route` get `fault` instead of (or on top of) their answer. Rules
  // add up; the first rule with calls left that matches a call is used.
  void InjectFaultForTest(const FaultRoute& route, ResponseFault fault, int count);

  // Injected faults served so far.
  int faults_served() const;

  // Replaces the accepted token (the old one gets 401).
  void RotateTokenForTest(const std::string& token);

  // API calls served so far.
  std::int64_t api_calls() const;

  // The most recent API calls (at most 100,000), oldest first, as "VERB path" with the query
  // left out: "PATCH /api/v1/nodes/n1", "PUT /apis/cluster.x-k8s.io/v1beta1/.../scale".
  std::vector<std::string> RequestLogForTest() const;

  // Model server processes running now.
  int running_processes() const;

  class State;

private:
  std::shared_ptr<State> state_;
};

}  // namespace hub::k8s::sim
