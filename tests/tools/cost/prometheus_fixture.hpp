#pragma once
// A real Prometheus for tests and the benchmark: generated cAdvisor histories (steady, spiky, growing, idle,
// OOM-killing, scaled out by an HPA) written as OpenMetrics, backfilled into a TSDB with
// `promtool tsdb create-blocks-from openmetrics`, served by Debian's `prometheus` on 127.0.0.1 at a free port.
// Every process is started with fork/exec, waited for with a bound, and stopped by its own PID.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace eks::cost::testing {

inline constexpr double kMiB = 1024.0 * 1024.0;

// One container's history: a sample every `step` seconds at index k (time start + k·step), from index `first` on.
struct History {
  std::string ns, pod, container;
  std::size_t first = 0;
  std::vector<double> cpu_counter;  // container_cpu_usage_seconds_total, cumulative seconds of CPU
  std::vector<double> memory;       // container_memory_working_set_bytes, whole bytes
};

// A reproducible stream of numbers in [0, 1) from a name (splitmix64).
class Noise {
 public:
  explicit Noise(const std::string& seed) {
    for (const unsigned char c : seed) state_ = state_ * 131 + c;
  }
  double next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return static_cast<double>((z ^ (z >> 31)) >> 11) / 9007199254740992.0;
  }

 private:
  std::uint64_t state_ = 0x1234567;
};

enum class Pattern { steady, spiky, growing, idle, oom_killing };

// `samples` samples of `pattern` for one container; the pod starts at index `first` (a pod an HPA added later).
inline History generate(const std::string& ns, const std::string& pod, const std::string& container, Pattern pattern,
                        std::size_t samples, std::size_t first, int step) {
  History h{ns, pod, container, first, {}, {}};
  Noise noise(ns + "/" + pod + "/" + container);
  double counter = 1000 + 100 * noise.next();
  for (std::size_t k = first; k < samples; ++k) {
    const double x = static_cast<double>(k) / static_cast<double>(samples);
    double cores = 0, mib = 0;
    switch (pattern) {
      case Pattern::steady:
        cores = 0.04 * (1 + 0.3 * noise.next());
        mib = 150 + 8 * noise.next();
        break;
      case Pattern::spiky:
        cores = noise.next() < 0.03 ? 0.6 + 0.3 * noise.next() : 0.02 * (1 + noise.next());
        mib = noise.next() < 0.01 ? 300 + 50 * noise.next() : 100 + 5 * noise.next();
        break;
      case Pattern::growing:
        cores = (0.01 + 0.2 * x) * (1 + 0.1 * noise.next());
        mib = 80 + 200 * x + 4 * noise.next();
        break;
      case Pattern::idle:
        cores = 0.001 * noise.next();
        mib = 12 + noise.next();
        break;
      case Pattern::oom_killing:
        cores = 0.05 * (1 + 0.2 * noise.next());
        mib = 600 + static_cast<double>(k % 100) * 4 + noise.next();
        break;
    }
    counter += cores * step;
    h.cpu_counter.push_back(counter);
    h.memory.push_back(std::floor(mib * kMiB));
  }
  return h;
}

// Writes `count` histories as OpenMetrics (sample timestamps start + k·step, in seconds); `history(i)` makes the
// i-th, twice (once per metric family), so a large set is never held in memory at once.
template <class Make>
void write_openmetrics(const std::filesystem::path& file, std::size_t count, Make&& history, std::int64_t start,
                       int step) {
  std::FILE* out = std::fopen(file.c_str(), "w");
  if (!out) return;
  const auto family = [&](const char* name, const char* type, bool cpu) {
    std::fprintf(out, "# TYPE %s %s\n", name, type);
    for (std::size_t n = 0; n < count; ++n) {
      const History& h = history(n);
      const auto& values = cpu ? h.cpu_counter : h.memory;
      for (std::size_t i = 0; i < values.size(); ++i) {
        std::fprintf(out, "%s{namespace=\"%s\",pod=\"%s\",container=\"%s\"} %.17g %lld\n", name, h.ns.c_str(),
                     h.pod.c_str(), h.container.c_str(), values[i],
                     static_cast<long long>(start + static_cast<std::int64_t>(h.first + i) * step));
      }
    }
  };
  family("container_cpu_usage_seconds_total", "counter", true);
  family("container_memory_working_set_bytes", "gauge", false);
  std::fprintf(out, "# EOF\n");
  std::fclose(out);
}

// Starts `argv` in its own process group, stdout and stderr to `log`; the child dies with the test.
inline pid_t spawn(const std::vector<std::string>& argv, const std::filesystem::path& log) {
  const pid_t pid = fork();
  if (pid != 0) return pid;
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  if (fd >= 0) {
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execvp(args[0], args.data());
  _exit(127);
}

// Waits up to `bound` for `pid` to exit: its exit status, or -1 (then it is killed by its PID).
inline int wait_exit(pid_t pid, std::chrono::milliseconds bound) {
  const auto until = std::chrono::steady_clock::now() + bound;
  int status = 0;
  while (std::chrono::steady_clock::now() < until) {
    if (waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return -1;
}

// A loopback port nothing listens on now (the kernel's choice for port 0).
inline int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

// Prometheus serving `histories` on 127.0.0.1; `error()` says what failed. Stopped (by PID) and its directory
// removed when this goes.
class RealPrometheus {
 public:
  RealPrometheus(const std::vector<History>& histories, std::int64_t start, int step,
                 std::chrono::milliseconds bound = std::chrono::seconds(120))
      : RealPrometheus(
            [&](const std::filesystem::path& file) {
              write_openmetrics(
                  file, histories.size(), [&](std::size_t i) -> const History& { return histories[i]; }, start, step);
            },
            bound) {}

  // `write` writes the OpenMetrics text to the file it is given. With `keep` (a directory), the TSDB is built there
  // once and kept: a later run with the same directory serves it without writing or backfilling again.
  RealPrometheus(const std::function<void(const std::filesystem::path&)>& write, std::chrono::milliseconds bound,
                 const std::filesystem::path& keep = {}) {
    if (keep.empty()) {
      char pattern[] = "/tmp/eks-prometheus-XXXXXX";
      if (!mkdtemp(pattern)) {
        error_ = "mkdtemp failed";
        return;
      }
      dir_ = pattern;
    } else {
      dir_ = keep;
      kept_ = true;
      std::filesystem::create_directories(dir_);
    }
    log_ = dir_ / "log.txt";
    if (!kept_ || !std::filesystem::exists(dir_ / "data")) {
      const auto metrics = dir_ / "metrics.om";
      write(metrics);
      const auto began = std::chrono::steady_clock::now();
      const pid_t promtool = spawn({"promtool", "tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=24h",
                                    metrics.string(), (dir_ / "data").string()},
                                   log_);
      if (wait_exit(promtool, bound) != 0) {
        error_ = "promtool could not backfill the TSDB (see " + log_.string() + ")";
        return;
      }
      backfill_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
      std::filesystem::remove(metrics);
    }
    std::ofstream(dir_ / "prometheus.yml") << "global:\n  scrape_interval: 1h\nscrape_configs: []\n";
    for (int attempt = 0; attempt < 3 && pid_ <= 0; ++attempt) {
      port_ = free_port();
      const pid_t pid = spawn({"prometheus", "--config.file=" + (dir_ / "prometheus.yml").string(),
                               "--storage.tsdb.path=" + (dir_ / "data").string(), "--storage.tsdb.retention.time=90d",
                               "--web.listen-address=127.0.0.1:" + std::to_string(port_)},
                              log_);
      // Ready once /-/ready answers; a port taken in between makes it exit, and another port is tried.
      const auto until = std::chrono::steady_clock::now() + bound;
      while (std::chrono::steady_clock::now() < until) {
        int status = 0;
        if (waitpid(pid, &status, WNOHANG) == pid) break;
        if (ready()) {
          pid_ = pid;
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      if (pid_ <= 0 && kill(pid, 0) == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
      }
    }
    if (pid_ <= 0) error_ = "prometheus did not become ready (see " + log_.string() + ")";
  }
  ~RealPrometheus() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      if (wait_exit(pid_, std::chrono::seconds(10)) == -1) pid_ = -1;
    }
    if (!dir_.empty() && error_.empty() && !kept_) std::filesystem::remove_all(dir_);
  }
  RealPrometheus(const RealPrometheus&) = delete;
  RealPrometheus& operator=(const RealPrometheus&) = delete;

  const std::string& error() const { return error_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  double backfill_seconds() const { return backfill_seconds_; }
  pid_t pid() const { return pid_; }

 private:
  // GET /-/ready over a plain socket: 200 once the TSDB is open.
  bool ready() const {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = false;
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      const std::string request = "GET /-/ready HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
      timeval timeout{2, 0};
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
      if (write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
        char buffer[64] = {};
        const ssize_t n = read(fd, buffer, sizeof buffer - 1);
        ok = n > 12 && std::string(buffer, static_cast<std::size_t>(n)).find(" 200 ") != std::string::npos;
      }
    }
    close(fd);
    return ok;
  }

  std::filesystem::path dir_, log_;
  std::string error_;
  int port_ = 0;
  pid_t pid_ = -1;
  double backfill_seconds_ = 0;
  bool kept_ = false;
};

}  // namespace eks::cost::testing
