#pragma once
// Edits a Kubernetes manifest file as a person would: only the lines of the changed fields, in the one YAML
// document that defines the workload, so comments, key order, quoting and the other documents stay as they
// were (a parse and re-serialisation would lose them). Block-style YAML only: a manifest whose container or
// resources are written in flow style ({...}) or that holds the workload twice is refused, never guessed at.
#include <map>
#include <optional>
#include <string>

#include <tl/expected.hpp>

namespace eks::incidents {

struct ManifestChange {
  std::string kind;  // Deployment | StatefulSet | DaemonSet
  std::string name;
  std::string ns;  // a document that names no namespace matches any
  std::string container;
  std::optional<std::string> image;
  std::map<std::string, std::string> limits;  // resource -> quantity ("memory" -> "384Mi")
  std::map<std::string, std::string> requests;
};

// The edited text, or why it cannot be edited unambiguously (the workload is not in the file, twice, the
// container is missing, flow style ...).
tl::expected<std::string, std::string> edit_manifest(const std::string& text, const ManifestChange& change);

// The same change in a Helm values file, under the block at `key_path` ("renderer", "api.main"; empty: the top
// level) laid out as charts conventionally do: `resources.limits.memory`, `resources.requests.cpu`, and the
// image as `image.tag` (with `image.repository` when the repository changes too) or a plain `image:` string.
tl::expected<std::string, std::string> edit_values(const std::string& text, const std::string& key_path,
                                                   const ManifestChange& change);

}  // namespace eks::incidents
