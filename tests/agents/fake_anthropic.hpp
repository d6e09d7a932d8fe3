#pragma once
// The Messages API stand-in (tests/fakes/anthropic/server.mjs) as a child process for C++ tests: started with a
// script on 127.0.0.1 port 0, in its own process group, killed by its PID (and by PR_SET_PDEATHSIG if the test
// dies); every wait bounded. requests() and state() read its /_fake endpoints.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "server/upstream/curl.hpp"

namespace eks::test_fixtures {

class FakeAnthropic {
 public:
  // `script` is the YAML text; it is written to `work`/script.yaml.
  FakeAnthropic(const std::filesystem::path& work, const std::string& script) {
    using namespace std::chrono_literals;
    const auto script_path = work / "script.yaml";
    std::ofstream(script_path) << script;
    const std::string server = std::string(EKS_SOURCE_DIR) + "/tests/fakes/anthropic/server.mjs";
    const std::string log = (work / "fake-anthropic.log").string();
    int out[2];
    if (pipe(out) != 0) return;
    pid_ = fork();
    if (pid_ < 0) {
      close(out[0]);
      close(out[1]);
      return;
    }
    if (pid_ == 0) {
      setpgid(0, 0);
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      dup2(out[1], STDOUT_FILENO);
      const int err = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (err >= 0) dup2(err, STDERR_FILENO);
      close(out[0]);
      close(out[1]);
      execlp("node", "node", server.c_str(), "--script", script_path.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < deadline && line.find('\n') == std::string::npos) {
      pollfd p{out[0], POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char buf[256];
      const ssize_t n = read(out[0], buf, sizeof buf);
      if (n <= 0) break;
      line.append(buf, static_cast<std::size_t>(n));
    }
    close(out[0]);
    const auto parsed = nlohmann::json::parse(line.substr(0, line.find('\n')), nullptr, false);
    if (parsed.is_object() && parsed.contains("url")) url_ = parsed["url"];
    log_ = log;
  }
  ~FakeAnthropic() {
    using namespace std::chrono_literals;
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(20ms);
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  FakeAnthropic(const FakeAnthropic&) = delete;
  FakeAnthropic& operator=(const FakeAnthropic&) = delete;

  bool ready() const { return !url_.empty(); }
  const std::string& url() const { return url_; }
  // What it wrote on stderr (script load errors).
  std::string log_text() const {
    std::ifstream in(log_);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  nlohmann::json requests() const { return get("/_fake/requests"); }
  nlohmann::json state() const { return get("/_fake/state"); }
  // The /v1/messages requests it saw (the introspection endpoints are not recorded).
  nlohmann::json message_requests() const {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : requests()) {
      if (r.value("path", "").rfind("/v1/messages", 0) == 0) out.push_back(r);
    }
    return out;
  }

 private:
  nlohmann::json get(const std::string& path) const {
    const auto& c = *upstream::curl();
    CURL* curl = c.easy_init();
    std::string body;
    const std::string url = url_ + path;
    c.easy_setopt(curl, CURLOPT_URL, url.c_str());
    c.easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
    c.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    c.easy_setopt(curl, CURLOPT_WRITEFUNCTION, +[](char* data, size_t size, size_t count, void* user) {
      static_cast<std::string*>(user)->append(data, size * count);
      return size * count;
    });
    c.easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    c.easy_perform(curl);
    c.easy_cleanup(curl);
    return nlohmann::json::parse(body, nullptr, false);
  }

  pid_t pid_ = -1;
  std::string url_;
  std::string log_;
};

}  // namespace eks::test_fixtures
