// Reports: what a person sees, that hostile cluster text stays text, that nothing is loaded from the network,
// and that retention bounds the directory.
#include "monitor/reports.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/safety/fixtures.hpp"

namespace eks::monitor {
namespace {

Json sample() {
  return {
      {"kind", "cycle"},
      {"generated_at", "2026-12-07T06:00:00Z"},
      {"cluster", "prod"},
      {"window", {{"from", "2026-12-06T06:00:00Z"}, {"to", "2026-12-07T06:00:00Z"}}},
      {"cycle", {{"id", 3}, {"outcome", "findings"}, {"duration_ms", 412.0}, {"new", 1}, {"open", 1}}},
      {"findings",
       {{{"id", "f-1"},
         {"reason", "CrashLoopBackOff"},
         {"severity", "critical"},
         {"resource", {{"kind", "Deployment"}, {"namespace", "shop"}, {"name", "web"}}},
         {"summary", "<script>alert(1)</script> | crashes"},
         {"first_seen", "2026-12-07T05:00:00Z"},
         {"incident", {{"number", 4}, {"url", "javascript:alert(1)"}}}}}},
      {"timeline",
       {{{"finding_id", "f-1"},
         {"namespace", "shop"},
         {"reason", "CrashLoopBackOff"},
         {"severity", "critical"},
         {"from", "2026-12-07T05:00:00Z"}},
        {{"finding_id", "f-2"},
         {"namespace", "(cluster)"},
         {"reason", "NodeNotReady"},
         {"severity", "warning"},
         {"from", "2026-12-06T08:00:00Z"},
         {"to", "2026-12-06T09:30:00Z"}}}},
      {"actions",
       {{{"at", "2026-12-07T05:01:00Z"}, {"plan_id", "p-1"}, {"status", "applied"}, {"verification", "not_fixed"}}}},
      {"incidents",
       {{{"number", 4},
         {"url", "https://github.com/o/r/issues/4"},
         {"severity", "critical"},
         {"summary", "web crashes"}}}},
      {"cost", {{"at", "2026-12-07T00:00:00Z"}, {"monthly_savings", 1234.5}, {"recommendations", 3}}}};
}

TEST(Reports, HtmlDrawsOneBarPerFindingAndEscapesClusterText) {
  const auto html = render_html(sample());
  EXPECT_NE(html.find("<svg id=\"timeline\""), std::string::npos);
  std::size_t bars = 0;
  for (auto at = html.find("<rect class=\"bar"); at != std::string::npos; at = html.find("<rect class=\"bar", at + 1))
    ++bars;
  EXPECT_EQ(bars, 2u);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos);
  EXPECT_EQ(html.find("javascript:"), std::string::npos) << "only http(s) links";
  EXPECT_NE(html.find("$1234.50"), std::string::npos);
}

TEST(Reports, HtmlLoadsNothingFromTheNetwork) {
  const auto html = render_html(sample());
  EXPECT_NE(html.find("Content-Security-Policy\" content=\"default-src 'none'"), std::string::npos);
  for (const char* loader : {"src=", "<link", "@import", "url("})
    EXPECT_EQ(html.find(loader), std::string::npos) << loader;
}

TEST(Reports, MarkdownKeepsTableRowsWhole) {
  const auto md = render_markdown(sample());
  EXPECT_NE(md.find("\\| crashes"), std::string::npos) << md;
  EXPECT_NE(md.find("| critical | CrashLoopBackOff | Deployment/shop/web |"), std::string::npos) << md;
  EXPECT_NE(md.find("#4"), std::string::npos);
  EXPECT_EQ(md.find("javascript:"), std::string::npos);
}

TEST(Reports, RetentionRemovesOldThenOldestOverTheSizeLimit) {
  test_fixtures::TempDir dir;
  const auto now = std::filesystem::file_time_type::clock::now();
  for (int i = 0; i < 6; ++i) {
    const auto p = dir.path() / ("cycle-" + std::to_string(i) + ".json");
    std::ofstream(p) << std::string(1000, 'x');
    std::filesystem::last_write_time(p, now - std::chrono::hours(24 * (6 - i)));
  }
  std::ofstream(dir.path() / "keep.txt") << "not a report";
  // Older than 3.5 days: cycle-0, -1, -2 go; then 2500 bytes allow two of the remaining three.
  EXPECT_EQ(retain_reports(dir.path(), std::chrono::hours(84), 2500, now), 4u);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "cycle-3.json"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "cycle-5.json"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "keep.txt"));
}

TEST(Reports, WriteLeavesNoTemporaryFiles) {
  test_fixtures::TempDir dir;
  auto html = write_report(dir.path() / "reports", "cycle-x", sample());
  ASSERT_TRUE(html) << html.error();
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path() / "reports")) {
    ++files;
    EXPECT_NE(e.path().filename().string()[0], '.');
  }
  EXPECT_EQ(files, 3);
}

}  // namespace
}  // namespace eks::monitor
