#include "agents/llm/retry.hpp"

#include <algorithm>
#include <charconv>
#include <ctime>

namespace eks::agents::llm {

bool retryable_status(long status) { return status == 408 || status == 409 || status == 429 || status >= 500; }

namespace {

std::optional<double> number(const std::string& text) {
  if (text.empty()) return std::nullopt;
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_retry_after(const std::string& retry_after_ms,
                                                           const std::string& retry_after,
                                                           std::chrono::system_clock::time_point now) {
  if (auto ms = number(retry_after_ms)) return std::chrono::milliseconds(static_cast<std::int64_t>(*ms));
  if (auto s = number(retry_after)) return std::chrono::milliseconds(static_cast<std::int64_t>(*s * 1000));
  // An HTTP date: "Wed, 21 Oct 2015 07:28:00 GMT".
  std::tm tm{};
  const char* end = ::strptime(retry_after.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (!end || *end != '\0') return std::nullopt;
  const auto at = std::chrono::system_clock::from_time_t(::timegm(&tm));
  return std::max(std::chrono::milliseconds(0), std::chrono::duration_cast<std::chrono::milliseconds>(at - now));
}

std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int attempt,
                                        std::optional<std::chrono::milliseconds> retry_after, double random01) {
  if (retry_after) return std::min(*retry_after, policy.max_retry_after);
  const double exponential =
      static_cast<double>(policy.base.count()) * static_cast<double>(1LL << std::clamp(attempt, 0, 30));
  const double capped = std::min(exponential, static_cast<double>(policy.max_backoff.count()));
  const double jitter = 0.5 + 0.5 * std::clamp(random01, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<std::int64_t>(capped * jitter));
}

}  // namespace eks::agents::llm
