#pragma once
// One named logger per component (spdlog's registry): the one app/ registered with its sinks, or, before that
// (tests, tools run without app/), a clone of the default logger under that name.
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace eks::server {

inline std::shared_ptr<spdlog::logger> component_logger(const std::string& name) {
  auto existing = spdlog::get(name);
  return existing ? existing : spdlog::default_logger()->clone(name);
}

}  // namespace eks::server
