#pragma once
// Logging off for targets whose code logs per message: formatting and writing log lines would be most of an
// execution's time, and libFuzzer's output would drown in them. Component loggers clone the default logger's level
// when first used, so this runs before any of them exists.
#include <spdlog/spdlog.h>

namespace eks::fuzz {

inline void quiet_logs() {
  static const bool done = [] {
    spdlog::set_level(spdlog::level::off);
    return true;
  }();
  (void)done;
}

}  // namespace eks::fuzz
