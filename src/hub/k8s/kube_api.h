#pragma once

// Typed helpers over `KubeClient` for the objects the hub uses: pods, nodes, events,
// evictions, Cluster API scale subresources, leases and metrics.k8s.io. Objects stay JSON
// (the API's own shapes); these functions only build paths, bodies and queries.
//
// Thread-safety: stateless; as thread-safe as the client.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

#include "hub/k8s/kube_client.h"

namespace hub::k8s {

struct ObjectList {
  std::vector<nlohmann::json> items;
  std::string resource_version;
};

// "/api/v1/namespaces/<ns>/pods[/<name>]".
std::string PodsPath(const std::string& ns, const std::string& name = "");

// Lists a collection at `path` with optional selectors (all pages).
[[nodiscard]] absl::StatusOr<ObjectList> ListObjects(KubeClient& client,
                                                     const std::string& path,
                                                     const std::string& label_selector = "",
                                                     const std::string& field_selector = "");

// POSTs `pod` into `ns`; returns the stored pod (with its generated name). A 409 on a
// generated name is retried once, as older API servers need.
[[nodiscard]] absl::StatusOr<nlohmann::json> CreatePod(KubeClient& client,
                                                       const std::string& ns,
                                                       const nlohmann::json& pod);

// GETs one pod; kNotFound when it does not exist.
[[nodiscard]] absl::StatusOr<nlohmann::json> GetPod(KubeClient& client,
                                                    const std::string& ns,
                                                    const std::string& name);

// Deletes a pod with `gracePeriodSeconds` and, when `uid` is set, a uid precondition (so a
// retry never deletes a new pod of the same name). A pod already gone is success.
[[nodiscard]] absl::Status DeletePod(KubeClient& client,
                                     const std::string& ns,
                                     const std::string& name,
                                     const std::string& uid,
                                     int grace_seconds);

// Evicts through the Eviction API. kResourceExhausted (429) when a PodDisruptionBudget
// blocks it; kNotFound when the pod is gone; others as the client.
[[nodiscard]] absl::Status EvictPod(KubeClient& client,
                                    const std::string& ns,
                                    const std::string& name,
                                    const std::string& uid);

// PATCHes `path` with `patch` of the given type; returns the stored object.
[[nodiscard]] absl::StatusOr<nlohmann::json> PatchObject(KubeClient& client,
                                                         const std::string& path,
                                                         const nlohmann::json& patch,
                                                         PatchType type);

// Sets `spec.unschedulable` of a node (cordon / uncordon).
[[nodiscard]] absl::Status SetNodeUnschedulable(KubeClient& client,
                                                const std::string& node,
                                                bool unschedulable);

// Events about one object (involvedObject.name, in `ns`), both legacy and new-style shapes
// as stored.
[[nodiscard]] absl::StatusOr<std::vector<nlohmann::json>> ListEventsFor(KubeClient& client,
                                                                        const std::string& ns,
                                                                        const std::string& name);

// "/apis/cluster.x-k8s.io/<version>/namespaces/<ns>/machinedeployments/<name>".
std::string MachineDeploymentPath(const std::string& version,
                                  const std::string& ns,
                                  const std::string& name);

// `spec.replicas` of a MachineDeployment's scale subresource.
[[nodiscard]] absl::StatusOr<int> GetScaleReplicas(KubeClient& client, const std::string& md_path);

// Sets replicas through the scale subresource (GET, change, PUT; 409 re-reads).
[[nodiscard]] absl::Status SetScaleReplicas(KubeClient& client,
                                            const std::string& md_path,
                                            int replicas);

// CPU and memory use from metrics.k8s.io (`PodMetrics` summed over containers, or
// `NodeMetrics`).
struct MetricsSample {
  std::int64_t cpu_millicores = 0;  // a rate over `window`
  std::int64_t memory_bytes = 0;    // working set
  std::string timestamp;
};

// Parses a PodMetrics or NodeMetrics object; kDataLoss for a malformed one.
[[nodiscard]] absl::StatusOr<MetricsSample> ParseMetrics(const nlohmann::json& object);

// `/apis/metrics.k8s.io/v1beta1/namespaces/<ns>/pods/<name>`; kNotFound (no sample yet, or
// metrics-server absent) and kUnavailable (aggregated API down) as the API answers.
[[nodiscard]] absl::StatusOr<MetricsSample> GetPodMetrics(KubeClient& client,
                                                          const std::string& ns,
                                                          const std::string& name);

// Kubelet resource metrics of one pod from Prometheus text (`/metrics/resource`), the
// fallback when metrics.k8s.io is absent: `pod_cpu_usage_seconds_total` and
// `pod_memory_working_set_bytes`. kNotFound when the pod has no samples.
struct KubeletPodSample {
  double cpu_seconds = 0;
  std::int64_t memory_bytes = 0;
};

[[nodiscard]] absl::StatusOr<KubeletPodSample> ParseKubeletPodSample(const std::string& text,
                                                                     const std::string& ns,
                                                                     const std::string& pod);

}  // namespace hub::k8s
