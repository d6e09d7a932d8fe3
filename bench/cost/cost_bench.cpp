// cost_bench: right-sizing 1,000 containers (50 namespaces × 20 single-container pods, on 25 m5.xlarge nodes) from
// 14 days of 1-minute samples in a real Prometheus. Generates the histories, backfills them with promtool, starts
// Prometheus on 127.0.0.1, then times rightsize() end to end (the queries and the arithmetic) and reports the
// number of queries, this process's peak RSS and Prometheus's.
//
//   cost_bench [--containers N] [--days D] [--scrape SECONDS] [--step SECONDS] [--runs R] [--parallel P]
//              [--tsdb DIR]   (build the TSDB in DIR once and reuse it: the end time is then DIR's, not now)
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "tests/tools/cost/prometheus_fixture.hpp"
#include "tools/cost/rightsizing.hpp"

namespace {

using eks::cost::testing::Pattern;

long peak_rss_kib_of(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  int containers = 1000, days = 14, scrape = 60, step = 300, runs = 3, parallel = 4;
  std::string tsdb;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const int value = std::atoi(argv[i + 1]);
    if (flag == "--tsdb") {
      tsdb = argv[i + 1];
      continue;
    }
    if (flag == "--containers") containers = value;
    else if (flag == "--days") days = value;
    else if (flag == "--scrape") scrape = value;
    else if (flag == "--step") step = value;
    else if (flag == "--runs") runs = value;
    else if (flag == "--parallel") parallel = value;
    else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  constexpr int kPodsPerNamespace = 20;
  const int namespaces = (containers + kPodsPerNamespace - 1) / kPodsPerNamespace;
  long long now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()).time_since_epoch().count();
  // A kept TSDB ends where it was built: its end time is remembered beside it.
  if (!tsdb.empty()) {
    std::filesystem::create_directories(tsdb);
    std::ifstream in(tsdb + "/end");
    if (!(in >> now)) std::ofstream(tsdb + "/end") << now;
  }
  const std::int64_t end = now - now % step;
  const std::int64_t start = end - static_cast<std::int64_t>(days) * 86400 - scrape;
  const std::size_t samples = static_cast<std::size_t>(days) * 86400 / scrape + 2;

  // The cluster: pods with requests, each on one of 25 m5.xlarge nodes in us-east-1.
  eks::cluster::ClusterState state;
  state.now = eks::cluster::Time(std::chrono::seconds(end));
  constexpr int kNodes = 25;
  for (int n = 0; n < kNodes; ++n) {
    state.add({{"apiVersion", "v1"},
               {"kind", "Node"},
               {"metadata",
                {{"name", "ip-10-0-0-" + std::to_string(n)},
                 {"labels",
                  {{"node.kubernetes.io/instance-type", "m5.xlarge"},
                   {"topology.kubernetes.io/region", "us-east-1"},
                   {"eks.amazonaws.com/capacityType", n % 5 == 0 ? "SPOT" : "ON_DEMAND"}}}}},
               {"status", {{"allocatable", {{"cpu", "3920m"}, {"memory", "15136204Ki"}}}}}});
  }
  const Pattern patterns[] = {Pattern::steady, Pattern::spiky, Pattern::growing, Pattern::idle, Pattern::oom_killing};
  for (int i = 0; i < containers; ++i) {
    const std::string ns = "team-" + std::to_string(i / kPodsPerNamespace);
    const std::string pod = "app-" + std::to_string(i);
    state.add({{"apiVersion", "v1"},
               {"kind", "Pod"},
               {"metadata", {{"name", pod}, {"namespace", ns}}},
               {"spec",
                {{"nodeName", "ip-10-0-0-" + std::to_string(i % kNodes)},
                 {"containers",
                  {{{"name", "app"},
                    {"resources",
                     {{"requests", {{"cpu", "250m"}, {"memory", "512Mi"}}}, {"limits", {{"memory", "1Gi"}}}}}}}}}},
               {"status", {{"phase", "Running"}}}});
  }
  state.build_indexes();

  std::fprintf(stderr, "generating and backfilling %d containers × %d days at %d s (%zu samples)...\n", containers,
               days, scrape, 2 * samples * static_cast<std::size_t>(containers));
  const auto began = std::chrono::steady_clock::now();
  eks::cost::testing::History current;
  const auto make = [&](std::size_t i) -> const eks::cost::testing::History& {
    current = eks::cost::testing::generate("team-" + std::to_string(i / kPodsPerNamespace), "app-" + std::to_string(i),
                                           "app", patterns[i % 5], samples, 0, scrape);
    return current;
  };
  eks::cost::testing::RealPrometheus prometheus(
      [&](const std::filesystem::path& file) {
        eks::cost::testing::write_openmetrics(file, static_cast<std::size_t>(containers), make, start, scrape);
      },
      std::chrono::minutes(30), tsdb);
  current = {};
  if (!prometheus.error().empty()) {
    std::fprintf(stderr, "%s\n", prometheus.error().c_str());
    return 1;
  }
  const double setup = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();

  eks::cost::Settings settings;
  settings.prometheus.url = prometheus.url();
  settings.prometheus.step_seconds = step;
  settings.prometheus.timeout_ms = 120000;
  settings.prometheus.parallel = parallel;
  const auto prices = eks::cost::PriceTable::load();
  eks::cost::Request request;
  request.history_days = days;
  request.max_results = static_cast<std::size_t>(containers);
  std::printf(
      "containers %d, namespaces %d, days %d, scrape %d s, step %d s; setup (generate + promtool + start) %.1f s, "
      "promtool %.1f s\n",
      containers, namespaces, days, scrape, step, setup, prometheus.backfill_seconds());
  for (int run = 0; run < runs; ++run) {
    auto usage = eks::cost::make_prometheus_source(settings.prometheus);
    const auto t0 = std::chrono::steady_clock::now();
    const auto report = eks::cost::rightsize(state, *usage, *prices, settings, request, state.now);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!report) {
      std::fprintf(stderr, "rightsize failed: %s\n", report.error().c_str());
      return 1;
    }
    std::size_t recommended = 0;
    for (const auto& r : report->recommendations) recommended += r.recommended.memory_request_bytes ? 1 : 0;
    std::printf(
        "run %d: %.2f s, %d queries (%.1f per namespace), %zu recommendations (%zu with memory), "
        "savings $%.2f/month\n",
        run + 1, seconds, report->queries, static_cast<double>(report->queries) / namespaces,
        report->recommendations.size(), recommended, report->totals.monthly_savings);
  }
  rusage self{};
  getrusage(RUSAGE_SELF, &self);
  std::printf("peak RSS: cost_bench %.0f MiB, prometheus %.0f MiB\n", static_cast<double>(self.ru_maxrss) / 1024,
              static_cast<double>(peak_rss_kib_of(prometheus.pid())) / 1024);
  return 0;
}
