#include "server/transport/sse.hpp"

namespace eks::transport {

std::string sse_event(std::string_view data, std::string_view id, std::string_view event, long retry_ms) {
  std::string out;
  out.reserve(data.size() + id.size() + event.size() + 32);
  if (!event.empty()) out.append("event: ").append(event).push_back('\n');
  if (!id.empty()) out.append("id: ").append(id).push_back('\n');
  if (retry_ms > 0) out.append("retry: ").append(std::to_string(retry_ms)).push_back('\n');
  // "data: " per line; an empty payload still needs one data field to dispatch the event.
  std::size_t start = 0;
  for (;;) {
    const auto end = data.find('\n', start);
    std::string_view line = data.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.append("data: ").append(line).push_back('\n');
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  out.push_back('\n');
  return out;
}

void ReplayBuffer::push(Event event) {
  if (capacity_ == 0) return;
  if (events_.size() == capacity_) events_.pop_front();
  events_.push_back(std::move(event));
}

std::optional<int> ReplayBuffer::stream_of(std::uint64_t id) const {
  for (const auto& e : events_) {
    if (e.id == id) return e.stream;
  }
  return std::nullopt;
}

std::vector<ReplayBuffer::Event> ReplayBuffer::after(std::uint64_t id) const {
  std::vector<Event> out;
  const auto stream = stream_of(id);
  if (!stream) return out;
  for (const auto& e : events_) {
    if (e.id > id && e.stream == *stream) out.push_back(e);
  }
  return out;
}

}  // namespace eks::transport
