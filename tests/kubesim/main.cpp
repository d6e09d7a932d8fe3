// kubesim: a Kubernetes API simulator serving a snapshot directory on loopback, for tests and `make demo`.
//   kubesim --snapshot DIR --listen 127.0.0.1:0 --write-kubeconfig FILE [--request-log FILE] [--deny-ssar]
//           [--token TOKEN] [--at-capture-time]
// Serves the snapshot as if captured now (every timestamp moved by now - scenario.yaml's now), unless
// --at-capture-time keeps its own times. Prints the server URL on stdout once the kubeconfig is written; ends cleanly
// on SIGTERM or SIGINT.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>

#include <boost/asio.hpp>

#include "api.hpp"
#include "cluster.hpp"
#include "server.hpp"

namespace {

constexpr const char* kUsage =
    "usage: kubesim --snapshot DIR [--listen 127.0.0.1:0] [--write-kubeconfig FILE] [--request-log FILE]\n"
    "               [--deny-ssar] [--token TOKEN] [--require-token] [--at-capture-time]\n"
    "Serves the Kubernetes API for the snapshot DIR over plain HTTP on a loopback address, as if the snapshot\n"
    "was captured now (its timestamps moved by now - scenario.yaml's now; --at-capture-time keeps them).\n";

int fail(const std::string& message) {
  std::cerr << "kubesim: " << message << "\n";
  return 2;
}

std::string random_token() {
  std::random_device rd;
  std::string out;
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 32; ++i) out += kHex[rd() % 16];
  return "kubesim-" + out;
}

// Written to a temporary name and renamed, so a reader never sees half a file.
bool write_kubeconfig(const std::string& file, const std::string& url, const std::string& token) {
  std::string tmp = file + ".tmp";
  {
    std::ofstream out(tmp);
    if (!out) return false;
    out << "apiVersion: v1\nkind: Config\n"
        << "clusters:\n- name: kubesim\n  cluster:\n    server: " << url << "\n"
        << "users:\n- name: kubesim\n  user:\n    token: " << token << "\n"
        << "contexts:\n- name: kubesim\n  context:\n    cluster: kubesim\n    user: kubesim\n    namespace: default\n"
        << "current-context: kubesim\npreferences: {}\n";
    if (!out) return false;
  }
  std::error_code ec;
  std::filesystem::permissions(tmp, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
  std::filesystem::rename(tmp, file, ec);
  return !ec;
}

}  // namespace

int main(int argc, char** argv) {
  std::string snapshot, listen = "127.0.0.1:0", kubeconfig, request_log, token;
  bool deny_ssar = false, require_token = false, at_capture_time = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    bool ok = true;
    if (a == "--snapshot") ok = value(snapshot);
    else if (a == "--listen") ok = value(listen);
    else if (a == "--write-kubeconfig") ok = value(kubeconfig);
    else if (a == "--request-log") ok = value(request_log);
    else if (a == "--token") ok = value(token);
    else if (a == "--deny-ssar") deny_ssar = true;
    else if (a == "--require-token") require_token = true;
    else if (a == "--at-capture-time") at_capture_time = true;
    else if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    } else ok = false;
    if (!ok) {
      std::cerr << kUsage;
      return fail("bad argument: " + a);
    }
  }
  if (snapshot.empty()) {
    std::cerr << kUsage;
    return fail("--snapshot is required");
  }
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return fail("--listen takes HOST:PORT, got " + listen);
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(host, ec);
  if (ec) return fail("--listen: not an IP address: " + host);
  // The simulator has a fixed token and no TLS: it must never be reachable from another machine.
  if (!address.is_loopback()) return fail("--listen: refusing non-loopback address " + host + " (use 127.0.0.1)");
  unsigned long port = 0;
  try {
    port = std::stoul(listen.substr(colon + 1));
  } catch (const std::exception&) {
    return fail("--listen: bad port in " + listen);
  }
  if (port > 65535) return fail("--listen: bad port in " + listen);

  kubesim::Cluster cluster;
  cluster.at_capture_time = at_capture_time;
  auto stats = cluster.load(snapshot);
  if (!stats) return fail("cannot load snapshot: " + stats.error());
  std::fprintf(
      stderr, "kubesim: loaded %zu objects (%zu pods, %zu nodes, %zu events, %zu log files) from %s in %.2f s\n",
      stats->objects, stats->pods, stats->nodes, stats->events, stats->log_files, snapshot.c_str(), stats->seconds);

  std::FILE* log = nullptr;
  if (!request_log.empty()) {
    log = std::fopen(request_log.c_str(), "a");
    if (!log) return fail("cannot open request log " + request_log);
  }
  if (token.empty()) token = random_token();

  boost::asio::io_context io(1);
  std::unique_ptr<kubesim::Server> server;
  kubesim::ApiOptions options{token, deny_ssar, require_token, ""};
  kubesim::Api api(cluster, options);
  try {
    server = std::make_unique<kubesim::Server>(
        io, boost::asio::ip::tcp::endpoint(address, static_cast<unsigned short>(port)), api, cluster, log);
  } catch (const std::exception& e) {
    return fail("cannot listen on " + listen + ": " + e.what());
  }
  std::string hostport = (address.is_v6() ? "[" + host + "]" : host) + ":" + std::to_string(server->port());
  std::string url = "http://" + hostport;
  api.set_server_address(hostport);
  if (!kubeconfig.empty() && !write_kubeconfig(kubeconfig, url, token))
    return fail("cannot write kubeconfig " + kubeconfig);
  server->start();

  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code&, int sig) {
    std::fprintf(stderr, "kubesim: signal %d, stopping\n", sig);
    server->stop();
    io.stop();
  });
  std::cout << url << std::endl;
  io.run();
  if (log) std::fclose(log);
  return 0;
}
