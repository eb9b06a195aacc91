#pragma once

#include <memory>

#include "absl/status/status.h"

#include "hub/cli/config.h"

namespace hub::cli {

// The running hub: owns every long-lived part (database, metrics, router, HTTP server) and
// their lifetimes, in the order they depend on each other. Built once by `serve`.
// Not thread-safe; `Start` and `Stop` are called from the main thread.
class HubApp final {
public:
  explicit HubApp(HubConfig config);
  ~HubApp();

  HubApp(const HubApp&) = delete;
  HubApp& operator=(const HubApp&) = delete;

  // Opens the database, applies migrations (or refuses to start with pending ones when
  // migrate_on_start is off), builds the routes and starts listening. Errors say what to fix.
  absl::Status Start();

  // The bound HTTP port. REQUIRES: `Start` succeeded.
  int port() const;

  // Stops accepting, finishes in-flight requests and background work, closes the database.
  void Stop();

private:
  struct Parts;
  HubConfig config_;
  std::unique_ptr<Parts> parts_;
};

// Converts the database settings into a libpq connection string ("host=... dbname=...").
std::string PostgresDsn(const DatabaseConfig& config);

}  // namespace hub::cli
