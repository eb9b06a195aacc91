#pragma once

// Shared set-up for tests against the simulator: a started simulator, a client for it, and
// polling with deadlines.

#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include "hub/k8s/http_kube_client.h"

#include "tests/k8s/kube_simulator.h"

namespace hub::k8s::sim {

// Polls `condition` every 5 ms until it holds or `timeout` passes.
inline bool WaitFor(const std::function<bool()>& condition,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return condition();
}

inline std::unique_ptr<HttpKubeClient> ClientFor(const KubeSimulator& sim,
                                                 const common::Clock& clock,
                                                 const std::string& token = "sim-token") {
  HttpKubeClientOptions options;
  options.config.server = sim.url();
  options.config.token = token;
  options.sleep = [](std::chrono::milliseconds) {
  };
  return std::make_unique<HttpKubeClient>(options, clock);
}

inline nlohmann::json TestPod(const std::string& name, const std::string& image) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"labels", {{"app.kubernetes.io/component", "model"}}}}},
          {"spec",
           {{"restartPolicy", "Never"},
            {"containers",
             {{{"name", "model"},
               {"image", image},
               {"resources", {{"requests", {{"cpu", "100m"}, {"memory", "100Mi"}}}}}}}}}}};
}

}  // namespace hub::k8s::sim
