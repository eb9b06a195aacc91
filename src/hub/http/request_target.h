#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace hub::http {

// Splits a request target ("/a%20b/c?x=1&y=%2F&flag") into its percent-decoded path and its
// decoded query pairs (`+` means space in the query; a key without '=' has an empty value).
// Returns InvalidArgument for a target that is not origin-form or has bad percent escapes.
absl::Status SplitTarget(std::string_view target,
                         std::string& path,
                         std::vector<std::pair<std::string, std::string>>& query);

// Percent-decodes `text`; `plus_is_space` for query components. Returns false on a bad escape.
bool PercentDecode(std::string_view text, bool plus_is_space, std::string& out);

// Percent-encodes everything but unreserved characters (RFC 3986 §2.3).
std::string PercentEncode(std::string_view text);

}  // namespace hub::http
