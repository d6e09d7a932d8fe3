#pragma once
// The security checks of the HTTP transport, as pure functions: listen address, Host and Origin validation
// (DNS rebinding), bearer tokens compared in constant time, session ids from the kernel's CSPRNG.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace eks::transport {

struct ListenAddress {
  std::string host;  // as given, brackets removed ("::1")
  std::uint16_t port = 0;
  bool loopback = false;
};

// Parses "host:port" or "[v6]:port"; "localhost" means 127.0.0.1. The error says what was expected.
tl::expected<ListenAddress, std::string> parse_listen(std::string_view text);

// The host part of a Host header or an origin's authority, lower-cased, brackets kept ("[::1]"); "" when
// anything but ":<digits>" follows the host.
std::string host_name(std::string_view authority);
// Exactly "localhost", a dotted-quad IPv4 literal in 127.0.0.0/8, "[::1]" or "::1" (lower-case, no port);
// nothing that merely starts with one of them ("127.0.0.1.evil.example", "localhost.evil.example").
bool is_loopback_name(std::string_view host);

// Host header check against DNS rebinding: on a loopback bind only loopback names (any port) and
// `allowed` pass; elsewhere everything passes unless `allowed` is non-empty.
bool host_allowed(std::string_view host_header, bool loopback_bind, const std::vector<std::string>& allowed);
// Origin check: absent passes; otherwise an exact allow-list entry, or a loopback origin on a loopback bind.
bool origin_allowed(std::optional<std::string_view> origin, bool loopback_bind,
                    const std::vector<std::string>& allowed);

// Compares in time that depends only on the lengths, not on where the strings differ.
bool constant_time_equal(std::string_view a, std::string_view b);
// The token of "Authorization: Bearer <token>"; nullopt for anything else.
std::optional<std::string_view> bearer_token(std::string_view authorization);

// 128 bits from getrandom(2), as 32 hex digits: visible ASCII, as Mcp-Session-Id requires.
std::string random_session_id();

// Reads a token file (surrounding whitespace trimmed); an error names the file and the problem, never the token.
tl::expected<std::string, std::string> read_token_file(const std::string& path);

// Decodes standard or URL-safe base64 (padding optional); nullopt when malformed.
std::optional<std::string> base64_decode(std::string_view text);
// An Mcp-Name / Mcp-Param-* header value: "=?base64?…?=" decoded, anything else as is; nullopt when the
// sentinel's payload is malformed.
std::optional<std::string> decode_header_value(std::string_view value);

}  // namespace eks::transport
