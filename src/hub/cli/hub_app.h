#pragma once

#include <memory>
#include <vector>

#include "absl/status/status.h"

#include "hub/api/api_routes.h"
#include "hub/cli/config.h"
#include "hub/store/open_database.h"

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
  // migrate_on_start is off), builds the services and routes, and starts listening. Errors
  // say what to fix.
  absl::Status Start();

  // Everything `Start` does except listening and background work, for `serve
  // --print-routes`. Afterwards only `Routes` and `Stop` may be called.
  absl::Status BuildRoutesOnly();

  // Every route with its declared access. REQUIRES: `Start` or `BuildRoutesOnly` succeeded.
  std::vector<api::RouteAccess> Routes() const;

  // The bound HTTP port. REQUIRES: `Start` succeeded.
  int port() const;

  // Stops accepting, finishes in-flight requests and background work, closes the database.
  void Stop();

private:
  struct Parts;
  absl::Status Build(bool background);

  HubConfig config_;
  std::unique_ptr<Parts> parts_;
};

// Converts the database settings into a libpq connection string ("host=... dbname=...").
std::string PostgresDsn(const DatabaseConfig& config);

// The store options for the configured backend.
store::DatabaseOptions DatabaseOptionsFor(const HubConfig& config);

}  // namespace hub::cli
