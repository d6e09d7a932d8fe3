#include "server/tool.hpp"

#include <array>

namespace eks::server {
namespace {
constexpr std::array<std::string_view, 8> kLevels = {"debug",    "info",  "notice", "warning",
                                                     "error",    "critical", "alert", "emergency"};
}

std::string_view to_string(SafetyClass safety) {
  switch (safety) {
    case SafetyClass::read_only: return "read_only";
    case SafetyClass::mutating: return "mutating";
    case SafetyClass::destructive: return "destructive";
  }
  return "destructive";
}

std::optional<LogLevel> parse_log_level(std::string_view text) {
  for (std::size_t i = 0; i < kLevels.size(); ++i) {
    if (kLevels[i] == text) return static_cast<LogLevel>(i);
  }
  return std::nullopt;
}

std::string_view to_string(LogLevel level) { return kLevels[static_cast<std::size_t>(level)]; }

}  // namespace eks::server
