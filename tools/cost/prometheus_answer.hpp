#pragma once
// The Prometheus HTTP API's answers (/api/v1/query), read without trusting them: the endpoint is whatever the
// configuration names, and its body is JSON we did not write.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "tools/cost/usage.hpp"

namespace eks::cost {

// The `data` of an answer with HTTP `status` and `body` from `where` ("Prometheus at http://..."), or a sentence
// saying what is wrong (an HTTP error with Prometheus's own error, a body that is not JSON, a refused query). The
// answer's `warnings` are appended to `warnings` when given.
tl::expected<nlohmann::json, std::string> read_answer(long status, const std::string& body, const std::string& where,
                                                      std::vector<std::string>* warnings);

// Folds an instant query's result vector — series labelled pod, container and stat (p50 | pq | max | count) —
// into `usage`'s cpu or memory statistics; a container's several series keep their busiest. Fails when `data`
// has no result vector; series without those labels or with a value that is not a finite number are skipped.
tl::expected<void, std::string> add_usage(const nlohmann::json& data, bool cpu, NamespaceUsage& usage,
                                          const std::string& where);

}  // namespace eks::cost
