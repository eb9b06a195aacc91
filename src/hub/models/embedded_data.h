#pragma once

// The published model files (`metadata.json`, `run_columns.csv`, `run_input.csv`,
// `run_output.csv` of every built-in model) compiled into the binary, so `ersilia-hub
// model-server` works from any directory. The sources live in `src/hub/models/data/<id>/`;
// `embed_files.cmake` turns them into a generated `.cc` at build time.

#include <optional>
#include <span>
#include <string_view>

namespace hub::models {

struct EmbeddedFile {
  std::string_view path;      // relative to `src/hub/models/data/`, e.g. "eos3b5e/metadata.json"
  std::string_view contents;  // the file's bytes, unchanged (CRLF line endings stay)
};

// Every embedded file, in the order the build listed them. The views point to static storage
// and stay valid for the life of the process. Thread-safe.
std::span<const EmbeddedFile> EmbeddedModelFiles();

// The contents of the embedded file at `path`, or nullopt when there is none.
std::optional<std::string_view> FindEmbeddedFile(std::string_view path);

}  // namespace hub::models
