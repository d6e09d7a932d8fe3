#include "tools/notify/messages.hpp"

namespace eks::notify {
namespace {

using Json = nlohmann::json;

// Cuts at a UTF-8 character boundary so a limit never splits a character (Slack rejects invalid UTF-8).
std::string cut(const std::string& text, std::size_t limit) {
  if (text.size() <= limit) return text;
  std::size_t end = limit - 1;  // room for the ellipsis' one character
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end) + "\u2026";
}

// Slack's mrkdwn treats <, > and & as control characters: "you must escape these three characters".
std::string escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else out += c;
  }
  return out;
}

std::string marker(const std::string& severity) {
  if (severity == "critical") return "[critical] ";
  if (severity == "warning") return "[warning] ";
  return "";
}

}  // namespace

Json teams_payload(const Message& m) {
  Json body = Json::array();
  body.push_back({{"type", "TextBlock"},
                  {"text", marker(m.severity) + m.title},
                  {"weight", "Bolder"},
                  {"size", "Medium"},
                  {"wrap", true},
                  {"color", m.severity == "critical"  ? "Attention"
                            : m.severity == "warning" ? "Warning"
                                                      : "Default"}});
  if (!m.text.empty()) body.push_back({{"type", "TextBlock"}, {"text", m.text}, {"wrap", true}});
  if (!m.facts.empty()) {
    Json facts = Json::array();
    for (const auto& [name, value] : m.facts) facts.push_back({{"title", name}, {"value", value}});
    body.push_back({{"type", "FactSet"}, {"facts", std::move(facts)}});
  }
  if (!m.command.empty())
    body.push_back({{"type", "TextBlock"}, {"text", m.command}, {"fontType", "Monospace"}, {"wrap", true}});
  const Json card{{"$schema", "http://adaptivecards.io/schemas/adaptive-card.json"},
                  {"type", "AdaptiveCard"},
                  {"version", "1.4"},
                  {"body", std::move(body)}};
  return Json{{"type", "message"},
              {"attachments", Json::array({{{"contentType", "application/vnd.microsoft.card.adaptive"},
                                            {"contentUrl", nullptr},
                                            {"content", card}}})}};
}

Json slack_payload(const Message& m) {
  Json blocks = Json::array();
  blocks.push_back(
      {{"type", "header"}, {"text", {{"type", "plain_text"}, {"text", cut(marker(m.severity) + m.title, 150)}}}});
  if (!m.text.empty())
    blocks.push_back({{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", cut(escape(m.text), 3000)}}}});
  if (!m.facts.empty()) {
    Json fields = Json::array();
    for (const auto& [name, value] : m.facts) {
      if (fields.size() == 10) break;
      fields.push_back({{"type", "mrkdwn"}, {"text", cut("*" + escape(name) + "*\n" + escape(value), 2000)}});
    }
    blocks.push_back({{"type", "section"}, {"fields", std::move(fields)}});
  }
  if (!m.command.empty())
    blocks.push_back(
        {{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", cut("```" + escape(m.command) + "```", 3000)}}}});
  return Json{{"text", cut(marker(m.severity) + m.title, 3000)}, {"blocks", std::move(blocks)}};
}

}  // namespace eks::notify
