// Shared helpers of the per-kind analyzers.
#include <algorithm>
#include <cctype>
#include <cstdio>

#include "tools/analyzers/context.hpp"
#include "tools/logs/quote.hpp"

namespace eks::analyzers {

std::vector<const cluster::Event*> Context::warnings(const ObjectRef& ref) const {
  std::vector<const cluster::Event*> out;
  for (const auto* e : state.events_for(ref)) {
    if (e->type == "Warning") out.push_back(e);
  }
  return out;
}

std::vector<const cluster::Event*> Context::events(const ObjectRef& ref, std::string_view reason) const {
  std::vector<const cluster::Event*> out;
  for (const auto* e : state.events_for(ref)) {
    if (e->reason == reason) out.push_back(e);
  }
  return out;
}

long long Context::age_seconds(const std::optional<cluster::Time>& t) const {
  if (!t) return 0;
  return std::max<long long>(0, (state.now - *t).count());
}

Finding Context::make(const ObjectRef& resource, const ObjectRef& workload, std::string reason,
                      Severity severity) const {
  Finding f;
  f.resource = resource;
  f.workload = workload;
  f.reason = std::move(reason);
  f.severity = severity;
  f.id = fingerprint(workload.kind, workload.ns, workload.name, f.reason);
  return f;
}

RootCause create_cause(const std::string& message) {
  // An admission webhook's denial is its own free text, and the rest echo the pod template: quoted as data.
  const std::string quoted = logs::quote_untrusted(message, "event message");
  if (icontains(message, "exceeded quota"))
    return {"quota_exceeded", "a ResourceQuota refuses new pods: " + quoted, 0.95};
  if (icontains(message, "failed calling webhook"))
    return {"dependency_unreachable", "an admission webhook cannot be reached: " + quoted, 0.9};
  if (icontains(message, "admission webhook") && icontains(message, "denied"))
    return {"permission_denied", "an admission webhook denies the pods: " + quoted, 0.9};
  if (icontains(message, "violates PodSecurity"))
    return {"permission_denied", "the namespace's Pod Security level refuses the pods: " + quoted, 0.9};
  if (icontains(message, "serviceaccount") || icontains(message, "service account"))
    return {"missing_config", "the pods' service account does not exist: " + quoted, 0.9};
  if (icontains(message, "LimitRange") || icontains(message, "maximum") || icontains(message, "minimum"))
    return {"quota_exceeded", "a LimitRange refuses the pods: " + quoted, 0.8};
  // "no PriorityClass with name high-priority was found": the template names a class the cluster lacks.
  if ((icontains(message, "PriorityClass") && icontains(message, "not found")) ||
      icontains(message, "no PriorityClass with name"))
    return {"missing_config", "the pods name a PriorityClass that does not exist: " + quoted, 0.9};
  // "must specify limits.memory" / "failed quota: must specify requests.cpu": a quota that needs every pod to
  // set what the template leaves out.
  if (icontains(message, "must specify"))
    return {"quota_exceeded", "a ResourceQuota requires requests or limits the pods do not set: " + quoted, 0.9};
  return {"unknown", "the controller cannot create pods: " + quoted, 0.5};
}

const cluster::Event* failed_create(const Context& ctx, const ObjectRef& controller) {
  const cluster::Event* out = nullptr;
  for (const auto* e : ctx.warnings(controller)) {
    if (e->reason == "FailedCreate") out = e;  // oldest first
  }
  return out;
}

RootCause sandbox_cause(const std::string& message, const std::string& who, bool one) {
  if (icontains(message, "failed to assign an IP address") || icontains(message, "InsufficientFreeAddressesInSubnet") ||
      icontains(message, "no available IP"))
    return {"insufficient_resources",
            who + ": the VPC CNI has no IP address to give " + (one ? "it" : "them") +
                " (the subnet or the node's ENIs are out of addresses)",
            0.9};
  // The VPC CNI plugin asks the node's IP address daemon (ipamd, in the aws-node pod) over gRPC on port 50051.
  if (icontains(message, "127.0.0.1:50051") && icontains(message, "connection refused"))
    return {"node_failure",
            who +
                ": the VPC CNI's IP address daemon (ipamd, in the node's aws-node pod) does not answer: connection "
                "refused on 127.0.0.1:50051",
            0.85};
  return {"node_failure",
          who + ": the kubelet cannot create " + (one ? "its" : "their") +
              " sandbox: " + logs::quote_untrusted(message, "event message"),
          0.7};
}

void add_sandbox_action(Finding& f, const ObjectRef& target) {
  if (f.root_cause.category != "insufficient_resources") return;
  f.add_action("investigate",
               "free or add subnet IP addresses (a larger or additional subnet, prefix delegation), then the pods "
               "start on their own",
               Json{{"kind", target.kind}, {"namespace", target.ns}, {"name", target.name}});
}

bool explain_unstarted_pods(const Context& ctx, const ObjectRef& workload, Finding& f) {
  const cluster::Event* found = nullptr;
  const cluster::Pod* pod = nullptr;
  int pods = 0;
  for (const auto* p : ctx.state.pods_of_workload(workload)) {
    if (p->ready() || p->meta.deleting || p->phase == "Succeeded" || p->phase == "Failed") continue;
    const cluster::Event* newest = nullptr;
    for (const auto* e : ctx.warnings(p->meta.ref())) {
      if (e->reason == "FailedCreatePodSandBox") newest = e;
    }
    if (!newest) continue;
    ++pods;
    if (!found) found = newest, pod = p;
  }
  if (!found) return false;
  f.add_evidence("event", found->reason + ": " + found->message, "Pod/" + pod->meta.name, found->count);
  f.root_cause =
      sandbox_cause(found->message, plural(pods, "pod") + " never " + (pods == 1 ? "starts" : "start"), pods == 1);
  add_sandbox_action(f, workload);
  f.status_cause_is_specific = true;
  return true;
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

bool icontains(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) return false;
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
         }) != haystack.end();
}

std::string quoted_after(std::string_view text, std::string_view after) {
  auto pos = text.find(after);
  if (pos == std::string_view::npos) return {};
  pos = text.find('"', pos + after.size());
  if (pos == std::string_view::npos) return {};
  const auto end = text.find('"', pos + 1);
  if (end == std::string_view::npos) return {};
  return std::string(text.substr(pos + 1, end - pos - 1));
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out.append(sep);
    out.append(i);
  }
  return out;
}

std::string format_cpu(long long millicores) {
  if (millicores % 1000 == 0) return std::to_string(millicores / 1000) + " CPU";
  return std::to_string(millicores) + "m CPU";
}

std::string format_bytes(long long bytes) {
  char buffer[32];
  const double gi = static_cast<double>(bytes) / (1024.0 * 1024 * 1024);
  if (gi >= 1) {
    std::snprintf(buffer, sizeof buffer, "%.1fGi", gi);
  } else {
    std::snprintf(buffer, sizeof buffer, "%lldMi", bytes / (1024 * 1024));
  }
  return buffer;
}

std::string plural(long long n, std::string_view word) {
  return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

}  // namespace eks::analyzers
