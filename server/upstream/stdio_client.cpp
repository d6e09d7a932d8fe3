#include "server/upstream/stdio_client.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "server/logging.hpp"

#include "server/jsonrpc/message.hpp"

extern char** environ;

namespace eks::upstream {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<spdlog::logger> logger() {
  static const auto log = server::component_logger("upstream");
  return log;
}

// Our environment overlaid with the spec's, as "KEY=VALUE" strings.
std::vector<std::string> merged_environment(const std::map<std::string, std::string>& overrides) {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    const auto eq = entry.find('=');
    if (eq != std::string_view::npos) env.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  for (const auto& [k, v] : overrides) env[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

// The executable for `command`: itself when it has a slash, else the first match on PATH, as execvp would.
std::string resolve(const std::string& command, const std::vector<std::string>& env) {
  if (command.find('/') != std::string::npos) return command;
  std::string path = "/usr/local/bin:/usr/bin:/bin";
  for (const auto& e : env) {
    if (e.rfind("PATH=", 0) == 0) path = e.substr(5);
  }
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto end = path.find(':', start);
    const std::string dir = path.substr(start, end == std::string::npos ? std::string::npos : end - start);
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + command;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return {};
}

// Runs fork() on one thread that lives as long as the process. PR_SET_PDEATHSIG fires when the *thread* that
// forked the child ends, so children forked from short-lived caller threads would be killed with them.
pid_t fork_on_spawner_thread(const std::function<void()>& in_child) {
  struct Spawner {
    std::mutex mutex;
    std::condition_variable cv;
    const std::function<void()>* job = nullptr;
    pid_t result = 0;
    bool done = false;
    std::mutex one_at_a_time;
  };
  // Never destroyed: its thread waits on it until the process ends.
  static Spawner* const spawner = [] {
    auto* s = new Spawner;
    std::thread([s] {
      std::unique_lock lock(s->mutex);
      for (;;) {
        s->cv.wait(lock, [s] { return s->job != nullptr; });
        const pid_t pid = ::fork();
        if (pid == 0) (*s->job)();  // never returns
        s->result = pid;
        s->job = nullptr;
        s->done = true;
        s->cv.notify_all();
      }
    }).detach();
    return s;
  }();
  std::lock_guard serial(spawner->one_at_a_time);
  std::unique_lock lock(spawner->mutex);
  spawner->done = false;
  spawner->job = &in_child;
  spawner->cv.notify_all();
  spawner->cv.wait(lock, [] { return spawner->done; });
  return spawner->result;
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("was killed by signal ") + ::strsignal(WTERMSIG(status));
  return "stopped";
}

}  // namespace

Json initialize_params(const ClientInfo& client) {
  return Json{{"protocolVersion", "2025-11-25"},
              {"capabilities", Json::object()},
              {"clientInfo", {{"name", client.name}, {"version", client.version}}}};
}

struct StdioClient::Pending {
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  Json response;
  std::optional<UpstreamError> failure;

  void complete(Json r, std::optional<UpstreamError> f) {
    {
      std::lock_guard lock(mutex);
      if (done) return;
      done = true;
      response = std::move(r);
      failure = std::move(f);
    }
    done_cv.notify_all();
  }
};

Expected<std::shared_ptr<StdioClient>> StdioClient::start(const ProcessSpec& spec, std::chrono::milliseconds timeout,
                                                          const ClientInfo& client_info) {
  auto unavailable = [&](std::string why) {
    return tl::unexpected(UpstreamError{UpstreamError::Kind::unavailable, "upstream " + spec.name + ": " + why});
  };
  const auto env = merged_environment(spec.env);
  const std::string executable = resolve(spec.command, env);
  if (executable.empty()) {
    return unavailable("command \"" + spec.command + "\" was not found on PATH; install it or give its full path");
  }
  // Everything the child needs is prepared before fork: after it, only async-signal-safe calls are allowed.
  std::vector<char*> argv{const_cast<char*>(executable.c_str())};
  for (const auto& a : spec.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  int in[2], out[2], err[2], status_pipe[2];
  if (::pipe2(in, O_CLOEXEC) || ::pipe2(out, O_CLOEXEC) || ::pipe2(err, O_CLOEXEC) || ::pipe2(status_pipe, O_CLOEXEC)) {
    return unavailable(std::string("cannot create pipes: ") + std::strerror(errno));
  }
  const pid_t parent = ::getpid();
  const pid_t pid = fork_on_spawner_thread([&] {
    // Its own process group, so stopping it stops its children too; and it dies with us.
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);  // we block SIGTERM/SIGINT; the child must not inherit that
    ::signal(SIGPIPE, SIG_DFL);
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    ::execve(argv[0], argv.data(), envp.data());
    const int e = errno;
    [[maybe_unused]] auto n = ::write(status_pipe[1], &e, sizeof e);
    ::_exit(127);
  });
  if (pid < 0) return unavailable(std::string("fork failed: ") + std::strerror(errno));
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  ::close(status_pipe[1]);
  int exec_errno = 0;
  const auto n = ::read(status_pipe[0], &exec_errno, sizeof exec_errno);  // 0 bytes: exec succeeded
  ::close(status_pipe[0]);

  auto client = std::shared_ptr<StdioClient>(new StdioClient());
  client->name_ = spec.name;
  client->pid_ = pid;
  client->stdin_fd_ = in[1];
  client->stdout_fd_ = out[0];
  client->stderr_fd_ = err[0];
  if (n > 0) {
    ::waitpid(pid, nullptr, 0);
    client->pid_ = -1;
    return unavailable("cannot run " + executable + ": " + std::strerror(exec_errno));
  }
  client->stdout_thread_ = std::thread([c = client.get()] { c->read_stdout(); });
  client->stderr_thread_ = std::thread([c = client.get()] { c->read_stderr(); });

  auto initialized = client->request("initialize", initialize_params(client_info), timeout);
  if (!initialized) {
    return unavailable("initialize failed: " + initialized.error().message);
  }
  client->protocol_version_ = jsonrpc::string_field(*initialized, "protocolVersion");
  client->server_info_ = initialized->value("serverInfo", Json::object());
  if (!client->write_line(jsonrpc::serialize(jsonrpc::make_notification("notifications/initialized", nullptr)))) {
    return unavailable("the process closed its input right after initialize");
  }
  logger()->info("upstream {} connected: {} {} (protocol {}), pid {}", spec.name,
                 jsonrpc::string_field(client->server_info_, "name"),
                 jsonrpc::string_field(client->server_info_, "version"), client->protocol_version_, pid);
  return client;
}

StdioClient::~StdioClient() {
  terminate();
  if (stdout_thread_.joinable()) stdout_thread_.join();
  if (stderr_thread_.joinable()) stderr_thread_.join();
  for (int fd : {stdout_fd_, stderr_fd_}) {
    if (fd >= 0) ::close(fd);
  }
}

void StdioClient::terminate() {
  stopping_ = true;
  {
    std::lock_guard lock(write_mutex_);
    if (stdin_fd_ >= 0) {
      ::close(stdin_fd_);  // a well-behaved server exits at end of input
      stdin_fd_ = -1;
    }
  }
  std::lock_guard lock(mutex_);
  if (pid_ <= 0) return;
  // Bounded: end of input, then SIGTERM to the group, then SIGKILL.
  int status = 0;
  auto reaped = [&](std::chrono::milliseconds within) {
    for (auto waited = 0ms; waited <= within; waited += 10ms) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  };
  if (!reaped(300ms)) {
    ::kill(-pid_, SIGTERM);
    if (!reaped(1500ms)) {
      ::kill(-pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
  }
  ::kill(-pid_, SIGKILL);  // anything left in its group
  pid_ = -1;
}

std::string StdioClient::death() const {
  std::lock_guard lock(mutex_);
  return death_;
}

bool StdioClient::write_line(const std::string& line) {
  std::lock_guard lock(write_mutex_);
  if (stdin_fd_ < 0) return false;
  std::string framed = line + "\n";
  const char* data = framed.data();
  std::size_t left = framed.size();
  while (left > 0) {
    const ssize_t n = ::write(stdin_fd_, data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
  return true;
}

void StdioClient::fail_all(const std::string& why) {
  std::map<std::int64_t, std::shared_ptr<Pending>> pending;
  {
    std::lock_guard lock(mutex_);
    if (death_.empty()) death_ = why;
    pending.swap(pending_);
  }
  dead_ = true;
  for (auto& [_, p] : pending) p->complete(nullptr, UpstreamError{UpstreamError::Kind::unavailable, why});
}

void StdioClient::read_stdout() {
  std::string buffer;
  char chunk[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(stdout_fd_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    // Only the new bytes can hold a newline: searching the whole buffer again for every chunk made a 60 MB
    // answer (a large list) cost seconds of memchr.
    const std::size_t searched = buffer.size();
    buffer.append(chunk, static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (auto newline = buffer.find('\n', searched); newline != std::string::npos; newline = buffer.find('\n', start)) {
      std::string_view line(buffer.data() + start, newline - start);
      start = newline + 1;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty()) continue;
      auto message = jsonrpc::parse(line, 512);
      if (!message || !message->is_object()) {
        // Junk on the protocol stream: nothing after it can be trusted. Fail loudly and stop the process.
        const std::string sample(line.substr(0, 120));
        logger()->error("upstream {} wrote non-JSON-RPC output: {}", name_, sample);
        fail_all("upstream " + name_ + " wrote something other than JSON-RPC to stdout (\"" + sample +
                 "\"); it will be restarted");
        std::lock_guard lock(mutex_);
        if (pid_ > 0) ::kill(-pid_, SIGKILL);
        return;
      }
      handle(std::move(*message));
    }
    buffer.erase(0, start);
  }
  // End of output: the process ended (or closed stdout). Collect its status briefly for the error message.
  std::string why = "upstream " + name_ + " closed its output";
  {
    std::lock_guard lock(mutex_);
    int status = 0;
    for (int i = 0; i < 50 && pid_ > 0; ++i) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        why = "upstream " + name_ + " " + describe_status(status);
        ::kill(-pid_, SIGKILL);
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(10ms);
    }
  }
  {
    // What it said first usually explains why it ended (a missing kubeconfig, a bad flag, a panic).
    std::this_thread::sleep_for(20ms);  // let its stderr arrive
    std::lock_guard lock(mutex_);
    if (!stderr_head_.empty()) {
      why += "; it said: ";
      for (std::size_t i = 0; i < stderr_head_.size(); ++i) why += (i ? " | " : "") + stderr_head_[i];
    }
  }
  // Ending it ourselves (the gateway stopping, a one-shot command done) is the normal end of its life.
  logger()->log(stopping_ ? spdlog::level::debug : spdlog::level::warn, "{}", why);
  fail_all(why);
}

void StdioClient::read_stderr() {
  auto log = spdlog::get("upstream." + name_);
  if (!log) log = logger()->clone("upstream." + name_);
  std::string buffer;
  char chunk[8192];
  for (;;) {
    const ssize_t n = ::read(stderr_fd_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buffer.append(chunk, static_cast<std::size_t>(n));
    for (auto newline = buffer.find('\n'); newline != std::string::npos; newline = buffer.find('\n')) {
      if (newline > 0) {
        const std::string line = buffer.substr(0, std::min<std::size_t>(newline, 2000));
        log->info("{}", line);
        std::lock_guard lock(mutex_);
        if (stderr_head_.size() < 2) stderr_head_.push_back(line.substr(0, 300));
      }
      buffer.erase(0, newline + 1);
    }
    if (buffer.size() > 64 * 1024) buffer.clear();  // a line without end: drop it rather than grow
  }
}

void StdioClient::handle(Json&& message) {
  auto classified = jsonrpc::classify(std::move(message));
  if (!classified) return;
  if (auto* response = std::get_if<jsonrpc::Response>(&*classified)) {
    const auto* id = std::get_if<std::int64_t>(&response->id);
    std::shared_ptr<Pending> p;
    {
      std::lock_guard lock(mutex_);
      if (const auto it = id ? pending_.find(*id) : pending_.end(); it != pending_.end()) {
        p = it->second;
        pending_.erase(it);
      }
    }
    if (p) p->complete(std::move(response->result), std::nullopt);
  } else if (auto* error = std::get_if<jsonrpc::ErrorResponse>(&*classified)) {
    std::shared_ptr<Pending> p;
    {
      std::lock_guard lock(mutex_);
      const auto* id = error->id ? std::get_if<std::int64_t>(&*error->id) : nullptr;
      if (const auto it = id ? pending_.find(*id) : pending_.end(); it != pending_.end()) {
        p = it->second;
        pending_.erase(it);
      }
    }
    if (p) {
      p->complete(nullptr, UpstreamError{UpstreamError::Kind::remote, "upstream " + name_ + " answered error " +
                                                                          std::to_string(error->error.code) + ": " +
                                                                          error->error.message});
    }
  } else if (auto* request = std::get_if<jsonrpc::Request>(&*classified)) {
    // Requests from the upstream: we answer ping and roots/list; we offer no sampling or elicitation.
    Json reply;
    if (request->method == "ping") {
      reply = jsonrpc::make_response(request->id, Json::object());
    } else if (request->method == "roots/list") {
      reply = jsonrpc::make_response(request->id, Json{{"roots", Json::array()}});
    } else {
      reply = jsonrpc::make_error(request->id,
                                  {jsonrpc::kMethodNotFound, "Method not found: " + request->method, std::nullopt});
    }
    write_line(jsonrpc::serialize(reply));
  } else if (auto* notification = std::get_if<jsonrpc::Notification>(&*classified)) {
    if (notification->method == "notifications/tools/list_changed") tools_changed = true;
  }
}

Expected<Json> StdioClient::request(const std::string& method, Json params, std::chrono::milliseconds timeout,
                                    const std::function<bool()>& cancelled) {
  auto p = std::make_shared<Pending>();
  std::int64_t id = 0;
  {
    std::lock_guard lock(mutex_);
    if (dead_) return tl::unexpected(UpstreamError{UpstreamError::Kind::unavailable, death_});
    id = next_id_++;
    pending_.emplace(id, p);
  }
  Json message{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}};
  if (!params.is_null()) message["params"] = std::move(params);
  if (!write_line(jsonrpc::serialize(message))) {
    {
      std::lock_guard lock(mutex_);
      pending_.erase(id);
    }
    return tl::unexpected(
        UpstreamError{UpstreamError::Kind::unavailable, "upstream " + name_ + " is not accepting input (it exited)"});
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::optional<UpstreamError> stopped;
  {
    std::unique_lock lock(p->mutex);
    while (!p->done) {
      if (std::chrono::steady_clock::now() >= deadline) {
        stopped = UpstreamError{UpstreamError::Kind::timeout, "upstream " + name_ + " did not answer " + method +
                                                                  " within " + std::to_string(timeout.count()) + " ms"};
        break;
      }
      if (cancelled && cancelled()) {
        stopped = UpstreamError{UpstreamError::Kind::cancelled, method + " to upstream " + name_ + " was cancelled"};
        break;
      }
      p->done_cv.wait_for(lock, 20ms);
    }
    if (p->done && !stopped) {
      if (p->failure) return tl::unexpected(*p->failure);
      return std::move(p->response);
    }
  }
  {
    std::lock_guard lock(mutex_);
    pending_.erase(id);
  }
  write_line(jsonrpc::serialize(
      jsonrpc::make_notification("notifications/cancelled", Json{{"requestId", id}, {"reason", stopped->message}})));
  return tl::unexpected(*stopped);
}

}  // namespace eks::upstream
