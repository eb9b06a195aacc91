#pragma once

// The Ersilia catalog: a JSON array of model records whose keys are the metadata field names
// (`Identifier`, `Title`, `GitHub`, `Target Organism`, ...; ../shared/reference/
// ersilia-models.md §3.2). The hub reads it to fill a model's identification details.
//
// Thread-safety: the free functions are pure; `UrlModelCatalog` is thread-safe.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "nlohmann/json.hpp"

#include "hub/common/clock.h"
#include "hub/http/client.h"
#include "hub/runtime/model_record.h"

namespace hub::runtime {

// Parses catalog text. InvalidArgument when it is not JSON, not an array, or an element is not
// an object with a string `Identifier` (the message names the element).
[[nodiscard]] absl::StatusOr<nlohmann::json> ParseCatalog(std::string_view text);

// Checks an already parsed catalog the same way as `ParseCatalog`.
[[nodiscard]] absl::Status ValidateCatalog(const nlohmann::json& catalog);

// The first record whose `Identifier` is `id`, or nullptr.
const nlohmann::json* FindCatalogRecord(const nlohmann::json& catalog, std::string_view id);

// Maps a catalog record (or a model card, which uses the same keys) to identification
// details: Description, Title, Slug, Interpretation, Publication as they are; `GitHub` to
// source_code (for a card without it, the model's repository
// `https://github.com/ersilia-os/<Identifier>`); `Target Organism` and `Biomedical Area` as
// lists (a comma-separated string is split, as the legacy ModelHub export needed).
// InvalidArgument naming the field when one has the wrong type.
[[nodiscard]] absl::StatusOr<IdentificationDetails> IdentificationFromRecord(
    const nlohmann::json& record);

// A source of the whole catalog.
class ModelCatalog {
public:
  virtual ~ModelCatalog() = default;

  // The catalog, validated. FailedPrecondition when no source is configured; Unavailable /
  // DeadlineExceeded when it cannot be fetched; InvalidArgument when it is malformed.
  [[nodiscard]] virtual absl::StatusOr<std::shared_ptr<const nlohmann::json>> Load() = 0;

  // Fetches and validates the catalog at `url` now, bypassing any cache (an import from a
  // URL the admin names). Errors as `Load`.
  [[nodiscard]] virtual absl::StatusOr<nlohmann::json> Fetch(const std::string& url) = 0;
};

// Fetches `<url>` with libcurl (http, https or file) and keeps a remote one for `ttl`, so the
// admin UI does not download it on every click; a file is read each time (an edit counts).
class UrlModelCatalog final : public ModelCatalog {
public:
  // `client` and `clock` must outlive the catalog. An empty `url` disables it.
  UrlModelCatalog(http::Client& client,
                  const common::Clock& clock,
                  std::string url,
                  std::chrono::milliseconds ttl);

  absl::StatusOr<std::shared_ptr<const nlohmann::json>> Load() override;
  absl::StatusOr<nlohmann::json> Fetch(const std::string& url) override;

private:
  http::Client& client_;
  const common::Clock& clock_;
  const std::string url_;
  const common::Micros ttl_;
  absl::Mutex mu_;
  std::shared_ptr<const nlohmann::json> cached_ ABSL_GUARDED_BY(mu_);
  common::Micros fetched_at_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace hub::runtime
