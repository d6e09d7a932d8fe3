#pragma once
// The monitor over a built Application: its cycles call the server's own tools through the dispatcher (argument
// validation, the safety middleware, the audit log) as the client "eks-sre-mcp-monitor"; its report and open
// incidents are MCP resources that subscribers hear about after every cycle.
#include <memory>
#include <optional>
#include <string>

#include <tl/expected.hpp>

#include "app/config.hpp"
#include "app/wiring.hpp"
#include "monitor/leader.hpp"
#include "monitor/monitor.hpp"

namespace eks::app {

struct MonitorFlags {
  std::optional<std::chrono::milliseconds> interval;  // --interval, over the configuration's
  bool once = false;  // one cycle a person asked for: no leader election, it runs whoever holds the lease
};

// The monitor and, with leader election, the elector that decides whether it may act.
class Monitoring {
 public:
  Monitoring(std::unique_ptr<monitor::Monitor> monitor, std::shared_ptr<monitor::LeaderElector> elector)
      : monitor_(std::move(monitor)), elector_(std::move(elector)) {}
  ~Monitoring() { stop(); }
  monitor::Monitor& monitor() { return *monitor_; }
  // The loop in this thread and the election beside it, until stop(); a leader releases its lease on the way out.
  void run();
  void stop();

 private:
  std::unique_ptr<monitor::Monitor> monitor_;
  std::shared_ptr<monitor::LeaderElector> elector_;
};

// The monitor as configured; fails naming what is wrong (another monitor holds the state directory).
tl::expected<std::unique_ptr<Monitoring>, std::string> make_monitor(const Config& config, Application& application,
                                                                    const MonitorFlags& flags);

// eks-sre-mcp://reports/latest (JSON), eks-sre-mcp://reports/latest.md and eks-sre-mcp://incidents/open, each
// subscribable; `monitor` must outlive the dispatcher's use of them.
void register_monitor_resources(server::Dispatcher& dispatcher, const monitor::Monitor& monitor);
// Tells subscribers that those resources changed (after a cycle).
void monitor_resources_updated(server::Dispatcher& dispatcher);

// "300", "300s", "5m", "1h", "500ms" -> duration; nullopt when unreadable or not positive.
std::optional<std::chrono::milliseconds> parse_interval(std::string_view text);

}  // namespace eks::app
