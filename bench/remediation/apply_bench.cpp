// apply_bench: what apply_remediation adds to the upstream call it makes. The server is built as `serve` builds
// it (app::build: validator, audit log, plan store, gateway to the real kubernetes-mcp-server), against kubesim
// serving examples/scenarios/dependency-crash, whose crash-looping pod comes back after each restart. Each round
// proposes the restart (auto in auto mode), applies it without verification, and splits apply's time into
//   re-read: the fresh read of the target's namespace and its analysis (stale_plan and finding checks),
//   upstream: the pods_delete call through the gateway (the validator's decision, kubernetes-mcp-server, kubesim),
//   rest: everything else apply does (plan lookup, breaker and approval bookkeeping, audit lines).
// Beside it, the same pods_delete sent straight through the gateway, as `eks-sre-mcp upstream call` sends it.
// Medians of --rounds rounds (default 15). A benchmark, not a test: never registered with ctest.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/config.hpp"
#include "app/wiring.hpp"
#include "tests/fixtures/kubesim_process.hpp"
#include "tools/toolset.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Notes when apply reports each step (its progress messages), so the re-read can be told from the calls.
class StepClock final : public eks::server::CallContext {
 public:
  bool cancelled() const override { return false; }
  void progress(double done, std::optional<double>, std::string_view) override {
    steps.emplace_back(done, Clock::now());
  }
  void log(eks::server::LogLevel, std::string_view) override {}
  eks::protocol::Era era() const override { return eks::protocol::Era::handshake; }
  const std::string& protocol_version() const override { return version_; }
  const json& client_info() const override { return client_; }
  std::vector<std::pair<double, Clock::time_point>> steps;

 private:
  std::string version_ = "2025-11-25";
  json client_ = {{"name", "apply_bench"}, {"version", "1"}};
};

std::string fixed(double v, int digits = 1) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 15;
  fs::path upstream = fs::path(EKS_SOURCE_DIR) / "tests" / "node_modules" / ".bin" / "kubernetes-mcp-server";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--rounds" && i + 1 < argc) rounds = std::max(1, std::atoi(argv[++i]));
    else if (a == "--upstream" && i + 1 < argc) upstream = argv[++i];
    else {
      std::cerr << "usage: apply_bench [--rounds N] [--upstream PATH]\n";
      return 2;
    }
  }
  const fs::path work = fs::temp_directory_path() / ("eks-apply-bench-" + std::to_string(::getpid()));
  fs::create_directories(work);
  eks::test_fixtures::Kubesim sim(EKS_KUBESIM, fs::path(EKS_SOURCE_DIR) / "examples" / "scenarios" / "dependency-crash",
                                  work);
  if (!sim.ready()) {
    std::cerr << "kubesim did not start: " << sim.log_text() << "\n";
    return 1;
  }
  // Auto mode, and limits far above what the rounds use: the figure is apply's own cost, not a refusal. The
  // upstream's Kubernetes client would otherwise throttle itself to 5 requests a second after a burst of 10
  // (client-go's defaults), which after a few rounds is all the re-read measures.
  std::ofstream(work / "config.yaml") << "mode: auto\nmcpServers:\n  kubernetes:\n    command: " << upstream.string()
                                      << "\n    connect_timeout_ms: 30000\n    env: {KUBE_CLIENT_QPS: \"200\", "
                                         "KUBE_CLIENT_BURST: \"400\"}\n";
  std::ofstream(work / "policy.yaml") << "mode: auto\nrate_limits: {cluster: 100000, per_namespace: 100000}\n";
  eks::app::LoadOptions load;
  load.file = work / "config.yaml";
  load.search_default_files = false;
  load.environment = {{"XDG_STATE_HOME", (work / "state").string()}, {"HOME", work.string()}};
  load.kubeconfig = sim.kubeconfig().string();
  load.policy = (work / "policy.yaml").string();
  load.log_level = "error";
  auto config = eks::app::load_config(load);
  if (!config) {
    std::cerr << config.error() << "\n";
    return 1;
  }
  auto app = eks::app::build(*config);
  if (!app) {
    std::cerr << app.error() << "\n";
    return 1;
  }
  eks::tools::Services services = (*app)->services;
  // Every round reads the cluster as it is: the server's 10 s read cache would hand a round the pods the last one
  // deleted.
  services.cluster = eks::cluster::make_upstream_source(*(*app)->gateway, {});
  const auto send = services.kubernetes;
  double upstream_ms = 0;
  services.kubernetes = [&](const std::string& tool, const json& args, const std::string& actor) {
    const auto t0 = Clock::now();
    auto r = send(tool, args, actor);
    upstream_ms += ms(Clock::now() - t0);
    return r;
  };
  const auto propose = eks::tools::propose_remediation_tool(services);
  const auto apply = eks::tools::apply_remediation_tool(services);

  std::vector<double> total, reread, upstream_calls, rest, direct;
  std::string failure;
  for (int round = 0; round < rounds + 1 && failure.empty(); ++round) {  // round 0 warms the upstream up
    StepClock ctx;
    auto proposed = propose.handler(json{{"namespace", "shipping"}}, ctx);
    if (!proposed) {
      failure = proposed.error().message;
      break;
    }
    std::string plan_id, pod;
    for (const auto& p : proposed->structured["plans"])
      if (p["actions"][0]["type"] == "restart_pod" && p["actions"][0]["verdict"] == "auto") {
        plan_id = p["plan_id"];
        pod = p["actions"][0]["target"]["name"];
      }
    if (plan_id.empty()) {
      failure = "no auto restart_pod plan: " + proposed->structured.dump();
      break;
    }
    StepClock steps;
    upstream_ms = 0;
    const auto t0 = Clock::now();
    auto applied = apply.handler(json{{"plan_id", plan_id}, {"verify_timeout_seconds", 0}}, steps);
    const double apply_ms = ms(Clock::now() - t0);
    if (!applied || applied->structured["status"] != "applied") {
      failure = applied ? applied->structured.dump() : applied.error().message;
      break;
    }
    // Progress 0 opens the re-read, progress 1 opens the calls.
    double read_ms = 0;
    for (std::size_t i = 1; i < steps.steps.size(); ++i)
      if (steps.steps[i].first == 1) read_ms = ms(steps.steps[i].second - steps.steps[i - 1].second);
    // The same kind of call straight through the gateway, on the pod the restart created.
    StepClock again;
    auto fresh = propose.handler(json{{"namespace", "shipping"}}, again);
    std::string next_pod;
    if (fresh)
      for (const auto& p : fresh->structured["plans"])
        if (p["actions"][0]["type"] == "restart_pod") next_pod = p["actions"][0]["target"]["name"];
    double direct_ms = 0;
    if (!next_pod.empty()) {
      const auto d0 = Clock::now();
      (void)send("resources_delete",
                 {{"apiVersion", "v1"}, {"kind", "Pod"}, {"namespace", "shipping"}, {"name", next_pod}}, "bench");
      direct_ms = ms(Clock::now() - d0);
    }
    if (round == 0) continue;
    total.push_back(apply_ms);
    reread.push_back(read_ms);
    upstream_calls.push_back(upstream_ms);
    rest.push_back(apply_ms - read_ms - upstream_ms);
    if (direct_ms > 0) direct.push_back(direct_ms);
  }
  (*app)->gateway->stop();
  std::error_code ec;
  fs::remove_all(work, ec);
  if (!failure.empty()) {
    std::cerr << "apply_bench: " << failure << "\n";
    return 1;
  }
  std::cout << "| apply_remediation, one restart_pod (medians of " << total.size() << " rounds) | ms |\n|---|---|\n"
            << "| apply end to end, verification off | " << fixed(median(total)) << " |\n"
            << "|   re-read of the namespace + analysis (stale-plan and finding checks) | " << fixed(median(reread))
            << " |\n"
            << "|   the upstream call through the gateway (validator, kubernetes-mcp-server, kubesim) | "
            << fixed(median(upstream_calls)) << " |\n"
            << "|   the rest (plan lookup, breaker and approval bookkeeping, audit) | " << fixed(median(rest)) << " |\n"
            << "| the same pods delete sent straight through the gateway | " << fixed(median(direct)) << " |\n"
            << "| apply minus the direct call | " << fixed(median(total) - median(direct)) << " |\n";
  return 0;
}
