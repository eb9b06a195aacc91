#include "hub/runtime/model_catalog.h"

#include "fmt/format.h"

#include "hub/common/status_macros.h"
#include "hub/common/strings.h"

namespace hub::runtime {
namespace {

using nlohmann::json;

absl::Status FieldError(std::string_view field, std::string_view why) {
  return absl::InvalidArgumentError(fmt::format("catalog field \"{}\" {}", field, why));
}

absl::Status ReadText(const json& record, const char* key, std::optional<std::string>& out) {
  auto it = record.find(key);
  if (it == record.end() || it->is_null()) {
    return absl::OkStatus();
  }
  if (!it->is_string()) {
    return FieldError(key, "must be a string");
  }
  out = it->get<std::string>();
  return absl::OkStatus();
}

absl::Status ReadList(const json& record,
                      const char* key,
                      std::optional<std::vector<std::string>>& out) {
  auto it = record.find(key);
  if (it == record.end() || it->is_null()) {
    return absl::OkStatus();
  }
  std::vector<std::string> values;
  if (it->is_string()) {
    for (std::string_view piece : common::Split(it->get_ref<const std::string&>(), ',')) {
      std::string_view trimmed = common::Trim(piece);
      if (!trimmed.empty()) {
        values.emplace_back(trimmed);
      }
    }
  } else if (it->is_array()) {
    for (const json& item : *it) {
      if (!item.is_string()) {
        return FieldError(key, "must be a list of strings");
      }
      values.push_back(item.get<std::string>());
    }
  } else {
    return FieldError(key, "must be a list of strings");
  }
  out = std::move(values);
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateCatalog(const json& catalog) {
  if (!catalog.is_array()) {
    return absl::InvalidArgumentError(
        "the catalog must be a JSON array of model records (objects with an \"Identifier\")");
  }
  for (size_t i = 0; i < catalog.size(); ++i) {
    const json& record = catalog[i];
    auto id = record.is_object() ? record.find("Identifier") : record.end();
    if (!record.is_object() || id == record.end() || !id->is_string()) {
      return absl::InvalidArgumentError(
          fmt::format("catalog record {} is not an object with a string \"Identifier\"", i));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<json> ParseCatalog(std::string_view text) {
  json catalog = json::parse(text, nullptr, false);
  if (catalog.is_discarded()) {
    return absl::InvalidArgumentError("the catalog is not valid JSON");
  }
  HUB_RETURN_IF_ERROR(ValidateCatalog(catalog));
  return catalog;
}

const json* FindCatalogRecord(const json& catalog, std::string_view id) {
  if (!catalog.is_array()) {
    return nullptr;
  }
  for (const json& record : catalog) {
    auto it = record.find("Identifier");
    if (it != record.end() && it->is_string() && it->get_ref<const std::string&>() == id) {
      return &record;
    }
  }
  return nullptr;
}

absl::StatusOr<IdentificationDetails> IdentificationFromRecord(const json& record) {
  if (!record.is_object()) {
    return absl::InvalidArgumentError("a catalog record must be a JSON object");
  }
  IdentificationDetails d;
  for (const absl::Status& s :
       {ReadText(record, "Description", d.description), ReadText(record, "Title", d.title),
        ReadText(record, "Slug", d.slug), ReadText(record, "Interpretation", d.interpretation),
        ReadText(record, "Publication", d.publication), ReadText(record, "GitHub", d.source_code),
        ReadList(record, "Target Organism", d.target_organisms),
        ReadList(record, "Biomedical Area", d.biomedical_areas)}) {
    HUB_RETURN_IF_ERROR(s);
  }
  auto id = record.find("Identifier");
  if (!d.source_code.has_value() && id != record.end() && id->is_string()) {
    d.source_code = "https://github.com/ersilia-os/" + id->get<std::string>();
  }
  return d;
}

UrlModelCatalog::UrlModelCatalog(http::Client& client,
                                 const common::Clock& clock,
                                 std::string url,
                                 std::chrono::milliseconds ttl)
    : client_(client),
      clock_(clock),
      url_(std::move(url)),
      ttl_(std::chrono::duration_cast<std::chrono::microseconds>(ttl).count()) {}

absl::StatusOr<std::shared_ptr<const json>> UrlModelCatalog::Load() {
  if (url_.empty()) {
    return absl::FailedPreconditionError(
        "no Ersilia catalog is configured (set models.catalog_url or ERSILIA_CATALOG_MODELS_URL)");
  }
  // A local file is cheap to read, and an admin who fixed it expects the next import to see
  // the fix, not a copy cached before.
  if (url_.rfind("file:", 0) == 0) {
    HUB_ASSIGN_OR_RETURN(json catalog, Fetch(url_));
    return std::make_shared<const json>(std::move(catalog));
  }
  common::Micros now = clock_.NowMicros();
  {
    absl::MutexLock lock(&mu_);
    if (cached_ != nullptr && now - fetched_at_ < ttl_) {
      return cached_;
    }
  }
  HUB_ASSIGN_OR_RETURN(json catalog, Fetch(url_));
  auto shared = std::make_shared<const json>(std::move(catalog));
  absl::MutexLock lock(&mu_);
  cached_ = shared;
  fetched_at_ = now;
  return shared;
}

absl::StatusOr<json> UrlModelCatalog::Fetch(const std::string& url) {
  http::ClientRequest request;
  request.url = url;
  request.timeout = std::chrono::seconds(60);
  auto response = client_.Send(request);
  if (!response.ok()) {
    return absl::UnavailableError(fmt::format("cannot fetch the Ersilia catalog: {}",
                                              common::ToString(response.status().message())));
  }
  // libcurl reports no status for file:// URLs.
  bool file = url.rfind("file:", 0) == 0;
  if (!file && (response->status < 200 || response->status >= 300)) {
    return absl::UnavailableError(
        fmt::format("cannot fetch the Ersilia catalog: {} answered {}", url, response->status));
  }
  return ParseCatalog(response->body);
}

}  // namespace hub::runtime
