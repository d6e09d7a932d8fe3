#pragma once
// A model provider: where a Messages API request goes. `anthropic` posts it to the Messages API; with no
// provider configured (no API key) the tools answer from their deterministic analyzers alone.
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <tl/expected.hpp>

#include "agents/llm/messages.hpp"
#include "agents/llm/retry.hpp"

namespace eks::agents::llm {

using Deadline = std::chrono::steady_clock::time_point;

struct LlmError {
  enum class Kind {
    cancelled,    // the host cancelled the request
    deadline,     // no time left before the investigation's deadline
    rejected,     // the API refused the request (4xx other than 408/409/429): retrying cannot help
    unavailable,  // network errors, 429/5xx or malformed answers, still failing after every retry
  };
  Kind kind;
  std::string message;
  int attempts = 0;
};

class Provider {
 public:
  virtual ~Provider() = default;
  virtual std::string name() const = 0;
  // One Messages API call, retried as its policy says; never runs past `deadline` and stops when `cancelled`
  // turns true.
  virtual tl::expected<MessagesResponse, LlmError> create(const MessagesRequest& request, Deadline deadline,
                                                          const std::function<bool()>& cancelled) = 0;
};

struct AnthropicOptions {
  std::string api_key;
  std::string base_url = "https://api.anthropic.com";  // requests go to <base_url>/v1/messages
  std::chrono::milliseconds request_timeout{60000};    // one HTTP exchange
  RetryPolicy retry;
  std::function<double()> random;  // [0, 1) for the jitter; defaults to a seeded engine
};

// The Messages API over HTTP (libcurl, loaded on first use). Fails when libcurl cannot be loaded.
tl::expected<std::shared_ptr<Provider>, std::string> make_anthropic_provider(AnthropicOptions options);

}  // namespace eks::agents::llm
