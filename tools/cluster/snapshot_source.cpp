// SnapshotSource: a snapshot directory (examples/scenarios/README.md) read into a ClusterState, and its logs
// served the way the API server's pods/log does (same errors, timestamps stripped unless asked for).
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <sstream>
#include <thread>

#include "safety/yaml_json.hpp"
#include "tools/cluster/source.hpp"

namespace eks::cluster {
namespace {

namespace fs = std::filesystem;

tl::expected<std::string, std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return tl::unexpected("cannot read " + path.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A document's kind, "" when it has none or one that is not a string: value() would throw on a file whose kind is
// a mapping or a number.
std::string kind_of(const Json& doc) {
  const auto it = doc.find("kind");
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool is_list(const Json& doc) {
  if (!doc.is_object() || !doc.contains("items") || !doc["items"].is_array()) return false;
  const std::string kind = kind_of(doc);
  return kind.size() >= 4 && kind.ends_with("List");
}

// Adds one document: an object, or every item of a list (kind: List or a typed list such as PodList, whose
// items may leave kind and apiVersion off).
void add_document(ClusterState& part, const LoadScope& scope, const Json& doc) {
  auto take = [&](const Json& object) {
    if (object.is_object() && in_scope(scope, object)) part.add(object);
  };
  if (!is_list(doc)) return take(doc);
  const std::string list_kind = kind_of(doc);
  const std::string item_kind = list_kind == "List" ? std::string() : list_kind.substr(0, list_kind.size() - 4);
  for (const auto& item : doc["items"]) {
    if (!item.is_object()) continue;
    if (item.contains("kind") || item_kind.empty()) {
      take(item);
    } else {
      Json copy = item;
      copy["kind"] = item_kind;
      if (doc.contains("apiVersion") && !copy.contains("apiVersion")) copy["apiVersion"] = doc["apiVersion"];
      take(copy);
    }
  }
}

// One file of the snapshot read into its own part: JSON for *.json, else YAML (one or more documents). A JSON
// list is added item by item as the parser completes each one and the item is dropped at once, so the file's
// whole DOM never exists (events.json of 50,000 events is 43 MB of text but ~400 MB as a DOM). A file that does
// not parse adds nothing: its error becomes a warning.
tl::expected<ClusterState, std::string> read_part(const fs::path& path, const LoadScope& scope) {
  ClusterState part;
  if (path.extension() == ".json") {
    // Parsed from the stream: the text is not held either.
    std::ifstream in(path, std::ios::binary);
    if (!in) return tl::unexpected("cannot read " + path.string());
    std::string key;
    bool in_items = false;
    Json doc = Json::parse(
        in,
        [&](int depth, Json::parse_event_t event, Json& parsed) {
          if (depth == 1 && event == Json::parse_event_t::key) key = parsed.get<std::string>();
          else if (depth == 1 && event == Json::parse_event_t::array_start) in_items = key == "items";
          else if (depth == 1 && event == Json::parse_event_t::array_end) in_items = false;
          else if (depth == 2 && in_items && event == Json::parse_event_t::object_end && parsed.contains("kind")) {
            if (in_scope(scope, parsed)) part.add(parsed);
            return false;  // dropped from the DOM
          }
          return true;
        },
        false);
    if (doc.is_discarded()) return tl::unexpected(path.string() + ": not valid JSON");
    add_document(part, scope, doc);  // the top-level object, or the items that had no kind
    return part;
  }
  auto text = read_file(path);
  if (!text) return tl::unexpected(text.error());
  auto docs = safety::yaml::parse_all(*text);
  if (!docs) return tl::unexpected(path.string() + ": " + docs.error());
  for (const auto& doc : *docs) add_document(part, scope, doc);
  return part;
}

// A Kubernetes name or namespace: nothing that could leave the logs directory.
bool safe_path_part(const std::string& s) {
  if (s.empty() || s == "." || s == ".." || s.size() > 253) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_';
  });
}

class SnapshotSource final : public ClusterSource {
 public:
  explicit SnapshotSource(std::string dir) : dir_(std::move(dir)) {}

  std::string describe() const override { return "snapshot:" + dir_; }

  tl::expected<ClusterState, std::string> load(const LoadScope& scope, const ProgressFn& progress) override {
    const fs::path root(dir_);
    std::error_code ec;
    if (!fs::is_directory(root / "cluster", ec))
      return tl::unexpected("not a snapshot directory (no cluster/ folder): " + dir_);

    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(root / "cluster", ec)) {
      const auto ext = entry.path().extension();
      if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml" || ext == ".json")) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    std::vector<fs::path> metric_files;
    if (scope.metrics)
      for (const char* m : {"pods.yaml", "nodes.yaml"})
        if (fs::is_regular_file(root / "metrics" / m, ec)) metric_files.push_back(root / "metrics" / m);

    const int total = static_cast<int>(files.size() + metric_files.size()) + 1;
    std::mutex progress_mutex;
    int done = 0;
    auto step = [&](const std::string& what) {
      if (!progress) return;
      std::lock_guard lock(progress_mutex);
      progress(LoadProgress{++done, total, what});
    };

    // Read the files in parallel, each into its own part, then join the parts in file order.
    std::vector<fs::path> all = files;
    all.insert(all.end(), metric_files.begin(), metric_files.end());
    std::vector<ClusterState> parts(all.size());
    std::atomic<std::size_t> next{0};
    const unsigned workers =
        std::max(1u, std::min<unsigned>(std::thread::hardware_concurrency(),
                                        static_cast<unsigned>(std::min<std::size_t>(all.size(), 8))));
    std::vector<std::future<void>> pool;
    for (unsigned w = 0; w < workers; ++w) {
      pool.push_back(std::async(std::launch::async, [&] {
        for (std::size_t i = next++; i < all.size(); i = next++) {
          auto part = read_part(all[i], scope);
          if (!part) {
            parts[i].warnings.push_back(part.error());
          } else {
            parts[i] = std::move(*part);
            // A metrics file that reads means the metrics API is "available", even if it lists nothing.
            if (i >= files.size() && all[i].filename() == "pods.yaml" && !parts[i].pod_metrics)
              parts[i].pod_metrics.emplace();
            if (i >= files.size() && all[i].filename() == "nodes.yaml" && !parts[i].node_metrics)
              parts[i].node_metrics.emplace();
          }
          step(all[i].parent_path().filename().string() + "/" + all[i].filename().string());
        }
      }));
    }
    for (auto& f : pool) f.get();

    ClusterState state;
    state.source = describe();
    state.now = scenario_now().value_or(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
    state.append(std::move(parts));
    // A snapshot can list Secrets (their data is dropped on add): with none in it, the cluster has none.
    if (scope.wants("Secret") && !state.secrets) state.secrets.emplace();
    state.build_indexes();
    // A capture without scenario.yaml's now is aged from its own newest heartbeat once it is old.
    if (!scenario_now()) state.now = cluster_clock(state, state.now);
    step("index");
    return state;
  }

  tl::expected<std::string, std::string> logs(const LogRequest& req) override {
    if (!safe_path_part(req.ns) || !safe_path_part(req.pod))
      return tl::unexpected("invalid namespace or pod name: \"" + req.ns + "/" + req.pod + "\"");
    auto state = cached_state();
    if (!state) return tl::unexpected(state.error());
    const Pod* pod = (*state)->pod(req.ns, req.pod);
    if (!pod) return tl::unexpected("pods \"" + req.pod + "\" not found in namespace " + req.ns);
    std::string container = req.container;
    if (container.empty()) {
      if (pod->spec.containers.size() != 1) {
        std::string names;
        for (const auto& c : pod->spec.containers) names += (names.empty() ? "" : " ") + c.name;
        return tl::unexpected("a container name must be specified for pod " + req.pod + ", choose one of: [" + names +
                              "]");
      }
      container = pod->spec.containers.front().name;
    }
    const bool known = std::any_of(pod->spec.containers.begin(), pod->spec.containers.end(),
                                   [&](const Container& c) { return c.name == container; }) ||
                       std::any_of(pod->spec.init_containers.begin(), pod->spec.init_containers.end(),
                                   [&](const Container& c) { return c.name == container; });
    if (!known || !safe_path_part(container))
      return tl::unexpected("container " + container + " is not valid for pod " + req.pod);

    const fs::path file =
        fs::path(dir_) / "logs" / req.ns / req.pod / (container + (req.previous ? ".previous.log" : ".log"));
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) {
      if (req.previous)
        return tl::unexpected("previous terminated container \"" + container + "\" in pod \"" + req.pod +
                              "\" not found");
      if (const ContainerStatus* cs = pod->status_of(container); cs && cs->state && cs->state->state == "waiting") {
        std::string reason = cs->state->reason.value_or("ContainerCreating");
        if (reason == "ImagePullBackOff" || reason == "ErrImagePull") reason = "trying and failing to pull image";
        return tl::unexpected("container \"" + container + "\" in pod \"" + req.pod +
                              "\" is waiting to start: " + reason);
      }
      if (pod->phase == "Pending")
        return tl::unexpected("container \"" + container + "\" in pod \"" + req.pod +
                              "\" is waiting to start: ContainerCreating");
      return std::string();
    }
    auto text = read_file(file);
    if (!text) return tl::unexpected(text.error());
    return shape(*text, req, (*state)->now);
  }

 private:
  // The `now` of scenario.yaml, if any.
  std::optional<Time> scenario_now() const {
    auto text = read_file(fs::path(dir_) / "scenario.yaml");
    if (!text) return std::nullopt;
    auto docs = safety::yaml::parse_all(*text);
    if (!docs || docs->empty() || !(*docs)[0].is_object()) return std::nullopt;
    const Json& now = (*docs)[0].value("now", Json());
    return now.is_string() ? parse_time(now.get<std::string>()) : std::nullopt;
  }

  // Pods are needed to answer for logs (default container, waiting reasons): loaded once.
  tl::expected<std::shared_ptr<const ClusterState>, std::string> cached_state() {
    std::lock_guard lock(cache_mutex_);
    if (cache_) return cache_;
    LoadScope scope;
    scope.kinds = {"Pod"};
    scope.events = false;
    scope.metrics = false;
    auto state = load(scope, {});
    if (!state) return tl::unexpected(state.error());
    cache_ = std::make_shared<const ClusterState>(std::move(*state));
    return cache_;
  }

  // What the API's pods/log returns for these options: sinceSeconds, timestamps, tailLines.
  static std::string shape(const std::string& content, const LogRequest& req, Time now) {
    std::optional<Time> since;
    if (req.since_seconds) since = now - std::chrono::seconds(*req.since_seconds);
    std::vector<std::string_view> lines;
    std::string_view rest = content;
    while (!rest.empty()) {
      auto nl = rest.find('\n');
      std::string_view line = rest.substr(0, nl == std::string_view::npos ? rest.size() : nl + 1);
      rest.remove_prefix(line.size());
      const auto sp = line.find(' ');
      std::optional<Time> ts;
      if (sp != std::string_view::npos && sp >= 20 && sp <= 35) ts = parse_time(line.substr(0, sp));
      if (since && ts && *ts < *since) continue;
      if (!req.timestamps && ts) line.remove_prefix(sp + 1);
      lines.push_back(line);
    }
    if (req.tail_lines && *req.tail_lines >= 0 && lines.size() > static_cast<std::size_t>(*req.tail_lines))
      lines.erase(lines.begin(), lines.end() - *req.tail_lines);
    std::string out;
    for (auto l : lines) out += l;
    return out;
  }

  std::string dir_;
  std::mutex cache_mutex_;
  std::shared_ptr<const ClusterState> cache_;
};

}  // namespace

std::unique_ptr<ClusterSource> make_snapshot_source(std::string directory) {
  return std::make_unique<SnapshotSource>(std::move(directory));
}

}  // namespace eks::cluster
