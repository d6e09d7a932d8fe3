#include "api.hpp"

#include <algorithm>

#include "patch.hpp"
#include "table.hpp"

namespace kubesim {

namespace {

Response json_response(int status, const json& body) { return {status, "application/json", body.dump()}; }
Response error(const ApiError& e) { return json_response(e.code, status_object(e)); }
Response not_found_path() {
  return error({404, "NotFound", "the server could not find the requested resource", json::object()});
}

const std::string& str(const json& j, const char* key) {
  static const std::string empty;
  if (!j.is_object()) return empty;
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get_ref<const std::string&>() : empty;
}

// One media range of an Accept header: "application/json;as=Table;v=v1;g=meta.k8s.io".
struct MediaRange {
  std::string type;
  std::map<std::string, std::string> params;
};

std::vector<MediaRange> parse_accept(const std::string& accept) {
  std::vector<MediaRange> out;
  for (const auto& part : split(accept, ',')) {
    auto fields = split(part, ';');
    MediaRange m;
    auto trim = [](std::string s) {
      s.erase(0, s.find_first_not_of(" \t"));
      s.erase(s.find_last_not_of(" \t") + 1);
      return s;
    };
    m.type = trim(fields[0]);
    for (std::size_t i = 1; i < fields.size(); ++i) {
      auto kv = trim(fields[i]);
      auto eq = kv.find('=');
      if (eq != std::string::npos) m.params[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    out.push_back(std::move(m));
  }
  return out;
}

enum class Shape { full, table, partial_metadata };

// The representation a GET asks for: the first media range kubesim can produce wins (protobuf is skipped,
// answered as JSON, which every client accepts).
Shape shape_of(const std::string& accept) {
  for (const auto& m : parse_accept(accept)) {
    if (m.type != "application/json" && m.type != "*/*" && m.type != "application/*") continue;
    auto as = m.params.find("as");
    if (as == m.params.end()) return Shape::full;
    auto g = m.params.find("g");
    if (g == m.params.end() || g->second != "meta.k8s.io") continue;
    if (as->second == "Table") return Shape::table;
    if (as->second == "PartialObjectMetadataList" || as->second == "PartialObjectMetadata")
      return Shape::partial_metadata;
  }
  return Shape::full;
}

IncludeObject include_of(const Request& r) {
  auto it = r.query.find("includeObject");
  if (it == r.query.end() || it->second == "Metadata") return IncludeObject::metadata;
  return it->second == "Object" ? IncludeObject::object : IncludeObject::none;
}

json partial(const json& object) {
  return {{"kind", "PartialObjectMetadata"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", object["metadata"]}};
}

tl::expected<json, ApiError> parse_body(const Request& r) {
  std::string ct = r.content_type.substr(0, r.content_type.find(';'));
  if (ct.find("protobuf") != std::string::npos)
    return tl::unexpected(ApiError{415, "UnsupportedMediaType",
                                   "the body of the request was in an unknown format - accepted media types include: "
                                   "application/json, application/yaml",
                                   json::object()});
  try {
    if (ct.find("yaml") != std::string::npos) {
      auto docs = yaml_documents_to_json(r.body);
      if (docs.size() != 1) return tl::unexpected(bad_request("expected one YAML document in the body"));
      return docs[0];
    }
    return json::parse(r.body);
  } catch (const std::exception& e) {
    return tl::unexpected(bad_request(std::string("the body of the request could not be decoded: ") + e.what()));
  }
}

bool truthy(const Request& r, const char* key) {
  auto it = r.query.find(key);
  return it != r.query.end() && (it->second == "true" || it->second == "1");
}

json scale_of(const json& object, const ResourceType& t) {
  const json& md = object["metadata"];
  std::string selector;
  if (object.contains("spec") && object["spec"].contains("selector")) {
    auto sel = object["spec"]["selector"].value("matchLabels", json::object());
    for (auto& [k, v] : sel.items()) selector += (selector.empty() ? "" : ",") + k + "=" + v.get<std::string>();
  }
  (void)t;
  json spec = object.value("spec", json::object());
  json status = object.value("status", json::object());
  return {{"kind", "Scale"},
          {"apiVersion", "autoscaling/v1"},
          {"metadata",
           {{"name", md["name"]},
            {"namespace", md.value("namespace", "")},
            {"uid", md["uid"]},
            {"resourceVersion", md["resourceVersion"]},
            {"creationTimestamp", md["creationTimestamp"]}}},
          {"spec", {{"replicas", spec.value("replicas", 1)}}},
          {"status", {{"replicas", status.value("replicas", 0)}, {"selector", selector}}}};
}

}  // namespace

std::map<std::string, std::string> parse_query(std::string_view query) {
  std::map<std::string, std::string> out;
  if (query.empty()) return out;
  for (const auto& pair : split(query, '&')) {
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    if (eq == std::string::npos) out[url_decode(pair, true)] = "";
    else out[url_decode(pair.substr(0, eq), true)] = url_decode(pair.substr(eq + 1), true);
  }
  return out;
}

bool WatchSpec::matches(const ResourceType& t, const json& object) const {
  if (t.key() != type->key()) return false;
  if (!ns.empty() && str(object["metadata"], "namespace") != ns) return false;
  return labels.matches(object["metadata"].value("labels", json::object())) && fields.matches(object);
}

std::string Api::watch_line(const std::string& type, const json& object) {
  return json{{"type", type}, {"object", object}}.dump() + "\n";
}

std::variant<Response, WatchSpec> Api::handle(const Request& r) {
  const std::string& p = r.path;
  bool open = p == "/version" || p == "/healthz" || p == "/livez" || p == "/readyz";
  bool authorised =
      r.authorization == "Bearer " + options_.token || (r.authorization.empty() && !options_.require_token);
  if (!open && !authorised) return error({401, "Unauthorized", "Unauthorized", json::object()});
  if (p == "/healthz" || p == "/livez" || p == "/readyz") return Response{200, "text/plain", "ok"};
  if (p == "/version")
    return json_response(200, {{"major", "1"},
                               {"minor", "32"},
                               {"gitVersion", "v1.32.3-eks-kubesim"},
                               {"gitCommit", "0000000000000000000000000000000000000000"},
                               {"gitTreeState", "clean"},
                               {"buildDate", "2025-03-01T00:00:00Z"},
                               {"goVersion", "go1.23.6"},
                               {"compiler", "gc"},
                               {"platform", "linux/amd64"}});
  if (p == "/api" || p == "/apis" || p == "/api/" || p == "/apis/") return discovery(r);
  std::vector<std::string> segs;
  for (auto& s : split(p, '/'))
    if (!s.empty()) segs.push_back(s);
  if (segs.size() >= 2 && segs[0] == "api") {
    if (segs.size() == 2) {
      json list = cluster_.registry.legacy_resource_list("", segs[1]);
      return list.is_null() ? not_found_path() : json_response(200, list);
    }
    return resource(r, "", segs[1], {segs.begin() + 2, segs.end()});
  }
  if (segs.size() >= 2 && segs[0] == "apis") {
    if (segs.size() == 2) {
      for (const auto& g : cluster_.registry.legacy_group_list()["groups"])
        if (g["name"] == segs[1])
          return json_response(200, {{"kind", "APIGroup"},
                                     {"apiVersion", "v1"},
                                     {"name", g["name"]},
                                     {"versions", g["versions"]},
                                     {"preferredVersion", g["preferredVersion"]}});
      return not_found_path();
    }
    if (segs.size() == 3) {
      json list = cluster_.registry.legacy_resource_list(segs[1], segs[2]);
      if (list.is_null() && segs[1] == "metrics.k8s.io")
        return error({404, "NotFound",
                      "the server could not find the requested resource (metrics API not available: the snapshot "
                      "has no metrics/)",
                      json::object()});
      return list.is_null() ? not_found_path() : json_response(200, list);
    }
    return resource(r, segs[1], segs[2], {segs.begin() + 3, segs.end()});
  }
  return not_found_path();
}

Response Api::discovery(const Request& r) {
  bool core = r.path.rfind("/api", 0) == 0 && r.path.rfind("/apis", 0) != 0;
  for (const auto& m : parse_accept(r.accept)) {
    auto as = m.params.find("as");
    if (as == m.params.end()) {
      if (m.type == "application/json" || m.type == "*/*" || m.type == "application/*") break;
      continue;
    }
    auto g = m.params.find("g");
    auto v = m.params.find("v");
    if (as->second == "APIGroupDiscoveryList" && g != m.params.end() && g->second == "apidiscovery.k8s.io" &&
        v != m.params.end() && (v->second == "v2" || v->second == "v2beta1")) {
      return {200, "application/json;g=apidiscovery.k8s.io;v=" + v->second + ";as=APIGroupDiscoveryList",
              cluster_.registry.aggregated_discovery(core, v->second).dump()};
    }
  }
  return json_response(200, core ? cluster_.registry.legacy_api_versions(options_.server_address)
                                 : cluster_.registry.legacy_group_list());
}

std::variant<Response, WatchSpec> Api::resource(const Request& r, const std::string& group, const std::string& version,
                                                std::vector<std::string> segs) {
  bool watch = truthy(r, "watch");
  if (!segs.empty() && segs[0] == "watch") {
    watch = true;
    segs.erase(segs.begin());
  }
  if (segs.empty()) return not_found_path();
  std::string ns;
  if (segs[0] == "namespaces" && segs.size() >= 3) {
    const ResourceType* inner = cluster_.registry.by_path(group, version, segs[2]);
    if (inner && inner->namespaced) {
      ns = segs[1];
      segs.erase(segs.begin(), segs.begin() + 2);
    }
  }
  const ResourceType* t = cluster_.registry.by_path(group, version, segs[0]);
  if (!t) {
    if (group == "metrics.k8s.io")
      return error({404, "NotFound",
                    "the server could not find the requested resource (metrics API not available: the snapshot has "
                    "no metrics/)",
                    json::object()});
    return not_found_path();
  }
  std::string name = segs.size() >= 2 ? segs[1] : "";
  std::string sub = segs.size() >= 3 ? segs[2] : "";
  if (segs.size() > 3 || (!sub.empty() && !t->has_subresource(sub))) return not_found_path();
  if (t->group == "metrics.k8s.io") {
    if (r.method != "GET")
      return error(
          {405, "MethodNotAllowed", "the server does not allow this method on the requested resource", json::object()});
    return metrics(r, *t, ns, name);
  }
  if (t->kind == "SelfSubjectAccessReview" || t->kind == "SelfSubjectRulesReview") {
    if (r.method != "POST")
      return error(
          {405, "MethodNotAllowed", "the server does not allow this method on the requested resource", json::object()});
    return review(r, *t);
  }
  if (r.method == "GET") {
    if (watch) {
      WatchSpec w;
      w.type = t;
      w.ns = ns;
      auto labels = LabelSelector::parse(r.query.count("labelSelector") ? r.query.at("labelSelector") : "");
      if (!labels) return error(bad_request("unable to parse requirement: " + labels.error()));
      auto fields = FieldSelector::parse(r.query.count("fieldSelector") ? r.query.at("fieldSelector") : "");
      if (!fields) return error(bad_request(fields.error()));
      w.labels = *labels;
      w.fields = *fields;
      if (!name.empty()) w.fields = *FieldSelector::parse("metadata.name=" + name);
      if (auto it = r.query.find("timeoutSeconds"); it != r.query.end()) {
        try {
          w.timeout_seconds = std::stoi(it->second);
        } catch (const std::exception&) {}
      }
      auto rv = r.query.find("resourceVersion");
      bool initial = rv == r.query.end() || rv->second.empty() || rv->second == "0" || truthy(r, "sendInitialEvents");
      if (initial) {
        cluster_.store.for_each(*t, ns, [&](const Entry& e) {
          if (w.matches(*t, e.object)) w.initial.push_back("{\"type\":\"ADDED\",\"object\":" + e.text() + "}\n");
        });
        if (truthy(r, "sendInitialEvents"))
          w.initial.push_back(
              watch_line("BOOKMARK", {{"kind", t->kind},
                                      {"apiVersion", t->api_version()},
                                      {"metadata",
                                       {{"resourceVersion", std::to_string(cluster_.store.resource_version())},
                                        {"annotations", {{"k8s.io/initial-events-end", "true"}}}}}}));
      }
      return w;
    }
    if (name.empty()) return list(r, *t, ns);
    if (sub == "log") return pod_log(r, ns, name);
    if (sub == "scale") {
      const json* o = cluster_.get(*t, ns, name);
      if (!o) return error(not_found(*t, name));
      return json_response(200, scale_of(*o, *t));
    }
    return get(r, *t, ns, name);
  }
  if (r.method == "POST" && name.empty()) return write(r, *t, ns, "", "");
  if (r.method == "POST" && sub == "eviction") {
    auto gone = cluster_.remove(*t, ns, name);
    if (!gone) return error(gone.error());
    return json_response(
        201,
        {{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", json::object()}, {"status", "Success"}, {"code", 201}});
  }
  if ((r.method == "PUT" || r.method == "PATCH" || r.method == "DELETE") && !name.empty())
    return write(r, *t, ns, name, sub);
  if (r.method == "DELETE" && name.empty()) {
    // deletecollection: what matches the selectors.
    std::vector<std::string> names;
    auto labels = LabelSelector::parse(r.query.count("labelSelector") ? r.query.at("labelSelector") : "");
    if (!labels) return error(bad_request(labels.error()));
    cluster_.store.for_each(*t, ns, [&](const Entry& e) {
      if (labels->matches(e.object["metadata"].value("labels", json::object())))
        names.push_back(e.object["metadata"]["name"]);
    });
    json items = json::array();
    for (const auto& n : names)
      if (auto gone = cluster_.remove(*t, ns, n)) items.push_back(*gone);
    return json_response(200, {{"kind", t->list_kind()},
                               {"apiVersion", t->api_version()},
                               {"metadata", {{"resourceVersion", std::to_string(cluster_.store.resource_version())}}},
                               {"items", items}});
  }
  return error(
      {405, "MethodNotAllowed", "the server does not allow this method on the requested resource", json::object()});
}

Response Api::list(const Request& r, const ResourceType& t, const std::string& ns) {
  auto labels = LabelSelector::parse(r.query.count("labelSelector") ? r.query.at("labelSelector") : "");
  if (!labels) return error(bad_request("unable to parse requirement: " + labels.error()));
  auto fields = FieldSelector::parse(r.query.count("fieldSelector") ? r.query.at("fieldSelector") : "");
  if (!fields) return error(bad_request(fields.error()));
  std::size_t limit = 0, offset = 0;
  if (auto it = r.query.find("limit"); it != r.query.end() && !it->second.empty()) {
    try {
      limit = std::stoul(it->second);
    } catch (const std::exception&) {
      return error(bad_request("invalid limit: " + it->second));
    }
  }
  if (auto it = r.query.find("continue"); it != r.query.end() && !it->second.empty()) {
    auto decoded = base64_decode(it->second);
    try {
      offset = decoded ? std::stoul(*decoded) : 0;
    } catch (const std::exception&) {
      decoded.reset();
    }
    if (!decoded)
      return error({410, "Expired",
                    "The provided continue parameter is too old to display a consistent list result. "
                    "You can start a new list without the continue parameter.",
                    json::object()});
  }
  std::vector<const Entry*> matched;
  auto consider = [&](const Entry& e) {
    if (!labels->empty() && !labels->matches(e.object["metadata"].value("labels", json::object()))) return;
    if (!fields->empty() && !fields->matches(e.object)) return;
    matched.push_back(&e);
  };
  const std::string* by_name = fields->equals("metadata.name");
  if (by_name && (!ns.empty() || !t.namespaced)) {
    if (const Entry* e = cluster_.store.get(t, t.namespaced ? ns : "", *by_name)) consider(*e);
  } else {
    cluster_.store.for_each(t, ns, consider);
  }
  std::size_t end = matched.size();
  std::string cont;
  if (offset > end) offset = end;
  if (limit > 0 && offset + limit < end) {
    end = offset + limit;
    cont = base64_encode(std::to_string(end));
  }
  std::string rv = std::to_string(cluster_.store.resource_version());
  json list_md = {{"resourceVersion", rv}};
  if (!cont.empty()) {
    list_md["continue"] = cont;
    list_md["remainingItemCount"] = matched.size() - end;
  }
  Shape shape = shape_of(r.accept);
  if (shape == Shape::table) {
    IncludeObject include = include_of(r);
    SysTime now = cluster_.clock.now();
    std::string body = R"({"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":)" + list_md.dump() +
                       R"(,"columnDefinitions":)" + table_columns(t).dump() + R"(,"rows":[)";
    for (std::size_t i = offset; i < end; ++i) {
      if (i > offset) body += ',';
      body += table_row(t, matched[i]->object, now, include).dump();
    }
    body += "]}";
    return {200, "application/json", std::move(body)};
  }
  std::string body;
  if (shape == Shape::partial_metadata) {
    body = R"({"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1","metadata":)" + list_md.dump() +
           R"(,"items":[)";
    for (std::size_t i = offset; i < end; ++i) body += (i > offset ? "," : "") + partial(matched[i]->object).dump();
  } else {
    std::size_t size = 256;
    for (std::size_t i = offset; i < end; ++i) size += matched[i]->text().size() + 1;
    body.reserve(size);
    body += R"({"kind":")" + t.list_kind() + R"(","apiVersion":")" + t.api_version() + R"(","metadata":)" +
            list_md.dump() + R"(,"items":[)";
    for (std::size_t i = offset; i < end; ++i) {
      if (i > offset) body += ',';
      body += matched[i]->text();
    }
  }
  body += "]}";
  return {200, "application/json", std::move(body)};
}

Response Api::get(const Request& r, const ResourceType& t, const std::string& ns, const std::string& name) {
  const Entry* e = cluster_.store.get(t, t.namespaced ? ns : "", name);
  if (!e) return error(not_found(t, name));
  switch (shape_of(r.accept)) {
    case Shape::table: {
      json table = {{"kind", "Table"},
                    {"apiVersion", "meta.k8s.io/v1"},
                    {"metadata", {{"resourceVersion", e->object["metadata"].value("resourceVersion", "")}}},
                    {"columnDefinitions", table_columns(t)},
                    {"rows", {table_row(t, e->object, cluster_.clock.now(), include_of(r))}}};
      return json_response(200, table);
    }
    case Shape::partial_metadata: return json_response(200, partial(e->object));
    case Shape::full: break;
  }
  return {200, "application/json", e->text()};
}

Response Api::write(const Request& r, const ResourceType& t, const std::string& ns, const std::string& name,
                    const std::string& sub) {
  const json* existing = name.empty() ? nullptr : cluster_.get(t, ns, name);
  if (r.method == "DELETE") {
    bool orphan = false;
    if (auto it = r.query.find("propagationPolicy"); it != r.query.end()) orphan = it->second == "Orphan";
    if (!r.body.empty())
      if (auto opts = json::parse(r.body, nullptr, false); opts.is_object())
        orphan = opts.value("propagationPolicy", "") == "Orphan" || opts.value("orphanDependents", false);
    auto gone = cluster_.remove(t, ns, name, orphan);
    if (!gone) return error(gone.error());
    return json_response(200, *gone);
  }
  auto body = parse_body(r);
  if (!body) return error(body.error());
  if (r.method == "POST") {
    auto created = cluster_.create(t, ns, std::move(*body));
    if (!created) return error(created.error());
    return json_response(201, *created);
  }
  // PUT and PATCH start from what is stored; on scale they edit the Scale view, on status only the status.
  json target;
  if (sub == "scale") {
    if (!existing) return error(not_found(t, name));
    target = scale_of(*existing, t);
  } else if (existing) {
    target = *existing;
  }
  json updated;
  if (r.method == "PUT") {
    updated = std::move(*body);
  } else {
    auto type = patch_type_of(r.content_type);
    if (!type)
      return error({415, "UnsupportedMediaType",
                    "the body of the request was in an unknown format - accepted media "
                    "types include: application/json-patch+json, application/merge-patch+json, "
                    "application/apply-patch+yaml",
                    json::object()});
    if (*type == PatchType::apply && r.query.find("fieldManager") == r.query.end())
      return error(
          bad_request("PATCH request with apply type requires a field manager (fieldManager query parameter)"));
    if (!existing) {
      if (*type != PatchType::apply) return error(not_found(t, name));
      json object = std::move(*body);
      if (!object.is_object()) return error(bad_request("the body of the request is not an object"));
      if (object["metadata"].value("name", name) != name)
        return error(bad_request("the name of the object (" + object["metadata"].value("name", "") +
                                 ") does not match the name on the URL (" + name + ")"));
      object["metadata"]["name"] = name;
      auto created = cluster_.create(t, ns, std::move(object));
      if (!created) return error(created.error());
      return json_response(201, *created);
    }
    auto patched = apply_patch(target, *body, *type);
    if (!patched) {
      ApiError e = invalid(t, name, "patch", patched.error());
      e.message = "the server rejected our request due to an error in our request: " + patched.error();
      return error(e);
    }
    updated = std::move(*patched);
  }
  if (!existing) return error(not_found(t, name));
  if (sub == "scale") {
    const json& replicas = updated["spec"]["replicas"];
    if (!replicas.is_number_integer() || replicas.get<std::int64_t>() < 0)
      return error(invalid(t, name, "spec.replicas",
                           "Invalid value: " + replicas.dump() + ": must be greater than or equal to 0"));
    std::string rv = updated["metadata"].value("resourceVersion", "");
    if (!rv.empty() && rv != str((*existing)["metadata"], "resourceVersion")) return error(conflict(t, name));
    json object = *existing;
    object["spec"]["replicas"] = replicas;
    auto stored = cluster_.replace(t, ns, name, std::move(object));
    if (!stored) return error(stored.error());
    return json_response(200, scale_of(*stored, t));
  }
  if (sub == "status") {
    json object = *existing;
    object["status"] = updated.value("status", json::object());
    if (updated.contains("metadata") && updated["metadata"].contains("resourceVersion"))
      object["metadata"]["resourceVersion"] = updated["metadata"]["resourceVersion"];
    updated = std::move(object);
  } else if (updated.is_object() && existing->contains("status")) {
    // Writes to the main resource leave the status as stored: only /status changes it.
    updated["status"] = (*existing)["status"];
  }
  if (updated.is_object() && updated.contains("spec") && updated["spec"].contains("replicas") &&
      updated["spec"]["replicas"].is_number_integer() && updated["spec"]["replicas"].get<std::int64_t>() < 0)
    return error(
        invalid(t, name, "spec.replicas",
                "Invalid value: " + updated["spec"]["replicas"].dump() + ": must be greater than or equal to 0"));
  auto stored = cluster_.replace(t, ns, name, std::move(updated));
  if (!stored) return error(stored.error());
  return json_response(200, *stored);
}

Response Api::pod_log(const Request& r, const std::string& ns, const std::string& name) {
  const ResourceType& pods = cluster_.type("pods");
  const json* pod = cluster_.get(pods, ns, name);
  if (!pod) return error(not_found(pods, name));
  std::vector<std::string> containers;
  for (const char* field : {"initContainers", "containers"})
    for (const auto& c : (*pod)["spec"].value(field, json::array())) containers.push_back(c.value("name", ""));
  std::string container = r.query.count("container") ? r.query.at("container") : "";
  if (container.empty()) {
    auto main = (*pod)["spec"].value("containers", json::array());
    if (main.size() != 1) {
      std::string names;
      for (const auto& c : main) names += (names.empty() ? "" : " ") + c.value("name", "");
      return error(
          bad_request("a container name must be specified for pod " + name + ", choose one of: [" + names + "]"));
    }
    container = main[0].value("name", "");
  }
  if (std::find(containers.begin(), containers.end(), container) == containers.end())
    return error(bad_request("container " + container + " is not valid for pod " + name));
  bool previous = truthy(r, "previous");
  auto text = cluster_.log(ns, name, container, previous);
  if (!text && previous)
    return error(bad_request("previous terminated container \"" + container + "\" in pod \"" + name + "\" not found"));
  if (!text) {
    for (const char* field : {"initContainerStatuses", "containerStatuses"})
      for (const auto& cs : (*pod)["status"].value(field, json::array())) {
        if (cs.value("name", "") != container) continue;
        if (cs.contains("state") && cs["state"].contains("waiting")) {
          std::string reason = cs["state"]["waiting"].value("reason", "ContainerCreating");
          if (reason == "ImagePullBackOff" || reason == "ErrImagePull") reason = "trying and failing to pull image";
          return error(
              bad_request("container \"" + container + "\" in pod \"" + name + "\" is waiting to start: " + reason));
        }
      }
    if ((*pod)["status"].value("phase", "") == "Pending")
      return error(bad_request("container \"" + container + "\" in pod \"" + name +
                               "\" is waiting to start: ContainerCreating"));
  }
  std::string content = text ? *text : "";
  bool timestamps = truthy(r, "timestamps");
  std::optional<SysTime> since;
  if (auto it = r.query.find("sinceSeconds"); it != r.query.end()) {
    try {
      since = cluster_.clock.now() - std::chrono::seconds(std::stoll(it->second));
    } catch (const std::exception&) {
      return error(bad_request("invalid sinceSeconds: " + it->second));
    }
  }
  if (auto it = r.query.find("sinceTime"); it != r.query.end()) since = parse_rfc3339(it->second);
  // Lines as the kubelet stores them: "<RFC 3339 nano timestamp> <text>"; a line without a timestamp is kept.
  std::vector<std::string_view> lines;
  std::string_view rest = content;
  while (!rest.empty()) {
    auto nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl == std::string_view::npos ? rest.size() : nl + 1);
    rest.remove_prefix(line.size());
    auto sp = line.find(' ');
    std::optional<SysTime> ts;
    if (sp != std::string_view::npos && sp >= 20 && sp <= 35 && line[4] == '-' && line[10] == 'T')
      ts = parse_rfc3339(line.substr(0, sp));
    if (since && ts && *ts < *since) continue;
    if (!timestamps && ts) line.remove_prefix(sp + 1);
    lines.push_back(line);
  }
  if (auto it = r.query.find("tailLines"); it != r.query.end()) {
    try {
      std::size_t n = std::stoul(it->second);
      if (lines.size() > n) lines.erase(lines.begin(), lines.end() - static_cast<std::ptrdiff_t>(n));
    } catch (const std::exception&) {
      return error(bad_request("invalid tailLines: " + it->second));
    }
  }
  std::string out;
  for (auto l : lines) out += l;
  if (auto it = r.query.find("limitBytes"); it != r.query.end()) {
    try {
      std::size_t n = std::stoul(it->second);
      if (out.size() > n) out.resize(n);
    } catch (const std::exception&) {
      return error(bad_request("invalid limitBytes: " + it->second));
    }
  }
  return {200, "text/plain", std::move(out)};
}

Response Api::metrics(const Request& r, const ResourceType& t, const std::string& ns, const std::string& name) {
  bool pods = t.kind == "PodMetrics";
  const auto& source = pods ? cluster_.pod_metrics() : cluster_.node_metrics();
  std::string now = format_rfc3339(cluster_.clock.now());
  auto finish = [&](json m) {
    if (!m.contains("timestamp")) m["timestamp"] = now;
    if (!m.contains("window")) m["window"] = pods ? "30s" : "20s";
    return m;
  };
  if (!name.empty()) {
    auto it = source.find(pods ? ns + "/" + name : name);
    if (it == source.end())
      return error({404,
                    "NotFound",
                    std::string(pods ? "podmetrics" : "nodemetrics") + ".metrics.k8s.io \"" + name + "\" not found",
                    {{"name", name}, {"group", "metrics.k8s.io"}, {"kind", t.plural}}});
    return json_response(200, finish(it->second));
  }
  auto labels = LabelSelector::parse(r.query.count("labelSelector") ? r.query.at("labelSelector") : "");
  if (!labels) return error(bad_request(labels.error()));
  json items = json::array();
  for (const auto& [key, m] : source) {
    if (pods && !ns.empty() && key.compare(0, ns.size() + 1, ns + "/") != 0) continue;
    json obj_labels = m["metadata"].value("labels", json::object());
    if (obj_labels.empty()) {
      // Metrics carry their object's labels; fall back to the live object's.
      const auto& md = m["metadata"];
      if (const json* o =
              cluster_.get(cluster_.type(pods ? "pods" : "nodes"), md.value("namespace", ""), md.value("name", "")))
        obj_labels = (*o)["metadata"].value("labels", json::object());
    }
    if (!labels->matches(obj_labels)) continue;
    items.push_back(finish(m));
  }
  return json_response(200, {{"kind", pods ? "PodMetricsList" : "NodeMetricsList"},
                             {"apiVersion", "metrics.k8s.io/v1beta1"},
                             {"metadata", json::object()},
                             {"items", items}});
}

Response Api::review(const Request& r, const ResourceType& t) {
  json spec = json::object();
  if (r.content_type.find("json") != std::string::npos)
    if (auto b = json::parse(r.body, nullptr, false); b.is_object() && b.contains("spec")) spec = b["spec"];
  json status;
  if (t.kind == "SelfSubjectAccessReview") {
    status = {{"allowed", !options_.deny_ssar}};
    if (options_.deny_ssar) status["reason"] = "kubesim was started with --deny-ssar";
  } else {
    status = {{"resourceRules", {{{"verbs", {"*"}}, {"apiGroups", {"*"}}, {"resources", {"*"}}}}},
              {"nonResourceRules", {{{"verbs", {"*"}}, {"nonResourceURLs", {"*"}}}}},
              {"incomplete", false}};
  }
  return json_response(201, {{"kind", t.kind},
                             {"apiVersion", "authorization.k8s.io/v1"},
                             {"metadata", {{"creationTimestamp", nullptr}}},
                             {"spec", spec},
                             {"status", status}});
}

}  // namespace kubesim
