#pragma once

// Test helpers: where the shared read-only data lives (`$HUB_SOURCE_DIR/../shared/data`, set
// by ctest) and reading its CSV files.

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "hub/common/csv.h"

namespace hub::models::testing {

// The shared data directory, or "" when it cannot be found.
inline std::string SharedDataDir() {
  // Tests read the environment before they start threads, and nothing sets it.
  const char* source = std::getenv("HUB_SOURCE_DIR");  // NOLINT(concurrency-mt-unsafe)
  std::string root = source != nullptr ? source : ".";
  std::string dir = root + "/../shared/data";
  return std::filesystem::exists(dir) ? dir : "";
}

// The first column of every row below the header of a CSV file.
inline std::vector<std::string> ReadFirstColumn(const std::string& path, size_t limit = 0) {
  auto rows = common::ReadCsvFile(path);
  std::vector<std::string> values;
  if (!rows.ok()) {
    return values;
  }
  for (size_t i = 1; i < rows->size() && (limit == 0 || values.size() < limit); ++i) {
    values.push_back((*rows)[i].empty() ? "" : (*rows)[i][0]);
  }
  return values;
}

}  // namespace hub::models::testing
