#pragma once
// OAuth 2.1 resource-server basics for the HTTP transport (MCP authorization, 2025-11-25): the Protected
// Resource Metadata document (RFC 9728) and validation of JWT access tokens (RFC 9068 shape) signed by the
// authorization server with a key from its JWKS (RS256 or ES256): signature, iss, aud = our resource URL,
// exp and nbf. The server never issues tokens; it only checks them.
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

namespace eks::transport {

struct OAuthOptions {
  std::string issuer;     // the authorization server; a token's "iss" must equal it exactly
  std::string jwks_file;  // the authorization server's signing keys, a JWKS document ({"keys": [...]})
  // Our canonical URL, which a token's "aud" must contain ("MCP servers MUST validate that access tokens were
  // issued specifically for them"). Empty: the MCP endpoint's URL as served (set it behind a proxy).
  std::string resource;
  std::vector<std::string> scopes;  // advertised as scopes_supported; not enforced
  // The metadata's human-readable resource_name. Empty: the HTTP server uses the application's name (its
  // ServerInfo's); the document omits it when there is none.
  std::string resource_name;
  std::chrono::seconds leeway{30};  // clock skew allowed on exp and nbf
};

// What a valid token says about its bearer (for logs: never the token itself).
struct TokenClaims {
  std::string subject;
  std::string client_id;
  std::string scope;
};

class JwtVerifier {
 public:
  // Reads the JWKS file; fails naming the file and the problem (no usable key, bad JSON, bad key material).
  static tl::expected<JwtVerifier, std::string> load(const std::string& jwks_file, std::string issuer,
                                                     std::string audience, std::chrono::seconds leeway);
  // The same from a parsed JWKS document (tests).
  static tl::expected<JwtVerifier, std::string> from_jwks(const nlohmann::json& jwks, std::string issuer,
                                                          std::string audience, std::chrono::seconds leeway);

  // Checks a compact JWS access token at time `now`. The error says what is wrong ("the token has expired")
  // in words that can go into an error_description: no quotes, and nothing copied from the token.
  tl::expected<TokenClaims, std::string> verify(std::string_view token,
                                                std::chrono::system_clock::time_point now) const;

  std::size_t key_count() const;

  struct Key;

 private:
  std::shared_ptr<const std::vector<Key>> keys_;
  std::string issuer_;
  std::string audience_;
  std::chrono::seconds leeway_{0};
};

// The Protected Resource Metadata document (RFC 9728 section 2).
nlohmann::json protected_resource_metadata(const OAuthOptions& options, const std::string& resource);

// Where that document is served for `resource` (RFC 9728 section 3.1: the well-known path inserted between
// the authority and the resource's path): "https://h/mcp" -> "https://h/.well-known/oauth-protected-resource/mcp".
std::string resource_metadata_url(const std::string& resource);
// The path part of resource_metadata_url ("/.well-known/oauth-protected-resource/mcp").
std::string resource_metadata_path(const std::string& resource);

}  // namespace eks::transport
