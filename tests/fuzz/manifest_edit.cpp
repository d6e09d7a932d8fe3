// The manifest line editor behind configuration pull requests: the file comes from a GitHub repository (whatever
// is on the branch), and edit_manifest / edit_values change one workload's image and resources line by line.
// The first byte picks the change and the editor. Property: an edit of a file that reads as YAML reads as YAML
// too, and holds the new value.
#include <array>
#include <string>

#include "safety/yaml_json.hpp"
#include "tools/incidents/manifest_edit.hpp"
#include "tests/fuzz/fuzz.hpp"

namespace {

using eks::incidents::ManifestChange;

const std::array<ManifestChange, 3>& changes() {
  static const std::array<ManifestChange, 3> all = {
      ManifestChange{.kind = "Deployment",
                     .name = "web",
                     .ns = "shop",
                     .container = "web",
                     .image = "registry.example/web:1.2.4",
                     .limits = {{"memory", "384Mi"}},
                     .requests = {}},
      ManifestChange{.kind = "StatefulSet",
                     .name = "db",
                     .ns = "",
                     .container = "postgres",
                     .image = std::nullopt,
                     .limits = {{"cpu", "2"}, {"memory", "4Gi"}},
                     .requests = {{"cpu", "500m"}}},
      ManifestChange{.kind = "DaemonSet",
                     .name = "agent",
                     .ns = "kube-system",
                     .container = "agent",
                     .image = "agent:7",
                     .limits = {},
                     .requests = {{"memory", "64Mi"}}},
  };
  return all;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string text(eks::fuzz::as_text(data + 1, size - 1));
  const ManifestChange& change = changes()[(data[0] & 0x0f) % changes().size()];
  const bool values = data[0] & 0x10;
  static const std::array<std::string, 3> kKeys = {"", "renderer", "api.main"};
  const auto edited = values ? eks::incidents::edit_values(text, kKeys[(data[0] >> 5) % kKeys.size()], change)
                             : eks::incidents::edit_manifest(text, change);
  if (!edited) return 0;
  // A values file may take the image as image.tag (and image.repository): only a manifest holds it whole.
  if (change.image && !values) {
    eks::fuzz::check(edited->find(*change.image) != std::string::npos, "the edit holds the new image", *edited);
  }
  if (eks::safety::yaml::parse_all(text)) {
    eks::fuzz::check(eks::safety::yaml::parse_all(*edited).has_value(), "an edited YAML file still reads", *edited);
  }
  return 0;
}
