#pragma once
// A Connection carries whole JSON-RPC messages; sessions and the dispatcher sit above it.
#include <string_view>

namespace eks::transport {

class Connection {
 public:
  virtual ~Connection() = default;
  // Sends one serialised message. Thread-safe; returns false once the peer is gone.
  virtual bool send(std::string_view message) = 0;
};

}  // namespace eks::transport
