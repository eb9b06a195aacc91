#pragma once

// A real model server for tests, speaking the part of the model-container protocol the hub's
// `url` backend uses (`GET /healthz`, `POST /run` with a JSON array of SMILES): every batch
// that contains the poison SMILES fails with 500, as a model that crashes on one molecule;
// other batches are computed (each row's `length` is its input's length in bytes).
//
// Thread-safety: thread-safe; the server answers from its own threads.

#include <cstddef>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"

#include "hub/http/router.h"
#include "hub/http/server.h"

namespace hub {

class PoisonModelServer final {
public:
  // Listens on a free port of 127.0.0.1. Throws when it cannot.
  explicit PoisonModelServer(std::string poison) : poison_(std::move(poison)) {
    router_.Add(http::Method::kGet, "/healthz", [](http::Request&) {
      return http::Response::Json(200, {{"status", "ok"}});
    });
    router_.Add(http::Method::kPost, "/run",
                [this](http::Request& request) { return Run(request); });
    http::ServerOptions options;
    options.port = 0;
    options.max_body_bytes = 64 << 20;
    server_ = std::make_unique<http::Server>(options, router_, nullptr);
    if (absl::Status started = server_->Start(); !started.ok()) {
      throw std::runtime_error(std::string(started.message()));
    }
  }

  ~PoisonModelServer() { server_->Stop(); }

  PoisonModelServer(const PoisonModelServer&) = delete;
  PoisonModelServer& operator=(const PoisonModelServer&) = delete;

  // "http://127.0.0.1:<port>"
  std::string Url() const { return fmt::format("http://127.0.0.1:{}", server_->port()); }

  // The size of every `/run` batch that held the poison, in arrival order.
  std::vector<size_t> PoisonedBatches() const {
    std::lock_guard<std::mutex> lock(mu_);
    return poisoned_;
  }

  // Number of `/run` calls answered.
  size_t RunCalls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

  // Every input `/run` received, in arrival order.
  std::vector<std::string> Inputs() const {
    std::lock_guard<std::mutex> lock(mu_);
    return inputs_;
  }

  // The row the server computes for `smiles`.
  static nlohmann::json RowFor(const std::string& smiles) {
    return {{"length", static_cast<int>(smiles.size())}};
  }

private:
  http::Response Run(const http::Request& request) {
    nlohmann::json inputs = nlohmann::json::parse(request.body, nullptr, false);
    if (!inputs.is_array()) {
      return http::Response::Error(400, "the body must be a JSON array of SMILES");
    }
    nlohmann::json rows = nlohmann::json::array();
    std::vector<std::string> received;
    bool poisoned = false;
    for (const nlohmann::json& input : inputs) {
      std::string smiles = input.is_string() ? input.get<std::string>() : input.dump();
      poisoned = poisoned || smiles == poison_;
      rows.push_back(RowFor(smiles));
      received.push_back(std::move(smiles));
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++calls_;
      inputs_.insert(inputs_.end(), received.begin(), received.end());
      if (poisoned) {
        poisoned_.push_back(inputs.size());
      }
    }
    if (poisoned) {
      return http::Response::Error(500, "the model crashed on one of the molecules");
    }
    return http::Response::Json(200, rows);
  }

  const std::string poison_;
  http::Router router_;
  std::unique_ptr<http::Server> server_;
  mutable std::mutex mu_;
  size_t calls_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::string> inputs_ ABSL_GUARDED_BY(mu_);
  std::vector<size_t> poisoned_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hub
