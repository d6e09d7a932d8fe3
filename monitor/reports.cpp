#include "monitor/reports.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "tools/cluster/quantity.hpp"

namespace eks::monitor {
namespace {

std::string str(const Json& j, const char* key, const std::string& fallback = "") {
  if (!j.is_object()) return fallback;
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}

std::string resource_name(const Json& r) {
  if (!r.is_object()) return "";
  std::string out = str(r, "kind") + "/";
  if (!str(r, "namespace").empty()) out += str(r, "namespace") + "/";
  return out + str(r, "name");
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// Markdown table cells: pipes and newlines would break the row; backticks would open code spans.
std::string cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += "\\|";
    else if (c == '\n' || c == '\r') out += ' ';
    else if (c == '`') out += '\'';
    else out += c;
  }
  return out;
}

// Only http(s) links are written as links: a cluster or a GitHub answer must not be able to plant javascript:.
std::string safe_url(const std::string& url) {
  return url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0 ? url : "";
}

std::string money(double usd) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(2);
  out << "$" << usd;
  return out.str();
}

int severity_rank(const std::string& s) { return s == "critical" ? 0 : s == "warning" ? 1 : 2; }

}  // namespace

std::string render_markdown(const Json& report) {
  std::ostringstream md;
  const bool daily = str(report, "kind") == "daily";
  md << "# " << (daily ? "Daily cluster report" : "Cluster report") << ": " << cell(str(report, "cluster", "cluster"))
     << "\n\n";
  const auto window = report.value("window", Json::object());
  md << "Generated " << str(report, "generated_at") << "; window " << str(window, "from") << " to " << str(window, "to")
     << ".\n\n";
  if (const auto c = report.find("cycle"); c != report.end() && c->is_object()) {
    md << "Cycle " << c->value("id", 0) << ": **" << str(*c, "outcome") << "** in "
       << std::llround(c->value("duration_ms", 0.0)) << " ms — " << c->value("new", 0) << " new, "
       << c->value("ongoing", 0) << " ongoing, " << c->value("resolved", 0) << " resolved, " << c->value("open", 0)
       << " open.";
    if (!str(*c, "detail").empty()) md << " " << cell(str(*c, "detail"));
    md << "\n\n";
  }
  if (const auto c = report.find("cycles"); c != report.end() && c->is_object()) {
    md << "Cycles: " << c->value("count", 0) << " (" << c->value("healthy", 0) << " healthy, "
       << c->value("findings", 0) << " with findings, " << c->value("read_failed", 0) << " could not read the cluster, "
       << c->value("error", 0) << " failed); mean " << std::llround(c->value("mean_ms", 0.0)) << " ms, slowest "
       << std::llround(c->value("max_ms", 0.0)) << " ms.\n\n";
  }
  const auto findings = report.value("findings", Json::array());
  md << "## Open findings (" << findings.size() << ")\n\n";
  if (findings.empty()) md << "None.\n\n";
  else {
    md << "| Severity | Reason | Object | Summary | Since | Incident | Remediation |\n|---|---|---|---|---|---|---|\n";
    for (const auto& f : findings) {
      const auto incident = f.value("incident", Json::object());
      std::string link;
      if (incident.value("number", 0) > 0)
        link = safe_url(str(incident, "url")).empty()
                   ? "#" + std::to_string(incident.value("number", 0))
                   : "[#" + std::to_string(incident.value("number", 0)) + "](" + safe_url(str(incident, "url")) + ")";
      md << "| " << str(f, "severity") << " | " << str(f, "reason") << " | "
         << cell(resource_name(f.value("resource", Json()))) << " | " << cell(str(f, "summary")) << " | "
         << str(f, "first_seen") << " | " << link << " | " << cell(str(f, "remediation")) << " |\n";
    }
    md << "\n";
  }
  const auto actions = report.value("actions", Json::array());
  md << "## Actions (" << actions.size() << ")\n\n";
  if (actions.empty()) md << "None.\n\n";
  else {
    md << "| When | Plan | Finding | Result | Verification |\n|---|---|---|---|---|\n";
    for (const auto& a : actions)
      md << "| " << str(a, "at") << " | " << str(a, "plan_id") << " | " << str(a, "finding_id") << " | "
         << cell(str(a, "status")) << " | " << cell(str(a, "verification")) << " |\n";
    md << "\n";
  }
  const auto incidents = report.value("incidents", Json::array());
  md << "## Open incidents (" << incidents.size() << ")\n\n";
  if (incidents.empty()) md << "None.\n\n";
  for (const auto& i : incidents)
    md << "- #" << i.value("number", 0) << " " << cell(str(i, "summary")) << " (" << str(i, "severity") << ") "
       << safe_url(str(i, "url")) << "\n";
  if (!incidents.empty()) md << "\n";
  if (const auto c = report.find("cost"); c != report.end() && c->is_object()) {
    md << "## Right-sizing\n\n"
       << money(c->value("monthly_savings", 0.0)) << " a month could be saved by " << c->value("recommendations", 0)
       << " recommendations (as of " << str(*c, "at") << ").\n\n";
    for (const auto& t : c->value("top", Json::array()))
      md << "- " << cell(str(t, "namespace") + "/" + str(t, "workload") + " " + str(t, "container")) << ": "
         << money(t.value("monthly_savings", 0.0)) << " a month\n";
    md << "\n";
  }
  return md.str();
}

namespace {

constexpr const char* kStyle = R"css(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1f2328;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.meta{color:#59636e;margin-bottom:16px}
.tiles{display:flex;gap:12px;flex-wrap:wrap}.tile{border:1px solid #d1d9e0;border-radius:8px;padding:10px 16px;min-width:110px}
.tile b{display:block;font-size:24px}.tile.critical b{color:#d1242f}.tile.warning b{color:#9a6700}.tile.ok b{color:#1a7f37}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #d1d9e0;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}.sev{border-radius:10px;padding:1px 8px;color:#fff;font-size:12px}
.sev.critical{background:#d1242f}.sev.warning{background:#bf8700}.sev.info{background:#0969da}
.none{color:#59636e}svg text{font:12px system-ui,sans-serif;fill:#1f2328}
)css";

const char* severity_colour(const std::string& s) {
  return s == "critical" ? "#d1242f" : s == "warning" ? "#bf8700" : "#0969da";
}

// The timeline: one row per namespace (cluster-scoped objects under "(cluster)"), one bar per finding from when it
// was first seen to when it was resolved (or the window's end), coloured by severity; hour ticks along the top.
std::string timeline_svg(const Json& report) {
  const auto window = report.value("window", Json::object());
  const auto from = cluster::parse_time(str(window, "from"));
  const auto to = cluster::parse_time(str(window, "to"));
  const auto items = report.value("timeline", Json::array());
  if (!from || !to || *to <= *from || items.empty()) return "<p class=\"none\">No findings in this window.</p>";
  std::map<std::string, std::vector<const Json*>> rows;
  for (const auto& i : items) rows[str(i, "namespace", "(cluster)")].push_back(&i);
  constexpr int kLabel = 170, kWidth = 1000, kRow = 26, kTop = 28;
  const int height = kTop + static_cast<int>(rows.size()) * kRow + 8;
  const double span = static_cast<double>((*to - *from).count());
  auto x_of = [&](cluster::Time t) {
    const double f = std::clamp(static_cast<double>((t - *from).count()) / span, 0.0, 1.0);
    return kLabel + f * (kWidth - kLabel - 10);
  };
  std::ostringstream svg;
  svg << "<svg id=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kWidth << "\" height=\"" << height
      << "\" viewBox=\"0 0 " << kWidth << " " << height << "\" role=\"img\" aria-label=\"Findings over time\">";
  // Ticks on round times (UTC), at most eight of them; no label that would run off the right edge.
  const auto total = *to - *from;
  std::chrono::seconds step = std::chrono::hours(6);
  for (const auto candidate : {5, 10, 15, 30, 60, 120, 180, 240, 360}) {
    step = std::chrono::minutes(candidate);
    if (total / step <= 8) break;
  }
  const auto first = cluster::Time((from->time_since_epoch() / step + 1) * step);
  for (auto t = first; t <= *to; t += step) {
    const double x = x_of(t);
    svg << "<line x1=\"" << x << "\" y1=\"" << kTop - 6 << "\" x2=\"" << x << "\" y2=\"" << height - 4
        << "\" stroke=\"#d1d9e0\"/>";
    if (x < kWidth - 40)
      svg << "<text x=\"" << x + 2 << "\" y=\"" << kTop - 10 << "\">" << cluster::format_time(t).substr(11, 5)
          << "</text>";
  }
  int row = 0;
  for (const auto& [ns, bars] : rows) {
    const int y = kTop + row * kRow;
    svg << "<text x=\"4\" y=\"" << y + 16 << "\">" << html_escape(ns.size() > 24 ? ns.substr(0, 23) + "…" : ns)
        << "</text>";
    for (const auto* b : bars) {
      const auto start = cluster::parse_time(str(*b, "from")).value_or(*from);
      const auto end = cluster::parse_time(str(*b, "to")).value_or(*to);
      const double x1 = x_of(start), x2 = std::max(x_of(end), x1 + 4);
      const auto severity = str(*b, "severity");
      svg << "<rect class=\"bar " << html_escape(severity) << "\" data-finding=\"" << html_escape(str(*b, "finding_id"))
          << "\" x=\"" << x1 << "\" y=\"" << y + 4 << "\" width=\"" << x2 - x1 << "\" height=\"" << kRow - 8
          << "\" rx=\"3\" fill=\"" << severity_colour(severity) << "\" fill-opacity=\"0.85\"><title>"
          << html_escape(str(*b, "reason") + " " + resource_name(b->value("resource", Json())) + " " + str(*b, "from") +
                         " – " + str(*b, "to", "now"))
          << "</title></rect>";
    }
    ++row;
  }
  svg << "</svg>";
  return svg.str();
}

}  // namespace

std::string render_html(const Json& report) {
  std::ostringstream h;
  const bool daily = str(report, "kind") == "daily";
  const auto findings = report.value("findings", Json::array());
  std::map<std::string, int> by_severity;
  for (const auto& f : findings) ++by_severity[str(f, "severity")];
  h << "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
    << "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
    << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>"
    << html_escape((daily ? "Daily report " : "Cluster report ") + str(report, "cluster", "cluster"))
    << "</title><style>" << kStyle << "</style></head><body>";
  h << "<h1>" << (daily ? "Daily cluster report" : "Cluster report") << ": "
    << html_escape(str(report, "cluster", "cluster")) << "</h1>";
  const auto window = report.value("window", Json::object());
  h << "<div class=\"meta\">Generated " << html_escape(str(report, "generated_at")) << " · window "
    << html_escape(str(window, "from")) << " to " << html_escape(str(window, "to")) << "</div>";
  h << "<div class=\"tiles\" id=\"status\">";
  h << "<div class=\"tile " << (by_severity["critical"] ? "critical" : "ok") << "\"><b>" << by_severity["critical"]
    << "</b>critical</div>";
  h << "<div class=\"tile " << (by_severity["warning"] ? "warning" : "ok") << "\"><b>" << by_severity["warning"]
    << "</b>warning</div>";
  h << "<div class=\"tile\"><b>" << report.value("incidents", Json::array()).size() << "</b>open incidents</div>";
  h << "<div class=\"tile\"><b>" << report.value("actions", Json::array()).size() << "</b>actions</div>";
  if (const auto c = report.find("cost"); c != report.end() && c->is_object())
    h << "<div class=\"tile ok\"><b>" << money(c->value("monthly_savings", 0.0)) << "</b>a month to save</div>";
  h << "</div>";
  if (const auto c = report.find("cycle"); c != report.end() && c->is_object()) {
    h << "<p id=\"cycle\">Cycle " << c->value("id", 0) << ": <b>" << html_escape(str(*c, "outcome")) << "</b> in "
      << std::llround(c->value("duration_ms", 0.0)) << " ms — " << c->value("new", 0) << " new, "
      << c->value("ongoing", 0) << " ongoing, " << c->value("resolved", 0) << " resolved.";
    if (!str(*c, "detail").empty()) h << " " << html_escape(str(*c, "detail"));
    h << "</p>";
  }
  h << "<h2>Findings over time</h2>" << timeline_svg(report);
  h << "<h2>Open findings</h2>";
  if (findings.empty()) h << "<p class=\"none\">None.</p>";
  else {
    h << "<table id=\"findings\"><tr><th>Severity</th><th>Reason</th><th>Object</th><th>Summary</th><th>Since</th>"
      << "<th>Incident</th><th>Remediation</th></tr>";
    std::vector<const Json*> sorted;
    for (const auto& f : findings) sorted.push_back(&f);
    std::stable_sort(sorted.begin(), sorted.end(), [](const Json* a, const Json* b) {
      return severity_rank(str(*a, "severity")) < severity_rank(str(*b, "severity"));
    });
    for (const auto* f : sorted) {
      const auto incident = f->value("incident", Json::object());
      std::string link;
      if (incident.value("number", 0) > 0) {
        const auto url = safe_url(str(incident, "url"));
        const auto label = "#" + std::to_string(incident.value("number", 0));
        link = url.empty() ? label : "<a href=\"" + html_escape(url) + "\">" + label + "</a>";
      }
      h << "<tr data-finding=\"" << html_escape(str(*f, "id")) << "\"><td><span class=\"sev "
        << html_escape(str(*f, "severity")) << "\">" << html_escape(str(*f, "severity")) << "</span></td><td>"
        << html_escape(str(*f, "reason")) << "</td><td>" << html_escape(resource_name(f->value("resource", Json())))
        << "</td><td>" << html_escape(str(*f, "summary")) << "</td><td>" << html_escape(str(*f, "first_seen"))
        << "</td><td>" << link << "</td><td>" << html_escape(str(*f, "remediation")) << "</td></tr>";
    }
    h << "</table>";
  }
  const auto actions = report.value("actions", Json::array());
  h << "<h2>Actions and their verification</h2>";
  if (actions.empty()) h << "<p class=\"none\">None.</p>";
  else {
    h << "<table id=\"actions\"><tr><th>When</th><th>Plan</th><th>Finding</th><th>Result</th><th>Verification</th></tr>";
    for (const auto& a : actions)
      h << "<tr><td>" << html_escape(str(a, "at")) << "</td><td>" << html_escape(str(a, "plan_id")) << "</td><td>"
        << html_escape(str(a, "finding_id")) << "</td><td>" << html_escape(str(a, "status")) << "</td><td>"
        << html_escape(str(a, "verification")) << "</td></tr>";
    h << "</table>";
  }
  const auto incidents = report.value("incidents", Json::array());
  h << "<h2>Open incidents</h2>";
  if (incidents.empty()) h << "<p class=\"none\">None.</p>";
  else {
    h << "<table id=\"incidents\"><tr><th>Issue</th><th>Severity</th><th>Summary</th></tr>";
    for (const auto& i : incidents) {
      const auto url = safe_url(str(i, "url"));
      const auto label = "#" + std::to_string(i.value("number", 0));
      h << "<tr><td>" << (url.empty() ? label : "<a href=\"" + html_escape(url) + "\">" + label + "</a>")
        << "</td><td><span class=\"sev " << html_escape(str(i, "severity")) << "\">" << html_escape(str(i, "severity"))
        << "</span></td><td>" << html_escape(str(i, "summary")) << "</td></tr>";
    }
    h << "</table>";
  }
  if (const auto c = report.find("cost"); c != report.end() && c->is_object()) {
    h << "<h2>Right-sizing</h2><p id=\"cost\"><b>" << money(c->value("monthly_savings", 0.0))
      << "</b> a month could be saved by " << c->value("recommendations", 0) << " recommendations (as of "
      << html_escape(str(*c, "at")) << ").</p>";
    const auto top = c->value("top", Json::array());
    if (!top.empty()) {
      h << "<table id=\"savings\"><tr><th>Workload</th><th>Container</th><th>Monthly savings</th></tr>";
      for (const auto& t : top)
        h << "<tr><td>" << html_escape(str(t, "namespace") + "/" + str(t, "workload")) << "</td><td>"
          << html_escape(str(t, "container")) << "</td><td>" << money(t.value("monthly_savings", 0.0)) << "</td></tr>";
      h << "</table>";
    }
  }
  h << "</body></html>\n";
  return h.str();
}

tl::expected<std::filesystem::path, std::string> write_report(const std::filesystem::path& dir, const std::string& stem,
                                                              const Json& report) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return tl::unexpected("reports directory " + dir.string() + ": " + ec.message());
  const std::pair<const char*, std::string> files[] = {
      {".json", report.dump(2) + "\n"}, {".md", render_markdown(report)}, {".html", render_html(report)}};
  for (const auto& [ext, text] : files) {
    const auto final_path = dir / (stem + ext);
    const auto temp = dir / ("." + stem + ext + ".tmp");
    {
      std::ofstream out(temp, std::ios::binary | std::ios::trunc);
      out << text;
      if (!out.flush()) return tl::unexpected("cannot write " + temp.string());
    }
    std::filesystem::rename(temp, final_path, ec);
    if (ec) return tl::unexpected("cannot write " + final_path.string() + ": " + ec.message());
  }
  return dir / (stem + ".html");
}

std::size_t retain_reports(const std::filesystem::path& dir, std::chrono::seconds max_age, std::uintmax_t max_bytes,
                           std::filesystem::file_time_type now) {
  struct File {
    std::filesystem::path path;
    std::filesystem::file_time_type time;
    std::uintmax_t size;
  };
  std::vector<File> files;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (!e.is_regular_file(ec)) continue;
    const auto ext = e.path().extension();
    if (ext != ".json" && ext != ".md" && ext != ".html") continue;
    files.push_back({e.path(), e.last_write_time(ec), e.file_size(ec)});
  }
  std::sort(files.begin(), files.end(), [](const File& a, const File& b) { return a.time < b.time; });
  std::uintmax_t total = 0;
  for (const auto& f : files) total += f.size;
  std::size_t removed = 0;
  for (const auto& f : files) {
    const bool old = now - f.time > max_age;
    if (!old && total <= max_bytes) break;
    if (std::filesystem::remove(f.path, ec)) {
      ++removed;
      total -= f.size;
    }
  }
  return removed;
}

}  // namespace eks::monitor
