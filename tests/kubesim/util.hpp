// kubesim utilities: simulated time, YAML <-> JSON, the name and uid generators the controllers use.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace kubesim {

using json = nlohmann::json;
using SysTime = std::chrono::system_clock::time_point;

// Parses an RFC 3339 timestamp ("2025-03-11T14:05:00Z", fractions and offsets allowed); nullopt if malformed.
std::optional<SysTime> parse_rfc3339(std::string_view text);
// Formats as the API server does: second precision, UTC, "Z".
std::string format_rfc3339(SysTime t);
// Formats with nanoseconds, as kubelet log timestamps are ("2025-03-11T14:05:00.123456789Z").
std::string format_rfc3339_nano(SysTime t);
// kubectl's short human duration ("45s", "5m", "3h12m", "2d5h", "400d").
std::string human_duration(std::chrono::seconds d);

// The simulated clock: the scenario's `now` advanced by the real time elapsed since the simulator started.
class Clock {
 public:
  Clock();
  void set_start(SysTime start);
  SysTime now() const;

 private:
  SysTime start_;
  std::chrono::steady_clock::time_point started_at_;
};

// YAML text (one or more documents) to JSON values. Plain scalars are typed as YAML 1.2's core schema does
// (null, booleans, integers, floats); quoted scalars stay strings. Throws std::runtime_error on bad YAML.
std::vector<json> yaml_documents_to_json(const std::string& text);

// Deterministic generators (seeded), so that a run of the simulator is reproducible.
class NameGenerator {
 public:
  explicit NameGenerator(std::uint64_t seed = 0x6b75626573696dULL) : rng_(seed) {}
  // Five characters from the alphabet Kubernetes uses for generated names (no vowels, no look-alikes).
  std::string suffix(std::size_t length = 5);
  // A random (version 4 layout) UUID.
  std::string uid();
  // Hex string of `length` characters (container ids, image digests).
  std::string hex(std::size_t length);

 private:
  std::mt19937_64 rng_;
};

// 32-bit FNV-1a, the hash behind pod-template-hash, rendered with the safe alphabet.
std::string template_hash(const json& pod_template);

// Splits `s` on `sep` (no trimming).
std::vector<std::string> split(std::string_view s, char sep);
// Percent-decoding for URL paths and query values ("+" means space in query values).
std::string url_decode(std::string_view s, bool plus_is_space);
std::string base64_encode(std::string_view data);
std::optional<std::string> base64_decode(std::string_view data);

}  // namespace kubesim
