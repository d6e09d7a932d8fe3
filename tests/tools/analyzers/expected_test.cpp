// Every example scenario against its own examples/scenarios/<name>/expected.json, on both paths a user has:
// the snapshot (SnapshotSource) and the live cluster (kubesim serving the snapshot, read by the real
// kubernetes-mcp-server through our gateway). Each expected finding must be there with its reason, root-cause
// category and one of its evidence strings; no other resource may carry a warning or critical finding.
//
// expected.json is written from the scenario's description (scenario.yaml), as a reviewer would state the
// right diagnosis — the analyzers never see it and nothing in them keys on a scenario's names. Shape:
//   {"expect":  [{"kinds": [...], "namespace": "...", "name_prefix": "...", "reason": "...",
//                 "category": "...", "evidence_any": ["..."]}],
//    "also_ok": [{"kinds": [...], "namespace": "...", "name_prefix": "...", "why": "..."}]}
// kinds lists every resource kind the incident may rightly be reported on (a Deployment, or its ReplicaSet or
// Pod when correlation stops there); name_prefix matches the workload and the pods it owns; also_ok names
// resources that are part of the same incident and may carry a finding of their own. An expect entry may add
// "severity" (the finding must have exactly it; without it, anything but info) and "paths" (["snapshot"] for a
// finding only the snapshot path can make: the live path never reads Secrets, so it cannot know one is missing).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/fixtures/kubesim_process.hpp"
#include <nlohmann/json.hpp>

#include "server/upstream/gateway.hpp"
#include "tools/analyzers/analyze.hpp"
#include "tools/cluster/source.hpp"

namespace eks::analyzers {
namespace {

using eks::test_fixtures::Kubesim;

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Json = nlohmann::json;

const fs::path kScenarios = fs::path(EKS_SOURCE_DIR) / "examples" / "scenarios";
const fs::path kUpstreamBinary = fs::path(EKS_SOURCE_DIR) / "tests" / "node_modules" / ".bin" / "kubernetes-mcp-server";

// The build tree: the directory holding CMakeCache.txt above this executable (empty when not found).
fs::path build_tree() {
  std::error_code ec;
  fs::path dir = fs::read_symlink("/proc/self/exe", ec).parent_path();
  for (; !dir.empty() && dir != dir.root_path(); dir = dir.parent_path()) {
    if (fs::exists(dir / "CMakeCache.txt")) return dir;
  }
  return {};
}

// The simulator binary: given by the build (EKS_KUBESIM), else found in this build tree — /proc/self/exe, not
// __FILE__, which ccache may rewrite.
fs::path kubesim_binary() {
#ifdef EKS_KUBESIM
  return fs::path(EKS_KUBESIM);
#else
  const fs::path tree = build_tree();
  return tree.empty() ? fs::path() : tree / "tests" / "kubesim" / "kubesim";
#endif
}

// ---- expected.json ----

struct Entry {
  std::vector<std::string> kinds;
  std::string ns;
  std::string name_prefix;
  std::string reason;    // empty in also_ok
  std::string category;  // empty in also_ok
  std::vector<std::string> evidence_any;
  std::string severity;            // empty: warning or critical
  std::vector<std::string> paths;  // empty: both

  bool covers(const cluster::ObjectRef& ref) const {
    return std::find(kinds.begin(), kinds.end(), ref.kind) != kinds.end() && ref.ns == ns &&
           ref.name.rfind(name_prefix, 0) == 0;
  }
  std::string str() const {
    std::string k;
    for (const auto& kind : kinds) k += (k.empty() ? "" : "|") + kind;
    return (reason.empty() ? std::string() : reason + " on ") + k + "/" + (ns.empty() ? "" : ns + "/") + name_prefix +
           "*";
  }
};

struct Expectation {
  std::vector<Entry> expect;
  std::vector<Entry> also_ok;
};

Entry entry_from(const Json& j, bool full) {
  Entry e;
  e.kinds = j.at("kinds").get<std::vector<std::string>>();
  e.ns = j.value("namespace", "");
  e.name_prefix = j.at("name_prefix").get<std::string>();
  if (full) {
    e.reason = j.at("reason").get<std::string>();
    e.category = j.at("category").get<std::string>();
    e.evidence_any = j.at("evidence_any").get<std::vector<std::string>>();
    e.severity = j.value("severity", "");
    e.paths = j.value("paths", std::vector<std::string>{});
  }
  return e;
}

// Reads examples/scenarios/<name>/expected.json; an error sentence when it is missing or malformed.
tl::expected<Expectation, std::string> read_expectation(const std::string& scenario) {
  const fs::path path = kScenarios / scenario / "expected.json";
  std::ifstream in(path);
  if (!in) return tl::unexpected("cannot read " + path.string());
  try {
    const Json j = Json::parse(in);
    Expectation x;
    for (const auto& e : j.at("expect")) x.expect.push_back(entry_from(e, true));
    for (const auto& e : j.at("also_ok")) x.also_ok.push_back(entry_from(e, false));
    for (const auto& e : x.expect) {
      if (e.kinds.empty() || e.name_prefix.empty() || e.reason.empty() || e.category.empty() || e.evidence_any.empty())
        return tl::unexpected(path.string() +
                              ": an expect entry lacks kinds, name_prefix, reason, category or evidence_any");
      if (!e.severity.empty() && !parse_severity(e.severity))
        return tl::unexpected(path.string() + ": severity \"" + e.severity + "\" is not info, warning or critical");
      for (const auto& p : e.paths) {
        if (p != "snapshot" && p != "live")
          return tl::unexpected(path.string() + ": paths lists \"" + p + "\"; use snapshot or live");
      }
    }
    return x;
  } catch (const std::exception& ex) {
    return tl::unexpected(path.string() + ": " + ex.what());
  }
}

// ---- checking a report ----

std::string dump(const Report& r) {
  std::string out;
  for (const auto& f : r.findings) {
    out += "  [" + std::string(to_string(f.severity)) + "] " + f.reason + " " + f.resource.str() + " (" +
           f.root_cause.category + ") " + f.summary + "\n";
    for (const auto& e : f.evidence) out += "      " + e.source + ": " + e.text.substr(0, 160) + "\n";
  }
  return out.empty() ? "  (no findings)\n" : out;
}

bool evidence_has_any(const Finding& f, const std::vector<std::string>& any) {
  for (const auto& e : f.evidence) {
    for (const auto& text : any) {
      if (e.text.find(text) != std::string::npos) return true;
    }
  }
  return false;
}

// Every expect entry is met by one finding (reason, category, evidence); every warning or critical finding is
// on a resource some entry covers. Failures name the path (snapshot | live) and show the whole report.
void check(const std::string& scenario, const std::string& path, const Expectation& x, const Report& r) {
  const std::string where = scenario + " (" + path + ")";
  for (const auto& e : x.expect) {
    if (!e.paths.empty() && std::find(e.paths.begin(), e.paths.end(), path) == e.paths.end()) continue;
    const Finding* same_reason = nullptr;
    bool met = false;
    for (const auto& f : r.findings) {
      if (!e.covers(f.resource) || f.reason != e.reason) continue;
      same_reason = &f;
      if (f.root_cause.category == e.category && evidence_has_any(f, e.evidence_any)) {
        met = true;
        if (e.severity.empty()) {
          EXPECT_NE(f.severity, Severity::info) << where << ": " << e.str() << " is only info";
        } else {
          EXPECT_EQ(to_string(f.severity), e.severity) << where << ": " << e.str();
        }
        break;
      }
    }
    if (met) continue;
    if (same_reason == nullptr) {
      ADD_FAILURE() << where << ": no " << e.str() << " finding\n" << dump(r);
    } else if (same_reason->root_cause.category != e.category) {
      ADD_FAILURE() << where << ": " << e.str() << " has category " << same_reason->root_cause.category << ", want "
                    << e.category << " (" << same_reason->root_cause.summary << ")\n"
                    << dump(r);
    } else {
      std::string want;
      for (const auto& s : e.evidence_any) want += " \"" + s + "\"";
      ADD_FAILURE() << where << ": " << e.str() << " has no evidence containing any of" << want << "\n"
                    << Json(*same_reason).dump(2);
    }
  }
  for (const auto& f : r.findings) {
    if (f.severity == Severity::info) continue;
    bool covered = false;
    for (const auto& e : x.expect) covered = covered || e.covers(f.resource);
    for (const auto& e : x.also_ok) covered = covered || e.covers(f.resource);
    EXPECT_TRUE(covered) << where << ": unexpected [" << to_string(f.severity) << "] " << f.reason << " on "
                         << f.resource.str() << ": " << f.summary;
  }
}

// ---- the suite's figures ----

// How one report measures against its expectation: expected incidents found (resource and reason), of those the
// root-cause category right and an evidence string present, and how many warning-or-worse findings are expected
// incidents (a finding on an also_ok resource is tolerated by check() but counts against precision: it is a
// consequence reported apart from its cause).
struct Score {
  int expected = 0;
  int found = 0;
  int category = 0;
  int evidence = 0;
  int findings = 0;
  int incidents = 0;
};

void to_json(Json& j, const Score& s) {
  j = Json{{"expected", s.expected}, {"found", s.found},       {"category", s.category},
           {"evidence", s.evidence}, {"findings", s.findings}, {"incidents", s.incidents}};
}

Score score(const std::string& path, const Expectation& x, const Report& r) {
  Score s;
  for (const auto& e : x.expect) {
    if (!e.paths.empty() && std::find(e.paths.begin(), e.paths.end(), path) == e.paths.end()) continue;
    ++s.expected;
    const Finding* best = nullptr;
    int best_points = -1;
    for (const auto& f : r.findings) {
      if (!e.covers(f.resource) || f.reason != e.reason) continue;
      const int points = (f.root_cause.category == e.category ? 2 : 0) + (evidence_has_any(f, e.evidence_any) ? 1 : 0);
      if (points > best_points) best = &f, best_points = points;
    }
    if (!best) continue;
    ++s.found;
    s.category += best->root_cause.category == e.category ? 1 : 0;
    s.evidence += evidence_has_any(*best, e.evidence_any) ? 1 : 0;
  }
  for (const auto& f : r.findings) {
    if (f.severity == Severity::info) continue;
    ++s.findings;
    bool incident = false;
    for (const auto& e : x.expect) incident = incident || e.covers(f.resource);
    s.incidents += incident ? 1 : 0;
  }
  return s;
}

// One file per scenario under <build>/scenario-scores/, which tests/tools/analyzers/scores.mjs adds up after
// `make test` (the scenarios run as separate tests, in parallel).
void write_scores(const std::string& scenario, const Score& snapshot, const Score& live) {
  const fs::path tree = build_tree();
  if (tree.empty()) return;
  std::error_code ec;
  fs::create_directories(tree / "scenario-scores", ec);
  std::ofstream out(tree / "scenario-scores" / (scenario + ".json"));
  out << Json{{"scenario", scenario}, {"snapshot", snapshot}, {"live", live}}.dump() << "\n";
}

Report analyze_with_logs(const cluster::ClusterState& state, cluster::ClusterSource& source) {
  Options options;
  options.logs = [&source](const cluster::LogRequest& r) { return source.logs(r); };
  return analyze(state, options);
}

// ---- the live path: kubesim + kubernetes-mcp-server through the gateway ----

// The real kubernetes-mcp-server on kubesim's kubeconfig, behind a gateway whose check lets reads through and
// refuses Secrets, as the safety validator does.
std::unique_ptr<upstream::Gateway> start_upstream(const fs::path& kubeconfig, const fs::path& home) {
  auto gateway = std::make_unique<upstream::Gateway>(std::vector<upstream::UpstreamConfig>{
      eks::test_fixtures::kubernetes_upstream(kUpstreamBinary, kubeconfig, home)});
  gateway->install_check([](const upstream::UpstreamCall& call) -> tl::expected<upstream::CallDone, std::string> {
    if (call.arguments.value("kind", "") == "Secret") return tl::unexpected(std::string("Secrets are never read"));
    return upstream::CallDone{};
  });
  return gateway;
}

std::vector<std::string> scenario_names() {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(kScenarios, ec)) {
    if (fs::is_directory(e.path() / "cluster")) out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

class ExpectedIncidents : public ::testing::TestWithParam<std::string> {};

// The snapshot path and the live path (kubesim through the real upstream) both find exactly the expected incidents.
TEST_P(ExpectedIncidents, FoundBothWays) {
  const std::string scenario = GetParam();
  auto x = read_expectation(scenario);
  ASSERT_TRUE(x) << x.error();

  // Snapshot path.
  auto snapshot = cluster::make_snapshot_source((kScenarios / scenario).string());
  // What diagnose_cluster reads.
  auto state = snapshot->load(cluster::diagnosis_scope());
  ASSERT_TRUE(state) << scenario << ": " << state.error();
  const Report offline = analyze_with_logs(*state, *snapshot);
  check(scenario, "snapshot", *x, offline);

  // Live path.
  const fs::path kubesim = kubesim_binary();
  ASSERT_TRUE(!kubesim.empty() && fs::exists(kubesim))
      << "kubesim is not built (looked for " << kubesim << "): build the kubesim target first";
  ASSERT_TRUE(fs::exists(kUpstreamBinary))
      << "kubernetes-mcp-server is not installed at " << kUpstreamBinary << ": run scripts/install-deps";
  const fs::path work = fs::temp_directory_path() / ("expected-test-" + std::to_string(getpid()) + "-" + scenario);
  fs::create_directories(work / "home");
  {
    Kubesim sim(kubesim, kScenarios / scenario, work);
    ASSERT_TRUE(sim.ready()) << scenario << ": kubesim did not start within 10 s:\n" << sim.log_text();
    auto gateway = start_upstream(sim.kubeconfig(), work / "home");
    // kubesim serves the snapshot as if captured now: ages come from this machine's clock, as on a live cluster.
    auto live = cluster::make_upstream_source(*gateway, cluster::UpstreamOptions{});
    const auto start = std::chrono::steady_clock::now();
    auto live_state = live->load(cluster::diagnosis_scope());
    if (!live_state) {
      gateway->stop();
      FAIL() << scenario << ": the live load failed: " << live_state.error();
    }
    const Report online = analyze_with_logs(*live_state, *live);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    check(scenario, "live", *x, online);
    write_scores(scenario, score("snapshot", *x, offline), score("live", *x, online));
    std::cout << "[ expected ] " << scenario << ": snapshot " << offline.findings.size() << " findings, live "
              << online.findings.size() << " findings (load + analyze " << static_cast<int>(ms) << " ms)\n";
    gateway->stop();
  }
  std::error_code ec;
  fs::remove_all(work, ec);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, ExpectedIncidents, ::testing::ValuesIn(scenario_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// A local clock a year ahead of the cluster's (the skew a snapshot served at its capture time shows, or a broken
// NTP) ages nothing: a rollout seconds old stays quiet, and the same incidents are found.
TEST(ExpectedDiagnosis, ASkewedLocalClockTurnsNoTransientIntoAnIncident) {
  const std::string scenario = "rollout-stuck";
  auto x = read_expectation(scenario);
  ASSERT_TRUE(x) << x.error();
  ASSERT_TRUE(fs::exists(kUpstreamBinary)) << "kubernetes-mcp-server is not installed: run scripts/install-deps";
  const fs::path work = fs::temp_directory_path() / ("expected-test-" + std::to_string(getpid()) + "-skew");
  fs::create_directories(work / "home");
  {
    Kubesim sim(kubesim_binary(), kScenarios / scenario, work);
    ASSERT_TRUE(sim.ready()) << sim.log_text();
    auto gateway = start_upstream(sim.kubeconfig(), work / "home");
    cluster::UpstreamOptions options;
    options.now =
        std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) + std::chrono::hours(24 * 365);
    auto live = cluster::make_upstream_source(*gateway, options);
    auto state = live->load(cluster::diagnosis_scope());
    ASSERT_TRUE(state) << state.error();
    EXPECT_LT(std::chrono::abs(state->now - std::chrono::system_clock::now()), std::chrono::minutes(10));
    check(scenario, "live", *x, analyze_with_logs(*state, *live));
    gateway->stop();
  }
  std::error_code ec;
  fs::remove_all(work, ec);
}

TEST(ExpectedDiagnosis, EveryScenarioHasAnExpectationFile) {
  const auto names = scenario_names();
  ASSERT_FALSE(names.empty()) << "no scenarios under " << kScenarios;
  for (const auto& name : names) {
    auto x = read_expectation(name);
    EXPECT_TRUE(x) << x.error();
  }
}

}  // namespace
}  // namespace eks::analyzers
