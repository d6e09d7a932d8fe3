// CronJobs: suspended (info) or with a schedule the controller cannot parse.
#include <cctype>
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
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '*' || c == ',' || c == '-' || c == '/' || c == '?')) return false;
    }
  }
  return fields == 5;
}

}  // namespace

void analyze_cron_jobs(Context& ctx) {
  for (const auto& c : ctx.state.cron_jobs) {
    if (!ctx.in_scope(c.meta.ns)) continue;
    const auto ref = c.meta.ref();
    if (!valid_schedule(c.schedule)) {
      Finding f = ctx.make(ref, ref, "CronJobInvalidSchedule", Severity::warning);
      f.what = "CronJob " + c.meta.name + " never runs";
      f.add_evidence("spec", "schedule \"" + c.schedule + "\"");
      for (const auto* e : ctx.warnings(ref)) f.add_evidence("event", e->reason + ": " + e->message, {}, e->count);
      f.root_cause = {"missing_config", "its schedule \"" + c.schedule + "\" is not a valid cron expression", 0.9};
      f.add_action("fix_config", "write the schedule as five cron fields (minute hour day month weekday)",
                   Json{{"kind", "CronJob"}, {"namespace", c.meta.ns}, {"name", c.meta.name}});
      ctx.findings.push_back(std::move(f));
    } else if (c.suspend) {
      Finding f = ctx.make(ref, ref, "CronJobSuspended", Severity::info);
      f.what = "CronJob " + c.meta.name + " is suspended";
      f.add_evidence("spec", "suspend: true");
      if (c.last_schedule_time) f.add_evidence("status", "last scheduled " + cluster::format_time(*c.last_schedule_time));
      f.root_cause = {"missing_config", "spec.suspend is true, so no Jobs are created", 0.9};
      f.add_action("none", "nothing, if the suspension is intended");
      ctx.findings.push_back(std::move(f));
    }
  }
}

}  // namespace eks::analyzers
