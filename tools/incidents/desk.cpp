#include "tools/incidents/desk.hpp"

#include <algorithm>

namespace eks::incidents {
namespace {

const std::vector<std::string> kStatuses = {"investigating", "mitigated", "resolved"};

// The labels with every status:* replaced by `status`.
std::vector<std::string> with_status(std::vector<std::string> labels, const std::string& status) {
  labels.erase(
      std::remove_if(labels.begin(), labels.end(), [](const std::string& l) { return l.rfind("status:", 0) == 0; }),
      labels.end());
  labels.push_back("status:" + status);
  return labels;
}

Incident incident_of(const Issue& i) {
  return Incident{i.number, i.url, i.title, i.state, fingerprint_in(i.labels), i.labels};
}

}  // namespace

std::string fingerprint_in(const std::vector<std::string>& labels) {
  for (const auto& l : labels)
    if (l.rfind("fp:inc-", 0) == 0) return l.substr(3);
  return "";
}

std::string Desk::fingerprint_of(const Json& finding) const {
  return fingerprint(options_.cluster, finding.value("id", ""));
}

std::string Desk::redact(std::string text) const {
  static const safety::Redactor fallback;
  return (options_.redactor ? *options_.redactor : fallback).redact(std::move(text));
}

std::shared_ptr<std::mutex> Desk::lock_for(const std::string& fp) {
  std::lock_guard lock(locks_mutex_);
  auto& m = locks_[fp];
  if (!m) m = std::make_shared<std::mutex>();
  return m;
}

GitHubResult<std::optional<Issue>> Desk::find(const std::string& fp) {
  // Listing by label rather than the search API: the list is consistent at once (search is indexed a little
  // later, so a restart right after an issue was filed could miss it) and the label is exact. The marker
  // confirms (a label can be put on any issue by hand).
  auto found = github_.list_issues(options_.repository, "all", {fingerprint_label(fp)});
  if (!found) return tl::unexpected(found.error());
  std::optional<Issue> open, closed;
  for (auto& issue : *found) {
    if (!has_marker(issue.body, fp)) continue;
    if (issue.state == "open") {
      if (!open || issue.number < open->number) open = issue;  // the first one filed is the incident
    } else if (!closed || issue.number > closed->number) {
      closed = issue;  // the latest closed one
    }
  }
  if (open) return open;
  return closed;
}

GitHubResult<Opened> Desk::open(const Json& finding, const std::string& severity, const std::vector<PlanRecord>& plans,
                                const std::string& extra) {
  if (options_.repository.owner.empty())
    return tl::unexpected(
        GitHubError{"no incident repository is configured: set github.incident_repository (owner/repo)", false});
  const std::string fp = fingerprint_of(finding);
  const auto lock = lock_for(fp);
  std::lock_guard guard(*lock);
  const auto now = options_.clock();
  auto existing = find(fp);
  if (!existing) return tl::unexpected(existing.error());
  const Repo& repo = options_.repository;
  if (*existing && (*existing)->state == "open") {
    const Issue& issue = **existing;
    auto commented =
        github_.comment(repo, issue.number, redact(render_update(finding, plans, extra, "Seen again", now)));
    if (!commented) return tl::unexpected(commented.error());
    return Opened{issue.number, issue.url, "commented", fp, std::nullopt};
  }
  if (*existing && (*existing)->closed_at && now - *(*existing)->closed_at <= options_.reopen_window) {
    const Issue& issue = **existing;
    auto reopened = github_.update_issue(repo, issue.number, "open", with_status(issue.labels, "investigating"));
    if (!reopened) return tl::unexpected(reopened.error());
    auto commented =
        github_.comment(repo, issue.number, redact(render_update(finding, plans, extra, "Back again", now)));
    if (!commented) return tl::unexpected(commented.error());
    return Opened{issue.number, issue.url, "reopened", fp, std::nullopt};
  }
  IssueText text = render_issue(finding, fp, options_.cluster, severity, plans, extra, now);
  std::optional<int> previous;
  if (*existing) {
    previous = (*existing)->number;
    text.body += "\nThis incident happened before: #" + std::to_string(*previous) + " (closed).\n";
  }
  auto labels = labels_for(finding, fp, severity);
  labels.push_back("status:investigating");
  auto created = github_.create_issue(repo, redact(text.title), redact(text.body), labels);
  if (!created) return tl::unexpected(created.error());
  return Opened{created->number, created->url, "created", fp, previous};
}

GitHubResult<Incident> Desk::update(std::optional<int> number, const std::string& fp, const std::string& status,
                                    const std::string& note) {
  if (options_.repository.owner.empty())
    return tl::unexpected(
        GitHubError{"no incident repository is configured: set github.incident_repository (owner/repo)", false});
  if (std::find(kStatuses.begin(), kStatuses.end(), status) == kStatuses.end())
    return tl::unexpected(GitHubError{"status must be investigating, mitigated or resolved", false});
  const auto lock = lock_for(fp.empty() ? "#" + std::to_string(number.value_or(0)) : fp);
  std::lock_guard guard(*lock);
  std::optional<Issue> issue;
  if (number) {
    auto found = github_.get_issue(options_.repository, *number);
    if (!found) return tl::unexpected(found.error());
    if (std::find(found->labels.begin(), found->labels.end(), std::string(kIncidentLabel)) != found->labels.end())
      issue = *found;
    if (!issue)
      return tl::unexpected(GitHubError{"issue #" + std::to_string(*number) + " in " + options_.repository.full() +
                                            " is not an incident of eks-sre-mcp (it has no " +
                                            std::string(kIncidentLabel) + " label)",
                                        false});
  } else {
    auto found = find(fp);
    if (!found) return tl::unexpected(found.error());
    if (!*found)
      return tl::unexpected(GitHubError{"no incident with fingerprint " + fp + " in " + options_.repository.full() +
                                            " (list_incidents shows the known ones)",
                                        false});
    issue = **found;
  }
  std::string comment = "### Status: " + status + "\n";
  if (!note.empty()) comment += "\n" + note + "\n";
  if (auto c = github_.comment(options_.repository, issue->number, redact(comment)); !c)
    return tl::unexpected(c.error());
  const std::string state = status == "resolved" ? "closed" : "open";
  auto updated = github_.update_issue(options_.repository, issue->number, state, with_status(issue->labels, status));
  if (!updated) return tl::unexpected(updated.error());
  return incident_of(*updated);
}

GitHubResult<std::vector<Incident>> Desk::list(const std::string& state) {
  if (options_.repository.owner.empty())
    return tl::unexpected(
        GitHubError{"no incident repository is configured: set github.incident_repository (owner/repo)", false});
  auto listed = github_.list_issues(options_.repository, state, {std::string(kIncidentLabel)});
  if (!listed) return tl::unexpected(listed.error());
  std::vector<Incident> out;
  for (const auto& i : *listed) out.push_back(incident_of(i));
  return out;
}

}  // namespace eks::incidents
