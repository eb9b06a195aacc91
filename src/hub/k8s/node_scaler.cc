#include "hub/k8s/node_scaler.h"

#include <algorithm>
#include <utility>

#include "fmt/format.h"

#include "hub/common/log.h"
#include "hub/common/status_macros.h"
#include "hub/common/strings.h"
#include "hub/common/time_format.h"
#include "hub/k8s/kube_api.h"
#include "hub/k8s/quantity.h"

namespace hub::k8s {
namespace {

using json = nlohmann::json;

constexpr char kModelSelector[] = "app.kubernetes.io/component=model";
constexpr char kMinSize[] = "cluster.x-k8s.io/cluster-api-autoscaler-node-group-min-size";
constexpr char kMaxSize[] = "cluster.x-k8s.io/cluster-api-autoscaler-node-group-max-size";
constexpr char kDeleteMachine[] = "cluster.x-k8s.io/delete-machine";
constexpr char kKarpenterGroup[] = "/apis/karpenter.sh";
constexpr char kNodePoolLabel[] = "karpenter.sh/nodepool";
constexpr common::Micros kSecond = common::kMicrosPerSecond;

struct Amount {
  std::int64_t cpu = 0;
  std::int64_t memory = 0;
};

std::int64_t Field(const json& map, const char* key, bool cpu) {
  if (!map.is_object() || !map.contains(key) || !map[key].is_string()) {
    return 0;
  }
  auto value =
      cpu ? ParseMillicores(map[key].get<std::string>()) : ParseBytes(map[key].get<std::string>());
  return value.ok() ? *value : 0;
}

Amount Requests(const json& pod) {
  Amount total;
  const json& containers = pod.value("spec", json::object()).value("containers", json::array());
  for (const auto& container : containers) {
    json requests = container.value("resources", json::object()).value("requests", json::object());
    total.cpu += Field(requests, "cpu", true);
    total.memory += Field(requests, "memory", false);
  }
  return total;
}

json Annotations(const json& object) {
  return object.value("metadata", json::object()).value("annotations", json::object());
}

std::string Name(const json& object) {
  return object.value("metadata", json::object()).value("name", "");
}

// The Unschedulable condition's transition time, or 0 when the pod is not unschedulable.
common::Micros UnschedulableSince(const json& pod) {
  const json& conditions = pod.value("status", json::object()).value("conditions", json::array());
  for (const auto& condition : conditions) {
    if (condition.value("type", "") == "PodScheduled" &&
        condition.value("reason", "") == "Unschedulable") {
      auto at = common::ParseTimestamp(condition.value("lastTransitionTime", ""));
      return at.ok() ? *at : 1;
    }
  }
  return 0;
}

bool NodeIsReady(const json& node) {
  const json& conditions = node.value("status", json::object()).value("conditions", json::array());
  for (const auto& condition : conditions) {
    if (condition.value("type", "") == "Ready") {
      return condition.value("status", "") == "True";
    }
  }
  return false;
}

bool Deleting(const json& pod) {
  return pod.value("metadata", json::object()).contains("deletionTimestamp");
}

bool Terminal(const json& pod) {
  std::string phase = pod.value("status", json::object()).value("phase", "");
  return phase == "Succeeded" || phase == "Failed";
}

bool IsModelPod(const json& pod) {
  json labels = pod.value("metadata", json::object()).value("labels", json::object());
  return labels.value("app.kubernetes.io/component", "") == "model";
}

// "karpenter.sh/v1" from an APIGroup discovery document (the preferred version, else the
// first one listed); "" when it names none.
std::string PreferredGroupVersion(const json& group) {
  std::string preferred = group.value("preferredVersion", json::object()).value("groupVersion", "");
  const json& versions = group.value("versions", json::array());
  if (preferred.empty() && versions.is_array() && !versions.empty()) {
    preferred = versions[0].value("groupVersion", "");
  }
  return preferred;
}

std::string Names(const std::vector<json>& objects) {
  std::vector<std::string> names;
  names.reserve(objects.size());
  for (const json& object : objects) {
    names.push_back(Name(object));
  }
  return common::Join(names, ", ");
}

}  // namespace

nlohmann::json DecisionToJson(const ScalerDecision& d) {
  return {{"at", common::FormatTimestamp(d.at)},
          {"action", d.action},
          {"node", d.node},
          {"from", d.from},
          {"to", d.to},
          {"reason", d.reason}};
}

NodeScaler::NodeScaler(KubeClient& client, const common::Clock& clock, NodeScalerOptions options)
    : client_(client), clock_(clock), options_(std::move(options)) {
  md_path_ = MachineDeploymentPath(options_.capi_version, options_.capi_namespace,
                                   options_.machine_deployment);
}

NodeScaler::~NodeScaler() {
  Stop();
}

void NodeScaler::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void NodeScaler::Loop() {
  while (WaitInterval()) {
    absl::Status pass = RunOnce();
    if (!pass.ok() && log::Every("k8s.node_scaler", 60'000)) {
      HUB_LOG(warn, "node scaler pass failed", {"error", pass.ToString()});
    }
  }
}

bool NodeScaler::WaitInterval() {
  std::unique_lock<std::mutex> lock(mu_);
  return !cv_.wait_for(lock, options_.interval, [this] { return stopping_; });
}

void NodeScaler::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

std::vector<ScalerDecision> NodeScaler::Decisions() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {decisions_.begin(), decisions_.end()};
}

void NodeScaler::Record(ScalerDecision decision) {
  decision.at = clock_.NowMicros();
  HUB_LOG(info, "node scaler decision", {"action", decision.action}, {"node", decision.node},
          {"from", decision.from}, {"to", decision.to}, {"reason", decision.reason});
  std::lock_guard<std::mutex> lock(mu_);
  decisions_.push_back(std::move(decision));
  while (decisions_.size() > 200) {
    decisions_.pop_front();
  }
}

absl::StatusOr<bool> NodeScaler::HoldLease() {
  std::string path = fmt::format("/apis/coordination.k8s.io/v1/namespaces/{}/leases/{}",
                                 options_.lease_namespace, options_.lease_name);
  std::string now = common::FormatTimestamp(clock_.NowMicros());
  KubeRequest get;
  get.path = path;
  auto lease = client_.Call(get);
  json spec = {{"holderIdentity", options_.replica_id},
               {"leaseDurationSeconds", options_.lease_duration.count()},
               {"renewTime", now}};
  if (!lease.ok() && lease.status().code() == absl::StatusCode::kNotFound) {
    spec["acquireTime"] = now;
    json created = {{"apiVersion", "coordination.k8s.io/v1"},
                    {"kind", "Lease"},
                    {"metadata", {{"name", options_.lease_name}}},
                    {"spec", spec}};
    KubeRequest post = MakeRequest(
        http::Method::kPost,
        fmt::format("/apis/coordination.k8s.io/v1/namespaces/{}/leases", options_.lease_namespace),
        created.dump());
    auto stored = client_.Call(post);
    return stored.ok();
  }
  if (!lease.ok()) {
    return lease.status();
  }
  json current = lease->value("spec", json::object());
  auto renewed = common::ParseTimestamp(current.value("renewTime", ""));
  common::Micros expires =
      (renewed.ok() ? *renewed : 0) + current.value("leaseDurationSeconds", 15) * kSecond;
  bool mine = current.value("holderIdentity", "") == options_.replica_id;
  if (!mine && clock_.NowMicros() < expires) {
    return false;
  }
  (*lease)["spec"] = spec;
  // The resourceVersion in the body makes a concurrent taker lose with 409.
  KubeRequest put = MakeRequest(http::Method::kPut, path, lease->dump());
  auto stored = client_.Call(put);
  if (!stored.ok() && IsConflict(stored.status())) {
    return false;
  }
  if (!stored.ok()) {
    return stored.status();
  }
  return true;
}

absl::Status NodeScaler::RunOnce() {
  auto leading = HoldLease();
  leader_ = leading.ok() && *leading;
  if (!leading.ok()) {
    return leading.status();
  }
  if (!*leading) {
    return absl::OkStatus();
  }
  HUB_ASSIGN_OR_RETURN(std::string karpenter, DetectKarpenter());
  if (!karpenter.empty()) {
    return HandsOff("karpenter", karpenter);
  }
  KubeRequest get;
  get.path = md_path_;
  HUB_ASSIGN_OR_RETURN(json md, client_.Call(get));
  json annotations = Annotations(md);
  if (annotations.contains(kMinSize) && annotations.contains(kMaxSize)) {
    return HandsOff("autoscaler",
                    "cluster-autoscaler owns this MachineDeployment; only shaping pods");
  }
  if (annotations.contains("cluster.x-k8s.io/paused")) {
    return HandsOff("autoscaler", "MachineDeployment is paused");
  }
  last_skip_.clear();
  return ScaleGroup(md);
}

absl::StatusOr<std::string> NodeScaler::DetectKarpenter() {
  KubeRequest discovery;
  discovery.path = kKarpenterGroup;
  auto group = client_.Call(discovery);
  if (!group.ok() && group.status().code() == absl::StatusCode::kNotFound) {
    return std::string();
  }
  if (!group.ok()) {
    return group.status();
  }
  std::string version = PreferredGroupVersion(*group);
  if (version.empty()) {
    return absl::UnavailableError("the karpenter.sh API group lists no version");
  }
  HUB_ASSIGN_OR_RETURN(ObjectList pools, ListObjects(client_, "/apis/" + version + "/nodepools"));
  HUB_ASSIGN_OR_RETURN(ObjectList nodes, ListObjects(client_, "/api/v1/nodes", kNodePoolLabel));
  // Installed but with nothing to provision from: the nodes are still the hub's to scale.
  if (pools.items.empty() && nodes.items.empty()) {
    return std::string();
  }
  return fmt::format(
      "Karpenter ({}) provisions nodes here (NodePools: {}; {} node(s) labelled {}); only "
      "shaping pods",
      version, pools.items.empty() ? "none" : Names(pools.items), nodes.items.size(),
      kNodePoolLabel);
}

absl::Status NodeScaler::HandsOff(const std::string& action, const std::string& reason) {
  absl::Status aborted = absl::OkStatus();
  if (drain_.has_value()) {
    aborted = Abort(drain_->node, "the nodes are no longer the hub's to scale: " + reason);
  }
  std::string skip = action + ": " + reason;
  if (skip != last_skip_) {
    Record({0, action, "", 0, 0, reason});
    last_skip_ = skip;
  }
  return aborted;
}

absl::Status NodeScaler::ScaleGroup(const json& md) {
  auto pods = ListObjects(client_, PodsPath(options_.models_namespace), kModelSelector);
  auto nodes = ListObjects(client_, "/api/v1/nodes",
                           "cluster.x-k8s.io/deployment-name=" + options_.machine_deployment);
  if (!pods.ok() || !nodes.ok()) {
    return pods.ok() ? nodes.status() : pods.status();
  }
  if (drain_.has_value()) {
    return ContinueDrain(md);
  }
  bool scaled = false;
  absl::Status up = ScaleUp(md, pods->items, nodes->items, scaled);
  if (!up.ok() || scaled) {
    return up;
  }
  return ScaleDown(md, nodes->items);
}

absl::Status NodeScaler::ScaleUp(const json& md,
                                 const std::vector<json>& pods,
                                 const std::vector<json>& nodes,
                                 bool& scaled) {
  json annotations = Annotations(md);
  Amount node_size{Field(annotations, "capacity.cluster-autoscaler.kubernetes.io/cpu", true),
                   Field(annotations, "capacity.cluster-autoscaler.kubernetes.io/memory", false)};
  if ((node_size.cpu == 0 || node_size.memory == 0) && !nodes.empty()) {
    json allocatable = nodes[0]["status"].value("allocatable", json::object());
    node_size = {Field(allocatable, "cpu", true), Field(allocatable, "memory", false)};
  }
  common::Micros now = clock_.NowMicros();
  std::vector<Amount> waiting;
  for (const json& pod : pods) {
    common::Micros since = UnschedulableSince(pod);
    bool bound = !pod.value("spec", json::object()).value("nodeName", "").empty();
    if (since == 0 || bound || now - since < options_.pending_grace.count() * kSecond) {
      continue;
    }
    Amount request = Requests(pod);
    if (request.cpu > node_size.cpu || request.memory > node_size.memory) {
      Record({0, "never-fits", "", 0, 0,
              fmt::format("pod {} requests more than a whole node of {}", Name(pod),
                          options_.machine_deployment)});
      continue;
    }
    waiting.push_back(request);
  }
  if (waiting.empty()) {
    return absl::OkStatus();
  }
  // First-fit decreasing by memory onto empty template nodes.
  std::sort(waiting.begin(), waiting.end(),
            [](const Amount& a, const Amount& b) { return a.memory > b.memory; });
  std::vector<Amount> bins;
  for (const Amount& request : waiting) {
    auto bin = std::find_if(bins.begin(), bins.end(), [&](const Amount& used) {
      return used.cpu + request.cpu <= node_size.cpu &&
             used.memory + request.memory <= node_size.memory;
    });
    if (bin == bins.end()) {
      bins.push_back(request);
    } else {
      bin->cpu += request.cpu;
      bin->memory += request.memory;
    }
  }
  int replicas = md.value("spec", json::object()).value("replicas", 0);
  int ready = static_cast<int>(std::count_if(nodes.begin(), nodes.end(), NodeIsReady));
  int in_flight = std::max(0, replicas - ready);
  int target = std::min(options_.max_nodes, replicas + static_cast<int>(bins.size()) - in_flight);
  if (target <= replicas) {
    return absl::OkStatus();
  }
  HUB_RETURN_IF_ERROR(SetScaleReplicas(client_, md_path_, target));
  last_scale_up_ = now;
  scaled = true;
  Record({0, "scale-up", "", replicas, target,
          fmt::format("{} pending model pod(s) need {} node(s); {} already provisioning",
                      waiting.size(), bins.size(), in_flight)});
  return absl::OkStatus();
}

absl::StatusOr<std::vector<json>> NodeScaler::PodsOn(const std::string& node) {
  HUB_ASSIGN_OR_RETURN(ObjectList list,
                       ListObjects(client_, "/api/v1/pods", "", "spec.nodeName=" + node));
  std::vector<json> live;
  for (auto& pod : list.items) {
    if (!Terminal(pod)) {
      live.push_back(std::move(pod));
    }
  }
  return live;
}

bool NodeScaler::Busy(const json& pod) const {
  // Pods that are not the hub's (other tenants, DaemonSets) keep the node.
  if (!IsModelPod(pod)) {
    return true;
  }
  return !options_.pod_is_idle || !options_.pod_is_idle(Name(pod));
}

absl::Status NodeScaler::ScaleDown(const json& md, const std::vector<json>& nodes) {
  common::Micros now = clock_.NowMicros();
  bool cooling = now - last_scale_up_ < options_.delay_after_scale_up.count() * kSecond ||
                 now - last_failure_ < options_.delay_after_failure.count() * kSecond;
  int replicas = md.value("spec", json::object()).value("replicas", 0);
  for (const json& node : nodes) {
    std::string name = Name(node);
    HUB_ASSIGN_OR_RETURN(std::vector<json> pods, PodsOn(name));
    bool idle = NodeIsReady(node) &&
                std::none_of(pods.begin(), pods.end(), [this](const json& p) { return Busy(p); });
    if (!idle) {
      idle_since_.erase(name);
      continue;
    }
    idle_since_.emplace(name, now);
    bool due = now - idle_since_[name] >= options_.idle_before_removal.count() * kSecond;
    if (!due || cooling || replicas <= options_.min_nodes) {
      continue;
    }
    HUB_RETURN_IF_ERROR(SetNodeUnschedulable(client_, name, true));
    Record({0, "cordon", name, replicas, replicas,
            fmt::format("idle for {} s", (now - idle_since_[name]) / kSecond)});
    drain_ = Drain{name, now, {}};
    return ContinueDrain(md);
  }
  return absl::OkStatus();
}

absl::Status NodeScaler::ContinueDrain(const json& md) {
  std::string node = drain_->node;
  // Re-list after cordoning: the scheduler may have bound a pod just before.
  HUB_ASSIGN_OR_RETURN(std::vector<json> pods, PodsOn(node));
  std::string busy = RetirePods(pods);
  if (!busy.empty()) {
    return Abort(node, busy);
  }
  HUB_ASSIGN_OR_RETURN(bool blocked, EvictPods(pods));
  if (!pods.empty()) {
    bool timed_out =
        clock_.NowMicros() - drain_->started >= options_.drain_timeout.count() * kSecond;
    if (timed_out) {
      return Abort(node, blocked ? "a PodDisruptionBudget kept blocking the drain"
                                 : "pods did not leave in time");
    }
    if (blocked) {
      Record({0, "drain-blocked", node, 0, 0, "eviction refused (429); retrying"});
    }
    return absl::OkStatus();
  }
  absl::Status removed = RemoveNode(md, node);
  drain_.reset();
  return removed;
}

std::string NodeScaler::RetirePods(const std::vector<json>& pods) {
  std::vector<std::string> names;
  for (const json& pod : pods) {
    // A pod already being deleted (evicted by this drain) is leaving; its instance may be
    // gone from the pool already.
    if (Deleting(pod)) {
      continue;
    }
    if (!IsModelPod(pod)) {
      return fmt::format("pod {} on the node is not a model pod", Name(pod));
    }
    names.push_back(Name(pod));
  }
  if (!options_.retire_pods) {
    for (const std::string& name : names) {
      if (!options_.pod_is_idle || !options_.pod_is_idle(name)) {
        return fmt::format("pod {} on the node is busy", name);
      }
    }
    return "";
  }
  absl::Status retired = options_.retire_pods(names);
  if (!retired.ok()) {
    return fmt::format("a model pod on the node is busy: {}", common::ToString(retired.message()));
  }
  for (const std::string& name : names) {
    if (std::find(drain_->retired.begin(), drain_->retired.end(), name) == drain_->retired.end()) {
      drain_->retired.push_back(name);
    }
  }
  return "";
}

absl::StatusOr<bool> NodeScaler::EvictPods(const std::vector<json>& pods) {
  bool blocked = false;
  for (const json& pod : pods) {
    if (Deleting(pod)) {
      continue;
    }
    std::string ns = pod["metadata"].value("namespace", "");
    absl::Status evicted = EvictPod(client_, ns, Name(pod), pod["metadata"].value("uid", ""));
    auto error = GetApiError(evicted);
    if (!evicted.ok() && error.has_value() && error->code == 429) {
      blocked = true;
      continue;
    }
    if (!evicted.ok() && evicted.code() != absl::StatusCode::kNotFound) {
      return evicted;
    }
  }
  return blocked;
}

absl::Status NodeScaler::RemoveNode(const json& md, const std::string& node) {
  KubeRequest get;
  get.path = "/api/v1/nodes/" + node;
  HUB_ASSIGN_OR_RETURN(json node_object, client_.Call(get));
  std::string machine = Annotations(node_object).value("cluster.x-k8s.io/machine", "");
  if (machine.empty()) {
    return Abort(node, "the node has no cluster.x-k8s.io/machine annotation");
  }
  std::string machine_path = fmt::format("/apis/cluster.x-k8s.io/{}/namespaces/{}/machines/{}",
                                         options_.capi_version, options_.capi_namespace, machine);
  // Annotate first: a bare replica decrease would delete a random Machine.
  json mark = {
      {"metadata",
       {{"annotations", {{kDeleteMachine, common::FormatTimestamp(clock_.NowMicros())}}}}}};
  HUB_RETURN_IF_ERROR(PatchObject(client_, machine_path, mark, PatchType::kMerge).status());
  int replicas = md.value("spec", json::object()).value("replicas", 0);
  absl::Status scaled = SetScaleReplicas(client_, md_path_, replicas - 1);
  if (!scaled.ok()) {
    json unmark = {{"metadata", {{"annotations", {{kDeleteMachine, nullptr}}}}}};
    auto undone = PatchObject(client_, machine_path, unmark, PatchType::kMerge);
    (void)undone;
    return Abort(node, fmt::format("scale down failed: {}", scaled.ToString()));
  }
  idle_since_.erase(node);
  Record({0, "scale-down", node, replicas, replicas - 1, "node drained; Machine " + machine});
  return absl::OkStatus();
}

absl::Status NodeScaler::Abort(const std::string& node, const std::string& reason) {
  if (drain_.has_value() && !drain_->retired.empty() && options_.restore_pods) {
    options_.restore_pods(drain_->retired);
  }
  drain_.reset();
  idle_since_.erase(node);
  last_failure_ = clock_.NowMicros();
  Record({0, "abort", node, 0, 0, reason});
  return SetNodeUnschedulable(client_, node, false);
}

}  // namespace hub::k8s
