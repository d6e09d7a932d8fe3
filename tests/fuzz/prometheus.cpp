// The Prometheus answer parser: the body of an HTTP API answer (/api/v1/query) from a Prometheus or Amazon
// Managed Prometheus endpoint the configuration names, read by read_answer, and its result vector folded into a
// namespace's usage by add_usage — what recommend_rightsizing's Prometheus source does with every answer. The
// first byte is the HTTP status class and the metric (cpu or memory).
#include <cmath>
#include <string>
#include <vector>

#include "tools/cost/prometheus_answer.hpp"
#include "tests/fuzz/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string body(eks::fuzz::as_text(data + 1, size - 1));
  static constexpr long kStatus[] = {200, 200, 200, 400, 422, 503};
  const long status = kStatus[(data[0] & 0x7f) % std::size(kStatus)];
  const bool cpu = data[0] & 0x80;
  std::vector<std::string> warnings;
  const auto answer = eks::cost::read_answer(status, body, "Prometheus at http://prometheus.fuzz", &warnings);
  if (!answer) return 0;
  eks::cost::NamespaceUsage usage;
  if (eks::cost::add_usage(*answer, cpu, usage, "Prometheus at http://prometheus.fuzz")) {
    for (const auto& [key, container] : usage) {
      const auto& stats = cpu ? container.cpu : container.memory;
      eks::fuzz::check(std::isfinite(stats.p50) && std::isfinite(stats.pq) && std::isfinite(stats.max),
                       "usage statistics are finite", key.first);
    }
  }
  return 0;
}
