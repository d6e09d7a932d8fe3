#pragma once
// Builds the server from a configuration: logging, the dispatcher, and every tool, resource and prompt.
#include <memory>
#include <string>

#include <tl/expected.hpp>

#include "app/config.hpp"
#include "server/dispatcher.hpp"
#include "tools/services.hpp"

namespace eks::app {

inline constexpr const char* kVersion = "0.1.0";

// Sends logs to the configured file, else stderr (never stdout: under stdio it carries the protocol).
tl::expected<void, std::string> setup_logging(const Config& config);

struct Application {
  tools::Services services;
  std::unique_ptr<server::Dispatcher> dispatcher;
};

// The server as configured; fails naming what is wrong.
tl::expected<std::unique_ptr<Application>, std::string> build(const Config& config);

}  // namespace eks::app
