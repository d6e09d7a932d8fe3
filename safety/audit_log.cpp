#include "safety/audit_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

namespace eks::safety {
namespace fs = std::filesystem;

namespace {

std::string errno_text() { return std::strerror(errno); }

// Writes all of `data`; one write() call in practice (regular files do not short-write short lines), and a
// crash between two calls of a retry leaves a torn line the reader skips.
bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

void read_lines(const fs::path& path, std::vector<std::string>& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(std::move(line));
  }
}

}  // namespace

fs::path default_audit_path(const std::map<std::string, std::string>& environment) {
  auto get = [&](const char* name) {
    const auto it = environment.find(name);
    return it == environment.end() ? std::string() : it->second;
  };
  // XDG Base Directory: "If $XDG_STATE_HOME is either not set or empty, a default equal to $HOME/.local/state
  // should be used."
  if (const auto state = get("XDG_STATE_HOME"); !state.empty() && state.front() == '/') {
    return fs::path(state) / "eks-sre-mcp" / "audit.jsonl";
  }
  if (const auto home = get("HOME"); !home.empty()) return fs::path(home) / ".local/state/eks-sre-mcp/audit.jsonl";
  return {};
}

std::string rfc3339_ms(std::chrono::system_clock::time_point time) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000 - (ms % 1000 < 0 ? 1 : 0));
  const int millis = static_cast<int>(((ms % 1000) + 1000) % 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[40];
  const std::size_t n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(buffer + n, sizeof buffer - n, ".%03dZ", millis);
  return buffer;
}

tl::expected<std::shared_ptr<AuditLog>, std::string> AuditLog::open(AuditOptions options,
                                                                    std::shared_ptr<const Redactor> redactor,
                                                                    Clock clock) {
  if (options.path.empty()) return tl::unexpected(std::string("the audit log needs a path (see default_audit_path)"));
  if (options.keep == 0) options.keep = 1;
  std::error_code ec;
  if (options.path.has_parent_path()) {
    fs::create_directories(options.path.parent_path(), ec);
    if (ec) return tl::unexpected("cannot create " + options.path.parent_path().string() + ": " + ec.message());
  }
  const int fd = ::open(options.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return tl::unexpected("cannot open audit log " + options.path.string() + ": " + errno_text());
  struct stat st {};
  const std::size_t size = ::fstat(fd, &st) == 0 ? static_cast<std::size_t>(st.st_size) : 0;
  if (!redactor) redactor = std::make_shared<const Redactor>();
  if (!clock) clock = [] { return std::chrono::system_clock::now(); };
  return std::shared_ptr<AuditLog>(new AuditLog(std::move(options), std::move(redactor), std::move(clock), fd, size));
}

AuditLog::AuditLog(AuditOptions options, std::shared_ptr<const Redactor> redactor, Clock clock, int fd,
                   std::size_t size)
    : options_(std::move(options)), redactor_(std::move(redactor)), clock_(std::move(clock)), fd_(fd), size_(size) {}

AuditLog::~AuditLog() {
  if (fd_ >= 0) ::close(fd_);
}

tl::expected<void, std::string> AuditLog::rotate() {
  // audit.jsonl.<keep> falls off; each older file moves up one; the current file becomes .1.
  std::error_code ec;
  const std::string base = options_.path.string();
  fs::remove(base + "." + std::to_string(options_.keep), ec);
  for (std::size_t i = options_.keep; i > 1; --i) {
    fs::rename(base + "." + std::to_string(i - 1), base + "." + std::to_string(i), ec);
  }
  // Lines still waiting for a group commit are in this file: make them durable before it is closed.
  if (options_.fsync) ::fdatasync(fd_);
  fs::rename(options_.path, base + ".1", ec);
  if (ec) return tl::unexpected("cannot rotate audit log " + base + ": " + ec.message());
  const int fd = ::open(options_.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return tl::unexpected("cannot reopen audit log " + base + ": " + errno_text());
  ::close(fd_);
  fd_ = fd;
  size_ = 0;
  return {};
}

// Group commit: one fdatasync makes every line written before it durable, so concurrent callers that queue here
// while another caller's fdatasync runs are covered by the next one instead of each paying a disk flush (several
// milliseconds) in turn. The file descriptor is duplicated so that a rotation may close its own meanwhile.
tl::expected<void, std::string> AuditLog::sync(std::uint64_t line) {
  std::lock_guard sync_lock(sync_mutex_);
  if (lines_synced_ >= line) return {};
  int fd = -1;
  std::uint64_t target = 0;
  {
    std::lock_guard lock(mutex_);
    fd = ::dup(fd_);
    target = lines_written_;
  }
  const bool ok = fd >= 0 && ::fdatasync(fd) == 0;
  const std::string why = ok ? std::string() : errno_text();
  if (fd >= 0) ::close(fd);
  if (!ok) return tl::unexpected("cannot fsync audit log " + options_.path.string() + ": " + why);
  lines_synced_ = target;
  return {};
}

tl::expected<void, std::string> AuditLog::append(nlohmann::json entry) {
  try {
    if (!entry.is_object()) entry = nlohmann::json{{"entry", std::move(entry)}};
    if (!entry.contains("time")) entry["time"] = rfc3339_ms(clock_());
    // dump() escapes newlines, so a line is always exactly one line; invalid UTF-8 is replaced, never thrown on.
    std::string line = redactor_->redact(entry).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    line.push_back('\n');
    std::uint64_t written = 0;
    {
      std::lock_guard lock(mutex_);
      if (size_ > 0 && size_ + line.size() > options_.max_bytes) {
        if (auto rotated = rotate(); !rotated) return rotated;
      }
      // One write() of the whole line: a kill -9 leaves either the whole line or none of it.
      if (!write_all(fd_, line.data(), line.size())) {
        return tl::unexpected("cannot write audit log " + options_.path.string() + ": " + errno_text());
      }
      size_ += line.size();
      written = ++lines_written_;
    }
    return options_.fsync ? sync(written) : tl::expected<void, std::string>{};
  } catch (const std::exception& e) {
    return tl::unexpected(std::string("cannot write audit log: ") + e.what());
  }
}

std::vector<nlohmann::json> AuditLog::recent(std::size_t n) const {
  std::vector<nlohmann::json> newest_first;
  if (n == 0) return newest_first;
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i <= options_.keep && newest_first.size() < n; ++i) {
    const fs::path file = i == 0 ? options_.path : fs::path(options_.path.string() + "." + std::to_string(i));
    std::vector<std::string> lines;
    read_lines(file, lines);
    for (auto it = lines.rbegin(); it != lines.rend() && newest_first.size() < n; ++it) {
      auto value = nlohmann::json::parse(*it, nullptr, false);
      if (!value.is_discarded()) newest_first.push_back(std::move(value));
    }
  }
  return {newest_first.rbegin(), newest_first.rend()};
}

std::string AuditLog::recent_text(std::size_t n) const {
  std::string out;
  for (const auto& entry : recent(n)) {
    out += entry.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out += '\n';
  }
  return out;
}

}  // namespace eks::safety
