// Time from submit to first result of a work request when the hub runs its instances as pods,
// on the Kubernetes API simulator (tests/k8s, in this process; each pod is a real
// `ersilia-hub model-server`), and the Kubernetes API calls one request costs.
//
// Three measurements per repetition, each on a fresh `ersilia-hub serve` (a real process):
//   local      the same request on `runtime.backend=local`: the named baseline;
//   warm-node  `runtime.backend=kubernetes`, a Ready node, no pod yet (pod start included);
//   new-node   no node: the hub's node scaler grows a Cluster API MachineDeployment whose
//              Machine provisions in `--provision-seconds` of the simulator's virtual clock,
//              which the benchmark advances as soon as the scale-up is seen. Reported as real
//              time and as real + virtual provisioning time.
// "First result" is the first poll (every 5 ms) of the request showing a computed row.
// API calls per request count every call the simulator served from submit to COMPLETED.
//
//   k8s_request_benchmark --binary build/src/hub/cli/ersilia-hub [--molecules 200]
//       [--repetitions 3] [--input ../shared/data/molecules_50k.csv]
//
// Exit code 1 when a measurement failed (the request did not complete), 0 otherwise.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "fmt/format.h"
#include "nlohmann/json.hpp"

#include "hub/common/clock.h"
#include "hub/common/random.h"

#include "CLI/CLI.hpp"
#include "tests/k8s/kube_simulator.h"
#include "tests/support/api_client.h"
#include "tests/support/hub_process.h"

namespace {

using Steady = std::chrono::steady_clock;
using hub::test_support::ApiClient;
using hub::test_support::HubProcess;

struct Options {
  std::string binary;
  std::string input;
  int molecules = 200;
  int repetitions = 3;
  int provision_seconds = 120;
};

struct Sample {
  double first_result_ms = 0;
  double completed_ms = 0;
  double virtual_seconds = 0;  // simulator time advanced for provisioning
  std::int64_t api_calls = 0;
};

double Ms(Steady::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

std::vector<std::string> ReadMolecules(const std::string& path, int count) {
  std::ifstream in(path);
  std::vector<std::string> smiles;
  std::string line;
  std::getline(in, line);  // header
  while (static_cast<int>(smiles.size()) < count && std::getline(in, line)) {
    smiles.push_back(line);
  }
  return smiles;
}

std::string WriteKubeconfig(const std::string& server) {
  std::string path = hub::test_support::MakeTempDir("bench-kubeconfig") + "/config";
  std::ofstream out(path);
  out << "apiVersion: v1\nkind: Config\nclusters:\n- name: sim\n  cluster:\n    server: " << server
      << "\nusers:\n- name: hub\n  user:\n    token: sim-token\ncontexts:\n- name: sim\n"
      << "  context:\n    cluster: sim\n    user: hub\ncurrent-context: sim\n";
  return path;
}

std::unique_ptr<HubProcess> StartHub(const std::vector<std::string>& sets) {
  HubProcess::Options options;
  options.args = {"serve", "--port", "0", "--log-level", "warn"};
  std::vector<std::string> all = {"auth.password.ops_limit=1", "auth.password.mem_limit=8KiB",
                                  "auth.rate_limit.anonymous_login=off",
                                  "models.catalog_url=", "runtime.memory_budget=0"};
  all.insert(all.end(), sets.begin(), sets.end());
  for (const std::string& set : all) {
    options.args.insert(options.args.end(), {"--set", set});
  }
  auto hub = HubProcess::Start(options);
  if (!hub.ok()) {
    std::fprintf(stderr, "hub did not start: %s\n", std::string(hub.status().message()).c_str());
    return nullptr;
  }
  return std::move(*hub);
}

// Submits `smiles`, calls `on_poll` on each poll until the request is final; fills the sample's
// times. False when the request did not complete.
bool RunRequest(ApiClient& api,
                const std::vector<std::string>& smiles,
                const std::function<void()>& on_poll,
                Sample& sample) {
  auto login = api.AnonymousLogin(hub::common::NewUuid());
  std::string header = hub::test_support::BearerHeader(login.body["session"]);
  nlohmann::json body = {{"model_id", "eos3b5e"}, {"request_payload", {{"entries", smiles}}}};
  Steady::time_point start = Steady::now();
  auto submitted = api.Post("/api/work-requests", body, header);
  if (submitted.status != 200) {
    std::fprintf(stderr, "submit failed: %s\n", submitted.raw.c_str());
    return false;
  }
  std::string path = fmt::format("/api/work-requests/{}", submitted.body["id"].get<std::int64_t>());
  while (Steady::now() - start < std::chrono::minutes(5)) {
    nlohmann::json got = api.Get(path, header).body;
    std::string status = got.value("request_status", "");
    std::int64_t done = got["progress"].value("rows_done", std::int64_t{0});
    if (sample.first_result_ms == 0 && (done > 0 || status == "COMPLETED")) {
      sample.first_result_ms = Ms(Steady::now() - start);
    }
    if (status == "COMPLETED") {
      sample.completed_ms = Ms(Steady::now() - start);
      return true;
    }
    if (status == "FAILED" || status == "CANCELLED") {
      std::fprintf(stderr, "request ended %s: %s\n", status.c_str(), got.dump().c_str());
      return false;
    }
    on_poll();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

std::optional<Sample> MeasureLocal(const std::vector<std::string>& smiles) {
  auto hub = StartHub({"runtime.backend=local"});
  if (hub == nullptr) {
    return std::nullopt;
  }
  ApiClient api(hub->Url(""));
  Sample sample;
  bool ok = RunRequest(
      api, smiles, [] {}, sample);
  hub->Stop();
  return ok ? std::optional<Sample>(sample) : std::nullopt;
}

std::optional<Sample> MeasureKubernetes(const Options& options,
                                        const std::vector<std::string>& smiles,
                                        bool provision) {
  hub::common::ManualClock clock(hub::common::SystemClock::Instance().NowMicros());
  hub::k8s::sim::SimulatorOptions sim_options;
  sim_options.hub_binary = options.binary;
  sim_options.work_dir = hub::test_support::MakeTempDir("bench-k8s-sim");
  hub::k8s::sim::KubeSimulator sim(sim_options, clock);
  if (!sim.Start().ok()) {
    return std::nullopt;
  }
  std::vector<std::string> sets = {"runtime.backend=kubernetes",
                                   "k8s.kubeconfig=" + WriteKubeconfig(sim.url()),
                                   "k8s.namespace=eos-models", "k8s.pod_port=8080"};
  if (provision) {
    sim.AddMachineDeployment("default", "models", 0, 8000, 16'384, options.provision_seconds);
    sets.insert(sets.end(),
                {"k8s.node_scaling.enabled=true", "k8s.node_scaling.machine_deployment=models",
                 "k8s.node_scaling.interval=100ms", "k8s.node_scaling.pending_grace=0s",
                 "jobs.acquire_timeout=300s"});
  } else {
    sim.AddNode("n1", 8000, 16'384);
  }
  auto hub = StartHub(sets);
  if (hub == nullptr) {
    sim.Stop();
    return std::nullopt;
  }
  ApiClient api(hub->Url(""));
  Sample sample;
  bool advanced = false;
  std::chrono::steady_clock::time_point advanced_at;
  std::int64_t calls_before = sim.api_calls();
  bool ok = RunRequest(
      api, smiles,
      [&] {
        // The Machine provisions in virtual time once the scaler asked for it; the simulator
        // may create it after the first advance, so the clock moves on until a node joined.
        nlohmann::json md = sim.GetForTest("machinedeployments", "default/models");
        if (!provision || !md.is_object() || md["spec"].value("replicas", 0) == 0 ||
            !sim.ListForTest("nodes").empty()) {
          return;
        }
        if (advanced && std::chrono::steady_clock::now() - advanced_at < std::chrono::seconds(1)) {
          return;  // give the simulator a moment to create the node
        }
        int step = advanced ? 10 : options.provision_seconds + 1;
        clock.Advance(std::chrono::seconds(step));
        sample.virtual_seconds += step;
        advanced = true;
        advanced_at = std::chrono::steady_clock::now();
      },
      sample);
  sample.api_calls = sim.api_calls() - calls_before;
  hub->Stop();
  sim.Stop();
  return ok ? std::optional<Sample>(sample) : std::nullopt;
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0 : values[values.size() / 2];
}

struct Series {
  std::string name;
  std::vector<Sample> samples;

  double Median(double Sample::*field) const {
    std::vector<double> values;
    for (const Sample& s : samples) {
      values.push_back(s.*field);
    }
    return ::Median(values);
  }
};

void Report(const std::vector<Series>& series, int molecules) {
  double local = series[0].Median(&Sample::first_result_ms);
  std::printf("# %d molecules of eos3b5e; medians over %zu repetitions\n", molecules,
              series[0].samples.size());
  std::printf("%-10s %16s %14s %18s %12s %10s\n", "backend", "first_result_ms", "completed_ms",
              "first+virtual_s", "api_calls", "vs_local");
  for (const Series& s : series) {
    double first = s.Median(&Sample::first_result_ms);
    std::vector<double> calls;
    for (const Sample& sample : s.samples) {
      calls.push_back(static_cast<double>(sample.api_calls));
    }
    std::printf("%-10s %16.0f %14.0f %18.1f %12.0f %9.2fx\n", s.name.c_str(), first,
                s.Median(&Sample::completed_ms), first / 1000 + s.Median(&Sample::virtual_seconds),
                Median(calls), local > 0 ? first / local : 0);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"submit-to-first-result on the Kubernetes simulator, against the local backend"};
  app.add_option("--binary", options.binary, "ersilia-hub binary")->required();
  app.add_option("--input", options.input, "CSV of SMILES with a header line")->required();
  app.add_option("--molecules", options.molecules, "molecules per request");
  app.add_option("--repetitions", options.repetitions, "requests per measurement");
  app.add_option("--provision-seconds", options.provision_seconds,
                 "virtual seconds a new node takes");
  CLI11_PARSE(app, argc, argv);
  // The test-support process runner finds the binary through the environment.
  setenv("HUB_BINARY", options.binary.c_str(), 1);  // NOLINT(concurrency-mt-unsafe)

  std::vector<std::string> smiles = ReadMolecules(options.input, options.molecules);
  std::vector<Series> series = {{"local", {}}, {"warm-node", {}}, {"new-node", {}}};
  for (int i = 0; i < options.repetitions; ++i) {
    std::optional<Sample> local = MeasureLocal(smiles);
    std::optional<Sample> warm = MeasureKubernetes(options, smiles, false);
    std::optional<Sample> fresh = MeasureKubernetes(options, smiles, true);
    if (!local || !warm || !fresh) {
      std::fprintf(stderr, "repetition %d failed\n", i);
      return 1;
    }
    series[0].samples.push_back(*local);
    series[1].samples.push_back(*warm);
    series[2].samples.push_back(*fresh);
  }
  Report(series, options.molecules);
  return 0;
}
