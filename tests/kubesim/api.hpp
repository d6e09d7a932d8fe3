// The Kubernetes API over the simulated cluster, independent of the HTTP server: a request in, a response
// (or a watch to start) out. Paths, verbs, content negotiation, selectors, paging and Status errors.
#pragma once

#include <map>
#include <string>
#include <variant>
#include <vector>

#include "cluster.hpp"
#include "store.hpp"

namespace kubesim {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // decoded path without the query
  std::map<std::string, std::string> query;
  std::string accept, content_type, authorization, body;
};
// Splits "a=1&b=x%20y" into decoded pairs.
std::map<std::string, std::string> parse_query(std::string_view query);

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// A watch the server keeps open: events of `type` matching the namespace and selectors.
struct WatchSpec {
  const ResourceType* type = nullptr;
  std::string ns;
  LabelSelector labels;
  FieldSelector fields;
  std::vector<std::string> initial;  // event lines to send first
  int timeout_seconds = 1800;
  bool matches(const ResourceType& t, const json& object) const;
};

struct ApiOptions {
  std::string token;       // the bearer token clients must present
  bool deny_ssar = false;  // answer selfsubjectaccessreviews with allowed: false
  // client-go (kubectl, kubernetes-mcp-server) sends kubeconfig credentials only over TLS, so over this
  // plain-HTTP loopback server a request without Authorization is accepted unless require_token is set;
  // a request presenting a wrong token is always refused.
  bool require_token = false;
  std::string server_address;  // host:port, for APIVersions
};

class Api {
 public:
  Api(Cluster& cluster, ApiOptions options) : cluster_(cluster), options_(std::move(options)) {}

  const std::string& token() const { return options_.token; }
  // The address clients reach this server at (known once bound), for APIVersions.
  void set_server_address(std::string address) { options_.server_address = std::move(address); }

  std::variant<Response, WatchSpec> handle(const Request& request);

  // One line of a watch stream: {"type":"MODIFIED","object":{...}}\n
  static std::string watch_line(const std::string& type, const json& object);

 private:
  Response discovery(const Request& r);
  std::variant<Response, WatchSpec> resource(const Request& r, const std::string& group, const std::string& version,
                                             std::vector<std::string> segments);
  Response list(const Request& r, const ResourceType& t, const std::string& ns);
  Response get(const Request& r, const ResourceType& t, const std::string& ns, const std::string& name);
  Response write(const Request& r, const ResourceType& t, const std::string& ns, const std::string& name,
                 const std::string& sub);
  Response pod_log(const Request& r, const std::string& ns, const std::string& name);
  Response metrics(const Request& r, const ResourceType& t, const std::string& ns, const std::string& name);
  Response review(const Request& r, const ResourceType& t);

  Cluster& cluster_;
  ApiOptions options_;
};

}  // namespace kubesim
