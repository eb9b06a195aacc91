// The simulator's controllers: scheduler, kubelet, node lifecycle and Cluster API machines.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>

#include "fmt/format.h"

#include "hub/common/random.h"
#include "hub/common/strings.h"
#include "hub/k8s/quantity.h"

#include "tests/k8s/sim_selectors.h"
#include "tests/k8s/sim_state.h"

namespace hub::k8s::sim {
namespace {

using json = nlohmann::json;
using State = KubeSimulator::State;

constexpr common::Micros kSecond = common::kMicrosPerSecond;
constexpr common::Micros kTaintEvictionDelay = 300 * kSecond;

struct Amount {
  std::int64_t cpu = 0;     // millicores
  std::int64_t memory = 0;  // bytes
};

std::int64_t Quantity(const json& map, const char* name, bool cpu) {
  if (!map.is_object() || !map.contains(name) || !map[name].is_string()) {
    return 0;
  }
  auto value = cpu ? ParseMillicores(map[name].get<std::string>())
                   : ParseBytes(map[name].get<std::string>());
  return value.ok() ? *value : 0;
}

Amount PodRequests(const json& pod) {
  Amount total;
  for (const auto& container : pod["spec"].value("containers", json::array())) {
    json resources = container.value("resources", json::object());
    json requests = resources.value("requests", json::object());
    json limits = resources.value("limits", json::object());
    total.cpu +=
        requests.contains("cpu") ? Quantity(requests, "cpu", true) : Quantity(limits, "cpu", true);
    total.memory += requests.contains("memory") ? Quantity(requests, "memory", false)
                                                : Quantity(limits, "memory", false);
  }
  return total;
}

bool Terminal(const json& pod) {
  std::string phase = FieldValue(pod, "status.phase");
  return phase == "Succeeded" || phase == "Failed";
}

bool NodeReady(const json& node) {
  for (const auto& condition : node["status"].value("conditions", json::array())) {
    if (condition.value("type", "") == "Ready") {
      return condition.value("status", "") == "True";
    }
  }
  return false;
}

void SetCondition(json& pod,
                  const std::string& type,
                  const std::string& status,
                  const std::string& reason,
                  const std::string& message,
                  const std::string& now) {
  json& conditions = pod["status"]["conditions"];
  if (!conditions.is_array()) {
    conditions = json::array();
  }
  json condition = {{"type", type}, {"status", status}, {"lastTransitionTime", now}};
  if (!reason.empty()) {
    condition["reason"] = reason;
  }
  if (!message.empty()) {
    condition["message"] = message;
  }
  for (auto& existing : conditions) {
    if (existing.value("type", "") == type) {
      existing = condition;
      return;
    }
  }
  conditions.push_back(condition);
}

std::string Image(const json& pod) {
  const json& containers = pod["spec"]["containers"];
  return containers.empty() ? "" : containers[0].value("image", "");
}

int ContainerPort(const json& pod) {
  const json& container = pod["spec"]["containers"][0];
  for (const auto& port : container.value("ports", json::array())) {
    return port.value("containerPort", 80);
  }
  return 80;
}

json& Container(json& pod) {
  json& statuses = pod["status"]["containerStatuses"];
  if (!statuses.is_array() || statuses.empty()) {
    statuses = json::array({{{"name", "model"},
                             {"image", Image(pod)},
                             {"ready", false},
                             {"started", false},
                             {"restartCount", 0},
                             {"state", json::object()}}});
  }
  return statuses[0];
}

// "0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient memory. ..."
std::string UnschedulableMessage(size_t nodes, const std::map<std::string, int>& reasons) {
  std::vector<std::string> parts;
  for (const auto& [reason, count] : reasons) {
    parts.push_back(fmt::format("{} {}", count, reason));
  }
  return fmt::format(
      "0/{} nodes are available: {}. preemption: 0/{} nodes are available: {} Preemption is not "
      "helpful for scheduling.",
      nodes, common::Join(parts, ", "), nodes, nodes);
}

}  // namespace

void State::Tick() {
  std::vector<std::pair<std::string, std::string>> probes;
  {
    std::lock_guard<std::mutex> lock(mu);
    Schedule();
    RunKubelet(probes);
    RunMachines();
  }
  FinishProbes(probes);
}

void State::Schedule() {
  // Free capacity per node: allocatable minus the requests of its non-terminal pods.
  std::map<std::string, Amount> used;
  std::map<std::string, int> model_pods;
  for (const auto& [key, pod] : objects["pods"]) {
    std::string node = FieldValue(pod, "spec.nodeName");
    if (!node.empty() && !Terminal(pod)) {
      Amount request = PodRequests(pod);
      used[node].cpu += request.cpu;
      used[node].memory += request.memory;
      model_pods[node] +=
          pod["metadata"].value("labels", json::object()).contains("app.kubernetes.io/component")
              ? 1
              : 0;
    }
  }
  std::vector<std::string> pending;
  for (const auto& [key, pod] : objects["pods"]) {
    bool deleting = pod["metadata"].contains("deletionTimestamp");
    if (FieldValue(pod, "spec.nodeName").empty() && !deleting && !Terminal(pod)) {
      pending.push_back(key);
    }
  }
  for (const std::string& key : pending) {
    json pod = *Find("pods", key);
    Amount request = PodRequests(pod);
    std::map<std::string, int> reasons;
    std::string best;
    double best_score = -1;
    for (const auto& [node_key, node] : objects["nodes"]) {
      std::string name = FieldValue(node, "metadata.name");
      json allocatable = node["status"].value("allocatable", json::object());
      Amount free{Quantity(allocatable, "cpu", true) - used[name].cpu,
                  Quantity(allocatable, "memory", false) - used[name].memory};
      if (node["spec"].value("unschedulable", false)) {
        ++reasons["node(s) were unschedulable"];
        continue;
      }
      if (!NodeReady(node)) {
        ++reasons["node(s) had untolerated taint {node.kubernetes.io/unreachable: }"];
        continue;
      }
      bool fits = true;
      if (request.cpu > free.cpu) {
        ++reasons["Insufficient cpu"];
        fits = false;
      }
      if (request.memory > free.memory) {
        ++reasons["Insufficient memory"];
        fits = false;
      }
      if (!fits) {
        continue;
      }
      // Preferred pod affinity packs model pods; LeastAllocated breaks ties.
      double score = (model_pods[name] > 0 ? 100.0 : 0.0) +
                     10.0 * static_cast<double>(free.memory - request.memory) /
                         static_cast<double>(
                             std::max<std::int64_t>(1, Quantity(allocatable, "memory", false)));
      if (score > best_score) {
        best_score = score;
        best = name;
      }
    }
    if (!best.empty()) {
      pod["spec"]["nodeName"] = best;
      SetCondition(pod, "PodScheduled", "True", "", "", Now());
      used[best].cpu += request.cpu;
      used[best].memory += request.memory;
      ++model_pods[best];
      Put("pods", pod, "MODIFIED");
      RecordEvent(pod, "Normal", "Scheduled",
                  fmt::format("Successfully assigned {} to {}", key, best), true);
      continue;
    }
    std::string message = UnschedulableMessage(objects["nodes"].size(), reasons);
    if (objects["nodes"].empty()) {
      message = "no nodes available to schedule pods";
    }
    bool changed = true;
    for (const auto& condition : pod["status"].value("conditions", json::array())) {
      if (condition.value("type", "") == "PodScheduled" &&
          condition.value("message", "") == message) {
        changed = false;
      }
    }
    if (changed) {
      SetCondition(pod, "PodScheduled", "False", "Unschedulable", message, Now());
      Put("pods", pod, "MODIFIED");
      RecordEvent(pod, "Warning", "FailedScheduling", message, true);
    }
  }
}

void State::StartContainer(const std::string& key, json& pod, PodRuntime& runtime) {
  ImageFault fault =
      image_faults.count(Image(pod)) > 0 ? image_faults[Image(pod)] : ImageFault::kNone;
  if (fault == ImageFault::kCrashOnStart || fault == ImageFault::kOomOnStart) {
    bool oom = fault == ImageFault::kOomOnStart;
    Terminate(pod, runtime, oom ? 137 : 1, oom ? "OOMKilled" : "Error");
    return;
  }
  if (!options.hub_binary.empty()) {
    // "ersiliaos/<id>:<tag>" runs the built-in model <id>.
    std::string image = Image(pod);
    size_t slash = image.find('/');
    std::string model = image.substr(slash == std::string::npos ? 0 : slash + 1);
    model = model.substr(0, model.find(':'));
    std::string log =
        (std::filesystem::path(options.work_dir) /
         (FieldValue(pod, "metadata.namespace") + "_" + FieldValue(pod, "metadata.name") + ".log"))
            .string();
    runtime::SpawnOptions spawn;
    spawn.argv = {options.hub_binary, "model-server",
                  "--model",          model,
                  "--host",           runtime.ip,
                  "--port",           std::to_string(ContainerPort(pod)),
                  "--threads",        "1",
                  "--rdkit-data-dir", options.rdkit_data_dir,
                  "--log-level",      "warn"};
    spawn.output_path = log;
    // The controller thread lives as long as the simulator, so PDEATHSIG is safe.
    auto process = runtime::Subprocess::Spawn(spawn);
    if (!process.ok()) {
      Terminate(pod, runtime, 128, "ContainerCannotRun");
      return;
    }
    runtime.process = std::move(*process);
  }
  runtime.stage = PodRuntime::Stage::kRunning;
  runtime.ready = options.hub_binary.empty();
  runtime.started_real = std::chrono::steady_clock::now();
  json& container = Container(pod);
  container["state"] = {{"running", {{"startedAt", Now()}}}};
  container["started"] = true;
  container["ready"] = runtime.ready;
  pod["status"]["phase"] = "Running";
  if (runtime.ready) {
    SetCondition(pod, "ContainersReady", "True", "", "", Now());
    SetCondition(pod, "Ready", "True", "", "", Now());
  }
  Put("pods", pod, "MODIFIED");
  (void)key;
}

void State::Terminate(json& pod_ref,
                      PodRuntime& runtime,
                      int exit_code,
                      const std::string& reason) {
  json pod = pod_ref;
  json& container = Container(pod);
  json terminated = {
      {"exitCode", exit_code}, {"reason", reason}, {"startedAt", Now()}, {"finishedAt", Now()}};
  container["ready"] = false;
  SetCondition(pod, "Ready", "False", "ContainersNotReady",
               "containers with unready status: [model]", Now());
  SetCondition(pod, "ContainersReady", "False", "ContainersNotReady", "", Now());
  runtime.ready = false;
  runtime.process.reset();
  std::string policy = pod["spec"].value("restartPolicy", "Always");
  bool restart = policy == "Always" || (policy == "OnFailure" && exit_code != 0);
  if (!restart) {
    container["state"] = {{"terminated", terminated}};
    pod["status"]["phase"] = exit_code == 0 ? "Succeeded" : "Failed";
    runtime.stage = PodRuntime::Stage::kTerminated;
    Put("pods", std::move(pod), "MODIFIED");
    return;
  }
  runtime.restarts += 1;
  runtime.backoff_us = std::min<common::Micros>(
      300 * kSecond, runtime.backoff_us == 0 ? 10 * kSecond : runtime.backoff_us * 2);
  runtime.next_at = clock.NowMicros() + runtime.backoff_us;
  runtime.stage = PodRuntime::Stage::kBackOff;
  container["restartCount"] = runtime.restarts;
  container["lastState"] = {{"terminated", terminated}};
  std::string message = fmt::format("back-off {}s restarting failed container=model pod={}",
                                    runtime.backoff_us / kSecond, FieldValue(pod, "metadata.name"));
  container["state"] = {{"waiting", {{"reason", "CrashLoopBackOff"}, {"message", message}}}};
  Put("pods", pod, "MODIFIED");
  RecordEvent(pod, "Warning", "BackOff", "Back-off restarting failed container model", false);
}

namespace {

// True when nothing listens on ip:port, so a model-server may bind it.
bool AddressFree(const std::string& ip, int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    return false;
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  bool free = ::inet_pton(AF_INET, ip.c_str(), &address.sin_addr) == 1 &&
              ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  ::close(fd);
  return free;
}

}  // namespace

std::string State::NextPodIp(int port) {
  // Simulators of parallel test processes share the loopback range: each draws its own
  // 127.<block>.x.y range and skips any address a process already listens on.
  if (ip_block == 0) {
    ip_block = 1 + static_cast<unsigned char>(common::RandomBytes(1)[0]) % 250;
  }
  for (int attempt = 0; attempt < 1000; ++attempt) {
    std::string ip = fmt::format("127.{}.{}.{}", ip_block, 10 + next_ip / 250, 1 + next_ip % 250);
    ++next_ip;
    if (AddressFree(ip, port)) {
      return ip;
    }
  }
  return fmt::format("127.{}.9.1", ip_block);
}

namespace {

// The kubelet's first sight of a bound pod: sandbox, IP, ContainerCreating.
void Admit(State& s, json& pod, PodRuntime& runtime) {
  runtime.ip = s.NextPodIp(ContainerPort(pod));
  std::string node = FieldValue(pod, "spec.nodeName");
  bool cached = s.pulled.count(node + "|" + Image(pod)) > 0;
  runtime.next_at = s.clock.NowMicros() + (cached ? 0 : s.options.image_pull_seconds * kSecond);
  pod["status"]["startTime"] = s.Now();
  pod["status"]["hostIP"] = "127.0.0.1";
  pod["status"]["podIP"] = runtime.ip;
  pod["status"]["podIPs"] = json::array({{{"ip", runtime.ip}}});
  SetCondition(pod, "PodReadyToStartContainers", "True", "", "", s.Now());
  SetCondition(pod, "Initialized", "True", "", "", s.Now());
  SetCondition(pod, "Ready", "False", "ContainersNotReady",
               "containers with unready status: [model]", s.Now());
  SetCondition(pod, "ContainersReady", "False", "ContainersNotReady",
               "containers with unready status: [model]", s.Now());
  Container(pod)["state"] = {{"waiting", {{"reason", "ContainerCreating"}}}};
  s.Put("pods", pod, "MODIFIED");
  s.RecordEvent(pod, "Normal", "Pulling", fmt::format("Pulling image \"{}\"", Image(pod)), false);
}

std::string PullError(ImageFault fault, const std::string& image) {
  if (fault == ImageFault::kRateLimited) {
    return fmt::format(
        "failed to pull and unpack image \"docker.io/{}\": 429 Too Many Requests - "
        "Server message: toomanyrequests: You have reached your pull rate limit",
        image);
  }
  return fmt::format(
      "rpc error: code = NotFound desc = failed to pull and unpack image "
      "\"docker.io/{}\": docker.io/{}: not found: manifest unknown",
      image, image);
}

}  // namespace

void State::RunKubelet(std::vector<std::pair<std::string, std::string>>& probes) {
  common::Micros now = clock.NowMicros();
  std::vector<std::string> keys;
  for (const auto& [key, pod] : objects["pods"]) {
    if (!FieldValue(pod, "spec.nodeName").empty()) {
      keys.push_back(key);
    }
  }
  for (const std::string& key : keys) {
    json pod = *Find("pods", key);
    std::string node = FieldValue(pod, "spec.nodeName");
    if (lost_nodes.count(node) > 0) {
      bool due = now - lost_nodes[node] >= kTaintEvictionDelay;
      if (due && !pod["metadata"].contains("deletionTimestamp")) {
        SetCondition(pod, "DisruptionTarget", "True", "DeletionByTaintManager",
                     "Taint manager: deleting due to NoExecute taint", Now());
        pod["metadata"]["deletionTimestamp"] = Now();
        pod["metadata"]["deletionGracePeriodSeconds"] = 30;
        Put("pods", pod, "MODIFIED");
      }
      continue;
    }
    PodRuntime& runtime = pods[key];
    if (pod["metadata"].contains("deletionTimestamp")) {
      if (runtime.deleting_since == 0) {
        runtime.deleting_since = now;
        if (runtime.process != nullptr) {
          runtime.process->Signal(SIGTERM);
        }
      }
      int grace = pod["metadata"].value("deletionGracePeriodSeconds", 30);
      bool exited = runtime.process == nullptr || runtime.process->TryWait().has_value();
      if (exited || now - runtime.deleting_since >= grace * kSecond) {
        Remove("pods", key);
      }
      continue;
    }
    if (Terminal(pod)) {
      continue;
    }
    if (runtime.ip.empty()) {
      Admit(*this, pod, runtime);
      continue;
    }
    ImageFault fault =
        image_faults.count(Image(pod)) > 0 ? image_faults[Image(pod)] : ImageFault::kNone;
    bool pull_fault = fault == ImageFault::kNotFound || fault == ImageFault::kRateLimited;
    switch (runtime.stage) {
      case PodRuntime::Stage::kPulling:
        if (pull_fault) {
          Container(pod)["state"] = {
              {"waiting", {{"reason", "ErrImagePull"}, {"message", PullError(fault, Image(pod))}}}};
          runtime.stage = PodRuntime::Stage::kPullBackOff;
          runtime.backoff_us = std::min<common::Micros>(
              300 * kSecond, runtime.backoff_us == 0 ? 10 * kSecond : runtime.backoff_us * 2);
          runtime.next_at = now + runtime.backoff_us;
          runtime.pull_errored = true;
          Put("pods", pod, "MODIFIED");
          RecordEvent(pod, "Warning", "Failed", PullError(fault, Image(pod)), false);
        } else if (now >= runtime.next_at) {
          pulled.insert(node + "|" + Image(pod));
          RecordEvent(pod, "Normal", "Pulled",
                      fmt::format("Successfully pulled image \"{}\"", Image(pod)), false);
          StartContainer(key, pod, runtime);
        }
        break;
      case PodRuntime::Stage::kPullBackOff:
        if (runtime.pull_errored) {
          runtime.pull_errored = false;
          Container(pod)["state"] = {
              {"waiting",
               {{"reason", "ImagePullBackOff"},
                {"message", fmt::format("Back-off pulling image \"{}\": ErrImagePull: {}",
                                        Image(pod), PullError(fault, Image(pod)))}}}};
          Put("pods", pod, "MODIFIED");
        } else if (now >= runtime.next_at) {
          runtime.stage = PodRuntime::Stage::kPulling;
        }
        break;
      case PodRuntime::Stage::kRunning:
        if (runtime.process != nullptr) {
          auto exit = runtime.process->TryWait();
          if (exit.has_value()) {
            Terminate(pod, runtime, exit->signaled ? 128 + exit->signal : exit->code,
                      exit->code == 0 && !exit->signaled ? "Completed" : "Error");
          } else if (!runtime.ready) {
            probes.emplace_back(
                key, fmt::format("http://{}:{}/healthz", runtime.ip, ContainerPort(pod)));
          }
        }
        break;
      case PodRuntime::Stage::kBackOff:
        if (now >= runtime.next_at) {
          StartContainer(key, pod, runtime);
        }
        break;
      case PodRuntime::Stage::kTerminated:
      case PodRuntime::Stage::kLost:
        break;
    }
  }
}

void State::FinishProbes(const std::vector<std::pair<std::string, std::string>>& probes) {
  for (const auto& [key, url] : probes) {
    auto answer = probe_client.Get(url, std::chrono::milliseconds(300));
    if (!answer.ok() || answer->status != 200) {
      continue;
    }
    std::lock_guard<std::mutex> lock(mu);
    json* stored = Find("pods", key);
    auto runtime = pods.find(key);
    if (stored == nullptr || runtime == pods.end() ||
        runtime->second.stage != PodRuntime::Stage::kRunning || runtime->second.ready) {
      continue;
    }
    runtime->second.ready = true;
    json pod = *stored;
    Container(pod)["ready"] = true;
    SetCondition(pod, "ContainersReady", "True", "", "", Now());
    SetCondition(pod, "Ready", "True", "", "", Now());
    Put("pods", std::move(pod), "MODIFIED");
  }
}

void State::LosePods(const std::string& node_name) {
  json* node = Find("nodes", "/" + node_name);
  if (node == nullptr) {
    return;
  }
  json updated = *node;
  updated["status"]["conditions"] =
      json::array({{{"type", "Ready"},
                    {"status", "Unknown"},
                    {"reason", "NodeStatusUnknown"},
                    {"message", "Kubelet stopped posting node status."},
                    {"lastTransitionTime", Now()}}});
  updated["spec"]["taints"] = json::array(
      {{{"key", "node.kubernetes.io/unreachable"}, {"effect", "NoExecute"}, {"timeAdded", Now()}}});
  Put("nodes", std::move(updated), "MODIFIED");
  lost_nodes[node_name] = clock.NowMicros();
  std::vector<std::string> keys;
  for (const auto& [key, pod] : objects["pods"]) {
    if (FieldValue(pod, "spec.nodeName") == node_name) {
      keys.push_back(key);
    }
  }
  // The node lifecycle controller marks the pods not ready; their containers are gone.
  for (const std::string& key : keys) {
    pods[key].process.reset();
    pods[key].stage = PodRuntime::Stage::kLost;
    json pod = *Find("pods", key);
    SetCondition(pod, "Ready", "False", "NodeLost", "", Now());
    Put("pods", std::move(pod), "MODIFIED");
  }
}

namespace {

json MachineNode(const json& md, const std::string& name, const std::string& now) {
  json annotations = md["metadata"].value("annotations", json::object());
  json resources = {
      {"cpu", annotations.value("capacity.cluster-autoscaler.kubernetes.io/cpu", "4")},
      {"memory", annotations.value("capacity.cluster-autoscaler.kubernetes.io/memory", "8Gi")},
      {"pods", "110"}};
  std::string md_name = FieldValue(md, "metadata.name");
  return {
      {"apiVersion", "v1"},
      {"kind", "Node"},
      {"metadata",
       {{"name", name},
        {"uid", common::NewUuid()},
        {"creationTimestamp", now},
        {"labels",
         {{"kubernetes.io/hostname", name}, {"cluster.x-k8s.io/deployment-name", md_name}}},
        {"annotations",
         {{"cluster.x-k8s.io/machine", name},
          {"cluster.x-k8s.io/cluster-namespace", FieldValue(md, "metadata.namespace")},
          {"cluster.x-k8s.io/owner-kind", "MachineSet"}}}}},
      {"spec", {{"providerID", "sim://" + name}}},
      {"status",
       {{"capacity", resources},
        {"allocatable", resources},
        {"conditions", {{{"type", "Ready"}, {"status", "True"}, {"reason", "KubeletReady"}}}}}}};
}

}  // namespace

void State::RunMachines() {
  common::Micros now = clock.NowMicros();
  std::vector<json> deployments;
  for (const auto& [key, md] : objects["machinedeployments"]) {
    deployments.push_back(md);
  }
  for (json md : deployments) {
    std::string ns = FieldValue(md, "metadata.namespace");
    std::string name = FieldValue(md, "metadata.name");
    int desired = md["spec"].value("replicas", 0);
    int delay = std::atoi(
        md["metadata"]["annotations"].value("sim.ersilia.io/provisioning-seconds", "0").c_str());
    std::vector<json> machines;
    for (const auto& [key, machine] : objects["machines"]) {
      if (machine["metadata"]["labels"].value("cluster.x-k8s.io/deployment-name", "") == name) {
        machines.push_back(machine);
      }
    }
    // Provisioning → Running: the Node registers.
    int ready = 0;
    for (json& machine : machines) {
      std::int64_t created = std::atoll(
          machine["metadata"]["annotations"].value("sim.ersilia.io/created-us", "0").c_str());
      bool provisioning = FieldValue(machine, "status.phase") == "Provisioning";
      if (provisioning && now - created >= delay * kSecond) {
        std::string machine_name = FieldValue(machine, "metadata.name");
        Put("nodes", MachineNode(md, machine_name, Now()), "ADDED");
        machine["status"] = {{"phase", "Running"},
                             {"nodeRef", {{"kind", "Node"}, {"name", machine_name}}}};
        Put("machines", machine, "MODIFIED");
      }
      ready += FieldValue(machine, "status.phase") == "Running" ? 1 : 0;
    }
    // Scale up: new Machines.
    for (int i = static_cast<int>(machines.size()); i < desired; ++i) {
      std::string machine_name = fmt::format("{}-{}", name, common::RandomHexToken(3).substr(0, 5));
      json machine = {{"apiVersion", "cluster.x-k8s.io/v1beta1"},
                      {"kind", "Machine"},
                      {"metadata",
                       {{"name", machine_name},
                        {"namespace", ns},
                        {"uid", common::NewUuid()},
                        {"creationTimestamp", Now()},
                        {"labels", {{"cluster.x-k8s.io/deployment-name", name}}},
                        {"annotations", {{"sim.ersilia.io/created-us", std::to_string(now)}}}}},
                      {"spec", {{"clusterName", "sim"}, {"providerID", "sim://" + machine_name}}},
                      {"status", {{"phase", "Provisioning"}}}};
      machines.push_back(Put("machines", std::move(machine), "ADDED"));
    }
    // Scale down: the annotated Machine first, else the newest.
    while (static_cast<int>(machines.size()) > desired) {
      auto victim =
          std::max_element(machines.begin(), machines.end(), [](const json& a, const json& b) {
            bool a_marked =
                a["metadata"]["annotations"].contains("cluster.x-k8s.io/delete-machine");
            bool b_marked =
                b["metadata"]["annotations"].contains("cluster.x-k8s.io/delete-machine");
            if (a_marked != b_marked) {
              return b_marked;
            }
            return FieldValue(a, "metadata.creationTimestamp") <
                   FieldValue(b, "metadata.creationTimestamp");
          });
      std::string machine_name = FieldValue(*victim, "metadata.name");
      std::vector<std::string> orphans;
      for (const auto& [key, pod] : objects["pods"]) {
        if (FieldValue(pod, "spec.nodeName") == machine_name) {
          orphans.push_back(key);
        }
      }
      for (const std::string& key : orphans) {
        Remove("pods", key);
      }
      Remove("nodes", "/" + machine_name);
      Remove("machines", fmt::format("{}/{}", ns, machine_name));
      ready -= FieldValue(*victim, "status.phase") == "Running" ? 1 : 0;
      machines.erase(victim);
    }
    int count = static_cast<int>(machines.size());
    json status = md.value("status", json::object());
    if (status.value("replicas", -1) != count || status.value("readyReplicas", -1) != ready) {
      md["status"] = {{"replicas", count}, {"readyReplicas", ready}, {"availableReplicas", ready}};
      Put("machinedeployments", std::move(md), "MODIFIED");
    }
  }
}

}  // namespace hub::k8s::sim
