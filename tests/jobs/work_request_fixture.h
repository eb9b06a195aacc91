#pragma once

// The fixture of the work-request integration tests: the real hub (on SQLite or PostgreSQL,
// see auth_fixture.h) running built-in models as local model-server processes, with helpers
// to submit, wait and read results, and a standalone model-server to compare values with.

#include <sys/types.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

#include "hub/common/strings.h"

#include "tests/integration/auth_fixture.h"

namespace hub {

// The first `n` SMILES of molecules_50k.csv (the file has a one-line header).
inline std::vector<std::string> SharedMolecules(size_t n) {
  std::ifstream in(test_support::SharedDataDir() + "/molecules_50k.csv");
  std::vector<std::string> smiles;
  std::string line;
  std::getline(in, line);
  while (smiles.size() < n && std::getline(in, line)) {
    smiles.push_back(line);
  }
  return smiles;
}

inline std::string CsvOf(const std::vector<std::string>& smiles) {
  std::string csv = "smiles\n";
  for (const std::string& s : smiles) {
    csv += s + "\n";
  }
  return csv;
}

// Splits a CSV result without quoted fields (the hub quotes only fields that need it; SMILES
// of the shared set and numbers do not).
inline std::vector<std::vector<std::string>> CsvRows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    std::vector<std::string> fields;
    for (std::string_view f : common::Split(line, ',')) {
      fields.emplace_back(f);
    }
    rows.push_back(std::move(fields));
  }
  return rows;
}

// The sum of the `name{...}` samples of a Prometheus text page whose labels contain every one
// of `labels` (`model_id="eos3b5e"`); 0 when there is none.
inline double MetricSum(const std::string& page,
                        const std::string& name,
                        const std::vector<std::string>& labels = {}) {
  double total = 0;
  std::istringstream lines(page);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(name + "{", 0) != 0) {
      continue;
    }
    std::string_view label_text = std::string_view(line).substr(0, line.find('}'));
    bool all = std::all_of(labels.begin(), labels.end(), [&](const std::string& label) {
      return label_text.find(label) != std::string_view::npos;
    });
    if (all) {
      total += std::stod(line.substr(line.rfind(' ') + 1));
    }
  }
  return total;
}

// `/run` calls a model server at `base_url` answered, from its /metrics.
inline double RunCallsAt(const std::string& base_url) {
  test_support::ApiClient server(base_url);
  auto metrics = server.Get("/metrics");
  EXPECT_EQ(metrics.status, 200) << base_url << ": " << metrics.raw.substr(0, 300);
  return MetricSum(metrics.raw, "hub_http_requests_total", {"route=\"/run\""});
}

class WorkRequestTest : public AuthIntegrationTest {
protected:
  // Settings that keep tests quick: short leases and backoff, small chunks.
  static std::vector<std::string> FastSets(std::vector<std::string> more = {}) {
    std::vector<std::string> sets = {"jobs.lease_ttl=2s", "jobs.retry_backoff=100ms",
                                     "runtime.idle_timeout=60s"};
    sets.insert(sets.end(), more.begin(), more.end());
    return sets;
  }

  // A Bearer header of a fresh anonymous key (or of `key`).
  std::string AnonymousHeader(const std::string& key = NewKey()) {
    auto login = api().AnonymousLogin(key);
    EXPECT_EQ(login.status, 200) << login.raw;
    return test_support::BearerHeader(login.body["session"]);
  }

  // POST of a raw CSV body; `query` holds the submit options ("model_id=...&has_header=true").
  test_support::ApiResponse SubmitCsv(const std::string& header,
                                      const std::string& query,
                                      const std::string& csv) {
    return api().Call(http::Method::kPost, "/api/work-requests?" + query, csv, header, "text/csv");
  }

  test_support::ApiResponse SubmitEntries(const std::string& header,
                                          const std::string& model,
                                          const std::vector<std::string>& entries,
                                          bool cache_opt_in = false) {
    nlohmann::json body = {
        {"model_id", model},
        {"request_payload", {{"entries", entries}, {"cache_opt_in", cache_opt_in}}}};
    return api().Post("/api/work-requests", body, header);
  }

  // Polls until the request reaches a final status; returns its last JSON.
  nlohmann::json WaitFinished(const std::string& header,
                              std::int64_t id,
                              std::chrono::seconds timeout = std::chrono::seconds(120)) {
    return WaitFinishedOn(api(), header, id, timeout);
  }

  // As `WaitFinished`, asking the hub `hub` talks to.
  static nlohmann::json WaitFinishedOn(test_support::ApiClient& hub,
                                       const std::string& header,
                                       std::int64_t id,
                                       std::chrono::seconds timeout = std::chrono::seconds(120)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    nlohmann::json last;
    while (std::chrono::steady_clock::now() < deadline) {
      auto got = hub.Get("/api/work-requests/" + std::to_string(id), header);
      last = got.body;
      std::string status = last.is_object() ? last.value("request_status", "") : "";
      if (status == "COMPLETED" || status == "FAILED" || status == "CANCELLED") {
        return last;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "request " << id << " did not finish: " << last.dump();
    return last;
  }

  // Reads a model, lets `change` edit it and writes it back, as root.
  void ChangeModel(const std::string& id, const std::function<void(nlohmann::json&)>& change) {
    std::string root = RootHeader();
    auto model = api().Get("/api/models/" + id, root);
    ASSERT_EQ(model.status, 200) << model.raw;
    nlohmann::json body = model.body;
    change(body);
    auto put = api().Call(http::Method::kPut, "/api/models/" + id, body.dump(), root);
    ASSERT_EQ(put.status, 200) << put.raw;
  }

  // The `model_instance` objects of the live instances of `model` on the hub `hub` talks to.
  static std::vector<nlohmann::json> Instances(test_support::ApiClient& hub,
                                               const std::string& root,
                                               const std::string& model) {
    auto listed = hub.Get("/api/instances?model_id=" + model, root);
    EXPECT_EQ(listed.status, 200) << listed.raw;
    std::vector<nlohmann::json> instances;
    if (listed.body.is_object() && listed.body["items"].is_array()) {
      for (const nlohmann::json& item : listed.body["items"]) {
        instances.push_back(item.at("model_instance"));
      }
    }
    return instances;
  }

  // `/run` calls answered by the live instances of `model` of the hub `hub` talks to.
  static double InstanceRunCalls(test_support::ApiClient& hub,
                                 const std::string& root,
                                 const std::string& model) {
    double calls = 0;
    for (const nlohmann::json& instance : Instances(hub, root, model)) {
      const nlohmann::json& url = instance["instance_details"]["base_url"];
      if (url.is_string() && !url.get<std::string>().empty()) {
        calls += RunCallsAt(url.get<std::string>());
      }
    }
    return calls;
  }

  // The pid of a live `model` instance that is computing a chunk now, if there is one.
  static std::optional<pid_t> BusyInstancePid(test_support::ApiClient& hub,
                                              const std::string& root,
                                              const std::string& model) {
    for (const nlohmann::json& instance : Instances(hub, root, model)) {
      const nlohmann::json& pid = instance["instance_details"]["pid"];
      if (instance["state"] == "BUSY" && !instance["current_work"].empty() &&
          pid.is_number_integer()) {
        return pid.get<pid_t>();
      }
    }
    return std::nullopt;
  }

  // Chunks of `model` the hub ran with `outcome` ("ok", "crash", "model_error", ...).
  double ChunksWithOutcome(const std::string& model, const std::string& outcome) {
    return MetricSum(api().Get("/metrics").raw, "hub_chunk_duration_seconds_count",
                     {"model_id=\"" + model + "\"", "outcome=\"" + outcome + "\""});
  }

  std::string Result(const std::string& header, std::int64_t id, const std::string& query = "") {
    auto got = api().Get(fmt::format("/api/work-requests/{}/result?{}", id, query), header);
    EXPECT_EQ(got.status, 200) << got.raw;
    return got.raw;
  }
};

// A standalone `ersilia-hub model-server`, the reference the hub's results are compared with.
class ReferenceModelServer {
public:
  explicit ReferenceModelServer(const std::string& model) {
    test_support::HubProcess::Options options;
    options.args = {"model-server", "--model", model, "--port", "0"};
    auto server = test_support::HubProcess::Start(options);
    if (!server.ok()) {
      throw std::runtime_error(std::string(server.status().message()));
    }
    server_ = std::move(*server);
    client_ = std::make_unique<test_support::ApiClient>(server_->Url(""));
  }

  // The model's records for `smiles`, 1000 at a time.
  std::vector<nlohmann::json> Run(const std::vector<std::string>& smiles) {
    std::vector<nlohmann::json> records;
    for (size_t at = 0; at < smiles.size(); at += 1000) {
      std::vector<std::string> chunk(
          smiles.begin() + static_cast<std::ptrdiff_t>(at),
          smiles.begin() + static_cast<std::ptrdiff_t>(std::min(at + 1000, smiles.size())));
      auto answer = client_->Post("/run", nlohmann::json(chunk));
      EXPECT_EQ(answer.status, 200) << answer.raw.substr(0, 300);
      for (auto& record : answer.body) {
        records.push_back(std::move(record));
      }
    }
    return records;
  }

  std::string Url() const { return server_->Url(""); }

  // `/run` calls the server answered, from its /metrics.
  double RunCalls() { return RunCallsAt(Url()); }

private:
  std::unique_ptr<test_support::HubProcess> server_;
  std::unique_ptr<test_support::ApiClient> client_;
};

}  // namespace hub
