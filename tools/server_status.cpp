// server_status: is the server healthy, which protocol is it speaking, which upstreams are connected.
#include <ctime>
#include <sstream>

#include "tools/toolset.hpp"

namespace eks::tools {
namespace {

struct Status {
  nlohmann::json value;
};
void to_json(nlohmann::json& j, const Status& s) { j = s.value; }

std::string render_text(const Status& s) {
  const auto& v = s.value;
  std::ostringstream out;
  out << "**" << v["server"]["name"].get<std::string>() << " " << v["server"]["version"].get<std::string>()
      << "** — up " << static_cast<long long>(v["uptime_seconds"].get<double>()) << " s, mode `"
      << v["mode"].get<std::string>() << "`, " << v["tools"].get<std::size_t>() << " tools\n";
  out << "- protocol: " << v["protocol"]["version"].get<std::string>() << " ("
      << v["protocol"]["era"].get<std::string>() << " era)\n";
  if (v["upstreams"].empty()) {
    out << "- upstreams: none configured\n";
  } else {
    for (const auto& u : v["upstreams"]) {
      out << "- upstream " << u["name"].get<std::string>() << " (" << u["transport"].get<std::string>()
          << "): " << u["state"].get<std::string>();
      if (u.contains("detail")) out << " — " << u["detail"].get<std::string>();
      out << "\n";
    }
  }
  if (v.contains("agents")) {
    const auto& a = v["agents"];
    out << "- subagents: provider " << a["provider"].get<std::string>() << ", " << a["investigations"].get<int>()
        << " investigations (" << a["answered"].get<int>() << " answered), " << a["tokens"]["total"].get<long long>()
        << " tokens, ~$" << a["cost_usd_estimate"].get<double>() << "\n";
  }
  return out.str();
}

std::string rfc3339(std::chrono::system_clock::time_point t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

server::Result<Status> run(const Services& services, const server::NoInput&, server::CallContext& context) {
  const std::chrono::duration<double> uptime = std::chrono::steady_clock::now() - services.started;
  nlohmann::json protocol{{"era", context.era() == protocol::Era::stateless ? "stateless" : "handshake"},
                          {"version", context.protocol_version()}};
  if (context.client_info().is_object()) protocol["client"] = context.client_info();
  nlohmann::json status{
      {"server", {{"name", services.name}, {"version", services.version}}},
      {"protocol", std::move(protocol)},
      {"mode", services.mode},
      {"uptime_seconds", uptime.count()},
      {"started_at", rfc3339(services.started_at)},
      {"upstreams", services.upstreams()},
      {"tools", services.tool_count},
  };
  if (services.agents) status["agents"] = services.agents->stats();
  return Status{std::move(status)};
}

}  // namespace

server::ToolDef server_status_tool(const Services& services) {
  return server::ToolDef{
      .name = "server_status",
      .title = "Server: status",
      .description =
          "Report the health of the eks-sre-mcp server: its version, the MCP protocol version in use, the safety "
          "mode (read_only, propose or auto), uptime, and the connection state of each upstream MCP server "
          "(Kubernetes, GitHub), and the Claude subagents' provider, models and token use. Call it first when other "
          "tools fail, to see whether an upstream is down.",
      .input_schema = "server_status.input",
      .output_schema = "server_status.output",
      .annotations = {.read_only = true, .destructive = false, .idempotent = true, .open_world = false},
      .safety = server::SafetyClass::read_only,
      .handler = server::typed<server::NoInput, Status>(
          [&services](const server::NoInput& in, server::CallContext& ctx) { return run(services, in, ctx); }),
  };
}

}  // namespace eks::tools
