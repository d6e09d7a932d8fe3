#pragma once
// Leader election over a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it, through the
// Kubernetes upstream (resources_get, resources_create_or_update) so the validator sees every write: only the
// holder acts. Acquiring or renewing writes the Lease with the resourceVersion that was read, so of two replicas
// racing for it the API server lets exactly one through (409 Conflict for the other). A holder that has not
// renewed within renew_deadline stops acting, before its lease_duration runs out and another may take over; a
// follower judges expiry by its own clock from when it last saw the record change (not by comparing clocks).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

namespace eks::monitor {

struct LeaseOptions {
  std::string ns = "default";
  std::string name = "eks-sre-mcp";
  std::string identity;  // this replica's name in the Lease
  std::chrono::milliseconds lease_duration{15000};
  std::chrono::milliseconds renew_deadline{10000};
  std::chrono::milliseconds retry_period{2000};
};

class LeaderElector {
 public:
  // Calls a Kubernetes upstream tool: its CallToolResult, or why the call was not made.
  using KubeCall = std::function<tl::expected<nlohmann::json, std::string>(const std::string& tool,
                                                                           const nlohmann::json& arguments)>;
  using SteadyClock = std::chrono::steady_clock;

  LeaderElector(
      LeaseOptions options, KubeCall call,
      std::function<SteadyClock::time_point()> now = [] { return SteadyClock::now(); },
      std::function<std::chrono::system_clock::time_point()> wall = [] { return std::chrono::system_clock::now(); });

  // One round: read the Lease, then create it (holderless), renew it, take it over when expired, or wait.
  void try_acquire_or_renew();
  // Rounds every retry_period until stop(); releases the lease (empties the holder) when leading at stop.
  void run();
  void stop();

  // True while this replica holds the lease and renewed it within renew_deadline.
  bool is_leader() const;
  std::string holder() const;

 private:
  tl::expected<nlohmann::json, std::string> read();
  bool write(const nlohmann::json& lease);
  void release();

  LeaseOptions options_;
  KubeCall call_;
  std::function<SteadyClock::time_point()> now_;
  std::function<std::chrono::system_clock::time_point()> wall_;
  mutable std::mutex mutex_;
  bool leading_ = false;
  SteadyClock::time_point renewed_{};  // when the last successful acquire or renew started
  std::string observed_version_;
  std::string observed_holder_;
  SteadyClock::time_point observed_at_{};
  std::atomic<bool> stopping_{false};
  std::mutex wait_mutex_;
  std::condition_variable wake_;
};

}  // namespace eks::monitor
