#include "tools/notify/notifier.hpp"

#include <algorithm>

#include "server/logging.hpp"
#include "server/upstream/curl.hpp"

namespace eks::notify {
namespace {

std::shared_ptr<spdlog::logger> logger() { return server::component_logger("notify"); }

// "https://hooks.slack.com/services/T/B/secret" -> "hooks.slack.com": the path of a webhook URL is its secret.
std::string host_of(const std::string& url) {
  const auto scheme = url.find("://");
  const auto start = scheme == std::string::npos ? 0 : scheme + 3;
  const auto end = url.find_first_of("/?#", start);
  std::string host = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (const auto at = host.rfind('@'); at != std::string::npos) host = host.substr(at + 1);
  return host;
}

struct Attempt {
  bool ok = false;
  bool retry = false;
  std::chrono::milliseconds retry_after{0};  // from a 429's Retry-After, when given
  std::string problem;
};

Attempt post_once(const std::string& url, const std::string& body, std::chrono::milliseconds timeout) {
  const auto& loaded = upstream::curl();
  if (!loaded) return {false, false, {}, loaded.error()};
  const upstream::Curl& c = *loaded;
  CURL* curl = c.easy_init();
  if (!curl) return {false, true, {}, "cannot create an HTTP handle"};
  upstream::Transfer transfer;
  curl_slist* headers = c.slist_append(nullptr, "Content-Type: application/json");
  upstream::prepare_post(curl, url, body, headers, transfer, timeout, std::chrono::milliseconds(5000));
  const CURLcode code = c.easy_perform(curl);
  long status = 0;
  c.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  c.slist_free_all(headers);
  c.easy_cleanup(curl);
  if (code != CURLE_OK) return {false, true, {}, c.easy_strerror(code)};
  if (status >= 200 && status < 300) return {true, false, {}, ""};
  Attempt a{false, status == 429 || status == 408 || status >= 500, {}, "HTTP " + std::to_string(status)};
  // Slack answers errors in words ("invalid_blocks", "no_service"): short, and never the request.
  std::string said = transfer.body.substr(0, 120);
  said.erase(std::remove_if(said.begin(), said.end(), [](char ch) { return ch == '\n' || ch == '\r'; }), said.end());
  if (!said.empty()) a.problem += ": " + said;
  if (status == 429) {
    const std::string after = transfer.header("retry-after");
    if (!after.empty() && std::all_of(after.begin(), after.end(), ::isdigit) && after.size() < 6)
      a.retry_after = std::chrono::seconds(std::stol(after));
  }
  return a;
}

}  // namespace

tl::expected<std::shared_ptr<Notifier>, std::string> Notifier::start(Options options) {
  for (const auto& w : options.webhooks) {
    if (w.service != "teams" && w.service != "slack")
      return tl::unexpected("notifications: unknown webhook service \"" + w.service + "\" (teams or slack)");
    if (w.url.rfind("https://", 0) != 0 && w.url.rfind("http://", 0) != 0)
      return tl::unexpected("notifications: the " + w.service + " webhook URL must start with https:// (got " +
                            (w.url.empty() ? std::string("nothing") : "another scheme") + ")");
  }
  options.attempts = std::max(1, options.attempts);
  std::shared_ptr<Notifier> n(new Notifier(std::move(options)));
  if (n->enabled()) n->thread_ = std::thread([raw = n.get()] { raw->run(); });
  return n;
}

Notifier::Notifier(Options options) : options_(std::move(options)) {}

Notifier::~Notifier() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (const auto& job : queue_) count(job.webhook.service, "dropped");
    if (!queue_.empty()) logger()->warn("{} notification(s) not sent: the server is stopping", queue_.size());
    queue_.clear();
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Notifier::send(const Message& message) {
  if (!enabled()) return;
  // Redacted before it is queued: a secret in a finding's evidence never reaches a chat channel.
  Message clean = message;
  const safety::Redactor fallback;
  const safety::Redactor& r = options_.redactor ? *options_.redactor : fallback;
  clean.title = r.redact(clean.title);
  clean.text = r.redact(clean.text);
  clean.command = r.redact(clean.command);
  for (auto& [name, value] : clean.facts) value = r.redact(value);
  std::lock_guard lock(mutex_);
  for (const auto& w : options_.webhooks) {
    if (queue_.size() >= options_.max_queued) {
      count(w.service, "dropped");
      logger()->warn("a {} notification was dropped: {} are already waiting", w.service, queue_.size());
      continue;
    }
    const auto payload = w.service == "teams" ? teams_payload(clean) : slack_payload(clean);
    queue_.push_back(Job{w, payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)});
  }
  wake_.notify_one();
}

bool Notifier::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return idle_.wait_for(lock, timeout, [&] { return queue_.empty() && !busy_; });
}

void Notifier::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) break;
    Job job = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    post(job);
    lock.lock();
    busy_ = false;
    if (queue_.empty()) idle_.notify_all();
  }
  busy_ = false;
  idle_.notify_all();
}

void Notifier::post(const Job& job) {
  auto backoff = options_.first_backoff;
  std::string problem;
  for (int attempt = 1; attempt <= options_.attempts; ++attempt) {
    const Attempt a = post_once(job.webhook.url, job.body, options_.timeout);
    if (a.ok) {
      std::lock_guard lock(mutex_);
      count(job.webhook.service, "sent");
      return;
    }
    problem = a.problem;
    if (!a.retry || attempt == options_.attempts) break;
    const auto wait = std::min(options_.max_backoff, std::max(backoff, a.retry_after));
    backoff = std::min(options_.max_backoff, backoff * 2);
    std::unique_lock lock(mutex_);
    ++retries_[job.webhook.service];
    // Woken early only to stop: a retry never delays shutdown.
    if (wake_.wait_for(lock, wait, [&] { return stopping_; })) break;
  }
  logger()->warn("a {} notification to {} failed: {}", job.webhook.service, host_of(job.webhook.url), problem);
  std::lock_guard lock(mutex_);
  count(job.webhook.service, "failed");
}

void Notifier::count(const std::string& service, const std::string& outcome) { ++outcomes_[{service, outcome}]; }

std::string Notifier::metrics() const {
  std::lock_guard lock(mutex_);
  std::string out =
      "# HELP eks_sre_mcp_notifications_total Notifications by webhook service and outcome (sent, failed, "
      "dropped).\n# TYPE eks_sre_mcp_notifications_total counter\n";
  std::set<std::string> services;
  for (const auto& w : options_.webhooks) services.insert(w.service);
  for (const auto& service : services) {
    for (const char* outcome : {"sent", "failed", "dropped"}) {
      const auto it = outcomes_.find({service, outcome});
      out += "eks_sre_mcp_notifications_total{service=\"" + service + "\",outcome=\"" + outcome + "\"} " +
             std::to_string(it == outcomes_.end() ? 0 : it->second) + "\n";
    }
  }
  out +=
      "# HELP eks_sre_mcp_notification_retries_total Webhook posts retried after a failure.\n"
      "# TYPE eks_sre_mcp_notification_retries_total counter\n";
  for (const auto& service : services) {
    const auto it = retries_.find(service);
    out += "eks_sre_mcp_notification_retries_total{service=\"" + service + "\"} " +
           std::to_string(it == retries_.end() ? 0 : it->second) + "\n";
  }
  return out;
}

}  // namespace eks::notify
