// The Prometheus client against loopback stand-ins: AWS SigV4 signatures verified by the documented algorithm
// (computed here with OpenSSL, apart from libcurl's signing) accept our requests and reject a tampered one; a bearer
// token; a Prometheus that is down, slow or answering errors gives a sentence naming its URL.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "tools/cost/prometheus_answer.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tools/cost/prometheus.hpp"

namespace eks::cost {
namespace {

struct HttpRequest {
  std::string method, target, body;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case, in order
  std::string header(const std::string& name) const {
    for (const auto& [k, v] : headers)
      if (k == name) return v;
    return {};
  }
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::chrono::milliseconds delay{0};
};

// One thread answering HTTP/1.1 requests on 127.0.0.1 (Connection: close), with `handler`.
class StandIn {
 public:
  explicit StandIn(std::function<HttpResponse(const HttpRequest&)> handler) : handler_(std::move(handler)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(fd_, 8);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~StandIn() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<HttpRequest> requests;

 private:
  void serve() {
    while (!stop_) {
      const int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      timeval timeout{5, 0};
      setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
      std::string data;
      char buffer[4096];
      std::size_t header_end = std::string::npos;
      std::size_t length = 0;
      for (;;) {
        const ssize_t n = read(c, buffer, sizeof buffer);
        if (n <= 0) break;
        data.append(buffer, static_cast<std::size_t>(n));
        if (header_end == std::string::npos && (header_end = data.find("\r\n\r\n")) != std::string::npos) {
          header_end += 4;
          std::string lower = data.substr(0, header_end);
          std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
          if (const auto at = lower.find("content-length:"); at != std::string::npos)
            length = std::stoul(lower.substr(at + 15));
        }
        if (header_end != std::string::npos && data.size() >= header_end + length) break;
      }
      if (header_end == std::string::npos) {
        close(c);
        continue;
      }
      HttpRequest request;
      std::istringstream lines(data.substr(0, header_end));
      std::string line;
      std::getline(lines, line);
      std::istringstream first(line);
      first >> request.method >> request.target;
      while (std::getline(lines, line) && line != "\r") {
        const auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string name = line.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(), ::tolower);
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) value.pop_back();
        request.headers.emplace_back(name, value);
      }
      request.body = data.substr(header_end, length);
      requests.push_back(request);
      const auto response = handler_(request);
      std::this_thread::sleep_for(response.delay);
      const std::string out = "HTTP/1.1 " + std::to_string(response.status) +
                              " X\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
                              std::to_string(response.body.size()) + "\r\n\r\n" + response.body;
      (void)!write(c, out.data(), out.size());
      close(c);
    }
  }
  std::function<HttpResponse(const HttpRequest&)> handler_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// --- AWS Signature Version 4, as AWS documents it (create a canonical request, a string to sign, derive the key) --

std::string hex(const unsigned char* data, std::size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += digits[data[i] >> 4];
    out += digits[data[i] & 15];
  }
  return out;
}

std::string sha256_hex(const std::string& text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return hex(digest, sizeof digest);
}

std::string hmac(const std::string& key, const std::string& text) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(text.data()),
       text.size(), out, &n);
  return std::string(reinterpret_cast<char*>(out), n);
}

std::string field(const std::string& authorization, const std::string& name) {
  const auto at = authorization.find(name + "=");
  if (at == std::string::npos) return {};
  const auto from = at + name.size() + 1;
  return authorization.substr(from, authorization.find_first_of(", ", from) - from);
}

// Whether `request` carries a valid signature by `secret`; `why` says what failed.
bool verify_sigv4(const HttpRequest& request, const std::string& key_id, const std::string& secret,
                  const std::string& region, const std::string& service, std::string* why) {
  const auto authorization = request.header("authorization");
  if (authorization.rfind("AWS4-HMAC-SHA256 ", 0) != 0) return *why = "no AWS4-HMAC-SHA256 authorization", false;
  const auto credential = field(authorization, "Credential");
  const auto signed_headers = field(authorization, "SignedHeaders");
  const auto signature = field(authorization, "Signature");
  const auto amz_date = request.header("x-amz-date");
  if (amz_date.size() != 16) return *why = "no x-amz-date", false;
  const std::string date = amz_date.substr(0, 8);
  const std::string scope = date + "/" + region + "/" + service + "/aws4_request";
  if (credential != key_id + "/" + scope) return *why = "credential scope " + credential, false;
  // Canonical headers: the signed ones, lower-case names, sorted, trimmed values; host and x-amz-date must be signed.
  std::vector<std::string> names;
  std::stringstream list(signed_headers);
  for (std::string name; std::getline(list, name, ';');) names.push_back(name);
  if (!std::is_sorted(names.begin(), names.end())) return *why = "signed headers not sorted", false;
  for (const char* needed : {"host", "x-amz-date"}) {
    if (std::find(names.begin(), names.end(), needed) == names.end())
      return *why = std::string(needed) + " unsigned", false;
  }
  if (!request.header("x-amz-security-token").empty() &&
      std::find(names.begin(), names.end(), "x-amz-security-token") == names.end())
    return *why = "x-amz-security-token unsigned", false;
  std::string canonical_headers;
  for (const auto& name : names) canonical_headers += name + ":" + request.header(name) + "\n";
  const auto question = request.target.find('?');
  const std::string path = request.target.substr(0, question);
  const std::string query = question == std::string::npos ? "" : request.target.substr(question + 1);
  const std::string canonical = request.method + "\n" + path + "\n" + query + "\n" + canonical_headers + "\n" +
                                signed_headers + "\n" + sha256_hex(request.body);
  const std::string to_sign = "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" + sha256_hex(canonical);
  const std::string key = hmac(hmac(hmac(hmac("AWS4" + secret, date), region), service), "aws4_request");
  const auto mac = hmac(key, to_sign);
  const auto expected = hex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
  if (expected != signature) return *why = "signature mismatch", false;
  return true;
}

const char* kVector = R"({"status":"success","data":{"resultType":"vector","result":[]}})";
const cluster::Time kAt{std::chrono::seconds(1796601600)};

PrometheusSettings sigv4_settings(const std::string& url, const std::string& secret) {
  PrometheusSettings s;
  s.url = url + "/workspaces/ws-0123";
  s.sigv4_region = "eu-west-1";
  s.environment = {{"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"},
                   {"AWS_SECRET_ACCESS_KEY", secret},
                   {"AWS_SESSION_TOKEN", "session-token-value"}};
  return s;
}

TEST(PrometheusSigV4, StandInAcceptsOurSignatureAndRejectsTamperedRequest) {
  const std::string secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  std::string why;
  StandIn aps([&](const HttpRequest& r) {
    return verify_sigv4(r, "AKIDEXAMPLE", secret, "eu-west-1", "aps", &why) ? HttpResponse{200, kVector}
                                                                            : HttpResponse{403, R"({"message":"bad"})"};
  });
  PrometheusClient client(sigv4_settings(aps.url(), secret));
  const auto ok = client.query("sum(up)", kAt);
  ASSERT_TRUE(ok) << ok.error() << " (" << why << ")";
  ASSERT_EQ(aps.requests.size(), 1u);
  const auto& sent = aps.requests[0];
  EXPECT_EQ(sent.target, "/workspaces/ws-0123/api/v1/query");
  EXPECT_EQ(sent.header("x-amz-security-token"), "session-token-value");

  // The same request with its query changed, or another header value signed, no longer verifies.
  auto tampered = sent;
  tampered.body.replace(tampered.body.find("sum"), 3, "max");
  EXPECT_FALSE(verify_sigv4(tampered, "AKIDEXAMPLE", secret, "eu-west-1", "aps", &why));
  EXPECT_EQ(why, "signature mismatch");
  auto moved = sent;
  for (auto& [name, value] : moved.headers)
    if (name == "x-amz-date") value[15] = value[15] == 'Z' ? 'z' : 'Z';
  EXPECT_FALSE(verify_sigv4(moved, "AKIDEXAMPLE", secret, "eu-west-1", "aps", &why));

  // Signed with another secret: refused, and the error names the workspace URL.
  PrometheusClient wrong(sigv4_settings(aps.url(), "not-the-secret"));
  const auto refused = wrong.query("sum(up)", kAt);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find(aps.url() + "/workspaces/ws-0123 answered HTTP 403"), std::string::npos)
      << refused.error();
}

TEST(PrometheusClient, SendsTheBearerTokenFromItsFile) {
  char path[] = "/tmp/eks-token-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "s3cr3t-token\n", 13), 13);
  close(fd);
  StandIn prometheus([](const HttpRequest& r) {
    return r.header("authorization") == "Bearer s3cr3t-token" ? HttpResponse{200, kVector}
                                                              : HttpResponse{401, "unauthorized"};
  });
  PrometheusSettings s;
  s.url = prometheus.url();
  s.bearer_token_file = path;
  PrometheusClient client(s);
  const auto ok = client.query("up", kAt);
  EXPECT_TRUE(ok) << ok.error();
  EXPECT_NE(prometheus.requests.at(0).body.find("time=1796601600"), std::string::npos);
  unlink(path);
}

TEST(PrometheusClient, SlowErrorsAndBadAnswersNameTheUrl) {
  StandIn slow([](const HttpRequest&) { return HttpResponse{200, kVector, std::chrono::milliseconds(1500)}; });
  PrometheusSettings s;
  s.url = slow.url();
  s.timeout_ms = 300;
  const auto timed_out = PrometheusClient(s).query("up", kAt);
  ASSERT_FALSE(timed_out);
  EXPECT_EQ(timed_out.error(),
            "Prometheus at " + slow.url() + " did not answer within 0.3 s (cost.prometheus.timeout_ms)");

  StandIn failing([](const HttpRequest&) {
    return HttpResponse{
        422, R"({"status":"error","errorType":"execution","error":"query processing would load too many samples"})"};
  });
  s.url = failing.url();
  s.timeout_ms = 5000;
  const auto error = PrometheusClient(s).query("up", kAt);
  ASSERT_FALSE(error);
  EXPECT_NE(error.error().find("Prometheus at " + failing.url() + " answered HTTP 422"), std::string::npos);
  EXPECT_NE(error.error().find("too many samples"), std::string::npos) << error.error();

  // A namespace whose query fails is a warning when others answered (partial data), the error when none did.
  auto source = make_prometheus_source(s);
  const auto usage = source->namespace_usage("shop", 14, kAt, Strategy{});
  ASSERT_FALSE(usage);
  EXPECT_NE(usage.error().find(failing.url()), std::string::npos);
}

TEST(PrometheusClient, PrometheusWarningsAreKeptAsPartialData) {
  StandIn prometheus([](const HttpRequest&) {
    return HttpResponse{200, R"({"status":"success","warnings":["query hit the sample limit of a store"],)"
                             R"("data":{"resultType":"vector","result":[]}})"};
  });
  PrometheusSettings s;
  s.url = prometheus.url();
  auto source = make_prometheus_source(s);
  ASSERT_TRUE(source->namespace_usage("shop", 14, kAt, Strategy{}));
  ASSERT_EQ(source->warnings().size(), 2u);  // one per query
  EXPECT_EQ(source->warnings()[0], "Prometheus, namespace shop: query hit the sample limit of a store");
}

TEST(PrometheusQueries, AreTwoPerNamespaceWithSubqueries) {
  const auto cpu = cpu_query("shop", 14, 300, 95);
  EXPECT_NE(cpu.find("quantile_over_time(0.95, rate(container_cpu_usage_seconds_total{"
                     "namespace=\"shop\",container!=\"\",container!=\"POD\"}[300s])[14d:300s])"),
            std::string::npos)
      << cpu;
  EXPECT_NE(cpu.find("count_over_time("), std::string::npos);
  const auto memory = memory_query("shop", 14, 300, 95);
  EXPECT_NE(memory.find("max_over_time(container_memory_working_set_bytes{namespace=\"shop\""), std::string::npos)
      << memory;
  EXPECT_EQ(cpu_query("a\"b", 1, 60, 90).find("a\"b"), std::string::npos);  // the namespace cannot break out
}

// Found by fuzzing: a series or label of another type threw, a count past int64 was converted (undefined behaviour).
TEST(PrometheusAnswer, SeriesOfAnotherShapeAreSkipped) {
  const auto data = read_answer(200, R"({"status":"success","data":{"result":[[1],"x",{"metric":{"pod":1}},
    {"metric":{"pod":"p","container":"c","stat":"count"},"value":[1,"1e300"]},
    {"metric":{"pod":"p","container":"c","stat":"max"},"value":[1,"0.5"]}]}})",
                                "Prometheus at x", nullptr);
  ASSERT_TRUE(data) << data.error();
  NamespaceUsage usage;
  ASSERT_TRUE(add_usage(*data, true, usage, "Prometheus at x"));
  ASSERT_EQ(usage.size(), 1u);
  EXPECT_EQ(usage.begin()->second.cpu.points, 0);
  EXPECT_EQ(usage.begin()->second.cpu.max, 0.5);
  EXPECT_FALSE(read_answer(200, R"({"status":1,"error":[2]})", "Prometheus at x", nullptr));
}

}  // namespace
}  // namespace eks::cost
