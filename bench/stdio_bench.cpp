// bench/stdio_bench.cpp — benchmark driver for MCP servers speaking newline-delimited JSON-RPC over stdio.
//
// Measures, for every server given, in one run:
//   1. cold start: wall time from spawning the process to receiving the initialize response
//      (protocolVersion 2025-11-25), repeated --runs times, interleaved across servers so that drift in
//      machine load hits every server alike; reported as median and p90;
//   2. throughput: in one long-lived session (after initialize + notifications/initialized), requests per
//      second and p50/p99 latency for `ping` and `tools/list`, with 1 and with 16 requests in flight
//      (pipelined over the one stdio connection, fresh integer ids), each after a short warm-up.
//
// This is a benchmark driver, not a test: it reports failures in the table rather than exiting non-zero,
// except for usage errors. Every wait is bounded by --timeout (a server that does not answer is reported
// as failed, never waited on forever) and every child is killed by its process-group id on exit,
// including on SIGINT/SIGTERM/SIGHUP.
//
// The driver is single-threaded: one poll() loop per connection. Responses are classified with a SAX pass
// (no DOM) so that the client's own parsing cost stays small next to the server's, and it is the same for
// every server.

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <map>
#include <optional>
#include <poll.h>
#include <sstream>
#include <string>
#include <string_view>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <unordered_map>
#include <vector>

#ifdef __linux__
#include <sys/prctl.h>
#endif

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using Ms = std::chrono::duration<double, std::milli>;

constexpr const char* kProtocolVersion = "2025-11-25";
constexpr std::size_t kMaxLine = 64U * 1024U * 1024U;  // a longer line is a broken server, not a result

// ---------------------------------------------------------------------------------------------------------
// Child registry: async-signal-safe, so the signal handler can kill every live child by its group id.

std::array<std::atomic<pid_t>, 64> g_children{};

void register_child(pid_t pid) {
  for (auto& slot : g_children) {
    pid_t expected = 0;
    if (slot.compare_exchange_strong(expected, pid)) return;
  }
  // More than 64 live children never happens (at most one per server at a time); kill rather than leak.
  kill(-pid, SIGKILL);
}

void unregister_child(pid_t pid) {
  for (auto& slot : g_children) {
    pid_t expected = pid;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}

void kill_all_children() {
  for (auto& slot : g_children) {
    const pid_t pid = slot.exchange(0);
    if (pid > 0) {
      kill(-pid, SIGKILL);  // the child leads its own process group: this reaches its descendants too
      kill(pid, SIGKILL);
    }
  }
}

extern "C" void on_fatal_signal(int sig) {
  kill_all_children();
  std::signal(sig, SIG_DFL);
  raise(sig);
}

void install_cleanup() {
  std::atexit(kill_all_children);
  struct sigaction sa {};
  sa.sa_handler = on_fatal_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaction(sig, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);  // a server that exits mid-write must show up as EPIPE, not kill us
}

// ---------------------------------------------------------------------------------------------------------
// Small helpers

double ms_between(Clock::time_point a, Clock::time_point b) { return Ms(b - a).count(); }

/// Nearest-rank percentile of an unsorted sample (p in [0,100]); NaN when empty.
double percentile(std::vector<double> v, double p) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  return v[std::clamp<std::size_t>(rank, 1, v.size()) - 1];
}

double cpu_seconds_self() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/// Splits a command line on whitespace, honouring '…', "…" and backslash escapes (no expansion at all).
std::optional<std::vector<std::string>> split_command(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  bool have = false;
  char quote = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quote == '\'') {
      if (c == '\'') quote = 0;
      else cur += c;
    } else if (quote == '"') {
      if (c == '"') quote = 0;
      else if (c == '\\' && i + 1 < s.size() && (s[i + 1] == '"' || s[i + 1] == '\\')) cur += s[++i];
      else cur += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      have = true;
    } else if (c == '\\' && i + 1 < s.size()) {
      cur += s[++i];
      have = true;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (have) out.push_back(std::move(cur));
      cur.clear();
      have = false;
    } else {
      cur += c;
      have = true;
    }
  }
  if (quote != 0) return std::nullopt;
  if (have) out.push_back(std::move(cur));
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// SAX classification of one JSON-RPC line: only the top-level id/method/result/error are looked at.

struct Classified {
  bool valid = false;
  bool has_method = false, has_result = false, has_error = false, has_id = false, int_id = false;
  std::int64_t id = 0;
};

class Classifier : public nlohmann::json_sax<json> {
 public:
  explicit Classifier(Classified& c) : c_(c) {}
  bool null() override { return scalar(); }
  bool boolean(bool) override { return scalar(); }
  bool number_integer(number_integer_t v) override { return integer(v); }
  bool number_unsigned(number_unsigned_t v) override {
    return integer(v <= static_cast<number_unsigned_t>(INT64_MAX) ? static_cast<std::int64_t>(v) : -1);
  }
  bool number_float(number_float_t, const string_t&) override { return scalar(); }
  bool string(string_t& v) override {
    if (depth_ == 1 && key_ == "method") c_.has_method = !v.empty();
    return scalar();
  }
  bool binary(binary_t&) override { return scalar(); }
  bool start_object(std::size_t) override { return open(); }
  bool end_object() override {
    --depth_;
    return true;
  }
  bool start_array(std::size_t) override { return open(); }
  bool end_array() override {
    --depth_;
    return true;
  }
  bool key(string_t& k) override {
    if (depth_ == 1) {
      key_ = k;
      if (k == "result") c_.has_result = true;
      if (k == "error") c_.has_error = true;
    }
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const json::exception&) override { return false; }

 private:
  bool open() {
    ++depth_;
    return true;
  }
  bool scalar() {
    if (depth_ == 1 && key_ == "id") c_.has_id = true;
    return depth_ > 0;  // a bare top-level scalar is not a JSON-RPC message
  }
  bool integer(std::int64_t v) {
    if (depth_ == 1 && key_ == "id") {
      c_.has_id = true;
      c_.int_id = true;
      c_.id = v;
    }
    return depth_ > 0;
  }
  Classified& c_;
  int depth_ = 0;
  std::string key_;
};

Classified classify(std::string_view line) {
  Classified c;
  Classifier sax(c);
  c.valid = json::sax_parse(line.begin(), line.end(), &sax, json::input_format_t::json, true);
  return c;
}

// ---------------------------------------------------------------------------------------------------------
// A server child process and its stdio connection.

struct ServerSpec {
  std::string name;
  std::string command;
};

struct Options {
  int runs = 30;
  double seconds = 3.0;
  std::optional<std::uint64_t> count;
  double warmup = 0.5;
  double timeout = 10.0;
  bool json_out = false;
  bool shell = false;
  bool server_stderr = false;
  std::string baseline;
  std::vector<ServerSpec> servers;
};

struct Counters {
  std::uint64_t notifications = 0, server_requests = 0, noise_lines = 0;
};

class Child {
 public:
  Child() = default;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() { stop(); }

  /// Spawns `argv` in its own process group with stdin/stdout piped; "" or an error sentence.
  std::string spawn(const std::vector<std::string>& argv, bool inherit_stderr) {
    int in_pipe[2], out_pipe[2], err_pipe[2];
    if (pipe2(in_pipe, O_CLOEXEC) != 0) return std::string("pipe: ") + std::strerror(errno);
    if (pipe2(out_pipe, O_CLOEXEC) != 0) {
      close(in_pipe[0]);
      close(in_pipe[1]);
      return std::string("pipe: ") + std::strerror(errno);
    }
    if (pipe2(err_pipe, O_CLOEXEC) != 0) {
      for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1]}) close(fd);
      return std::string("pipe: ") + std::strerror(errno);
    }
    const int devnull = inherit_stderr ? -1 : open("/dev/null", O_WRONLY | O_CLOEXEC);
    std::vector<char*> cargv;
    for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);

    const pid_t pid = fork();
    if (pid < 0) {
      for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) close(fd);
      if (devnull >= 0) close(devnull);
      return std::string("fork: ") + std::strerror(errno);
    }
    if (pid == 0) {
      // Child: only async-signal-safe calls until exec.
      setpgid(0, 0);
#ifdef __linux__
      prctl(PR_SET_PDEATHSIG, SIGKILL);  // even if the driver is SIGKILLed, the direct child goes too
#endif
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      std::signal(SIGPIPE, SIG_DFL);
      dup2(in_pipe[0], STDIN_FILENO);
      dup2(out_pipe[1], STDOUT_FILENO);
      if (devnull >= 0) dup2(devnull, STDERR_FILENO);
      execvp(cargv[0], cargv.data());
      const int e = errno;
      [[maybe_unused]] auto w = write(err_pipe[1], &e, sizeof e);
      _exit(127);
    }
    setpgid(pid, pid);  // also from the parent, so the group exists before we might signal it
    pid_ = pid;
    register_child(pid);
    close(in_pipe[0]);
    close(out_pipe[1]);
    close(err_pipe[1]);
    if (devnull >= 0) close(devnull);
    in_ = in_pipe[1];
    out_ = out_pipe[0];
    fcntl(in_, F_SETFL, fcntl(in_, F_GETFL) | O_NONBLOCK);
    fcntl(out_, F_SETFL, fcntl(out_, F_GETFL) | O_NONBLOCK);
    // The CLOEXEC pipe closes on a successful exec; on failure it carries errno.
    int e = 0;
    ssize_t n;
    do n = read(err_pipe[0], &e, sizeof e);
    while (n < 0 && errno == EINTR);
    close(err_pipe[0]);
    if (n == static_cast<ssize_t>(sizeof e)) {
      stop();
      return "cannot execute '" + argv[0] + "': " + std::strerror(e);
    }
    return {};
  }

  void send(std::string_view line) {
    wbuf_.append(line);
    wbuf_.push_back('\n');
  }

  /// One poll round until `deadline`: flushes pending writes, reads what is there, and calls
  /// on_response(classified, line, now) for every response; answers server requests itself.
  /// Returns "" or an error sentence (exit, EOF, protocol garbage beyond limits).
  template <class F>
  std::string pump(Clock::time_point deadline, F&& on_response) {
    if (out_ < 0) return "connection closed";
    flush();
    pollfd fds[2] = {{out_, POLLIN, 0}, {in_, POLLOUT, 0}};
    const nfds_t nfds = (!wbuf_.empty() && in_ >= 0) ? 2 : 1;
    const auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now()).count();
    const int timeout_ms = left <= 0 ? 0 : static_cast<int>(std::min<long long>((left + 999) / 1000, 1000));
    const int r = poll(fds, nfds, timeout_ms);
    if (r < 0) return errno == EINTR ? std::string{} : std::string("poll: ") + std::strerror(errno);
    if (nfds == 2 && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
      if (std::string err = flush(); !err.empty()) return err;
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      bool eof = false;
      for (int i = 0; i < 64; ++i) {  // bounded: drain what is buffered, then return to the caller
        char buf[65536];
        const ssize_t n = read(out_, buf, sizeof buf);
        if (n > 0) {
          rbuf_.append(buf, static_cast<std::size_t>(n));
          if (n < static_cast<ssize_t>(sizeof buf)) break;
          continue;
        }
        if (n == 0) {
          eof = true;
          break;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        return std::string("read: ") + std::strerror(errno);
      }
      const auto now = Clock::now();
      std::size_t start = 0;
      for (;;) {
        const std::size_t nl = rbuf_.find('\n', start);
        if (nl == std::string::npos) break;
        std::string_view line(rbuf_.data() + start, nl - start);
        start = nl + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) continue;
        const Classified c = classify(line);
        if (!c.valid) {
          ++counters_.noise_lines;
          continue;
        }
        if (c.has_method && c.has_id) {
          answer_request(line);
          continue;
        }
        if (c.has_method) {
          ++counters_.notifications;
          continue;
        }
        if (c.has_id && (c.has_result || c.has_error)) on_response(c, line, now);
        else ++counters_.noise_lines;
      }
      rbuf_.erase(0, start);
      if (rbuf_.size() > kMaxLine) return "a line on stdout exceeds 64 MiB";
      if (eof) return "server closed stdout (" + exit_description() + ")";
    }
    return {};
  }

  /// Closes stdin, asks the group to terminate, waits up to `grace`, then kills it; always reaps.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(2000)) {
    if (in_ >= 0) {
      close(in_);
      in_ = -1;
    }
    if (out_ >= 0) {
      close(out_);
      out_ = -1;
    }
    if (pid_ <= 0) return;
    if (!reaped_) {
      kill(-pid_, SIGTERM);
      const auto until = Clock::now() + grace;
      while (!try_reap() && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    kill(-pid_, SIGKILL);  // sweep the group even when the leader exited: wrappers leave children behind
    if (!reaped_) {
      kill(pid_, SIGKILL);
      int status = 0;
      while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {}
      reaped_ = true;
      status_ = status;
    }
    unregister_child(pid_);
    pid_ = -1;
  }

  const Counters& counters() const { return counters_; }

 private:
  std::string flush() {
    while (!wbuf_.empty() && in_ >= 0) {
      const ssize_t n = write(in_, wbuf_.data(), wbuf_.size());
      if (n > 0) {
        wbuf_.erase(0, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      return "write to server stdin failed: " + std::string(std::strerror(errno)) + " (" + exit_description() + ")";
    }
    return {};
  }

  bool try_reap() {
    if (reaped_ || pid_ <= 0) return true;
    int status = 0;
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      status_ = status;
    }
    return reaped_;
  }

  std::string exit_description() {
    // Give a dying process a moment so the report can say how it ended.
    for (int i = 0; i < 50 && !try_reap(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    if (!reaped_) return "process still running";
    if (WIFEXITED(status_)) return "exited with status " + std::to_string(WEXITSTATUS(status_));
    if (WIFSIGNALED(status_)) return "killed by signal " + std::to_string(WTERMSIG(status_));
    return "ended";
  }

  void answer_request(std::string_view line) {
    // Server → client requests are rare (we declare no client capabilities); answer so it never waits.
    ++counters_.server_requests;
    const json req = json::parse(line, nullptr, false);
    if (req.is_discarded() || !req.contains("id")) return;
    json resp = {{"jsonrpc", "2.0"}, {"id", req["id"]}};
    if (req.value("method", "") == "ping") resp["result"] = json::object();
    else resp["error"] = {{"code", -32601}, {"message", "method not supported by the benchmark client"}};
    send(resp.dump());
  }

  pid_t pid_ = -1;
  int in_ = -1, out_ = -1;
  bool reaped_ = false;
  int status_ = 0;
  std::string rbuf_, wbuf_;
  Counters counters_;
};

// ---------------------------------------------------------------------------------------------------------
// Protocol steps

std::string initialize_request(std::int64_t id) {
  const json req = {{"jsonrpc", "2.0"},
                    {"id", id},
                    {"method", "initialize"},
                    {"params",
                     {{"protocolVersion", kProtocolVersion},
                      {"capabilities", json::object()},
                      {"clientInfo", {{"name", "stdio_bench"}, {"version", "0.1.0"}}}}}};
  return req.dump();
}

struct InitResult {
  std::string error;  // "" on success
  double ms = 0;
  std::uint64_t messages_before = 0;  // notifications/requests the server sent before answering initialize
  std::string protocol_version, server_name, server_version;
};

/// Sends initialize (id 0) on `child` and waits for its response, at most `timeout` after `t0`.
InitResult initialize(Child& child, Clock::time_point t0, double timeout) {
  InitResult out;
  child.send(initialize_request(0));
  const auto deadline = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout));
  std::string line;
  bool done = false;
  Clock::time_point t1;
  while (!done) {
    if (Clock::now() >= deadline) {
      out.error = "no initialize response within " + std::to_string(static_cast<int>(timeout)) + " s";
      return out;
    }
    std::string err = child.pump(deadline, [&](const Classified& c, std::string_view l, Clock::time_point now) {
      if (c.int_id && c.id == 0 && !done) {
        done = true;
        t1 = now;
        line.assign(l);
        out.messages_before = child.counters().notifications + child.counters().server_requests;
      }
    });
    if (!err.empty() && !done) {
      out.error = err;
      return out;
    }
  }
  out.ms = ms_between(t0, t1);
  const json resp = json::parse(line, nullptr, false);
  if (resp.contains("error")) {
    out.error = "initialize failed: " + resp["error"].dump();
    return out;
  }
  const json& result = resp.value("result", json::object());
  out.protocol_version = result.value("protocolVersion", "");
  if (result.contains("serverInfo") && result["serverInfo"].is_object()) {
    out.server_name = result["serverInfo"].value("name", "");
    out.server_version = result["serverInfo"].value("version", "");
  }
  return out;
}

struct CellResult {
  std::string error;
  std::uint64_t completed = 0, errors = 0;
  double seconds = 0, rps = 0, p50_ms = 0, p99_ms = 0, client_cpu = 0;
  std::size_t response_bytes = 0;  // size of one response line, for the notes
};

/// Runs `method` with `depth` requests in flight for `seconds` (or `count` completions); ids from `next_id`.
CellResult run_phase(Child& child, const std::string& method, int depth, double seconds,
                     std::optional<std::uint64_t> count, double timeout, std::int64_t& next_id, bool record) {
  CellResult res;
  std::unordered_map<std::int64_t, Clock::time_point> inflight;
  inflight.reserve(static_cast<std::size_t>(depth) * 2);
  std::vector<double> lat;
  if (record) lat.reserve(1 << 16);
  const std::string prefix = R"({"jsonrpc":"2.0","id":)";
  const std::string suffix = R"(,"method":")" + method + R"("})";
  const double cpu0 = cpu_seconds_self();
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  const auto stall = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout));
  auto last_progress = start, last_done = start;
  std::uint64_t sent = 0;
  for (;;) {
    auto now = Clock::now();
    const bool sending = count ? sent < *count : now < end;
    if (sending) {
      while (static_cast<int>(inflight.size()) < depth && (!count || sent < *count)) {
        const std::int64_t id = next_id++;
        child.send(prefix + std::to_string(id) + suffix);
        inflight.emplace(id, now);
        ++sent;
      }
    } else if (inflight.empty()) {
      break;
    }
    if (now - last_progress > stall) {
      res.error = "no response within " + std::to_string(static_cast<int>(timeout)) + " s";
      return res;
    }
    const auto deadline = std::min(last_progress + stall, sending && !count ? end : Clock::time_point::max());
    std::string err = child.pump(deadline, [&](const Classified& c, std::string_view line, Clock::time_point t) {
      if (!c.int_id) return;
      const auto it = inflight.find(c.id);
      if (it == inflight.end()) return;  // a late answer from the warm-up, or an id we never sent
      if (record) lat.push_back(ms_between(it->second, t));
      if (c.has_error) ++res.errors;
      res.response_bytes = line.size();
      inflight.erase(it);
      ++res.completed;
      last_progress = last_done = t;
    });
    if (!err.empty()) {
      res.error = err;
      return res;
    }
  }
  res.seconds = std::chrono::duration<double>(last_done - start).count();
  res.client_cpu = res.seconds > 0 ? (cpu_seconds_self() - cpu0) / res.seconds : 0;
  res.rps = res.seconds > 0 ? static_cast<double>(res.completed) / res.seconds : 0;
  res.p50_ms = percentile(lat, 50);
  res.p99_ms = percentile(lat, 99);
  if (res.errors == res.completed && res.completed > 0) res.error = method + " answered with JSON-RPC errors only";
  return res;
}

// ---------------------------------------------------------------------------------------------------------
// Orchestration

struct ServerResult {
  ServerSpec spec;
  std::vector<std::string> argv;
  std::string cold_error;
  std::vector<double> cold_ms;
  InitResult info;
  std::string session_error;
  std::map<std::string, CellResult> cells;  // key "ping/1", "tools/list/16", ...
  Counters counters;
};

const std::array<std::pair<const char*, int>, 4> kCells{
    {{"ping", 1}, {"ping", 16}, {"tools/list", 1}, {"tools/list", 16}}};

std::string cell_key(const char* method, int depth) { return std::string(method) + "/" + std::to_string(depth); }

std::vector<std::string> argv_for(const ServerSpec& s, bool shell) {
  if (shell) return {"/bin/sh", "-c", "exec " + s.command};
  return *split_command(s.command);
}

void cold_start_once(ServerResult& r, const Options& opt) {
  Child child;
  const auto t0 = Clock::now();
  if (std::string err = child.spawn(r.argv, opt.server_stderr); !err.empty()) {
    r.cold_error = err;
    return;
  }
  InitResult init = initialize(child, t0, opt.timeout);
  child.stop(std::chrono::milliseconds(500));
  if (!init.error.empty()) {
    r.cold_error = init.error;
    return;
  }
  if (init.protocol_version != kProtocolVersion && r.info.protocol_version.empty())
    std::cerr << "  note: " << r.spec.name << " negotiated protocolVersion " << init.protocol_version << "\n";
  r.cold_ms.push_back(init.ms);
  if (r.info.server_name.empty()) r.info = init;
}

void throughput(ServerResult& r, const Options& opt) {
  if (!r.cold_error.empty()) return;  // it already failed to start: do not spend another timeout on it
  Child child;
  if (std::string err = child.spawn(r.argv, opt.server_stderr); !err.empty()) {
    r.session_error = err;
    return;
  }
  InitResult init = initialize(child, Clock::now(), opt.timeout);
  if (!init.error.empty()) {
    r.session_error = init.error;
    return;
  }
  if (r.info.server_name.empty()) r.info = init;
  child.send(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  std::int64_t next_id = 1;
  for (const auto& [method, depth] : kCells) {
    const std::string key = cell_key(method, depth);
    std::cerr << "  " << r.spec.name << ": " << key << " in flight ...\n";
    CellResult warm = run_phase(child, method, depth, opt.warmup, std::nullopt, opt.timeout, next_id, false);
    CellResult res =
        warm.error.empty() ? run_phase(child, method, depth, opt.seconds, opt.count, opt.timeout, next_id, true) : warm;
    r.cells[key] = res;
    if (!res.error.empty() && res.error.find("errors only") == std::string::npos) break;  // connection is gone
  }
  r.counters = child.counters();
  child.stop();
}

// ---------------------------------------------------------------------------------------------------------
// Output

std::string fmt(double v, int prec) {
  if (std::isnan(v)) return "–";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", prec, v);
  return buf;
}

std::string fmt_ms(double v) { return fmt(v, v < 10 ? 2 : 1); }
std::string fmt_ratio(double v) { return std::isnan(v) || std::isinf(v) ? "–" : fmt(v, 2) + "×"; }

double cold_median(const ServerResult& r) { return r.cold_error.empty() ? percentile(r.cold_ms, 50) : std::nan(""); }
double cold_p90(const ServerResult& r) { return r.cold_error.empty() ? percentile(r.cold_ms, 90) : std::nan(""); }
double cell_rps(const ServerResult& r, const std::string& key) {
  const auto it = r.cells.find(key);
  return it == r.cells.end() || !it->second.error.empty() ? std::nan("") : it->second.rps;
}

std::string cell_text(const ServerResult& r, const std::string& key) {
  const auto it = r.cells.find(key);
  if (it == r.cells.end()) return r.session_error.empty() ? "–" : "failed";
  if (!it->second.error.empty()) return "failed";
  return fmt(it->second.rps, 0);
}

void print_markdown(const std::vector<ServerResult>& results, const Options& opt) {
  std::ostringstream o;
  const std::string mode = opt.count ? std::to_string(*opt.count) + " requests" : fmt(opt.seconds, 1) + " s";
  o << "Cold start: " << opt.runs << " runs each, interleaved. Throughput: " << mode << " per cell after a "
    << fmt(opt.warmup, 1) << " s warm-up; (1) and (16) are requests in flight.\n\n";
  o << "| server | cold start median ms | p90 | ping req/s (1) | ping req/s (16) | tools/list req/s (1) | "
       "tools/list req/s (16) |\n|---|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& r : results) {
    o << "| " << r.spec.name << " | " << (r.cold_error.empty() ? fmt_ms(cold_median(r)) : "failed") << " | "
      << (r.cold_error.empty() ? fmt_ms(cold_p90(r)) : "failed");
    for (const auto& [m, d] : kCells) o << " | " << cell_text(r, cell_key(m, d));
    o << " |\n";
  }
  const ServerResult* base = nullptr;
  for (const auto& r : results)
    if (r.spec.name == opt.baseline) base = &r;
  if (base != nullptr) {
    for (const auto& r : results) {
      if (&r == base) continue;
      o << "| *" << r.spec.name << " ÷ " << base->spec.name << "* | " << fmt_ratio(cold_median(r) / cold_median(*base))
        << " | " << fmt_ratio(cold_p90(r) / cold_p90(*base));
      for (const auto& [m, d] : kCells) {
        const std::string k = cell_key(m, d);
        o << " | " << fmt_ratio(cell_rps(r, k) / cell_rps(*base, k));
      }
      o << " |\n";
    }
    o << "\nRatio rows divide by the baseline (" << base->spec.name
      << "): below 1× is better for cold start, above 1× is better for req/s.\n";
  }

  o << "\nLatency per request, p50 / p99 ms:\n\n"
       "| server | ping (1) | ping (16) | tools/list (1) | tools/list (16) |\n|---|---:|---:|---:|---:|\n";
  for (const auto& r : results) {
    o << "| " << r.spec.name;
    for (const auto& [m, d] : kCells) {
      const auto it = r.cells.find(cell_key(m, d));
      if (it == r.cells.end() || !it->second.error.empty()) o << " | –";
      else o << " | " << fmt_ms(it->second.p50_ms) << " / " << fmt_ms(it->second.p99_ms);
    }
    o << " |\n";
  }

  std::ostringstream notes;
  for (const auto& r : results) {
    if (!r.info.server_name.empty())
      notes << "- " << r.spec.name << ": serverInfo " << r.info.server_name << " " << r.info.server_version
            << ", protocolVersion " << r.info.protocol_version;
    else notes << "- " << r.spec.name << ": no successful initialize";
    if (const auto it = r.cells.find("tools/list/1"); it != r.cells.end() && it->second.error.empty())
      notes << ", tools/list response " << it->second.response_bytes << " bytes";
    if (r.counters.notifications + r.counters.server_requests + r.counters.noise_lines > 0)
      notes << "; unsolicited in its session: " << r.counters.notifications << " notification(s), "
            << r.counters.server_requests << " request(s), " << r.counters.noise_lines << " non-JSON-RPC line(s)";
    if (r.info.messages_before > 0)
      notes << "; " << r.info.messages_before << " message(s) arrived before the initialize response";
    notes << "\n";
    if (!r.cold_error.empty()) notes << "  - cold start failed: " << r.cold_error << "\n";
    if (!r.session_error.empty()) notes << "  - session failed: " << r.session_error << "\n";
    for (const auto& [k, c] : r.cells)
      if (!c.error.empty()) notes << "  - " << k << " failed: " << c.error << "\n";
  }
  o << "\nNotes:\n\n" << notes.str();
  std::cout << o.str() << std::flush;
}

json to_json(double v) { return std::isnan(v) ? json(nullptr) : json(v); }

void print_json(const std::vector<ServerResult>& results, const Options& opt) {
  json out = {{"protocolVersion", kProtocolVersion},
              {"runs", opt.runs},
              {"seconds", opt.seconds},
              {"warmup", opt.warmup},
              {"baseline", opt.baseline.empty() ? json(nullptr) : json(opt.baseline)},
              {"count", opt.count ? json(*opt.count) : json(nullptr)},
              {"servers", json::array()}};
  for (const auto& r : results) {
    json s = {{"name", r.spec.name},
              {"command", r.spec.command},
              {"serverInfo", {{"name", r.info.server_name}, {"version", r.info.server_version}}},
              {"negotiatedProtocolVersion", r.info.protocol_version},
              {"messagesBeforeInitializeResponse", r.info.messages_before},
              {"coldStart",
               {{"runs", r.cold_ms},
                {"medianMs", to_json(cold_median(r))},
                {"p90Ms", to_json(cold_p90(r))},
                {"error", r.cold_error.empty() ? json(nullptr) : json(r.cold_error)}}},
              {"sessionError", r.session_error.empty() ? json(nullptr) : json(r.session_error)},
              {"unsolicited",
               {{"notifications", r.counters.notifications},
                {"requests", r.counters.server_requests},
                {"nonJsonRpcLines", r.counters.noise_lines}}},
              {"throughput", json::object()}};
    for (const auto& [k, c] : r.cells)
      s["throughput"][k] = {{"completed", c.completed},
                            {"jsonRpcErrors", c.errors},
                            {"seconds", c.seconds},
                            {"requestsPerSecond", c.error.empty() ? json(c.rps) : json(nullptr)},
                            {"p50Ms", to_json(c.p50_ms)},
                            {"p99Ms", to_json(c.p99_ms)},
                            {"responseBytes", c.response_bytes},
                            {"clientCpuShare", c.client_cpu},
                            {"error", c.error.empty() ? json(nullptr) : json(c.error)}};
    out["servers"].push_back(std::move(s));
  }
  std::cout << out.dump(2) << std::endl;
}

// ---------------------------------------------------------------------------------------------------------
// Command line

constexpr const char* kUsage =
    "usage: stdio_bench [options] --server 'NAME=COMMAND ARGS...' [--server ...]\n"
    "       stdio_bench [options] -- 'NAME=COMMAND ARGS...' ...\n"
    "Benchmarks MCP servers over stdio: cold start to the initialize response, then ping and tools/list\n"
    "throughput with 1 and 16 requests in flight. Prints a Markdown table (or JSON with --json).\n\n"
    "  --server NAME=COMMAND  a server to run; COMMAND is split on whitespace ('…', \"…\", \\ quote)\n"
    "  --shell                run every COMMAND through /bin/sh -c 'exec COMMAND' instead\n"
    "  --runs N               cold starts per server (default 30)\n"
    "  --seconds S            measured duration of each throughput cell (default 3)\n"
    "  --count N              measure N requests per cell instead of a duration\n"
    "  --warmup S             warm-up before each cell, not measured (default 0.5)\n"
    "  --timeout S            a server silent this long is reported as failed (default 10)\n"
    "  --baseline NAME        add ratio rows relative to this server\n"
    "  --server-stderr        let servers write to our stderr (default: /dev/null)\n"
    "  --json                 print JSON instead of Markdown\n";

[[noreturn]] void usage_error(const std::string& msg) {
  std::cerr << "stdio_bench: " << msg << "\n\n" << kUsage;
  std::exit(2);
}

double parse_positive(const std::string& flag, const std::string& v, bool integral) {
  char* end = nullptr;
  errno = 0;
  const double d = std::strtod(v.c_str(), &end);
  if (errno != 0 || end == v.c_str() || *end != '\0' || !(d > 0) || d > 1e9 || (integral && d != std::floor(d)))
    usage_error(flag + " needs a positive " + (integral ? "integer" : "number") + ", got '" + v + "'");
  return d;
}

ServerSpec parse_server(const std::string& v) {
  const auto eq = v.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == v.size())
    usage_error("server must be NAME=COMMAND, got '" + v + "'");
  return {v.substr(0, eq), v.substr(eq + 1)};
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--") {
      for (++i; i < argc; ++i) o.servers.push_back(parse_server(argv[i]));
      break;
    } else if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      std::exit(0);
    } else if (a == "--server") o.servers.push_back(parse_server(value()));
    else if (a == "--runs") o.runs = static_cast<int>(parse_positive(a, value(), true));
    else if (a == "--seconds") o.seconds = parse_positive(a, value(), false);
    else if (a == "--count") o.count = static_cast<std::uint64_t>(parse_positive(a, value(), true));
    else if (a == "--warmup") o.warmup = parse_positive(a, value(), false);
    else if (a == "--timeout") o.timeout = parse_positive(a, value(), false);
    else if (a == "--baseline") o.baseline = value();
    else if (a == "--json") o.json_out = true;
    else if (a == "--shell") o.shell = true;
    else if (a == "--server-stderr") o.server_stderr = true;
    else usage_error("unknown argument '" + a + "'");
  }
  if (o.servers.empty()) usage_error("no server given");
  for (std::size_t i = 0; i < o.servers.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j)
      if (o.servers[i].name == o.servers[j].name) usage_error("server name '" + o.servers[i].name + "' given twice");
    if (!o.shell) {
      const auto parts = split_command(o.servers[i].command);
      if (!parts || parts->empty()) usage_error("cannot split command of '" + o.servers[i].name + "'");
    }
  }
  if (!o.baseline.empty() &&
      std::none_of(o.servers.begin(), o.servers.end(), [&](const ServerSpec& s) { return s.name == o.baseline; }))
    usage_error("--baseline '" + o.baseline + "' is not one of the servers");
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options opt = parse_args(argc, argv);
  install_cleanup();

  std::vector<ServerResult> results;
  for (const auto& s : opt.servers) {
    ServerResult r;
    r.spec = s;
    r.argv = argv_for(s, opt.shell);
    results.push_back(std::move(r));
  }

  // Cold starts interleaved across servers; a server that fails once is not retried.
  std::cerr << "cold start: " << opt.runs << " runs of " << results.size() << " server(s), interleaved\n";
  for (int run = 0; run < opt.runs; ++run) {
    for (auto& r : results) {
      if (!r.cold_error.empty()) continue;
      cold_start_once(r, opt);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let the previous process's exit settle
    }
  }
  for (auto& r : results) {
    throughput(r, opt);
  }

  if (opt.json_out) print_json(results, opt);
  else print_markdown(results, opt);
  kill_all_children();
  return 0;
}
