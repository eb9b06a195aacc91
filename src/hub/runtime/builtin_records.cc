#include "hub/runtime/builtin_records.h"

#include "hub/common/status_macros.h"
#include "hub/models/metadata.h"
#include "hub/models/registry.h"
#include "hub/runtime/model_catalog.h"

namespace hub::runtime {
namespace {

// A model server holds 20-55 MiB at rest (the SA and NP tables are the large ones); the limits
// leave room for 1000-row chunks of 2048-column fingerprints.
ResourceSpec ResourcesFor(unsigned needs) {
  ResourceSpec r;
  r.cpu_request = 100;
  r.cpu_limit = 1000;
  bool tables = needs != models::kNeedsNothing;
  r.memory_request = tables ? 128 : 64;
  r.memory_limit = tables ? 1024 : 512;
  return r;
}

}  // namespace

absl::StatusOr<std::vector<ModelRecord>> BuiltinModelRecords(common::Micros now) {
  std::vector<ModelRecord> records;
  for (const models::ModelEntry& entry : models::BuiltinModels()) {
    HUB_ASSIGN_OR_RETURN(models::ModelInfo info, models::LoadModelInfo(entry.id, ""));
    ModelRecord record;
    record.id = std::string(entry.id);
    record.enabled = true;
    record.created_at = record.last_updated = now;
    ModelDetails& d = record.details;
    d.backend = std::string(kLocalBackend);
    d.execution_mode = ExecutionMode::kSync;
    d.resources = ResourcesFor(entry.needs);
    HUB_ASSIGN_OR_RETURN(IdentificationDetails ident, IdentificationFromRecord(info.card));
    d.description = ident.description.value_or(info.slug);
    d.identification = std::move(ident);
    records.push_back(std::move(record));
  }
  return records;
}

}  // namespace hub::runtime
