#pragma once
// The protocol versions this server speaks, in two eras:
//  - the handshake era (initialize / notifications/initialized, one negotiated version per connection);
//  - the stateless 2026-07-28 core, where every request names its version in _meta.
#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace eks::protocol {

enum class Era { handshake, stateless };

inline constexpr std::string_view kStatelessVersion = "2026-07-28";

// Newest first. "If the server supports the requested protocol version, it MUST respond with the same
// version. Otherwise, the server MUST respond with another protocol version it supports" — the newest.
inline constexpr std::array<std::string_view, 4> kHandshakeVersions = {"2025-11-25", "2025-06-18", "2025-03-26",
                                                                       "2024-11-05"};

// The version to answer an initialize request asking for `requested`.
std::string_view negotiate(std::string_view requested);

bool is_handshake_version(std::string_view version);

// Every version we support, newest first (the stateless one included), for error data and discovery.
std::array<std::string_view, 5> all_versions();

// JSON-RPC batches exist in 2025-03-26 only: "Added support for JSON-RPC batching" there, "Remove support for
// JSON-RPC batching" in 2025-06-18's changelog.
bool allows_batches(std::string_view version);

// Structured tool output (outputSchema, structuredContent) and titles arrived in 2025-06-18.
bool has_structured_output(std::string_view version);

}  // namespace eks::protocol
