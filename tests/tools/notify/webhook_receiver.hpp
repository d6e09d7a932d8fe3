#pragma once
// A loopback webhook receiver for the notifier tests: accepts one POST per connection on 127.0.0.1, keeps each
// request's path and JSON body, and answers with the next scripted status (then 200). Stopped by its destructor.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace eks::testing {

class WebhookReceiver {
 public:
  struct Answer {
    int status = 200;
    std::string body = "ok";
    std::string retry_after;  // a Retry-After header when not empty
  };
  struct Received {
    std::string path;
    std::string content_type;
    nlohmann::json body;
  };

  explicit WebhookReceiver(std::deque<Answer> script = {}) : script_(std::move(script)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 16);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~WebhookReceiver() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }

  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  std::vector<Received> received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int client = ::accept(fd_, nullptr, nullptr);
      if (client < 0) continue;
      handle(client);
      ::close(client);
    }
  }
  void handle(int client) {
    std::string data;
    char buffer[8192];
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    std::size_t need = std::string::npos;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{client, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      const auto n = ::read(client, buffer, sizeof buffer);
      if (n <= 0) break;
      data.append(buffer, static_cast<std::size_t>(n));
      const auto end = data.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      if (need == std::string::npos) {
        std::size_t length = 0;
        const auto at = lower(data.substr(0, end)).find("content-length:");
        if (at != std::string::npos) length = std::stoul(data.substr(at + 15));
        need = end + 4 + length;
      }
      if (data.size() >= need) break;
    }
    const auto end = data.find("\r\n\r\n");
    if (end == std::string::npos) return;
    Received r;
    const auto first_space = data.find(' ');
    r.path = data.substr(first_space + 1, data.find(' ', first_space + 1) - first_space - 1);
    const std::string head = lower(data.substr(0, end));
    if (const auto at = head.find("content-type:"); at != std::string::npos)
      r.content_type = head.substr(at + 13, head.find("\r\n", at) - at - 13);
    r.body = nlohmann::json::parse(data.substr(end + 4), nullptr, false);
    Answer a;
    {
      std::lock_guard lock(mutex_);
      received_.push_back(std::move(r));
      if (!script_.empty()) {
        a = script_.front();
        script_.pop_front();
      }
    }
    std::string reply = "HTTP/1.1 " + std::to_string(a.status) +
                        " X\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(a.body.size()) +
                        "\r\nConnection: close\r\n";
    if (!a.retry_after.empty()) reply += "Retry-After: " + a.retry_after + "\r\n";
    reply += "\r\n" + a.body;
    (void)::write(client, reply.data(), reply.size());
  }
  static std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::deque<Answer> script_;
  std::vector<Received> received_;
  std::thread thread_;
};

}  // namespace eks::testing
