#pragma once

// The work-request endpoints at the upstream paths (/api/work-requests,
// /api/work-request-stats) plus uploads, cancel, streamed results, a rows page for the UI and
// a Server-Sent Events progress stream. Handlers parse, call `jobs::WorkRequestService`, and
// serialize; the shapes are documented in openapi.yaml and docs/api.md.

#include <cstdint>

#include "hub/api/api_routes.h"
#include "hub/jobs/work_request_service.h"
#include "hub/store/database.h"

namespace hub::api {

struct WorkRequestsApiOptions {
  // Largest upload or JSON body accepted by POST /api/work-requests.
  std::uint64_t max_upload_bytes = 256ull << 20;
  // Input rows returned in `request_payload.entries` by GET (the rest are in the result).
  size_t entries_in_response = 1000;
  // Rows at most per page of GET .../rows.
  size_t max_page_rows = 1000;
  // Polling interval of the progress event stream.
  std::chrono::milliseconds events_interval{1000};
};

// Registers the endpoints. `service` and `db` (for statistics) must outlive the routes.
void AddWorkRequestRoutes(ApiRoutes& routes,
                          jobs::WorkRequestService& service,
                          store::Database& db,
                          WorkRequestsApiOptions options);

}  // namespace hub::api
