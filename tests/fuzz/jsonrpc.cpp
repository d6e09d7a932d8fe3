// JSON-RPC framing and message decoding: what a host writes on stdin (or POSTs) reaches jsonrpc::parse and
// jsonrpc::classify, then a session's handle_line. Property: a message that decodes is stable through
// serialise -> parse -> classify (same JSON, same kind of message).
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "server/dispatcher.hpp"
#include "server/jsonrpc/message.hpp"
#include "server/session.hpp"
#include "server/transport/connection.hpp"
#include "tests/fuzz/fuzz.hpp"
#include "tests/fuzz/quiet_logs.hpp"

namespace {

using eks::Json;
namespace jsonrpc = eks::jsonrpc;

// Collects what the session sends, so that answers are serialised as they would be on stdout.
class NullConnection final : public eks::transport::Connection {
 public:
  bool send(std::string_view message) override {
    std::lock_guard lock(mutex_);
    bytes_ += message.size();
    return true;
  }

 private:
  std::mutex mutex_;
  std::size_t bytes_ = 0;
};

eks::server::Dispatcher& dispatcher() {
  static eks::server::Dispatcher* d = [] {
    eks::server::ServerOptions options;
    options.workers = 1;
    auto* made = new eks::server::Dispatcher(eks::server::ServerInfo{"fuzz", "Fuzz", "1", "d", "i"}, options);
    // One tool with an input schema, so that tools/call reaches argument validation.
    (void)made->add_tool(eks::server::ToolDef{
        .name = "echo",
        .title = "Echo",
        .description = "Echoes its text.",
        .input_schema =
            R"({"type":"object","properties":{"text":{"type":"string","maxLength":64}},"required":["text"]})",
        .output_schema = "",
        .annotations = {.read_only = true},
        .safety = eks::server::SafetyClass::read_only,
        .handler = [](const Json& args, eks::server::CallContext&) -> eks::server::Result<eks::server::ToolOutput> {
          return eks::server::ToolOutput{Json::object(), args.value("text", std::string())};
        },
    });
    return made;
  }();
  return *d;
}

void check_round_trip(const Json& value) {
  const auto first = jsonrpc::classify(value);
  const std::string text = jsonrpc::serialize(value);
  const auto again = jsonrpc::parse(text, 1 << 20);
  eks::fuzz::check(again.has_value(), "a decoded message re-parses after serialize", text);
  eks::fuzz::check(*again == value, "serialize -> parse gives the same JSON", text);
  const auto second = jsonrpc::classify(*again);
  eks::fuzz::check(first.has_value() == second.has_value(), "classify is stable through a round trip", text);
  if (first) eks::fuzz::check(first->index() == second->index(), "the message kind survives a round trip", text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  eks::fuzz::quiet_logs();
  const std::string_view text = eks::fuzz::as_text(data, size);
  if (auto parsed = jsonrpc::parse(text, 128)) {
    if (parsed->is_array()) {
      for (const auto& item : *parsed) check_round_trip(item);
    } else {
      check_round_trip(*parsed);
    }
  }
  // The session sees each line as stdio frames it.
  NullConnection connection;
  auto session = eks::server::Session::create(dispatcher(), connection);
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) session->handle_line(std::string(text.substr(start, end - start)));
    start = end + 1;
  }
  session->drain(std::chrono::milliseconds(1000), std::chrono::milliseconds(100));
  return 0;
}
