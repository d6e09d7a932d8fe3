// The gateway against real child processes: our own fixture server as a well-behaved upstream, and broken
// ones (missing, exiting, hanging, writing junk, killed mid-call).
#include "server/upstream/gateway.hpp"
#include "server/upstream/replies.hpp"

#include <signal.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <future>
#include <thread>

namespace eks::upstream {
namespace {

using namespace std::chrono_literals;

// A HOME of its own for the fixture server (it keeps an audit log under it), removed at exit.
const std::string& fixture_home() {
  // Never destroyed: the exit handler that removes the directory runs after static destructors.
  static const std::string* const home = [] {
    char dir[] = "/tmp/eks-gateway-test-XXXXXX";
    auto* made = new std::string(::mkdtemp(dir) ? dir : "");
    std::atexit([] {
      if (!fixture_home().empty()) std::filesystem::remove_all(fixture_home());
    });
    return made;
  }();
  return *home;
}

UpstreamConfig fixture(std::chrono::milliseconds call_timeout = 10s) {
  UpstreamConfig c;
  c.name = "fixture";
  c.role = "kubernetes";
  c.process = {
      "fixture", EKS_FIXTURE_SERVER, {}, {{"HOME", fixture_home()}, {"XDG_STATE_HOME", fixture_home() + "/state"}}};
  c.connect_timeout = 10s;
  c.call_timeout = call_timeout;
  return c;
}

UpstreamConfig misbehaving(const std::string& fault) {
  UpstreamConfig c;
  c.name = "broken";
  c.role = "kubernetes";
  c.process = {"broken", EKS_MISBEHAVING_UPSTREAM, {fault}, {}};
  c.connect_timeout = 2s;
  c.call_timeout = 500ms;
  return c;
}

CallCheck allow_all() {
  return [](const UpstreamCall&) -> tl::expected<CallDone, std::string> { return CallDone{}; };
}

const Actor kTest{"cli", "gtest"};

bool process_exists(int pid) { return pid > 0 && ::kill(pid, 0) == 0; }

TEST(Gateway, RefusesEveryCallWithoutAValidator) {
  Gateway gateway({fixture()});
  const auto r = gateway.call("kubernetes", "server_status", Json::object(), kTest);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, UpstreamError::Kind::denied);
}

TEST(Gateway, PassesTheCheckItsCallAndRefusesWhatItDenies) {
  Gateway gateway({fixture()});
  std::vector<std::string> seen;
  std::vector<std::string> finished;
  gateway.install_check([&](const UpstreamCall& call) -> tl::expected<CallDone, std::string> {
    seen.push_back(call.tool + "@" + call.upstream + " by " + call.actor.name);
    if (call.tool == "fixture_fail") return tl::unexpected(std::string("not on my watch"));
    return CallDone([&finished, tool = call.tool](bool ok, const std::string&, std::chrono::milliseconds) {
      finished.push_back(tool + (ok ? " ok" : " failed"));
    });
  });
  const auto ok = gateway.call("kubernetes", "server_status", Json::object(), kTest);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ((*ok)["structuredContent"]["server"]["name"], "eks-sre-mcp");
  const auto denied = gateway.call("kubernetes", "fixture_fail", Json::object(), kTest);
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().message, "not on my watch");
  EXPECT_EQ(seen, (std::vector<std::string>{"server_status@fixture by gtest", "fixture_fail@fixture by gtest"}));
  EXPECT_EQ(finished, (std::vector<std::string>{"server_status ok"}));  // a refused call never runs
}

TEST(Gateway, IntroducesItselfWithTheClientInfoItIsGiven) {
  UpstreamConfig config = fixture();
  config.client = {"sre-client-under-test", "9.8.7"};
  Gateway gateway({config});
  gateway.install_check(allow_all());
  const auto ok = gateway.call("kubernetes", "server_status", Json::object(), kTest);
  gateway.stop();
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ((*ok)["structuredContent"]["protocol"]["client"],
            (Json{{"name", "sre-client-under-test"}, {"version", "9.8.7"}}));
}

TEST(Gateway, UnknownRoleNamesTheFix) {
  Gateway gateway({fixture()});
  gateway.install_check(allow_all());
  const auto r = gateway.call("github", "create_issue", Json::object(), kTest);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("mcpServers"), std::string::npos);
}

TEST(Gateway, ListsAndCachesTheUpstreamsTools) {
  Gateway gateway({fixture()});
  const auto tools = gateway.tools("kubernetes");
  ASSERT_TRUE(tools) << tools.error().message;
  std::vector<std::string> names;
  for (const auto& t : *tools) names.push_back(t["name"]);
  EXPECT_NE(std::find(names.begin(), names.end(), "fixture_slow_count"), names.end());
  EXPECT_EQ(gateway.states()[0]["state"], "connected");
}

TEST(Gateway, AToolErrorIsAResultNotAFailure) {
  Gateway gateway({fixture()});
  gateway.install_check(allow_all());
  const auto r = gateway.call("kubernetes", "fixture_fail", Json{{"reason", "bad day"}}, kTest);
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)["isError"], true);
}

TEST(Gateway, ManyCallersShareOneUpstream) {
  Gateway gateway({fixture()});
  gateway.install_check(allow_all());
  std::vector<std::future<bool>> calls;
  for (int i = 0; i < 16; ++i) {
    calls.push_back(std::async(std::launch::async, [&gateway, i] {
      const auto r =
          gateway.call("kubernetes", "fixture_slow_count", Json{{"steps", 2 + i % 3}, {"delay_ms", 10}}, kTest);
      return r && (*r)["structuredContent"]["counted"] == 2 + i % 3;
    }));
  }
  for (auto& c : calls) EXPECT_TRUE(c.get());
}

TEST(Gateway, MissingBinaryIsAClearError) {
  auto config = fixture();
  config.process.command = "no-such-mcp-server-binary";
  Gateway gateway({config});
  gateway.install_check(allow_all());
  const auto r = gateway.call("kubernetes", "x", Json::object(), kTest);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("not found on PATH"), std::string::npos) << r.error().message;
  EXPECT_EQ(gateway.states()[0]["state"], "failed");
}

TEST(Gateway, UpstreamExitingAtStartIsAClearError) {
  Gateway gateway({misbehaving("exit")});
  gateway.install_check(allow_all());
  const auto r = gateway.call("kubernetes", "x", Json::object(), kTest);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("exited with status 3"), std::string::npos) << r.error().message;
  // The next attempt waits for the backoff instead of hammering a broken binary.
  const auto again = gateway.call("kubernetes", "x", Json::object(), kTest);
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("next restart attempt"), std::string::npos) << again.error().message;
}

TEST(Gateway, HungUpstreamTimesOutAndIsRestarted) {
  Gateway gateway({misbehaving("hang")});
  gateway.install_check(allow_all());
  const auto start = std::chrono::steady_clock::now();
  const auto r = gateway.call("kubernetes", "x", Json::object(), kTest);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, UpstreamError::Kind::timeout);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_EQ(gateway.states()[0]["state"], "failed");  // it did not answer ping either
}

TEST(Gateway, JunkOnStdoutFailsTheCallAtOnce) {
  Gateway gateway({misbehaving("junk")});
  gateway.install_check(allow_all());
  const auto r = gateway.call("kubernetes", "x", Json::object(), kTest);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("other than JSON-RPC"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("panic: something went wrong"), std::string::npos);
}

TEST(Gateway, UpstreamKilledMidCallFailsItAndTheNextCallRestartsIt) {
  Gateway gateway({fixture()});
  gateway.install_check(allow_all());
  ASSERT_TRUE(gateway.tools("kubernetes"));
  const int pid = gateway.states()[0]["pid"];
  auto slow = std::async(std::launch::async, [&] {
    return gateway.call("kubernetes", "fixture_slow_count", Json{{"steps", 100}, {"delay_ms", 50}}, kTest);
  });
  std::this_thread::sleep_for(200ms);
  ::kill(pid, SIGKILL);
  const auto r = slow.get();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("killed by signal"), std::string::npos) << r.error().message;
  std::this_thread::sleep_for(700ms);  // past the first backoff
  const auto again = gateway.call("kubernetes", "server_status", Json::object(), kTest);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_NE(gateway.states()[0]["pid"].get<int>(), pid);
}

TEST(Gateway, CancellationStopsTheWaitAndTellsTheUpstream) {
  Gateway gateway({fixture()});
  gateway.install_check(allow_all());
  std::atomic<bool> cancel{false};
  auto slow = std::async(std::launch::async, [&] {
    return gateway.call("kubernetes", "fixture_slow_count", Json{{"steps", 1000}, {"delay_ms", 10}}, kTest,
                        [&] { return cancel.load(); });
  });
  std::this_thread::sleep_for(100ms);
  cancel = true;
  const auto r = slow.get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, UpstreamError::Kind::cancelled);
  EXPECT_TRUE(gateway.call("kubernetes", "server_status", Json::object(), kTest));
}

TEST(Gateway, StopLeavesNoProcessBehind) {
  int pid = 0;
  {
    Gateway gateway({fixture()});
    ASSERT_TRUE(gateway.tools("kubernetes"));
    pid = gateway.states()[0]["pid"];
    EXPECT_TRUE(process_exists(pid));
  }
  EXPECT_FALSE(process_exists(pid));
}

// Found by fuzzing: an upstream's fields of another type (a string code, a content item that is no object, a
// method that is a number) threw out of the reply's reading.
TEST(UpstreamReplies, FieldsOfAnotherTypeAreReadWithoutThrowing) {
  bool changed = false;
  const auto error = read_reply(
      "k8s", "tools/call", 7,
      HttpReply{200, "application/json", "", R"({"jsonrpc":"2.0","id":7,"method":3,"error":{"code":"x","message":1}})"},
      changed);
  ASSERT_FALSE(error);
  EXPECT_EQ(error.error().message, "upstream k8s answered error 0: ");
  const auto result = read_reply("k8s", "tools/call", 7,
                                 HttpReply{200, "text/event-stream", "",
                                           "data: {\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"isError\":\"yes\","
                                           "\"content\":[\"text\"]}}\n\n"},
                                 changed);
  ASSERT_TRUE(result);
  EXPECT_EQ(call_outcome(result), std::make_pair(true, std::string()));
  const auto failed = Expected<Json>(Json{{"isError", true}, {"content", {"plain"}}});
  EXPECT_EQ(call_outcome(failed), std::make_pair(false, std::string()));
}

}  // namespace
}  // namespace eks::upstream
