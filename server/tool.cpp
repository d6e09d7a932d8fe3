#include "server/tool.hpp"

#include <array>

namespace eks::server {
namespace {
constexpr std::array<std::string_view, 8> kLevels = {"debug", "info",     "notice", "warning",
                                                     "error", "critical", "alert",  "emergency"};
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

std::string base64_encode(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned n = static_cast<unsigned char>(bytes[i]) << 16 | static_cast<unsigned char>(bytes[i + 1]) << 8 |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += {kAlphabet[n >> 18], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63], kAlphabet[n & 63]};
  }
  if (i + 1 == bytes.size()) {
    const unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
    out += {kAlphabet[n >> 18], kAlphabet[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == bytes.size()) {
    const unsigned n = static_cast<unsigned char>(bytes[i]) << 16 | static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += {kAlphabet[n >> 18], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63], '='};
  }
  return out;
}

Json image_content(std::string_view bytes, std::string mime_type) {
  return Json{{"type", "image"}, {"data", base64_encode(bytes)}, {"mimeType", std::move(mime_type)}};
}

Json audio_content(std::string_view bytes, std::string mime_type) {
  return Json{{"type", "audio"}, {"data", base64_encode(bytes)}, {"mimeType", std::move(mime_type)}};
}

Json embedded_text_resource(std::string uri, std::string mime_type, std::string text) {
  return Json{{"type", "resource"},
              {"resource", {{"uri", std::move(uri)}, {"mimeType", std::move(mime_type)}, {"text", std::move(text)}}}};
}

Json embedded_blob_resource(std::string uri, std::string mime_type, std::string_view bytes) {
  return Json{
      {"type", "resource"},
      {"resource", {{"uri", std::move(uri)}, {"mimeType", std::move(mime_type)}, {"blob", base64_encode(bytes)}}}};
}

std::string_view to_string(LogLevel level) { return kLevels[static_cast<std::size_t>(level)]; }

}  // namespace eks::server
