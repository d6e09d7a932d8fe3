// Session and dispatcher behaviour over an in-memory connection: lifecycle in both eras, tool calls on the
// worker pool, cancellation, progress, batches, pagination, content blocks, binary resources, resource
// subscriptions and requests to the client (sampling, elicitation).
#include "server/session.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "tests/fixtures/slowdown.hpp"
#include "tests/fixtures/wait.hpp"

namespace eks::server {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using eks::testing::eventually;
using eks::testing::scaled;

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
  // The first message matching `pred`, waiting up to `timeout` (scaled); null when none came.
  json wait_for(const std::function<bool(const json&)>& pred, std::chrono::milliseconds timeout = 3000ms) {
    std::unique_lock lock(mutex_);
    json found;
    arrived_.wait_for(lock, scaled(timeout), [&] {
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

bool is_progress(const json& m) { return m.value("method", "") == "notifications/progress"; }

// A test-only slow tool that reports progress and stops when cancelled.
ToolDef slow_tool() {
  return ToolDef{
      .name = "slow",
      .title = "Slow",
      .description = "Counts slowly.",
      .input_schema =
          R"({"type":"object","properties":{"steps":{"type":"integer","default":3},"delay_ms":{"type":"integer","default":20}}})",
      .output_schema = R"({"type":"object","properties":{"counted":{"type":"integer"}},"required":["counted"]})",
      .annotations = {.read_only = true},
      .safety = SafetyClass::read_only,
      .handler = [](const json& args, CallContext& ctx) -> Result<ToolOutput> {
        const int steps = args["steps"];
        for (int i = 1; i <= steps; ++i) {
          if (ctx.cancelled()) return tool_error("cancelled");
          // The tool's own work: being slow is what it is for, not a wait for an event.
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
      .handler = [](const json&, CallContext&) -> Result<ToolOutput> {
        return ToolOutput{json::object(), "?"};
      },
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
  void initialize(const std::string& version = "2025-11-25", const json& capabilities = json::object()) {
    const auto r = request(0, "initialize",
                           {{"protocolVersion", version},
                            {"capabilities", capabilities},
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
  const auto r = request(1, "tools/call",
                         {{"name", "slow"}, {"arguments", {{"steps", 3}}}, {"_meta", {{"progressToken", "tok"}}}});
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
  send(json{
      {"jsonrpc", "2.0"},
      {"id", 5},
      {"method", "tools/call"},
      {"params",
       {{"name", "slow"}, {"arguments", {{"steps", 1000}, {"delay_ms", 5}}}, {"_meta", {{"progressToken", "c"}}}}}});
  ASSERT_FALSE(connection_.wait_for(is_progress).is_null()) << "the call never reported progress: it is not running";
  const auto start = std::chrono::steady_clock::now();
  send(json{
      {"jsonrpc", "2.0"}, {"method", "notifications/cancelled"}, {"params", {{"requestId", 5}, {"reason", "user"}}}});
  EXPECT_TRUE(eventually([&] { return session_->in_flight() == 0; }, 1s)) << "the cancelled call is still in flight";
  EXPECT_LT(std::chrono::steady_clock::now() - start, scaled(1000ms));
  // "Nothing arrives within 100 ms": the response must never come, so this window is the check itself.
  EXPECT_TRUE(connection_.response(5, 100ms).is_null());
}

TEST_F(SessionTest, PingIsAnsweredWhileALongCallRuns) {
  initialize();
  send(json{{"jsonrpc", "2.0"},
            {"id", 5},
            {"method", "tools/call"},
            {"params", {{"name", "slow"}, {"arguments", {{"steps", 40}, {"delay_ms", 10}}}}}});
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(request(6, "ping").contains("result"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 100ms);
  EXPECT_TRUE(connection_.response(5).contains("result"));
}

TEST_F(SessionTest, DuplicateIdOfACallInFlightIsRejected) {
  initialize();
  send(json{{"jsonrpc", "2.0"},
            {"id", 5},
            {"method", "tools/call"},
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
  session_->handle_line(R"([{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/x"},)"
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
  EXPECT_TRUE(connection_.wait_for([](const json& m) { return m.value("method", "") == "notifications/message"; }, 50ms)
                  .is_null());
  meta["io.modelcontextprotocol/logLevel"] = "error";
  request(2, "tools/call", {{"name", "slow"}, {"_meta", meta}});
  EXPECT_FALSE(
      connection_.wait_for([](const json& m) { return m.value("method", "") == "notifications/message"; }).is_null());
}

TEST_F(SessionTest, SetLevelFiltersLogNotifications) {
  initialize();
  EXPECT_TRUE(request(1, "logging/setLevel", {{"level", "critical"}}).contains("result"));
  request(2, "tools/call", {{"name", "slow"}});
  EXPECT_TRUE(connection_.wait_for([](const json& m) { return m.value("method", "") == "notifications/message"; }, 50ms)
                  .is_null());
  EXPECT_EQ(request(3, "logging/setLevel", {{"level", "loud"}})["error"]["code"], -32602);
}

TEST_F(SessionTest, DrainCancelsCallsPastTheDeadline) {
  initialize();
  send(json{
      {"jsonrpc", "2.0"},
      {"id", 5},
      {"method", "tools/call"},
      {"params",
       {{"name", "slow"}, {"arguments", {{"steps", 100000}, {"delay_ms", 1}}}, {"_meta", {{"progressToken", "d"}}}}}});
  ASSERT_FALSE(connection_.wait_for(is_progress).is_null()) << "the call never reported progress: it is not running";
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
  EXPECT_FALSE(
      connection_.wait_for([](const json& m) { return m.value("method", "") == "notifications/tools/list_changed"; })
          .is_null());
  EXPECT_EQ(request(2, "tools/call", {{"name", "late"}})["error"]["code"], -32602);
  EXPECT_FALSE(dispatcher_.remove_tool("late"));
}

TEST_F(SessionTest, InitializeDeclaresToolListChanges) {
  const auto r = request(1, "initialize", {{"protocolVersion", "2025-11-25"}});
  EXPECT_EQ(r["result"]["capabilities"]["tools"]["listChanged"], true);
}

// A tool that asks the client (sampling) and returns what it answered, or the failure as a tool error.
ToolDef asking_tool(std::chrono::milliseconds timeout) {
  return ToolDef{
      .name = "ask",
      .title = "Ask",
      .description = "Asks the client's model.",
      .input_schema = R"({"type":"object"})",
      .output_schema = "",
      .annotations = {},
      .safety = SafetyClass::read_only,
      .handler = [timeout](const json&, CallContext& ctx) -> Result<ToolOutput> {
        auto answer =
            ctx.request_client("sampling/createMessage", json{{"messages", json::array()}, {"maxTokens", 5}}, timeout);
        if (!answer) return tool_error(answer.error());
        return ToolOutput{json::object(), "answer: " + answer->dump()};
      },
  };
}

bool is_request_to_client(const json& m) {
  return m.contains("method") && m.contains("id") && m["method"] == "sampling/createMessage";
}

TEST(ToolContent, Base64FollowsRfc4648) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(std::string("\xff\x00\xfe", 3)), "/wD+");
}

TEST_F(SessionTest, ToolResultsCarryImageAudioAndResourceBlocksAfterTheText) {
  auto tool = liar_tool();
  tool.name = "media";
  tool.output_schema = "";
  tool.handler = [](const json& args, CallContext&) -> Result<ToolOutput> {
    return ToolOutput{json::object(),
                      args.value("text", std::string()),
                      {image_content("\x89PNG", "image/png"), audio_content("RIFF", "audio/wav"),
                       embedded_text_resource("test://r", "text/plain", "body"),
                       embedded_blob_resource("test://b", "application/octet-stream", "foo")}};
  };
  ASSERT_TRUE(dispatcher_.add_tool(tool));
  initialize();
  const auto mixed = request(1, "tools/call", {{"name", "media"}, {"arguments", {{"text", "caption"}}}});
  const json& content = mixed["result"]["content"];
  ASSERT_EQ(content.size(), 5u) << mixed.dump();
  EXPECT_EQ(content[0], (json{{"type", "text"}, {"text", "caption"}}));
  EXPECT_EQ(content[1], (json{{"type", "image"}, {"data", "iVBORw=="}, {"mimeType", "image/png"}}));
  EXPECT_EQ(content[2], (json{{"type", "audio"}, {"data", "UklGRg=="}, {"mimeType", "audio/wav"}}));
  EXPECT_EQ(content[3]["resource"], (json{{"uri", "test://r"}, {"mimeType", "text/plain"}, {"text", "body"}}));
  EXPECT_EQ(content[4]["resource"]["blob"], "Zm9v");
  // Without text, the blocks stand alone.
  const auto alone = request(2, "tools/call", {{"name", "media"}});
  EXPECT_EQ(alone["result"]["content"].size(), 4u);
  EXPECT_EQ(alone["result"]["content"][0]["type"], "image");
}

TEST_F(SessionTest, BinaryResourcesAreReadAsBase64Blobs) {
  dispatcher_.add_resource({.uri = "test://bin",
                            .name = "bin",
                            .title = "Bin",
                            .description = "d",
                            .mime_type = "application/octet-stream",
                            .read = []() -> Result<std::string> { return std::string("\x00\x01\x02", 3); },
                            .binary = true});
  initialize();
  const auto r = request(1, "resources/read", {{"uri", "test://bin"}});
  const json& item = r["result"]["contents"][0];
  EXPECT_EQ(item["blob"], "AAEC") << r.dump();
  EXPECT_EQ(item["mimeType"], "application/octet-stream");
  EXPECT_FALSE(item.contains("text"));
}

TEST_F(SessionTest, SubscribersGetUpdatesUntilTheyUnsubscribe) {
  const auto no_subscribe = request(1, "initialize", {{"protocolVersion", "2025-11-25"}});
  EXPECT_FALSE(no_subscribe["result"]["capabilities"].contains("resources"));
  dispatcher_.add_resource({.uri = "test://still",
                            .name = "still",
                            .title = "Still",
                            .description = "d",
                            .mime_type = "text/plain",
                            .read = []() -> Result<std::string> { return std::string("x"); }});
  dispatcher_.add_resource({.uri = "test://live",
                            .name = "live",
                            .title = "Live",
                            .description = "d",
                            .mime_type = "text/plain",
                            .read = []() -> Result<std::string> { return std::string("x"); },
                            .subscribable = true});
  EXPECT_EQ(dispatcher_.capabilities()["resources"]["subscribe"], true);
  auto updates = [&] {
    int n = 0;
    for (const auto& m : connection_.all()) n += m.value("method", "") == "notifications/resources/updated";
    return n;
  };
  EXPECT_EQ(request(2, "resources/subscribe", {{"uri", "test://still"}})["error"]["code"], -32602);
  EXPECT_EQ(request(3, "resources/subscribe", json::object())["error"]["code"], -32602);
  EXPECT_EQ(request(4, "resources/subscribe", {{"uri", "test://live"}})["result"], json::object());
  dispatcher_.resource_updated("test://still");  // not subscribed: nothing
  dispatcher_.resource_updated("test://live");
  const auto update =
      connection_.wait_for([](const json& m) { return m.value("method", "") == "notifications/resources/updated"; });
  EXPECT_EQ(update["params"]["uri"], "test://live");
  EXPECT_EQ(updates(), 1);
  EXPECT_EQ(request(5, "resources/unsubscribe", {{"uri", "test://live"}})["result"], json::object());
  dispatcher_.resource_updated("test://live");
  EXPECT_EQ(request(6, "ping")["result"], json::object());  // anything sent before it has arrived
  EXPECT_EQ(updates(), 1);
  // 2026-07-28 has no resources/subscribe.
  EXPECT_EQ(request(7, "resources/subscribe", {{"uri", "test://live"}, {"_meta", stateless_meta()}})["error"]["code"],
            -32601);
}

TEST_F(SessionTest, ToolAsksTheClientAndGetsItsAnswer) {
  ASSERT_TRUE(dispatcher_.add_tool(asking_tool(3000ms)));
  initialize("2025-11-25", {{"sampling", json::object()}});
  send(json{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "tools/call"}, {"params", {{"name", "ask"}}}});
  const auto asked = connection_.wait_for(is_request_to_client);
  ASSERT_FALSE(asked.is_null());
  EXPECT_EQ(asked["params"]["maxTokens"], 5);
  // A response to no request of ours changes nothing.
  send(json{{"jsonrpc", "2.0"}, {"id", "server-999"}, {"result", {{"model", "wrong"}}}});
  send(json{{"jsonrpc", "2.0"}, {"id", asked["id"]}, {"result", {{"role", "assistant"}, {"model", "m"}}}});
  const auto r = connection_.response(1);
  EXPECT_EQ(r["result"]["isError"], false) << r.dump();
  EXPECT_NE(r["result"]["content"][0]["text"].get<std::string>().find("\"model\":\"m\""), std::string::npos);
}

TEST_F(SessionTest, ClientErrorsTimeoutsAndCancellationEndTheWait) {
  ASSERT_TRUE(dispatcher_.add_tool(asking_tool(300ms)));
  initialize("2025-11-25", {{"sampling", json::object()}});
  // The client refuses.
  send(json{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "tools/call"}, {"params", {{"name", "ask"}}}});
  const auto first = connection_.wait_for(is_request_to_client);
  ASSERT_FALSE(first.is_null());
  send(json{{"jsonrpc", "2.0"}, {"id", first["id"]}, {"error", {{"code", -1}, {"message", "User rejected sampling"}}}});
  const auto refused = connection_.response(1);
  EXPECT_EQ(refused["result"]["isError"], true);
  EXPECT_NE(refused["result"]["content"][0]["text"].get<std::string>().find("User rejected sampling"),
            std::string::npos);
  // The client never answers: the tool gets a timeout and the client a cancellation of our request.
  const auto start = std::chrono::steady_clock::now();
  const auto timed_out = request(2, "tools/call", {{"name", "ask"}});
  EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms);
  EXPECT_NE(timed_out["result"]["content"][0]["text"].get<std::string>().find("no answer within 300 ms"),
            std::string::npos);
  EXPECT_FALSE(
      connection_.wait_for([](const json& m) { return m.value("method", "") == "notifications/cancelled"; }).is_null());
  // The tool call is cancelled while it waits: it stops at once and gets no response.
  ASSERT_TRUE(dispatcher_.remove_tool("ask"));
  ASSERT_TRUE(dispatcher_.add_tool(asking_tool(60000ms)));
  const auto requests_to_client = [&] {
    const auto all = connection_.all();
    return std::count_if(all.begin(), all.end(), is_request_to_client);
  };
  const auto asked_before = requests_to_client();
  send(json{{"jsonrpc", "2.0"}, {"id", 3}, {"method", "tools/call"}, {"params", {{"name", "ask"}}}});
  ASSERT_TRUE(eventually([&] { return requests_to_client() > asked_before; }, 3000ms))
      << "the tool never sent its request to the client: it is not waiting for an answer";
  send(json{{"jsonrpc", "2.0"}, {"method", "notifications/cancelled"}, {"params", {{"requestId", 3}}}});
  EXPECT_TRUE(eventually([&] { return session_->in_flight() == 0; }, 1s)) << "the cancelled call is still in flight";
  // "Nothing arrives within 100 ms": the response must never come, so this window is the check itself.
  EXPECT_TRUE(connection_.response(3, 100ms).is_null());
}

TEST_F(SessionTest, NoRequestsToClientsWithoutTheCapabilityOrInTheStatelessEra) {
  ASSERT_TRUE(dispatcher_.add_tool(asking_tool(3000ms)));
  auto meta = stateless_meta();
  meta["io.modelcontextprotocol/clientCapabilities"] = {{"sampling", json::object()}};
  const auto stateless = request(1, "tools/call", {{"name", "ask"}, {"_meta", meta}});
  EXPECT_EQ(stateless["result"]["isError"], true);
  EXPECT_NE(
      stateless["result"]["content"][0]["text"].get<std::string>().find("2026-07-28 has no server-to-client requests"),
      std::string::npos);
  initialize("2025-11-25", {{"elicitation", json::object()}});
  const auto r = request(2, "tools/call", {{"name", "ask"}});
  EXPECT_EQ(r["result"]["isError"], true);
  EXPECT_NE(r["result"]["content"][0]["text"].get<std::string>().find("did not declare the \"sampling\" capability"),
            std::string::npos);
  EXPECT_TRUE(connection_.wait_for(is_request_to_client, 50ms).is_null());
}

}  // namespace
}  // namespace eks::server
