// The tool-use loop and the Messages API client against the API stand-in (tests/fakes/anthropic), which
// enforces the API's request rules and replays scripted conversations, with upstream tools stubbed in
// process: concurrency, the allow-list, refusals, the repair turn, stop reasons, budgets, faults, cancellation.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

#include "agents/runtime.hpp"
#include "tests/agents/fake_anthropic.hpp"
#include "tests/fixtures/slowdown.hpp"
#include "tests/fixtures/wait.hpp"

namespace eks::agents {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test_fixtures::FakeAnthropic;

struct TempDir {
  TempDir()
      : path(fs::temp_directory_path() /
             ("agents-rt-" + std::to_string(::getpid()) + "-" + std::to_string(counter++))) {
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  fs::path path;
  static inline int counter = 0;
};

const char* kDefinition =
    "---\n"
    "name: probe\n"
    "description: A test agent.\n"
    "model: haiku\n"
    "tools: kubernetes:pods_log, kubernetes:events_list\n"
    "max_turns: 6\n"
    "max_output_tokens: 512\n"
    "---\n"
    "You find why pods fail.\n";

// The answer's shape for these tests.
Json answer_schema() {
  return Json::parse(R"({"type":"object","additionalProperties":false,"required":["root_cause","confidence"],
    "properties":{"root_cause":{"type":"string","minLength":5},"confidence":{"type":"number","minimum":0,"maximum":1}}})");
}

// Upstream tools stubbed in process: pods_log answers `log` after `delay`; every call is recorded.
struct Stub {
  std::string log = "starting\nerror: DATABASE_URL is not set\nexiting";
  std::chrono::milliseconds delay{0};
  bool deny = false;
  std::mutex mutex;
  std::vector<std::string> calls;
  std::atomic<int> in_flight{0};
  std::atomic<int> max_in_flight{0};

  Upstreams upstreams() {
    Upstreams u;
    u.tools = [](const std::string& role) -> tl::expected<Json, std::string> {
      if (role != "kubernetes") return tl::unexpected("no " + role);
      return Json::parse(R"([
        {"name":"pods_log","description":"Pod logs","inputSchema":{"type":"object","required":["name"],
          "properties":{"namespace":{"type":"string"},"name":{"type":"string"},"previous":{"type":"boolean"}}}},
        {"name":"events_list","description":"Events","inputSchema":{"type":"object","properties":{"namespace":{"type":"string"}}}},
        {"name":"resources_delete","description":"Delete","inputSchema":{"type":"object","properties":{"kind":{"type":"string"}}}}])");
    };
    u.call = [this](const std::string& role, const std::string& tool, const Json& args, const std::string& agent,
                    const std::function<bool()>&) -> upstream::Expected<Json> {
      {
        std::lock_guard lock(mutex);
        calls.push_back(role + ":" + tool + " " + args.dump() + " by " + agent);
      }
      const int now = ++in_flight;
      int seen = max_in_flight.load();
      while (now > seen && !max_in_flight.compare_exchange_weak(seen, now)) {}
      // The upstream's own latency: being slow is the behaviour (overlap, budgets), not a wait for an event.
      std::this_thread::sleep_for(delay);
      --in_flight;
      if (deny) {
        return tl::unexpected(upstream::UpstreamError{upstream::UpstreamError::Kind::denied,
                                                      "Refused by the safety policy [protected_namespace]: no."});
      }
      const std::string text = tool == "pods_log" ? log : "Warning BackOff restarting failed container";
      return Json{{"content", {{{"type", "text"}, {"text", text}}}}};
    };
    return u;
  }
};

struct Limits {
  Budgets budgets;
  llm::RetryPolicy retry{3, 20ms, 100ms, 60000ms};
  std::chrono::milliseconds request_timeout{5000};
};

Runtime make_runtime(const FakeAnthropic& fake, Stub& stub, const Limits& setup = {},
                     std::shared_ptr<safety::AuditLog> audit = nullptr) {
  Runtime::Options options;
  auto d = parse_definition(kDefinition, "probe.md");
  EXPECT_TRUE(d) << d.error();
  options.definitions["probe"] = *d;
  options.aliases = {{"haiku", "claude-haiku-4-5"}};
  options.cluster_context = "Cluster: test-cluster in eu-west-1.";
  options.budgets = setup.budgets;
  llm::AnthropicOptions a;
  a.api_key = "sk-ant-test-key";
  a.base_url = fake.url();
  a.request_timeout = setup.request_timeout;
  a.retry = setup.retry;
  auto provider = llm::make_anthropic_provider(a);
  EXPECT_TRUE(provider) << provider.error();
  return Runtime(options, *provider, stub.upstreams(), std::move(audit));
}

Task task(std::string prompt = "Why does pod payments/api-1 crash? Investigate the pod logs.") {
  return Task{"probe", std::move(prompt), answer_schema(), {}, {}};
}

// Every request passed the API's rules and every scripted step was used.
void expect_clean(const FakeAnthropic& fake, int conversation_steps_left = 0) {
  const Json state = fake.state();
  EXPECT_TRUE(state["violations"].empty()) << state.dump(2);
  EXPECT_TRUE(state["script_errors"].empty()) << state.dump(2);
  for (const auto& c : state["conversations"]) {
    EXPECT_TRUE(c["expect_failures"].empty()) << c.dump(2);
    EXPECT_EQ(c["steps_left"], conversation_steps_left) << c.dump(2);
  }
}

const char* kSubmitGood = R"(
            - tool_use:
                name: submit_result
                input: { root_cause: "DATABASE_URL is not set", confidence: 0.9 })";

TEST(Runtime, RunsConcurrentToolCallsAndReturnsTheSubmittedAnswer) {
  TempDir dir;
  FakeAnthropic fake(dir.path, std::string(R"(
conversations:
  - name: investigate
    match: { tool_offered: submit_result }
    steps:
      - expect: { last_user_contains: payments/api-1, tools_include: [pods_log, events_list, submit_result] }
        respond:
          content:
            - text: Reading the logs and events.
            - tool_use: { name: pods_log, input: { namespace: payments, name: api-1, previous: true } }
            - tool_use: { name: events_list, input: { namespace: payments } }
      - expect:
          tool_result: { contains: "<untrusted-data source=", is_error: false }
        respond:
          content:)") + kSubmitGood +
                                   "\n");
  ASSERT_TRUE(fake.ready()) << fake.log_text();
  Stub stub;
  stub.delay = 400ms;
  const auto runtime = make_runtime(fake, stub);
  const auto started = std::chrono::steady_clock::now();
  const Outcome out = runtime.investigate(task(), {});
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(out.answer) << out.failure;
  EXPECT_EQ((*out.answer)["root_cause"], "DATABASE_URL is not set");
  EXPECT_EQ(out.turns, 2);
  EXPECT_EQ(out.tool_calls, 2);
  EXPECT_EQ(out.model, "claude-haiku-4-5");
  EXPECT_EQ(stub.max_in_flight.load(), 2) << "the two tool_use blocks of one turn run at once";
  EXPECT_LT(took, 2 * 400ms + 600ms);
  ASSERT_EQ(stub.calls.size(), 2u);
  EXPECT_NE(stub.calls[0].find("by probe"), std::string::npos);
  EXPECT_GT(out.usage.input_tokens + out.usage.cache_creation_input_tokens, 0);
  EXPECT_GT(out.usage.output_tokens, 0);
  EXPECT_GT(out.cost_usd, 0);
  expect_clean(fake);

  // The wire: headers, the model, the cluster context in the system prompt, cache_control on the system prompt
  // and the last tool, and the tool results answered in order.
  const Json requests = fake.message_requests();
  ASSERT_EQ(requests.size(), 2u);
  const Json& first = requests[0];
  EXPECT_EQ(first["headers"]["x-api-key"], "<present>");
  EXPECT_EQ(first["headers"]["anthropic-version"], "2023-06-01");
  EXPECT_EQ(first["body"]["model"], "claude-haiku-4-5");
  EXPECT_EQ(first["body"]["max_tokens"], 512);
  EXPECT_NE(first["body"]["system"][0]["text"].get<std::string>().find("test-cluster"), std::string::npos);
  EXPECT_EQ(first["body"]["system"][0]["cache_control"]["type"], "ephemeral");
  EXPECT_EQ(first["body"]["tools"].back()["name"], "submit_result");
  EXPECT_EQ(first["body"]["tools"].back()["cache_control"]["type"], "ephemeral");
  EXPECT_EQ(first["body"]["tools"].size(), 3u) << "resources_delete is upstream but not in the agent's tools";
  const Json& results = requests[1]["body"]["messages"][2]["content"];
  ASSERT_EQ(results.size(), 2u);
  EXPECT_NE(results[0]["content"].get<std::string>().find("DATABASE_URL"), std::string::npos);
  EXPECT_NE(results[1]["content"].get<std::string>().find("BackOff"), std::string::npos);
}

TEST(Runtime, ARefusedCallIsAToolErrorAndTheInvestigationGoesOn) {
  TempDir dir;
  FakeAnthropic fake(dir.path, std::string(R"(
conversations:
  - name: refused
    match: { tool_offered: submit_result }
    steps:
      - respond:
          content:
            - tool_use: { name: pods_log, input: { name: api-1 } }
      - expect:
          tool_result: { contains: "Refused by the safety policy", is_error: true }
        respond:
          content:)") + kSubmitGood +
                                   "\n");
  ASSERT_TRUE(fake.ready()) << fake.log_text();
  Stub stub;
  stub.deny = true;
  const auto out = make_runtime(fake, stub).investigate(task(), {});
  ASSERT_TRUE(out.answer) << out.failure;
  EXPECT_EQ(out.refused_calls, 1);
  expect_clean(fake);
}

TEST(Runtime, AnAnswerFailingItsSchemaGetsOneRepairTurn) {
  TempDir dir;
  FakeAnthropic fake(dir.path, std::string(R"(
conversations:
  - name: repair
    match: { tool_offered: submit_result }
    steps:
      - respond:
          content:
            - tool_use: { name: submit_result, input: { root_cause: "DATABASE_URL is not set" } }
      - expect:
          tool_result: { contains: ["does not match the submit_result schema", "confidence"], is_error: true }
        respond:
          content:)") + kSubmitGood +
                                   "\n");
  ASSERT_TRUE(fake.ready()) << fake.log_text();
  Stub stub;
  const auto runtime = make_runtime(fake, stub);
  // The fake checks scripted inputs against the offered schema; this one must be lax for the bad answer to
  // reach us, as a model's malformed answer would.
  Task t = task();
  t.answer_schema = answer_schema();
  t.check = {};
  Json lax = answer_schema();
  lax.erase("required");
  // The schema offered is the strict one; the fake only enforces "required" of the offered schema, so offer a
  // lax one and check the strict one ourselves.
  t.answer_schema = lax;
  t.check = [](const Json& answer) -> std::optional<std::string> {
    if (!answer.contains("confidence")) return std::string("/confidence is required");
    return std::nullopt;
  };
  const auto out = runtime.investigate(t, {});
  ASSERT_TRUE(out.answer) << out.failure;
  EXPECT_TRUE(out.repaired);
  EXPECT_EQ(out.turns, 2);
  expect_clean(fake);
}

TEST(Runtime, ASecondBadAnswerEndsWithoutAnAnswer) {
  TempDir dir;
  FakeAnthropic fake(dir.path, R"(
conversations:
  - name: repair-fails
    match: { tool_offered: submit_result }
    steps:
      - respond:
          content:
            - tool_use: { name: submit_result, input: { root_cause: "x" } }
      - respond:
          content:
            - tool_use: { name: submit_result, input: { root_cause: "y" } }
)");
  ASSERT_TRUE(fake.ready()) << fake.log_text();
  Stub stub;
  Task t = task();
  t.answer_schema.erase("required");
  t.answer_schema["properties"]["root_cause"].erase("minLength");
  t.check = [](const Json& a) -> std::optional<std::string> {
    if (a.value("root_cause", "").size() < 5) return std::string("/root_cause: too short");
    return std::nullopt;
  };
  const auto out = make_runtime(fake, stub).investigate(t, {});
  EXPECT_FALSE(out.answer);
  EXPECT_NE(out.failure.find("after one repair turn"), std::string::npos) << out.failure;
  EXPECT_TRUE(analysis_json(out)["degraded"].get<bool>());
  expect_clean(fake);
}

TEST(Runtime, StopReasonsPauseTurnMaxTokensAndEndTurnContinueTheLoop) {
  TempDir dir;
  FakeAnthropic fake(dir.path, std::string(R"(
conversations:
  - name: stops
    match: { tool_offered: submit_result }
    steps:
      - respond: { content: [ { text: "Still thinking\n" } ], stop_reason: pause_turn }
      - respond: { content: [ { text: "The logs show that the" } ], stop_reason: max_tokens }
      - expect: { last_user_contains: "cut off at max_tokens" }
        respond: { content: [ { text: "It is the database URL." } ] }
      - expect: { last_user_contains: "without an answer" }
        respond:
          content:)") + kSubmitGood +
                                   "\n");
  ASSERT_TRUE(fake.ready()) << fake.log_text();
  Stub stub;
  const auto out = make_runtime(fake, stub).investigate(task(), {});
  ASSERT_TRUE(out.answer) << out.failure;
  EXPECT_EQ(out.turns, 4);
  expect_clean(fake);
  // After pause_turn the conversation goes back as it was: it ends with the assistant's paused turn.
  const Json requests = fake.message_requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[1]["body"]["messages"].back()["role"], "assistant");
}

TEST(Runtime, ARefusalEndsTheInvestigation) {
  TempDir dir;
  FakeAnthropic fake(dir.path, R"(
conversations:
  - name: refusal
    match: { tool_offered: submit_result }
    steps:
      - respond: { content: [ { text: "I cannot help with that" } ], stop_reason: refusal }
)");
  ASSERT_TRUE(fake.ready()) << fake.log_text();
  Stub stub;
  const auto out = make_runtime(fake, stub).investigate(task(), {});
  EXPECT_FALSE(out.answer);
  EXPECT_NE(out.failure.find("refusal"), std::string::npos) << out.failure;
  expect_clean(fake);
}

TEST(Runtime, ToolOutputOverThePerTurnBudgetIsCutWithANote) {
  TempDir dir;
  FakeAnthropic fake(dir.path, std::string(R"(
conversations:
  - name: big
    match: { tool_offered: submit_result }
    steps:
      - respond:
          content:
            - tool_use: { name: pods_log, input: { name: api-1 } }
      - expect:
          tool_result: { contains: ["bytes cut by eks-sre-mcp", "tool output budget is 2048 bytes per turn", "first line", "CRASH at the end"] }
        respond:
          content:)") + kSubmitGood +
                                   "\n");
  ASSERT_TRUE(fake.ready()) << fake.log_text();
  Stub stub;
  stub.log = "first line\n" + std::string(20000, 'x') + "\nCRASH at the end";
  Limits setup;
  setup.budgets.max_tool_output_bytes_per_turn = 2048;
  const auto out = make_runtime(fake, stub, setup).investigate(task(), {});
  ASSERT_TRUE(out.answer) << out.failure;
  EXPECT_TRUE(out.truncated);
  const Json requests = fake.message_requests();
  EXPECT_LT(requests[1]["body"]["messages"][2]["content"][0]["content"].get<std::string>().size(), 2048u + 300u);
  expect_clean(fake);
}

TEST(Runtime, TheToolCallBudgetRefusesCallsPastIt) {
  TempDir dir;
  FakeAnthropic fake(dir.path, std::string(R"(
conversations:
  - name: calls
    match: { tool_offered: submit_result }
    steps:
      - respond:
          content:
            - tool_use: { name: pods_log, input: { name: api-1 } }
            - tool_use: { name: pods_log, input: { name: api-2 } }
      - respond:
          content:)") + kSubmitGood +
                                   "\n");
  ASSERT_TRUE(fake.ready()) << fake.log_text();
  Stub stub;
  Limits setup;
  setup.budgets.max_tool_calls = 1;
  const auto out = make_runtime(fake, stub, setup).investigate(task(), {});
  ASSERT_TRUE(out.answer) << out.failure;
  EXPECT_EQ(out.tool_calls, 1);
  EXPECT_EQ(stub.calls.size(), 1u);
  const Json results = fake.message_requests()[1]["body"]["messages"][2]["content"];
  EXPECT_EQ(results[1]["is_error"], true);
  EXPECT_NE(results[1]["content"].get<std::string>().find("tool-call budget"), std::string::npos);
  expect_clean(fake);
}

TEST(Runtime, TurnAndTokenBudgetsEndTheInvestigation) {
  TempDir dir;
  FakeAnthropic fake(dir.path, R"(
conversations:
  - name: loop
    match: { tool_offered: submit_result }
    steps:
      - respond: { content: [ { tool_use: { name: events_list, input: {} } } ] }
      - expect: { last_user_contains: "This is your last turn" }
        respond: { content: [ { tool_use: { name: events_list, input: {} } } ] }
      - respond: { content: [ { tool_use: { name: events_list, input: {} } } ] }
)");
  ASSERT_TRUE(fake.ready()) << fake.log_text();
  Stub stub;
  Limits setup;
  setup.budgets.max_turns = 2;
  auto out = make_runtime(fake, stub, setup).investigate(task(), {});
  EXPECT_FALSE(out.answer);
  EXPECT_NE(out.failure.find("turn budget (2 turns)"), std::string::npos) << out.failure;
  EXPECT_EQ(out.turns, 2);

  Limits tokens;
  tokens.budgets.max_tokens = 50;  // the first answer alone spends more
  out = make_runtime(fake, stub, tokens).investigate(task(), {});
  EXPECT_FALSE(out.answer);
  EXPECT_NE(out.failure.find("token budget (50)"), std::string::npos) << out.failure;
  EXPECT_EQ(out.turns, 1);
}

// Transient failures are retried with backoff; the answer arrives after them.
TEST(Runtime, RetriesRateLimitsOverloadServerErrorsResetsAndMalformedAnswers) {
  TempDir dir;
  FakeAnthropic fake(dir.path, std::string(R"(
conversations:
  - name: faults
    match: { tool_offered: submit_result }
    steps:
      - fault: { status: 529 }
      - fault: { status: 500 }
      - fault: { reset: true }
      - fault: { malformed_json: true }
      - respond:
          content:)") + kSubmitGood +
                                   "\n");
  ASSERT_TRUE(fake.ready()) << fake.log_text();
  Stub stub;
  Limits setup;
  setup.retry.max_retries = 4;
  const auto out = make_runtime(fake, stub, setup).investigate(task(), {});
  ASSERT_TRUE(out.answer) << out.failure;
  EXPECT_EQ(out.turns, 1);
  EXPECT_EQ(fake.message_requests().size(), 5u);
  expect_clean(fake);
}

TEST(Runtime, HonoursRetryAfter) {
  TempDir dir;
  FakeAnthropic fake(dir.path, std::string(R"(
conversations:
  - name: limited
    match: { tool_offered: submit_result }
    steps:
      - fault: { status: 429, retry_after: 1 }
      - respond:
          content:)") + kSubmitGood +
                                   "\n");
  ASSERT_TRUE(fake.ready()) << fake.log_text();
  Stub stub;
  const auto started = std::chrono::steady_clock::now();
  const auto out = make_runtime(fake, stub).investigate(task(), {});
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(out.answer) << out.failure;
  EXPECT_GE(took, 1000ms) << "retry-after: 1 means a second, not the 20 ms backoff";
  EXPECT_LT(took, 3000ms);
}

TEST(Runtime, GivesUpAfterTheRetriesAndSaysWhy) {
  TempDir dir;
  FakeAnthropic fake(dir.path, R"(
conversations:
  - name: down
    match: { tool_offered: submit_result }
    steps:
      - fault: { status: 500 }
      - fault: { status: 500 }
      - fault: { status: 529 }
)");
  ASSERT_TRUE(fake.ready()) << fake.log_text();
  Stub stub;
  Limits setup;
  setup.retry.max_retries = 2;
  const auto out = make_runtime(fake, stub, setup).investigate(task(), {});
  EXPECT_FALSE(out.answer);
  EXPECT_NE(out.failure.find("failed 3 times"), std::string::npos) << out.failure;
  EXPECT_NE(out.failure.find("overloaded_error"), std::string::npos) << out.failure;
  expect_clean(fake);
}

TEST(Runtime, ASlowAnswerIsCutByTheRequestTimeoutAndRetried) {
  TempDir dir;
  FakeAnthropic fake(dir.path, std::string(R"(
conversations:
  - name: slow
    match: { tool_offered: submit_result }
    steps:
      - delay_ms: 3000
        respond: { content: [ { text: "too late" } ] }
      - respond:
          content:)") + kSubmitGood +
                                   "\n");
  ASSERT_TRUE(fake.ready()) << fake.log_text();
  Stub stub;
  Limits setup;
  setup.request_timeout = 300ms;
  const auto started = std::chrono::steady_clock::now();
  const auto out = make_runtime(fake, stub, setup).investigate(task(), {});
  ASSERT_TRUE(out.answer) << out.failure;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2000ms);
}

TEST(Runtime, TheInvestigationDeadlineStopsASlowAnswer) {
  TempDir dir;
  FakeAnthropic fake(dir.path, R"(
conversations:
  - name: slow
    match: { tool_offered: submit_result }
    steps:
      - delay_ms: 4000
        respond: { content: [ { text: "too late" } ] }
)");
  ASSERT_TRUE(fake.ready()) << fake.log_text();
  Stub stub;
  Limits setup;
  setup.budgets.deadline = 500ms;
  const auto started = std::chrono::steady_clock::now();
  const auto out = make_runtime(fake, stub, setup).investigate(task(), {});
  EXPECT_FALSE(out.answer);
  EXPECT_NE(out.failure.find("deadline"), std::string::npos) << out.failure;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1500ms);
}

TEST(Runtime, HostCancellationStopsTheLoopAtOnce) {
  TempDir dir;
  FakeAnthropic fake(dir.path, R"(
conversations:
  - name: slow
    match: { tool_offered: submit_result }
    steps:
      - delay_ms: 4000
        respond: { content: [ { text: "too late" } ] }
)");
  ASSERT_TRUE(fake.ready()) << fake.log_text();
  Stub stub;
  std::atomic<bool> cancel{false};
  std::atomic<bool> held{false};
  std::chrono::steady_clock::time_point cancelled_at;
  // Cancels once the fake holds the model request (it has taken the scripted step and sits in its 4 s delay).
  std::thread canceller([&] {
    held = eks::testing::eventually(
        [&] {
          const auto state = fake.state();
          if (!state.contains("conversations")) return false;
          for (const auto& c : state["conversations"]) {
            if (c.value("name", "") == "slow" && c.value("steps_consumed", 0) > 0) return true;
          }
          return false;
        },
        3000ms, 10ms);
    cancelled_at = std::chrono::steady_clock::now();
    cancel = true;
  });
  const auto out = make_runtime(fake, stub).investigate(task(), [&] { return cancel.load(); });
  const auto returned = std::chrono::steady_clock::now();
  canceller.join();
  EXPECT_TRUE(held) << "the model request never reached the fake: " << fake.state().dump();
  EXPECT_FALSE(out.answer);
  EXPECT_NE(out.failure.find("cancelled"), std::string::npos) << out.failure;
  EXPECT_LT(returned - cancelled_at, eks::testing::scaled(500ms))
      << "cancellation is seen within one poll, not at the next progress callback";
}

TEST(Runtime, AClientErrorIsNotRetried) {
  TempDir dir;
  FakeAnthropic fake(dir.path, R"(
models: [claude-sonnet-4-5]
conversations: []
)");
  ASSERT_TRUE(fake.ready()) << fake.log_text();
  Stub stub;
  const auto out = make_runtime(fake, stub).investigate(task(), {});  // haiku does not exist in this script
  EXPECT_FALSE(out.answer);
  EXPECT_NE(out.failure.find("HTTP 404"), std::string::npos) << out.failure;
  EXPECT_EQ(fake.message_requests().size(), 1u);
}

TEST(Runtime, WithoutAProviderSaysHowToEnableOne) {
  Stub stub;
  Runtime::Options options;
  options.definitions["probe"] = *parse_definition(kDefinition, "probe.md");
  const Runtime runtime(options, nullptr, stub.upstreams());
  EXPECT_FALSE(runtime.enabled());
  EXPECT_EQ(runtime.provider_name(), "none");
  const auto out = runtime.investigate(task(), {});
  EXPECT_FALSE(out.answer);
  EXPECT_NE(out.failure.find("ANTHROPIC_API_KEY"), std::string::npos);
  EXPECT_TRUE(stub.calls.empty());
  const Json analysis = analysis_json(out);
  EXPECT_EQ(analysis["mode"], "deterministic");
  EXPECT_EQ(analysis["provider"], "none");
  EXPECT_TRUE(analysis["model"].is_null());
}

}  // namespace
}  // namespace eks::agents

namespace eks::agents {
namespace {

// A model that names a tool it was never offered (the API cannot, a compromised or buggy provider could): it
// plays a fixed conversation and records what it was sent.
class HallucinatingProvider final : public llm::Provider {
 public:
  std::string name() const override { return "anthropic"; }
  tl::expected<llm::MessagesResponse, llm::LlmError> create(const llm::MessagesRequest& request, llm::Deadline,
                                                            const std::function<bool()>&) override {
    sent.push_back(llm::to_json(request));
    llm::MessagesResponse r;
    r.stop_reason = "tool_use";
    r.usage.input_tokens = 10;
    if (sent.size() == 1) {
      r.content = Json::array({{{"type", "tool_use"},
                                {"id", "toolu_1"},
                                {"name", "resources_delete"},
                                {"input", {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"name", "production"}}}}});
    } else {
      r.content = Json::array({{{"type", "tool_use"},
                                {"id", "toolu_2"},
                                {"name", "submit_result"},
                                {"input", {{"root_cause", "DATABASE_URL is not set"}, {"confidence", 0.8}}}}});
    }
    return r;
  }
  std::vector<Json> sent;
};

TEST(Runtime, AToolOutsideTheAllowListIsRefusedAuditedAndNeverCalled) {
  TempDir dir;
  safety::AuditOptions options;
  options.path = dir.path / "audit.jsonl";
  options.fsync = false;
  auto audit = *safety::AuditLog::open(options);
  Stub stub;
  Runtime::Options o;
  o.definitions["probe"] = *parse_definition(kDefinition, "probe.md");
  auto provider = std::make_shared<HallucinatingProvider>();
  const Runtime runtime(o, provider, stub.upstreams(), audit);
  const auto out = runtime.investigate(task(), {});
  ASSERT_TRUE(out.answer) << out.failure;
  EXPECT_EQ(out.refused_calls, 1);
  EXPECT_EQ(out.tool_calls, 0);
  EXPECT_TRUE(stub.calls.empty()) << stub.calls[0];
  ASSERT_EQ(provider->sent.size(), 2u);
  const Json& result = provider->sent[1]["messages"][2]["content"][0];
  EXPECT_EQ(result["tool_use_id"], "toolu_1");
  EXPECT_EQ(result["is_error"], true);
  EXPECT_NE(result["content"].get<std::string>().find("not among this agent's tools"), std::string::npos);
  const auto lines = audit->recent(10);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["decision"], "deny");
  EXPECT_EQ(lines[0]["code"], "not_in_agent_tools");
  EXPECT_EQ(lines[0]["actor"]["subagent"], "probe");
  EXPECT_EQ(lines[0]["action"]["kind"], "Namespace");
  EXPECT_EQ(lines[0]["action"]["verb"], "delete");
}

}  // namespace
}  // namespace eks::agents
