#include "tools/cluster/source.hpp"

namespace eks::cluster {

bool in_scope(const LoadScope& scope, const Json& object) {
  if (!object.is_object()) return false;
  const std::string kind = object.value("kind", "");
  if (kind == "Event" && !scope.events) return false;
  if (kind == "PodMetrics" || kind == "NodeMetrics") {
    if (!scope.metrics) return false;
  } else if (!scope.wants(kind)) {
    return false;
  }
  if (!scope.ns) return true;
  auto md = object.find("metadata");
  if (md == object.end() || !md->is_object()) return false;
  if (kind == "Namespace") return md->value("name", "") == *scope.ns;
  const std::string ns = md->value("namespace", "");
  return ns.empty() || ns == *scope.ns;
}

}  // namespace eks::cluster
