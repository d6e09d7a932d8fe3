// Shared helpers of the per-kind analyzers.
#include <algorithm>
#include <cctype>
#include <cstdio>

#include "tools/analyzers/context.hpp"

namespace eks::analyzers {

std::vector<const cluster::Event*> Context::warnings(const ObjectRef& ref) const {
  std::vector<const cluster::Event*> out;
  for (const auto* e : state.events_for(ref)) {
    if (e->type == "Warning") out.push_back(e);
  }
  return out;
}

std::vector<const cluster::Event*> Context::events(const ObjectRef& ref, std::string_view reason) const {
  std::vector<const cluster::Event*> out;
  for (const auto* e : state.events_for(ref)) {
    if (e->reason == reason) out.push_back(e);
  }
  return out;
}

long long Context::age_seconds(const std::optional<cluster::Time>& t) const {
  if (!t) return 0;
  return std::max<long long>(0, (state.now - *t).count());
}

Finding Context::make(const ObjectRef& resource, const ObjectRef& workload, std::string reason, Severity severity) const {
  Finding f;
  f.resource = resource;
  f.workload = workload;
  f.reason = std::move(reason);
  f.severity = severity;
  f.id = fingerprint(workload.kind, workload.ns, workload.name, f.reason);
  return f;
}

bool contains(std::string_view haystack, std::string_view needle) { return haystack.find(needle) != std::string_view::npos; }

bool icontains(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) return false;
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
         }) != haystack.end();
}

std::string quoted_after(std::string_view text, std::string_view after) {
  auto pos = text.find(after);
  if (pos == std::string_view::npos) return {};
  pos = text.find('"', pos + after.size());
  if (pos == std::string_view::npos) return {};
  const auto end = text.find('"', pos + 1);
  if (end == std::string_view::npos) return {};
  return std::string(text.substr(pos + 1, end - pos - 1));
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out.append(sep);
    out.append(i);
  }
  return out;
}

std::string format_cpu(long long millicores) {
  if (millicores % 1000 == 0) return std::to_string(millicores / 1000) + " CPU";
  return std::to_string(millicores) + "m CPU";
}

std::string format_bytes(long long bytes) {
  char buffer[32];
  const double gi = static_cast<double>(bytes) / (1024.0 * 1024 * 1024);
  if (gi >= 1) {
    std::snprintf(buffer, sizeof buffer, "%.1fGi", gi);
  } else {
    std::snprintf(buffer, sizeof buffer, "%lldMi", bytes / (1024 * 1024));
  }
  return buffer;
}

std::string plural(long long n, std::string_view word) {
  return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

}  // namespace eks::analyzers
