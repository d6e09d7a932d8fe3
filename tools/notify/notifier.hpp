#pragma once
// Posts notifications to Teams and Slack incoming webhooks. send() only queues: one background thread posts,
// so a webhook that is slow or down never blocks or fails the remediation that caused the message. Each
// message is redacted before it is queued, retried with exponential backoff on network errors, 5xx and 429
// (honouring Retry-After), and given up on a 4xx; every outcome is counted for /metrics. A webhook URL is a
// credential (whoever has it can post): it is never logged, only its service and host.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <tl/expected.hpp>

#include "safety/redactor.hpp"
#include "tools/notify/messages.hpp"

namespace eks::notify {

struct Webhook {
  std::string service;  // "teams" | "slack"
  std::string url;
};

struct Options {
  std::vector<Webhook> webhooks;
  int attempts = 4;                                  // per message and webhook, the first one included
  std::chrono::milliseconds first_backoff{1000};     // doubled after each failed attempt
  std::chrono::milliseconds max_backoff{30000};      // also caps a Retry-After
  std::chrono::milliseconds timeout{10000};          // per attempt
  std::size_t max_queued = 1000;                     // more waiting messages are dropped (and counted)
  std::shared_ptr<const safety::Redactor> redactor;  // null: the built-in patterns only
};

class Notifier {
 public:
  // Starts the sending thread (none when there is no webhook). Fails naming a webhook whose service is unknown
  // or whose URL is not http(s).
  static tl::expected<std::shared_ptr<Notifier>, std::string> start(Options options);
  // Stops after the message being posted; what is still queued is logged as dropped.
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Queues the message for every webhook; never blocks on the network.
  void send(const Message& message);
  // Waits until the queue is empty and nothing is being posted, at most `timeout`; false on timeout. For a CLI
  // run that must not exit before its notifications went out.
  bool flush(std::chrono::milliseconds timeout);
  bool enabled() const { return !options_.webhooks.empty(); }

  // eks_sre_mcp_notifications_total{service, outcome="sent|failed|dropped"} and
  // eks_sre_mcp_notification_retries_total{service}, in the Prometheus text format.
  std::string metrics() const;

 private:
  explicit Notifier(Options options);
  struct Job {
    Webhook webhook;
    std::string body;
  };
  void run();
  void post(const Job& job);
  void count(const std::string& service, const std::string& outcome);

  Options options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<Job> queue_;
  bool busy_ = false;
  bool stopping_ = false;
  std::map<std::pair<std::string, std::string>, std::uint64_t> outcomes_;
  std::map<std::string, std::uint64_t> retries_;
  std::thread thread_;
};

}  // namespace eks::notify
