// The HTTP front of kubesim: Boost.Beast over one single-threaded io_context, keep-alive, chunked watch
// streams, and the JSON-lines request log.
#pragma once

#include <cstdio>
#include <memory>
#include <optional>
#include <vector>
#include <string>

#include <boost/asio.hpp>

#include "api.hpp"

namespace kubesim {

class Server {
 public:
  // Binds `endpoint` (the caller has checked it is loopback). `request_log` may be null.
  Server(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint, Api& api, Cluster& cluster,
         std::FILE* request_log);
  unsigned short port() const;
  void start();
  void stop();

  // Appends one request to the log: {"time","method","path","query","contentType","body","status"}.
  void log_request(const Request& r, const std::string& raw_query, int status);

  // Test control, not part of the Kubernetes API: POST /_kubesim/faults {"status"?: 500, "delay_ms"?: 0,
  // "count": N, "path_prefix"?: "/api"} makes the next N API requests under the prefix answer `status` (a
  // Status object, as an overloaded API server does) and/or wait `delay_ms` first; DELETE clears them.
  struct Fault {
    int status = 0;
    int delay_ms = 0;
    int left = 0;
    std::string path_prefix;
  };
  // Takes the fault the request meets, if any (counting it down).
  std::optional<Fault> take_fault(const std::string& path);
  std::vector<Fault> faults;

  Api& api;
  Cluster& cluster;

 private:
  void accept();
  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::FILE* request_log_;
};

}  // namespace kubesim
