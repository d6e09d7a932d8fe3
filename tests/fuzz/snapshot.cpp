// Snapshot loading into ClusterState: a snapshot directory (scripts/capture-snapshot, or any captured by hand) is
// read through make_snapshot_source; its files are JSON or YAML documents and lists of API objects, parsed into
// the typed objects every analyzer reads. The first byte picks where the rest goes: cluster/objects.json,
// cluster/objects.yaml, metrics/pods.yaml or scenario.yaml (beside a fixed pod).
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "tools/cluster/cluster_state.hpp"
#include "tools/cluster/source.hpp"
#include "tests/fuzz/fuzz.hpp"

namespace {

namespace fs = std::filesystem;

// One scratch snapshot directory per process, removed at exit.
const fs::path& directory() {
  static const fs::path dir = [] {
    std::string pattern = (fs::temp_directory_path() / "eks-fuzz-snapshot-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) std::abort();
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(directory(), ec);
    });
    return fs::path(pattern);
  }();
  return dir;
}

void write(const fs::path& path, std::string_view text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

constexpr std::string_view kPod = R"(apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: shop, uid: u1}
spec: {nodeName: n1, containers: [{name: web, image: web:1}]}
status: {phase: Running}
)";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string_view text = eks::fuzz::as_text(data + 1, size - 1);
  const fs::path& dir = directory();
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir / "cluster");
  switch (data[0] % 4) {
    case 0: write(dir / "cluster" / "objects.json", text); break;
    case 1: write(dir / "cluster" / "objects.yaml", text); break;
    case 2:
      write(dir / "cluster" / "pods.yaml", kPod);
      write(dir / "metrics" / "pods.yaml", text);
      break;
    default:
      write(dir / "cluster" / "pods.yaml", kPod);
      write(dir / "scenario.yaml", text);
      break;
  }
  auto source = eks::cluster::make_snapshot_source(dir.string());
  auto state = source->load(eks::cluster::LoadScope{});
  if (state) (void)state->canonical_summary().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return 0;
}
