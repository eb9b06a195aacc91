#pragma once

// The migration files compiled into the binary; implemented by the source that
// `embed_migrations.cmake` generates at build time. Use `BuiltinMigrations` instead.

#include <string_view>
#include <vector>

namespace hub::store::internal {

struct EmbeddedMigration {
  std::string_view backend;  // "sqlite" or "postgres"
  int version;
  std::string_view name;
  std::string_view sql;
};

// Every embedded file, in folder and file-name order.
std::vector<EmbeddedMigration> EmbeddedMigrations();

}  // namespace hub::store::internal
