#include "tools/analyzers/finding.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>

namespace eks::analyzers {

std::string_view to_string(Severity severity) {
  switch (severity) {
    case Severity::critical: return "critical";
    case Severity::warning: return "warning";
    case Severity::info: break;
  }
  return "info";
}

std::optional<Severity> parse_severity(std::string_view text) {
  if (text == "critical") return Severity::critical;
  if (text == "warning") return Severity::warning;
  if (text == "info") return Severity::info;
  return std::nullopt;
}

void Finding::add_evidence(std::string source, std::string text, std::string object, int count) {
  if (text.empty()) return;
  // Long event messages repeat the image or object name; the start says what, the end says why.
  if (text.size() > 320) text = text.substr(0, 150) + " ... " + text.substr(text.size() - 160);
  for (auto& e : evidence) {
    if (e.text == text && e.source == source) {
      e.count = std::max(e.count, count);
      return;
    }
  }
  evidence.push_back(Evidence{std::move(source), std::move(text), std::move(object), count});
}

namespace {
// Adds `ref` to `list` once (never the finding's own resource); the first reason and note given stay.
void add_once(std::vector<Related>& list, const ObjectRef& self, const ObjectRef& ref, std::string reason,
              std::string note) {
  if (ref == self) return;
  for (auto& r : list) {
    if (r.ref == ref) {
      if (r.reason.empty()) r.reason = std::move(reason);
      if (r.note.empty()) r.note = std::move(note);
      return;
    }
  }
  list.push_back(Related{ref, std::move(reason), std::move(note)});
}

// Adds a chain link once per (object, reason); a finding id given later fills in one not known before.
void add_link(std::vector<Link>& links, const ObjectRef& self, const ObjectRef& ref, std::string reason,
              std::string note, std::string finding) {
  if (ref == self && finding.empty()) return;
  for (auto& l : links) {
    if (l.ref == ref && l.reason == reason) {
      if (l.finding.empty()) l.finding = std::move(finding);
      return;
    }
  }
  links.push_back(Link{ref, std::move(reason), std::move(note), std::move(finding)});
}

Json link_json(const Link& l) {
  Json item = ref_json(l.ref);
  if (!l.reason.empty()) item["reason"] = l.reason;
  if (!l.note.empty()) item["note"] = l.note;
  if (!l.finding.empty()) item["finding"] = l.finding;
  return item;
}

Json related_json(const Related& r) {
  Json item = ref_json(r.ref);
  if (!r.reason.empty()) item["reason"] = r.reason;
  if (!r.note.empty()) item["note"] = r.note;
  return item;
}
}  // namespace

void Finding::add_related(const ObjectRef& ref, std::string reason, std::string note) {
  add_once(related, resource, ref, std::move(reason), std::move(note));
}

void Finding::add_affected(const ObjectRef& ref, std::string reason, std::string note) {
  add_once(affected, resource, ref, std::move(reason), std::move(note));
}

void Finding::add_cause(const ObjectRef& ref, std::string reason, std::string note, std::string finding) {
  add_link(caused_by, resource, ref, std::move(reason), std::move(note), std::move(finding));
}

void Finding::add_consequence(const ObjectRef& ref, std::string reason, std::string note, std::string finding) {
  add_link(causes, resource, ref, std::move(reason), std::move(note), std::move(finding));
}

void Finding::add_action(std::string type, std::string description, Json parameters) {
  for (const auto& a : actions) {
    if (a.type == type && a.description == description) return;
  }
  actions.push_back(Action{std::move(type), std::move(description), std::move(parameters)});
}

std::string fingerprint(std::string_view kind, std::string_view ns, std::string_view workload,
                        std::string_view reason) {
  std::uint64_t h = 14695981039346656037ull;
  auto mix = [&](std::string_view part) {
    for (unsigned char c : part) {
      h ^= c;
      h *= 1099511628211ull;
    }
    h ^= 0x1f;  // unit separator: ("ab","c") and ("a","bc") differ
    h *= 1099511628211ull;
  };
  mix(kind);
  mix(ns);
  mix(workload);
  mix(reason);
  char buffer[24];
  std::snprintf(buffer, sizeof buffer, "f-%016llx", static_cast<unsigned long long>(h));
  return buffer;
}

Json ref_json(const ObjectRef& ref) {
  Json j{{"kind", ref.kind}};
  if (!ref.ns.empty()) j["namespace"] = ref.ns;
  j["name"] = ref.name;
  return j;
}

std::string describe(const ObjectRef& ref) {
  return ref.kind + " " + (ref.ns.empty() ? ref.name : ref.ns + "/" + ref.name);
}

void to_json(Json& j, const Finding& f) {
  j = Json::object();
  j["id"] = f.id;
  j["resource"] = ref_json(f.resource);
  if (!f.owners.empty()) {
    Json owners = Json::array();
    for (const auto& o : f.owners) owners.push_back(ref_json(o));
    j["owners"] = std::move(owners);
  }
  j["reason"] = f.reason;
  j["severity"] = to_string(f.severity);
  j["summary"] = f.summary;
  if (f.count > 1) j["count"] = f.count;
  if (!f.pods.empty()) j["pods"] = f.pods;
  Json evidence = Json::array();
  for (const auto& e : f.evidence) {
    Json item{{"source", e.source}, {"text", e.text}};
    if (!e.object.empty()) item["object"] = e.object;
    if (e.count > 1) item["count"] = e.count;
    evidence.push_back(std::move(item));
  }
  j["evidence"] = std::move(evidence);
  j["root_cause"] = {
      {"category", f.root_cause.category},
      {"summary", f.root_cause.summary},
      {"confidence", static_cast<double>(static_cast<int>(f.root_cause.confidence * 100 + 0.5)) / 100.0}};
  Json escalation{{"required", f.escalate}};
  if (f.escalate && !f.escalation_why.empty()) {
    std::string why;
    for (const auto& w : f.escalation_why) why += (why.empty() ? "" : "; ") + w;
    escalation["why"] = why;
  }
  j["escalation"] = std::move(escalation);
  Json actions = Json::array();
  for (const auto& a : f.actions) {
    Json item{{"type", a.type}, {"description", a.description}};
    if (!a.parameters.empty()) item["parameters"] = a.parameters;
    actions.push_back(std::move(item));
  }
  j["suggested_actions"] = std::move(actions);
  if (!f.related.empty()) {
    Json related = Json::array();
    for (const auto& r : f.related) related.push_back(related_json(r));
    j["related"] = std::move(related);
  }
  // The incident's shape: what it hurts, and the chain it sits in.
  Json affected = Json::array();
  for (std::size_t i = 0; i < f.affected.size() && i < kMaxAffected; ++i)
    affected.push_back(related_json(f.affected[i]));
  if (affected.empty()) affected.push_back(ref_json(f.resource));
  j["affected"] = std::move(affected);
  if (f.affected.size() > kMaxAffected) j["affected_total"] = f.affected.size();
  for (const auto& [key, links] : {std::pair{"caused_by", &f.caused_by}, std::pair{"causes", &f.causes}}) {
    if (links->empty()) continue;
    Json out = Json::array();
    for (std::size_t i = 0; i < links->size() && i < kMaxLinks; ++i) out.push_back(link_json((*links)[i]));
    j[key] = std::move(out);
  }
}

}  // namespace eks::analyzers
