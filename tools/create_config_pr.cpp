// create_config_pr: a remediation plan's change (set_resources, rollback_image) as a pull request in the manifests
// repository, so the fix survives the next deploy. The manifest is the configured file for the workload, or the
// one file search_code finds defining it; only the changed fields' lines are edited; the branch is our own
// (github.branch_prefix), the pull request carries the plan and its evidence, and nothing is ever merged.
#include <string>
#include <tuple>

#include "tools/incidents/code_search.hpp"
#include "tools/incidents/manifest_edit.hpp"
#include "tools/toolset.hpp"

namespace eks::tools {
namespace {

struct PrQuery {
  std::string plan_id;
};

void from_json(const nlohmann::json& j, PrQuery& q) { server::required_argument(j, "plan_id", q.plan_id); }

struct Opened {
  incidents::GitHub::PullRequest pr;
  std::string repository;
  std::string path;
  std::string branch;
  std::string base;
  std::vector<std::string> changes;
};

void to_json(nlohmann::json& j, const Opened& o) {
  j = {{"pull_request_number", o.pr.number},
       {"url", o.pr.url},
       {"repository", o.repository},
       {"path", o.path},
       {"branch", o.branch},
       {"base", o.base},
       {"changes", o.changes}};
}

std::string render_text(const Opened& o) {
  std::string text = "Opened pull request " + o.repository + "#" + std::to_string(o.pr.number) + " (" + o.pr.url +
                     ") from " + o.branch + " into " + o.base + ", changing " + o.path + ":\n";
  for (const auto& c : o.changes) text += "- " + c + "\n";
  return text + "A human reviews and merges it; nothing is merged automatically.\n";
}

// The manifest edits a plan's action stands for; an action of another type has none.
std::vector<incidents::ManifestChange> changes_of(const remediation::Action& a, std::vector<std::string>& described) {
  std::vector<incidents::ManifestChange> out;
  const auto& p = a.params;
  auto base = [&](const std::string& container) {
    return incidents::ManifestChange{a.target.kind, a.target.name, a.target.ns, container, std::nullopt, {}, {}};
  };
  if (a.type == "rollback_image" && p.contains("image_after")) {
    auto c = base(p.value("container", ""));
    c.image = p.value("image_after", "");
    described.push_back("container " + c.container + ": image " + p.value("image_before", "") + " -> " + *c.image);
    out.push_back(std::move(c));
  } else if (a.type == "set_resources" && p.contains("memory_limit_after")) {
    auto c = base(p.value("container", ""));
    c.limits["memory"] = p.value("memory_limit_after", "");
    described.push_back("container " + c.container + ": memory limit " + p.value("memory_limit_before", "") + " -> " +
                        c.limits["memory"]);
    out.push_back(std::move(c));
  } else if (a.type == "set_resources" && p.contains("changes") && p["changes"].is_array()) {
    for (const auto& ch : p["changes"]) {
      auto c = base(ch.value("container", ""));
      if (ch.contains("after") && ch["after"].is_object()) {  // a right-sizing plan: each value that changes
        const auto& before = ch.value("before", nlohmann::json::object());
        for (const auto& [field, list, resource] :
             {std::tuple{"cpu_request", &c.requests, "cpu"}, std::tuple{"cpu_limit", &c.limits, "cpu"},
              std::tuple{"memory_request", &c.requests, "memory"}, std::tuple{"memory_limit", &c.limits, "memory"}}) {
          const auto& value = ch["after"].value(field, nlohmann::json());
          if (!value.is_string() || before.value(field, nlohmann::json()) == value) continue;
          (*list)[resource] = value.get<std::string>();
          described.push_back("container " + c.container + ": " + std::string(resource) +
                              (list == &c.requests ? " request -> " : " limit -> ") + value.get<std::string>());
        }
        out.push_back(std::move(c));
        continue;
      }
      const nlohmann::json after = ch.value("requests_after", nlohmann::json::object());
      for (const auto& [resource, value] : after.items()) {
        c.requests[resource] = value.get<std::string>();
        described.push_back("container " + c.container + ": " + resource + " request -> " + value.get<std::string>());
      }
      out.push_back(std::move(c));
    }
  }
  return out;
}

// The manifest file: the configured one, else the only file of a manifest repository that search_code finds
// defining the workload and that edits cleanly.
struct Located {
  incidents::Repo repo;
  incidents::GitHub::File file;
  std::string edited;
};

server::Result<Located> locate(const incidents::Desk& desk, const remediation::Target& target,
                               const std::vector<incidents::ManifestChange>& changes) {
  const auto& o = desk.options();
  const incidents::GitHub& github = desk.github();
  // Every change of the plan applied to a manifest, or to a Helm values file under `values_key`.
  auto edit_all = [&](const std::string& text,
                      const std::optional<std::string>& values_key) -> tl::expected<std::string, std::string> {
    tl::expected<std::string, std::string> edited = text;
    for (const auto& c : changes) {
      if (!edited) break;
      edited = values_key ? incidents::edit_values(*edited, *values_key, c) : incidents::edit_manifest(*edited, c);
    }
    return edited;
  };
  const std::string key = remediation::key_of(target);
  if (const auto it = o.manifest_paths.find(key); it != o.manifest_paths.end()) {
    // "owner/repo/path/file.yaml", or "owner/repo/chart/values.yaml#key.path" for a Helm values file.
    const auto hash = it->second.find('#');
    const std::string location = it->second.substr(0, hash);
    const auto second = location.find('/', location.find('/') + 1);
    const auto repo = incidents::parse_repo(location.substr(0, second));
    if (!repo || second == std::string::npos)
      return server::tool_error("github.manifest_paths[" + key + "] must be owner/repo/path[#values.key], got " +
                                it->second);
    auto file = github.get_file(*repo, location.substr(second + 1), o.manifest_branch);
    if (!file) return server::tool_error("create_config_pr could not read " + location + ": " + file.error().message);
    auto edited =
        edit_all(file->content, hash == std::string::npos ? std::nullopt : std::optional(it->second.substr(hash + 1)));
    if (!edited) return server::tool_error("create_config_pr cannot edit " + it->second + ": " + edited.error());
    return Located{*repo, std::move(*file), std::move(*edited)};
  }
  std::vector<Located> found;
  std::vector<std::string> tried;
  for (const auto& pattern : o.manifest_repositories) {
    auto hits =
        github.search_code("\"" + target.name + "\" \"kind: " + target.kind + "\" " + incidents::search_scope(pattern));
    if (!hits) return server::tool_error("create_config_pr could not search the manifests: " + hits.error().message);
    for (const auto& hit : *hits) {
      const auto repo = incidents::parse_repo(hit.repository);
      if (!repo || !incidents::in_scope(pattern, hit.repository)) continue;
      if (hit.path.size() < 5 ||
          (hit.path.substr(hit.path.size() - 5) != ".yaml" && hit.path.substr(hit.path.size() - 4) != ".yml"))
        continue;
      auto file = github.get_file(*repo, hit.path, o.manifest_branch);
      if (!file) continue;
      auto edited = edit_all(file->content, std::nullopt);
      tried.push_back(hit.repository + "/" + hit.path + (edited ? "" : " (" + edited.error() + ")"));
      if (edited) found.push_back(Located{*repo, std::move(*file), std::move(*edited)});
    }
  }
  if (found.size() == 1) return std::move(found.front());
  if (found.empty()) {
    return server::tool_error("create_config_pr found no manifest of " + key + " it can edit in " +
                              nlohmann::json(o.manifest_repositories).dump() +
                              (tried.empty() ? std::string(" (search_code found no YAML file naming it)")
                                             : "; tried: " + nlohmann::json(tried).dump()) +
                              ". Name the file in github.manifest_paths.");
  }
  std::string where;
  for (const auto& f : found) where += " " + f.repo.full() + "/" + f.file.path;
  return server::tool_error("create_config_pr found " + key + " in several manifests (" + where.substr(1) +
                            "); name the right one in github.manifest_paths");
}

server::Result<Opened> run(const Services& services, const PrQuery& query, server::CallContext& context) {
  if (!services.plans) return server::tool_error("create_config_pr has no plan store configured");
  const auto found = services.plans->find(query.plan_id);
  if (!found) return server::tool_error("create_config_pr could not read its plans: " + found.error());
  if (!*found) return server::tool_error("there is no plan " + query.plan_id + "; call propose_remediation first");
  const remediation::Plan& plan = **found;
  std::vector<std::string> described;
  std::vector<incidents::ManifestChange> changes;
  const remediation::Action* action = nullptr;
  for (const auto& a : plan.actions) {
    auto c = changes_of(a, described);
    if (c.empty()) continue;
    action = &a;
    changes = std::move(c);
    break;
  }
  if (!action)
    return server::tool_error("plan " + plan.plan_id +
                              " changes no manifest field: only set_resources and rollback_image plans become "
                              "configuration pull requests");
  auto desk = services.incidents();
  if (!desk) return server::tool_error("create_config_pr cannot reach GitHub: " + desk.error());
  context.progress(0, 4, "finding the manifest of " + remediation::key_of(action->target));
  auto located = locate(**desk, action->target, changes);
  if (!located) return tl::unexpected(located.error());
  const auto& github = (*desk)->github();
  const std::string base = (*desk)->options().manifest_branch;
  const std::string branch = services.policy.github.branch_prefix + plan.plan_id;
  const std::string path = located->file.path;
  context.progress(1, 4, "branch " + branch);
  if (auto made = github.create_branch(located->repo, branch, base); !made)
    return server::tool_error("create_config_pr could not create branch " + branch + " in " + located->repo.full() +
                              ": " + made.error().message);
  context.progress(2, 4, "commit " + path);
  const std::string message =
      "eks-sre-mcp: " + plan.summary + "\n\nPlan " + plan.plan_id + " for finding " + plan.finding_id + ".";
  if (auto put = github.put_file(located->repo, path, located->edited, message, branch, located->file.sha); !put)
    return server::tool_error("create_config_pr could not commit " + path + ": " + put.error().message);
  context.progress(3, 4, "pull request");
  std::string body = "This pull request makes the change of remediation plan `" + plan.plan_id +
                     "` in the manifest, so that it survives the next deploy.\n\n**" + plan.summary + "**\n\n";
  for (const auto& d : described) body += "- " + d + "\n";
  body += "\nFinding: `" + plan.finding_id + "` (" + plan.subject + ")\n\nExpected effect: " + plan.expected_effect +
          "\n\nRollback: " + plan.rollback + "\n\nOpened by eks-sre-mcp; review and merge it yourself.\n";
  const std::string title = "eks-sre-mcp: " + plan.summary;
  auto pr = github.create_pull_request(located->repo, title.substr(0, 250), body, branch, base);
  if (!pr) return server::tool_error("create_config_pr could not open the pull request: " + pr.error().message);
  context.progress(4, 4, "done");
  return Opened{*pr, located->repo.full(), path, branch, base, described};
}

}  // namespace

server::ToolDef create_config_pr_tool(const Services& services) {
  return server::ToolDef{
      .name = "create_config_pr",
      .title = "Remediation: configuration pull request",
      .description =
          "Turn a remediation plan (set_resources or rollback_image, from propose_remediation) into a pull request "
          "in the manifests repository, so the fix survives the next deploy. Finds the workload's manifest (the "
          "configured path, else the one YAML file search_code finds defining it in the manifest repositories), "
          "edits only the changed fields (comments and other documents untouched), commits on a branch of its "
          "own and opens the pull request with the plan and its evidence. Never merges. A manifest it cannot find "
          "or edit unambiguously is an error, and no pull request is opened.",
      .input_schema = "create_config_pr.input",
      .output_schema = "create_config_pr.output",
      .annotations = {.read_only = false, .destructive = false, .idempotent = false, .open_world = true},
      .safety = server::SafetyClass::mutating,
      .handler = server::typed<PrQuery, Opened>(
          [&services](const PrQuery& query, server::CallContext& context) { return run(services, query, context); }),
  };
}

}  // namespace eks::tools
