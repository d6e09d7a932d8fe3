#include "tools/cost/rightsizing.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <tuple>

#include "tools/cost/allocation.hpp"

namespace eks::cost {
namespace {

using cluster::ClusterState;
using cluster::Pod;

std::string hash_id(const std::string& text) {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a: stable across runs and builds, which std::hash is not
  for (const unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buffer[20];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(h));
  return std::string("rs-") + buffer;
}

std::optional<std::int64_t> cpu_of(const cluster::ResourceList& list) {
  const auto it = list.find("cpu");
  return it == list.end() ? std::nullopt : cluster::cpu_millicores(it->second);
}
std::optional<std::int64_t> memory_of(const cluster::ResourceList& list) {
  const auto it = list.find("memory");
  return it == list.end() ? std::nullopt : cluster::bytes(it->second);
}

// Whether the container was OOM-killed within the history (its last or current termination).
bool oom_killed(const Pod& pod, const std::string& container, cluster::Time since) {
  const auto* status = pod.status_of(container);
  if (!status) return false;
  for (const auto* state : {&status->last_state, &status->state}) {
    if (!*state || (*state)->reason.value_or("") != "OOMKilled") continue;
    if (!(*state)->finished_at || *(*state)->finished_at >= since) return true;
  }
  return false;
}

// The resources the HPAs targeting `workload` scale on (cpu, memory); an HPA without metrics scales on CPU.
std::set<std::string> hpa_resources(const ClusterState& state, const cluster::ObjectRef& workload,
                                    std::string* hpa_name) {
  std::set<std::string> out;
  for (const auto& hpa : state.hpas) {
    if (hpa.meta.ns != workload.ns || hpa.target.name != workload.name || hpa.target.kind != workload.kind) continue;
    *hpa_name = hpa.meta.name;
    if (!hpa.metrics.is_array() || hpa.metrics.empty()) out.insert("cpu");
    for (const auto& m : hpa.metrics.is_array() ? hpa.metrics : nlohmann::json::array()) {
      for (const char* key : {"resource", "containerResource"}) {
        if (m.contains(key) && m[key].is_object() && m[key].contains("name") && m[key]["name"].is_string())
          out.insert(m[key]["name"].get<std::string>());
      }
    }
  }
  return out;
}

std::string fixed(double v, int digits) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(digits);
  out << v;
  return out.str();
}

double cents(double dollars) { return std::round(dollars * 100) / 100; }

// What a pod requests in all, as Fargate sizes it: its containers' sum, or its largest init container's.
Requests pod_requests(const Pod& pod) {
  Requests sum, init;
  for (const auto& c : pod.spec.containers) {
    sum.cores += static_cast<double>(cpu_of(c.resources.requests).value_or(0)) / 1000;
    sum.bytes += static_cast<double>(memory_of(c.resources.requests).value_or(0));
  }
  for (const auto& c : pod.spec.init_containers) {
    init.cores = std::max(init.cores, static_cast<double>(cpu_of(c.resources.requests).value_or(0)) / 1000);
    init.bytes = std::max(init.bytes, static_cast<double>(memory_of(c.resources.requests).value_or(0)));
  }
  return {std::max(sum.cores, init.cores), std::max(sum.bytes, init.bytes)};
}

struct Group {
  cluster::ObjectRef workload;
  std::vector<const Pod*> pods;
};

}  // namespace

tl::expected<Report, std::string> rightsize(const ClusterState& state, UsageSource& usage, const PriceTable& prices,
                                            const Settings& settings, const Request& request, cluster::Time end) {
  Strategy strategy = settings.strategy;
  if (request.include_hpa) strategy.allow_hpa = true;
  Report report;
  report.percentile = strategy.cpu_percentile;
  report.memory_buffer = strategy.memory_buffer;
  const cluster::Time since = end - std::chrono::hours(24) * request.history_days;

  // Workloads in scope, each with its pods that run (or ran) on a node.
  std::map<std::string, Group> groups;
  std::set<std::string> namespaces;
  for (const auto& pod : state.pods) {
    if (request.ns && pod.meta.ns != *request.ns) continue;
    if (pod.phase == "Succeeded" || pod.phase == "Failed") continue;
    const auto workload = state.top_owner(pod.meta);
    if (request.workload && *request.workload != workload.name &&
        *request.workload != workload.kind + "/" + workload.name)
      continue;
    auto& g = groups[workload.ns + "/" + workload.kind + "/" + workload.name];
    g.workload = workload;
    g.pods.push_back(&pod);
    namespaces.insert(pod.meta.ns);
  }

  // Usage: one namespace per task, `parallel` at a time.
  std::map<std::string, tl::expected<NamespaceUsage, std::string>> by_ns;
  {
    std::vector<std::string> pending(namespaces.begin(), namespaces.end());
    std::mutex mutex;
    std::size_t next = 0;
    const auto worker = [&] {
      for (;;) {
        std::string ns;
        {
          std::lock_guard lock(mutex);
          if (next >= pending.size()) return;
          ns = pending[next++];
        }
        auto result = usage.namespace_usage(ns, request.history_days, end, strategy);
        std::lock_guard lock(mutex);
        by_ns.emplace(ns, std::move(result));
      }
    };
    const auto threads = std::clamp<std::size_t>(static_cast<std::size_t>(settings.prometheus.parallel), 1,
                                                 std::max<std::size_t>(pending.size(), 1));
    std::vector<std::future<void>> running;
    for (std::size_t i = 0; i < threads; ++i) running.push_back(std::async(std::launch::async, worker));
    for (auto& f : running) f.get();
  }
  report.queries = usage.queries();
  for (auto& w : usage.warnings()) report.warnings.push_back(std::move(w));
  std::size_t failed = 0;
  std::string first_error;
  for (const auto& [ns, result] : by_ns) {
    if (result) continue;
    ++failed;
    if (first_error.empty()) first_error = result.error();
    report.warnings.push_back("no usage for namespace " + ns + ": " + result.error());
  }
  if (!by_ns.empty() && failed == by_ns.size()) return tl::unexpected(first_error);

  // Node prices, once per node; each unpriced type is reported once.
  std::map<std::string, NodePrice> node_prices;
  std::set<std::string> unpriced;
  const auto node_price = [&](const std::string& name) -> const NodePrice* {
    if (const auto it = node_prices.find(name); it != node_prices.end()) return &it->second;
    const auto* node = state.node(name);
    if (!node) return nullptr;
    auto& price = node_prices.emplace(name, price_node(*node, prices)).first->second;
    if (!price.priced() && unpriced.insert(price.problem).second) {
      report.warnings.push_back(price.problem + ": its pods' cost is unknown");
    }
    return &price;
  };
  const double hours = prices.hours_per_month();

  for (const auto& [key, group] : groups) {
    std::string hpa_name;
    const auto hpa = hpa_resources(state, group.workload, &hpa_name);
    // The containers of the workload, in the order of its first pod's spec.
    std::vector<std::string> containers;
    for (const auto* pod : group.pods) {
      for (const auto& c : pod->spec.containers) {
        if (std::find(containers.begin(), containers.end(), c.name) == containers.end()) containers.push_back(c.name);
      }
    }
    const auto& ns_usage = by_ns.find(group.workload.ns);
    const bool have_usage = ns_usage != by_ns.end() && ns_usage->second.has_value();
    for (const auto& name : containers) {
      Recommendation r;
      r.ns = group.workload.ns;
      r.kind = group.workload.kind;
      r.workload = group.workload.name;
      r.container = name;
      r.id = hash_id(r.ns + "/" + r.kind + "/" + r.workload + "/" + name);
      Resources current;
      bool have_current = false;
      bool oom = false;
      std::vector<ContainerUsage> per_pod;
      for (const auto* pod : group.pods) {
        const auto c = std::find_if(pod->spec.containers.begin(), pod->spec.containers.end(),
                                    [&](const cluster::Container& x) { return x.name == name; });
        if (c == pod->spec.containers.end()) continue;
        ++r.pods;
        if (!have_current) {
          current = {cpu_of(c->resources.requests), cpu_of(c->resources.limits), memory_of(c->resources.requests),
                     memory_of(c->resources.limits)};
          have_current = true;
        }
        oom = oom || oom_killed(*pod, name, since);
        if (have_usage) {
          if (const auto u = ns_usage->second->find({pod->meta.name, name}); u != ns_usage->second->end())
            per_pod.push_back(u->second);
        }
      }
      r.current = {current.cpu_request_m, current.cpu_limit_m, current.memory_request_bytes,
                   current.memory_limit_bytes};
      r.usage = combine(per_pod);
      const auto p = propose(r.usage, current, oom, hpa.count("cpu") > 0, hpa.count("memory") > 0, strategy);
      r.recommended.cpu_request_m = p.cpu_request_m;
      r.recommended.memory_request_bytes = p.memory_bytes;
      r.recommended.memory_limit_bytes = p.memory_bytes;

      // Severity and reason.
      std::string severity = "unknown";
      std::vector<std::string> why;
      if (p.cpu_request_m) {
        severity = worse(severity, cpu_severity(current.cpu_request_m, p.cpu_request_m, strategy));
        why.push_back("CPU p" + fixed(strategy.cpu_percentile, 0) + " " + cpu_quantity(millicores_up(r.usage.cpu.pq)) +
                      (current.cpu_limit_m ? ", limit removed" : ""));
      }
      if (p.memory_bytes) {
        severity = worse(severity, memory_severity(current.memory_request_bytes, p.memory_bytes, strategy));
        if (p.oom_floor) {
          why.push_back("OOM-killed: memory at least its limit × " + fixed(strategy.oom_limit_factor, 2));
        } else {
          why.push_back("memory peak " + memory_quantity(mebibytes_up(r.usage.memory.max)) + " + " +
                        fixed(strategy.memory_buffer * 100, 0) + "%");
        }
      }
      const auto skipped = [&](Skip s, const char* resource, const Stats& stats) {
        if (s == Skip::not_enough_data) {
          why.push_back(std::string(resource) + ": not enough data (" + std::to_string(stats.points) + " of " +
                        std::to_string(strategy.points_required) + " points)");
        } else if (s == Skip::hpa) {
          why.push_back(std::string(resource) + " left alone: HPA " + hpa_name +
                        " scales on it (include_hpa to override)");
        }
      };
      skipped(p.cpu_skip, "CPU", r.usage.cpu);
      skipped(p.memory_skip, "memory", r.usage.memory);
      if (!have_usage) {
        r.status = "no_usage";
        why = {"no usage for namespace " + r.ns + (ns_usage != by_ns.end() ? ": " + ns_usage->second.error() : "")};
      } else if (p.cpu_skip == Skip::not_enough_data && p.memory_skip == Skip::not_enough_data) {
        r.status = "not_enough_data";
      } else if (p.cpu_skip == Skip::hpa || p.memory_skip == Skip::hpa) {
        r.status = p.cpu_request_m || p.memory_bytes ? "ok" : "hpa";
      } else {
        r.status = "ok";
      }
      r.severity = severity;
      for (std::size_t i = 0; i < why.size(); ++i) r.reason += (i ? "; " : "") + why[i];
      if (r.pods > 1) r.reason += " (busiest of " + std::to_string(r.pods) + " pods)";

      // Dollars: each pod's share of its node, with the current requests and with the recommended ones (a resource
      // without a recommendation keeps its current request).
      const double cpu_now = static_cast<double>(current.cpu_request_m.value_or(0)) / 1000;
      const double mem_now = static_cast<double>(current.memory_request_bytes.value_or(0));
      const double cpu_rec = p.cpu_request_m ? static_cast<double>(*p.cpu_request_m) / 1000 : cpu_now;
      const double mem_rec = p.memory_bytes ? static_cast<double>(*p.memory_bytes) : mem_now;
      double now = 0, after = 0;
      bool priced = false, unknown = false;
      for (const auto* pod : group.pods) {
        if (!pod->node_name) continue;
        const auto* price = node_price(*pod->node_name);
        const auto costs =
            price ? container_hourly(*price, pod_requests(*pod), {cpu_now, mem_now}, {cpu_rec, mem_rec}) : std::nullopt;
        if (!costs) {
          unknown = true;
          continue;
        }
        priced = true;
        now += costs->first * hours;
        after += costs->second * hours;
      }
      if (priced && !unknown) {
        r.monthly_cost_now = now;
        r.monthly_cost_recommended = after;
        r.monthly_savings = now - after;
        report.totals.monthly_cost_now += now;
        report.totals.monthly_cost_recommended += after;
      }
      report.recommendations.push_back(std::move(r));
    }
  }
  report.totals.monthly_savings = report.totals.monthly_cost_now - report.totals.monthly_cost_recommended;
  std::stable_sort(report.recommendations.begin(), report.recommendations.end(),
                   [](const Recommendation& a, const Recommendation& b) {
                     const double x = a.monthly_savings.value_or(-1e300), y = b.monthly_savings.value_or(-1e300);
                     if (x != y) return x > y;
                     return std::tie(a.ns, a.workload, a.container) < std::tie(b.ns, b.workload, b.container);
                   });
  report.total_recommendations = report.recommendations.size();

  // Savings per workload and per namespace, from every priced container (before max_results).
  std::map<std::tuple<std::string, std::string, std::string>, Totals> workloads;
  std::map<std::string, Totals> per_namespace;
  for (const auto& r : report.recommendations) {
    if (!r.monthly_cost_now) continue;
    for (auto* t : {&workloads[{r.ns, r.kind, r.workload}], &per_namespace[r.ns]}) {
      t->monthly_cost_now += *r.monthly_cost_now;
      t->monthly_cost_recommended += *r.monthly_cost_recommended;
      t->monthly_savings += *r.monthly_savings;
    }
  }
  const auto by_savings = [](const GroupTotals& a, const GroupTotals& b) {
    if (a.totals.monthly_savings != b.totals.monthly_savings)
      return a.totals.monthly_savings > b.totals.monthly_savings;
    return std::tie(a.ns, a.kind, a.name) < std::tie(b.ns, b.kind, b.name);
  };
  for (const auto& [key, t] : workloads)
    report.workloads.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), t});
  for (const auto& [ns, t] : per_namespace) report.namespaces.push_back({ns, "", "", t});
  std::sort(report.workloads.begin(), report.workloads.end(), by_savings);
  std::sort(report.namespaces.begin(), report.namespaces.end(), by_savings);
  if (report.workloads.size() > request.max_results) report.workloads.resize(request.max_results);
  if (report.recommendations.size() > request.max_results) report.recommendations.resize(request.max_results);
  return report;
}

nlohmann::json to_json(const Recommendation& r) {
  const auto cpu = [](std::optional<std::int64_t> m) -> nlohmann::json {
    return m ? nlohmann::json(cpu_quantity(*m)) : nlohmann::json(nullptr);
  };
  const auto mem = [](std::optional<std::int64_t> b) -> nlohmann::json {
    return b ? nlohmann::json(memory_quantity(*b)) : nlohmann::json(nullptr);
  };
  const auto quantities = [&](const Quantities& q) {
    return nlohmann::json{{"cpu_request", cpu(q.cpu_request_m)},
                          {"cpu_limit", cpu(q.cpu_limit_m)},
                          {"memory_request", mem(q.memory_request_bytes)},
                          {"memory_limit", mem(q.memory_limit_bytes)}};
  };
  const auto stats = [](const Stats& s, bool is_cpu) -> nlohmann::json {
    if (s.points <= 0) return nullptr;
    const auto q = [&](double v) { return is_cpu ? cpu_quantity(millicores_up(v)) : memory_quantity(mebibytes_up(v)); };
    return {{"p50", q(s.p50)}, {"p95", q(s.pq)}, {"max", q(s.max)}, {"points", s.points}};
  };
  const auto money = [](std::optional<double> v) -> nlohmann::json {
    return v ? nlohmann::json(cents(*v)) : nlohmann::json(nullptr);
  };
  return {{"id", r.id},
          {"namespace", r.ns},
          {"workload", {{"kind", r.kind}, {"name", r.workload}}},
          {"container", r.container},
          {"pods", r.pods},
          {"current", quantities(r.current)},
          {"recommended", quantities(r.recommended)},
          {"usage", {{"cpu", stats(r.usage.cpu, true)}, {"memory", stats(r.usage.memory, false)}}},
          {"points", r.usage.cpu.points},
          {"status", r.status},
          {"severity", r.severity},
          {"monthly_cost_now", money(r.monthly_cost_now)},
          {"monthly_cost_recommended", money(r.monthly_cost_recommended)},
          {"monthly_savings", money(r.monthly_savings)},
          {"reason", r.reason}};
}

nlohmann::json to_json(const Report& report) {
  nlohmann::json recs = nlohmann::json::array();
  for (const auto& r : report.recommendations) recs.push_back(to_json(r));
  const auto money = [](const Totals& t) {
    return nlohmann::json{{"monthly_cost_now", cents(t.monthly_cost_now)},
                          {"monthly_cost_recommended", cents(t.monthly_cost_recommended)},
                          {"monthly_savings", cents(t.monthly_savings)}};
  };
  nlohmann::json workloads = nlohmann::json::array(), namespaces = nlohmann::json::array();
  for (const auto& w : report.workloads) {
    auto entry = money(w.totals);
    entry["namespace"] = w.ns;
    entry["workload"] = {{"kind", w.kind}, {"name", w.name}};
    workloads.push_back(std::move(entry));
  }
  for (const auto& n : report.namespaces) {
    auto entry = money(n.totals);
    entry["namespace"] = n.ns;
    namespaces.push_back(std::move(entry));
  }
  return {{"recommendations", std::move(recs)},
          {"total_recommendations", report.total_recommendations},
          {"workloads", std::move(workloads)},
          {"namespaces", std::move(namespaces)},
          {"totals",
           {{"monthly_cost_now", cents(report.totals.monthly_cost_now)},
            {"monthly_cost_recommended", cents(report.totals.monthly_cost_recommended)},
            {"monthly_savings", cents(report.totals.monthly_savings)}}},
          {"data_source", report.data_source},
          {"queries", report.queries},
          {"percentile", report.percentile},
          {"warnings", report.warnings}};
}

}  // namespace eks::cost
