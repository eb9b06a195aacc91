#include "hub/k8s/kube_api.h"

#include <cstdlib>
#include <sstream>

#include "fmt/format.h"

#include "hub/common/status_macros.h"
#include "hub/common/strings.h"
#include "hub/k8s/quantity.h"

namespace hub::k8s {

std::string PodsPath(const std::string& ns, const std::string& name) {
  std::string path = fmt::format("/api/v1/namespaces/{}/pods", ns);
  return name.empty() ? path : fmt::format("{}/{}", path, name);
}

absl::StatusOr<ObjectList> ListObjects(KubeClient& client,
                                       const std::string& path,
                                       const std::string& label_selector,
                                       const std::string& field_selector) {
  ObjectList list;
  std::string next;
  do {
    std::string query = "?limit=500";
    if (!label_selector.empty()) {
      query += "&labelSelector=" + QueryEscape(label_selector);
    }
    if (!field_selector.empty()) {
      query += "&fieldSelector=" + QueryEscape(field_selector);
    }
    if (!next.empty()) {
      query += "&continue=" + QueryEscape(next);
    }
    KubeRequest request;
    request.path = path + query;
    HUB_ASSIGN_OR_RETURN(nlohmann::json page, client.Call(request));
    if (!page.is_object() || !page.contains("items") || !page["items"].is_array()) {
      return absl::DataLossError(fmt::format("{} answered with no items list", path));
    }
    for (auto& item : page["items"]) {
      list.items.push_back(std::move(item));
    }
    nlohmann::json meta = page.value("metadata", nlohmann::json::object());
    list.resource_version = meta.value("resourceVersion", "");
    next = meta.value("continue", "");
  } while (!next.empty());
  return list;
}

absl::StatusOr<nlohmann::json> CreatePod(KubeClient& client,
                                         const std::string& ns,
                                         const nlohmann::json& pod) {
  KubeRequest request;
  request.method = http::Method::kPost;
  request.path = PodsPath(ns);
  request.body = pod.dump();
  auto created = client.Call(request);
  bool generated = pod.contains("metadata") && pod["metadata"].contains("generateName");
  if (!created.ok() && generated && created.status().code() == absl::StatusCode::kAlreadyExists) {
    created = client.Call(request);
  }
  return created;
}

absl::StatusOr<nlohmann::json> GetPod(KubeClient& client,
                                      const std::string& ns,
                                      const std::string& name) {
  KubeRequest request;
  request.path = PodsPath(ns, name);
  return client.Call(request);
}

absl::Status DeletePod(KubeClient& client,
                       const std::string& ns,
                       const std::string& name,
                       const std::string& uid,
                       int grace_seconds) {
  nlohmann::json options = {
      {"apiVersion", "v1"}, {"kind", "DeleteOptions"}, {"gracePeriodSeconds", grace_seconds}};
  if (!uid.empty()) {
    options["preconditions"] = {{"uid", uid}};
  }
  KubeRequest request;
  request.method = http::Method::kDelete;
  request.path = PodsPath(ns, name);
  request.body = options.dump();
  auto deleted = client.Call(request);
  if (!deleted.ok() && deleted.status().code() != absl::StatusCode::kNotFound) {
    return deleted.status();
  }
  return absl::OkStatus();
}

absl::Status EvictPod(KubeClient& client,
                      const std::string& ns,
                      const std::string& name,
                      const std::string& uid) {
  nlohmann::json eviction = {{"apiVersion", "policy/v1"},
                             {"kind", "Eviction"},
                             {"metadata", {{"name", name}, {"namespace", ns}}}};
  if (!uid.empty()) {
    eviction["deleteOptions"] = {{"preconditions", {{"uid", uid}}}};
  }
  KubeRequest request;
  request.method = http::Method::kPost;
  request.path = PodsPath(ns, name) + "/eviction";
  request.body = eviction.dump();
  return client.Call(request).status();
}

absl::StatusOr<nlohmann::json> PatchObject(KubeClient& client,
                                           const std::string& path,
                                           const nlohmann::json& patch,
                                           PatchType type) {
  KubeRequest request;
  request.method = http::Method::kPatch;
  request.path = path;
  request.body = patch.dump();
  request.content_type = std::string(PatchContentType(type));
  return client.Call(request);
}

absl::Status SetNodeUnschedulable(KubeClient& client, const std::string& node, bool unschedulable) {
  nlohmann::json patch = {{"spec", {{"unschedulable", unschedulable}}}};
  return PatchObject(client, "/api/v1/nodes/" + node, patch, PatchType::kStrategicMerge).status();
}

absl::StatusOr<std::vector<nlohmann::json>> ListEventsFor(KubeClient& client,
                                                          const std::string& ns,
                                                          const std::string& name) {
  HUB_ASSIGN_OR_RETURN(ObjectList list,
                       ListObjects(client, fmt::format("/api/v1/namespaces/{}/events", ns), "",
                                   "involvedObject.name=" + name));
  return std::move(list.items);
}

std::string MachineDeploymentPath(const std::string& version,
                                  const std::string& ns,
                                  const std::string& name) {
  return fmt::format("/apis/cluster.x-k8s.io/{}/namespaces/{}/machinedeployments/{}", version, ns,
                     name);
}

absl::StatusOr<int> GetScaleReplicas(KubeClient& client, const std::string& md_path) {
  KubeRequest request;
  request.path = md_path + "/scale";
  HUB_ASSIGN_OR_RETURN(nlohmann::json scale, client.Call(request));
  nlohmann::json spec = scale.value("spec", nlohmann::json::object());
  if (!spec.contains("replicas") || !spec["replicas"].is_number_integer()) {
    return 0;
  }
  return spec["replicas"].get<int>();
}

absl::Status SetScaleReplicas(KubeClient& client, const std::string& md_path, int replicas) {
  return UpdateWithRetry(client, md_path + "/scale",
                         [replicas](nlohmann::json& scale) {
                           scale["spec"]["replicas"] = replicas;
                           return absl::OkStatus();
                         })
      .status();
}

absl::StatusOr<MetricsSample> ParseMetrics(const nlohmann::json& object) {
  MetricsSample sample;
  auto add = [&sample](const nlohmann::json& usage) -> absl::Status {
    if (!usage.is_object()) {
      return absl::DataLossError("metrics usage is not an object");
    }
    HUB_ASSIGN_OR_RETURN(std::int64_t cpu, ParseMillicores(usage.value("cpu", "0")));
    HUB_ASSIGN_OR_RETURN(std::int64_t memory, ParseBytes(usage.value("memory", "0")));
    sample.cpu_millicores += cpu;
    sample.memory_bytes += memory;
    return absl::OkStatus();
  };
  if (!object.is_object()) {
    return absl::DataLossError("metrics object is not an object");
  }
  sample.timestamp = object.value("timestamp", "");
  if (object.contains("containers") && object["containers"].is_array()) {
    for (const auto& container : object["containers"]) {
      absl::Status added = add(container.value("usage", nlohmann::json()));
      if (!added.ok()) {
        return absl::DataLossError(added.message());
      }
    }
    return sample;
  }
  absl::Status added = add(object.value("usage", nlohmann::json()));
  if (!added.ok()) {
    return absl::DataLossError(added.message());
  }
  return sample;
}

absl::StatusOr<MetricsSample> GetPodMetrics(KubeClient& client,
                                            const std::string& ns,
                                            const std::string& name) {
  KubeRequest request;
  request.path = fmt::format("/apis/metrics.k8s.io/v1beta1/namespaces/{}/pods/{}", ns, name);
  HUB_ASSIGN_OR_RETURN(nlohmann::json object, client.Call(request));
  return ParseMetrics(object);
}

absl::StatusOr<KubeletPodSample> ParseKubeletPodSample(const std::string& text,
                                                       const std::string& ns,
                                                       const std::string& pod) {
  std::string labels = fmt::format(R"(namespace="{}",pod="{}")", ns, pod);
  KubeletPodSample sample;
  bool found = false;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    bool cpu = line.rfind("pod_cpu_usage_seconds_total{", 0) == 0;
    bool memory = line.rfind("pod_memory_working_set_bytes{", 0) == 0;
    size_t close = line.find('}');
    if ((!cpu && !memory) || close == std::string::npos || line.find(labels) == std::string::npos) {
      continue;
    }
    // "<name>{labels} <value> <timestamp ms>"; values may use exponent form.
    double value = std::strtod(line.c_str() + close + 1, nullptr);
    if (cpu) {
      sample.cpu_seconds = value;
    } else {
      sample.memory_bytes = static_cast<std::int64_t>(value);
    }
    found = true;
  }
  if (!found) {
    return absl::NotFoundError(fmt::format("no kubelet samples for pod {}/{}", ns, pod));
  }
  return sample;
}

}  // namespace hub::k8s
