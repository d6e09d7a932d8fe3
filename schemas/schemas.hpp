#pragma once
// The JSON Schemas under schemas/, embedded at build time (see schemas/CMakeLists.txt).
#include <string_view>
#include <vector>

namespace eks::schemas {

// Returns the text of schemas/<name>.json ("server_status.output" for server_status.output.json), with every
// {"$ref": "<other>.json"} replaced by a copy of that schema, or an empty view when there is no such schema.
std::string_view text(std::string_view name);

// Names of every embedded schema, sorted.
std::vector<std::string_view> names();

}  // namespace eks::schemas
