#include "tools/cluster/source.hpp"

namespace eks::cluster {
namespace {
// A string member, or "" when absent or not a string (bad input must not throw).
std::string string_at(const Json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}
}  // namespace

bool in_scope(const LoadScope& scope, const Json& object) {
  if (!object.is_object()) return false;
  const std::string kind = string_at(object, "kind");
  if (kind == "Event" && !scope.events) return false;
  if (kind == "Event" && !scope.normal_events && string_at(object, "type") == "Normal" &&
      string_at(object, "reason") != "Killing")
    return false;
  if (kind == "PodMetrics" || kind == "NodeMetrics") {
    if (!scope.metrics) return false;
  } else if (!scope.wants(kind)) {
    return false;
  }
  if (!scope.ns) return true;
  auto md = object.find("metadata");
  if (md == object.end() || !md->is_object()) return false;
  if (kind == "Namespace") return string_at(*md, "name") == *scope.ns;
  const std::string ns = string_at(*md, "namespace");
  return ns.empty() || ns == *scope.ns;
}

}  // namespace eks::cluster
