#include "hub/runtime/model_service.h"

#include <algorithm>

#include "fmt/format.h"

#include "hub/common/log.h"
#include "hub/common/status_macros.h"
#include "hub/common/strings.h"

namespace hub::runtime {
namespace {

constexpr int kMaxWriteAttempts = 5;

absl::Status NotFound(std::string_view id) {
  return absl::NotFoundError(fmt::format("Model with id [{}] not found", id));
}

}  // namespace

ModelService::ModelService(ModelRepository& repository,
                           const common::Clock& clock,
                           ModelCatalog* catalog,
                           ModelServiceOptions options)
    : repository_(repository), clock_(clock), catalog_(catalog), options_(options) {}

absl::Status ModelService::Start(const std::vector<ModelRecord>& builtins) {
  int registered = 0;
  for (const ModelRecord& record : builtins) {
    HUB_ASSIGN_OR_RETURN(bool inserted, repository_.InsertIfAbsent(record));
    registered += inserted ? 1 : 0;
    if (record.details.identification.has_value()) {
      absl::MutexLock lock(&mu_);
      builtin_details_[record.id] = *record.details.identification;
    }
  }
  if (registered > 0) {
    HUB_LOG(info, "registered built-in models", {"count", registered});
  }
  return Refresh();
}

absl::Status ModelService::Refresh() {
  common::Micros started = clock_.NowMicros();
  HUB_ASSIGN_OR_RETURN(std::vector<ModelRecord> rows, repository_.List());
  absl::MutexLock lock(&mu_);
  std::map<std::string, ModelRecord, std::less<>> fresh;
  for (ModelRecord& row : rows) {
    std::string id = row.id;
    fresh.emplace(std::move(id), std::move(row));
  }
  // A write through this replica that landed after the reload read its rows is newer than
  // what the reload saw; there is no delete, so nothing the old map holds is stale by absence.
  for (auto& [id, current] : models_) {
    auto it = fresh.find(id);
    if (it == fresh.end() || it->second.last_updated < current.last_updated) {
      fresh[id] = current;
    }
  }
  models_ = std::move(fresh);
  last_refresh_ = started;
  return absl::OkStatus();
}

void ModelService::RefreshIfDue() {
  {
    absl::MutexLock lock(&mu_);
    auto interval =
        std::chrono::duration_cast<std::chrono::microseconds>(options_.refresh_interval);
    if (clock_.NowMicros() - last_refresh_ < interval.count()) {
      return;
    }
  }
  absl::Status refreshed = Refresh();
  if (!refreshed.ok() && log::Every("models.refresh", 60'000)) {
    HUB_LOG(warn, "model registry refresh failed; serving the cached models",
            {"error", common::ToString(refreshed.message())});
  }
}

std::vector<ModelRecord> ModelService::List() const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<ModelRecord> out;
  out.reserve(models_.size());
  for (const auto& [id, record] : models_) {
    out.push_back(record);
  }
  return out;
}

absl::StatusOr<ModelRecord> ModelService::Get(std::string_view id) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = models_.find(id);
  if (it == models_.end()) {
    return NotFound(id);
  }
  return it->second;
}

common::Micros ModelService::NextToken(common::Micros previous) const {
  return std::max(clock_.NowMicros(), previous + 1);
}

void ModelService::Put(const ModelRecord& record) {
  absl::MutexLock lock(&mu_);
  auto it = models_.find(record.id);
  if (it == models_.end() || it->second.last_updated <= record.last_updated) {
    models_[record.id] = record;
  }
}

absl::StatusOr<ModelRecord> ModelService::Create(ModelRecord record) {
  HUB_RETURN_IF_ERROR(ValidateModelId(record.id));
  HUB_RETURN_IF_ERROR(ValidateModelDetails(record.details));
  record.created_at = clock_.NowMicros();
  record.last_updated = record.created_at;
  HUB_RETURN_IF_ERROR(repository_.Insert(record));
  Put(record);
  HUB_LOG(info, "model created", {"model_id", record.id}, {"enabled", record.enabled});
  return record;
}

absl::StatusOr<ModelRecord> ModelService::Update(const ModelUpdate& update) {
  HUB_RETURN_IF_ERROR(ValidateModelDetails(update.details));
  for (int attempt = 1;; ++attempt) {
    HUB_ASSIGN_OR_RETURN(std::optional<ModelRecord> current, repository_.Get(update.id));
    if (!current.has_value()) {
      return NotFound(update.id);
    }
    if (update.expected_last_updated.has_value() &&
        *update.expected_last_updated != current->last_updated) {
      Put(*current);
      return absl::AbortedError(
          fmt::format("model {} was changed since last_updated {}; reload it and retry", update.id,
                      *update.expected_last_updated));
    }
    ModelRecord next = *current;
    next.enabled = update.enabled.value_or(current->enabled);
    next.details = update.details;
    next.last_updated = NextToken(current->last_updated);
    absl::Status written = repository_.Update(next, current->last_updated);
    if (written.ok()) {
      Put(next);
      HUB_LOG(info, "model updated", {"model_id", next.id}, {"enabled", next.enabled});
      return next;
    }
    if (written.code() != absl::StatusCode::kAborted || attempt >= kMaxWriteAttempts) {
      return written;
    }
  }
}

absl::StatusOr<ModelRecord> ModelService::Modify(
    std::string_view id, const std::function<absl::Status(ModelDetails&)>& mutate) {
  for (int attempt = 1;; ++attempt) {
    HUB_ASSIGN_OR_RETURN(std::optional<ModelRecord> current, repository_.Get(id));
    if (!current.has_value()) {
      return NotFound(id);
    }
    ModelRecord next = *current;
    HUB_RETURN_IF_ERROR(mutate(next.details));
    HUB_RETURN_IF_ERROR(ValidateModelDetails(next.details));
    next.last_updated = NextToken(current->last_updated);
    absl::Status written = repository_.Update(next, current->last_updated);
    if (written.ok()) {
      Put(next);
      return next;
    }
    if (written.code() != absl::StatusCode::kAborted || attempt >= kMaxWriteAttempts) {
      return written;
    }
  }
}

absl::StatusOr<std::shared_ptr<const nlohmann::json>> ModelService::LoadCatalog() {
  if (catalog_ == nullptr) {
    return absl::FailedPreconditionError("no Ersilia catalog is configured");
  }
  return catalog_->Load();
}

absl::StatusOr<nlohmann::json> ModelService::FetchCatalog(const std::string& url) {
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    return absl::InvalidArgumentError(
        "url must be an http:// or https:// URL (a local file can be configured as "
        "models.catalog_url, or sent as the request body)");
  }
  if (catalog_ == nullptr) {
    return absl::FailedPreconditionError("no catalog client");
  }
  return catalog_->Fetch(url);
}

absl::StatusOr<IdentificationDetails> ModelService::CatalogDetails(std::string_view id) {
  HUB_RETURN_IF_ERROR(Get(id).status());
  HUB_ASSIGN_OR_RETURN(auto catalog, LoadCatalog());
  const nlohmann::json* record = FindCatalogRecord(*catalog, id);
  if (record == nullptr) {
    return absl::NotFoundError(fmt::format("model {} is not in the Ersilia catalog", id));
  }
  return IdentificationFromRecord(*record);
}

absl::StatusOr<IdentificationDetails> ModelService::IdentificationDetailsFor(std::string_view id) {
  HUB_ASSIGN_OR_RETURN(ModelRecord model, Get(id));
  // The catalog twice (a transient failure is common for a remote service), as upstream.
  absl::StatusOr<IdentificationDetails> details = CatalogDetails(id);
  if (!details.ok() && details.status().code() == absl::StatusCode::kUnavailable) {
    details = CatalogDetails(id);
  }
  if (details.ok()) {
    return details;
  }
  {
    absl::ReaderMutexLock lock(&mu_);
    auto builtin = builtin_details_.find(id);
    if (builtin != builtin_details_.end()) {
      return builtin->second;
    }
  }
  if (model.details.identification.has_value()) {
    return *model.details.identification;
  }
  return absl::NotFoundError(fmt::format("no identification details for model {}: {}", id,
                                         common::ToString(details.status().message())));
}

absl::StatusOr<ImportItem> ModelService::ImportOne(const nlohmann::json* record,
                                                   const std::string& id,
                                                   bool create_missing) {
  if (record == nullptr) {
    return ImportItem{id, "NOT_IN_CATALOG"};
  }
  HUB_ASSIGN_OR_RETURN(IdentificationDetails details, IdentificationFromRecord(*record));
  if (!Get(id).ok()) {
    if (!create_missing) {
      return NotFound(id);
    }
    ModelRecord created;
    created.id = id;
    created.enabled = false;
    created.details.description = details.description.value_or("Imported from the Ersilia catalog");
    created.details.identification = details;
    HUB_RETURN_IF_ERROR(Create(std::move(created)).status());
    return ImportItem{id, "CREATED"};
  }
  bool changed = false;
  HUB_RETURN_IF_ERROR(Modify(id, [&](ModelDetails& d) {
                        changed = d.identification != details ||
                                  (d.description.empty() && details.description.has_value());
                        d.identification = details;
                        if (d.description.empty()) {
                          d.description = details.description.value_or("");
                        }
                        return absl::OkStatus();
                      }).status());
  return ImportItem{id, changed ? "UPDATED" : "UNCHANGED"};
}

absl::StatusOr<std::vector<ImportItem>> ModelService::Import(const nlohmann::json& catalog,
                                                             const ImportOptions& options) {
  HUB_RETURN_IF_ERROR(ValidateCatalog(catalog));
  std::vector<std::string> ids = options.model_ids;
  if (ids.empty()) {
    for (const ModelRecord& model : List()) {
      ids.push_back(model.id);
    }
  }
  // Validate every record first, so a malformed one changes nothing.
  for (const std::string& id : ids) {
    HUB_RETURN_IF_ERROR(ValidateModelId(id));
    if (!options.create_missing && !Get(id).ok()) {
      return NotFound(id);
    }
    if (const nlohmann::json* record = FindCatalogRecord(catalog, id); record != nullptr) {
      auto details = IdentificationFromRecord(*record);
      if (!details.ok()) {
        return absl::InvalidArgumentError(
            fmt::format("catalog record {}: {}", id, common::ToString(details.status().message())));
      }
    }
  }
  std::vector<ImportItem> items;
  for (const std::string& id : ids) {
    HUB_ASSIGN_OR_RETURN(ImportItem item,
                         ImportOne(FindCatalogRecord(catalog, id), id, options.create_missing));
    items.push_back(std::move(item));
  }
  return items;
}

absl::StatusOr<std::int64_t> ModelService::ClearCache(std::string_view id) {
  HUB_RETURN_IF_ERROR(Get(id).status());
  ModelResultCache* cache = nullptr;
  {
    absl::ReaderMutexLock lock(&mu_);
    cache = result_cache_;
  }
  if (cache == nullptr) {
    return 0;
  }
  return cache->ClearModel(id);
}

void ModelService::SetResultCache(ModelResultCache* cache) {
  absl::MutexLock lock(&mu_);
  result_cache_ = cache;
}

}  // namespace hub::runtime
