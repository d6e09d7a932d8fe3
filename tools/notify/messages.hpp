#pragma once
// One notification, and the payload each webhook service documents for it: a Microsoft Teams message with an
// Adaptive Card attachment (what both Office 365 connectors and Workflows "post to a channel when a webhook
// request is received" accept), and a Slack incoming-webhook message with Block Kit blocks and a `text`
// fallback for notifications.
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace eks::notify {

struct Message {
  std::string event;              // action_applied | awaiting_approval | verification_failed | …
  std::string severity = "info";  // info | warning | critical
  std::string title;              // one line
  std::string text;               // a paragraph
  std::vector<std::pair<std::string, std::string>> facts;  // name, value (plan id, target, verification …)
  std::string command;  // a command the reader may run (the approve command); empty: none
};

// The Teams payload: {"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive",
// "content": {AdaptiveCard 1.4: title, text, FactSet, the command in monospace}}]}.
nlohmann::json teams_payload(const Message& message);

// The Slack payload: {"text": fallback, "blocks": [header, section, section with fields, the command]}, within
// Block Kit's limits (header 150 characters, section text 3000, at most 10 fields of 2000).
nlohmann::json slack_payload(const Message& message);

}  // namespace eks::notify
