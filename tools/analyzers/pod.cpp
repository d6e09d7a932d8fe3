// Pods: why a pod is not running and ready — crash loops (cause from lastState, exit code and later the log),
// OOM kills, image pulls (not found vs registry auth), missing ConfigMaps/Secrets, scheduling failures
// explained from the scheduler's message, probe failures, init containers, evictions, volumes, pods stuck
// terminating. One finding per failing pod here; correlate.cpp folds the pods of one workload into one.
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <utility>

#include "tools/analyzers/context.hpp"
#include "tools/logs/log_analysis.hpp"
#include "tools/logs/quote.hpp"

namespace eks::analyzers {
namespace {

using cluster::ContainerState;
using cluster::ContainerStatus;
using cluster::Pod;
using logs::plain_or_quoted;
using logs::quote_untrusted;

struct PodView {
  Context& ctx;
  const Pod& pod;
  std::vector<ObjectRef> chain;
  ObjectRef workload;
  std::string name_for_text;  // "Deployment payments-api" or "pod x"
};

Finding start(const PodView& v, std::string reason) {
  Finding f = v.ctx.make(v.pod.meta.ref(), v.workload, std::move(reason), Severity::warning);
  f.owners = v.chain;
  f.pods = {v.pod.meta.name};
  f.pod_names = {v.pod.meta.name};
  f.log_pod = v.pod.meta.name;
  for (const auto& vol : v.pod.spec.volumes) {
    if (vol.claim_name) f.claims.push_back(*vol.claim_name);
  }
  return f;
}

const cluster::Container* spec_of(const Pod& pod, std::string_view name) {
  for (const auto& c : pod.spec.containers) {
    if (c.name == name) return &c;
  }
  for (const auto& c : pod.spec.init_containers) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

// The newest Warning event message about the pod with one of these reasons (and its count).
const cluster::Event* newest(const std::vector<const cluster::Event*>& events,
                             std::initializer_list<std::string_view> reasons, std::string_view message_contains = {}) {
  const cluster::Event* best = nullptr;
  for (const auto* e : events) {
    if (std::find(reasons.begin(), reasons.end(), e->reason) == reasons.end()) continue;
    if (!message_contains.empty() && !icontains(e->message, message_contains)) continue;
    best = e;  // events are oldest first
  }
  return best;
}

void event_evidence(Finding& f, const cluster::Event* e) {
  if (e) f.add_evidence("event", e->reason + ": " + e->message, {}, e->count);
}

std::string container_word(const ContainerStatus& cs) { return (cs.init ? "init container " : "container ") + cs.name; }

Json container_params(const PodView& v, const std::string& container) {
  return Json{
      {"kind", v.workload.kind}, {"namespace", v.workload.ns}, {"name", v.workload.name}, {"container", container}};
}

// How long a terminated container ran. A container that never started (StartError) has startedAt at the Unix
// epoch: no duration then.
std::optional<long long> ran_seconds(const ContainerState& s) {
  if (!s.started_at || !s.finished_at || s.started_at->time_since_epoch().count() <= 0) return std::nullopt;
  const auto ran = (*s.finished_at - *s.started_at).count();
  if (ran < 0) return std::nullopt;
  return ran;
}

std::string terminated_text(const ContainerState& s) {
  std::string out = "terminated";
  if (s.reason) out += " " + *s.reason;
  if (s.exit_code) out += ", exit code " + std::to_string(*s.exit_code);
  if (const auto ran = ran_seconds(s)) out += " after " + std::to_string(*ran) + "s";
  return out;
}

// Whether a kubelet event is about the container: by its field path, else by the name in a Killing message; an
// Unhealthy event without a field path names no container and is taken as the pod's.
bool about_container(const cluster::Event& e, const std::string& container) {
  if (e.involved_field_path && !e.involved_field_path->empty())
    return contains(*e.involved_field_path, "{" + container + "}");
  return e.reason == "Unhealthy" || contains(e.message, "ontainer " + container + " ") ||
         contains(e.message, "ontainer \"" + container + "\"");
}

// The kubelet's own account of a kill: `Killing` "Container api failed liveness probe, will be restarted" (or a
// startup probe), with the `Unhealthy` events of that probe. It outranks the exit code, whatever it is: the
// process exits 0 or 143 on the SIGTERM, 137 when the grace period ends — none of them is the application's
// own failure, and a 137 here is not an OOM kill.
struct KubeletKill {
  std::string probe;                          // liveness | startup
  const cluster::Event* killing = nullptr;    // the Killing event, when there is one
  const cluster::Event* unhealthy = nullptr;  // the newest Unhealthy event of that probe
};

const cluster::Probe* probe_of(const cluster::Container* spec, std::string_view which) {
  if (!spec) return nullptr;
  const auto& p = which == "liveness"  ? spec->liveness_probe
                  : which == "startup" ? spec->startup_probe
                                       : spec->readiness_probe;
  return p ? &*p : nullptr;
}

std::optional<KubeletKill> kubelet_kill(const std::vector<const cluster::Event*>& events, const ContainerStatus& cs,
                                        const cluster::Container* spec, int exit_code) {
  KubeletKill kill;
  const cluster::Event* liveness = nullptr;
  const cluster::Event* startup = nullptr;
  for (const auto* e : events) {
    if (!about_container(*e, cs.name)) continue;
    if (e->reason == "Killing") {
      if (icontains(e->message, "failed liveness probe")) kill = {"liveness", e, nullptr};
      else if (icontains(e->message, "failed startup probe")) kill = {"startup", e, nullptr};
    } else if (e->reason == "Unhealthy") {
      if (icontains(e->message, "liveness probe")) liveness = e;
      else if (icontains(e->message, "startup probe")) startup = e;
    }
  }
  if (kill.killing) {
    kill.unhealthy = kill.probe == "liveness" ? liveness : startup;
    return kill;
  }
  // No Killing event kept (events expire after an hour): the probe's failures, as many as its threshold, and an
  // exit code a kill leaves.
  if (exit_code != 0 && exit_code != 137 && exit_code != 143) return std::nullopt;
  for (const auto& [which, e] : {std::pair{"liveness", liveness}, std::pair{"startup", startup}}) {
    const auto* probe = probe_of(spec, which);
    const int threshold = probe ? std::max(1, probe->failure_threshold) : 3;
    if (e && (e->count >= threshold || exit_code != 0)) return KubeletKill{which, nullptr, e};
  }
  return std::nullopt;
}

// "GET /healthz on port 8081", "TCP connect to port 5432", "exec cat /tmp/ready".
std::string probe_target(const cluster::Probe* probe) {
  if (!probe) return {};
  const std::string port = probe->port ? plain_or_quoted(*probe->port, "probe port") : "";
  if (probe->handler == "httpGet")
    return "GET " + plain_or_quoted(probe->path.value_or("/"), "probe path") + (port.empty() ? "" : " on port " + port);
  if (probe->handler == "tcpSocket") return "TCP connect to port " + port;
  if (probe->handler == "grpc") return "gRPC health check on port " + port;
  if (probe->handler == "exec" && !probe->command.empty())
    return "exec " + quote_untrusted(join(probe->command, " "), "probe command");
  return "(" + probe->handler + ")";
}

// What answers at the probe's target, from the kubelet's message.
std::string probe_answer(const cluster::Event* e, const cluster::Probe* probe, const cluster::Container* spec) {
  if (!e) return "the probe fails";
  const std::string& m = e->message;
  if (const auto pos = m.find("statuscode: "); pos != std::string::npos)
    return "the endpoint answers HTTP " + plain_or_quoted(m.substr(pos + 12), "event message");
  if (icontains(m, "connection refused")) {
    std::string out = "nothing listens there (connection refused)";
    // The ports the container declares: a probe on another one is the usual mistake.
    if (probe && probe->port && spec && !spec->ports.empty()) {
      std::vector<std::string> declared;
      bool match = false;
      for (const auto& p : spec->ports) {
        declared.push_back(std::to_string(p.container_port));
        match |= std::to_string(p.container_port) == *probe->port || (p.name && *p.name == *probe->port);
      }
      if (!match) out += "; the container declares port " + join(declared, ", ") + ", not the probed one";
    }
    return out;
  }
  if (icontains(m, "deadline exceeded") || icontains(m, "timeout") || icontains(m, "timed out"))
    return "the endpoint does not answer within the probe's " + std::to_string(probe ? probe->timeout_seconds : 1) +
           "s timeout";
  return "the probe fails: " + quote_untrusted(m, "event message");
}

void probe_kill(const PodView& v, const ContainerStatus& cs, const ContainerState* last, const KubeletKill& kill) {
  Finding f = start(v, "ProbeFailure");
  const auto* spec = spec_of(v.pod, cs.name);
  const cluster::Probe* probe = probe_of(spec, kill.probe);
  const std::string target = probe_target(probe);
  f.what = container_word(cs) + " of " + v.name_for_text + " is killed by the kubelet and restarted (" +
           plural(cs.restart_count, "restart") + "): its " + kill.probe + " probe" +
           (target.empty() ? "" : " " + target) + " fails";
  event_evidence(f, kill.killing);
  event_evidence(f, kill.unhealthy);
  f.add_evidence("status", container_word(cs) + ": " +
                               (cs.state ? cs.state->state + " " + cs.state->reason.value_or("") : std::string("?")) +
                               (last ? "; lastState " + terminated_text(*last) : std::string()) + "; restartCount " +
                               std::to_string(cs.restart_count));
  if (probe) f.add_evidence("spec", kill.probe + " probe " + target);
  const int code = last && last->exit_code ? *last->exit_code : -1;
  f.root_cause = {
      "probe_failure",
      "the kubelet kills the container because its " + kill.probe + " probe " + (target.empty() ? "" : target + " ") +
          "fails: " + probe_answer(kill.unhealthy, probe, spec) +
          (code >= 0 ? "; exit code " + std::to_string(code) + " is the kill's, not the application's" : std::string()),
      kill.killing ? 0.9 : 0.8};
  f.status_cause_is_specific = true;
  f.log_container = cs.name;
  f.log_previous = cs.restart_count > 0;
  f.add_action("fix_config",
               "point the " + kill.probe +
                   " probe at a port and path the application serves (or give it a longer initialDelaySeconds / "
                   "failureThreshold when it starts slowly)",
               container_params(v, cs.name));
  // The kill runs the preStop hook first: one that fails or hangs is why the exit code is a SIGKILL's.
  if (last) {
    if (const auto hook = prestop_cause(v.ctx, v.pod, cs, *last, f))
      f.root_cause.summary += "; on each kill " + hook->summary;
  }
  v.ctx.findings.push_back(std::move(f));
}

// "exec \"/bin/sh -c /app/drain\"", "GET /drain on port 8080", "sleep 45s".
std::string hook_text(const cluster::Probe& hook) {
  if (hook.handler == "sleep") return "sleep " + std::to_string(hook.sleep_seconds) + "s";
  if (hook.handler == "exec" && !hook.command.empty())
    return "exec " + quote_untrusted(join(hook.command, " "), "hook command");
  return probe_target(&hook);
}

}  // namespace

// The kubelet runs a container's preStop hook before it sends SIGTERM, and the grace period counts from the
// hook's start: a hook that fails or hangs ends in a SIGKILL when terminationGracePeriodSeconds runs out (exit
// 137, which is then neither an OOM kill nor the application's exit). Its account is a FailedPreStopHook Warning:
// "PreStopHook failed" from current kubelets (which keep the hook's output out of events), "Exec lifecycle hook
// ([cmd]) for Container \"x\" in Pod \"y\" failed - error: ..., message: ..." (or "HTTP lifecycle hook (/path)
// ...") from older ones. A stop the container itself ended (exit 1) or an OOM kill is not the hook's.
std::optional<RootCause> prestop_cause(const Context& ctx, const cluster::Pod& pod, const ContainerStatus& cs,
                                       const ContainerState& terminated, Finding& f) {
  if (!terminated.exit_code || terminated.reason == "OOMKilled") return std::nullopt;
  const int code = *terminated.exit_code;
  if (code != 137 && code != 143 && code != 0) return std::nullopt;
  const cluster::Event* hook_event = nullptr;
  for (const auto* e : ctx.state.events_for(pod.meta.ref())) {
    if (e->reason == "FailedPreStopHook" && about_container(*e, cs.name)) hook_event = e;
  }
  // Events live an hour; one older than that is about an earlier stop.
  if (!hook_event || ctx.age_seconds(hook_event->last_timestamp) > 3600) return std::nullopt;
  const auto* spec = spec_of(pod, cs.name);
  const std::string hook = spec && spec->pre_stop ? hook_text(*spec->pre_stop) : std::string();
  const long long grace = pod.spec.termination_grace_period_seconds.value_or(30);
  const std::string& m = hook_event->message;
  f.add_evidence("event", hook_event->reason + ": " + m, {}, hook_event->count);
  if (!hook.empty()) {
    f.add_evidence("spec", "container " + cs.name + " lifecycle.preStop " + hook + "; terminationGracePeriodSeconds " +
                               std::to_string(grace));
  }
  // The older kubelets' message carries the hook's own error; "PreStopHook failed" says only that it failed.
  const bool detailed = icontains(m, "lifecycle hook");
  std::string summary = "its preStop hook" + (hook.empty() ? std::string() : " " + hook) + " fails" +
                        (detailed ? ": " + quote_untrusted(m, "event message")
                                  : " (the kubelet's event: " + quote_untrusted(m, "event message") + ")");
  if (code == 137) {
    summary += "; the kubelet then kills the container with SIGKILL when its " + std::to_string(grace) +
               "s grace period runs out, so exit code 137 is that kill, not an OOM kill or the application's exit";
  } else {
    summary += "; the container is then stopped by the kubelet (exit code " + std::to_string(code) +
               " is the stop's, not the application's)";
  }
  const bool cannot_run = icontains(m, "not found") || icontains(m, "exited with 126") ||
                          icontains(m, "exited with 127") || icontains(m, "permission denied") ||
                          icontains(m, "no such file") || icontains(m, "executable file not found");
  f.add_action(
      "fix_config",
      "fix the preStop hook of container " + cs.name +
          " (a command the image has, a path the application serves) and keep it shorter than "
          "terminationGracePeriodSeconds",
      Json{{"kind", f.workload.kind}, {"namespace", f.workload.ns}, {"name", f.workload.name}, {"container", cs.name}});
  return RootCause{cannot_run ? "bad_command" : "application_error", summary, cannot_run ? 0.9 : 0.8};
}

namespace {

// The in-cluster Service an init container waits for, read from its command: the host of `nslookup H`,
// `getent hosts H`, `nc -z H P`, `H:P`, `http://H[:P]/...` where H is a Service name (`db`) or its cluster DNS
// name (`db.ns`, `db.ns.svc`, `db.ns.svc.cluster.local`). A host with any other dot is outside the cluster and
// not judged; `host` and `dig` are left out, being words an `echo` uses too. {namespace, name}.
std::vector<std::pair<std::string, std::string>> awaited_services(const cluster::Container& c, const std::string& ns) {
  std::string text;
  for (const auto* part : {&c.command, &c.args})
    for (const auto& word : *part) text += word + " ";
  std::vector<std::string> tokens;
  std::string token;
  for (const char ch : text) {
    if (std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '-' || ch == ':' || ch == '/') {
      token += ch;
    } else if (!token.empty()) {
      tokens.push_back(std::exchange(token, {}));
    }
  }
  if (!token.empty()) tokens.push_back(token);
  const auto dns_label = [](std::string_view l) {
    return !l.empty() && l.size() <= 63 && std::isalpha(static_cast<unsigned char>(l.front())) &&
           std::all_of(l.begin(), l.end(),
                       [](unsigned char ch) { return std::islower(ch) || std::isdigit(ch) || ch == '-'; });
  };
  std::vector<std::pair<std::string, std::string>> out;
  const auto consider = [&](std::string host, bool named_by_tool) {
    if (const auto scheme = host.find("://"); scheme != std::string::npos) host = host.substr(scheme + 3);
    host = host.substr(0, host.find('/'));
    const auto colon = host.find(':');
    const bool has_port = colon != std::string::npos && colon + 1 < host.size() &&
                          std::all_of(host.begin() + static_cast<long>(colon) + 1, host.end(),
                                      [](unsigned char ch) { return std::isdigit(ch); });
    if (colon != std::string::npos && !has_port) return;
    if (!named_by_tool && !has_port && host.find(".svc") == std::string::npos) return;
    host = host.substr(0, colon);
    while (!host.empty() && host.back() == '.') host.pop_back();  // `db.$(cat .../namespace)` leaves `db.`
    std::vector<std::string> labels;
    for (std::size_t start = 0;;) {
      const auto dot = host.find('.', start);
      labels.push_back(host.substr(start, dot - start));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    if (!std::all_of(labels.begin(), labels.end(), dns_label)) return;
    const std::vector<std::string> suffix{"svc", "cluster", "local"};
    if (labels.size() > 2 && !std::equal(labels.begin() + 2, labels.end(), suffix.begin(),
                                         suffix.begin() + std::min<std::size_t>(suffix.size(), labels.size() - 2)))
      return;
    if (labels.size() > 5) return;
    std::pair<std::string, std::string> ref{labels.size() > 1 ? labels[1] : ns, labels[0]};
    if (std::find(out.begin(), out.end(), ref) == out.end()) out.push_back(std::move(ref));
  };
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const auto& t = tokens[i];
    const bool tool = t == "nslookup" || t == "nc" || t == "getent";
    if (tool) {
      // The first argument that is not an option (or the `hosts` of getent).
      for (std::size_t j = i + 1; j < tokens.size() && j < i + 4; ++j) {
        if (tokens[j].front() == '-' || tokens[j] == "hosts") continue;
        consider(tokens[j], true);
        break;
      }
    } else if (t.find(':') != std::string::npos || t.find(".svc") != std::string::npos) {
      consider(t, false);
    }
  }
  return out;
}

// An env var read from a ConfigMap or Secret key marked optional: when the key (or the whole object) is missing,
// the kubelet starts the container without the variable and no event says so. {evidence, root cause}.
std::optional<std::pair<std::string, std::string>> unset_optional_env(const Context& ctx, const Pod& pod,
                                                                      const cluster::Container& c) {
  for (const auto& ref : c.config_refs) {
    if (!ref.optional || (ref.via != "env" && ref.via != "envFrom")) continue;
    if (ref.kind == "Secret" && !ctx.state.secrets) continue;  // Secret names unknown here: nothing to conclude
    const std::vector<std::string>* keys = nullptr;
    if (ref.kind == "ConfigMap") {
      if (const auto* cm = ctx.state.config_map(pod.meta.ns, ref.name)) keys = &cm->keys;
    } else if (ref.kind == "Secret") {
      if (const auto* s = ctx.state.secret(pod.meta.ns, ref.name)) keys = &s->keys;
    } else {
      continue;
    }
    const std::string object = ref.kind + " " + plain_or_quoted(ref.name, "object name");
    if (ref.via == "envFrom") {
      if (keys) continue;
      return std::make_pair("envFrom " + object + " (optional: true), which does not exist",
                            "the container reads its environment from " + object +
                                ", which does not exist; it is marked optional, so the container starts without "
                                "any of those variables");
    }
    if (!ref.key || !ref.env_name) continue;
    if (keys && std::find(keys->begin(), keys->end(), *ref.key) != keys->end()) continue;
    const std::string var = plain_or_quoted(*ref.env_name, "env var name");
    const std::string key = plain_or_quoted(*ref.key, "key");
    std::string have = "none";
    if (keys && !keys->empty()) {
      have.clear();
      for (const auto& k : *keys) have += (have.empty() ? "" : ", ") + plain_or_quoted(k, "key");
    }
    return std::make_pair(
        "env " + var + " from " + object + " key " + key + " (optional: true): " +
            (keys ? object + " has no key " + key + " (its keys: " + have + ")" : object + " does not exist"),
        "environment variable " + var + " reads key " + key + " of " + object + ", which " +
            (keys ? "has no such key" : "does not exist") +
            "; the reference is optional, so the container starts with " + var + " unset and exits");
  }
  return std::nullopt;
}

// The env vars read from an optional Secret key when the Secrets are not known (a live cluster, whose Secrets are
// never read): {var, "key K of Secret S"}. A missing key leaves the variable unset without any event.
std::vector<std::pair<std::string, std::string>> unread_optional_secrets(const Context& ctx,
                                                                         const cluster::Container& c) {
  std::vector<std::pair<std::string, std::string>> out;
  if (ctx.state.secrets) return out;
  for (const auto& ref : c.config_refs) {
    if (ref.kind != "Secret" || !ref.optional || ref.via != "env" || !ref.key || !ref.env_name) continue;
    if (!logs::is_plain(*ref.env_name)) continue;  // matched against log lines and written into sentences
    out.emplace_back(*ref.env_name, "key " + plain_or_quoted(*ref.key, "key") + " of Secret " +
                                        plain_or_quoted(ref.name, "object name"));
  }
  return out;
}

// "-Xmx1g" in JAVA_TOOL_OPTIONS / JAVA_OPTS / the args -> bytes.
std::optional<std::pair<std::string, long long>> jvm_heap(const cluster::Container& c) {
  auto scan = [](std::string_view text) -> std::optional<std::pair<std::string, long long>> {
    const auto pos = text.find("-Xmx");
    if (pos == std::string_view::npos) return std::nullopt;
    // The size and its unit only: the rest of an env value is the pod's own text, not for our sentence.
    std::size_t end = pos + 4;
    while (end < text.size() && std::isalnum(static_cast<unsigned char>(text[end]))) ++end;
    const std::string value(text.substr(pos + 4, end - pos - 4));
    if (value.empty()) return std::nullopt;
    long long n = std::atoll(value.c_str());
    const char unit = static_cast<char>(std::tolower(static_cast<unsigned char>(value.back())));
    if (unit == 'g') n *= 1024LL * 1024 * 1024;
    else if (unit == 'm') n *= 1024LL * 1024;
    else if (unit == 'k') n *= 1024LL;
    return std::make_pair("-Xmx" + value, n);
  };
  for (const auto& e : c.env) {
    if (e.value) {
      if (auto h = scan(*e.value)) return h;
    }
  }
  for (const auto& a : c.args) {
    if (auto h = scan(a)) return h;
  }
  for (const auto& a : c.command) {
    if (auto h = scan(a)) return h;
  }
  return std::nullopt;
}

void oom_killed(const PodView& v, const ContainerStatus& cs, const ContainerState& last) {
  Finding f = start(v, "OOMKilled");
  const auto* spec = spec_of(v.pod, cs.name);
  std::string limit_text;
  std::optional<long long> limit;
  if (spec) {
    if (auto it = spec->resources.limits.find("memory"); it != spec->resources.limits.end()) {
      limit_text = it->second;
      limit = cluster::bytes(it->second);
    }
  }
  f.what = container_word(cs) + " of " + v.name_for_text + " is OOMKilled (exit 137) and restarted" +
           (cs.restart_count ? " (" + plural(cs.restart_count, "restart") + ")" : "");
  f.add_evidence("status", container_word(cs) + ": lastState " + terminated_text(last) + ", restartCount " +
                               std::to_string(cs.restart_count));
  if (cs.state && cs.state->reason)
    f.add_evidence("status", container_word(cs) + ": " + cs.state->state + " " + *cs.state->reason);
  RootCause rc{"out_of_memory", "", 0.95};
  rc.summary = "it uses more memory than its " +
               (limit_text.empty() ? std::string("memory limit") : limit_text + " memory limit") +
               " and the kernel kills it";
  if (spec && limit) {
    if (auto heap = jvm_heap(*spec); heap && heap->second >= *limit) {
      rc.summary = "the JVM is started with " + heap->first + ", larger than the container's " + limit_text +
                   " memory limit, so the kernel kills it before the heap is full";
      f.add_evidence("spec", "JVM heap " + heap->first + " vs memory limit " + limit_text);
    }
  }
  if (const auto* usage = v.ctx.state.pod_usage(v.pod.meta.ns, v.pod.meta.name)) {
    for (const auto& c : usage->containers) {
      if (c.name != cs.name) continue;
      if (auto it = c.usage.find("memory"); it != c.usage.end()) {
        f.add_evidence("metric",
                       "memory usage " + it->second + (limit_text.empty() ? "" : " of " + limit_text + " limit"));
      }
    }
  }
  f.root_cause = rc;
  f.status_cause_is_specific = true;
  f.log_container = cs.name;
  f.log_previous = cs.restart_count > 0;
  Json params = container_params(v, cs.name);
  if (limit) params["resources"] = {{"limits", {{"memory", format_bytes(*limit * 2)}}}};
  f.add_action("set_resources",
               "raise the memory limit of container " + cs.name +
                   (limit ? " (e.g. to " + format_bytes(*limit * 2) + ")" : "") +
                   ", or lower the application's heap to fit the limit",
               params);
  v.ctx.findings.push_back(std::move(f));
}

// The runtime's message quotes the pod's own command and paths, so it is quoted as data.
RootCause runtime_cause(const std::string& message) {
  const std::string quoted = quote_untrusted(message, "status message");
  if (icontains(message, "no command specified"))
    return {"bad_command", "the image has no ENTRYPOINT or CMD and the container sets no command: " + quoted, 0.9};
  // ENOEXEC: the binary is for another CPU architecture (an arm64 image on an amd64 node, or the reverse).
  if (icontains(message, "exec format error"))
    return {"bad_command",
            "the image's binary is built for another CPU architecture than the node's: " + quoted +
                " (build a multi-arch image, or pin the pods to nodes of its architecture)",
            0.9};
  if (icontains(message, "executable file not found") || icontains(message, "no such file or directory"))
    return {"bad_command", "the container's command cannot be started: " + quoted, 0.9};
  if (icontains(message, "permission denied"))
    return {"permission_denied", "starting the container is denied: " + quoted, 0.85};
  if (icontains(message, "mount"))
    return {"storage_unavailable", "a volume cannot be mounted into the container: " + quoted, 0.7};
  return {"unknown",
          message.empty() ? "the container runtime cannot create the container"
                          : "the container runtime cannot create the container: " + quoted,
          0.5};
}

// CreateContainerError / RunContainerError: the runtime refuses the container. `status` is the evidence line
// (the waiting state, or the StartError lastState).
void runtime_error(const PodView& v, const ContainerStatus& cs, const std::string& reason, const std::string& message,
                   const std::vector<const cluster::Event*>& events, const std::string& status) {
  Finding f = start(v, reason);
  f.what = container_word(cs) + " of " + v.name_for_text +
           (reason == "RunContainerError" ? " cannot be started" : " cannot be created");
  f.add_evidence("status", status);
  event_evidence(f, newest(events, {"Failed"}));
  f.root_cause = runtime_cause(message);
  f.status_cause_is_specific = f.root_cause.confidence >= 0.8;
  f.add_action("fix_config", "fix the command, image or security context of container " + cs.name,
               container_params(v, cs.name));
  v.ctx.findings.push_back(std::move(f));
}

void crash_loop(const PodView& v, const ContainerStatus& cs, const std::vector<const cluster::Event*>& events) {
  const ContainerState* last = cs.last_state && cs.last_state->state == "terminated" ? &*cs.last_state : nullptr;
  if (!last && cs.state && cs.state->state == "terminated") last = &*cs.state;
  if (last && last->reason == "OOMKilled") return oom_killed(v, cs, *last);
  // The runtime could not start the process at all (exec of a missing binary, a bad working directory): exit
  // 128 with reason StartError. The kubelet shows RunContainerError, then CrashLoopBackOff while it backs off.
  if (last && last->reason == "StartError") {
    return runtime_error(v, cs, "RunContainerError", last->message.value_or(""), events,
                         container_word(cs) + ": " +
                             (cs.state ? cs.state->state + " " + cs.state->reason.value_or("") : std::string("?")) +
                             "; lastState " + terminated_text(*last) + ": " + last->message.value_or("") +
                             "; restartCount " + std::to_string(cs.restart_count));
  }
  const int code = last && last->exit_code ? *last->exit_code : -1;
  if (const auto kill = kubelet_kill(events, cs, spec_of(v.pod, cs.name), code)) return probe_kill(v, cs, last, *kill);
  Finding f = start(v, cs.init ? "InitContainerFailure" : "CrashLoopBackOff");
  std::string ran;
  if (const auto seconds = last ? ran_seconds(*last) : std::nullopt) {
    ran = *seconds <= 5 ? " right after it starts" : " after running " + std::to_string(*seconds) + "s";
  }
  // restartPolicy Never: a container that exited once failed the pod; nothing restarts it.
  const bool pod_failed = v.pod.phase == "Failed";
  f.what = container_word(cs) + " of " + v.name_for_text +
           (code >= 0 ? (pod_failed ? " exited with code " : " exits with code ") + std::to_string(code)
                      : " keeps exiting") +
           ran +
           (pod_failed ? " and the pod failed"
                       : " and is restarted in a back-off loop (" + plural(cs.restart_count, "restart") + ")");
  f.add_evidence("status", container_word(cs) + ": " +
                               (cs.state ? cs.state->state + " " + cs.state->reason.value_or("") : std::string("?")) +
                               (last ? "; lastState " + terminated_text(*last) : std::string()) + "; restartCount " +
                               std::to_string(cs.restart_count));
  if (last && last->message) f.add_evidence("status", "termination message: " + *last->message);
  event_evidence(f, newest(events, {"BackOff"}));
  RootCause rc{"application_error", "", 0.4};
  switch (code) {
    case 127:
    case 126:
      rc = {"bad_command", "the container's command cannot be run (" + logs::exit_code_meaning(code) + ")", 0.85};
      break;
    case 137:
    case 143:
      if (code == 137) {
        rc = {
            "out_of_memory",
            "the container is killed with SIGKILL (137) without an OOMKilled status: likely memory (a child process OOM-killed) or an external kill",
            0.5};
      } else {
        rc = {"application_error", "the container is stopped with SIGTERM (143) and exits", 0.4};
      }
      break;
    case 139: rc = {"application_error", "the process crashes with a segmentation fault (139)", 0.7}; break;
    case 0:
      rc = {
          "bad_command",
          "the container exits successfully (0) but its pod restarts it: it runs a one-shot command under restartPolicy Always",
          0.6};
      break;
    default:
      rc = {
          "application_error",
          code >= 0 ? "exit code " + logs::exit_code_meaning(code) : "the application keeps exiting; its log says why",
          0.4};
  }
  const auto hook = last ? prestop_cause(v.ctx, v.pod, cs, *last, f) : std::nullopt;
  if (hook) {
    rc = *hook;
    f.what = container_word(cs) + " of " + v.name_for_text + " is killed by the kubelet after its preStop hook fails" +
             (pod_failed ? "" : " and is restarted (" + plural(cs.restart_count, "restart") + ")");
  }
  if (!hook && last && last->message && !last->message->empty() && rc.category == "application_error") {
    rc.summary = "the application exits with code " + std::to_string(code) + ": " +
                 quote_untrusted(*last->message, "termination message");
    rc.confidence = 0.6;
  }
  if (!hook && (rc.category == "application_error" || rc.category == "unknown")) {
    if (const auto* spec = spec_of(v.pod, cs.name)) {
      if (const auto unset = unset_optional_env(v.ctx, v.pod, *spec)) {
        f.add_evidence("spec", unset->first);
        rc = {"missing_config", unset->second, 0.85};
      } else {
        f.unread_secret_env = unread_optional_secrets(v.ctx, *spec);
        for (const auto& [var, from] : f.unread_secret_env)
          f.add_evidence("spec", "env " + var + " from " + from +
                                     " (optional: true); Secrets are not read here, so whether the key exists is "
                                     "not checked");
      }
    }
  }
  f.root_cause = rc;
  f.status_cause_is_specific = rc.confidence >= 0.8;
  f.log_container = cs.name;
  f.log_previous = cs.restart_count > 0;
  if (pod_failed) {
    f.add_action("investigate", "read the log of container " + cs.name + " (analyze_pod_logs) to see why it exited",
                 Json{{"namespace", v.pod.meta.ns}, {"pod", v.pod.meta.name}, {"container", cs.name}});
  } else {
    f.add_action(
        "investigate", "read the previous log of container " + cs.name + " (analyze_pod_logs) to see why it exits",
        Json{{"namespace", v.pod.meta.ns}, {"pod", v.pod.meta.name}, {"container", cs.name}, {"previous", true}});
  }
  v.ctx.findings.push_back(std::move(f));
}

// Whether an image reference names a registry of its owner's (ECR, a company registry) rather than a public one
// (Docker Hub, which a reference without a registry host means, quay.io, ghcr.io, public ECR, registry.k8s.io ...).
bool private_registry(std::string_view image) {
  const auto slash = image.find('/');
  if (slash == std::string_view::npos) return false;
  const std::string_view host = image.substr(0, slash);
  // The first part is a host only with a dot or a port, or when it is localhost.
  if (host.find('.') == std::string_view::npos && host.find(':') == std::string_view::npos && host != "localhost")
    return false;
  for (const std::string_view pub :
       {"docker.io", "index.docker.io", "registry-1.docker.io", "quay.io", "ghcr.io", "public.ecr.aws",
        "registry.k8s.io", "k8s.gcr.io", "gcr.io", "mcr.microsoft.com", "registry.gitlab.com", "cgr.dev"}) {
    if (host == pub) return false;
  }
  return true;
}

// Image pulls: not found vs registry auth vs registry unreachable vs rate limits.
void image_pull(const PodView& v, const ContainerStatus& cs, const std::vector<const cluster::Event*>& events) {
  Finding f = start(v, "ImagePullBackOff");
  const auto* spec = spec_of(v.pod, cs.name);
  const std::string image = spec ? spec->image : cs.image;
  // The API server does not check that an image is a reference: an invalid one is the pod's own text.
  const std::string image_text = plain_or_quoted(image, "image reference");
  f.what = container_word(cs) + " of " + v.name_for_text + " cannot pull image " + image_text;
  if (cs.state)
    f.add_evidence("status", container_word(cs) + ": waiting " + cs.state->reason.value_or("") +
                                 (cs.state->message ? ": " + *cs.state->message : ""));
  const cluster::Event* failed = nullptr;
  for (const auto* e : events) {
    if (e->reason == "Failed" && icontains(e->message, "failed to pull")) failed = e;
  }
  event_evidence(f, failed);
  event_evidence(f, newest(events, {"BackOff"}, "pulling image"));
  const std::string message = failed ? failed->message : (cs.state && cs.state->message ? *cs.state->message : "");
  RootCause rc{"image_unavailable", "", 0.6};
  // "pull access denied, repository does not exist or may require authorization": a registry answers so for a
  // repository it does not have and for one the puller may not read. With no pull credentials on the pod, a
  // private registry's answer means the credentials are missing; otherwise the name is the likelier fault.
  const bool denied_or_missing = icontains(message, "may require authorization");
  const bool untrusted_certificate = icontains(message, "x509:") || icontains(message, "failed to verify certificate");
  if (cs.state && cs.state->reason == "ErrImageNeverPull") {
    rc = {"image_unavailable",
          "the image " + image_text +
              " is not on the node and the container's imagePullPolicy Never forbids pulling it (load the image "
              "onto the node, or let it be pulled: IfNotPresent)",
          0.95};
  } else if (cs.state && cs.state->reason == "InvalidImageName") {
    rc = {"image_unavailable", "the image reference " + image_text + " is not a valid image name", 0.95};
  } else if (icontains(message, "no match for platform") || icontains(message, "no matching manifest")) {
    // A multi-arch index without the node's OS/architecture (an amd64 node pulling an arm64-only image).
    rc = {"image_unavailable",
          "the image " + image_text +
              " has no variant for the node's platform (OS/CPU architecture): build it for the node's architecture "
              "or schedule the pods onto nodes of the image's",
          0.95};
  } else if (denied_or_missing && v.pod.spec.image_pull_secrets.empty() && private_registry(image)) {
    rc = {"registry_auth",
          "the registry refuses " + image_text +
              " to the node: the pod has no imagePullSecrets for this private registry (or the repository name "
              "is wrong)",
          0.85};
  } else if (denied_or_missing) {
    rc = {"image_unavailable",
          "the registry refuses " + image_text +
              ": the repository does not exist or needs credentials the pod does not have (check the image name, "
              "then imagePullSecrets)",
          0.85};
  } else if (icontains(message, "not found") || icontains(message, "manifest unknown") ||
             icontains(message, "NotFound") || icontains(message, "repository does not exist") ||
             icontains(message, "name unknown")) {
    rc = {"image_unavailable", "the image " + image_text + " does not exist in the registry (wrong tag or repository)",
          0.95};
  } else if (icontains(message, "toomanyrequests") || icontains(message, "rate limit")) {
    rc = {"quota_exceeded",
          "the registry rate-limits pulls of " + image_text + " (use a mirror or authenticated pulls)", 0.9};
  } else if (icontains(message, "unauthorized") || icontains(message, "authentication required") ||
             icontains(message, "no basic auth credentials") || icontains(message, "403 Forbidden") ||
             icontains(message, "access denied") || icontains(message, "pull access denied") ||
             icontains(message, "denied")) {
    rc = {"registry_auth",
          "the node is not authorised to pull " + image_text +
              " (imagePullSecrets, or for ECR the node role's ecr:GetAuthorizationToken/BatchGetImage permissions)",
          0.9};
  } else if (untrusted_certificate) {
    // A registry whose TLS certificate the node's container runtime does not trust (a private CA, self-signed,
    // expired): the pull never reaches the image.
    rc = {"registry_auth",
          "the node does not trust the TLS certificate of the registry for " + image_text +
              " (a private or self-signed CA the container runtime lacks, or an expired certificate)",
          0.85};
  } else if (icontains(message, "i/o timeout") || icontains(message, "dial tcp") ||
             icontains(message, "connection refused") || icontains(message, "TLS handshake timeout") ||
             icontains(message, "no such host")) {
    rc = {"dependency_unreachable",
          "the registry for " + image_text + " cannot be reached from the node (NAT, VPC endpoints or DNS)", 0.8};
  } else if (message.empty()) {
    rc.summary = "the image " + image_text + " cannot be pulled";
  } else {
    rc.summary =
        "pulling " + image_text + " fails: " + quote_untrusted(message, failed ? "event message" : "status message");
  }
  f.root_cause = rc;
  f.status_cause_is_specific = true;
  Json params = container_params(v, cs.name);
  params["image"] = image;
  if (untrusted_certificate && rc.category == "registry_auth") {
    f.add_action("fix_config",
                 "install the registry's CA on the nodes (containerd's certs.d, in the node group's launch template), "
                 "or give the registry a certificate from a CA they trust",
                 params);
  } else if (rc.category == "registry_auth") {
    f.add_action("fix_config", "give the pod (imagePullSecrets) or the node role permission to pull " + image_text,
                 params);
  } else {
    f.add_action("fix_image", "point container " + cs.name + " at an image tag that exists", params);
  }
  v.ctx.findings.push_back(std::move(f));
}

// Levenshtein distance, bounded: near-miss names of missing ConfigMaps/Secrets ("billing-db-credential").
std::size_t distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t prev = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cur = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1)});
      prev = cur;
    }
  }
  return row[b.size()];
}

std::optional<std::string> near_miss(const Context& ctx, const std::string& kind, const std::string& ns,
                                     const std::string& name) {
  std::vector<std::string> names;
  if (kind == "Secret" && ctx.state.secrets) {
    for (const auto& s : *ctx.state.secrets) {
      if (s.meta.ns == ns) names.push_back(s.meta.name);
    }
  } else if (kind == "ConfigMap") {
    for (const auto& c : ctx.state.config_maps) {
      if (c.meta.ns == ns) names.push_back(c.meta.name);
    }
  }
  for (const auto& n : names) {
    if (n != name && distance(n, name) <= 2) return n;
  }
  return std::nullopt;
}

// CreateContainerConfigError: a ConfigMap, Secret or key the container reads is missing.
void config_error(const PodView& v, const ContainerStatus& cs, const std::vector<const cluster::Event*>& events) {
  Finding f = start(v, "CreateContainerConfigError");
  const std::string message = cs.state && cs.state->message ? *cs.state->message : "";
  f.what = container_word(cs) + " of " + v.name_for_text + " cannot be created";
  f.add_evidence("status",
                 container_word(cs) + ": waiting CreateContainerConfigError" + (message.empty() ? "" : ": " + message));
  event_evidence(f, newest(events, {"Failed"}));
  std::string text = message;
  if (text.empty()) {
    if (const auto* e = newest(events, {"Failed"})) text = e->message;
  }
  const char* label = message.empty() ? "event message" : "status message";
  std::string kind, object, key;
  bool key_missing = false;
  if (icontains(text, "secret \"")) {
    kind = "Secret";
    object = quoted_after(text, "ecret ");
  } else if (icontains(text, "configmap \"")) {
    kind = "ConfigMap";
    object = quoted_after(text, "onfigmap ");
  }
  // couldn't find key password in Secret billing/billing-db-credentials
  if (const auto pos = text.find("couldn't find key "); pos != std::string::npos) {
    const auto start_key = pos + 18;
    key = text.substr(start_key, text.find(' ', start_key) - start_key);
    key_missing = true;
    const auto in = text.find(" in ", start_key);
    if (in != std::string::npos) {
      const std::string rest = text.substr(in + 4);
      const auto space = rest.find(' ');
      kind = rest.substr(0, space);
      if (space != std::string::npos) {
        object = rest.substr(space + 1);
        if (const auto slash = object.find('/'); slash != std::string::npos) object = object.substr(slash + 1);
      }
    }
  }
  // Names read out of the message are only names when they look like one; anything else is the message's own text.
  const auto name_like = [](const std::string& s) { return s.empty() || logs::is_plain(s); };
  if (!name_like(object) || !name_like(kind) || !name_like(key)) {
    kind.clear();
    object.clear();
    key.clear();
    key_missing = false;
  }
  RootCause rc{"missing_config", "", 0.9};
  const auto* spec = spec_of(v.pod, cs.name);
  std::string reader;
  if (spec && !object.empty()) {
    for (const auto& ref : spec->config_refs) {
      if (ref.kind == kind && ref.name == object && ref.env_name) {
        reader = "reads " + plain_or_quoted(*ref.env_name, "env var name") +
                 (ref.key ? " from key " + plain_or_quoted(*ref.key, "key") + " of" : " from") + " ";
        if (key.empty() && ref.key && logs::is_plain(*ref.key)) key = *ref.key;
        break;
      }
    }
  }
  if (!object.empty() && !key_missing) {
    rc.summary = "container " + cs.name + " " + (reader.empty() ? "references " : reader) + kind + " " + object +
                 ", which does not exist in namespace " + v.pod.meta.ns;
  } else if (!object.empty()) {
    rc.summary = "container " + cs.name + " " + (reader.empty() ? "reads key " + key + " of " : reader) + kind + " " +
                 object + ", which has no key " + key;
  } else if (icontains(text, "runAsNonRoot")) {
    rc = {"permission_denied",
          "the pod requires runAsNonRoot but the image runs as root: " + quote_untrusted(text, label), 0.9};
  } else {
    rc.summary = text.empty() ? "the container's configuration cannot be resolved"
                              : "the container's configuration cannot be resolved: " + quote_untrusted(text, label);
    rc.confidence = 0.6;
  }
  if (!object.empty()) {
    if (auto near = near_miss(v.ctx, kind, v.pod.meta.ns, object)) {
      rc.summary += " (the namespace has " + kind + " " + *near + ": a typo?)";
      f.add_evidence("spec", kind + " " + *near + " exists in namespace " + v.pod.meta.ns);
    }
    rc.confidence = 0.95;
    f.add_related(ObjectRef{kind, v.pod.meta.ns, object, ""}, "", "missing");
  }
  f.root_cause = rc;
  f.status_cause_is_specific = true;
  Json params = container_params(v, cs.name);
  if (!object.empty()) params["missing"] = {{"kind", kind}, {"name", object}};
  if (!key.empty()) params["missing"]["key"] = key;
  f.add_action("fix_config",
               object.empty() ? "fix the container's configuration"
                              : "create " + kind + " " + object + (key.empty() ? "" : " with key " + key) +
                                    " in namespace " + v.pod.meta.ns + ", or correct the reference in the pod template",
               params);
  v.ctx.findings.push_back(std::move(f));
}

// Volume mount failures (FailedMount / FailedAttachVolume events on a pod that does not start).
bool mount_failure(const PodView& v, const std::vector<const cluster::Event*>& events) {
  // The attach comes before the mount: a failed attach ("Multi-Attach error", a denied AttachVolume) is the
  // cause, and the kubelet's later FailedMount ("timed out waiting for the condition") only its consequence.
  const cluster::Event* e = newest(events, {"FailedAttachVolume"});
  if (!e) e = newest(events, {"FailedMount"});
  if (!e) return false;
  Finding f = start(v, "MountFailure");
  f.what = v.name_for_text + " cannot start: a volume cannot be mounted";
  event_evidence(f, e);
  if (e->reason == "FailedAttachVolume") event_evidence(f, newest(events, {"FailedMount"}));
  RootCause rc{"storage_unavailable",
               "a volume cannot be attached or mounted: " + quote_untrusted(e->message, "event message"), 0.7};
  // The quoted name is an object's only when it looks like one; otherwise the message stays quoted as a whole.
  const std::string configmap = icontains(e->message, "configmap \"") ? quoted_after(e->message, "onfigmap ") : "";
  const std::string secret = icontains(e->message, "secret \"") ? quoted_after(e->message, "ecret ") : "";
  if (logs::is_plain(configmap)) {
    rc = {"missing_config",
          "the pod mounts ConfigMap " + configmap + ", which does not exist in namespace " + v.pod.meta.ns, 0.95};
    f.add_related(ObjectRef{"ConfigMap", v.pod.meta.ns, configmap, ""}, "", "missing");
  } else if (logs::is_plain(secret)) {
    rc = {"missing_config", "the pod mounts Secret " + secret + ", which does not exist in namespace " + v.pod.meta.ns,
          0.95};
    f.add_related(ObjectRef{"Secret", v.pod.meta.ns, secret, ""}, "", "missing");
  } else if (icontains(e->message, "Multi-Attach")) {
    rc = {"storage_unavailable",
          "the volume is still attached to another node (Multi-Attach error): the old pod's node has not released it",
          0.85};
  } else if (icontains(e->message, "AccessDenied") || icontains(e->message, "not authorized to perform") ||
             icontains(e->message, "UnauthorizedOperation") || icontains(e->message, "permission denied") ||
             icontains(e->message, "is forbidden")) {
    // A CSI driver (EBS, EFS, the Secrets Store provider) acting with an identity that may not do it: its IAM
    // role (IRSA / Pod Identity) or the pod's service account lacks the permission the message names.
    rc = {"permission_denied",
          "the volume's driver is denied access (its IAM role or the pod's service account lacks a permission): " +
              quote_untrusted(e->message, "event message"),
          0.85};
  }
  f.root_cause = rc;
  f.status_cause_is_specific = true;
  f.add_action("investigate", "check the volume and its PersistentVolumeClaim, ConfigMap or Secret",
               Json{{"namespace", v.pod.meta.ns}, {"pod", v.pod.meta.name}});
  v.ctx.findings.push_back(std::move(f));
  return true;
}

// A pod whose sandbox the kubelet cannot create (FailedCreatePodSandBox) stays ContainerCreating. A Deployment,
// StatefulSet or DaemonSet reports its own pods so (explain_unstarted_pods); any other pod is reported here.
void sandbox_failure(const PodView& v, const std::vector<const cluster::Event*>& events) {
  const std::string top = v.chain.empty() ? std::string() : v.chain.back().kind;
  if (top == "Deployment" || top == "StatefulSet" || top == "DaemonSet") return;
  const cluster::Event* e = newest(events, {"FailedCreatePodSandBox"});
  if (!e) return;
  Finding f = start(v, "CreateContainerError");
  f.what = v.name_for_text + " cannot start: the kubelet cannot create its sandbox (network and pause container)";
  event_evidence(f, e);
  f.root_cause = sandbox_cause(e->message, v.name_for_text + " never starts", true);
  add_sandbox_action(f, v.workload);
  f.status_cause_is_specific = true;
  v.ctx.findings.push_back(std::move(f));
}

struct Requests {
  long long cpu = 0;
  long long memory = 0;
};
Requests pod_requests(const Pod& pod) {
  Requests r;
  for (const auto& c : pod.spec.containers) {
    if (auto it = c.resources.requests.find("cpu"); it != c.resources.requests.end())
      r.cpu += cluster::cpu_millicores(it->second).value_or(0);
    if (auto it = c.resources.requests.find("memory"); it != c.resources.requests.end())
      r.memory += cluster::bytes(it->second).value_or(0);
  }
  return r;
}

// FailedScheduling: "0/3 nodes are available: 3 Insufficient cpu, 2 node(s) had untolerated taint {k: v}. preemption:
// ..."
void unschedulable(const PodView& v, const std::vector<const cluster::Event*>& events) {
  Finding f = start(v, "Unschedulable");
  const auto* scheduled = cluster::find_condition(v.pod.conditions, "PodScheduled");
  const cluster::Event* e = newest(events, {"FailedScheduling"});
  std::string message = e ? e->message : (scheduled && scheduled->message ? *scheduled->message : "");
  f.what = v.name_for_text + " stays Pending: no node can run it";
  event_evidence(f, e);
  if (!e && !message.empty()) f.add_evidence("condition", "PodScheduled False: " + message);
  std::string_view head = message;
  if (const auto pos = head.find(" preemption:"); pos != std::string_view::npos) head = head.substr(0, pos);
  const Requests req = pod_requests(v.pod);
  long long max_cpu = 0, max_mem = 0;
  for (const auto& n : v.ctx.state.nodes) {
    if (!n.ready()) continue;
    if (auto it = n.allocatable.find("cpu"); it != n.allocatable.end())
      max_cpu = std::max<long long>(max_cpu, cluster::cpu_millicores(it->second).value_or(0));
    if (auto it = n.allocatable.find("memory"); it != n.allocatable.end())
      max_mem = std::max<long long>(max_mem, cluster::bytes(it->second).value_or(0));
  }
  const char* label = e ? "event message" : "condition message";
  RootCause rc{"scheduling_constraint",
               message.empty() ? "the scheduler cannot place the pod"
                               : "the scheduler cannot place the pod: " + quote_untrusted(head, label),
               0.6};
  Json params{{"kind", v.workload.kind}, {"namespace", v.workload.ns}, {"name", v.workload.name}};
  const bool insufficient_cpu = icontains(head, "Insufficient cpu");
  const bool insufficient_mem = icontains(head, "Insufficient memory");
  if (icontains(head, "unbound") && icontains(head, "PersistentVolumeClaim")) {
    rc = {"storage_unavailable", "its PersistentVolumeClaim is not bound", 0.8};
    for (const auto& claim : f.claims) {
      const auto* pvc = v.ctx.state.pvc(v.pod.meta.ns, claim);
      if (!pvc) {
        rc.summary = "it mounts PersistentVolumeClaim " + claim + ", which does not exist";
        rc.confidence = 0.9;
        break;
      }
      if (pvc->phase == "Bound") continue;
      rc.summary = "its PersistentVolumeClaim " + claim + " is " + pvc->phase;
      if (pvc->storage_class && !v.ctx.state.storage_class(*pvc->storage_class)) {
        std::vector<std::string> classes;
        for (const auto& sc : v.ctx.state.storage_classes) classes.push_back(sc.meta.name);
        rc.summary += ": it asks for StorageClass " + *pvc->storage_class + ", which does not exist" +
                      (classes.empty() ? "" : " (the cluster has " + join(classes, ", ") + ")");
        rc.confidence = 0.95;
      }
      break;
    }
    f.add_action("fix_config", "create the missing StorageClass or point the claim at an existing one", params);
  } else if (icontains(head, "persistentvolumeclaim \"") && icontains(head, "not found")) {
    rc = {"storage_unavailable",
          "it mounts PersistentVolumeClaim " + plain_or_quoted(quoted_after(head, "persistentvolumeclaim "), label) +
              ", which does not exist",
          0.95};
  } else if (icontains(head, "volume node affinity conflict")) {
    rc = {"scheduling_constraint",
          "its volume lives in a zone where no schedulable node has room (volume node affinity conflict)", 0.85};
  } else if (insufficient_cpu || insufficient_mem) {
    std::vector<std::string> parts;
    if (insufficient_cpu)
      parts.push_back(format_cpu(req.cpu) + " (largest node allocatable " + format_cpu(max_cpu) + ")");
    if (insufficient_mem)
      parts.push_back(format_bytes(req.memory) + " memory (largest node allocatable " + format_bytes(max_mem) + ")");
    const bool never_fits = (insufficient_cpu && req.cpu > max_cpu) || (insufficient_mem && req.memory > max_mem);
    rc = {"insufficient_resources",
          "it requests " + join(parts, " and ") +
              (never_fits ? ": no node in the cluster is large enough" : ": the nodes are full"),
          0.95};
    Json resources = params;
    if (!v.pod.spec.containers.empty()) resources["container"] = v.pod.spec.containers.front().name;
    if (never_fits) {
      f.add_action("set_resources", "lower the pod's requests to fit a node, or add a node group with larger instances",
                   resources);
    } else {
      f.add_action("investigate", "add capacity (scale the node group / Karpenter limits) or lower requests",
                   resources);
    }
  } else if (const auto pos = head.find("Insufficient "); pos != std::string_view::npos) {
    // An extended or other resource: "3 Insufficient nvidia.com/gpu", "Insufficient ephemeral-storage",
    // "Insufficient vpc.amazonaws.com/pod-eni".
    std::string_view resource = head.substr(pos + 13);
    resource = resource.substr(0, std::min(resource.find_first_of(" ,"), resource.size()));
    if (!resource.empty() && resource.back() == '.') resource.remove_suffix(1);  // the sentence's full stop
    const std::string name = logs::is_plain(std::string(resource)) ? std::string(resource) : std::string();
    rc = {"insufficient_resources",
          "no node has " + (name.empty() ? std::string("the resources it requests") : "a free " + name) +
              " for it (a node group that offers it is missing, full or at its maximum size)",
          0.9};
    f.add_action(
        "investigate",
        "add nodes that offer " + (name.empty() ? std::string("the resource") : name) + ", or lower the pod's request",
        params);
  } else if (icontains(head, "Too many pods")) {
    rc = {"insufficient_resources", "every node has reached its pod limit (max pods per node, VPC CNI IP addresses)",
          0.9};
    f.add_action("investigate", "add nodes or enable prefix delegation for more pods per node", params);
  } else if (icontains(head, "taint")) {
    std::vector<std::string> taints;
    std::size_t pos = 0;
    while ((pos = head.find('{', pos)) != std::string_view::npos) {
      const auto end = head.find('}', pos);
      if (end == std::string_view::npos) break;
      taints.emplace_back(head.substr(pos + 1, end - pos - 1));
      pos = end;
    }
    rc = {"scheduling_constraint",
          "the nodes carry taints the pod does not tolerate" +
              (taints.empty() ? std::string() : ": " + quote_untrusted(join(taints, ", "), label)),
          0.9};
    f.add_action("fix_config", "add a toleration to the pod template, or schedule onto untainted nodes", params);
  } else if (icontains(head, "anti-affinity") || icontains(head, "pod affinity") ||
             icontains(head, "topology spread")) {
    // Rules about the other pods, not the nodes' labels: replicas that must not share a node (or zone) with each
    // other need as many nodes (zones) as replicas; affinity needs the pods it follows.
    const bool spread = icontains(head, "topology spread");
    const bool anti = icontains(head, "anti-affinity");
    rc = {"scheduling_constraint",
          spread ? "placing it would break the pod's topology spread constraints (maxSkew over too few nodes or "
                   "zones with room)"
          : anti ? "every node already runs a pod its anti-affinity rules exclude (more replicas than nodes or "
                   "zones that can take one)"
                 : "no node runs the pods its affinity rules require it to join",
          0.9};
    f.add_action("fix_config",
                 spread ? "relax the topology spread constraints (whenUnsatisfiable: ScheduleAnyway) or add nodes in "
                          "more zones"
                        : "relax the pod (anti-)affinity to preferred, or add nodes",
                 params);
  } else if (icontains(head, "node affinity") || icontains(head, "node selector") || icontains(head, "didn't match")) {
    std::vector<std::string> selector;
    for (const auto& [k, val] : v.pod.spec.node_selector) selector.push_back(k + "=" + val);
    rc = {"scheduling_constraint",
          "no node matches the pod's node selector/affinity" +
              (selector.empty() ? std::string() : " (" + join(selector, ", ") + ")"),
          0.9};
    f.add_action("fix_config", "fix the nodeSelector/affinity or label a node group to match", params);
  } else if (icontains(head, "were unschedulable") || icontains(head, "unschedulable:")) {
    rc = {"scheduling_constraint", "the only candidate nodes are cordoned (unschedulable)", 0.85};
  } else if (icontains(head, "free ports")) {
    rc = {"scheduling_constraint", "the hostPort the pod asks for is taken on every node", 0.85};
  } else if (icontains(head, "no nodes available")) {
    rc = {"node_failure", "the cluster has no schedulable nodes", 0.9};
  }
  f.root_cause = rc;
  f.status_cause_is_specific = true;
  v.ctx.findings.push_back(std::move(f));
}

// An eviction over an hour old whose workload runs all its replicas again: the Failed pod is a leftover record
// (the controller replaced it), not an incident.
bool stale_eviction(const PodView& v) {
  // When it happened: the containers stopped then (the kubelet killed them), else the DisruptionTarget condition
  // the eviction set.
  std::optional<cluster::Time> when;
  for (const auto& cs : v.pod.container_statuses) {
    if (cs.state && cs.state->finished_at && (!when || *cs.state->finished_at > *when)) when = cs.state->finished_at;
  }
  if (const auto* c = cluster::find_condition(v.pod.conditions, "DisruptionTarget"); !when && c)
    when = c->last_transition;
  if (!when || v.ctx.age_seconds(when) < 3600) return false;
  const auto& w = v.workload;
  if (w.kind == "Deployment") {
    const auto* d = v.ctx.state.deployment(w.ns, w.name);
    return d && d->available_replicas >= d->replicas;
  }
  if (w.kind == "StatefulSet") {
    const auto* s = v.ctx.state.stateful_set(w.ns, w.name);
    return s && s->ready_replicas >= s->replicas;
  }
  if (w.kind == "DaemonSet") {
    const auto* d = v.ctx.state.daemon_set(w.ns, w.name);
    return d && d->number_available >= d->desired_number_scheduled;
  }
  return false;
}

// A Pending pod no scheduler has looked at: no PodScheduled condition, no FailedScheduling event.
void unscheduled(const PodView& v) {
  Finding f = start(v, "Unschedulable");
  const long long minutes = v.ctx.age_seconds(v.pod.meta.created) / 60;
  f.what = v.name_for_text + " has been Pending for " + std::to_string(minutes) + " min and no scheduler has taken it";
  f.add_evidence("status", "phase Pending, no node, no PodScheduled condition");
  f.root_cause = {"scheduling_constraint",
                  "no scheduler considers the pod: its spec.schedulerName names a scheduler that is not running (or "
                  "the cluster's scheduler is down)",
                  0.75};
  f.status_cause_is_specific = true;
  f.add_action("fix_config", "set schedulerName to a running scheduler (default-scheduler), or start that scheduler",
               Json{{"kind", v.workload.kind}, {"namespace", v.workload.ns}, {"name", v.workload.name}});
  v.ctx.findings.push_back(std::move(f));
}

// "The node was low on resource: memory. Threshold quantity: 100Mi, available: 86324Ki. Container thumbnailer
// was using 3911744Ki, request is 128Mi, has larger consumption of memory."
void evicted(const PodView& v) {
  Finding f = start(v, "Evicted");
  const std::string message = v.pod.message.value_or("");
  std::string resource;
  if (const auto pos = message.find("low on resource: "); pos != std::string::npos) {
    const auto start_r = pos + 17;
    resource = message.substr(start_r, message.find('.', start_r) - start_r);
    if (!logs::is_plain(resource)) resource.clear();  // the message's words, not a resource name
  }
  const std::string node = v.pod.node_name.value_or("");
  // The kubelet also evicts a pod that outgrows its own local-storage limits, whatever the node has left: "Pod
  // ephemeral local storage usage exceeds the total limit of containers 1Gi.", "Container x exceeded its local
  // ephemeral storage limit \"1Gi\".", "Usage of EmptyDir volume \"cache\" exceeds the limit \"1Gi\".".
  if (icontains(message, "local storage usage exceeds") || icontains(message, "local ephemeral storage limit") ||
      (icontains(message, "EmptyDir volume") && icontains(message, "exceeds the limit"))) {
    f.what = v.name_for_text + " was evicted for writing more local storage than its limit allows";
    f.add_evidence("status", "phase Failed, reason Evicted: " + message);
    f.root_cause = {"disk_full",
                    "the pod wrote more to its writable layers, logs and emptyDir volumes than its ephemeral-storage "
                    "limit (or an emptyDir sizeLimit) allows, and the kubelet evicted it; the node itself is not "
                    "short of disk: " +
                        quote_untrusted(message, "status message"),
                    0.9};
    f.status_cause_is_specific = true;
    f.add_action("set_resources",
                 "raise the containers' ephemeral-storage limit or emptyDir sizeLimit, or write the data to a volume",
                 Json{{"kind", v.workload.kind}, {"namespace", v.workload.ns}, {"name", v.workload.name}});
    f.add_action("delete_pod", "delete the evicted pods (they only keep their status)",
                 Json{{"namespace", v.pod.meta.ns}, {"pod", v.pod.meta.name}});
    v.ctx.findings.push_back(std::move(f));
    return;
  }
  f.what = v.name_for_text + " was evicted from node " + (node.empty() ? "?" : node) +
           (resource.empty() ? "" : " under " + resource + " pressure");
  f.add_evidence("status", "phase Failed, reason Evicted: " + message);
  RootCause rc{"insufficient_resources",
               "the node ran short of " + (resource.empty() ? std::string("a resource") : resource), 0.8};
  if (resource == "memory") rc.category = "out_of_memory";
  if (resource == "ephemeral-storage" || resource == "nodefs" || resource == "imagefs") rc.category = "disk_full";
  // "Container thumbnailer was using 3911744Ki, request is 128Mi"
  if (const auto pos = message.find("Container "); pos != std::string::npos) {
    const auto name_end = message.find(' ', pos + 10);
    const std::string container = message.substr(pos + 10, name_end - pos - 10);
    const auto using_pos = message.find("was using ", pos);
    const auto req_pos = message.find("request is ", pos);
    const std::string used = using_pos != std::string::npos
                                 ? message.substr(using_pos + 10, message.find(',', using_pos) - using_pos - 10)
                                 : "";
    const std::string request =
        req_pos != std::string::npos ? message.substr(req_pos + 11, message.find(',', req_pos) - req_pos - 11) : "";
    // Each part goes into our sentence, so each must be a name or a quantity, not free text.
    if (using_pos != std::string::npos && logs::is_plain(container) && logs::is_plain(used) &&
        (request.empty() || logs::is_plain(request))) {
      const auto used_bytes = cluster::bytes(used);
      std::string limit_note;
      if (const auto* spec = spec_of(v.pod, container);
          spec && resource == "memory" && !spec->resources.limits.count("memory")) {
        limit_note = " and has no memory limit";
      }
      rc.summary = "node " + node + " ran short of " + resource + "; container " + container + " was using " +
                   (used_bytes && resource == "memory" ? format_bytes(*used_bytes) : used) +
                   (request.empty() ? "" : " against a " + request + " request") + limit_note;
      rc.confidence = 0.9;
      Json params{
          {"kind", v.workload.kind}, {"namespace", v.workload.ns}, {"name", v.workload.name}, {"container", container}};
      if (used_bytes && resource == "memory")
        params["resources"] = {{"requests", {{"memory", format_bytes(*used_bytes)}}},
                               {"limits", {{"memory", format_bytes(*used_bytes)}}}};
      f.add_action("set_resources",
                   "set the " + resource + " request of container " + container + " to what it uses, and a limit",
                   params);
    }
  }
  f.root_cause = rc;
  f.status_cause_is_specific = true;
  if (!node.empty())
    f.add_related(ObjectRef{"Node", "", node, ""}, "", resource.empty() ? "evicted the pod" : resource + " pressure");
  f.add_action("delete_pod", "delete the evicted pods (they only keep their status)",
               Json{{"namespace", v.pod.meta.ns}, {"pod", v.pod.meta.name}});
  v.ctx.findings.push_back(std::move(f));
}

// Readiness (or liveness) probe failures on a running pod that is not Ready.
bool probe_failure(const PodView& v, const std::vector<const cluster::Event*>& events) {
  const cluster::Event* e = newest(events, {"Unhealthy"});
  std::string container;
  const cluster::Container* spec = nullptr;
  if (e && e->involved_field_path) {
    const auto& fp = *e->involved_field_path;
    const auto open = fp.find('{');
    if (open != std::string::npos) container = fp.substr(open + 1, fp.find('}') - open - 1);
  }
  for (const auto& cs : v.pod.container_statuses) {
    if (!cs.ready && (container.empty() || cs.name == container)) {
      container = cs.name;
      break;
    }
  }
  spec = spec_of(v.pod, container);
  if (!e && !(spec && spec->readiness_probe)) return false;
  const auto* ready = cluster::find_condition(v.pod.conditions, "Ready");
  const long long not_ready_for = ready ? v.ctx.age_seconds(ready->last_transition) : 0;
  if (!e && not_ready_for < 300) return false;  // just starting
  Finding f = start(v, "ProbeFailure");
  const bool liveness = e && icontains(e->message, "liveness");
  std::string probe_text = liveness ? "liveness probe" : "readiness probe";
  const cluster::Probe* probe = spec ? (liveness ? (spec->liveness_probe ? &*spec->liveness_probe : nullptr)
                                                 : (spec->readiness_probe ? &*spec->readiness_probe : nullptr))
                                     : nullptr;
  if (probe && probe->handler == "httpGet") {
    probe_text += " GET " + plain_or_quoted(probe->path.value_or("/"), "probe path") +
                  (probe->port ? " on port " + *probe->port : "");
  } else if (probe) {
    probe_text += " (" + probe->handler + ")";
  }
  f.what = v.name_for_text + " runs but is not Ready" + std::string(liveness ? "" : " and receives no traffic") +
           ": its " + probe_text + " fails";
  event_evidence(f, e);
  if (ready && ready->message) f.add_evidence("condition", "Ready False: " + *ready->message);
  std::string detail;
  if (e) {
    if (const auto pos = e->message.find("statuscode: "); pos != std::string::npos)
      detail = "the endpoint answers HTTP " + plain_or_quoted(e->message.substr(pos + 12), "event message");
    else if (icontains(e->message, "connection refused"))
      detail = "nothing listens on the probed port (connection refused)";
    else if (icontains(e->message, "deadline exceeded") || icontains(e->message, "timeout"))
      detail = "the endpoint does not answer within the probe timeout";
    else detail = "the probe fails: " + quote_untrusted(e->message, "event message");
  }
  f.root_cause = {"probe_failure", detail.empty() ? "the probe fails" : detail, e ? 0.7 : 0.45};
  f.log_container = container;
  f.log_previous = false;
  f.add_action("investigate",
               "read the log of container " + plain_or_quoted(container, "event field path") +
                   " (analyze_pod_logs) to see why the probe fails",
               Json{{"namespace", v.pod.meta.ns}, {"pod", v.pod.meta.name}, {"container", container}});
  v.ctx.findings.push_back(std::move(f));
  return true;
}

// A pod on a healthy node (a NotReady or missing node reports its own pods) that does not finish terminating.
void stuck_terminating(const PodView& v) {
  const long long grace = v.pod.spec.termination_grace_period_seconds.value_or(30);
  const long long since = v.ctx.age_seconds(v.pod.meta.deleting);
  // deletionTimestamp is set to "now + grace" by the API server.
  if (since < 300) return;
  Finding f = start(v, "PodStuckTerminating");
  f.what = v.name_for_text + " has been terminating for " + std::to_string((since + grace) / 60) + " min";
  f.add_evidence("status", "deletionTimestamp " + cluster::format_time(*v.pod.meta.deleting));
  const std::vector<std::string>& finalizers = v.pod.meta.finalizers;
  if (!finalizers.empty()) {
    f.root_cause = {"unknown", "finalizers " + join(finalizers, ", ") + " have not been removed by their controller",
                    0.7};
    f.add_evidence("status", "finalizers: " + join(finalizers, ", "));
  } else {
    f.root_cause = {"unknown", "the kubelet has not confirmed the container stopped (a hung process or volume unmount)",
                    0.4};
  }
  f.add_action("delete_pod", "force-delete the pod once its node is gone or its finalizers are handled",
               Json{{"namespace", v.pod.meta.ns}, {"pod", v.pod.meta.name}, {"force", true}});
  v.ctx.findings.push_back(std::move(f));
}

// A finding about an init container is an InitContainerFailure: the pod's main containers never run. The
// kubelet's reason (image pull, config, command) stays in the text and the root cause is the sub-cause's.
void init_container_failure(const PodView& v, Finding& f) {
  if (f.reason != "InitContainerFailure") {
    f.what += " (" + f.reason + ")";
    f.reason = "InitContainerFailure";
    f.id = v.ctx.make(f.resource, f.workload, f.reason, f.severity).id;
  }
  f.what += v.pod.phase == "Failed" ? ", so the pod's main containers never ran"
                                    : ", so the pod's main containers never start";
}

bool is_pull_failure(std::string_view reason) {
  return reason == "ImagePullBackOff" || reason == "ErrImagePull" || reason == "InvalidImageName" ||
         reason == "ErrImageNeverPull" || reason == "RegistryUnavailable";
}

// Returns true when it produced a finding for the container.
bool waiting_container(const PodView& v, const ContainerStatus& cs, const std::vector<const cluster::Event*>& events) {
  if (!cs.state) return false;
  const auto& st = *cs.state;
  const std::string reason = st.reason.value_or("");
  if (st.state == "waiting") {
    if (reason == "CrashLoopBackOff") return crash_loop(v, cs, events), true;
    if (is_pull_failure(reason)) return image_pull(v, cs, events), true;
    if (reason == "CreateContainerConfigError") return config_error(v, cs, events), true;
    if (reason == "CreateContainerError" || reason == "RunContainerError") {
      const std::string message = st.message.value_or("");
      return runtime_error(v, cs, reason, message, events,
                           container_word(cs) + ": waiting " + reason + (message.empty() ? "" : ": " + message)),
             true;
    }
  }
  return false;
}

void analyze_pod(Context& ctx, const Pod& pod) {
  if (pod.phase == "Succeeded") return;
  PodView v{ctx, pod, ctx.state.owner_chain(pod.meta), {}, {}};
  v.workload = v.chain.empty() ? pod.meta.ref() : v.chain.back();
  v.name_for_text = v.chain.empty() ? "pod " + pod.meta.name : v.workload.kind + " " + v.workload.name;
  const cluster::Node* node = pod.node_name ? ctx.state.node(*pod.node_name) : nullptr;
  // A pod on a NotReady node, or bound to a node that no longer exists, is that node's consequence: the node
  // analyzer reports the node with these pods (stuck Terminating or not) as its affected objects.
  if (pod.node_name && !pod.node_name->empty() && (!node || !node->ready())) return;
  if (pod.meta.deleting) return stuck_terminating(v);
  const auto events = ctx.state.events_for(pod.meta.ref());

  if (pod.phase == "Failed") {
    if (pod.reason == "Evicted") {
      evicted(v);
      if (stale_eviction(v)) {
        Finding& f = ctx.findings.back();
        f.severity = Severity::info;
        f.what += " over an hour ago; its workload has recovered and only the pod record remains";
      }
      return;
    }
    // restartPolicy Never: an init container that exited with an error failed the pod before its main containers
    // ran. That is the incident of the pod's owner (a Job's pods all fail the same way), with the init
    // container's own cause, rather than a failed pod or a Job that merely counts failures.
    // A Job that retries and then completes, or still has retries left, is not failing.
    const cluster::Job* job =
        !v.chain.empty() && v.chain.front().kind == "Job" ? ctx.state.job(pod.meta.ns, v.chain.front().name) : nullptr;
    const auto* job_failed = job ? cluster::find_condition(job->conditions, "Failed") : nullptr;
    const bool counts =
        v.chain.empty() || v.chain.front().kind != "Job" || (job_failed && job_failed->status == "True");
    for (const auto& cs : pod.init_container_statuses) {
      if (!counts) break;
      if (!cs.state || cs.state->state != "terminated" || !cs.state->exit_code || *cs.state->exit_code == 0) continue;
      const std::size_t before = ctx.findings.size();
      crash_loop(v, cs, events);
      if (ctx.findings.size() > before) return init_container_failure(v, ctx.findings.back());
    }
    if (!v.chain.empty() && v.chain.front().kind == "Job") return;  // the Job analyzer reports failed Jobs
    const std::string reason = pod.reason.value_or("");
    Finding f = start(v, "ContainerTerminatedWithError");
    f.what = v.name_for_text + " failed" + (reason.empty() ? "" : " (" + reason + ")");
    if (pod.message) f.add_evidence("status", "phase Failed: " + *pod.message);
    if (reason == "Shutdown" || reason == "NodeShutdown" || reason == "Terminated") {
      f.severity = Severity::info;
      f.root_cause = {"node_failure", "its node shut down (" + reason + "); the controller replaced the pod", 0.8};
      f.add_action("delete_pod", "delete the failed pod record",
                   Json{{"namespace", pod.meta.ns}, {"pod", pod.meta.name}});
    } else {
      int code = -1;
      for (const auto& cs : pod.container_statuses) {
        if (cs.state && cs.state->state == "terminated" && cs.state->exit_code && *cs.state->exit_code != 0) {
          code = *cs.state->exit_code;
          f.add_evidence("status", container_word(cs) + ": " + terminated_text(*cs.state));
          f.log_container = cs.name;
          if (cs.state->reason == "OOMKilled") {
            f.root_cause = {"out_of_memory", "container " + cs.name + " was OOMKilled", 0.9};
          } else if (auto hook = prestop_cause(ctx, pod, cs, *cs.state, f); hook && f.root_cause.summary.empty()) {
            f.root_cause = *hook;
            f.status_cause_is_specific = true;
          }
        }
      }
      if (f.root_cause.summary.empty()) {
        f.root_cause = {"application_error",
                        code >= 0
                            ? "the container exited with " + logs::exit_code_meaning(code)
                            : "the pod failed: " + quote_untrusted(pod.message.value_or(reason), "status message"),
                        0.4};
      }
    }
    ctx.findings.push_back(std::move(f));
    return;
  }

  // Init containers run first: a failing one blocks the pod, whatever keeps it from finishing.
  for (const auto& cs : pod.init_container_statuses) {
    if (!cs.state) continue;
    const std::size_t before = ctx.findings.size();
    if ((cs.state->state == "waiting" && cs.state->reason == "CrashLoopBackOff") ||
        (cs.state->state == "terminated" && cs.state->exit_code && *cs.state->exit_code != 0)) {
      crash_loop(v, cs, events);
    } else {
      waiting_container(v, cs, events);
    }
    if (ctx.findings.size() > before) return init_container_failure(v, ctx.findings.back());
    if (cs.state->state == "running" && pod.phase == "Pending" && ctx.age_seconds(cs.state->started_at) > 600) {
      Finding f = start(v, "InitContainerFailure");
      f.what = "init container " + cs.name + " of " + v.name_for_text + " has been running for " +
               std::to_string(ctx.age_seconds(cs.state->started_at) / 60) + " min, so the pod never starts";
      f.add_evidence("status",
                     "init container " + cs.name + ": running since " + cluster::format_time(*cs.state->started_at));
      f.root_cause = {"dependency_unreachable",
                      "init containers usually wait for a dependency; this one has not finished", 0.35};
      if (const auto* spec = spec_of(pod, cs.name)) {
        for (const auto& [ns, name] : awaited_services(*spec, pod.meta.ns)) {
          // `db.other` is a Service only where namespace other exists; with no Service read at all, nothing is known.
          if ((ns != pod.meta.ns && !ctx.state.namespace_(ns)) || ctx.state.services.empty()) continue;
          const auto* svc = ctx.state.service(ns, name);
          const auto* endpoints = svc ? ctx.state.endpoints_of(ns, name) : nullptr;
          if (svc && (!endpoints || endpoints->ready_count() > 0)) continue;
          const std::string which = "Service " + name + (ns == pod.meta.ns ? "" : " in namespace " + ns);
          f.add_evidence("spec", "init container " + cs.name + " waits for " + which);
          f.add_evidence("status", svc ? "Endpoints " + name + ": no ready addresses"
                                       : "no Service " + name + " in namespace " + ns);
          f.root_cause = {
              "dependency_unreachable",
              "it waits for " + which +
                  (svc ? ", which has no ready endpoints" : ", which does not exist (not created, or misnamed)"),
              0.8};
          f.status_cause_is_specific = true;
          if (svc) f.add_related(svc->meta.ref(), "", "no ready endpoints");
          break;
        }
      }
      f.log_container = cs.name;
      ctx.findings.push_back(std::move(f));
      return;
    }
  }
  for (const auto& cs : pod.container_statuses) {
    if (waiting_container(v, cs, events)) return;
  }
  if (pod.phase == "Pending") {
    const auto* scheduled = cluster::find_condition(pod.conditions, "PodScheduled");
    // A pod the scheduler has been unable to place for less than two minutes is waiting for capacity that is on its
    // way (the cluster autoscaler or Karpenter adds a node, a terminating pod frees one): not yet an incident.
    if (scheduled && scheduled->status == "False") {
      if (ctx.age_seconds(scheduled->last_transition ? scheduled->last_transition : pod.meta.created) < 120) return;
      return unschedulable(v, events);
    }
    // Never considered: no scheduler has written PodScheduled. A pod naming a scheduler that does not run
    // (spec.schedulerName of a custom scheduler) waits so for ever, without an event.
    if (!scheduled && (!pod.node_name || pod.node_name->empty()) && ctx.age_seconds(pod.meta.created) > 300 &&
        newest(events, {"FailedScheduling"}) == nullptr)
      return unscheduled(v);
    if (ctx.age_seconds(pod.meta.created) > 120 && mount_failure(v, events)) return;
    if (ctx.age_seconds(pod.meta.created) > 300) sandbox_failure(v, events);
    return;
  }
  // Running: terminated containers that will not be restarted, recent OOM kills, readiness.
  for (const auto& cs : pod.container_statuses) {
    if (cs.state && cs.state->state == "terminated" && cs.state->exit_code && *cs.state->exit_code != 0) {
      if (cs.state->reason == "OOMKilled") return oom_killed(v, cs, *cs.state);
      if (const auto kill = kubelet_kill(events, cs, spec_of(pod, cs.name), *cs.state->exit_code))
        return probe_kill(v, cs, &*cs.state, *kill);
      Finding f = start(v, "ContainerTerminatedWithError");
      f.what =
          container_word(cs) + " of " + v.name_for_text + " exited with code " + std::to_string(*cs.state->exit_code);
      f.add_evidence("status", container_word(cs) + ": " + terminated_text(*cs.state));
      f.root_cause = {"application_error", logs::exit_code_meaning(*cs.state->exit_code), 0.4};
      if (auto hook = prestop_cause(ctx, pod, cs, *cs.state, f)) {
        f.root_cause = *hook;
        f.status_cause_is_specific = true;
      }
      f.log_container = cs.name;
      ctx.findings.push_back(std::move(f));
      return;
    }
    if (cs.last_state && cs.last_state->reason == "OOMKilled" && ctx.age_seconds(cs.last_state->finished_at) < 3600) {
      oom_killed(v, cs, *cs.last_state);
      // One kill the container has since run ten minutes past: a warning sign for its limit, not an incident.
      if (cs.restart_count <= 1 && cs.state && cs.state->state == "running" &&
          ctx.age_seconds(cs.state->started_at) >= 600)
        ctx.findings.back().severity = Severity::info;
      return;
    }
    // Between two kills the container runs: killed again and again by its probe (three restarts, the last within
    // the hour) is the incident; one kill it recovered from is not.
    if (cs.restart_count >= 3 && cs.last_state && cs.last_state->state == "terminated" &&
        ctx.age_seconds(cs.last_state->finished_at) < 3600) {
      const int code = cs.last_state->exit_code.value_or(-1);
      if (const auto kill = kubelet_kill(events, cs, spec_of(pod, cs.name), code); kill && kill->killing)
        return probe_kill(v, cs, &*cs.last_state, *kill);
    }
  }
  if (pod.phase == "Running" && !pod.ready()) {
    if (probe_failure(v, events)) return;
  }
}

}  // namespace

void analyze_pods(Context& ctx) {
  if (ctx.ns) {
    for (const auto* pod : ctx.state.pods_in_namespace(*ctx.ns)) analyze_pod(ctx, *pod);
    return;
  }
  for (const auto& pod : ctx.state.pods) analyze_pod(ctx, pod);
}

}  // namespace eks::analyzers
