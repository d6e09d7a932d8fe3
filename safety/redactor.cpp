#include "safety/redactor.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace eks::safety {

void Redactor::add_secret(std::string value) {
  if (value.size() < 4) return;
  if (std::find(secrets_.begin(), secrets_.end(), value) != secrets_.end()) return;
  secrets_.push_back(std::move(value));
  // Longest first, so a secret that contains another is masked whole.
  std::sort(secrets_.begin(), secrets_.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

bool Redactor::is_secret_key(std::string_view key) {
  std::string lower(key);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  static constexpr std::array<std::string_view, 10> kWords = {"key",    "token",         "secret", "password",
                                                              "passwd", "authorization", "cookie", "credential",
                                                              "webhook", "private"};
  return std::any_of(kWords.begin(), kWords.end(), [&](auto word) { return lower.find(word) != std::string::npos; });
}

std::string Redactor::redact(std::string text) const {
  for (const auto& secret : secrets_) {
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + kMask.size())) {
      text.replace(at, secret.size(), kMask);
    }
  }
  return text;
}

nlohmann::json Redactor::redact(const nlohmann::json& value) const {
  if (value.is_string()) return redact(value.get<std::string>());
  if (value.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : value) out.push_back(redact(item));
    return out;
  }
  if (value.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, item] : value.items()) {
      const bool mask = is_secret_key(key) && (item.is_string() || item.is_number()) &&
                        !(item.is_string() && item.get_ref<const std::string&>().empty());
      out[key] = mask ? nlohmann::json(kMask) : redact(item);
    }
    return out;
  }
  return value;
}

}  // namespace eks::safety
