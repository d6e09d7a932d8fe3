// The pure parts of the HTTP transport: address parsing, DNS-rebinding checks, tokens, session ids, header
// value decoding, SSE framing and the replay buffer, the metrics text.
#include <set>

#include <gtest/gtest.h>

#include "server/transport/http_metrics.hpp"
#include "server/transport/http_security.hpp"
#include "server/transport/sse.hpp"

namespace {

using namespace eks::transport;

TEST(HttpSecurity, ParsesListenAddresses) {
  auto v4 = parse_listen("127.0.0.1:8808");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->port, 8808);
  EXPECT_TRUE(v4->loopback);
  auto v6 = parse_listen("[::1]:0");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_TRUE(v6->loopback);
  auto any = parse_listen("0.0.0.0:80");
  ASSERT_TRUE(any);
  EXPECT_FALSE(any->loopback);
  EXPECT_EQ(parse_listen("localhost:1")->host, "127.0.0.1");
  EXPECT_FALSE(parse_listen("127.0.0.1"));
  EXPECT_FALSE(parse_listen("127.0.0.1:99999"));
  EXPECT_FALSE(parse_listen("::1:80"));
}

TEST(HttpSecurity, HostCheckBlocksRebindingOnLoopback) {
  EXPECT_TRUE(host_allowed("localhost:8808", true, {}));
  EXPECT_TRUE(host_allowed("127.0.0.1", true, {}));
  EXPECT_TRUE(host_allowed("[::1]:9", true, {}));
  EXPECT_FALSE(host_allowed("evil.example.com", true, {}));
  EXPECT_FALSE(host_allowed("localhost.evil.example.com:80", true, {}));
  EXPECT_FALSE(host_allowed("", true, {}));
  EXPECT_TRUE(host_allowed("mcp.internal:443", true, {"mcp.internal"}));
  EXPECT_TRUE(host_allowed("anything", false, {}));
  EXPECT_FALSE(host_allowed("anything", false, {"mcp.internal"}));
}

// DNS rebinding: an attacker controls the name a browser resolves, so a loopback bind must accept only names
// that can never resolve elsewhere — not every name that starts like one.
TEST(HttpSecurity, HostCheckAcceptsExactLoopbackNamesWithAnyPort) {
  for (const char* host : {"127.0.0.1", "127.0.0.1:8808", "127.1.2.3:9", "127.255.255.255", "localhost", "LOCALHOST:80",
                           "localhost:8808", "[::1]", "[::1]:8808", " 127.0.0.1:80 ", "localhost:"}) {
    EXPECT_TRUE(host_allowed(host, true, {})) << host;
  }
}

TEST(HttpSecurity, HostCheckRefusesNamesThatOnlyStartLikeLoopback) {
  for (const char* host : {"127.0.0.1.evil.example",
                           "127.0.0.1.evil.example:8808",
                           "127.0.0.1evil",
                           "127.0.0.256",
                           "127.0.0",
                           "127.0.0.",
                           "127.0.0.1.",
                           "127..0.1",
                           "127.0.0.1.2",
                           "127.0.0.-1",
                           "+127.0.0.1",
                           "0127.0.0.1",
                           "127.00.0.1",
                           "0x7f.0.0.1",
                           "128.0.0.1",
                           "localhost.evil.example",
                           "localhost.",
                           "evil-localhost",
                           "localhostevil",
                           "[::1].evil",
                           "[::1]evil:80",
                           "[::1",
                           "[::2]",
                           "::1",
                           "127.0.0.1@evil.example",
                           "127.0.0.1:80@evil.example",
                           "localhost:80x",
                           "localhost:1234567",
                           "",
                           ":8808"}) {
    EXPECT_FALSE(host_allowed(host, true, {})) << host;
  }
}

TEST(HttpSecurity, OriginCheckAcceptsOnlyExactLoopbackAuthorities) {
  for (const char* origin : {"http://127.0.0.1:8808", "http://127.0.0.1", "https://127.3.2.1:443",
                             "http://localhost:6274", "http://LOCALHOST", "http://[::1]:8808", "http://[::1]"}) {
    EXPECT_TRUE(origin_allowed(origin, true, {})) << origin;
  }
  for (const char* origin :
       {"http://127.0.0.1.evil.example", "http://127.0.0.1.evil.example:8808", "http://127.0.0.1evil",
        "http://127.0.0.256", "http://localhost.evil.example", "http://evil-localhost", "http://[::1].evil",
        "http://0x7f.0.0.1", "http://127.0.0.1@evil.example", "http://127.0.0.1:8808@evil.example", "http://",
        "127.0.0.1"}) {
    EXPECT_FALSE(origin_allowed(origin, true, {})) << origin;
  }
}

TEST(HttpSecurity, LoopbackNamesAreExactLiterals) {
  for (const char* name : {"localhost", "127.0.0.1", "127.0.0.0", "127.255.255.255", "[::1]", "::1"}) {
    EXPECT_TRUE(is_loopback_name(name)) << name;
  }
  for (const char* name :
       {"", "127.", "127.0.0.1.", "127.0.0.1.evil.example", "127.0.0.1evil", "127.0.0.256", "127.0.0.1000",
        "1127.0.0.1", "127.0.0.01", "0x7f.0.0.1", "127.0.0.1/8", "localhost.localdomain", "[::1]x", "[::1]:80"}) {
    EXPECT_FALSE(is_loopback_name(name)) << name;
  }
}

TEST(HttpSecurity, ListenAddressIsLoopbackOnlyForExactLiterals) {
  EXPECT_TRUE(parse_listen("127.0.0.1:8808")->loopback);
  EXPECT_TRUE(parse_listen("127.9.8.7:1")->loopback);
  EXPECT_TRUE(parse_listen("LOCALHOST:1")->loopback);
  EXPECT_TRUE(parse_listen("[::1]:1")->loopback);
  EXPECT_FALSE(parse_listen("127.0.0.1.evil.example:8808")->loopback);
  EXPECT_FALSE(parse_listen("127.example:8808")->loopback);
  EXPECT_FALSE(parse_listen("localhost.evil.example:8808")->loopback);
  EXPECT_FALSE(parse_listen("[::1.evil]:8808")->loopback);
}

TEST(HttpSecurity, HostNameKeepsOnlyAWellFormedHost) {
  EXPECT_EQ(host_name("LocalHost:8808"), "localhost");
  EXPECT_EQ(host_name("[::1]:8808"), "[::1]");
  EXPECT_EQ(host_name("mcp.internal"), "mcp.internal");
  EXPECT_EQ(host_name("[::1].evil"), "");
  EXPECT_EQ(host_name("127.0.0.1:80@evil.example"), "");
  EXPECT_EQ(host_name("[::1"), "");
}

TEST(HttpSecurity, OriginCheck) {
  EXPECT_TRUE(origin_allowed(std::nullopt, true, {}));
  EXPECT_TRUE(origin_allowed("http://localhost:6274", true, {}));
  EXPECT_TRUE(origin_allowed("http://127.0.0.1", true, {}));
  EXPECT_FALSE(origin_allowed("https://evil.example.com", true, {}));
  EXPECT_FALSE(origin_allowed("null", true, {}));
  EXPECT_FALSE(origin_allowed("http://localhost:6274", false, {}));
  EXPECT_TRUE(origin_allowed("https://Claude.ai", false, {"https://claude.ai"}));
}

TEST(HttpSecurity, TokensCompareInConstantTimeShape) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_FALSE(constant_time_equal("", "a"));
  EXPECT_EQ(bearer_token("Bearer xyz").value(), "xyz");
  EXPECT_EQ(bearer_token("bearer  xyz ").value(), "xyz");
  EXPECT_FALSE(bearer_token("Basic xyz"));
  EXPECT_FALSE(bearer_token("Bearer "));
}

TEST(HttpSecurity, SessionIdsAreRandomHex) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const auto id = random_session_id();
    ASSERT_EQ(id.size(), 32u);
    ASSERT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(HttpSecurity, DecodesBase64HeaderValues) {
  EXPECT_EQ(decode_header_value("plain").value(), "plain");
  EXPECT_EQ(decode_header_value("=?base64?SGVsbG8sIOS4lueVjA==?=").value(), "Hello, 世界");
  EXPECT_EQ(decode_header_value("=?base64?IHBhZGRlZCA=?=").value(), " padded ");
  EXPECT_FALSE(decode_header_value("=?base64?***?="));
}

TEST(HttpSecurity, TokenFileErrorsNameTheFileNotTheToken) {
  auto missing = read_token_file("/nonexistent/token");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("/nonexistent/token"), std::string::npos);
}

TEST(Sse, FramesEvents) {
  EXPECT_EQ(sse_event("{}", "7", "message"), "event: message\nid: 7\ndata: {}\n\n");
  EXPECT_EQ(sse_event("", "1", "", 500), "id: 1\nretry: 500\ndata: \n\n");
  EXPECT_EQ(sse_event("a\nb"), "data: a\ndata: b\n\n");
}

TEST(Sse, ReplayBufferKeepsTheLastEventsPerStream) {
  ReplayBuffer buffer(3);
  buffer.push({1, 1, "a"});
  buffer.push({2, 2, "b"});
  buffer.push({3, 1, "c"});
  buffer.push({4, 1, "d"});  // evicts event 1
  EXPECT_FALSE(buffer.stream_of(1));
  EXPECT_EQ(buffer.stream_of(3).value(), 1);
  const auto after = buffer.after(3);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].data, "d");
  EXPECT_TRUE(buffer.after(99).empty());
}

TEST(HttpMetricsText, RendersPrometheusExposition) {
  HttpMetrics metrics;
  metrics.request("POST", 200, 0.002);
  metrics.tool_call("a\"b", "ok", 0.5);
  metrics.add_sessions(2);
  const auto text = metrics.render();
  EXPECT_NE(text.find("# TYPE mcp_http_requests_total counter"), std::string::npos);
  EXPECT_NE(text.find("mcp_http_requests_total{method=\"POST\",status=\"200\"} 1"), std::string::npos);
  EXPECT_NE(text.find("mcp_tool_calls_total{tool=\"a\\\"b\",outcome=\"ok\"} 1"), std::string::npos);
  EXPECT_NE(text.find("mcp_tool_call_duration_seconds_bucket{tool=\"a\\\"b\",le=\"0.5\"} 1"), std::string::npos);
  EXPECT_NE(text.find("mcp_tool_call_duration_seconds_bucket{tool=\"a\\\"b\",le=\"0.25\"} 0"), std::string::npos);
  EXPECT_NE(text.find("mcp_active_sessions 2"), std::string::npos);
}

}  // namespace
