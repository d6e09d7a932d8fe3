// Container logs: whatever a pod printed reaches the template miner and the root-cause patterns through
// analyze_log, the function analyze_pod_logs and the analyzers call.
#include <string>

#include "tools/logs/log_analysis.hpp"
#include "tests/fuzz/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto analysis = eks::logs::analyze_log(eks::fuzz::as_text(data, size), "app");
  eks::fuzz::check(analysis.key_lines.size() <= 20, "key_lines stays within max_key_lines");
  eks::fuzz::check(analysis.templates.size() <= 50, "templates are capped at 50");
  return 0;
}
