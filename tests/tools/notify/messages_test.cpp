// The payloads each webhook service documents: a Teams message carrying an Adaptive Card, and a Slack message
// with Block Kit blocks within their limits.
#include "tools/notify/messages.hpp"

#include <gtest/gtest.h>

namespace eks::notify {
namespace {

using nlohmann::json;

// Block Kit counts characters, not bytes.
std::size_t characters(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

Message sample() {
  Message m;
  m.event = "awaiting_approval";
  m.severity = "warning";
  m.title = "Remediation waits for approval: raise the memory limit of report-renderer";
  m.text = "The plan needs a human's approval <because> R&D asked";
  m.facts = {{"Plan", "p-0123456789abcdef"}, {"Subject", "Deployment/reports/report-renderer"}};
  m.command = "eks-sre-mcp approve p-0123456789abcdef --by NAME --reason TEXT";
  return m;
}

TEST(NotifyMessages, TeamsGetsAMessageWithAnAdaptiveCard) {
  const json p = teams_payload(sample());
  EXPECT_EQ(p["type"], "message");
  ASSERT_EQ(p["attachments"].size(), 1u);
  EXPECT_EQ(p["attachments"][0]["contentType"], "application/vnd.microsoft.card.adaptive");
  const json& card = p["attachments"][0]["content"];
  EXPECT_EQ(card["type"], "AdaptiveCard");
  EXPECT_EQ(card["version"], "1.4");
  EXPECT_EQ(card["$schema"], "http://adaptivecards.io/schemas/adaptive-card.json");
  ASSERT_GE(card["body"].size(), 3u);
  for (const auto& element : card["body"]) {
    const std::string type = element["type"];
    EXPECT_TRUE(type == "TextBlock" || type == "FactSet") << element.dump();
    if (type == "TextBlock") {
      EXPECT_TRUE(element["text"].is_string());
    }
    if (type == "FactSet") {
      for (const auto& f : element["facts"]) EXPECT_TRUE(f["title"].is_string() && f["value"].is_string());
    }
  }
  EXPECT_NE(card["body"][0]["text"].get<std::string>().find("[warning]"), std::string::npos);
  EXPECT_EQ(card["body"].back()["fontType"], "Monospace") << "the approve command, to copy";
}

TEST(NotifyMessages, SlackGetsBlocksWithinTheirLimitsAndEscapedText) {
  Message m = sample();
  m.title = std::string(400, 'x');
  for (int i = 0; i < 14; ++i) m.facts.emplace_back("fact " + std::to_string(i), std::string(3000, 'y'));
  const json p = slack_payload(m);
  ASSERT_TRUE(p["text"].is_string()) << "the fallback notifications show";
  const json& blocks = p["blocks"];
  ASSERT_GE(blocks.size(), 3u);
  EXPECT_EQ(blocks[0]["type"], "header");
  EXPECT_EQ(blocks[0]["text"]["type"], "plain_text");
  EXPECT_LE(characters(blocks[0]["text"]["text"]), 150u);
  bool fields_seen = false;
  for (const auto& b : blocks) {
    EXPECT_TRUE(b["type"] == "header" || b["type"] == "section") << b.dump();
    if (b.contains("fields")) {
      fields_seen = true;
      EXPECT_LE(b["fields"].size(), 10u);
      for (const auto& f : b["fields"]) EXPECT_LE(characters(f["text"]), 2000u);
    }
  }
  EXPECT_TRUE(fields_seen);
  EXPECT_NE(blocks[1]["text"]["text"].get<std::string>().find("&lt;because&gt; R&amp;D"), std::string::npos)
      << blocks[1].dump();
}

TEST(NotifyMessages, LimitsNeverSplitACharacter) {
  Message m = sample();
  m.title = std::string(149, 'a') + "\xc3\xa9\xc3\xa9";  // two-byte characters straddling the limit
  const std::string header = slack_payload(m)["blocks"][0]["text"]["text"];
  EXPECT_NO_THROW((void)json(header).dump());
  EXPECT_EQ(header.find("\xc3\xa9"), std::string::npos) << "cut before the first é";
}

}  // namespace
}  // namespace eks::notify
