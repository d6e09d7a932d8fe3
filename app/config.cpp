#include "app/config.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <fstream>

#include <pwd.h>
#include <unistd.h>
#include <sstream>

#include "safety/redactor.hpp"
#include "safety/yaml_json.hpp"
#include "schemas/schemas.hpp"
#include "server/protocol/json_schema.hpp"

extern char** environ;

namespace eks::app {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

using safety::yaml::dotted;
using safety::yaml::escape_token;

const eks::protocol::JsonSchema& config_schema() {
  static const auto schema = [] {
    auto compiled = eks::protocol::JsonSchema::compile(json::parse(eks::schemas::text("config.schema")));
    if (!compiled) throw std::logic_error("schemas/config.schema.json does not compile: " + compiled.error());
    return *compiled;
  }();
  return schema;
}

// Validates the merged document; `where` names the location of a pointer (file:line, or a variable).
std::optional<std::string> validate(const json& document, const std::function<std::string(const std::string&)>& where) {
  const auto errors = config_schema().validate(document);
  if (errors.empty()) return std::nullopt;
  const auto& e = errors.front();
  std::string key = dotted(e.instance_path);
  std::string message = e.message;
  // An unknown key is reported on its parent ("unexpected property \"x\" (allowed: ...)"): name the key itself.
  constexpr std::string_view marker = "unexpected property ";
  if (const auto at = e.message.find(marker); e.keyword == "additionalProperties" && at != std::string::npos) {
    const std::string rest = e.message.substr(at + marker.size());
    const auto close = rest.find('"', 1);
    const std::string name = close == std::string::npos ? rest : rest.substr(1, close - 1);
    const std::string allowed = close == std::string::npos ? "" : rest.substr(close + 1);
    const std::string child = e.instance_path + "/" + escape_token(name);
    return where(child) + ": unknown key \"" + dotted(child) + "\"" + allowed;
  }
  return where(e.instance_path) + ": bad value for \"" + key + "\": " + message;
}

std::string env_or(const std::map<std::string, std::string>& env, const char* name, std::string fallback) {
  const auto it = env.find(name);
  return it != env.end() ? it->second : std::move(fallback);
}

// Reads KEY=VALUE lines (optional "export ", quotes, # comments).
tl::expected<std::map<std::string, std::string>, std::string> read_dotenv(const fs::path& path) {
  std::map<std::string, std::string> values;
  std::ifstream in(path);
  if (!in) return values;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    line = line.substr(first);
    if (line.rfind("export ", 0) == 0) line = line.substr(7);
    const auto eq = line.find('=');
    if (eq == std::string::npos || eq == 0) {
      return tl::unexpected(path.string() + ":" + std::to_string(number) + ": expected KEY=VALUE");
    }
    std::string key = line.substr(0, eq);
    key.erase(key.find_last_not_of(" \t") + 1);
    std::string value = line.substr(eq + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    } else if (const auto hash = value.find(" #"); hash != std::string::npos) {
      value.erase(hash);
      value.erase(value.find_last_not_of(" \t") + 1);
    }
    values[key] = value;
  }
  return values;
}

struct EnvBinding {
  const char* variable;
  const char* pointer;
  bool integer;
};

// The seed's variable names and where each lands in the document.
constexpr EnvBinding kBindings[] = {
    {"ANTHROPIC_API_KEY", "/anthropic/api_key", false},
    {"ANTHROPIC_BASE_URL", "/anthropic/base_url", false},
    {"ORCHESTRATOR_MODEL", "/models/orchestrator", false},
    {"DIAGNOSTIC_MODEL", "/models/diagnostic", false},
    {"REMEDIATION_MODEL", "/models/remediation", false},
    {"LOG_ANALYZER_MODEL", "/models/log_analyzer", false},
    {"COST_OPTIMIZER_MODEL", "/models/cost_optimizer", false},
    {"GITHUB_AGENT_MODEL", "/models/github_agent", false},
    {"GITHUB_TOKEN", "/github/token", false},
    {"TEAMS_WEBHOOK_URL", "/notifications/teams_webhook_url", false},
    {"SLACK_WEBHOOK_URL", "/notifications/slack_webhook_url", false},
    {"CHECK_INTERVAL", "/monitor/check_interval_seconds", true},
};

json defaults(const std::map<std::string, std::string>& env) {
  std::string state = env_or(env, "XDG_STATE_HOME", "");
  if (state.empty()) {
    // The audit log lives here: never fall back to /tmp. Without HOME, the account's home directory.
    std::string home = env_or(env, "HOME", "");
    if (home.empty()) {
      const passwd* account = ::getpwuid(::getuid());
      home = account && account->pw_dir ? account->pw_dir : ".";
    }
    state = home + "/.local/state";
  }
  return json{
      {"mode", "read_only"},
      {"server",
       {{"log_level", "info"},
        {"log_file", ""},
        {"max_message_bytes", 8 << 20},
        {"workers", 4},
        {"queue_limit", 256},
        {"page_size", 50},
        {"shutdown_deadline_ms", 5000}}},
      {"anthropic", {{"api_key", ""}, {"base_url", "https://api.anthropic.com"}}},
      {"agents",
       {{"provider", "auto"},
        {"definitions_dir", ""},
        {"cluster_context", ""},
        {"top_findings", 3},
        {"max_turns", 10},
        {"max_tokens", 200000},
        {"max_tool_calls", 24},
        {"max_tool_output_bytes_per_turn", 49152},
        {"investigation_timeout_ms", 120000},
        {"request_timeout_ms", 60000},
        {"max_retries", 3},
        {"retry_base_ms", 500},
        {"retry_max_ms", 8000}}},
      {"models",
       {{"orchestrator", "sonnet"},
        {"diagnostic", "haiku"},
        {"remediation", "sonnet"},
        {"log_analyzer", "sonnet"},
        {"cost_optimizer", "haiku"},
        {"github_agent", "sonnet"},
        {"aliases", {{"haiku", "claude-haiku-4-5"}, {"sonnet", "claude-sonnet-4-5"}, {"opus", "claude-opus-4-1"}}}}},
      {"github",
       {{"token", ""},
        {"incident_repository", ""},
        {"manifest_repositories", json::array()},
        {"manifest_paths", json::object()},
        {"manifest_branch", "main"},
        {"code_repositories", json::array()},
        {"reopen_window_hours", 72},
        {"cluster_name", ""}}},
      {"notifications", {{"teams_webhook_url", ""}, {"slack_webhook_url", ""}}},
      {"remediation", {{"approver_token_file", ""}}},
      {"monitor",
       {{"check_interval_seconds", 300},
        {"clean_cycles_to_resolve", 2},
        {"severity_min", "warning"},
        {"verify_timeout_seconds", 120},
        {"max_cost_usd_per_hour", 1.0},
        {"cost_interval_hours", 24},
        {"history_days", 30},
        {"reports", {{"retention_days", 14}, {"max_total_mb", 200}}},
        {"leader_election",
         {{"enabled", false},
          {"namespace", ""},
          {"name", "eks-sre-mcp"},
          {"identity", ""},
          {"lease_duration_seconds", 15},
          {"renew_deadline_seconds", 10},
          {"retry_period_seconds", 2}}}}},
      {"cost",
       {{"prometheus",
         {{"url", ""},
          {"bearer_token_file", ""},
          {"sigv4_region", ""},
          {"sigv4_service", "aps"},
          {"timeout_ms", 30000},
          {"step_seconds", 300},
          {"parallel", 4}}},
        {"history_days", 14},
        {"prices_file", ""},
        {"strategy",
         {{"cpu_percentile", 95},
          {"memory_buffer_percentage", 15},
          {"oom_limit_factor", 1.25},
          {"points_required", 100},
          {"allow_hpa", false},
          {"min_cpu_millicores", 10},
          {"min_memory_mib", 100}}}}},
      {"state_dir", state + "/eks-sre-mcp"},
      {"mcpServers", json::object()},
  };
}

Config typed(const json& d) {
  Config c;
  c.mode = d["mode"];
  const auto& s = d["server"];
  c.log_level = s["log_level"];
  c.log_file = s["log_file"];
  c.max_message_bytes = s["max_message_bytes"];
  c.workers = s["workers"];
  c.queue_limit = s["queue_limit"];
  c.page_size = s["page_size"];
  c.shutdown_deadline_ms = s["shutdown_deadline_ms"];
  c.anthropic_api_key = d["anthropic"]["api_key"];
  c.anthropic_base_url = d["anthropic"]["base_url"];
  for (const auto& [role, model] : d["models"].items()) {
    if (role == "aliases") {
      for (const auto& [alias, id] : model.items()) c.model_aliases[alias] = id;
    } else {
      c.models[role] = model;
    }
  }
  const auto& a = d["agents"];
  c.agents.provider = a["provider"];
  c.agents.definitions_dir = a["definitions_dir"];
  c.agents.cluster_context = a["cluster_context"];
  c.agents.top_findings = a["top_findings"];
  c.agents.max_turns = a["max_turns"];
  c.agents.max_tokens = a["max_tokens"];
  c.agents.max_tool_calls = a["max_tool_calls"];
  c.agents.max_tool_output_bytes_per_turn = a["max_tool_output_bytes_per_turn"];
  c.agents.investigation_timeout_ms = a["investigation_timeout_ms"];
  c.agents.request_timeout_ms = a["request_timeout_ms"];
  c.agents.max_retries = a["max_retries"];
  c.agents.retry_base_ms = a["retry_base_ms"];
  c.agents.retry_max_ms = a["retry_max_ms"];
  c.github_token = d["github"]["token"];
  c.incident_repository = d["github"]["incident_repository"];
  c.manifest_repositories = d["github"]["manifest_repositories"].get<std::vector<std::string>>();
  c.incident_reopen_hours = d["github"]["reopen_window_hours"];
  c.manifest_paths = d["github"]["manifest_paths"].get<std::map<std::string, std::string>>();
  c.manifest_branch = d["github"]["manifest_branch"];
  c.code_repositories = d["github"]["code_repositories"].get<std::vector<std::string>>();
  c.cluster_name = d["github"]["cluster_name"];
  c.teams_webhook_url = d["notifications"]["teams_webhook_url"];
  c.slack_webhook_url = d["notifications"]["slack_webhook_url"];
  c.approver_token_file = d["remediation"]["approver_token_file"];
  const auto& m = d["monitor"];
  c.monitor.check_interval_seconds = m["check_interval_seconds"];
  c.monitor.clean_cycles_to_resolve = m["clean_cycles_to_resolve"];
  c.monitor.severity_min = m["severity_min"];
  c.monitor.verify_timeout_seconds = m["verify_timeout_seconds"];
  c.monitor.max_cost_usd_per_hour = m["max_cost_usd_per_hour"];
  c.monitor.cost_interval_hours = m["cost_interval_hours"];
  c.monitor.history_days = m["history_days"];
  c.monitor.report_retention_days = m["reports"]["retention_days"];
  c.monitor.report_max_total_mb = m["reports"]["max_total_mb"];
  const auto& le = m["leader_election"];
  c.monitor.leader_election = le["enabled"];
  c.monitor.lease_namespace = le["namespace"];
  c.monitor.lease_name = le["name"];
  c.monitor.lease_identity = le["identity"];
  c.monitor.lease_duration_seconds = le["lease_duration_seconds"];
  c.monitor.renew_deadline_seconds = le["renew_deadline_seconds"];
  c.monitor.retry_period_seconds = le["retry_period_seconds"];
  c.state_dir = d["state_dir"];
  const auto& cost = d["cost"];
  const auto& prom = cost["prometheus"];
  c.cost.prometheus.url = prom["url"];
  c.cost.prometheus.bearer_token_file = prom["bearer_token_file"];
  c.cost.prometheus.sigv4_region = prom["sigv4_region"];
  c.cost.prometheus.sigv4_service = prom["sigv4_service"];
  c.cost.prometheus.timeout_ms = prom["timeout_ms"];
  c.cost.prometheus.step_seconds = prom["step_seconds"];
  c.cost.prometheus.parallel = prom["parallel"];
  c.cost.history_days = cost["history_days"];
  c.cost.prices_file = cost["prices_file"];
  const auto& strategy = cost["strategy"];
  c.cost.strategy.cpu_percentile = strategy["cpu_percentile"];
  c.cost.strategy.memory_buffer = strategy["memory_buffer_percentage"].get<double>() / 100;
  c.cost.strategy.oom_limit_factor = strategy["oom_limit_factor"];
  c.cost.strategy.points_required = strategy["points_required"];
  c.cost.strategy.allow_hpa = strategy["allow_hpa"];
  c.cost.strategy.min_cpu_millicores = strategy["min_cpu_millicores"];
  c.cost.strategy.min_memory_bytes = strategy["min_memory_mib"].get<std::int64_t>() * eks::cost::kMi;
  for (const auto& [name, server] : d["mcpServers"].items()) {
    UpstreamServer u;
    u.role = server.value("role", std::string(name == "kubernetes" || name == "github" ? name : ""));
    u.call_timeout_ms = server.value("call_timeout_ms", 60000);
    u.connect_timeout_ms = server.value("connect_timeout_ms", 30000);
    u.command = server.value("command", "");
    u.args = server.value("args", std::vector<std::string>{});
    u.env = server.value("env", std::map<std::string, std::string>{});
    u.url = server.value("url", "");
    u.headers = server.value("headers", std::map<std::string, std::string>{});
    c.mcp_servers[name] = std::move(u);
  }
  c.document = d;
  return c;
}

}  // namespace

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    const auto eq = entry.find('=');
    if (eq != std::string_view::npos) env.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return env;
}

tl::expected<std::string, std::string> write_in_cluster_kubeconfig(
    const std::map<std::string, std::string>& environment, const std::string& service_account_dir,
    const std::string& state_dir) {
  // What client-go's rest.InClusterConfig reads: the Service's environment variables and the mounted token.
  const std::string host = env_or(environment, "KUBERNETES_SERVICE_HOST", "");
  const std::string port = env_or(environment, "KUBERNETES_SERVICE_PORT", "");
  const fs::path dir = service_account_dir;
  std::error_code ec;
  if (host.empty() || port.empty() || !fs::is_regular_file(dir / "token", ec)) return std::string();
  std::string ns = "default";
  if (std::ifstream in(dir / "namespace"); in) {
    std::string read;
    if (in >> read && !read.empty()) ns = read;
  }
  // An IPv6 literal needs brackets in a URL.
  const std::string server = "https://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + port;
  // Every value a JSON string (valid YAML, read one way by every reader). tokenFile, not the token: the client
  // reads the file again, so a rotated (bound, expiring) token keeps working; no secret lands in our file.
  auto q = [](const std::string& v) { return json(v).dump(); };
  std::string text =
      "apiVersion: v1\nkind: Config\nclusters:\n- name: in-cluster\n  cluster:\n    server: " + q(server) + "\n";
  if (fs::is_regular_file(dir / "ca.crt", ec))
    text += "    certificate-authority: " + q((dir / "ca.crt").string()) + "\n";
  text += "users:\n- name: service-account\n  user:\n    tokenFile: " + q((dir / "token").string()) +
          "\ncontexts:\n- name: in-cluster\n  context:\n    cluster: in-cluster\n    user: service-account\n"
          "    namespace: " +
          q(ns) + "\ncurrent-context: in-cluster\n";

  const fs::path file = fs::path(state_dir) / "in-cluster.kubeconfig";
  fs::create_directories(state_dir, ec);
  if (ec)
    return tl::unexpected("cannot create the state directory " + state_dir +
                          " for the in-cluster kubeconfig: " + ec.message() + " (set state_dir to a writable place)");
  // Written private under a temporary name of this process's, then renamed: a reader never sees half a file,
  // and replicas sharing a state directory never write into each other's.
  const fs::path tmp = file.string() + "." + std::to_string(::getpid()) + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    fs::permissions(tmp, fs::perms::owner_read | fs::perms::owner_write, ec);
    out << text;
    if (!out || ec) return tl::unexpected("cannot write the in-cluster kubeconfig " + tmp.string());
  }
  fs::rename(tmp, file, ec);
  if (ec) return tl::unexpected("cannot write the in-cluster kubeconfig " + file.string() + ": " + ec.message());
  return file.string();
}

tl::expected<Config, std::string> load_config(const LoadOptions& options) {
  json document = defaults(options.environment);
  std::vector<std::string> sources{"defaults"};

  std::optional<fs::path> file = options.file;
  if (!file && options.search_default_files) {
    const fs::path local = "eks-sre-mcp.yaml";
    const fs::path user =
        fs::path(env_or(options.environment, "HOME", "/nonexistent")) / ".config/eks-sre-mcp/config.yaml";
    std::error_code ec;
    if (fs::exists(local, ec)) file = local;
    else if (fs::exists(user, ec)) file = user;
  }
  if (file) {
    std::error_code ec;
    if (!fs::is_regular_file(*file, ec)) {
      return tl::unexpected("configuration file " + file->string() + " does not exist or is not a file");
    }
    std::ifstream in(*file);
    std::stringstream text;
    text << in.rdbuf();
    auto parsed_file = safety::yaml::parse(text.str(), file->string());
    if (!parsed_file) return tl::unexpected(parsed_file.error());
    const json& parsed = parsed_file->value;
    const auto& lines = parsed_file->lines;
    if (!parsed.is_null()) {
      if (!parsed.is_object())
        return tl::unexpected(file->string() + ":1: the configuration must be a mapping of keys");
      auto where = [&](const std::string& pointer) {
        return file->string() + ":" + std::to_string(safety::yaml::line_of(lines, pointer));
      };
      if (auto problem = validate(parsed, where)) return tl::unexpected(*problem);
      document.merge_patch(parsed);
      // merge_patch treats null as "delete"; restore sections a file left empty.
      document = [&] {
        json base = defaults(options.environment);
        base.merge_patch(document);
        return base;
      }();
    }
    sources.push_back(file->string());
  }

  auto dotenv = read_dotenv(options.dotenv);
  if (!dotenv) return tl::unexpected(dotenv.error());
  std::map<std::string, std::string> from_dotenv;
  for (const auto& binding : kBindings) {
    if (dotenv->count(binding.variable)) from_dotenv[binding.variable] = (*dotenv)[binding.variable];
  }
  bool env_used = false;
  auto apply = [&](const std::map<std::string, std::string>& values,
                   const std::string& origin) -> std::optional<std::string> {
    for (const auto& binding : kBindings) {
      const auto it = values.find(binding.variable);
      if (it == values.end()) continue;
      json value = it->second;
      if (binding.integer) {
        int number = 0;
        auto [ptr, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), number);
        if (ec != std::errc() || ptr != it->second.data() + it->second.size()) {
          return origin + ": " + binding.variable + "=" + it->second + " is not a whole number of seconds";
        }
        value = number;
      }
      document[json::json_pointer(binding.pointer)] = value;
      auto where = [&](const std::string&) { return origin + " (" + std::string(binding.variable) + ")"; };
      if (auto problem = validate(document, where)) return *problem;
      env_used = true;
    }
    return std::nullopt;
  };
  if (!from_dotenv.empty()) {
    if (auto problem = apply(from_dotenv, options.dotenv.string())) return tl::unexpected(*problem);
    sources.push_back(options.dotenv.string());
  }
  env_used = false;
  if (auto problem = apply(options.environment, "environment")) return tl::unexpected(*problem);
  if (env_used) sources.push_back("environment");

  if (options.log_level) document["server"]["log_level"] = *options.log_level;
  if (options.log_file) document["server"]["log_file"] = *options.log_file;
  if (options.prometheus_url) document["cost"]["prometheus"]["url"] = *options.prometheus_url;
  if (options.log_level || options.log_file || options.prometheus_url) {
    if (auto problem = validate(document, [](const std::string&) { return std::string("command line"); })) {
      return tl::unexpected(*problem);
    }
    sources.push_back("command line");
  }
  Config config = typed(document);
  config.sources = std::move(sources);
  // The kubeconfig as kubectl finds it: the flag, the configuration, KUBECONFIG (its first entry), ~/.kube/config.
  std::string kubeconfig = options.kubeconfig.value_or(document.value("kubeconfig", ""));
  if (kubeconfig.empty()) {
    kubeconfig = env_or(options.environment, "KUBECONFIG", "");
    kubeconfig = kubeconfig.substr(0, kubeconfig.find(':'));
  }
  if (kubeconfig.empty()) {
    const fs::path home_config = fs::path(env_or(options.environment, "HOME", "/nonexistent")) / ".kube/config";
    std::error_code ec;
    if (fs::exists(home_config, ec)) kubeconfig = home_config.string();
  }
  if (!kubeconfig.empty() && !fs::is_regular_file(kubeconfig)) {
    return tl::unexpected("kubeconfig " + kubeconfig + " does not exist or is not a file (from " +
                          (options.kubeconfig                ? "--kubeconfig"
                           : document.contains("kubeconfig") ? "the configuration"
                                                             : "KUBECONFIG") +
                          ")");
  }
  config.service_account_dir = env_or(options.environment, "EKS_SRE_MCP_SERVICE_ACCOUNT_DIR", kServiceAccountDir);
  // In a pod without a kubeconfig: the service account's, as kubectl and client-go find it there.
  if (kubeconfig.empty() && !options.snapshot) {
    auto written = write_in_cluster_kubeconfig(options.environment, config.service_account_dir, config.state_dir);
    if (!written) return tl::unexpected(written.error());
    kubeconfig = *written;
    config.in_cluster = !kubeconfig.empty();
  }
  config.kubeconfig = kubeconfig;
  config.policy_file = options.policy.value_or(document.value("policy", ""));
  if (!config.policy_file.empty() && !fs::is_regular_file(config.policy_file)) {
    return tl::unexpected("policy file " + config.policy_file + " does not exist");
  }
  config.audit_log = document.value("audit_log", config.state_dir + "/audit.jsonl");
  if (options.snapshot) {
    if (!fs::is_directory(fs::path(*options.snapshot) / "cluster")) {
      return tl::unexpected(
          "--snapshot " + *options.snapshot +
          " is not a snapshot directory (it has no cluster/ folder; see examples/scenarios/README.md)");
    }
    config.snapshot = *options.snapshot;
  }
  return config;
}

std::shared_ptr<const safety::Redactor> make_redactor(const Config& config) {
  auto redactor = std::make_shared<safety::Redactor>();
  for (const auto* secret :
       {&config.anthropic_api_key, &config.github_token, &config.teams_webhook_url, &config.slack_webhook_url}) {
    redactor->add_secret(*secret);
  }
  for (const auto& [_, server] : config.mcp_servers) {
    for (const auto& [key, value] : server.env) {
      if (safety::Redactor::is_secret_key(key)) redactor->add_secret(value);
    }
    for (const auto& [key, value] : server.headers) {
      if (safety::Redactor::is_secret_key(key)) redactor->add_secret(value);
    }
  }
  return redactor;
}

nlohmann::json masked(const Config& config) { return make_redactor(config)->redact(config.document); }

}  // namespace eks::app
