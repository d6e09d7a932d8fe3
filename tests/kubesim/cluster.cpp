#include "cluster.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace kubesim {

namespace fs = std::filesystem;

namespace {

std::string qualified(const ResourceType& t) { return t.group.empty() ? t.plural : t.plural + "." + t.group; }

json error_details(const ResourceType& t, const std::string& name, const std::string& kind) {
  json d = {{"name", name}, {"kind", kind}};
  if (!t.group.empty()) d["group"] = t.group;
  return d;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const std::string& str(const json& j, const char* key) {
  static const std::string empty;
  if (!j.is_object()) return empty;
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get_ref<const std::string&>() : empty;
}

const json& at(const json& j, std::initializer_list<const char*> path) {
  static const json null;
  const json* cur = &j;
  for (const char* p : path) {
    if (!cur->is_object()) return null;
    auto it = cur->find(p);
    if (it == cur->end()) return null;
    cur = &*it;
  }
  return *cur;
}

std::int64_t replicas_of(const json& obj) {
  const json& r = at(obj, {"spec", "replicas"});
  return r.is_number_integer() ? r.get<std::int64_t>() : 1;
}

const json* controller_ref(const json& obj) {
  const json& refs = at(obj, {"metadata", "ownerReferences"});
  if (!refs.is_array()) return nullptr;
  for (const auto& r : refs)
    if (r.value("controller", false)) return &r;
  return refs.empty() ? nullptr : &refs[0];
}

// A pod template with what does not change a pod's behaviour removed: the restart annotation kubectl
// rollout restart sets, and the pod-template-hash label a ReplicaSet adds.
json behavioural_template(json t) {
  if (auto md = t.find("metadata"); md != t.end() && md->is_object()) {
    if (auto a = md->find("annotations"); a != md->end() && a->is_object()) {
      a->erase("kubectl.kubernetes.io/restartedAt");
      if (a->empty()) md->erase("annotations");
    }
    if (auto l = md->find("labels"); l != md->end() && l->is_object()) l->erase("pod-template-hash");
    md->erase("creationTimestamp");
  }
  return t;
}

std::int64_t revision_of(const json& rs) {
  const std::string& r = str(at(rs, {"metadata", "annotations"}), "deployment.kubernetes.io/revision");
  try {
    return r.empty() ? 0 : std::stoll(r);
  } catch (const std::exception&) {
    return 0;
  }
}

std::string qos_class(const json& spec) {
  bool any = false, guaranteed = true;
  for (const auto& c : at(spec, {"containers"})) {
    const json& req = at(c, {"resources", "requests"});
    const json& lim = at(c, {"resources", "limits"});
    if ((req.is_object() && !req.empty()) || (lim.is_object() && !lim.empty())) any = true;
    if (!lim.is_object() || !lim.contains("cpu") || !lim.contains("memory")) guaranteed = false;
    else if (req.is_object() && !req.empty() && req != lim) guaranteed = false;
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

}  // namespace

json status_object(const ApiError& e) {
  json s = {{"kind", "Status"},    {"apiVersion", "v1"},   {"metadata", json::object()},
            {"status", "Failure"}, {"message", e.message}, {"reason", e.reason},
            {"code", e.code}};
  if (!e.details.empty()) s["details"] = e.details;
  return s;
}

ApiError not_found(const ResourceType& t, const std::string& name) {
  return {404, "NotFound", qualified(t) + " \"" + name + "\" not found", error_details(t, name, t.plural)};
}

ApiError already_exists(const ResourceType& t, const std::string& name) {
  return {409, "AlreadyExists", qualified(t) + " \"" + name + "\" already exists", error_details(t, name, t.plural)};
}

ApiError conflict(const ResourceType& t, const std::string& name) {
  return {409, "Conflict",
          "Operation cannot be fulfilled on " + qualified(t) + " \"" + name +
              "\": the object has been modified; please apply your changes to the latest version and try again",
          error_details(t, name, t.plural)};
}

ApiError invalid(const ResourceType& t, const std::string& name, const std::string& field, const std::string& detail) {
  json d = error_details(t, name, t.kind);
  d["causes"] = {{{"reason", "FieldValueInvalid"}, {"message", detail}, {"field", field}}};
  return {422, "Invalid", t.kind + " \"" + name + "\" is invalid: " + field + ": " + detail, d};
}

ApiError bad_request(const std::string& message) { return {400, "BadRequest", message, json::object()}; }

bool pod_ready(const json& pod) {
  for (const auto& c : at(pod, {"status", "conditions"}))
    if (str(c, "type") == "Ready") return str(c, "status") == "True";
  return false;
}

// A string that is wholly an RFC 3339 time ("2025-03-11T14:05:00Z", with or without fractions).
std::optional<SysTime> as_time(const std::string& s) {
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T') return std::nullopt;
  return parse_rfc3339(s);
}

void shift_times(json& value, std::chrono::seconds by) {
  if (by.count() == 0) return;
  if (value.is_object() || value.is_array()) {
    for (auto& v : value) shift_times(v, by);
  } else if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    if (const auto t = as_time(s))
      value = s.find('.') != std::string::npos ? format_rfc3339_nano(*t + by) : format_rfc3339(*t + by);
  }
}

std::string shift_log_times(const std::string& text, std::chrono::seconds by) {
  if (by.count() == 0) return text;
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    end = end == std::string::npos ? text.size() : end + 1;
    const std::string line = text.substr(pos, end - pos);
    const std::size_t space = line.find(' ');
    const auto t = space == std::string::npos ? std::nullopt : as_time(line.substr(0, space));
    out += t ? format_rfc3339_nano(*t + by) + line.substr(space) : line;
    pos = end;
  }
  return out;
}

tl::expected<Scenario, std::string> parse_scenario(const std::string& yaml_text) {
  Scenario s;
  std::vector<json> docs;
  try {
    docs = yaml_documents_to_json(yaml_text);
  } catch (const std::exception& e) {
    return tl::unexpected(std::string(e.what()));
  }
  if (docs.empty()) return s;
  const json& d = docs[0];
  if (!d.is_object()) return tl::unexpected(std::string("scenario.yaml is not a mapping"));
  s.description = d.value("description", "");
  if (d.contains("now")) {
    auto now = parse_rfc3339(d["now"].is_string() ? d["now"].get<std::string>() : "");
    if (!now) return tl::unexpected("scenario.yaml: now is not an RFC 3339 time: " + d["now"].dump());
    s.now = now;
  }
  json rules = d.value("remediation", json::array());
  for (const auto& r : rules) {
    RemediationRule rule;
    rule.workload = r.value("workload", "");
    if (std::count(rule.workload.begin(), rule.workload.end(), '/') != 2)
      return tl::unexpected("scenario.yaml: remediation workload must be Kind/namespace/name, got \"" + rule.workload +
                            "\"");
    std::string outcome = r.value("recreatedPods", "running");
    if (outcome == "failSameWay") rule.outcome = RemediationRule::Outcome::fail_same_way;
    else if (outcome != "running")
      return tl::unexpected("scenario.yaml: recreatedPods is running or failSameWay, got \"" + outcome + "\"");
    std::string fixed = r.value("fixedBy", "");
    if (fixed == "templateChange") rule.fixed_by_template_change = true;
    else if (!fixed.empty()) return tl::unexpected("scenario.yaml: fixedBy is templateChange, got \"" + fixed + "\"");
    json logs = r.value("runningLogs", json::object());
    for (auto& [c, text] : logs.items()) rule.running_logs[c] = text.get<std::string>();
    s.remediation.push_back(std::move(rule));
  }
  return s;
}

Cluster::Cluster() = default;

const ResourceType& Cluster::type(const std::string& plural, const std::string& group) const {
  for (const auto& t : registry.all())
    if (t.plural == plural && t.group == group) return t;
  throw std::logic_error("kubesim: unknown built-in resource " + plural);
}

const json* Cluster::get(const ResourceType& t, const std::string& ns, const std::string& name) const {
  const Entry* e = store.get(t, t.namespaced ? ns : "", name);
  return e ? &e->object : nullptr;
}

tl::expected<LoadStats, std::string> Cluster::load(const fs::path& dir) {
  auto started = std::chrono::steady_clock::now();
  LoadStats stats;
  if (!fs::is_directory(dir)) return tl::unexpected("snapshot directory " + dir.string() + " does not exist");
  try {
    if (fs::exists(dir / "scenario.yaml")) {
      auto s = parse_scenario(read_file(dir / "scenario.yaml"));
      if (!s) return tl::unexpected(s.error());
      scenario = std::move(*s);
      if (scenario.now && !at_capture_time) {
        const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
        time_shift = now - std::chrono::floor<std::chrono::seconds>(*scenario.now);
      }
      if (scenario.now) clock.set_start(*scenario.now + time_shift);
    }
    std::vector<fs::path> files;
    if (fs::is_directory(dir / "cluster"))
      for (const auto& f : fs::recursive_directory_iterator(dir / "cluster")) {
        auto ext = f.path().extension();
        if (f.is_regular_file() && (ext == ".yaml" || ext == ".yml" || ext == ".json")) files.push_back(f.path());
      }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      std::string text = read_file(f);
      std::vector<json> docs;
      try {
        if (f.extension() == ".json") docs.push_back(json::parse(text));
        else docs = yaml_documents_to_json(text);
      } catch (const std::exception& e) {
        return tl::unexpected(f.string() + ": " + e.what());
      }
      for (auto& d : docs) {
        shift_times(d, time_shift);
        if (auto ok = add_snapshot_object(std::move(d)); !ok) return tl::unexpected(f.string() + ": " + ok.error());
      }
      ++stats.files;
    }
    if (fs::is_directory(dir / "logs"))
      for (const auto& f : fs::recursive_directory_iterator(dir / "logs")) {
        if (!f.is_regular_file() || f.path().extension() != ".log") continue;
        auto rel = fs::relative(f.path(), dir / "logs");
        std::vector<std::string> parts;
        for (const auto& p : rel) parts.push_back(p.string());
        if (parts.size() != 3)
          return tl::unexpected(f.path().string() + ": expected logs/<namespace>/<pod>/<container>.log");
        std::string file = parts[2];
        bool previous = file.size() > 13 && file.ends_with(".previous.log");
        std::string container = file.substr(0, file.size() - (previous ? 13 : 4));
        set_log(parts[0], parts[1], container, previous, shift_log_times(read_file(f.path()), time_shift));
        ++stats.log_files;
      }
    for (const char* which : {"pods", "nodes"}) {
      fs::path p;
      for (const char* ext : {".yaml", ".yml", ".json"})
        if (fs::exists(dir / "metrics" / (std::string(which) + ext))) p = dir / "metrics" / (std::string(which) + ext);
      if (p.empty()) continue;
      registry.set_metrics_available(true);
      std::string text = read_file(p);
      std::vector<json> docs;
      try {
        if (p.extension() == ".json") docs.push_back(json::parse(text));
        else docs = yaml_documents_to_json(text);
      } catch (const std::exception& e) {
        return tl::unexpected(p.string() + ": " + e.what());
      }
      for (auto& d : docs) {
        std::vector<json> items;
        if (d.contains("items")) items = d["items"].get<std::vector<json>>();
        else items.push_back(d);
        for (auto& m : items) {
          shift_times(m, time_shift);
          m["apiVersion"] = "metrics.k8s.io/v1beta1";
          m["kind"] = std::string(which) == "pods" ? "PodMetrics" : "NodeMetrics";
          const auto& md = m["metadata"];
          if (std::string(which) == "pods")
            pod_metrics_[md.value("namespace", "default") + "/" + md.value("name", "")] = m;
          else node_metrics_[md.value("name", "")] = m;
        }
      }
    }
  } catch (const std::exception& e) {
    return tl::unexpected(std::string(e.what()));
  }
  finish_loading();
  stats.pods = store.count(type("pods"));
  stats.nodes = store.count(type("nodes"));
  stats.events = store.count(type("events"));
  for (const auto& t : registry.all()) stats.objects += store.count(t);
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return stats;
}

tl::expected<void, std::string> Cluster::add_snapshot_object(json object) {
  if (!object.is_object()) return tl::unexpected(std::string("a document is not an object"));
  std::string kind = str(object, "kind");
  std::string api_version = str(object, "apiVersion");
  if (kind.ends_with("List") && object.contains("items")) {
    std::string item_kind = kind.substr(0, kind.size() - 4);
    auto& items = object["items"];
    if (!items.is_array()) return tl::unexpected(kind + ": items is not a list");
    for (auto& item : items) {
      if (item.is_object() && !item.contains("kind") && !item_kind.empty()) item["kind"] = item_kind;
      if (item.is_object() && !item.contains("apiVersion")) item["apiVersion"] = api_version;
      if (auto ok = add_snapshot_object(std::move(item)); !ok) return ok;
    }
    return {};
  }
  if (kind.empty() || api_version.empty()) return tl::unexpected(std::string("an object without kind or apiVersion"));
  auto& md = object["metadata"];
  if (!md.is_object() || str(md, "name").empty()) return tl::unexpected("a " + kind + " without metadata.name");
  const ResourceType* t = registry.by_kind(api_version, kind);
  if (!t) t = &registry.add_custom(api_version, kind, md.contains("namespace"));
  object["apiVersion"] = t->api_version();
  if (t->namespaced && str(md, "namespace").empty()) md["namespace"] = "default";
  if (!t->namespaced) md.erase("namespace");
  if (!md.contains("uid")) md["uid"] = names.uid();
  if (!md.contains("creationTimestamp")) md["creationTimestamp"] = format_rfc3339(clock.now());
  store.load(*t, std::move(object));
  return {};
}

void Cluster::finish_loading() {
  // Every namespace an object lives in exists, and so do the four every cluster has.
  std::vector<std::string> namespaces = {"default", "kube-node-lease", "kube-public", "kube-system"};
  for (const auto& t : registry.all()) {
    if (!t.namespaced) continue;
    std::string last;
    store.for_each(t, "", [&](const Entry& e) {
      const std::string& ns = str(e.object["metadata"], "namespace");
      if (ns != last) namespaces.push_back(last = ns);
    });
  }
  const ResourceType& ns_type = type("namespaces");
  for (const auto& ns : namespaces) {
    if (store.get(ns_type, "", ns)) continue;
    store.load(ns_type, {{"apiVersion", "v1"},
                         {"kind", "Namespace"},
                         {"metadata",
                          {{"name", ns},
                           {"uid", names.uid()},
                           {"creationTimestamp", format_rfc3339(clock.now() - std::chrono::hours(24 * 30))},
                           {"labels", {{"kubernetes.io/metadata.name", ns}}}}},
                         {"spec", {{"finalizers", {"kubernetes"}}}},
                         {"status", {{"phase", "Active"}}}});
  }
  for (const char* plural : {"deployments", "statefulsets", "daemonsets", "replicasets"}) {
    const ResourceType& t = type(plural, "apps");
    store.for_each(t, "", [&](const Entry& e) {
      const json& md = e.object["metadata"];
      if (std::string(plural) == "replicasets" && controller_ref(e.object)) return;
      original_templates_[t.kind + "/" + str(md, "namespace") + "/" + str(md, "name")] =
          behavioural_template(at(e.object, {"spec", "template"}));
    });
  }
  store.for_each(type("pods"), "", [&](const Entry& e) {
    std::string w = workload_of(e.object);
    if (w.empty()) return;
    auto& protos = pod_ready(e.object) ? running_prototypes_ : failing_prototypes_;
    if (!protos.contains(w)) protos[w] = e.object;
  });
}

std::shared_ptr<const std::string> Cluster::log(const std::string& ns, const std::string& pod,
                                                const std::string& container, bool previous) const {
  auto it = logs_.find(ns + "/" + pod + "/" + container + (previous ? "#previous" : ""));
  return it == logs_.end() ? nullptr : it->second;
}

void Cluster::set_log(const std::string& ns, const std::string& pod, const std::string& container, bool previous,
                      std::string text) {
  logs_[ns + "/" + pod + "/" + container + (previous ? "#previous" : "")] =
      std::make_shared<const std::string>(std::move(text));
}

int Cluster::add_listener(Listener l) {
  listeners_[next_listener_] = std::move(l);
  return next_listener_++;
}

void Cluster::remove_listener(int id) { listeners_.erase(id); }

void Cluster::notify(const ResourceType& t, const std::string& event_type, const json& object) {
  // Copy first: a listener may remove itself (a watch whose client went away).
  auto listeners = listeners_;
  for (auto& [id, l] : listeners) l(t, event_type, object);
}

const json& Cluster::put(const ResourceType& t, json object, bool created) {
  const Entry& e = store.put(t, std::move(object));
  notify(t, created ? "ADDED" : "MODIFIED", e.object);
  return e.object;
}

void Cluster::erase(const ResourceType& t, const json& object) {
  json gone = object;
  gone["metadata"]["deletionTimestamp"] = format_rfc3339(clock.now());
  gone["metadata"]["resourceVersion"] = std::to_string(store.next_resource_version());
  const auto& md = object["metadata"];
  store.erase(t, t.namespaced ? str(md, "namespace") : "", str(md, "name"));
  notify(t, "DELETED", gone);
}

tl::expected<json, ApiError> Cluster::create(const ResourceType& t, const std::string& ns, json object) {
  if (!object.is_object()) return tl::unexpected(bad_request("the body of the request is not an object"));
  auto& md = object["metadata"];
  if (!md.is_object()) md = json::object();
  if (str(md, "name").empty()) {
    if (str(md, "generateName").empty())
      return tl::unexpected(invalid(t, "", "metadata.name", "Required value: name or generateName is required"));
    md["name"] = str(md, "generateName") + names.suffix();
  }
  std::string name = str(md, "name");
  if (t.namespaced) {
    if (!str(md, "namespace").empty() && str(md, "namespace") != ns)
      return tl::unexpected(
          bad_request("the namespace of the provided object does not match the namespace sent on the request"));
    md["namespace"] = ns;
    if (!store.get(type("namespaces"), "", ns)) return tl::unexpected(not_found(type("namespaces"), ns));
  } else {
    md.erase("namespace");
  }
  if (!str(object, "kind").empty() && str(object, "kind") != t.kind)
    return tl::unexpected(bad_request("the body of the request was in an unknown format - kind " + str(object, "kind") +
                                      " is not " + t.kind));
  if (get(t, ns, name)) return tl::unexpected(already_exists(t, name));
  object["kind"] = t.kind;
  object["apiVersion"] = t.api_version();
  md["uid"] = names.uid();
  md["creationTimestamp"] = format_rfc3339(clock.now());
  md.erase("resourceVersion");
  if (object.contains("spec")) md["generation"] = 1;
  if (t.plural == "pods" && t.group.empty() && !object.contains("status")) {
    json pod = new_pod(json(), t, {{"metadata", md}, {"spec", object["spec"]}}, name, str(object["spec"], "nodeName"));
    object["spec"] = pod["spec"];
    object["status"] = pod["status"];
  }
  if (t.kind == "Namespace") object["status"] = {{"phase", "Active"}};
  const json& stored = put(t, std::move(object), true);
  json out = stored;
  after_write(t, nullptr, out);
  return out;
}

tl::expected<json, ApiError> Cluster::replace(const ResourceType& t, const std::string& ns, const std::string& name,
                                              json object) {
  const json* existing = get(t, ns, name);
  if (!existing) return tl::unexpected(not_found(t, name));
  if (!object.is_object()) return tl::unexpected(bad_request("the body of the request is not an object"));
  auto& md = object["metadata"];
  if (!md.is_object()) md = json::object();
  if (!str(md, "name").empty() && str(md, "name") != name)
    return tl::unexpected(bad_request("the name of the object (" + str(md, "name") +
                                      ") does not match the name on the URL (" + name + ")"));
  const json& old_md = (*existing)["metadata"];
  if (!str(md, "resourceVersion").empty() && str(md, "resourceVersion") != str(old_md, "resourceVersion"))
    return tl::unexpected(conflict(t, name));
  json before = *existing;
  md["name"] = name;
  if (t.namespaced) md["namespace"] = ns;
  md["uid"] = old_md["uid"];
  md["creationTimestamp"] = old_md["creationTimestamp"];
  object["kind"] = t.kind;
  object["apiVersion"] = t.api_version();
  if (old_md.contains("generation")) {
    std::int64_t gen = old_md["generation"].get<std::int64_t>();
    md["generation"] = before.value("spec", json()) != object.value("spec", json()) ? gen + 1 : gen;
  }
  json out = put(t, std::move(object), false);
  after_write(t, &before, out);
  const json* now = get(t, ns, name);
  return now ? *now : out;
}

tl::expected<json, ApiError> Cluster::remove(const ResourceType& t, const std::string& ns, const std::string& name,
                                             bool orphan) {
  const json* existing = get(t, ns, name);
  if (!existing) return tl::unexpected(not_found(t, name));
  json object = *existing;
  erase(t, object);
  after_delete(t, object, orphan);
  object["metadata"]["deletionTimestamp"] = format_rfc3339(clock.now());
  return object;
}

std::vector<json> Cluster::owned(const ResourceType& t, const std::string& ns, const std::string& owner_uid) const {
  std::vector<json> out;
  store.for_each(t, ns, [&](const Entry& e) {
    const json* ref = controller_ref(e.object);
    if (ref && str(*ref, "uid") == owner_uid) out.push_back(e.object);
  });
  return out;
}

std::string Cluster::workload_of(const json& pod) const {
  const json* ref = controller_ref(pod);
  if (!ref) return "";
  std::string ns = str(pod["metadata"], "namespace");
  std::string kind = str(*ref, "kind"), name = str(*ref, "name");
  if (kind == "ReplicaSet") {
    if (const json* rs = get(type("replicasets", "apps"), ns, name))
      if (const json* dref = controller_ref(*rs); dref && str(*dref, "kind") == "Deployment")
        return "Deployment/" + ns + "/" + str(*dref, "name");
  }
  if (kind == "Job") {
    if (const json* job = get(type("jobs", "batch"), ns, name))
      if (const json* cref = controller_ref(*job); cref && str(*cref, "kind") == "CronJob")
        return "Job/" + ns + "/" + name;
  }
  return kind + "/" + ns + "/" + name;
}

std::string Cluster::pick_node() {
  std::vector<std::string> ready;
  store.for_each(type("nodes"), "", [&](const Entry& e) {
    if (at(e.object, {"spec", "unschedulable"}) == true) return;
    for (const auto& c : at(e.object, {"status", "conditions"}))
      if (str(c, "type") == "Ready" && str(c, "status") == "True") ready.push_back(str(e.object["metadata"], "name"));
  });
  if (ready.empty()) return "";
  return ready[next_node_++ % ready.size()];
}

void Cluster::event(const json& involved, const std::string& type_, const std::string& reason,
                    const std::string& message, const std::string& component, const std::string& host) {
  const json& md = involved["metadata"];
  std::string ns = str(md, "namespace").empty() ? "default" : str(md, "namespace");
  std::string now = format_rfc3339(clock.now());
  json source = {{"component", component}};
  if (!host.empty()) source["host"] = host;
  json e = {{"apiVersion", "v1"},
            {"kind", "Event"},
            {"metadata",
             {{"name", str(md, "name") + "." + names.hex(16)},
              {"namespace", ns},
              {"uid", names.uid()},
              {"creationTimestamp", now}}},
            {"involvedObject",
             {{"apiVersion", str(involved, "apiVersion")},
              {"kind", str(involved, "kind")},
              {"name", str(md, "name")},
              {"namespace", ns},
              {"uid", str(md, "uid")},
              {"resourceVersion", str(md, "resourceVersion")}}},
            {"reason", reason},
            {"message", message},
            {"source", source},
            {"firstTimestamp", now},
            {"lastTimestamp", now},
            {"count", 1},
            {"type", type_},
            {"eventTime", nullptr},
            {"reportingComponent", component},
            {"reportingInstance", host}};
  put(type("events"), std::move(e), true);
}

json Cluster::new_pod(const json& owner, const ResourceType& owner_type, const json& pod_template,
                      const std::string& name, const std::string& node) {
  std::string ns = owner.is_object() ? str(owner["metadata"], "namespace") : str(pod_template["metadata"], "namespace");
  json tmd = at(pod_template, {"metadata"});
  json md = {
      {"name", name}, {"namespace", ns}, {"uid", names.uid()}, {"creationTimestamp", format_rfc3339(clock.now())}};
  if (tmd.contains("labels")) md["labels"] = tmd["labels"];
  if (tmd.contains("annotations")) md["annotations"] = tmd["annotations"];
  if (owner.is_object()) {
    md["ownerReferences"] = {{{"apiVersion", owner_type.api_version()},
                              {"kind", owner_type.kind},
                              {"name", str(owner["metadata"], "name")},
                              {"uid", str(owner["metadata"], "uid")},
                              {"controller", true},
                              {"blockOwnerDeletion", true}}};
    if (owner_type.kind != "StatefulSet") md["generateName"] = str(owner["metadata"], "name") + "-";
  }
  json spec = at(pod_template, {"spec"});
  if (!spec.is_object()) spec = json::object();
  for (auto [k, v] : {std::pair<const char*, json>{"restartPolicy", "Always"},
                      {"dnsPolicy", "ClusterFirst"},
                      {"schedulerName", "default-scheduler"},
                      {"terminationGracePeriodSeconds", 30},
                      {"serviceAccountName", "default"},
                      {"serviceAccount", "default"}})
    if (!spec.contains(k)) spec[k] = v;
  json pod = {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", md}, {"spec", spec}};

  // What the scenario says a pod of this workload does once recreated.
  std::string workload;
  if (owner.is_object()) {
    json probe = {{"metadata", md}};
    workload = workload_of(probe);
    if (workload.empty() || owner_type.kind == "ReplicaSet") {
      workload = owner_type.kind + "/" + ns + "/" + str(owner["metadata"], "name");
      if (const json* dref = controller_ref(owner); dref && str(*dref, "kind") == "Deployment")
        workload = "Deployment/" + ns + "/" + str(*dref, "name");
    }
  }
  const RemediationRule* rule = nullptr;
  for (const auto& r : scenario.remediation)
    if (r.workload == workload) rule = &r;
  bool fails = rule && rule->outcome == RemediationRule::Outcome::fail_same_way;
  if (fails && rule->fixed_by_template_change) {
    auto orig = original_templates_.find(workload);
    fails = orig == original_templates_.end() || orig->second == behavioural_template(pod_template);
  }
  auto copy_logs = [&](const json& proto, bool with_previous) {
    for (const auto& c : at(spec, {"containers"})) {
      std::string cn = str(c, "name");
      if (auto l = log(str(proto["metadata"], "namespace"), str(proto["metadata"], "name"), cn, false))
        logs_[ns + "/" + name + "/" + cn] = l;
      if (with_previous)
        if (auto l = log(str(proto["metadata"], "namespace"), str(proto["metadata"], "name"), cn, true))
          logs_[ns + "/" + name + "/" + cn + "#previous"] = l;
    }
    auto m = pod_metrics_.find(ns + "/" + str(proto["metadata"], "name"));
    if (m != pod_metrics_.end()) {
      json copy = m->second;
      copy["metadata"]["name"] = name;
      copy["metadata"]["creationTimestamp"] = format_rfc3339(clock.now());
      pod_metrics_[ns + "/" + name] = copy;
    }
  };
  auto proto = failing_prototypes_.find(workload);
  if (fails && proto != failing_prototypes_.end()) {
    const json& p = proto->second;
    if (p["spec"].contains("nodeName")) pod["spec"]["nodeName"] = p["spec"]["nodeName"];
    pod["status"] = p.value("status", json::object());
    if (pod["status"].contains("startTime")) pod["status"]["startTime"] = format_rfc3339(clock.now());
    copy_logs(p, true);
    return pod;
  }

  std::string node_name = node.empty() ? pick_node() : node;
  std::string host_ip;
  if (const json* n = get(type("nodes"), "", node_name))
    for (const auto& a : at(*n, {"status", "addresses"}))
      if (str(a, "type") == "InternalIP") host_ip = str(a, "address");
  ++next_ip_;
  std::string pod_ip = "10.0." + std::to_string(128 + next_ip_ / 250 % 120) + "." + std::to_string(next_ip_ % 250 + 2);
  std::string now = format_rfc3339(clock.now());
  if (!node_name.empty()) pod["spec"]["nodeName"] = node_name;
  json conditions = json::array();
  for (const char* c : {"PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"})
    conditions.push_back({{"type", c}, {"status", "True"}, {"lastProbeTime", nullptr}, {"lastTransitionTime", now}});
  json statuses = json::array();
  for (const auto& c : at(spec, {"containers"})) {
    std::string image = str(c, "image");
    statuses.push_back({{"name", str(c, "name")},
                        {"image", image},
                        {"imageID", image.substr(0, image.find(':')) + "@sha256:" + names.hex(64)},
                        {"containerID", "containerd://" + names.hex(64)},
                        {"ready", true},
                        {"started", true},
                        {"restartCount", 0},
                        {"state", {{"running", {{"startedAt", now}}}}},
                        {"lastState", json::object()}});
  }
  pod["status"] = {{"phase", "Running"},
                   {"conditions", conditions},
                   {"hostIP", host_ip},
                   {"hostIPs", {{{"ip", host_ip}}}},
                   {"podIP", pod_ip},
                   {"podIPs", {{{"ip", pod_ip}}}},
                   {"startTime", now},
                   {"containerStatuses", statuses},
                   {"qosClass", qos_class(spec)}};
  auto running = running_prototypes_.find(workload);
  if (running != running_prototypes_.end()) copy_logs(running->second, false);
  if (rule)
    for (const auto& [c, text] : rule->running_logs) set_log(ns, name, c, false, text);
  return pod;
}

void Cluster::after_write(const ResourceType& t, const json* before, const json& after) {
  if (t.group != "apps" && t.group != "batch") return;
  const json& md = after["metadata"];
  std::string ns = str(md, "namespace"), name = str(md, "name");
  bool template_changed = !before || at(*before, {"spec", "template"}) != at(after, {"spec", "template"});
  bool replicas_changed = !before || at(*before, {"spec", "replicas"}) != at(after, {"spec", "replicas"});
  if (!template_changed && !replicas_changed) return;
  if (t.kind == "Deployment") {
    reconcile_deployment(ns, name, template_changed);
  } else if (t.kind == "ReplicaSet") {
    reconcile_replicaset(ns, name);
    if (const json* ref = controller_ref(after); ref && str(*ref, "kind") == "Deployment")
      update_deployment_status(ns, str(*ref, "name"));
  } else if (t.kind == "StatefulSet") {
    reconcile_statefulset(ns, name, template_changed && before);
  } else if (t.kind == "DaemonSet") {
    reconcile_daemonset(ns, name, template_changed && before);
  } else if (t.kind == "Job" && !before) {
    json job = after;
    std::string pod_name = name + "-" + names.suffix();
    json tmpl = at(job, {"spec", "template"});
    tmpl["metadata"]["labels"]["job-name"] = name;
    tmpl["metadata"]["labels"]["batch.kubernetes.io/job-name"] = name;
    tmpl["metadata"]["labels"]["controller-uid"] = str(md, "uid");
    put(type("pods"), new_pod(job, t, tmpl, pod_name, ""), true);
    event(job, "Normal", "SuccessfulCreate", "Created pod: " + pod_name, "job-controller");
    job["status"] = {{"active", 1}, {"startTime", format_rfc3339(clock.now())}, {"ready", 1}};
    put(t, job, false);
  }
}

void Cluster::after_delete(const ResourceType& t, const json& object, bool orphan) {
  const json& md = object["metadata"];
  std::string ns = str(md, "namespace"), name = str(md, "name");
  if (t.kind == "Pod" && t.group.empty()) {
    pod_metrics_.erase(ns + "/" + name);
    for (const auto& c : at(object, {"spec", "containers"}))
      event(object, "Normal", "Killing", "Stopping container " + str(c, "name"), "kubelet",
            str(object["spec"], "nodeName"));
    const json* ref = controller_ref(object);
    if (!ref) return;
    std::string kind = str(*ref, "kind"), owner = str(*ref, "name");
    if (kind == "ReplicaSet") {
      reconcile_replicaset(ns, owner);
      if (const json* rs = get(type("replicasets", "apps"), ns, owner))
        if (const json* dref = controller_ref(*rs); dref && str(*dref, "kind") == "Deployment")
          update_deployment_status(ns, str(*dref, "name"));
    } else if (kind == "StatefulSet") {
      reconcile_statefulset(ns, owner, false);
    } else if (kind == "DaemonSet") {
      reconcile_daemonset(ns, owner, false);
    }
    return;
  }
  if (t.kind == "Namespace" && t.group.empty()) {
    for (const auto& other : registry.all()) {
      if (!other.namespaced) continue;
      std::vector<json> doomed;
      store.for_each(other, name, [&](const Entry& e) { doomed.push_back(e.object); });
      for (const auto& d : doomed) erase(other, d);
    }
    return;
  }
  if (orphan) return;
  // Background cascading deletion of what this object controls.
  std::string uid = str(md, "uid");
  std::vector<std::pair<const ResourceType*, json>> children;
  auto collect = [&](const ResourceType& ct) {
    for (auto& c : owned(ct, ns, uid)) children.emplace_back(&ct, std::move(c));
  };
  if (t.kind == "Deployment") collect(type("replicasets", "apps"));
  if (t.kind == "CronJob") collect(type("jobs", "batch"));
  if (t.kind == "ReplicaSet" || t.kind == "StatefulSet" || t.kind == "DaemonSet" || t.kind == "Job")
    collect(type("pods"));
  for (auto& [ct, child] : children) {
    erase(*ct, child);
    if (ct->kind != "Pod") after_delete(*ct, child, false);
    else pod_metrics_.erase(ns + "/" + str(child["metadata"], "name"));
  }
}

void Cluster::reconcile_deployment(const std::string& ns, const std::string& name, bool template_changed) {
  const ResourceType& rs_type = type("replicasets", "apps");
  const json* found = get(type("deployments", "apps"), ns, name);
  if (!found) return;
  json dep = *found;
  const json& dmd = dep["metadata"];
  std::int64_t replicas = replicas_of(dep);
  json tmpl = at(dep, {"spec", "template"});
  std::vector<json> sets = owned(rs_type, ns, str(dmd, "uid"));
  std::int64_t max_revision = 0;
  for (const auto& rs : sets) max_revision = std::max(max_revision, revision_of(rs));

  std::string current;
  if (template_changed) {
    for (const auto& rs : sets)
      if (behavioural_template(at(rs, {"spec", "template"})) == behavioural_template(tmpl) &&
          at(rs, {"spec", "template", "metadata", "annotations"}) == at(tmpl, {"metadata", "annotations"}))
        current = str(rs["metadata"], "name");
  } else {
    std::int64_t best = -1;
    for (const auto& rs : sets)
      if (revision_of(rs) > best) {
        best = revision_of(rs);
        current = str(rs["metadata"], "name");
      }
  }
  if (current.empty()) {
    std::string hash = template_hash(tmpl);
    current = name + "-" + hash;
    json rs_tmpl = tmpl;
    rs_tmpl["metadata"]["labels"]["pod-template-hash"] = hash;
    json selector = at(dep, {"spec", "selector"});
    selector["matchLabels"]["pod-template-hash"] = hash;
    json labels = rs_tmpl["metadata"]["labels"];
    json rs = {{"apiVersion", "apps/v1"},
               {"kind", "ReplicaSet"},
               {"metadata",
                {{"name", current},
                 {"namespace", ns},
                 {"uid", names.uid()},
                 {"labels", labels},
                 {"creationTimestamp", format_rfc3339(clock.now())},
                 {"generation", 1},
                 {"annotations",
                  {{"deployment.kubernetes.io/desired-replicas", std::to_string(replicas)},
                   {"deployment.kubernetes.io/max-replicas", std::to_string(replicas + 1)},
                   {"deployment.kubernetes.io/revision", std::to_string(max_revision + 1)}}},
                 {"ownerReferences",
                  {{{"apiVersion", "apps/v1"},
                    {"kind", "Deployment"},
                    {"name", name},
                    {"uid", str(dmd, "uid")},
                    {"controller", true},
                    {"blockOwnerDeletion", true}}}}}},
               {"spec", {{"replicas", 0}, {"selector", selector}, {"template", rs_tmpl}}},
               {"status", {{"replicas", 0}, {"observedGeneration", 1}}}};
    put(rs_type, rs, true);
    sets.push_back(rs);
  }
  for (auto& rs : sets) {
    std::string rs_name = str(rs["metadata"], "name");
    const json* live = get(rs_type, ns, rs_name);
    if (!live) continue;
    json updated = *live;
    std::int64_t want = rs_name == current ? replicas : 0;
    std::int64_t had = replicas_of(updated);
    bool changed = had != want;
    if (rs_name == current && template_changed && revision_of(updated) != max_revision + 1 &&
        revision_of(updated) < max_revision) {
      updated["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = std::to_string(max_revision + 1);
      changed = true;
    }
    if (!changed) continue;
    updated["spec"]["replicas"] = want;
    updated["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] = std::to_string(replicas);
    put(rs_type, updated, false);
    if (had != want)
      event(dep, "Normal", "ScalingReplicaSet",
            std::string(want > had ? "Scaled up" : "Scaled down") + " replica set " + rs_name + " from " +
                std::to_string(had) + " to " + std::to_string(want),
            "deployment-controller");
    reconcile_replicaset(ns, rs_name);
  }
  update_deployment_status(ns, name);
}

void Cluster::reconcile_replicaset(const std::string& ns, const std::string& name) {
  const ResourceType& rs_type = type("replicasets", "apps");
  const ResourceType& pod_type = type("pods");
  const json* found = get(rs_type, ns, name);
  if (!found) return;
  json rs = *found;
  std::int64_t want = replicas_of(rs);
  std::vector<json> pods = owned(pod_type, ns, str(rs["metadata"], "uid"));
  // As the ReplicaSet controller's filterActivePods: a Failed or Succeeded pod is not a replica. It is neither
  // counted nor removed as a surplus; its record stays until someone (or the pod GC) deletes it.
  std::erase_if(pods, [](const json& p) {
    const std::string phase = p.contains("status") ? str(p["status"], "phase") : "";
    return phase == "Failed" || phase == "Succeeded";
  });
  while (static_cast<std::int64_t>(pods.size()) < want) {
    std::string pod_name = name + "-" + names.suffix();
    json tmpl = at(rs, {"spec", "template"});
    const json& pod = put(pod_type, new_pod(rs, rs_type, tmpl, pod_name, ""), true);
    json created = pod;
    event(rs, "Normal", "SuccessfulCreate", "Created pod: " + pod_name, "replicaset-controller");
    if (!str(created["spec"], "nodeName").empty())
      event(created, "Normal", "Scheduled",
            "Successfully assigned " + ns + "/" + pod_name + " to " + str(created["spec"], "nodeName"),
            "default-scheduler");
    pods.push_back(created);
  }
  if (static_cast<std::int64_t>(pods.size()) > want) {
    // The ReplicaSet controller removes not-ready pods first, then the newest.
    std::stable_sort(pods.begin(), pods.end(), [](const json& a, const json& b) {
      if (pod_ready(a) != pod_ready(b)) return !pod_ready(a);
      return str(a["metadata"], "creationTimestamp") > str(b["metadata"], "creationTimestamp");
    });
    while (static_cast<std::int64_t>(pods.size()) > want) {
      json victim = pods.front();
      pods.erase(pods.begin());
      erase(pod_type, victim);
      pod_metrics_.erase(ns + "/" + str(victim["metadata"], "name"));
      event(rs, "Normal", "SuccessfulDelete", "Deleted pod: " + str(victim["metadata"], "name"),
            "replicaset-controller");
    }
  }
  std::int64_t ready = std::count_if(pods.begin(), pods.end(), pod_ready);
  json status = {{"replicas", pods.size()},
                 {"fullyLabeledReplicas", pods.size()},
                 {"readyReplicas", ready},
                 {"availableReplicas", ready},
                 {"observedGeneration", rs["metadata"].value("generation", 1)}};
  if (ready == 0) {
    status.erase("readyReplicas");
    status.erase("availableReplicas");
  }
  if (rs.value("status", json()) != status) {
    rs["status"] = status;
    put(rs_type, rs, false);
  }
}

void Cluster::update_deployment_status(const std::string& ns, const std::string& name) {
  const ResourceType& dep_type = type("deployments", "apps");
  const json* found = get(dep_type, ns, name);
  if (!found) return;
  json dep = *found;
  std::vector<json> sets = owned(type("replicasets", "apps"), ns, str(dep["metadata"], "uid"));
  std::int64_t total = 0, ready = 0, updated = 0, best = -1;
  std::string newest;
  for (const auto& rs : sets)
    if (revision_of(rs) > best) {
      best = revision_of(rs);
      newest = str(rs["metadata"], "name");
    }
  for (const auto& rs : sets) {
    for (const auto& pod : owned(type("pods"), ns, str(rs["metadata"], "uid"))) {
      ++total;
      if (pod_ready(pod)) ++ready;
      if (str(rs["metadata"], "name") == newest) ++updated;
    }
  }
  std::int64_t want = replicas_of(dep);
  std::string now = format_rfc3339(clock.now());
  bool complete = updated == want && total == want && ready == want;
  json conditions = {{{"type", "Available"},
                      {"status", ready >= want ? "True" : "False"},
                      {"lastUpdateTime", now},
                      {"lastTransitionTime", now},
                      {"reason", ready >= want ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable"},
                      {"message", ready >= want ? "Deployment has minimum availability."
                                                : "Deployment does not have minimum availability."}},
                     {{"type", "Progressing"},
                      {"status", "True"},
                      {"lastUpdateTime", now},
                      {"lastTransitionTime", now},
                      {"reason", complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated"},
                      {"message", "ReplicaSet \"" + newest + "\" " +
                                      (complete ? "has successfully progressed." : "is progressing.")}}};
  json status = {{"observedGeneration", dep["metadata"].value("generation", 1)},
                 {"replicas", total},
                 {"updatedReplicas", updated},
                 {"readyReplicas", ready},
                 {"availableReplicas", ready},
                 {"conditions", conditions}};
  if (total - ready > 0) status["unavailableReplicas"] = total - ready;
  dep["status"] = status;
  put(dep_type, dep, false);
}

void Cluster::reconcile_statefulset(const std::string& ns, const std::string& name, bool template_changed) {
  const ResourceType& sts_type = type("statefulsets", "apps");
  const ResourceType& pod_type = type("pods");
  const json* found = get(sts_type, ns, name);
  if (!found) return;
  json sts = *found;
  std::int64_t want = replicas_of(sts);
  std::string revision = name + "-" + template_hash(at(sts, {"spec", "template"}));
  for (const auto& pod : owned(pod_type, ns, str(sts["metadata"], "uid"))) {
    std::string pn = str(pod["metadata"], "name");
    std::int64_t ordinal = -1;
    try {
      ordinal = std::stoll(pn.substr(pn.rfind('-') + 1));
    } catch (const std::exception&) {}
    if (ordinal >= want || ordinal < 0 || template_changed) erase(pod_type, pod);
  }
  std::int64_t ready = 0;
  for (std::int64_t i = 0; i < want; ++i) {
    std::string pn = name + "-" + std::to_string(i);
    if (const json* existing = get(pod_type, ns, pn)) {
      if (pod_ready(*existing)) ++ready;
      continue;
    }
    json tmpl = at(sts, {"spec", "template"});
    tmpl["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"] = pn;
    tmpl["metadata"]["labels"]["controller-revision-hash"] = revision;
    json pod = new_pod(sts, sts_type, tmpl, pn, "");
    if (pod_ready(pod)) ++ready;
    put(pod_type, pod, true);
    event(sts, "Normal", "SuccessfulCreate", "create Pod " + pn + " in StatefulSet " + name + " successful",
          "statefulset-controller");
  }
  sts["status"] = {{"observedGeneration", sts["metadata"].value("generation", 1)},
                   {"replicas", want},
                   {"readyReplicas", ready},
                   {"currentReplicas", want},
                   {"updatedReplicas", want},
                   {"availableReplicas", ready},
                   {"currentRevision", revision},
                   {"updateRevision", revision},
                   {"collisionCount", 0}};
  put(sts_type, sts, false);
}

void Cluster::reconcile_daemonset(const std::string& ns, const std::string& name, bool template_changed) {
  const ResourceType& ds_type = type("daemonsets", "apps");
  const ResourceType& pod_type = type("pods");
  const json* found = get(ds_type, ns, name);
  if (!found) return;
  json ds = *found;
  std::vector<std::string> nodes;
  for (const auto& pod : owned(pod_type, ns, str(ds["metadata"], "uid"))) {
    nodes.push_back(str(pod["spec"], "nodeName"));
    if (template_changed) erase(pod_type, pod);
  }
  std::vector<std::string> all_nodes;
  store.for_each(type("nodes"), "", [&](const Entry& e) { all_nodes.push_back(str(e.object["metadata"], "name")); });
  std::int64_t ready = 0;
  for (const auto& node : all_nodes) {
    bool has = false;
    for (const auto& pod : owned(pod_type, ns, str(ds["metadata"], "uid")))
      if (str(pod["spec"], "nodeName") == node) {
        has = true;
        if (pod_ready(pod)) ++ready;
      }
    if (has) continue;
    std::string pn = name + "-" + names.suffix();
    json pod = new_pod(ds, ds_type, at(ds, {"spec", "template"}), pn, node);
    if (pod_ready(pod)) ++ready;
    put(pod_type, pod, true);
    event(ds, "Normal", "SuccessfulCreate", "Created pod: " + pn, "daemonset-controller");
  }
  std::int64_t n = static_cast<std::int64_t>(all_nodes.size());
  ds["status"] = {{"observedGeneration", ds["metadata"].value("generation", 1)},
                  {"desiredNumberScheduled", n},
                  {"currentNumberScheduled", n},
                  {"numberReady", ready},
                  {"updatedNumberScheduled", n},
                  {"numberAvailable", ready},
                  {"numberMisscheduled", 0}};
  put(ds_type, ds, false);
}

}  // namespace kubesim
