// CronJobs: suspended (info), or with a schedule the controller cannot parse or that never fires (February 30th).
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <optional>
#include <set>
#include <sstream>

#include "tools/analyzers/context.hpp"

namespace eks::analyzers {
namespace {

// Five fields of digits, ranges, lists, steps, * and ?, or month/day names; or a macro (@hourly ...).
bool valid_schedule(const std::string& schedule) {
  std::string s = schedule;
  if (s.rfind("TZ=", 0) == 0 || s.rfind("CRON_TZ=", 0) == 0) {
    const auto space = s.find(' ');
    if (space == std::string::npos) return false;
    s = s.substr(space + 1);
  }
  if (!s.empty() && s[0] == '@') {
    static const char* kMacros[] = {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"};
    for (const char* m : kMacros) {
      if (s == m) return true;
    }
    return s.rfind("@every ", 0) == 0;
  }
  std::istringstream in(s);
  std::string field;
  int fields = 0;
  while (in >> field) {
    ++fields;
    for (char c : field) {
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '*' || c == ',' || c == '-' || c == '/' || c == '?'))
        return false;
    }
  }
  return fields == 5;
}

// The numbers a cron field allows within [lo, hi] (*, n, a-b, steps, lists); nullopt for names (JAN, MON) or
// anything else, which the caller treats as "may run".
std::optional<std::set<int>> field_values(const std::string& field, int lo, int hi) {
  std::set<int> out;
  std::stringstream items(field);
  std::string item;
  while (std::getline(items, item, ',')) {
    int step = 1;
    if (const auto slash = item.find('/'); slash != std::string::npos) {
      step = std::atoi(item.c_str() + slash + 1);
      item = item.substr(0, slash);
      if (step <= 0) return std::nullopt;
    }
    int from = lo, to = hi;
    if (item != "*" && item != "?") {
      if (item.empty() || !std::all_of(item.begin(), item.end(),
                                       [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '-'; }))
        return std::nullopt;
      const auto dash = item.find('-');
      from = std::atoi(item.c_str());
      to = dash == std::string::npos ? from : std::atoi(item.c_str() + dash + 1);
    }
    for (int v = from; v <= to && v <= hi; v += step) {
      if (v >= lo) out.insert(v);
    }
  }
  return out;
}

// A schedule that parses but never fires: every day-of-month it names is past the end of every month it names
// ("0 23 30 2 *", February 30th). Only when day-of-week is unrestricted: cron fires when either day field
// matches.
std::optional<std::string> never_fires(const std::string& schedule) {
  std::istringstream in(schedule);
  std::vector<std::string> f;
  for (std::string x; in >> x;) f.push_back(x);
  if (f.size() != 5 || (f[4] != "*" && f[4] != "?")) return std::nullopt;
  const auto days = field_values(f[2], 1, 31);
  const auto months = field_values(f[3], 1, 12);
  if (!days || !months || days->empty() || months->empty()) return std::nullopt;
  static constexpr int kLength[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};  // February 29th in leap years
  static constexpr const char* kMonth[] = {"January", "February", "March",     "April",   "May",      "June",
                                           "July",    "August",   "September", "October", "November", "December"};
  std::vector<std::string> names;
  for (int m : *months) {
    if (*days->begin() <= kLength[m - 1]) return std::nullopt;
    names.push_back(kMonth[m - 1]);
  }
  return "day " + std::to_string(*days->begin()) + " of " + join(names, ", ") + ", which does not exist";
}

}  // namespace

void analyze_cron_jobs(Context& ctx) {
  for (const auto& c : ctx.state.cron_jobs) {
    if (!ctx.in_scope(c.meta.ns)) continue;
    const auto ref = c.meta.ref();
    const bool valid = valid_schedule(c.schedule);
    const auto never = valid ? never_fires(c.schedule) : std::nullopt;
    if (!valid || never) {
      Finding f = ctx.make(ref, ref, "CronJobInvalidSchedule", Severity::warning);
      f.what = "CronJob " + c.meta.name + " never runs";
      f.add_evidence("spec", "schedule \"" + c.schedule + "\"");
      f.add_evidence("status", c.last_schedule_time ? "last scheduled " + cluster::format_time(*c.last_schedule_time)
                                                    : "never scheduled (no status.lastScheduleTime)");
      for (const auto* e : ctx.warnings(ref)) f.add_evidence("event", e->reason + ": " + e->message, {}, e->count);
      f.root_cause = {"missing_config",
                      never ? "its schedule \"" + c.schedule + "\" names " + *never + ", so it never fires"
                            : "its schedule \"" + c.schedule + "\" is not a valid cron expression",
                      0.9};
      f.add_action("fix_config", "write the schedule as five cron fields (minute hour day month weekday)",
                   Json{{"kind", "CronJob"}, {"namespace", c.meta.ns}, {"name", c.meta.name}});
      ctx.findings.push_back(std::move(f));
    } else if (c.suspend) {
      Finding f = ctx.make(ref, ref, "CronJobSuspended", Severity::info);
      f.what = "CronJob " + c.meta.name + " is suspended";
      f.add_evidence("spec", "suspend: true");
      if (c.last_schedule_time)
        f.add_evidence("status", "last scheduled " + cluster::format_time(*c.last_schedule_time));
      f.root_cause = {"missing_config", "spec.suspend is true, so no Jobs are created", 0.9};
      f.add_action("none", "nothing, if the suspension is intended");
      ctx.findings.push_back(std::move(f));
    }
  }
}

}  // namespace eks::analyzers
