#include "tools/cost/usage.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace eks::cost {

ContainerUsage combine(const std::vector<ContainerUsage>& pods) {
  ContainerUsage out;
  const auto fold = [](Stats& into, const Stats& s) {
    if (s.points <= 0) return;
    if (into.points == 0) {
      into = s;
      return;
    }
    into.p50 = std::max(into.p50, s.p50);
    into.pq = std::max(into.pq, s.pq);
    into.max = std::max(into.max, s.max);
    into.points += s.points;
  };
  for (const auto& p : pods) {
    fold(out.cpu, p.cpu);
    fold(out.memory, p.memory);
  }
  return out;
}

double quantile(double phi, std::vector<double>& values) {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(values.begin(), values.end());
  if (phi <= 0) return values.front();
  if (phi >= 1) return values.back();
  // Rank φ·(n-1), interpolated between its neighbours: Prometheus's quantile (and numpy's default "linear").
  const double rank = phi * static_cast<double>(values.size() - 1);
  const auto lower = static_cast<std::size_t>(std::floor(rank));
  const auto upper = std::min(lower + 1, values.size() - 1);
  const double weight = rank - std::floor(rank);
  return values[lower] * (1 - weight) + values[upper] * weight;
}

std::int64_t millicores_up(double cores) {
  // A hair below the next millicore is float noise of an exact figure, not usage: 0.05 cores is 50m, not 51m.
  return static_cast<std::int64_t>(std::ceil(cores * 1000 - 1e-6));
}

std::int64_t mebibytes_up(double bytes) {
  return static_cast<std::int64_t>(std::ceil(bytes / static_cast<double>(kMi) - 1e-9)) * kMi;
}

Proposal propose(const ContainerUsage& usage, const Resources& current, bool oom_killed, bool hpa_on_cpu,
                 bool hpa_on_memory, const Strategy& strategy) {
  Proposal p;
  if (usage.cpu.points < strategy.points_required) {
    p.cpu_skip = Skip::not_enough_data;
  } else if (hpa_on_cpu && !strategy.allow_hpa) {
    p.cpu_skip = Skip::hpa;
  } else {
    p.cpu_request_m = std::max(millicores_up(usage.cpu.pq), strategy.min_cpu_millicores);
  }
  if (usage.memory.points < strategy.points_required) {
    p.memory_skip = Skip::not_enough_data;
  } else if (hpa_on_memory && !strategy.allow_hpa) {
    p.memory_skip = Skip::hpa;
  } else {
    double bytes = usage.memory.max * (1 + strategy.memory_buffer);
    if (oom_killed && current.memory_limit_bytes) {
      const double floor = static_cast<double>(*current.memory_limit_bytes) * strategy.oom_limit_factor;
      if (floor > bytes) {
        bytes = floor;
        p.oom_floor = true;
      }
    }
    p.memory_bytes = std::max(mebibytes_up(bytes), strategy.min_memory_bytes);
  }
  return p;
}

namespace {

std::string band(double diff, const double (&bands)[3]) {
  if (diff >= bands[2]) return "critical";
  if (diff >= bands[1]) return "warning";
  if (diff >= bands[0]) return "ok";
  return "good";
}

int rank(const std::string& s) {
  if (s == "critical") return 4;
  if (s == "warning") return 3;
  if (s == "ok") return 2;
  if (s == "good") return 1;
  return 0;
}

}  // namespace

std::string cpu_severity(std::optional<std::int64_t> current_m, std::optional<std::int64_t> recommended_m,
                         const Strategy& strategy) {
  if (!current_m && !recommended_m) return "good";
  if (!current_m || !recommended_m) return "warning";
  return band(std::abs(static_cast<double>(*current_m - *recommended_m)) / 1000.0, strategy.cpu_bands);
}

std::string memory_severity(std::optional<std::int64_t> current_bytes, std::optional<std::int64_t> recommended_bytes,
                            const Strategy& strategy) {
  if (!current_bytes && !recommended_bytes) return "good";
  if (!current_bytes || !recommended_bytes) return "warning";
  return band(std::abs(static_cast<double>(*current_bytes - *recommended_bytes)) / static_cast<double>(kMi),
              strategy.memory_bands_mib);
}

std::string worse(const std::string& a, const std::string& b) { return rank(a) >= rank(b) ? a : b; }

std::string cpu_quantity(std::int64_t millicores) {
  if (millicores % 1000 == 0) return std::to_string(millicores / 1000);
  return std::to_string(millicores) + "m";
}

std::string memory_quantity(std::int64_t bytes) {
  constexpr std::int64_t kGi = 1024 * kMi;
  if (bytes != 0 && bytes % kGi == 0) return std::to_string(bytes / kGi) + "Gi";
  if (bytes % kMi == 0) return std::to_string(bytes / kMi) + "Mi";
  return std::to_string(bytes);
}

}  // namespace eks::cost
