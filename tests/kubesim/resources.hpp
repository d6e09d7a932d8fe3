// The API resources kubesim serves, and the discovery documents (aggregated and legacy) that describe them.
#pragma once

#include <string>
#include <vector>

#include "util.hpp"

namespace kubesim {

struct ResourceType {
  std::string group;    // "" for the core group
  std::string version;  // "v1"
  std::string kind;     // "Pod"
  std::string plural;   // "pods"
  bool namespaced = true;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  std::vector<std::string> verbs;         // as discovery lists them
  std::vector<std::string> subresources;  // "log", "status", "scale"

  std::string singular() const;
  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
  std::string list_kind() const { return kind + "List"; }
  // The key the store files objects of this type under: "pods", "deployments.apps".
  std::string key() const { return group.empty() ? plural : plural + "." + group; }
  bool has_subresource(const std::string& name) const;
};

class Registry {
 public:
  // The built-in kinds of the snapshot format, plus the review and metrics APIs.
  Registry();

  const ResourceType* by_path(const std::string& group, const std::string& version, const std::string& plural) const;
  const ResourceType* by_kind(const std::string& api_version, const std::string& kind) const;
  // Registers a kind the snapshot holds but kubesim does not know (a custom resource), guessing its plural.
  const ResourceType& add_custom(const std::string& api_version, const std::string& kind, bool namespaced);

  void set_metrics_available(bool available) { metrics_available_ = available; }
  bool metrics_available() const { return metrics_available_; }

  // GET /api and /apis with Accept ...;as=APIGroupDiscoveryList (apidiscovery.k8s.io/`version`).
  json aggregated_discovery(bool core, const std::string& version) const;
  // GET /api (APIVersions), /apis (APIGroupList), /api/v1 and /apis/G/V (APIResourceList; null if unknown).
  json legacy_api_versions(const std::string& server_address) const;
  json legacy_group_list() const;
  json legacy_resource_list(const std::string& group, const std::string& version) const;

  const std::vector<ResourceType>& all() const { return types_; }

 private:
  bool served(const ResourceType& t) const;
  std::vector<ResourceType> types_;
  bool metrics_available_ = false;
};

}  // namespace kubesim
