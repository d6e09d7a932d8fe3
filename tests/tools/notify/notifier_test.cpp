// The notifier against a loopback webhook receiver: payloads arrive redacted, failures are retried with
// backoff, a dead webhook never blocks the sender, and every outcome is counted for /metrics.
#include "tools/notify/notifier.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>

#include "tests/tools/notify/webhook_receiver.hpp"

namespace eks::notify {
namespace {

using namespace std::chrono_literals;
using eks::testing::WebhookReceiver;

Message applied() {
  Message m;
  m.event = "action_applied";
  m.title = "Remediation applied: delete 3 Failed/Evicted pod records";
  m.text = "Every call of the plan ran. DB_PASSWORD=hunter2-secret-value";
  m.facts = {{"Plan", "p-0123456789abcdef"}, {"Verification", "fixed"}};
  return m;
}

std::shared_ptr<Notifier> notifier(std::vector<Webhook> hooks, int attempts = 3) {
  Options o;
  o.webhooks = std::move(hooks);
  o.attempts = attempts;
  o.first_backoff = 20ms;
  o.max_backoff = 200ms;
  o.timeout = 2000ms;
  auto redactor = std::make_shared<safety::Redactor>();
  redactor->add_secret("sk-known-secret-0001");
  o.redactor = redactor;
  auto n = Notifier::start(std::move(o));
  EXPECT_TRUE(n) << n.error();
  return n ? *n : nullptr;
}

TEST(Notifier, PostsEachServicesPayloadRedacted) {
  WebhookReceiver receiver;
  auto n = notifier({{"teams", receiver.url("/teams/hook")}, {"slack", receiver.url("/services/T0/B0/x")}});
  Message m = applied();
  m.facts.emplace_back("Detail", "token sk-known-secret-0001 in a log line");
  n->send(m);
  ASSERT_TRUE(n->flush(5s));
  const auto got = receiver.received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].path, "/teams/hook");
  EXPECT_EQ(got[0].body["attachments"][0]["content"]["type"], "AdaptiveCard");
  EXPECT_EQ(got[1].path, "/services/T0/B0/x");
  EXPECT_TRUE(got[1].body["blocks"].is_array());
  for (const auto& r : got) {
    EXPECT_NE(r.content_type.find("application/json"), std::string::npos) << r.content_type;
    const std::string text = r.body.dump();
    EXPECT_EQ(text.find("hunter2"), std::string::npos) << text;
    EXPECT_EQ(text.find("sk-known-secret-0001"), std::string::npos) << text;
  }
  EXPECT_NE(n->metrics().find("eks_sre_mcp_notifications_total{service=\"teams\",outcome=\"sent\"} 1"),
            std::string::npos)
      << n->metrics();
}

TEST(Notifier, RetriesServerErrorsAndRateLimitsButNotARejection) {
  WebhookReceiver receiver(
      {{503, "busy", ""}, {429, "rate_limited", "0"}, {200, "ok", ""}, {400, "invalid_blocks", ""}});
  auto n = notifier({{"slack", receiver.url("/hook")}}, 4);
  n->send(applied());
  ASSERT_TRUE(n->flush(5s));
  EXPECT_EQ(receiver.received().size(), 3u) << "two failures, then delivered";
  n->send(applied());  // answered 400: Slack refused the payload, retrying cannot help
  ASSERT_TRUE(n->flush(5s));
  EXPECT_EQ(receiver.received().size(), 4u);
  const std::string metrics = n->metrics();
  EXPECT_NE(metrics.find("outcome=\"sent\"} 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("outcome=\"failed\"} 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("eks_sre_mcp_notification_retries_total{service=\"slack\"} 2"), std::string::npos) << metrics;
}

TEST(Notifier, ADeadWebhookNeverBlocksTheSenderAndIsCounted) {
  // A port nothing listens on: take a free one and close it.
  std::string dead;
  {
    WebhookReceiver closed;
    dead = closed.url("/hook");
  }
  auto n = notifier({{"teams", dead}}, 2);
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) n->send(applied());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 50ms) << "send() only queues";
  ASSERT_TRUE(n->flush(10s));
  EXPECT_NE(n->metrics().find("outcome=\"failed\"} 5"), std::string::npos) << n->metrics();
}

TEST(Notifier, AFullQueueDropsAndCountsAndAStopDropsTheRest) {
  WebhookReceiver receiver({{503, "", ""}, {503, "", ""}, {503, "", ""}, {503, "", ""}});
  Options o;
  o.webhooks = {{"slack", receiver.url("/hook")}};
  o.max_queued = 2;
  o.attempts = 10;
  o.first_backoff = 1000ms;
  auto n = *Notifier::start(std::move(o));
  for (int i = 0; i < 6; ++i) n->send(applied());
  const std::string metrics = n->metrics();
  // One is being posted (or waiting to retry), two wait, the rest were dropped.
  EXPECT_TRUE(metrics.find("outcome=\"dropped\"} 3") != std::string::npos ||
              metrics.find("outcome=\"dropped\"} 4") != std::string::npos)
      << metrics;
  const auto started = std::chrono::steady_clock::now();
  n.reset();  // stopping interrupts the retry wait
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
}

TEST(Notifier, NamesAWebhookItCannotUse) {
  for (const auto& [service, url] : std::vector<std::pair<std::string, std::string>>{
           {"discord", "https://example.invalid/hook"}, {"teams", "file:///etc/passwd"}, {"slack", ""}}) {
    Options o;
    o.webhooks = {{service, url}};
    const auto n = Notifier::start(std::move(o));
    ASSERT_FALSE(n) << service << " " << url;
    EXPECT_NE(n.error().find(service), std::string::npos) << n.error();
  }
  Options none;
  const auto off = Notifier::start(std::move(none));
  ASSERT_TRUE(off);
  EXPECT_FALSE((*off)->enabled());
  (*off)->send(applied());  // nothing configured: nothing happens
  EXPECT_TRUE((*off)->flush(10ms));
}

}  // namespace
}  // namespace eks::notify
