#pragma once
// The Messages API stand-in (tests/fakes/anthropic/server.mjs) as a child process for C++ tests: started with a
// script on 127.0.0.1 port 0, in its own process group, killed by its PID (and by PR_SET_PDEATHSIG if the test
// dies); every wait bounded. requests() and state() read its /_fake endpoints.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "server/upstream/curl.hpp"
#include "tests/fixtures/child_process.hpp"

namespace eks::test_fixtures {

class FakeAnthropic {
 public:
  // `script` is the YAML text; it is written to `work`/script.yaml.
  FakeAnthropic(const std::filesystem::path& work, const std::string& script)
      : log_((work / "fake-anthropic.log").string()),
        process_({"node", std::string(EKS_SOURCE_DIR) + "/tests/fakes/anthropic/server.mjs", "--script",
                  write_script(work / "script.yaml", script)},
                 log_, std::chrono::seconds(15)) {
    const auto parsed = nlohmann::json::parse(process_.first_line(), nullptr, false);
    if (parsed.is_object() && parsed.contains("url")) url_ = parsed["url"];
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
  static std::string write_script(const std::filesystem::path& path, const std::string& script) {
    std::ofstream(path) << script;
    return path.string();
  }
  nlohmann::json get(const std::string& path) const {
    const auto& c = *upstream::curl();
    CURL* curl = c.easy_init();
    std::string body;
    const std::string url = url_ + path;
    c.easy_setopt(curl, CURLOPT_URL, url.c_str());
    c.easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
    c.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    c.easy_setopt(
        curl, CURLOPT_WRITEFUNCTION, +[](char* data, size_t size, size_t count, void* user) {
          static_cast<std::string*>(user)->append(data, size * count);
          return size * count;
        });
    c.easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    c.easy_perform(curl);
    c.easy_cleanup(curl);
    return nlohmann::json::parse(body, nullptr, false);
  }

  std::string log_;
  ChildProcess process_;
  std::string url_;
};

}  // namespace eks::test_fixtures
