#include "tools/cost/prometheus.hpp"
#include "tools/cost/prometheus_answer.hpp"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>

#include "server/jsonrpc/fields.hpp"
#include "server/upstream/curl.hpp"

namespace eks::cost {
namespace {

// application/x-www-form-urlencoded, byte by byte.
std::string form_encode(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// A namespace as a PromQL string literal (names are DNS labels; escaping keeps any other text inert).
std::string literal(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string selector(const std::string& metric, const std::string& ns) {
  return metric + "{namespace=" + literal(ns) + ",container!=\"\",container!=\"POD\"}";
}

std::string tagged(const std::string& expr, const char* stat) {
  return "label_replace(" + expr + ", \"stat\", \"" + stat + "\", \"\", \"\")";
}

// The four statistics of `inner` (an instant vector by pod and container) over a [days:step] subquery.
std::string statistics(const std::string& inner, int days, int step_seconds, double percentile,
                       const std::string& peak) {
  const std::string range = "[" + std::to_string(days) + "d:" + std::to_string(step_seconds) + "s]";
  std::ostringstream phi;
  phi << percentile / 100;
  return tagged("quantile_over_time(0.5, " + inner + range + ")", "p50") + " or " +
         tagged("quantile_over_time(" + phi.str() + ", " + inner + range + ")", "pq") + " or " +
         tagged(peak.empty() ? "max_over_time(" + inner + range + ")" : peak, "max") + " or " +
         tagged("count_over_time(" + inner + range + ")", "count");
}

std::string env(const PrometheusSettings& s, const char* name) {
  if (const auto it = s.environment.find(name); it != s.environment.end()) return it->second;
  const char* value = std::getenv(name);
  return value ? value : "";
}

std::string describe_url(const std::string& url) { return "Prometheus at " + url; }

class PrometheusSource final : public UsageSource {
 public:
  explicit PrometheusSource(PrometheusSettings settings) : client_(std::move(settings)) {}

  tl::expected<NamespaceUsage, std::string> namespace_usage(const std::string& ns, int days, cluster::Time end,
                                                            const Strategy& strategy) override {
    const int step = client_.settings().step_seconds;
    NamespaceUsage usage;
    for (const bool cpu : {true, false}) {
      const auto promql = cpu ? cpu_query(ns, days, step, strategy.cpu_percentile)
                              : memory_query(ns, days, step, strategy.cpu_percentile);
      std::vector<std::string> said;
      auto data = client_.query(promql, end, &said);
      if (!said.empty()) {
        std::lock_guard lock(mutex_);
        for (auto& w : said) warnings_.push_back("Prometheus, namespace " + ns + ": " + w);
      }
      if (!data) return tl::unexpected(data.error());
      if (auto added = add_usage(*data, cpu, usage, describe_url(client_.settings().url)); !added)
        return tl::unexpected(added.error());
    }
    return usage;
  }
  int queries() const override { return client_.queries(); }
  std::string describe() const override { return "prometheus:" + client_.settings().url; }
  std::vector<std::string> warnings() const override {
    std::lock_guard lock(mutex_);
    return warnings_;
  }

 private:
  PrometheusClient client_;
  mutable std::mutex mutex_;
  std::vector<std::string> warnings_;
};

}  // namespace

// Each series on its own, not `max by (pod, container)` inside the subquery: the aggregation at every step doubled
// Prometheus's work (bench/cost); a container's several series, when it has them, are folded by the client.
std::string cpu_query(const std::string& ns, int days, int step_seconds, double percentile) {
  const std::string inner =
      "rate(" + selector("container_cpu_usage_seconds_total", ns) + "[" + std::to_string(step_seconds) + "s])";
  return statistics(inner, days, step_seconds, percentile, "");
}

std::string memory_query(const std::string& ns, int days, int step_seconds, double percentile) {
  const std::string series = selector("container_memory_working_set_bytes", ns);
  // The peak over every raw sample: a subquery would only see the samples at its steps and miss a spike between.
  const std::string peak = "max_over_time(" + series + "[" + std::to_string(days) + "d])";
  return statistics(series, days, step_seconds, percentile, peak);
}

PrometheusClient::PrometheusClient(PrometheusSettings settings) : settings_(std::move(settings)) {}

tl::expected<nlohmann::json, std::string> PrometheusClient::query(const std::string& promql, cluster::Time at,
                                                                  std::vector<std::string>* warnings) {
  const std::string where = describe_url(settings_.url);
  const auto& loaded = upstream::curl();
  if (!loaded) return tl::unexpected(where + ": " + loaded.error());
  const upstream::Curl& c = *loaded;
  std::string url = settings_.url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += "/api/v1/query";
  const std::string body = "query=" + form_encode(promql) + "&time=" + std::to_string(at.time_since_epoch().count());

  curl_slist* headers = c.slist_append(nullptr, "Content-Type: application/x-www-form-urlencoded");
  headers = c.slist_append(headers, "Accept: application/json");
  std::string userpwd, sigv4;
  if (!settings_.bearer_token_file.empty()) {
    std::ifstream in(settings_.bearer_token_file);
    std::string token;
    if (!in || !std::getline(in, token) || token.empty()) {
      c.slist_free_all(headers);
      return tl::unexpected(where + ": cannot read the bearer token file " + settings_.bearer_token_file);
    }
    while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
    headers = c.slist_append(headers, ("Authorization: Bearer " + token).c_str());
  }
  if (!settings_.sigv4_region.empty()) {
    const auto key = env(settings_, "AWS_ACCESS_KEY_ID");
    const auto secret = env(settings_, "AWS_SECRET_ACCESS_KEY");
    if (key.empty() || secret.empty()) {
      c.slist_free_all(headers);
      return tl::unexpected(where + ": SigV4 signing needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
    }
    userpwd = key + ":" + secret;
    sigv4 = "aws:amz:" + settings_.sigv4_region + ":" + settings_.sigv4_service;
    if (const auto token = env(settings_, "AWS_SESSION_TOKEN"); !token.empty()) {
      headers = c.slist_append(headers, ("x-amz-security-token: " + token).c_str());
    }
  }

  CURL* handle = c.easy_init();
  if (!handle) {
    c.slist_free_all(headers);
    return tl::unexpected(where + ": cannot start an HTTP request");
  }
  upstream::Transfer transfer;
  upstream::prepare_post(handle, url, body, headers, transfer, std::chrono::milliseconds(settings_.timeout_ms),
                         std::chrono::milliseconds(std::min(settings_.timeout_ms, 10000)));
  c.easy_setopt(handle, CURLOPT_ACCEPT_ENCODING, "");
  if (!sigv4.empty()) {
    c.easy_setopt(handle, CURLOPT_AWS_SIGV4, sigv4.c_str());
    c.easy_setopt(handle, CURLOPT_USERPWD, userpwd.c_str());
  }
  ++queries_;
  const CURLcode code = c.easy_perform(handle);
  long status = 0;
  c.easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
  c.easy_cleanup(handle);
  c.slist_free_all(headers);

  if (code == CURLE_OPERATION_TIMEDOUT) {
    std::ostringstream seconds;
    seconds << settings_.timeout_ms / 1000.0;
    return tl::unexpected(where + " did not answer within " + seconds.str() + " s (cost.prometheus.timeout_ms)");
  }
  if (code != CURLE_OK) return tl::unexpected("cannot reach " + where + ": " + c.easy_strerror(code));
  return read_answer(status, transfer.body, where, warnings);
}

tl::expected<nlohmann::json, std::string> read_answer(long status, const std::string& body, const std::string& where,
                                                      std::vector<std::string>* warnings) {
  const auto doc = nlohmann::json::parse(body, nullptr, false);
  if (status != 200) {
    std::string detail = body.substr(0, 200);
    if (!doc.is_discarded() && doc.is_object() && doc.contains("error")) detail = doc["error"].dump();
    return tl::unexpected(where + " answered HTTP " + std::to_string(status) + ": " + detail);
  }
  if (doc.is_discarded() || !doc.is_object()) return tl::unexpected(where + " answered something that is not JSON");
  // string_field and type checks throughout: value() throws on a field of another type, and the body is not ours.
  if (jsonrpc::string_field(doc, "status") != "success") {
    return tl::unexpected(where + " refused the query: " + jsonrpc::string_field(doc, "error", "no reason given"));
  }
  if (warnings && doc.contains("warnings") && doc["warnings"].is_array()) {
    for (const auto& w : doc["warnings"])
      if (w.is_string()) warnings->push_back(w.get<std::string>());
  }
  return jsonrpc::object_field(doc, "data");
}

tl::expected<void, std::string> add_usage(const nlohmann::json& data, bool cpu, NamespaceUsage& usage,
                                          const std::string& where) {
  const auto result = data.find("result");
  if (result == data.end() || !result->is_array()) {
    return tl::unexpected(where + " answered without a result vector");
  }
  for (const auto& series : *result) {
    const auto& metric = jsonrpc::object_field(series, "metric");
    const std::string pod = jsonrpc::string_field(metric, "pod");
    const std::string container = jsonrpc::string_field(metric, "container");
    const std::string stat = jsonrpc::string_field(metric, "stat");
    if (pod.empty() || container.empty() || !series.contains("value") || !series["value"].is_array() ||
        series["value"].size() != 2)
      continue;
    const auto& text = series["value"][1];
    if (!text.is_string()) continue;
    const double value = std::strtod(text.get<std::string>().c_str(), nullptr);
    if (!std::isfinite(value)) continue;
    auto& stats = cpu ? usage[{pod, container}].cpu : usage[{pod, container}].memory;
    // A container with several series (scraped by two jobs, or a restart's new cgroup) keeps its busiest.
    if (stat == "p50") stats.p50 = std::max(stats.p50, value);
    if (stat == "pq") stats.pq = std::max(stats.pq, value);
    if (stat == "max") stats.max = std::max(stats.max, value);
    // A count beyond int64 would be undefined behaviour to convert: no series has that many points.
    if (stat == "count" && value >= 0 && value < 9e18)
      stats.points = std::max(stats.points, static_cast<std::int64_t>(value));
  }
  return {};
}

std::unique_ptr<UsageSource> make_prometheus_source(PrometheusSettings settings) {
  return std::make_unique<PrometheusSource>(std::move(settings));
}

}  // namespace eks::cost
