#pragma once

// PostgreSQL connection strings (libpq "key=value ..." or "postgresql://..." URIs).

#include <string>
#include <string_view>

namespace hub::store {

// `dsn` with every password replaced by `***`, for logs and `--print-config`: the
// `password=` keyword (quoted or not), the password of a URI's user info, and a
// `password=` URI query parameter. Everything else is kept. Pure and thread-safe.
std::string MaskDsn(std::string_view dsn);

}  // namespace hub::store
