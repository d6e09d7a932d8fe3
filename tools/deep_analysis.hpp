#pragma once
// What diagnose_cluster and analyze_pod_logs share for `depth: deep`: which depth runs, the answer schemas a
// subagent's submit_result takes, and the `analysis` object every result carries.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "agents/runtime.hpp"
#include "schemas/schemas.hpp"

namespace eks::tools::deep {

// deep when asked, or by default when a model provider is configured and the cluster is live; quick otherwise.
inline bool wants_deep(const std::optional<std::string>& depth, const agents::Runtime* runtime) {
  if (depth) return *depth == "deep";
  return runtime && runtime->ready();
}

// Why the default was quick (for analysis.note).
inline std::string quick_note(const std::optional<std::string>& depth, const agents::Runtime* runtime) {
  if (depth) return "depth quick: deterministic analysis only";
  if (runtime && runtime->enabled()) return runtime->options().offline + "; deterministic analysis only";
  return "no model provider is configured (set ANTHROPIC_API_KEY for deep investigations)";
}

// schemas/<name>.json with the root-cause categories and evidence sources of finding.schema.json filled in, so
// an answer can only use words our output schemas accept.
inline nlohmann::json answer_schema(std::string_view name) {
  using nlohmann::json;
  const json finding = json::parse(schemas::text("finding.schema"));
  const json category = finding["properties"]["root_cause"]["properties"]["category"];
  const json source = finding["properties"]["evidence"]["items"]["properties"]["source"];
  json schema = json::parse(schemas::text(name));
  const bool many = schema["properties"].contains("findings");
  json& item = many ? schema["properties"]["findings"]["items"] : schema;
  item["properties"]["root_cause"]["properties"]["category"] = category;
  item["properties"]["evidence"]["items"]["properties"]["source"] = source;
  return schema;
}

// The analysis of a result where no model ran: quick, no findings to investigate, or no provider.
inline agents::Outcome without_model(const agents::Runtime* runtime, const std::string& agent, std::string failure) {
  agents::Outcome o;
  o.agent = agent;
  o.provider = runtime ? runtime->provider_name() : "none";
  o.failure = std::move(failure);
  return o;
}

// What ran for a result: the investigation when deep applies, else an outcome and a note saying why no model ran.
struct Depth {
  agents::Outcome outcome;
  std::string note;
};
inline Depth run(const std::optional<std::string>& depth, const agents::Runtime* runtime, const std::string& agent,
                 const std::function<agents::Outcome()>& investigate) {
  if (!wants_deep(depth, runtime)) return {without_model(runtime, agent, ""), quick_note(depth, runtime)};
  if (!runtime || !runtime->enabled()) {
    return {without_model(runtime, agent, "depth deep needs a model provider: set ANTHROPIC_API_KEY"), ""};
  }
  return {investigate(), ""};
}

}  // namespace eks::tools::deep
