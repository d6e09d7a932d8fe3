// Every example scenario (examples/scenarios/*) through SnapshotSource and the analyzers: the right top finding
// (reason, resource, root-cause category, evidence), nothing at warning or above on any other resource, the
// healthy cluster clean, ids stable, and the 10k-pod generated cluster analysed fast.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "tools/analyzers/analyze.hpp"
#include "tools/cluster/source.hpp"

namespace eks::analyzers {
namespace {

namespace fs = std::filesystem;

const std::string kScenarios = std::string(EKS_SOURCE_DIR) + "/examples/scenarios/";

struct Loaded {
  std::unique_ptr<cluster::ClusterSource> source;
  cluster::ClusterState state;
};

Loaded load(const std::string& scenario) {
  Loaded l;
  l.source = cluster::make_snapshot_source(kScenarios + scenario);
  auto state = l.source->load(cluster::LoadScope{});
  if (!state) throw std::runtime_error("cannot load " + scenario + ": " + state.error());
  l.state = std::move(*state);
  return l;
}

Report run(Loaded& l, Options options = {}) {
  auto* source = l.source.get();
  options.logs = [source](const cluster::LogRequest& r) { return source->logs(r); };
  return analyze(l.state, options);
}

std::string dump(const Report& r) {
  std::string out;
  for (const auto& f : r.findings) {
    out += "  [" + std::string(to_string(f.severity)) + "] " + f.reason + " " + f.resource.str() + " (" +
           f.root_cause.category + ") " + f.summary + "\n";
  }
  return out;
}

bool evidence_has(const Finding& f, const std::string& text) {
  for (const auto& e : f.evidence) {
    if (e.text.find(text) != std::string::npos) return true;
  }
  return f.root_cause.summary.find(text) != std::string::npos;
}

struct Expected {
  std::string reason;
  std::string kind;
  std::string ns;
  std::string name;
  std::string category;
  std::string evidence;  // a string some evidence line (or the root-cause summary) contains
};

struct Case {
  std::string scenario;
  Expected top;
  std::vector<Expected> also;  // other findings at warning or above that are right to report
};

const std::vector<Case> kCases = {
    {"crashloop-missing-env",
     {"CrashLoopBackOff", "Deployment", "payments", "payments-api", "missing_config", "DATABASE_URL"},
     {}},
    {"oomkilled", {"OOMKilled", "Deployment", "reports", "report-renderer", "out_of_memory", "137"}, {}},
    {"image-pull-backoff",
     {"ImagePullBackOff", "Deployment", "search", "search-indexer", "image_unavailable", "not found"},
     {}},
    {"pending-insufficient-cpu",
     {"Unschedulable", "Deployment", "analytics", "spark-driver", "insufficient_resources", "Insufficient cpu"},
     {}},
    {"pending-unbound-pvc",
     {"StorageClassMissing", "PersistentVolumeClaim", "data", "data-postgres-0", "storage_unavailable",
      "gp3-encrypted"},
     {}},
    {"readiness-probe-failing",
     {"ProbeFailure", "Deployment", "catalog", "catalog-api", "dependency_unreachable", "connection refused"},
     {}},
    {"node-not-ready",
     {"NodeNotReady", "Node", "", "ip-10-0-1-201.eu-west-1.compute.internal", "node_failure", "NodeStatusUnknown"},
     {}},
    {"evicted-pods",
     {"Evicted", "Deployment", "media", "thumbnailer", "out_of_memory", "low on resource: memory"},
     {{"NodeMemoryPressure", "Node", "", "ip-10-0-2-87.eu-west-1.compute.internal", "out_of_memory",
       "MemoryPressure"}}},
    {"create-container-config-error",
     {"CreateContainerConfigError", "Deployment", "billing", "invoice-service", "missing_config",
      "billing-db-credentials"},
     {}},
    {"job-backoff-limit", {"JobFailed", "Job", "batch", "db-migrate-20250311", "application_error", "migration"}, {}},
    {"service-no-endpoints",
     {"ServiceNoEndpoints", "Service", "search", "search-api", "missing_config", "app=search"},
     {}},
};

bool matches(const Finding& f, const Expected& e) {
  return f.reason == e.reason && f.resource.kind == e.kind && f.resource.ns == e.ns && f.resource.name == e.name;
}

class Scenario : public ::testing::TestWithParam<Case> {};

TEST_P(Scenario, TopFindingNamesRootCause) {
  const Case& c = GetParam();
  auto l = load(c.scenario);
  const Report r = run(l);
  ASSERT_FALSE(r.findings.empty()) << c.scenario;
  const Finding& top = r.findings.front();
  EXPECT_TRUE(matches(top, c.top)) << c.scenario << ": top finding is " << top.reason << " " << top.resource.str()
                                   << "\n"
                                   << dump(r);
  EXPECT_EQ(top.root_cause.category, c.top.category) << c.scenario << ": " << top.root_cause.summary << "\n" << dump(r);
  EXPECT_TRUE(evidence_has(top, c.top.evidence)) << c.scenario << ": no evidence with \"" << c.top.evidence << "\"\n"
                                                 << nlohmann::json(top).dump(2);
  EXPECT_NE(top.severity, Severity::info);
  std::cout << "[ scenario ] " << c.scenario << ": " << top.reason << " " << top.resource.str() << " ("
            << top.root_cause.category << ", " << top.root_cause.confidence << ") — " << top.summary << "\n";
}

TEST_P(Scenario, NoOtherWarningOrWorse) {
  const Case& c = GetParam();
  auto l = load(c.scenario);
  const Report r = run(l);
  for (const auto& f : r.findings) {
    if (f.severity == Severity::info) continue;
    bool expected = matches(f, c.top);
    for (const auto& a : c.also) {
      if (matches(f, a)) {
        expected = true;
        EXPECT_EQ(f.root_cause.category, a.category) << f.summary;
        EXPECT_TRUE(evidence_has(f, a.evidence)) << nlohmann::json(f).dump(2);
      }
    }
    EXPECT_TRUE(expected) << c.scenario << ": unexpected " << f.reason << " on " << f.resource.str() << ": "
                          << f.summary;
  }
}

TEST_P(Scenario, OutputMatchesTheSchema) {
  auto l = load(GetParam().scenario);
  const auto j = to_json(run(l));
  ASSERT_TRUE(j.contains("summary"));
  for (const auto& f : j["findings"]) {
    for (const char* key : {"id", "resource", "reason", "severity", "summary", "evidence", "root_cause", "escalation",
                            "suggested_actions"}) {
      EXPECT_TRUE(f.contains(key)) << key << " missing in " << f.dump();
    }
    EXPECT_FALSE(f["summary"].get<std::string>().empty());
    EXPECT_FALSE(f["suggested_actions"].empty());
  }
  EXPECT_FALSE(render_markdown(run(l)).empty());
}

INSTANTIATE_TEST_SUITE_P(Examples, Scenario, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           std::string name = info.param.scenario;
                           for (char& ch : name) {
                             if (ch == '-') ch = '_';
                           }
                           return name;
                         });

TEST(Scenarios, HealthyClusterHasNoWarningOrCriticalFinding) {
  auto l = load("healthy");
  const Report r = run(l);
  for (const auto& f : r.findings)
    EXPECT_EQ(f.severity, Severity::info) << f.reason << " " << f.resource.str() << ": " << f.summary;
  EXPECT_EQ(r.summary.nodes_ready, r.summary.nodes_total);
  EXPECT_TRUE(r.summary.degraded_namespaces.empty());
}

TEST(Scenarios, DemoHasEveryPartAsItsOwnIncident) {
  auto l = load("demo");
  const Report r = run(l);
  const std::vector<Expected> parts = {kCases[0].top, kCases[1].top, kCases[2].top, kCases[3].top, kCases[10].top};
  for (const auto& e : parts) {
    bool found = false;
    for (const auto& f : r.findings) {
      if (matches(f, e)) {
        found = true;
        EXPECT_EQ(f.root_cause.category, e.category) << f.summary;
      }
    }
    EXPECT_TRUE(found) << "missing " << e.reason << " " << e.name << "\n" << dump(r);
  }
  EXPECT_EQ(r.findings.size(), parts.size()) << dump(r);
}

TEST(Scenarios, FindingIdsAreStableAcrossRuns) {
  auto a = load("demo");
  auto b = load("demo");
  const Report ra = run(a), rb = run(b);
  ASSERT_EQ(ra.findings.size(), rb.findings.size());
  for (std::size_t i = 0; i < ra.findings.size(); ++i) EXPECT_EQ(ra.findings[i].id, rb.findings[i].id);
}

TEST(Scenarios, NamespaceScopeKeepsOnlyThatNamespace) {
  auto l = load("demo");
  Options options;
  options.ns = "payments";
  const Report r = run(l, options);
  ASSERT_FALSE(r.findings.empty());
  for (const auto& f : r.findings) EXPECT_EQ(f.resource.ns, "payments") << f.resource.str();
  EXPECT_EQ(r.summary.scope, "payments");
}

TEST(Scenarios, SeverityAndCountFiltersApply) {
  auto l = load("demo");
  Options options;
  options.severity_min = Severity::critical;
  options.max_findings = 2;
  const Report r = run(l, options);
  EXPECT_LE(r.findings.size(), 2u);
  for (const auto& f : r.findings) EXPECT_EQ(f.severity, Severity::critical);
  EXPECT_GT(r.summary.omitted, 0);
}

// The large generated cluster (bench/gen-cluster): 10,000 pods, 500 nodes, 50,000 events, 1% crash-looping.
// Generated once into the temporary directory with bench/gen-cluster (node is a test dependency).
TEST(Scale, TenThousandPodClusterIsAnalysedWellUnderASecond) {
  const std::string dir = fs::temp_directory_path().string() + "/eks-gen-cluster-10k";
  if (!fs::exists(dir + "/cluster")) {
    const std::string cmd = "node " + std::string(EKS_SOURCE_DIR) + "/bench/gen-cluster " + dir +
                            " --pods 10000 --nodes 500 --events 50000 > /dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << "bench/gen-cluster failed (is node installed? run scripts/install-deps)";
  }
  auto source = cluster::make_snapshot_source(dir);
  const auto load_start = std::chrono::steady_clock::now();
  auto state = source->load(cluster::LoadScope{});
  ASSERT_TRUE(state) << state.error();
  const double load_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - load_start).count();
  Options options;
  std::vector<double> times;
  Report r;
  for (int i = 0; i < 5; ++i) {
    const auto start = std::chrono::steady_clock::now();
    r = analyze(*state, options);
    times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  const std::string json_text = to_json(r).dump();
  Options top20;
  top20.max_findings = 20;
  top20.severity_min = Severity::warning;
  const std::string host_text = to_json(analyze(*state, top20)).dump();
  std::cout << "[ scale    ] " << state->pods.size() << " pods, " << state->nodes.size() << " nodes, "
            << state->events.size() << " events: analysis min " << times.front() << " ms, median " << times[2]
            << " ms (snapshot load " << load_ms << " ms), " << r.findings.size() << " findings, " << json_text.size()
            << " bytes JSON; default call (warning+, max 20) " << host_text.size() / 4 << " tokens\n";
  EXPECT_LT(times[2], 1000.0);
  // Every 50th Deployment (10 pods each) crash-loops, all in namespace team-7: the namespace is degraded and
  // the Deployments failing the same way roll up into its finding, each with its count.
  const int crashing = static_cast<int>(state->deployments.size() + 49) / 50;
  ASSERT_FALSE(r.findings.empty());
  const Finding& top = r.findings.front();
  EXPECT_EQ(top.reason, "NamespaceDegraded");
  EXPECT_EQ(top.resource.name, "team-7");
  EXPECT_EQ(top.count, crashing * 10);
  int rolled = 0;
  for (const auto& rel : top.related) {
    if (rel.reason == "CrashLoopBackOff" && rel.note == "10 pods") ++rolled;
  }
  EXPECT_EQ(rolled, crashing);
  EXPECT_TRUE(top.escalate);
  EXPECT_LE(host_text.size() / 4, 4000u) << to_json(analyze(*state, top20)).dump(1).substr(0, 6000);
}

}  // namespace
}  // namespace eks::analyzers
