#include "server/transport/http_security.hpp"

#include <sys/random.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

#include "server/text.hpp"

namespace eks::transport {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

bool all_digits(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A dotted-quad IPv4 literal in 127.0.0.0/8: four decimal octets 0-255 and nothing else. Leading zeros are
// refused because URL parsers read "0127.0.0.1" as octal (87.0.0.1), so accepting it would let a name that a
// browser resolves elsewhere pass as loopback.
bool is_loopback_ipv4(std::string_view host) {
  int octets = 0;
  while (true) {
    const std::size_t dot = host.find('.');
    const std::string_view octet = host.substr(0, dot);
    if (octet.empty() || octet.size() > 3 || !all_digits(octet) || (octet.size() > 1 && octet.front() == '0')) {
      return false;
    }
    int value = 0;
    std::from_chars(octet.data(), octet.data() + octet.size(), value);
    if (value > 255 || (octets == 0 && value != 127)) return false;
    ++octets;
    if (dot == std::string_view::npos) break;
    host.remove_prefix(dot + 1);
    if (octets == 4) return false;  // a fifth label: "127.0.0.1.evil.example"
  }
  return octets == 4;
}

}  // namespace

tl::expected<ListenAddress, std::string> parse_listen(std::string_view text) {
  const auto fail = [&](const std::string& why) {
    return tl::unexpected("invalid listen address \"" + std::string(text) + "\": " + why +
                          " (expected host:port, e.g. 127.0.0.1:8808 or [::1]:8808)");
  };
  ListenAddress out;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return fail("bad IPv6 form");
    out.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return fail("no port");
    out.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
    if (out.host.find(':') != std::string::npos) return fail("put an IPv6 address in brackets");
  }
  if (out.host.empty()) return fail("no host");
  unsigned value = 0;
  const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || ptr != port.data() + port.size() || value > 65535) return fail("bad port");
  out.port = static_cast<std::uint16_t>(value);
  if (lower_ascii(out.host) == "localhost") out.host = "127.0.0.1";
  // Only an exact loopback literal: a DNS name that merely starts with "127." can resolve anywhere.
  out.loopback = is_loopback_name(lower_ascii(out.host));
  return out;
}

std::string host_name(std::string_view authority) {
  authority = trim(authority);
  std::string_view host = authority;
  std::string_view rest;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return "";
    host = authority.substr(0, close + 1);
    rest = authority.substr(close + 1);
  } else if (const auto colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    rest = authority.substr(colon);
  }
  // Whatever follows the host must be a port: "[::1].evil" or "127.0.0.1:80@evil.example" name no host of ours,
  // and cutting them down to "[::1]" or "127.0.0.1" would let a rebinding name through.
  if (!rest.empty() && (rest.front() != ':' || rest.size() > 6 || !all_digits(rest.substr(1)))) return "";
  return lower_ascii(host);
}

bool is_loopback_name(std::string_view host) {
  return host == "localhost" || host == "[::1]" || host == "::1" || is_loopback_ipv4(host);
}

bool host_allowed(std::string_view host_header, bool loopback_bind, const std::vector<std::string>& allowed) {
  const std::string name = host_name(host_header);
  const std::string full = lower_ascii(trim(host_header));
  for (const auto& a : allowed) {
    const std::string entry = lower_ascii(a);
    if (entry == name || entry == full) return true;
  }
  if (loopback_bind) return !name.empty() && is_loopback_name(name);
  return allowed.empty();
}

bool origin_allowed(std::optional<std::string_view> origin, bool loopback_bind,
                    const std::vector<std::string>& allowed) {
  if (!origin) return true;
  const std::string value = lower_ascii(trim(*origin));
  for (const auto& a : allowed) {
    if (lower_ascii(a) == value) return true;
  }
  if (!loopback_bind) return false;
  const auto scheme = value.find("://");
  if (scheme == std::string::npos) return false;  // "null" and other opaque origins
  const std::string_view rest = std::string_view(value).substr(scheme + 3);
  return is_loopback_name(host_name(rest.substr(0, rest.find('/'))));
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  // Every byte of the longer string is visited whatever the contents; only the lengths leak.
  const std::size_t n = std::max(a.size(), b.size());
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff = static_cast<unsigned char>(diff | (x ^ y));
  }
  return diff == 0;
}

std::optional<std::string_view> bearer_token(std::string_view authorization) {
  authorization = trim(authorization);
  constexpr std::string_view scheme = "bearer ";
  if (authorization.size() <= scheme.size() || lower_ascii(authorization.substr(0, scheme.size())) != scheme)
    return std::nullopt;
  const auto token = trim(authorization.substr(scheme.size()));
  if (token.empty()) return std::nullopt;
  return token;
}

std::string random_session_id() {
  std::array<unsigned char, 16> bytes{};
  std::size_t filled = 0;
  while (filled < bytes.size()) {
    const ssize_t n = ::getrandom(bytes.data() + filled, bytes.size() - filled, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      // No entropy source means no safe session ids: this is not a condition to limp along in.
      throw std::runtime_error(std::string("getrandom failed: ") + std::strerror(errno));
    }
    filled += static_cast<std::size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(32);
  for (unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

tl::expected<std::string, std::string> read_token_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return tl::unexpected("cannot read the auth token file " + path + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  const std::string token(trim(text.str()));
  if (token.empty()) return tl::unexpected("the auth token file " + path + " is empty");
  if (token.find_first_of(" \t\r\n") != std::string::npos) {
    return tl::unexpected("the auth token file " + path + " must hold one token on one line");
  }
  if (token.size() < 16)
    return tl::unexpected("the token in " + path +
                          " is too short (use at least 16 characters, e.g. `openssl rand -hex 32`)");
  return token;
}

std::optional<std::string> base64_decode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    const int v = value(c);
    if (v < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  return out;
}

std::optional<std::string> decode_header_value(std::string_view value) {
  constexpr std::string_view prefix = "=?base64?";
  constexpr std::string_view suffix = "?=";
  if (value.size() >= prefix.size() + suffix.size() && value.substr(0, prefix.size()) == prefix &&
      value.substr(value.size() - suffix.size()) == suffix) {
    return base64_decode(value.substr(prefix.size(), value.size() - prefix.size() - suffix.size()));
  }
  return std::string(value);
}

}  // namespace eks::transport
