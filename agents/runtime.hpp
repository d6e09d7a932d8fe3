#pragma once
// The subagent runtime: runs one agent (a definition: system prompt, model, tool allow-list, limits) on a
// bounded investigation with the Messages API tool-use loop, and returns its answer — a submit_result call
// validated against the task's schema — or, when anything fails, says why so the caller keeps its
// deterministic result.
//
// Every upstream call a model asks for passes, in order: the agent's tool allow-list (here), then the gateway's
// check (the safety validator, audited), then the upstream. A refusal at either becomes a tool_result with
// is_error, worded so the model can change its plan.
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "agents/definitions.hpp"
#include "agents/llm/messages.hpp"
#include "agents/llm/provider.hpp"
#include "safety/audit_log.hpp"
#include "server/upstream/gateway.hpp"

namespace eks::agents {

using Json = nlohmann::json;

// Limits of one investigation. The definition's max_turns applies when smaller than max_turns here.
struct Budgets {
  int max_turns = 10;
  std::int64_t max_tokens = 200000;  // input + output + cache tokens, summed over every turn
  int max_tool_calls = 24;
  std::size_t max_tool_output_bytes_per_turn = 48 * 1024;  // tool output returned to the model in one turn
  std::chrono::milliseconds deadline{120000};              // the whole investigation
  std::size_t max_parallel_tool_calls = 8;                 // tool_use blocks of one turn run concurrently
};

// What an agent can reach upstream: the tool catalogue of a role, and a call (through the gateway's check).
struct Upstreams {
  std::function<tl::expected<Json, std::string>(const std::string& role)> tools;  // the tools/list "tools" array
  std::function<upstream::Expected<Json>(const std::string& role, const std::string& tool, const Json& arguments,
                                         const std::string& agent, const std::function<bool()>& cancelled)>
      call;
};

// The gateway's tools and calls, with Actor{"subagent", agent} on every call.
Upstreams via_gateway(upstream::Gateway& gateway);

struct Task {
  std::string agent;   // a definition name, e.g. k8s-diagnostics
  std::string prompt;  // the first user turn; cluster data in it wrapped with untrusted()
  Json answer_schema;  // submit_result's input_schema
  // A check after the schema (e.g. that answered finding ids exist); returns the problem, or nullopt.
  std::function<std::optional<std::string>(const Json& answer)> check;
  std::function<void(const std::string& step)> progress;  // e.g. "turn 2: pods_log"; may be empty
};

struct Outcome {
  std::optional<Json> answer;  // set when the agent submitted an answer that passed the schema and the check
  std::string agent;
  std::string provider;  // anthropic | none
  std::string model;
  int turns = 0;
  int tool_calls = 0;
  int refused_calls = 0;  // refused by the allow-list or the safety validator
  llm::Usage usage;
  double cost_usd = 0;
  bool repaired = false;   // the first answer failed its schema and the repair turn fixed it
  bool truncated = false;  // some tool output was cut to the per-turn budget
  std::string failure;     // why there is no answer (empty when there is one)
  std::chrono::milliseconds duration{0};
};

class Runtime {
 public:
  struct Options {
    std::map<std::string, AgentDefinition> definitions;
    std::string cluster_context;                 // part of every system prompt (may be empty)
    std::map<std::string, std::string> models;   // configuration role (diagnostic, log_analyzer ...) -> alias or id
    std::map<std::string, std::string> aliases;  // haiku -> claude-haiku-4-5 ...
    Budgets budgets;
    // Why the agents cannot read a live cluster (the server answers from a snapshot); empty when they can.
    std::string offline;
  };

  // `provider` null: the `none` provider (no model; investigate() fails at once and says so). `audit` may be
  // null (tests); it records calls the allow-list refuses.
  Runtime(Options options, std::shared_ptr<llm::Provider> provider, Upstreams upstreams,
          std::shared_ptr<safety::AuditLog> audit = nullptr);

  bool enabled() const { return provider_ != nullptr; }
  // A provider is configured and there is a live cluster to read: what deep investigations by default need.
  bool ready() const { return enabled() && options_.offline.empty(); }
  std::string provider_name() const { return provider_ ? provider_->name() : "none"; }
  const Options& options() const { return options_; }
  // The model id an agent runs on: the configuration's model for its role (the seed's *_MODEL variables), else
  // the definition's; aliases resolved.
  std::string model_for(const AgentDefinition& definition) const;
  const AgentDefinition* definition(const std::string& name) const;

  // Runs the task to an answer or a failure; never past the deadline, stops when `cancelled` turns true.
  // Thread-safe.
  Outcome investigate(const Task& task, const std::function<bool()>& cancelled) const;

  // Totals since start, for server_status: {provider, models: {agent: model id}, investigations, answered,
  // degraded, tokens, cost_usd_estimate}.
  Json stats() const;
  // The same totals as Prometheus metric families, appended to the HTTP transport's /metrics.
  std::string metrics_text() const;

 private:
  // Logs and audits a tool_use of a tool the agent's definition does not list.
  void refuse_unlisted(const std::string& agent, const std::string& tool, const Json& input) const;

  void count(const Outcome& outcome) const;

  Options options_;
  std::shared_ptr<llm::Provider> provider_;
  Upstreams upstreams_;
  std::shared_ptr<safety::AuditLog> audit_;
  mutable std::mutex totals_mutex_;
  mutable int investigations_ = 0;
  mutable int answered_ = 0;
  mutable llm::Usage usage_;
  mutable double cost_usd_ = 0;
};

// Cluster data (logs, event messages, annotations, tool output) for a prompt: fenced as untrusted data, with
// anything inside it that reads as the fence's opening or closing tag (any case, spaces inside the brackets, '_'
// for '-', a fullwidth '<') defused by writing its '<' as "&lt;", so nothing in it can pose as our instructions.
std::string untrusted(std::string_view source, std::string_view text);

// Cuts `text` to at most `limit` bytes, keeping its head and its tail (logs end with the crash) on UTF-8
// boundaries, with a note that says how much was cut and why. Unchanged when it fits.
std::string truncate_middle(const std::string& text, std::size_t limit, std::string_view why);

// The `analysis` object of a tool result: {mode, provider, agent, model, turns, tool_calls, refused_calls,
// tokens, cost_usd_estimate, degraded, reason?, duration_ms}. mode is "agent" when the outcome has an answer,
// else "deterministic"; degraded when an investigation was wanted and failed (outcome.failure set).
Json analysis_json(const Outcome& outcome);

}  // namespace eks::agents
