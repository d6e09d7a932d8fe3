#include "server/protocol/versions.hpp"

#include <algorithm>

namespace eks::protocol {

std::string_view negotiate(std::string_view requested) {
  return is_handshake_version(requested) ? requested : kHandshakeVersions.front();
}

bool is_handshake_version(std::string_view version) {
  return std::find(kHandshakeVersions.begin(), kHandshakeVersions.end(), version) != kHandshakeVersions.end();
}

std::array<std::string_view, 5> all_versions() {
  return {kStatelessVersion, kHandshakeVersions[0], kHandshakeVersions[1], kHandshakeVersions[2],
          kHandshakeVersions[3]};
}

bool allows_batches(std::string_view version) { return version == "2025-03-26"; }

// Version strings are dates, so they compare correctly as text.
bool has_structured_output(std::string_view version) { return version >= std::string_view("2025-06-18"); }

}  // namespace eks::protocol
