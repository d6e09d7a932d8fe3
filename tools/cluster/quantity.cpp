// Quantities and times: parsing and formatting (see quantity.hpp).
#include "tools/cluster/quantity.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace eks::cluster {

std::optional<Time> parse_time(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM); a space instead of T is accepted.
  if (s.size() < 19) return std::nullopt;
  auto num = [&](std::size_t pos, std::size_t len) -> int {
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  const int y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2), sec = num(17, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60)
    return std::nullopt;
  if (s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' || s[16] != ':')
    return std::nullopt;
  std::size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
  }
  int offset_minutes = 0;
  if (pos < s.size()) {
    if (s[pos] == 'Z' || s[pos] == 'z') {
      ++pos;
    } else if ((s[pos] == '+' || s[pos] == '-') && pos + 6 <= s.size() && s[pos + 3] == ':') {
      const int oh = num(pos + 1, 2), om = num(pos + 4, 2);
      if (oh < 0 || om < 0) return std::nullopt;
      offset_minutes = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
      pos += 6;
    } else {
      return std::nullopt;
    }
  }
  if (pos != s.size()) return std::nullopt;
  using namespace std::chrono;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec} - minutes{offset_minutes};
}

std::string format_time(Time t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{t - day};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

std::optional<double> quantity_value(std::string_view q) {
  while (!q.empty() && q.front() == ' ') q.remove_prefix(1);
  while (!q.empty() && q.back() == ' ') q.remove_suffix(1);
  if (q.empty()) return std::nullopt;
  static const std::pair<const char*, double> kSuffixes[] = {{"Ki", 1024.0},
                                                             {"Mi", 1048576.0},
                                                             {"Gi", 1073741824.0},
                                                             {"Ti", 1099511627776.0},
                                                             {"Pi", 1125899906842624.0},
                                                             {"Ei", 1152921504606846976.0},
                                                             {"n", 1e-9},
                                                             {"u", 1e-6},
                                                             {"m", 1e-3},
                                                             {"k", 1e3},
                                                             {"K", 1e3},
                                                             {"M", 1e6},
                                                             {"G", 1e9},
                                                             {"T", 1e12},
                                                             {"P", 1e15},
                                                             {"E", 1e18}};
  double scale = 1.0;
  std::string_view number = q;
  for (const auto& [suffix, factor] : kSuffixes) {
    const std::string_view sv(suffix);
    if (q.size() > sv.size() && q.substr(q.size() - sv.size()) == sv) {
      // "1e3" ends in a digit, so "E" only matches as a suffix when the text before it is a number.
      scale = factor;
      number = q.substr(0, q.size() - sv.size());
      break;
    }
  }
  const std::string text(number);
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || !end || *end != '\0' || !std::isfinite(v)) return std::nullopt;
  return v * scale;
}

std::optional<std::int64_t> cpu_millicores(std::string_view q) {
  auto v = quantity_value(q);
  if (!v) return std::nullopt;
  return static_cast<std::int64_t>(std::llround(*v * 1000.0));
}

std::optional<std::int64_t> bytes(std::string_view q) {
  auto v = quantity_value(q);
  if (!v) return std::nullopt;
  return static_cast<std::int64_t>(std::llround(*v));
}

}  // namespace eks::cluster
