#pragma once

// The line format of the hub's own blobs (request rows, chunk inputs and results): fields
// separated by tabs, one record per line. Backslash, tab, CR and LF inside a field are escaped
// (`\\`, `\t`, `\r`, `\n`), so any text survives a round trip.

#include <string>
#include <string_view>
#include <vector>

namespace hub::jobs {

// Appends `field` escaped.
void AppendTsvField(std::string& out, std::string_view field);

// Splits `line` into its fields, unescaped.
std::vector<std::string> SplitTsvLine(std::string_view line);

// As above, into `fields`: the strings it already holds are reused, so a reader that splits
// every line of a file into the same vector allocates only when a field outgrows its string.
void SplitTsvLine(std::string_view line, std::vector<std::string>& fields);

// Splits off the first `n` fields (unescaped) into `out`, reusing its strings as above, and
// returns the rest of the line untouched (for a last field that is already safe, such as JSON
// without raw newlines). `out` has fewer than `n` fields when the line has fewer.
std::string_view SplitTsvPrefix(std::string_view line, size_t n, std::vector<std::string>& out);

}  // namespace hub::jobs
