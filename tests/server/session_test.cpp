// Session and dispatcher behaviour over an in-memory connection: lifecycle in both eras, tool calls on the
// worker pool, cancellation, progress, batches, pagination.
#include "server/session.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace eks::server {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class MemoryConnection final : public transport::Connection {
 public:
  bool send(std::string_view message) override {
    {
      std::lock_guard lock(mutex_);
      messages_.push_back(json::parse(message));
    }
    arrived_.notify_all();
    return true;
  }
  // The first message matching `pred`, waiting up to `timeout`; null when none came.
  json wait_for(const std::function<bool(const json&)>& pred, std::chrono::milliseconds timeout = 3000ms) {
    std::unique_lock lock(mutex_);
    json found;
    arrived_.wait_for(lock, timeout, [&] {
      for (const auto& m : messages_) {
        if (pred(m)) {
          found = m;
          return true;
        }
      }
      return false;
    });
    return found;
  }
  json response(const json& id, std::chrono::milliseconds timeout = 3000ms) {
    return wait_for([&](const json& m) { return m.contains("id") && m["id"] == id && !m.contains("method"); }, timeout);
  }
  std::vector<json> all() {
    std::lock_guard lock(mutex_);
    return {messages_.begin(), messages_.end()};
  }

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::deque<json> messages_;
};

// A test-only slow tool that reports progress and stops when cancelled.
ToolDef slow_tool() {
  return ToolDef{
      .name = "slow",
      .title = "Slow",
      .description = "Counts slowly.",
      .input_schema = R"({"type":"object","properties":{"steps":{"type":"integer","default":3},"delay_ms":{"type":"integer","default":20}}})",
      .output_schema = R"({"type":"object","properties":{"counted":{"type":"integer"}},"required":["counted"]})",
      .annotations = {.read_only = true},
      .safety = SafetyClass::read_only,
      .handler = [](const json& args, CallContext& ctx) -> Result<ToolOutput> {
        const int steps = args["steps"];
        for (int i = 1; i <= steps; ++i) {
          if (ctx.cancelled()) return tool_error("cancelled");
          std::this_thread::sleep_for(std::chrono::milliseconds(args["delay_ms"].get<int>()));
          ctx.progress(i, steps, "step");
        }
        ctx.log(LogLevel::error, "finished");
        return ToolOutput{json{{"counted", steps}}, "counted"};
      },
  };
}

ToolDef liar_tool() {
  return ToolDef{
      .name = "liar",
      .title = "Liar",
      .description = "Returns output that breaks its schema.",
      .input_schema = R"({"type":"object"})",
      .output_schema = R"({"type":"object","required":["x"]})",
      .annotations = {},
      .safety = SafetyClass::read_only,
      .handler = [](const json&, CallContext&) -> Result<ToolOutput> { return ToolOutput{json::object(), "?"}; },
  };
}

class SessionTest : public ::testing::Test {
 protected:
  SessionTest() : dispatcher_(ServerInfo{"test", "Test", "1.0", "d", "use it"}, options()) {
    EXPECT_TRUE(dispatcher_.add_tool(slow_tool()));
    EXPECT_TRUE(dispatcher_.add_tool(liar_tool()));
    for (int i = 0; i < 5; ++i) {
      auto t = liar_tool();
      t.name = "extra_" + std::to_string(i);
      EXPECT_TRUE(dispatcher_.add_tool(std::move(t)));
    }
    session_ = Session::create(dispatcher_, connection_);
  }
  ~SessionTest() override { session_->drain(2000ms, 500ms); }
  static ServerOptions options() {
    ServerOptions o;
    o.page_size = 3;
    o.workers = 2;
    return o;
  }
  void send(const json& message) { session_->handle_line(message.dump()); }
  json request(const json& id, const std::string& method, json params = json::object()) {
    send(json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}});
    return connection_.response(id);
  }
  void initialize(const std::string& version = "2025-11-25") {
    const auto r = request(0, "initialize", {{"protocolVersion", version}, {"capabilities", json::object()},
                                             {"clientInfo", {{"name", "gtest"}, {"version", "1"}}}});
    ASSERT_TRUE(r.contains("result")) << r.dump();
    send(json{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
  }
  static json stateless_meta() {
    return {{"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
            {"io.modelcontextprotocol/clientCapabilities", json::object()}};
  }

  Dispatcher dispatcher_;
  MemoryConnection connection_;
  std::shared_ptr<Session> session_;
};

TEST_F(SessionTest, NegotiatesTheClientsVersionWhenSupported) {
  const auto r = request(1, "initialize", {{"protocolVersion", "2025-03-26"}, {"capabilities", json::object()}});
  EXPECT_EQ(r["result"]["protocolVersion"], "2025-03-26");
  EXPECT_EQ(r["result"]["serverInfo"]["name"], "test");
  EXPECT_EQ(r["result"]["instructions"], "use it");
}

TEST_F(SessionTest, ToleratesClientInfoFieldsOfTheWrongType) {
  const auto r = request(1, "initialize", {{"protocolVersion", "2025-11-25"}, {"clientInfo", {{"name", 7}}}});
  EXPECT_TRUE(r.contains("result")) << r.dump();
}

TEST_F(SessionTest, AnswersNewestVersionForAnUnknownOne) {
  const auto r = request(1, "initialize", {{"protocolVersion", "2099-01-01"}, {"capabilities", json::object()}});
  EXPECT_EQ(r["result"]["protocolVersion"], "2025-11-25");
}

TEST_F(SessionTest, RefusesRequestsBeforeInitializeButAnswersPing) {
  EXPECT_EQ(request(1, "tools/list")["error"]["code"], -32600);
  EXPECT_TRUE(request(2, "ping").contains("result"));
}

TEST_F(SessionTest, RefusesASecondInitialize) {
  initialize();
  const auto r = request(9, "initialize", {{"protocolVersion", "2025-11-25"}});
  EXPECT_EQ(r["error"]["code"], -32600);
}

TEST_F(SessionTest, UnknownMethodIsMethodNotFound) {
  initialize();
  EXPECT_EQ(request(1, "tools/frobnicate")["error"]["code"], -32601);
}

TEST_F(SessionTest, PaginatesToolsInRegistrationOrder) {
  initialize();
  std::vector<std::string> names;
  json cursor;
  for (int page = 0; page < 10; ++page) {
    json params = json::object();
    if (!cursor.is_null()) params["cursor"] = cursor;
    const auto r = request(100 + page, "tools/list", params);
    for (const auto& t : r["result"]["tools"]) names.push_back(t["name"]);
    if (!r["result"].contains("nextCursor")) break;
    cursor = r["result"]["nextCursor"];
  }
  ASSERT_EQ(names.size(), 7u);
  EXPECT_EQ(names[0], "slow");
  EXPECT_EQ(names[6], "extra_4");
}

TEST_F(SessionTest, BadCursorIsInvalidParams) {
  initialize();
  EXPECT_EQ(request(1, "tools/list", {{"cursor", "bogus"}})["error"]["code"], -32602);
}

TEST_F(SessionTest, CallsAToolWithDefaultsAndStructuredOutput) {
  initialize();
  const auto r = request(1, "tools/call", {{"name", "slow"}, {"arguments", json::object()}});
  EXPECT_EQ(r["result"]["isError"], false);
  EXPECT_EQ(r["result"]["structuredContent"]["counted"], 3);
}

TEST_F(SessionTest, InvalidArgumentsAreAToolErrorNotAProtocolError) {
  initialize();
  const auto r = request(1, "tools/call", {{"name", "slow"}, {"arguments", {{"steps", "three"}}}});
  EXPECT_EQ(r["result"]["isError"], true);
  EXPECT_NE(r["result"]["content"][0]["text"].get<std::string>().find("/steps"), std::string::npos);
}

TEST_F(SessionTest, UnknownToolIsInvalidParams) {
  initialize();
  EXPECT_EQ(request(1, "tools/call", {{"name", "nope"}})["error"]["code"], -32602);
}

TEST_F(SessionTest, OutputBreakingItsSchemaIsAnInternalError) {
  initialize();
  EXPECT_EQ(request(1, "tools/call", {{"name", "liar"}})["error"]["code"], -32603);
}

TEST_F(SessionTest, OlderVersionsGetJsonAsTextInsteadOfStructuredContent) {
  initialize("2024-11-05");
  const auto r = request(1, "tools/call", {{"name", "slow"}});
  EXPECT_FALSE(r["result"].contains("structuredContent"));
  ASSERT_EQ(r["result"]["content"].size(), 2u);
  EXPECT_EQ(json::parse(r["result"]["content"][1]["text"].get<std::string>())["counted"], 3);
}

TEST_F(SessionTest, SendsIncreasingProgressWithTheRequestsToken) {
  initialize();
  const auto r = request(1, "tools/call", {{"name", "slow"}, {"arguments", {{"steps", 3}}}, {"_meta", {{"progressToken", "tok"}}}});
  ASSERT_TRUE(r.contains("result"));
  std::vector<double> progress;
  for (const auto& m : connection_.all()) {
    if (m.value("method", "") == "notifications/progress") {
      EXPECT_EQ(m["params"]["progressToken"], "tok");
      progress.push_back(m["params"]["progress"]);
    }
  }
  EXPECT_EQ(progress, (std::vector<double>{1, 2, 3}));
}

TEST_F(SessionTest, CancelledCallStopsAndGetsNoResponse) {
  initialize();
  send(json{{"jsonrpc", "2.0"}, {"id", 5}, {"method", "tools/call"},
            {"params", {{"name", "slow"}, {"arguments", {{"steps", 1000}, {"delay_ms", 5}}}}}});
  std::this_thread::sleep_for(50ms);
  const auto start = std::chrono::steady_clock::now();
  send(json{{"jsonrpc", "2.0"}, {"method", "notifications/cancelled"}, {"params", {{"requestId", 5}, {"reason", "user"}}}});
  for (int i = 0; i < 200 && session_->in_flight() > 0; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(session_->in_flight(), 0u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_TRUE(connection_.response(5, 100ms).is_null());
}

TEST_F(SessionTest, PingIsAnsweredWhileALongCallRuns) {
  initialize();
  send(json{{"jsonrpc", "2.0"}, {"id", 5}, {"method", "tools/call"},
            {"params", {{"name", "slow"}, {"arguments", {{"steps", 40}, {"delay_ms", 10}}}}}});
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(request(6, "ping").contains("result"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 100ms);
  EXPECT_TRUE(connection_.response(5).contains("result"));
}

TEST_F(SessionTest, DuplicateIdOfACallInFlightIsRejected) {
  initialize();
  send(json{{"jsonrpc", "2.0"}, {"id", 5}, {"method", "tools/call"},
            {"params", {{"name", "slow"}, {"arguments", {{"steps", 20}, {"delay_ms", 10}}}}}});
  send(json{{"jsonrpc", "2.0"}, {"id", 5}, {"method", "ping"}});
  const auto error = connection_.wait_for([](const json& m) { return m.contains("error") && m["id"] == 5; });
  EXPECT_EQ(error["error"]["code"], -32600);
}

TEST_F(SessionTest, BatchesOnlyWhereTheVersionAllowsThem) {
  initialize("2025-11-25");
  session_->handle_line(R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])");
  const auto r = connection_.wait_for([](const json& m) { return m.contains("error") && m["id"].is_null(); });
  EXPECT_EQ(r["error"]["code"], -32600);
}

TEST_F(SessionTest, AnswersA20250326BatchAsOneArray) {
  initialize("2025-03-26");
  session_->handle_line(
      R"([{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/x"},)"
      R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"slow"}},{"bad":1}])");
  const auto batch = connection_.wait_for([](const json& m) { return m.is_array(); });
  ASSERT_TRUE(batch.is_array());
  EXPECT_EQ(batch.size(), 3u);
}

TEST_F(SessionTest, StatelessRequestsNeedNoInitialize) {
  const auto r = request(1, "tools/list", {{"_meta", stateless_meta()}});
  EXPECT_EQ(r["result"]["resultType"], "complete");
  EXPECT_EQ(r["result"]["cacheScope"], "public");
  EXPECT_TRUE(r["result"]["ttlMs"].is_number());
  EXPECT_EQ(r["result"]["_meta"]["io.modelcontextprotocol/serverInfo"]["name"], "test");
}

TEST_F(SessionTest, StatelessUnsupportedVersionListsSupportedOnes) {
  auto meta = stateless_meta();
  meta["io.modelcontextprotocol/protocolVersion"] = "1999-01-01";
  const auto r = request(1, "tools/list", {{"_meta", meta}});
  EXPECT_EQ(r["error"]["code"], -32022);
  EXPECT_EQ(r["error"]["data"]["requested"], "1999-01-01");
  EXPECT_EQ(r["error"]["data"]["supported"][0], "2026-07-28");
}

TEST_F(SessionTest, StatelessRequestWithoutCapabilitiesIsInvalidParams) {
  const auto r = request(1, "tools/list", {{"_meta", {{"io.modelcontextprotocol/protocolVersion", "2026-07-28"}}}});
  EXPECT_EQ(r["error"]["code"], -32602);
}

TEST_F(SessionTest, StatelessEraHasNoPing) {
  EXPECT_EQ(request(1, "ping", {{"_meta", stateless_meta()}})["error"]["code"], -32601);
}

TEST_F(SessionTest, DiscoverListsEveryVersion) {
  const auto r = request(1, "server/discover", {{"_meta", stateless_meta()}});
  EXPECT_EQ(r["result"]["supportedVersions"].size(), 5u);
  EXPECT_TRUE(r["result"]["capabilities"].contains("tools"));
}

TEST_F(SessionTest, StatelessLogsOnlyWhenTheRequestAsks) {
  auto meta = stateless_meta();
  request(1, "tools/call", {{"name", "slow"}, {"_meta", meta}});
  EXPECT_TRUE(connection_.wait_for([](const json& m) { return m.value("method", "") == "notifications/message"; }, 50ms).is_null());
  meta["io.modelcontextprotocol/logLevel"] = "error";
  request(2, "tools/call", {{"name", "slow"}, {"_meta", meta}});
  EXPECT_FALSE(connection_.wait_for([](const json& m) { return m.value("method", "") == "notifications/message"; }).is_null());
}

TEST_F(SessionTest, SetLevelFiltersLogNotifications) {
  initialize();
  EXPECT_TRUE(request(1, "logging/setLevel", {{"level", "critical"}}).contains("result"));
  request(2, "tools/call", {{"name", "slow"}});
  EXPECT_TRUE(connection_.wait_for([](const json& m) { return m.value("method", "") == "notifications/message"; }, 50ms).is_null());
  EXPECT_EQ(request(3, "logging/setLevel", {{"level", "loud"}})["error"]["code"], -32602);
}

TEST_F(SessionTest, DrainCancelsCallsPastTheDeadline) {
  initialize();
  send(json{{"jsonrpc", "2.0"}, {"id", 5}, {"method", "tools/call"},
            {"params", {{"name", "slow"}, {"arguments", {{"steps", 100000}, {"delay_ms", 1}}}}}});
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(session_->drain(50ms, 2000ms), 0u);
  // Cancelled by shutdown, not by the client: the client still gets an answer.
  EXPECT_EQ(connection_.response(5)["result"]["isError"], true);
}

TEST_F(SessionTest, NotifiesToolListChangesAfterInitialize) {
  auto extra = liar_tool();
  extra.name = "late";
  ASSERT_TRUE(dispatcher_.add_tool(extra));  // before initialize: nothing is sent
  EXPECT_TRUE(connection_.all().empty());
  initialize();
  EXPECT_TRUE(request(1, "initialize", {{"protocolVersion", "2025-11-25"}}).contains("error"));
  EXPECT_TRUE(dispatcher_.remove_tool("late"));
  EXPECT_FALSE(connection_.wait_for([](const json& m) {
    return m.value("method", "") == "notifications/tools/list_changed";
  }).is_null());
  EXPECT_EQ(request(2, "tools/call", {{"name", "late"}})["error"]["code"], -32602);
  EXPECT_FALSE(dispatcher_.remove_tool("late"));
}

TEST_F(SessionTest, InitializeDeclaresToolListChanges) {
  const auto r = request(1, "initialize", {{"protocolVersion", "2025-11-25"}});
  EXPECT_EQ(r["result"]["capabilities"]["tools"]["listChanged"], true);
}

}  // namespace
}  // namespace eks::server
