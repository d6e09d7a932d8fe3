#pragma once
// Kubernetes quantities ("500m", "256Mi", "1e3") and times (RFC 3339), on their own: code that only does
// arithmetic on requests, limits and usage (right-sizing, cost) includes this header without the cluster model.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace eks::cluster {

// A point in time with second resolution (every Kubernetes timestamp we read is RFC 3339 seconds).
using Time = std::chrono::sys_seconds;
// Resource name -> quantity as written ("cpu" -> "500m", "memory" -> "256Mi"); see the quantity helpers.
using ResourceList = std::map<std::string, std::string>;

// "2025-03-11T14:05:00Z" (fractions and offsets accepted) -> time; nullopt when unparsable.
std::optional<Time> parse_time(std::string_view rfc3339);
// time -> "2025-03-11T14:05:00Z".
std::string format_time(Time t);
// "500m" -> 500, "2" -> 2000, "1.5" -> 1500; nullopt when unparsable.
std::optional<std::int64_t> cpu_millicores(std::string_view quantity);
// "256Mi" -> 268435456, "1G" -> 1e9, "128974848" -> same, "1e3"; nullopt when unparsable.
std::optional<std::int64_t> bytes(std::string_view quantity);
// Any quantity as a number in its base unit ("500m" -> 0.5, "1Ki" -> 1024).
std::optional<double> quantity_value(std::string_view quantity);

}  // namespace eks::cluster
