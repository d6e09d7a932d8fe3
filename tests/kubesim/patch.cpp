#include "patch.hpp"

namespace kubesim {

namespace {

// The merge key of a list field, as the Kubernetes API types declare it (patchMergeKey); empty: replace.
std::string merge_key(const std::string& field, const json& items) {
  if (field == "containers" || field == "initContainers" || field == "ephemeralContainers" || field == "env" ||
      field == "volumes" || field == "imagePullSecrets" || field == "envFrom" || field == "containerStatuses")
    return field == "envFrom" ? "" : "name";
  if (field == "volumeMounts" || field == "volumeDevices") return field == "volumeMounts" ? "mountPath" : "devicePath";
  if (field == "conditions") return "type";
  if (field == "ownerReferences") return "uid";
  if (field == "hostAliases") return "ip";
  if (field == "topologySpreadConstraints") return "topologyKey";
  if (field == "ports") {
    // Container ports merge on containerPort, Service ports on port.
    for (const auto& i : items)
      if (i.is_object() && i.contains("containerPort")) return "containerPort";
    return "port";
  }
  return "";
}

void merge_list(json& target, const json& patch, const std::string& field) {
  std::string key = merge_key(field, patch);
  if (field == "finalizers") {
    // A set of strings: the union.
    if (!target.is_array()) target = json::array();
    for (const auto& v : patch)
      if (std::find(target.begin(), target.end(), v) == target.end()) target.push_back(v);
    return;
  }
  if (key.empty() || !target.is_array()) {
    json out = json::array();
    for (const auto& i : patch)
      if (!(i.is_object() && i.contains("$patch"))) out.push_back(i);
    target = out;
    return;
  }
  for (const auto& item : patch) {
    if (!item.is_object() || !item.contains(key)) {
      target.push_back(item);
      continue;
    }
    auto it = std::find_if(target.begin(), target.end(),
                           [&](const json& t) { return t.is_object() && t.value(key, json()) == item[key]; });
    std::string directive = item.value("$patch", "");
    if (directive == "delete") {
      if (it != target.end()) target.erase(it);
    } else if (it == target.end()) {
      json copy = item;
      copy.erase("$patch");
      target.push_back(copy);
    } else if (directive == "replace") {
      *it = item;
      it->erase("$patch");
    } else {
      strategic_merge(*it, item, "");
    }
  }
}

}  // namespace

std::optional<PatchType> patch_type_of(const std::string& content_type) {
  std::string ct = content_type.substr(0, content_type.find(';'));
  if (ct == "application/merge-patch+json") return PatchType::merge;
  if (ct == "application/strategic-merge-patch+json") return PatchType::strategic;
  if (ct == "application/json-patch+json") return PatchType::json_patch;
  if (ct == "application/apply-patch+yaml" || ct == "application/apply-patch+cbor") return PatchType::apply;
  return std::nullopt;
}

void strategic_merge(json& target, const json& patch, const std::string& field) {
  if (!patch.is_object()) {
    target = patch;
    return;
  }
  if (patch.value("$patch", "") == "replace") {
    target = patch;
    target.erase("$patch");
    return;
  }
  if (!target.is_object()) target = json::object();
  for (auto& [k, v] : patch.items()) {
    if (k.rfind("$", 0) == 0) continue;  // $setElementOrder/..., $retainKeys, $deleteFromPrimitiveList/...
    if (v.is_null()) {
      target.erase(k);
    } else if (v.is_object()) {
      if (v.value("$patch", "") == "delete") target.erase(k);
      else strategic_merge(target[k], v, k);
    } else if (v.is_array()) {
      merge_list(target[k], v, k);
    } else {
      target[k] = v;
    }
  }
  (void)field;
}

tl::expected<json, std::string> apply_patch(const json& target, const json& patch, PatchType type) {
  try {
    switch (type) {
      case PatchType::merge: {
        json out = target;
        out.merge_patch(patch);
        return out;
      }
      case PatchType::strategic:
      case PatchType::apply: {
        if (!patch.is_object()) return tl::unexpected(std::string("the patch is not a JSON object"));
        json out = target;
        strategic_merge(out, patch);
        return out;
      }
      case PatchType::json_patch:
        if (!patch.is_array()) return tl::unexpected(std::string("a JSON patch is a JSON array of operations"));
        return target.patch(patch);
    }
  } catch (const json::exception& e) {
    return tl::unexpected(std::string(e.what()));
  }
  return tl::unexpected(std::string("unsupported patch type"));
}

}  // namespace kubesim
