#pragma once
// The incident desk: one GitHub issue per incident. open() finds the incident's issue through GitHub's own
// search (its fingerprint label, confirmed by the body's marker), so the answer holds across restarts and
// replicas: an open issue gets a timeline comment, a closed one is reopened within the reopen window, and
// otherwise a new issue links the old one. Calls for one fingerprint in one process run one at a time, so ten
// concurrent opens create one issue. Everything sent is redacted first.
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "safety/redactor.hpp"
#include "tools/incidents/github.hpp"
#include "tools/incidents/incident.hpp"

namespace eks::incidents {

struct DeskOptions {
  Repo repository;                                   // where incidents are filed
  std::string cluster;                               // part of every fingerprint
  std::chrono::hours reopen_window{72};              // a closed incident this recent is reopened, not filed anew
  std::shared_ptr<const safety::Redactor> redactor;  // null: the built-in patterns only
  std::function<std::chrono::system_clock::time_point()> clock = [] { return std::chrono::system_clock::now(); };
  // Configuration pull requests: where manifests live (globs of owner/repo, searched with search_code), the
  // files known for workloads ("Deployment/payments/api" -> "owner/repo/path/to/file.yaml"), the base branch.
  std::vector<std::string> manifest_repositories;
  std::map<std::string, std::string> manifest_paths;
  std::string manifest_branch = "main";
  // Application repositories (globs) analyze_pod_logs searches for a log line's text, with the manifest ones.
  std::vector<std::string> code_repositories;
};

struct Opened {
  int issue_number = 0;
  std::string url;
  std::string action;  // created | commented | reopened
  std::string fingerprint;
  std::optional<int> previous;  // a closed issue the new one links
};

struct Incident {
  int issue_number = 0;
  std::string url;
  std::string title;
  std::string state;
  std::string fingerprint;
  std::vector<std::string> labels;
};

class Desk {
 public:
  Desk(GitHub github, DeskOptions options) : github_(std::move(github)), options_(std::move(options)) {}

  // Files or updates the incident of `finding` (schemas/finding.schema.json).
  GitHubResult<Opened> open(const Json& finding, const std::string& severity, const std::vector<PlanRecord>& plans,
                            const std::string& extra);
  // A status change: a comment, the status label, and for resolved the issue closed (investigating and
  // mitigated reopen a closed one). `number` or `fingerprint` names the incident.
  GitHubResult<Incident> update(std::optional<int> number, const std::string& fingerprint, const std::string& status,
                                const std::string& note);
  // Our incidents (the eks-sre-mcp label): open, closed or all.
  GitHubResult<std::vector<Incident>> list(const std::string& state);

  std::string fingerprint_of(const Json& finding) const;
  const DeskOptions& options() const { return options_; }
  const GitHub& github() const { return github_; }

 private:
  GitHubResult<std::optional<Issue>> find(const std::string& fingerprint);
  std::string redact(std::string text) const;
  std::shared_ptr<std::mutex> lock_for(const std::string& fingerprint);

  GitHub github_;
  DeskOptions options_;
  std::mutex locks_mutex_;
  std::map<std::string, std::shared_ptr<std::mutex>> locks_;
};

// The fingerprint in an issue's labels ("fp:inc-…"), or "".
std::string fingerprint_in(const std::vector<std::string>& labels);

}  // namespace eks::incidents
