// recommend_rightsizing: requests and limits each workload's containers should have, from their usage history
// (Robusta KRR's simple strategy by default), and what that saves in dollars (each pod's request-based share of
// its node's price, as OpenCost allocates). Reads the cluster and Prometheus; changes nothing.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <regex>
#include <set>
#include <sstream>

#include "schemas/schemas.hpp"
#include "tools/cost/prices.hpp"
#include "tools/cost/prometheus.hpp"
#include "tools/cost/rightsizing.hpp"
#include "tools/cost/samples.hpp"
#include "tools/deep_analysis.hpp"
#include "tools/rightsizing.hpp"
#include "tools/toolset.hpp"

namespace eks::tools {
namespace {

struct RightsizingQuery {
  std::optional<std::string> ns;
  std::optional<std::string> workload;
  std::optional<int> history_days;
  bool include_hpa = false;
  std::size_t max_results = 100;
  std::optional<std::string> depth;
};

void from_json(const nlohmann::json& j, RightsizingQuery& q) {
  server::argument(j, "namespace", q.ns);
  server::argument(j, "workload", q.workload);
  server::argument(j, "history_days", q.history_days);
  server::argument(j, "include_hpa", q.include_hpa);
  server::argument(j, "max_results", q.max_results);
  server::argument(j, "depth", q.depth);
}

constexpr const char* kAgent = "k8s-cost-optimizer";

struct Rightsizing {
  cost::Report report;
  agents::Outcome outcome;  // the explanation, or why there is none
  std::string note;         // why no model ran, when that is expected
};

void to_json(nlohmann::json& j, const Rightsizing& r) {
  j = cost::to_json(r.report);
  if (r.outcome.answer)
    j["explanation"] = {{"summary", r.outcome.answer->value("summary", "")},
                        {"notes", r.outcome.answer->value("notes", nlohmann::json::array())}};
  j["analysis"] = agents::analysis_json(r.outcome);
  if (!r.note.empty()) j["analysis"]["note"] = r.note;
}

std::string money(double v) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(2);
  out << "$" << v;
  return out.str();
}

std::string change(const nlohmann::json& now, const nlohmann::json& after) {
  const auto text = [](const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : std::string("-"); };
  if (after.is_null()) return text(now);
  return text(now) + "→" + text(after);
}

// A short table a model can read: the totals and the 20 largest savings; the rest is in the structured result.
std::string render_text(const Rightsizing& r) {
  constexpr std::size_t kRows = 20;
  const auto& rep = r.report;
  const auto json = cost::to_json(rep);
  std::string text = "# Right-sizing: " + std::to_string(rep.total_recommendations) + " containers, " +
                     money(rep.totals.monthly_cost_now) + "/month now, " + money(rep.totals.monthly_cost_recommended) +
                     " recommended, " + money(rep.totals.monthly_savings) + " saved\n";
  std::ostringstream rule;
  rule << "CPU request = p" << rep.percentile << " of usage, no CPU limit; memory = peak + " << rep.memory_buffer * 100
       << "%";
  text += "Usage from " + rep.data_source + " (" + std::to_string(rep.queries) + " queries); " + rule.str() + ".\n\n";
  text += "| workload | container | CPU request | memory request/limit | saves/month | severity |\n";
  text += "|---|---|---|---|---|---|\n";
  std::size_t shown = 0;
  for (const auto& rec : json["recommendations"]) {
    if (shown++ == kRows) break;
    const auto& cur = rec["current"];
    const auto& recd = rec["recommended"];
    text += "| " + rec["namespace"].get<std::string>() + "/" + rec["workload"]["name"].get<std::string>() + " | " +
            rec["container"].get<std::string>() + " | " + change(cur["cpu_request"], recd["cpu_request"]) + " | " +
            change(cur["memory_request"], recd["memory_request"]) + " | " +
            (rec["monthly_savings"].is_number() ? money(rec["monthly_savings"].get<double>()) : std::string("?")) +
            " | " + rec["severity"].get<std::string>() +
            (rec["status"] != "ok" ? " (" + rec["status"].get<std::string>() + ")" : "") + " |\n";
  }
  if (rep.total_recommendations > std::min(kRows, rep.recommendations.size())) {
    text += "\n" + std::to_string(rep.total_recommendations - std::min(kRows, rep.recommendations.size())) +
            " more in the structured result (sorted by savings; each with its reason and usage).\n";
  }
  for (const auto& w : rep.warnings) text += "\nWarning: " + w;
  if (!rep.warnings.empty()) text += "\n";
  if (const auto& answer = r.outcome.answer) {
    text += "\n## Explanation (" + std::string(kAgent) + "; the figures above are ours)\n\n" +
            answer->value("summary", "") + "\n";
    for (const auto& n : answer->value("notes", nlohmann::json::array()))
      text += "- " + n.value("id", "") + ": " + n.value("note", "") + "\n";
  } else if (!r.outcome.failure.empty()) {
    text += "\nNo explanation (" + r.outcome.failure + "); the recommendations above stand on their own.\n";
  }
  return text;
}

// The dollar amounts a model's words may use: ours, to the cent or to the dollar.
std::vector<double> figures_of(const nlohmann::json& recommendations, const cost::Totals& totals) {
  std::vector<double> out{totals.monthly_cost_now, totals.monthly_cost_recommended, totals.monthly_savings};
  for (const auto& r : recommendations)
    for (const char* key : {"monthly_cost_now", "monthly_cost_recommended", "monthly_savings"})
      if (r.contains(key) && r[key].is_number()) out.push_back(r[key].get<double>());
  return out;
}

// The first dollar amount in `text` that is none of `figures` (a model may round to whole dollars), or nullopt.
std::optional<std::string> invented_amount(const std::string& text, const std::vector<double>& figures) {
  static const std::regex amount(R"(\$\s*([0-9][0-9,]*(\.[0-9]+)?))");
  for (std::sregex_iterator it(text.begin(), text.end(), amount), end; it != end; ++it) {
    std::string digits = (*it)[1].str();
    std::erase(digits, ',');
    const double value = std::strtod(digits.c_str(), nullptr);
    const bool cents = (*it)[2].matched;
    const bool ours = std::any_of(figures.begin(), figures.end(), [&](double f) {
      return cents ? std::abs(f - value) < 0.005 + 1e-9 : std::abs(std::round(f) - value) < 0.5;
    });
    if (!ours) return it->str();
  }
  return std::nullopt;
}

// The k8s-cost-optimizer reads the largest recommendations (and may read the cluster with its read-only tools) and
// explains them: what to change first, what could go wrong. Its words only; an amount it invents is refused.
agents::Outcome explain(const agents::Runtime& runtime, const cost::Report& report, server::CallContext& context) {
  constexpr std::size_t kTop = 10;
  const auto all = cost::to_json(report)["recommendations"];
  nlohmann::json chosen = nlohmann::json::array();
  std::set<std::string> ids;
  for (std::size_t i = 0; i < all.size() && i < kTop; ++i) {
    ids.insert(all[i]["id"].get<std::string>());
    chosen.push_back(all[i]);
  }
  const auto figures = figures_of(chosen, report.totals);
  agents::Task task;
  task.agent = kAgent;
  task.prompt = "recommend_rightsizing computed " + std::to_string(report.total_recommendations) +
                " recommendations from " + report.data_source + " usage; the " + std::to_string(chosen.size()) +
                " with the largest savings are below, with the totals " +
                nlohmann::json(cost::to_json(report)["totals"]).dump() +
                ". Explain them to the on-call engineer in a few sentences: what they mean, what to change first and "
                "the risks (a rare peak, an HPA, too little history). You may read the cluster with your tools. The "
                "figures are computed and final: do not compute new ones, and write only dollar amounts that appear "
                "here. Call submit_result once.\n\n" +
                agents::untrusted("recommend_rightsizing recommendations", chosen.dump(2));
  task.answer_schema = nlohmann::json::parse(schemas::text("recommend_rightsizing.answer"));
  task.check = [ids, figures](const nlohmann::json& answer) -> std::optional<std::string> {
    for (const auto& n : answer.value("notes", nlohmann::json::array()))
      if (!ids.count(n.value("id", ""))) return "/notes: \"" + n.value("id", "") + "\" is not one of the ids given";
    std::string words = answer.value("summary", "");
    for (const auto& n : answer.value("notes", nlohmann::json::array())) words += "\n" + n.value("note", "");
    if (auto amount = invented_amount(words, figures))
      return "the amount " + *amount + " is not one of the figures given; use only the dollar amounts given";
    return std::nullopt;
  };
  task.progress = [&context](const std::string& step) { context.progress(2.5, 3, "explain: " + step); };
  return runtime.investigate(task, [&context] { return context.cancelled(); });
}

// Without Prometheus: the metrics API's current usage (pods_top through the Kubernetes upstream), one point per
// container, never enough for a recommendation; it says so and how to get a history.
class MetricsApiUsage final : public cost::UsageSource {
 public:
  explicit MetricsApiUsage(const cluster::ClusterState& state) : state_(state) {}
  tl::expected<cost::NamespaceUsage, std::string> namespace_usage(const std::string& ns, int, cluster::Time,
                                                                  const cost::Strategy&) override {
    if (!state_.pod_metrics) {
      return tl::unexpected(std::string(
          "no Prometheus configured (cost.prometheus.url) and the metrics API is not available in the cluster"));
    }
    cost::NamespaceUsage out;
    for (const auto& pm : *state_.pod_metrics) {
      if (pm.ns != ns) continue;
      for (const auto& c : pm.containers) {
        auto& u = out[{pm.name, c.name}];
        if (const auto it = c.usage.find("cpu"); it != c.usage.end()) {
          const double cores = static_cast<double>(cluster::cpu_millicores(it->second).value_or(0)) / 1000;
          u.cpu = {cores, cores, cores, 1};
        }
        if (const auto it = c.usage.find("memory"); it != c.usage.end()) {
          const double bytes = static_cast<double>(cluster::bytes(it->second).value_or(0));
          u.memory = {bytes, bytes, bytes, 1};
        }
      }
    }
    return out;
  }
  int queries() const override { return 0; }
  std::string describe() const override { return "metrics-api"; }

 private:
  const cluster::ClusterState& state_;
};

// The instant the usage history ends: a whole step, so Prometheus's subqueries and the samples' instants fall on
// the same times whatever the clock says.
cluster::Time history_end(const cost::Settings& settings) {
  const auto step = std::max(1, settings.prometheus.step_seconds);
  const auto t =
      settings.evaluation_time.value_or(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
  const auto seconds = t.time_since_epoch().count();
  return cluster::Time{std::chrono::seconds(seconds - seconds % step)};
}

server::Result<Rightsizing> run(const Services& services, const RightsizingQuery& query, server::CallContext& context) {
  cost::Request request;
  request.ns = query.ns;
  request.workload = query.workload;
  request.history_days = query.history_days.value_or(services.cost.history_days);
  request.include_hpa = query.include_hpa;
  request.max_results = query.max_results;
  auto done = rightsizing_report(services, request, context);
  if (!done) return tl::unexpected(done.error());
  Rightsizing out{std::move(done->report), {}, {}};
  auto depth = deep::run(query.depth, services.agents.get(), kAgent, [&] {
    if (out.report.recommendations.empty()) {
      out.note = "nothing to explain: no recommendations";
      return deep::without_model(services.agents.get(), kAgent, "");
    }
    return explain(*services.agents, out.report, context);
  });
  if (context.cancelled()) return server::tool_error("recommend_rightsizing was cancelled");
  out.outcome = std::move(depth.outcome);
  if (!depth.note.empty()) out.note = std::move(depth.note);
  context.progress(3, 3, "done");
  return out;
}

}  // namespace

server::Result<RightsizingRun> rightsizing_report(const Services& services, const cost::Request& request,
                                                  server::CallContext& context) {
  if (!services.cluster) {
    return server::tool_error(
        "recommend_rightsizing has no cluster to read: start eks-sre-mcp with --snapshot DIR, or with a kubeconfig "
        "so it can reach the upstream Kubernetes MCP server");
  }
  const auto& settings = services.cost;
  auto prices = cost::PriceTable::load(settings.prices_file);
  if (!prices) return server::tool_error("recommend_rightsizing cannot read its prices: " + prices.error());
  context.progress(0, 3, "fetch: reading the cluster from " + services.cluster->describe());
  cluster::LoadScope scope;
  scope.ns = request.ns;
  scope.kinds = {"Pod",
                 "Node",
                 "ReplicaSet",
                 "Deployment",
                 "StatefulSet",
                 "DaemonSet",
                 "Job",
                 "CronJob",
                 "HorizontalPodAutoscaler",
                 "PodDisruptionBudget"};
  scope.events = false;
  scope.metrics = settings.prometheus.url.empty();
  auto state = services.cluster->load(scope);
  if (!state) return server::tool_error("recommend_rightsizing could not read the cluster: " + state.error());
  if (context.cancelled()) return server::tool_error("recommend_rightsizing was cancelled");
  const cluster::Time end = history_end(settings);

  std::unique_ptr<cost::UsageSource> usage;
  std::string data_source = "prometheus";
  if (!settings.prometheus.url.empty()) {
    usage = cost::make_prometheus_source(settings.prometheus);
    context.progress(1, 3, "usage: querying Prometheus at " + settings.prometheus.url);
  } else if (!settings.samples_file.empty()) {
    // The history builds up here: each call (and each monitor cycle) adds the metrics API's current usage.
    auto store = cost::SampleStore::open(settings.samples_file);
    if (!store) return server::tool_error("recommend_rightsizing: " + store.error());
    if (state->pod_metrics) {
      if (auto recorded = (*store)->record(*state->pod_metrics, end); !recorded)
        return server::tool_error("recommend_rightsizing: " + recorded.error());
    }
    usage = cost::make_sample_source(std::move(*store));
    data_source = "metrics-api";
    context.progress(1, 3, "usage: the metrics API's samples in " + settings.samples_file);
  } else {
    usage = std::make_unique<MetricsApiUsage>(*state);
    data_source = "metrics-api";
    context.progress(1, 3, "usage: the metrics API (no Prometheus configured)");
  }
  auto report = cost::rightsize(*state, *usage, *prices, settings, request, end);
  if (!report) return server::tool_error("recommend_rightsizing could not read usage: " + report.error());
  report->data_source = data_source;
  if (data_source == "metrics-api") {
    for (auto& r : report->recommendations) {
      if (r.status != "not_enough_data") continue;
      r.status = "low_confidence";
      r.reason = "low confidence: the metrics API's samples only; " + r.reason;
    }
    report->warnings.push_back(
        "no Prometheus configured (cost.prometheus.url): usage comes from the metrics API, one sample per call" +
        std::string(settings.samples_file.empty() ? " (not kept)"
                                                  : " or monitor cycle, kept in " + settings.samples_file) +
        "; a recommendation needs " + std::to_string(settings.strategy.points_required) + " points");
  }
  context.progress(2, 3, "right-sized");
  return RightsizingRun{std::move(*report), std::move(*state)};
}

tl::expected<std::size_t, std::string> record_usage_sample(const Services& services) {
  if (!services.cluster) return tl::unexpected(std::string("no cluster to read"));
  if (services.cost.samples_file.empty()) return tl::unexpected(std::string("no samples file (cost.samples_file)"));
  cluster::LoadScope scope;
  scope.kinds = {"PodMetrics"};  // the metrics lists only
  scope.events = false;
  scope.fresh = true;
  auto state = services.cluster->load(scope);
  if (!state) return tl::unexpected("the cluster could not be read: " + state.error());
  if (!state->pod_metrics) return tl::unexpected(std::string("the cluster serves no metrics API (metrics-server)"));
  auto store = cost::SampleStore::open(services.cost.samples_file);
  if (!store) return tl::unexpected(store.error());
  return (*store)->record(*state->pod_metrics, history_end(services.cost));
}

server::ToolDef recommend_rightsizing_tool(const Services& services) {
  return server::ToolDef{
      .name = "recommend_rightsizing",
      .title = "Cost: right-size requests and limits",
      .description =
          "Recommend CPU and memory requests and limits for each workload's containers from their usage history "
          "(Prometheus: CPU request = the 95th percentile of usage, no CPU limit; memory request = limit = peak "
          "working set + 15%, more after an OOM kill; fewer than 100 data points or a resource an HPA scales on: no "
          "recommendation), with the monthly cost now and after (each pod's request share of its node's EC2, spot or "
          "Fargate price) and the savings, largest first. With depth deep (the default when a model is configured) "
          "the k8s-cost-optimizer subagent adds a short explanation in words; the figures stay ours. Read-only: it "
          "changes nothing; propose_remediation turns a recommendation id into a plan.",
      .input_schema = "recommend_rightsizing.input",
      .output_schema = "recommend_rightsizing.output",
      .annotations = {.read_only = true, .destructive = false, .idempotent = true, .open_world = true},
      .safety = server::SafetyClass::read_only,
      .handler = server::typed<RightsizingQuery, Rightsizing>(
          [&services](const RightsizingQuery& in, server::CallContext& ctx) { return run(services, in, ctx); }),
  };
}

}  // namespace eks::tools
