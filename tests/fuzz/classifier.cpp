// The call classifier behind the validator: a manifest from the host or a subagent (resources_create_or_update)
// is read strictly and classified; other upstream calls are classified from their arguments. Input: a JSON
// object {"tool", "arguments"} when it starts with '{', else manifest text. Property: a manifest holding a
// Secret is never classified as anything but an action on a Secret — every Secret object in it is one of the
// action's targets — unless the call is refused (problem set). The manifest checked is the one sent upstream.
#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "safety/classifier.hpp"
#include "safety/policy.hpp"
#include "safety/strict_yaml.hpp"
#include "tests/fuzz/fuzz.hpp"

namespace {

using nlohmann::json;

std::string trimmed(std::string s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

bool is_secret(const json& object) {
  const auto kind = object.find("kind");
  return kind != object.end() && kind->is_string() &&
         eks::safety::canonical_kind(trimmed(kind->get<std::string>())) == "secret";
}

// Counts the Secret objects the upstream would create: documents, arrays of them, and the items of Lists.
std::size_t count_secrets(const json& value, int depth) {
  if (depth > 16) return 0;
  std::size_t n = 0;
  if (value.is_array()) {
    for (const auto& item : value) n += count_secrets(item, depth + 1);
    return n;
  }
  if (!value.is_object()) return 0;
  // A List is what the Kubernetes API makes of one: an object with items and no kind, or a kind ending in List.
  const auto items = value.find("items");
  const auto kind = value.find("kind");
  std::string k = kind != value.end() && kind->is_string() ? kind->get<std::string>() : std::string();
  std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const bool list = items != value.end() && items->is_array() &&
                    (kind == value.end() || !kind->is_string() || (k.size() >= 4 && k.ends_with("list")));
  if (list) {
    for (const auto& item : *items) n += count_secrets(item, depth + 1);
    return n;
  }
  return is_secret(value) ? 1 : 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(eks::fuzz::as_text(data, size));
  eks::safety::UpstreamCall call;
  call.upstream = "kubernetes";
  call.current_namespace = "default";
  call.actor.client = "fuzz";
  if (!text.empty() && text[0] == '{') {
    const json doc = json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) return 0;
    if (const auto tool = doc.find("tool"); tool != doc.end() && tool->is_string()) call.tool = *tool;
    if (const auto up = doc.find("upstream"); up != doc.end() && up->is_string()) call.upstream = *up;
    if (const auto args = doc.find("arguments"); args != doc.end()) call.arguments = *args;
    const auto action = eks::safety::classify_upstream(call);
    (void)eks::safety::to_json(action).dump(-1, ' ', false, json::error_handler_t::replace);
    return 0;
  }

  call.tool = "resources_create_or_update";
  call.arguments = json{{"resource", text}};
  const auto action = eks::safety::classify_upstream(call);
  (void)eks::safety::to_json(action).dump(-1, ' ', false, json::error_handler_t::replace);
  if (!action.problem.empty()) return 0;
  eks::fuzz::check(action.mutating, "an accepted manifest is a mutating action", text);

  // What is sent is what was decided on: the manifest the upstream receives (rebuilt by the classifier) holds
  // exactly as many Secrets as the action has Secret targets.
  const auto sent = eks::safety::yaml::parse_strict_all(action.send_arguments.value("resource", std::string()));
  eks::fuzz::check(sent.has_value(), "the manifest sent reads strictly", text);
  std::size_t secrets = 0;
  for (const auto& d : *sent) secrets += count_secrets(d, 0);
  const auto targeted =
      static_cast<std::size_t>(std::count_if(action.targets.begin(), action.targets.end(), [](const auto& t) {
        return eks::safety::canonical_kind(t.kind) == "secret";
      }));
  eks::fuzz::check(targeted == secrets, "every Secret sent is a Secret target of the action", text);
  if (secrets > 0 && action.targets.size() == 1)
    eks::fuzz::check(eks::safety::canonical_kind(action.kind) == "secret", "a lone Secret is a Secret action", text);
  return 0;
}
