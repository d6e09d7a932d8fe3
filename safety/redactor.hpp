#pragma once
// The redactor: secrets never leave the server. Values under secret-looking keys are masked, and known secret
// values are scrubbed from any text or JSON before it is returned to a host or written to a log.
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace eks::safety {

inline constexpr std::string_view kMask = "***";

class Redactor {
 public:
  // Remembers a secret value so it is scrubbed wherever it appears. Values under 4 characters are ignored
  // (masking them would mangle ordinary text).
  void add_secret(std::string value);
  // True for keys that name credentials: api_key, token, password, secret, authorization, cookie, webhook ...
  static bool is_secret_key(std::string_view key);
  // Replaces every known secret inside the text with the mask.
  std::string redact(std::string text) const;
  // Masks values under secret keys (recursively) and scrubs known secrets from every string.
  nlohmann::json redact(const nlohmann::json& value) const;

 private:
  std::vector<std::string> secrets_;
};

}  // namespace eks::safety
