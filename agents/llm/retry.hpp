#pragma once
// When to retry a Messages API call and how long to wait: exponential backoff with jitter, and the server's
// retry-after when it sends one. Pure functions; the caller injects the random number.
#include <chrono>
#include <optional>
#include <string>

namespace eks::agents::llm {

struct RetryPolicy {
  int max_retries = 3;                               // attempts after the first
  std::chrono::milliseconds base{500};               // the first backoff before jitter
  std::chrono::milliseconds max_backoff{8000};       // the cap of the exponential part
  std::chrono::milliseconds max_retry_after{60000};  // a longer retry-after is clamped to this
};

// 408, 409, 429, 5xx (529 "overloaded" included): the API says these may succeed when retried.
bool retryable_status(long status);

// A retry-after-ms header (milliseconds) or retry-after (seconds, or an HTTP date, relative to `now`).
std::optional<std::chrono::milliseconds> parse_retry_after(const std::string& retry_after_ms,
                                                           const std::string& retry_after,
                                                           std::chrono::system_clock::time_point now);

// The wait before retry number `attempt` (0 for the first retry): the server's retry-after when given (clamped
// to max_retry_after), else min(base * 2^attempt, max_backoff) scaled by a jitter factor in [0.5, 1.0) drawn
// from `random01` in [0, 1).
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int attempt,
                                        std::optional<std::chrono::milliseconds> retry_after, double random01);

}  // namespace eks::agents::llm
