// The Messages API over HTTP: POST {base_url}/v1/messages with x-api-key and anthropic-version, retried on
// 408/409/429/5xx, network errors and malformed answers with exponential backoff and jitter, honouring
// retry-after. The API key goes into one header and nowhere else: never into a log line or an error.
#include <mutex>
#include <random>
#include <thread>

#include <spdlog/spdlog.h>

#include "agents/llm/provider.hpp"
#include "server/logging.hpp"
#include "server/upstream/curl.hpp"

namespace eks::agents::llm {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<spdlog::logger> logger() {
  static const auto log = server::component_logger("agents");
  return log;
}

// One HTTP exchange's outcome.
struct Exchange {
  CURLcode code = CURLE_OK;
  long status = 0;
  upstream::Transfer transfer;
};

class AnthropicProvider final : public Provider {
 public:
  explicit AnthropicProvider(AnthropicOptions options) : options_(std::move(options)) {
    while (!options_.base_url.empty() && options_.base_url.back() == '/') options_.base_url.pop_back();
    if (!options_.random) {
      options_.random = [engine = std::make_shared<std::mt19937_64>(std::random_device{}()),
                         mutex = std::make_shared<std::mutex>()] {
        std::lock_guard lock(*mutex);
        return std::uniform_real_distribution<double>(0.0, 1.0)(*engine);
      };
    }
  }

  std::string name() const override { return "anthropic"; }

  tl::expected<MessagesResponse, LlmError> create(const MessagesRequest& request, Deadline deadline,
                                                  const std::function<bool()>& cancelled) override {
    const std::string body = to_json(request).dump();
    std::string last_problem;
    for (int attempt = 0;; ++attempt) {
      if (cancelled && cancelled()) return fail(LlmError::Kind::cancelled, "the request was cancelled", attempt);
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left <= 0ms) {
        return fail(LlmError::Kind::deadline,
                    "the investigation's deadline passed" +
                        (last_problem.empty() ? "" : " (last attempt: " + last_problem + ")"),
                    attempt);
      }
      const Exchange x = post(body, std::min(left, options_.request_timeout), cancelled);
      std::optional<std::chrono::milliseconds> retry_after;
      if (x.code == CURLE_ABORTED_BY_CALLBACK)
        return fail(LlmError::Kind::cancelled, "the request was cancelled", attempt + 1);
      if (x.code != CURLE_OK) {
        last_problem =
            x.code == CURLE_OPERATION_TIMEDOUT
                ? "no answer within " + std::to_string(std::min(left, options_.request_timeout).count()) + " ms"
                : std::string("network error: ") + upstream::curl()->easy_strerror(x.code);
      } else if (x.status >= 200 && x.status < 300) {
        const Json parsed = Json::parse(x.transfer.body, nullptr, false);
        auto response = parse_response(parsed);
        if (response) return std::move(*response);
        last_problem = "malformed answer: " + (parsed.is_discarded() ? std::string("not JSON") : response.error());
      } else {
        last_problem = "HTTP " + std::to_string(x.status) + " " + error_message(x.transfer.body);
        if (!retryable_status(x.status))
          return fail(LlmError::Kind::rejected, "the Messages API refused the request: " + last_problem, attempt + 1);
        retry_after = parse_retry_after(x.transfer.header("retry-after-ms"), x.transfer.header("retry-after"),
                                        std::chrono::system_clock::now());
      }
      if (attempt >= options_.retry.max_retries) {
        return fail(LlmError::Kind::unavailable,
                    "the Messages API failed " + std::to_string(attempt + 1) + " times; last: " + last_problem,
                    attempt + 1);
      }
      const auto wait = backoff_delay(options_.retry, attempt, retry_after, options_.random());
      logger()->warn("Messages API attempt {} failed ({}){}; retrying in {} ms", attempt + 1, last_problem,
                     x.transfer.header("request-id").empty() ? "" : " request-id " + x.transfer.header("request-id"),
                     wait.count());
      if (std::chrono::steady_clock::now() + wait >= deadline) {
        return fail(LlmError::Kind::deadline,
                    "the investigation's deadline comes before the next retry (in " + std::to_string(wait.count()) +
                        " ms); last attempt: " + last_problem,
                    attempt + 1);
      }
      // Sleep in short slices so cancellation is seen at once.
      const auto until = std::chrono::steady_clock::now() + wait;
      while (std::chrono::steady_clock::now() < until) {
        if (cancelled && cancelled()) return fail(LlmError::Kind::cancelled, "the request was cancelled", attempt + 1);
        std::this_thread::sleep_for(
            std::min<std::chrono::steady_clock::duration>(10ms, until - std::chrono::steady_clock::now()));
      }
    }
  }

 private:
  static tl::unexpected<LlmError> fail(LlmError::Kind kind, std::string message, int attempts) {
    return tl::unexpected(LlmError{kind, std::move(message), attempts});
  }

  Exchange post(const std::string& body, std::chrono::milliseconds timeout,
                const std::function<bool()>& cancelled) const {
    Exchange x;
    const upstream::Curl& c = *upstream::curl();  // loaded: make_anthropic_provider checked it
    CURL* curl = c.easy_init();
    if (!curl) {
      x.code = CURLE_FAILED_INIT;
      return x;
    }
    x.transfer.cancelled = &cancelled;
    const std::string url = options_.base_url + "/v1/messages";
    const std::string key = "x-api-key: " + options_.api_key;
    const std::string version = std::string("anthropic-version: ") + kApiVersion;
    curl_slist* headers = nullptr;
    headers = c.slist_append(headers, "content-type: application/json");
    headers = c.slist_append(headers, "accept: application/json");
    headers = c.slist_append(headers, key.c_str());
    headers = c.slist_append(headers, version.c_str());
    c.easy_setopt(curl, CURLOPT_URL, url.c_str());
    c.easy_setopt(curl, CURLOPT_POST, 1L);
    c.easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    c.easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    c.easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    upstream::collect(curl, x.transfer);
    c.easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<std::int64_t>(1, timeout.count())));
    c.easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                  static_cast<long>(std::min<std::int64_t>(10000, std::max<std::int64_t>(1, timeout.count()))));
    c.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    c.easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    x.code = upstream::perform(curl, cancelled);
    c.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &x.status);
    c.slist_free_all(headers);
    c.easy_cleanup(curl);
    return x;
  }

  AnthropicOptions options_;
};

}  // namespace

tl::expected<std::shared_ptr<Provider>, std::string> make_anthropic_provider(AnthropicOptions options) {
  if (!upstream::curl()) return tl::unexpected("the Messages API client: " + upstream::curl().error());
  if (options.api_key.empty()) return tl::unexpected(std::string("the anthropic provider needs ANTHROPIC_API_KEY"));
  return std::shared_ptr<Provider>(std::make_shared<AnthropicProvider>(std::move(options)));
}

}  // namespace eks::agents::llm
