#include "server/transport/stdio.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include <spdlog/spdlog.h>

#include "server/logging.hpp"

namespace eks::transport {
namespace {

std::shared_ptr<spdlog::logger> logger() {
  static const auto log = server::component_logger("transport");
  return log;
}

}  // namespace

StdioTransport::StdioTransport(int in_fd, int out_fd, Options options)
    : in_fd_(in_fd), out_fd_(out_fd), options_(options) {
  if (::pipe2(wake_pipe_, O_CLOEXEC | O_NONBLOCK) != 0) wake_pipe_[0] = wake_pipe_[1] = -1;
}

StdioTransport::~StdioTransport() {
  for (int fd : wake_pipe_) {
    if (fd >= 0) ::close(fd);
  }
}

void StdioTransport::stop() {
  if (wake_pipe_[1] >= 0) {
    const char byte = 1;
    [[maybe_unused]] auto n = ::write(wake_pipe_[1], &byte, 1);
  }
}

bool StdioTransport::run(const LineHandler& on_line, const OversizeHandler& on_oversize) {
  std::string line;
  bool discarding = false;  // inside an over-long line: drop bytes until its newline
  std::size_t discarded = 0;
  char buffer[64 * 1024];
  for (;;) {
    pollfd fds[2] = {{in_fd_, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
    const nfds_t count = wake_pipe_[0] >= 0 ? 2 : 1;
    // A client waiting on our answer usually sends its next message within microseconds: look for it briefly
    // before sleeping, which saves a scheduler wake-up per message. Bounded, so an idle server sleeps.
    int ready = 0;
    const auto spin_until = std::chrono::steady_clock::now() + options_.spin;
    do {
      ready = ::poll(fds, count, 0);
    } while (ready == 0 && std::chrono::steady_clock::now() < spin_until);
    if (ready == 0) ready = ::poll(fds, count, -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      logger()->error("poll on stdin failed: {}", std::strerror(errno));
      return false;
    }
    if (fds[1].revents & POLLIN) return false;
    if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;

    const ssize_t n = ::read(in_fd_, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      logger()->error("read from stdin failed: {}", std::strerror(errno));
      return false;
    }
    if (n == 0) {
      // A final message without a trailing newline still counts.
      if (discarding) {
        on_oversize(discarded);
      } else if (!line.empty()) {
        on_line(std::move(line));
      }
      return true;
    }
    std::string_view chunk(buffer, static_cast<std::size_t>(n));
    while (!chunk.empty()) {
      const auto newline = chunk.find('\n');
      const std::string_view piece = chunk.substr(0, newline);
      if (discarding) {
        discarded += piece.size();
      } else if (line.size() + piece.size() > options_.max_message_bytes) {
        discarding = true;
        discarded = line.size() + piece.size();
        std::string().swap(line);
      } else {
        line.append(piece);
      }
      if (newline == std::string_view::npos) break;
      chunk.remove_prefix(newline + 1);
      if (discarding) {
        on_oversize(discarded);
        discarding = false;
        discarded = 0;
      } else {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!line.empty()) on_line(std::move(line));
        line.clear();
      }
    }
  }
}

bool StdioTransport::send(std::string_view message) {
  if (peer_gone_.load(std::memory_order_relaxed)) return false;
  std::lock_guard lock(write_mutex_);
  std::string framed;
  framed.reserve(message.size() + 1);
  framed.append(message);
  framed.push_back('\n');
  const char* data = framed.data();
  std::size_t left = framed.size();
  while (left > 0) {
    const ssize_t n = ::write(out_fd_, data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        pollfd pfd{out_fd_, POLLOUT, 0};
        ::poll(&pfd, 1, 1000);
        continue;
      }
      peer_gone_ = true;
      logger()->warn("writing to stdout failed ({}); the client is gone", std::strerror(errno));
      return false;
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace eks::transport
