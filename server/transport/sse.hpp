#pragma once
// Server-Sent Events framing and the bounded per-session replay buffer behind Last-Event-ID resumption.
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace eks::transport {

// One SSE event. `data` may hold newlines (each line gets its own "data:" field); an empty id or event is
// left out; retry_ms > 0 adds a "retry:" field.
std::string sse_event(std::string_view data, std::string_view id = {}, std::string_view event = {}, long retry_ms = 0);
// A comment line: keeps intermediaries from closing a quiet stream.
inline std::string sse_comment() { return ":\n\n"; }

// The last N events of a session, each tagged with the stream it was sent on.
class ReplayBuffer {
 public:
  struct Event {
    std::uint64_t id;
    int stream;
    std::string data;  // the JSON-RPC message; empty for a priming event
  };
  explicit ReplayBuffer(std::size_t capacity) : capacity_(capacity) {}
  void push(Event event);
  // The stream of event `id`, when it is still buffered.
  std::optional<int> stream_of(std::uint64_t id) const;
  // The events after `id` on the same stream, oldest first.
  std::vector<Event> after(std::uint64_t id) const;

 private:
  std::size_t capacity_;
  std::deque<Event> events_;
};

}  // namespace eks::transport
