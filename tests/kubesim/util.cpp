#include "util.hpp"

#include <cctype>
#include <cstdio>
#include <ctime>
#include <stdexcept>

#include <yaml-cpp/yaml.h>

namespace kubesim {

namespace {

constexpr std::string_view kSafeAlphabet = "bcdfghjklmnpqrstvwxz2456789";

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

json scalar_to_json(const YAML::Node& node) {
  const std::string& value = node.Scalar();
  // yaml-cpp tags quoted scalars "!" and plain ones "?": only plain scalars are resolved to other types.
  if (node.Tag() != "?") return value;
  if (value.empty() || value == "~" || value == "null" || value == "Null" || value == "NULL") return nullptr;
  if (value == "true" || value == "True" || value == "TRUE") return true;
  if (value == "false" || value == "False" || value == "FALSE") return false;
  std::string_view digits = value;
  if (digits.front() == '-' || digits.front() == '+') digits.remove_prefix(1);
  if (all_digits(digits) && digits.size() < 19) return std::stoll(value);
  // Floats as YAML 1.2 writes them: digits with a dot and/or an exponent.
  bool has_digit = false, float_like = false, ok = !digits.empty();
  for (char c : digits) {
    if (std::isdigit(static_cast<unsigned char>(c))) has_digit = true;
    else if (c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+') float_like = true;
    else ok = false;
  }
  if (ok && has_digit && float_like) {
    try {
      std::size_t used = 0;
      double d = std::stod(value, &used);
      if (used == value.size()) return d;
    } catch (const std::exception&) {}
  }
  return value;
}

json node_to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: return nullptr;
    case YAML::NodeType::Scalar: return scalar_to_json(node);
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node) out.push_back(node_to_json(item));
      return out;
    }
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& kv : node) out[kv.first.as<std::string>()] = node_to_json(kv.second);
      return out;
    }
  }
  return nullptr;
}

}  // namespace

std::optional<SysTime> parse_rfc3339(std::string_view text) {
  int y, mo, d, h, mi, s;
  if (text.size() < 20) return std::nullopt;
  std::string buf(text);
  if (std::sscanf(buf.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) != 6) return std::nullopt;
  std::size_t pos = 19;
  long long nanos = 0;
  if (pos < buf.size() && buf[pos] == '.') {
    ++pos;
    long long scale = 100000000;
    while (pos < buf.size() && std::isdigit(static_cast<unsigned char>(buf[pos]))) {
      nanos += (buf[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
  }
  long offset = 0;
  if (pos < buf.size() && (buf[pos] == '+' || buf[pos] == '-')) {
    int oh = 0, om = 0;
    if (std::sscanf(buf.c_str() + pos + 1, "%2d:%2d", &oh, &om) != 2) return std::nullopt;
    offset = (oh * 3600L + om * 60L) * (buf[pos] == '-' ? -1 : 1);
  } else if (pos >= buf.size() || (buf[pos] != 'Z' && buf[pos] != 'z')) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  std::time_t t = timegm(&tm) - offset;
  return std::chrono::system_clock::from_time_t(t) +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(nanos));
}

std::string format_rfc3339(SysTime t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(std::chrono::time_point_cast<std::chrono::seconds>(t));
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return out;
}

std::string format_rfc3339_nano(SysTime t) {
  auto secs = std::chrono::floor<std::chrono::seconds>(t);
  auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(t - secs).count();
  std::string base = format_rfc3339(secs);
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%09lld", static_cast<long long>(nanos));
  return base.substr(0, base.size() - 1) + frac + "Z";
}

std::string human_duration(std::chrono::seconds d) {
  long long s = d.count();
  if (s < 0) s = 0;
  char out[32];
  if (s < 60 * 2) {
    std::snprintf(out, sizeof out, "%llds", s);
  } else if (s < 60 * 10) {
    long long m = s / 60, rem = s % 60;
    if (rem == 0) std::snprintf(out, sizeof out, "%lldm", m);
    else std::snprintf(out, sizeof out, "%lldm%llds", m, rem);
  } else if (s < 3600 * 3) {
    std::snprintf(out, sizeof out, "%lldm", s / 60);
  } else if (s < 3600 * 8) {
    long long h = s / 3600, m = (s % 3600) / 60;
    if (m == 0) std::snprintf(out, sizeof out, "%lldh", h);
    else std::snprintf(out, sizeof out, "%lldh%lldm", h, m);
  } else if (s < 3600 * 48) {
    std::snprintf(out, sizeof out, "%lldh", s / 3600);
  } else if (s < 3600 * 24 * 8) {
    long long days = s / 86400, h = (s % 86400) / 3600;
    if (h == 0) std::snprintf(out, sizeof out, "%lldd", days);
    else std::snprintf(out, sizeof out, "%lldd%lldh", days, h);
  } else if (s < 3600LL * 24 * 365 * 2) {
    std::snprintf(out, sizeof out, "%lldd", s / 86400);
  } else {
    long long years = s / (86400LL * 365), days = (s % (86400LL * 365)) / 86400;
    if (years < 8 && days) std::snprintf(out, sizeof out, "%lldy%lldd", years, days);
    else std::snprintf(out, sizeof out, "%lldy", years);
  }
  return out;
}

Clock::Clock() : start_(std::chrono::system_clock::now()), started_at_(std::chrono::steady_clock::now()) {}

void Clock::set_start(SysTime start) {
  start_ = start;
  started_at_ = std::chrono::steady_clock::now();
}

SysTime Clock::now() const {
  return start_ + std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::steady_clock::now() -
                                                                                  started_at_);
}

std::vector<json> yaml_documents_to_json(const std::string& text) {
  std::vector<json> out;
  try {
    for (const auto& doc : YAML::LoadAll(text)) {
      if (doc.IsNull()) continue;
      out.push_back(node_to_json(doc));
    }
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(std::string("invalid YAML: ") + e.what());
  }
  return out;
}

std::string NameGenerator::suffix(std::size_t length) {
  std::string out;
  std::uniform_int_distribution<std::size_t> pick(0, kSafeAlphabet.size() - 1);
  for (std::size_t i = 0; i < length; ++i) out += kSafeAlphabet[pick(rng_)];
  return out;
}

std::string NameGenerator::hex(std::size_t length) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::uniform_int_distribution<int> pick(0, 15);
  std::string out;
  for (std::size_t i = 0; i < length; ++i) out += kHex[pick(rng_)];
  return out;
}

std::string NameGenerator::uid() {
  std::string h = hex(32);
  h[12] = '4';
  h[16] = "89ab"[h[16] % 4];
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

std::string template_hash(const json& pod_template) {
  std::uint32_t h = 2166136261u;
  for (unsigned char c : pod_template.dump()) {
    h ^= c;
    h *= 16777619u;
  }
  std::string out;
  // Ten characters, as Kubernetes' rand.SafeEncodeString of the decimal hash gives for typical values.
  for (std::string digits = std::to_string(h); char c : digits)
    out += kSafeAlphabet[static_cast<std::size_t>(c) % kSafeAlphabet.size()];
  return out;
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    std::size_t pos = s.find(sep, start);
    out.emplace_back(s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return out;
}

std::string url_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string base64_encode(std::string_view data) {
  static constexpr char kTable[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(data[i]) << 16) | (static_cast<unsigned char>(data[i + 1]) << 8) |
                 static_cast<unsigned char>(data[i + 2]);
    out += kTable[(v >> 18) & 63];
    out += kTable[(v >> 12) & 63];
    out += kTable[(v >> 6) & 63];
    out += kTable[v & 63];
  }
  if (i + 1 == data.size()) {
    unsigned v = static_cast<unsigned char>(data[i]) << 16;
    out += kTable[(v >> 18) & 63];
    out += kTable[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == data.size()) {
    unsigned v = (static_cast<unsigned char>(data[i]) << 16) | (static_cast<unsigned char>(data[i + 1]) << 8);
    out += kTable[(v >> 18) & 63];
    out += kTable[(v >> 12) & 63];
    out += kTable[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view data) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : data) {
    if (c == '=') break;
    int v = value(c);
    if (v < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  return out;
}

}  // namespace kubesim
