#pragma once

// Model instances, their metrics and resource recommendations (upstream-server.md §2.7, §2.9,
// §2.10), all for K8S_ADMIN. Ours are per instance, not per work request (docs/api.md maps
// the shapes):
//
//   GET  /api/instances                     live instances of this replica
//   GET  /api/instances/history             events of every replica's instances
//   GET  /api/instances/job-logs            an instance's log lines (?instance_id=)
//   GET  /api/instances/{instance_id}/logs  the same, by path
//   POST /api/instances/actions             STOP_INSTANCE, START_INSTANCE
//   GET  /api/metrics/instances             running averages, live or saved
//   GET  /api/recommendations               per-model resource recommendations
//   POST /api/recommendations/apply         copy recommended values into a model
//   GET  /api/admin/cluster/scaler-decisions  the node scaler's decisions (Kubernetes)

#include "hub/api/api_routes.h"
#include "hub/runtime/runtime_module.h"

namespace hub::api {

// Registers the routes above. `runtime` must outlive the server.
void AddInstanceRoutes(ApiRoutes& routes, runtime::RuntimeModule& runtime);

}  // namespace hub::api
