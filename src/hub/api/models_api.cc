#include "hub/api/models_api.h"

#include <map>
#include <memory>

#include "fmt/format.h"

#include "hub/api/runtime_json.h"
#include "hub/api/status_to_http.h"
#include "hub/common/log.h"
#include "hub/common/status_macros.h"
#include "hub/common/strings.h"
#include "hub/http/json_body.h"
#include "hub/models/metadata.h"
#include "hub/models/registry.h"

namespace hub::api {
namespace {

using auth::Permission;
using auth::Principal;
using http::Method;
using http::Request;
using http::Response;
using nlohmann::json;

constexpr std::uint64_t kMaxModelBody = 256 << 10;
constexpr std::uint64_t kMaxCatalogBody = 32 << 20;

// `OutputColumnsJson` of every built-in model, by id. Built once at registration and shared,
// read-only, by the handlers.
using ColumnsById = std::map<std::string, json, std::less<>>;
using ColumnsPtr = std::shared_ptr<const ColumnsById>;

ColumnsPtr BuiltinColumns() {
  auto columns = std::make_shared<ColumnsById>();
  for (const models::ModelEntry& entry : models::BuiltinModels()) {
    absl::StatusOr<models::ModelInfo> info = models::LoadModelInfo(entry.id, "");
    if (!info.ok()) {
      HUB_LOG(warn, "built-in model without output columns to list", {"model_id", entry.id},
              {"error", common::ToString(info.status().message())});
      continue;
    }
    columns->emplace(std::string(entry.id), OutputColumnsJson(info->columns));
  }
  return columns;
}

// `ModelJson` plus `details.output_column_count`, and with `full` `details.output_columns`
// (null and null when the hub does not know the model's columns). A list of every model
// leaves the columns out: the fingerprint models have 2,048 each.
json ModelWithColumns(const runtime::ModelRecord& model, const ColumnsById& columns, bool full) {
  json out = ModelJson(model);
  json& details = out["details"];
  auto it = columns.find(model.id);
  details["output_column_count"] = it == columns.end() ? json(nullptr) : json(it->second.size());
  if (full) {
    details["output_columns"] = it == columns.end() ? json(nullptr) : it->second;
  }
  return out;
}

// Registers a read-only route for VIEW_MODELS, or for anyone when the catalog is public.
void AddRead(ApiRoutes& routes,
             bool public_catalog,
             const std::string& pattern,
             std::function<Response(Request&)> handler) {
  if (public_catalog) {
    routes.Public(Method::kGet, pattern, std::move(handler));
    return;
  }
  routes.Require(Permission::kViewModels, Method::kGet, pattern,
                 [handler = std::move(handler)](Request& request, const Principal&) {
                   return handler(request);
                 });
}

Response ModelOr(const absl::StatusOr<runtime::ModelRecord>& model,
                 const Request& request,
                 const ColumnsById& columns) {
  return model.ok() ? Response::Json(200, ModelWithColumns(*model, columns, /*full=*/true))
                    : ErrorResponse(model.status(), request);
}

absl::StatusOr<runtime::ModelRecord> Create(runtime::ModelService& models, const Request& request) {
  HUB_ASSIGN_OR_RETURN(json body, http::ParseJsonObject(request));
  HUB_ASSIGN_OR_RETURN(runtime::ModelRecord record, ParseModelCreate(body));
  return models.Create(std::move(record));
}

absl::StatusOr<runtime::ModelRecord> Update(runtime::ModelService& models, const Request& request) {
  HUB_ASSIGN_OR_RETURN(json body, http::ParseJsonObject(request));
  std::string id(request.Param("model_id"));
  HUB_RETURN_IF_ERROR(models.Get(id).status());
  HUB_ASSIGN_OR_RETURN(runtime::ModelUpdate update, ParseModelUpdate(body, id));
  return models.Update(update);
}

// The catalog to import: the body itself (an array: the catalog file), `catalog` inline, an
// http(s) `url`, or the configured one.
absl::StatusOr<json> CatalogFor(runtime::ModelService& models, const json& body) {
  if (body.is_array()) {
    return body;
  }
  if (body.contains("catalog") && !body["catalog"].is_null()) {
    return body["catalog"];
  }
  if (body.contains("url") && !body["url"].is_null()) {
    if (!body["url"].is_string()) {
      return absl::InvalidArgumentError("url must be a string");
    }
    return models.FetchCatalog(body["url"].get<std::string>());
  }
  HUB_ASSIGN_OR_RETURN(auto configured, models.LoadCatalog());
  return *configured;
}

absl::StatusOr<runtime::ImportOptions> ImportOptionsFor(const json& body) {
  runtime::ImportOptions options;
  if (!body.is_object()) {
    return options;
  }
  if (body.contains("model_ids") && !body["model_ids"].is_null()) {
    const json& ids = body["model_ids"];
    if (!ids.is_array() || ids.size() > 10'000) {
      return absl::InvalidArgumentError("model_ids must be a list of model ids");
    }
    for (const json& id : ids) {
      if (!id.is_string()) {
        return absl::InvalidArgumentError("model_ids must be a list of model ids");
      }
      options.model_ids.push_back(id.get<std::string>());
    }
  }
  if (body.contains("create_missing") && !body["create_missing"].is_null()) {
    if (!body["create_missing"].is_boolean()) {
      return absl::InvalidArgumentError("create_missing must be true or false");
    }
    options.create_missing = body["create_missing"].get<bool>();
  }
  return options;
}

absl::StatusOr<json> Import(runtime::ModelService& models, const Request& request) {
  HUB_ASSIGN_OR_RETURN(json body, request.body.empty() ? absl::StatusOr<json>(json::object())
                                                       : http::ParseJsonBody(request));
  if (!body.is_array() && !body.is_object()) {
    return absl::InvalidArgumentError(
        "send the catalog (a JSON array) or {\"url\", \"catalog\", \"model_ids\", "
        "\"create_missing\"}");
  }
  HUB_ASSIGN_OR_RETURN(runtime::ImportOptions options, ImportOptionsFor(body));
  HUB_ASSIGN_OR_RETURN(json catalog, CatalogFor(models, body));
  HUB_ASSIGN_OR_RETURN(std::vector<runtime::ImportItem> items, models.Import(catalog, options));
  json out = json::array();
  for (const runtime::ImportItem& item : items) {
    out.push_back({{"model_id", item.model_id}, {"result", item.result}});
  }
  return json{{"items", std::move(out)}};
}

void AddReads(ApiRoutes& routes,
              runtime::ModelService& models,
              bool public_catalog,
              const ColumnsPtr& columns) {
  AddRead(routes, public_catalog, "/api/models", [&models, columns](Request&) {
    json items = json::array();
    for (const runtime::ModelRecord& model : models.List()) {
      items.push_back(ModelWithColumns(model, *columns, /*full=*/false));
    }
    return Response::Json(200, {{"items", std::move(items)}});
  });
  AddRead(routes, public_catalog, "/api/models/{model_id}", [&models, columns](Request& request) {
    return ModelOr(models.Get(request.Param("model_id")), request, *columns);
  });
}

void AddChanges(ApiRoutes& routes, runtime::ModelService& models, const ColumnsPtr& columns) {
  routes.Require(
      Permission::kManageModels, Method::kPost, "/api/models",
      [&models, columns](Request& request, const Principal&) {
        return ModelOr(Create(models, request), request, *columns);
      },
      http::JsonBody(kMaxModelBody));
  routes.Require(
      Permission::kManageModels, Method::kPut, "/api/models/{model_id}",
      [&models, columns](Request& request, const Principal&) {
        return ModelOr(Update(models, request), request, *columns);
      },
      http::JsonBody(kMaxModelBody));
  routes.Require(
      Permission::kManageModels, Method::kPost, "/api/models/import",
      [&models](Request& request, const Principal&) {
        auto result = Import(models, request);
        return result.ok() ? Response::Json(200, *result) : ErrorResponse(result.status(), request);
      },
      http::JsonBody(kMaxCatalogBody));
  routes.Require(Permission::kManageModels, Method::kDelete, "/api/models/{model_id}/cache",
                 [&models](Request& request, const Principal&) {
                   auto deleted = models.ClearCache(request.Param("model_id"));
                   if (!deleted.ok()) {
                     return ErrorResponse(deleted.status(), request);
                   }
                   return Response::Json(200, {{"result", "SUCCESS"}, {"deleted", *deleted}});
                 });
}

void AddDetails(ApiRoutes& routes, runtime::ModelService& models, runtime::InstancePool& pool) {
  routes.Require(Permission::kViewModels, Method::kGet,
                 "/api/models/{model_id}/ersilia-catalog-details",
                 [&models](Request& request, const Principal&) {
                   auto details = models.CatalogDetails(request.Param("model_id"));
                   return details.ok() ? Response::Json(200, IdentificationJson(*details))
                                       : ErrorResponse(details.status(), request);
                 });
  routes.Require(Permission::kViewModels, Method::kGet,
                 "/api/models/{model_id}/identification-details",
                 [&models](Request& request, const Principal&) {
                   auto details = models.IdentificationDetailsFor(request.Param("model_id"));
                   return details.ok() ? Response::Json(200, IdentificationJson(*details))
                                       : ErrorResponse(details.status(), request);
                 });
  routes.Require(Permission::kK8sAdmin, Method::kGet, "/api/models/{model_id}/scaling-info",
                 [&models, &pool](Request& request, const Principal&) {
                   auto model = models.Get(request.Param("model_id"));
                   if (!model.ok()) {
                     return ErrorResponse(model.status(), request);
                   }
                   return Response::Json(200, ScalingJson(*model, pool.Scaling(model->id)));
                 });
}

}  // namespace

void AddModelRoutes(ApiRoutes& routes,
                    runtime::ModelService& models,
                    runtime::InstancePool& pool,
                    const ModelsApiOptions& options) {
  ColumnsPtr columns = BuiltinColumns();
  AddReads(routes, models, options.public_catalog, columns);
  AddChanges(routes, models, columns);
  AddDetails(routes, models, pool);
}

}  // namespace hub::api
