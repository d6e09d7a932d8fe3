#pragma once
// The redactor: secrets never leave the server. Everything leaving it — tool results, prompts sent to Claude,
// GitHub issue bodies, webhook posts, our logs, the audit log — passes here. It masks:
//   known secret values (add_secret); values under secret-looking keys (*PASSWORD*, *TOKEN*, *SECRET*,
//   *API_KEY*, *CREDENTIAL*, authorization, cookie, and the short PASS, PWD, PIN as whole words ...) in JSON,
//   YAML, key=value and header text, also when URL-encoded (password%3D...%26); Kubernetes Secret
//   data/stringData; env entries {name: *PASSWORD*, value: ...}; AWS access key ids and bare secret access keys;
//   GitHub tokens; Anthropic keys; Slack tokens; Google API keys; JWTs; Bearer credentials; PEM private key
//   blocks; passwords in URLs and connection strings.
// Ordinary identifiers (pod-template-hash, uids, image digests, commit SHAs) are left alone. The scanners are
// hand-written single passes (no std::regex), each linear in the text: redaction sits on every result's path.
#include <string>
#include <string_view>
#include <vector>

#include <memory>

#include <nlohmann/json.hpp>

#include "server/dispatcher.hpp"

namespace eks::safety {

inline constexpr std::string_view kMask = "***";

class Redactor {
 public:
  // Remembers a secret value so it is scrubbed wherever it appears. Values under 4 characters are ignored
  // (masking them would mangle ordinary text).
  void add_secret(std::string value);
  // True for keys that name credentials: api_key, token, password, secret, authorization, cookie, webhook,
  // DB_PASS, PIN ...; false for keys that only refer to one (secretName, tokenExpirationSeconds,
  // passwordSecretRef) or merely contain a short word (pinVersion, passthrough, bypass).
  static bool is_secret_key(std::string_view key);
  // Masks known secrets and secret-shaped text (see above) inside the text.
  std::string redact(std::string text) const;
  // Masks values under secret keys and Secret data (recursively) and redacts every string.
  nlohmann::json redact(const nlohmann::json& value) const;

 private:
  nlohmann::json redact_value(const nlohmann::json& value, int depth) const;
  std::vector<std::string> secrets_;
};

// Host-facing results pass the redactor: a tool's structured output, its text and its error messages, so a
// secret that reached a tool (a log line, an object's field) never reaches the host.
server::Middleware redacting_middleware(std::shared_ptr<const Redactor> redactor);

}  // namespace eks::safety
