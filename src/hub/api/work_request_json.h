#pragma once

// JSON shapes of work requests: the upstream `WorkRequestModel` plus the hub's additions
// (progress, intake report, columns, priority).

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

#include "hub/http/message.h"
#include "hub/jobs/work_request.h"
#include "hub/jobs/work_request_service.h"

namespace hub::api {

// Progress of a request: rows and distinct molecules, done, failed, cached, percent and an
// estimate of the seconds left (null until it can be estimated).
nlohmann::json ProgressJson(const jobs::WorkRequestRecord& request, common::Micros now);

// The upstream `WorkRequestModel` of `request`. `entries` are the input rows shown in
// `request_payload.entries` (empty when the caller may not see the molecules).
nlohmann::ordered_json WorkRequestJson(const jobs::WorkRequestRecord& request,
                                       const std::vector<std::string>& entries,
                                       bool show_contents,
                                       common::Micros now);

// Parses the JSON body of `POST /api/work-requests` into `request` (model id, entries, header
// and cache choices, options). InvalidArgument naming the field for wrong or missing values.
absl::Status ParseSubmitJson(const nlohmann::json& body, jobs::SubmitRequest& request);

// Applies the submit options given as query parameters or form fields (`model_id`,
// `has_header`, `cache_opt_in`, `smiles_column`, `id_column`, `format`, `priority`) through
// `get` (returns nullopt for an absent field).
absl::Status ApplySubmitFields(
    const std::function<std::optional<std::string>(std::string_view)>& get,
    jobs::SubmitRequest& request);

}  // namespace hub::api
