#include "hub/store/migration.h"

#include <algorithm>

#include "fmt/format.h"

#include "hub/common/encoding.h"
#include "hub/store/migration_embedded.h"

namespace hub::store {

std::string Migration::Checksum() const {
  return common::Sha256Hex(sql);
}

std::string Migration::Label() const {
  return fmt::format("{:04d} '{}'", version, name);
}

std::vector<Migration> BuiltinMigrations(Dialect dialect) {
  std::vector<Migration> migrations;
  for (const internal::EmbeddedMigration& embedded : internal::EmbeddedMigrations()) {
    if (embedded.backend == DialectName(dialect)) {
      migrations.push_back(
          {embedded.version, std::string(embedded.name), std::string(embedded.sql)});
    }
  }
  std::sort(migrations.begin(), migrations.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
  return migrations;
}

}  // namespace hub::store
