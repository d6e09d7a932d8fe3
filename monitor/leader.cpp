#include "monitor/leader.hpp"

#include <cstdio>

#include "safety/yaml_json.hpp"
#include "tools/cluster/quantity.hpp"
#include "server/logging.hpp"

namespace eks::monitor {
namespace {

using Json = nlohmann::json;

std::shared_ptr<spdlog::logger> log() { return server::component_logger("leader"); }

std::string text_of(const Json& result) {
  std::string out;
  for (const auto& item : result.value("content", Json::array()))
    if (item.value("type", "") == "text") out += item.value("text", "");
  return out;
}

// A MicroTime as the API server writes it: 2026-12-07T06:15:00.123456Z.
std::string micro_time(std::chrono::system_clock::time_point t) {
  const auto us = std::chrono::time_point_cast<std::chrono::microseconds>(t);
  const auto secs = std::chrono::floor<std::chrono::seconds>(us);
  char fraction[16];
  std::snprintf(fraction, sizeof fraction, ".%06d", static_cast<int>((us - secs).count()));
  auto out = cluster::format_time(secs);  // ...T06:15:00Z
  return out.insert(out.size() - 1, fraction);
}

}  // namespace

LeaderElector::LeaderElector(LeaseOptions options, KubeCall call, std::function<SteadyClock::time_point()> now,
                             std::function<std::chrono::system_clock::time_point()> wall)
    : options_(std::move(options)), call_(std::move(call)), now_(std::move(now)), wall_(std::move(wall)) {}

bool LeaderElector::is_leader() const {
  std::lock_guard lock(mutex_);
  return leading_ && now_() - renewed_ < options_.renew_deadline;
}

std::string LeaderElector::holder() const {
  std::lock_guard lock(mutex_);
  return observed_holder_;
}

// The Lease as an object; null when it does not exist; the error when it could not be read.
tl::expected<Json, std::string> LeaderElector::read() {
  auto result = call_("resources_get", {{"apiVersion", "coordination.k8s.io/v1"},
                                        {"kind", "Lease"},
                                        {"namespace", options_.ns},
                                        {"name", options_.name}});
  if (!result) return tl::unexpected(result.error());
  const auto text = text_of(*result);
  if (result->value("isError", false)) {
    if (text.find("not found") != std::string::npos) return Json();
    return tl::unexpected(text.substr(0, 300));
  }
  auto docs = safety::yaml::parse_all(text);
  if (!docs || docs->empty() || !docs->front().is_object())
    return tl::unexpected(std::string("the Lease could not be read from the upstream's answer"));
  return docs->front();
}

bool LeaderElector::write(const Json& lease) {
  auto result = call_("resources_create_or_update", {{"resource", lease.dump()}});
  if (!result) {
    log()->warn("lease {}/{}: {}", options_.ns, options_.name, result.error());
    return false;
  }
  if (result->value("isError", false)) {
    const auto text = text_of(*result);
    // A conflict is the protocol working: another replica wrote first.
    if (text.find("modified") == std::string::npos && text.find("onflict") == std::string::npos)
      log()->warn("lease {}/{}: {}", options_.ns, options_.name, text.substr(0, 300));
    return false;
  }
  return true;
}

void LeaderElector::try_acquire_or_renew() {
  const auto started = now_();
  auto lease = read();
  if (!lease) {
    log()->debug("lease {}/{} not read: {}", options_.ns, options_.name, lease.error());
    return;
  }
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(options_.lease_duration).count();
  if (lease->is_null()) {
    // Created without a holder: if two replicas create it at once, neither holds it, and the next round's
    // resourceVersion-guarded write decides.
    log()->info("creating lease {}/{}", options_.ns, options_.name);
    write({{"apiVersion", "coordination.k8s.io/v1"},
           {"kind", "Lease"},
           {"metadata", {{"name", options_.name}, {"namespace", options_.ns}}},
           {"spec", {{"leaseDurationSeconds", seconds}}}});
    return;
  }
  const auto spec = lease->value("spec", Json::object());
  const std::string holder = spec.value("holderIdentity", "");
  const std::string version = lease->value("metadata", Json::object()).value("resourceVersion", "");
  const auto duration = std::chrono::seconds(spec.value("leaseDurationSeconds", seconds));
  bool was_leading;
  {
    std::lock_guard lock(mutex_);
    if (version != observed_version_) {
      observed_version_ = version;
      observed_at_ = started;
    }
    observed_holder_ = holder;
    was_leading = leading_;
  }
  const bool mine = holder == options_.identity;
  const bool expired = holder.empty() || started - observed_at_ >= duration;
  if (!mine && !expired) {
    std::lock_guard lock(mutex_);
    if (leading_) log()->warn("lost the lease {}/{} to {}", options_.ns, options_.name, holder);
    leading_ = false;
    return;
  }
  Json next = {{"apiVersion", "coordination.k8s.io/v1"},
               {"kind", "Lease"},
               {"metadata", {{"name", options_.name}, {"namespace", options_.ns}, {"resourceVersion", version}}},
               {"spec", spec}};
  const auto at = micro_time(wall_());
  next["spec"]["holderIdentity"] = options_.identity;
  next["spec"]["leaseDurationSeconds"] = seconds;
  next["spec"]["renewTime"] = at;
  if (!mine) {
    next["spec"]["acquireTime"] = at;
    next["spec"]["leaseTransitions"] = spec.value("leaseTransitions", 0) + (holder.empty() ? 0 : 1);
  }
  const bool ok = write(next);
  std::lock_guard lock(mutex_);
  if (ok) {
    if (!was_leading) log()->info("acquired the lease {}/{} as {}", options_.ns, options_.name, options_.identity);
    leading_ = true;
    renewed_ = started;  // from before the read: the lease cannot have been taken over earlier than this
    observed_holder_ = options_.identity;
  } else if (leading_ && started - renewed_ >= options_.renew_deadline) {
    log()->warn("could not renew the lease {}/{} within {} ms: no longer acting", options_.ns, options_.name,
                options_.renew_deadline.count());
    leading_ = false;
  } else if (!mine) {
    leading_ = false;
  }
}

void LeaderElector::release() {
  auto lease = read();
  if (!lease || lease->is_null()) return;
  const auto spec = lease->value("spec", Json::object());
  if (spec.value("holderIdentity", "") != options_.identity) return;
  Json next = {{"apiVersion", "coordination.k8s.io/v1"},
               {"kind", "Lease"},
               {"metadata",
                {{"name", options_.name},
                 {"namespace", options_.ns},
                 {"resourceVersion", lease->value("metadata", Json::object()).value("resourceVersion", "")}}},
               {"spec", spec}};
  // An empty holder with a one-second duration: the next replica takes over at once (client-go's
  // ReleaseOnCancel does the same).
  next["spec"]["holderIdentity"] = "";
  next["spec"]["leaseDurationSeconds"] = 1;
  next["spec"]["renewTime"] = micro_time(wall_());
  if (write(next)) log()->info("released the lease {}/{}", options_.ns, options_.name);
}

void LeaderElector::run() {
  while (!stopping_) {
    try_acquire_or_renew();
    std::unique_lock lock(wait_mutex_);
    wake_.wait_for(lock, options_.retry_period, [this] { return stopping_.load(); });
  }
  bool leading;
  {
    std::lock_guard lock(mutex_);
    leading = leading_;
    leading_ = false;
  }
  if (leading) release();
}

void LeaderElector::stop() {
  {
    std::lock_guard lock(wait_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
}

}  // namespace eks::monitor
