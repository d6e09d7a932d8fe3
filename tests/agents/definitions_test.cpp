// Agent definitions: the shipped five parse; a bad file is an error naming the file, the line and the key; a
// directory adds and overrides definitions by name.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "agents/definitions.hpp"

namespace eks::agents {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  TempDir()
      : path(fs::temp_directory_path() /
             ("agents-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++))) {
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  void write(const std::string& name, const std::string& text) const { std::ofstream(path / name) << text; }
  fs::path path;
  static inline int counter = 0;
};

const char* kGood =
    "---\n"
    "name: probe\n"
    "description: A test agent.\n"
    "model: haiku\n"
    "tools: kubernetes:pods_log, kubernetes:events_list\n"
    "max_turns: 3\n"
    "---\n"
    "You probe.\n";

TEST(Definitions, ShipsFiveAgentsWithPromptsModelsAndReadOnlyDiagnosticTools) {
  auto all = load_definitions("");
  ASSERT_TRUE(all) << all.error();
  for (const char* name :
       {"k8s-diagnostics", "k8s-log-analyzer", "k8s-remediation", "k8s-cost-optimizer", "k8s-github"}) {
    ASSERT_TRUE(all->count(name)) << name;
    EXPECT_FALSE(all->at(name).system_prompt.empty()) << name;
    EXPECT_FALSE(all->at(name).tools.empty()) << name;
  }
  EXPECT_EQ(all->at("k8s-diagnostics").model, "haiku");
  EXPECT_EQ(all->at("k8s-cost-optimizer").model, "haiku");
  EXPECT_EQ(all->at("k8s-log-analyzer").model, "sonnet");
  // The investigators never hold a tool that changes the cluster.
  for (const char* name : {"k8s-diagnostics", "k8s-log-analyzer", "k8s-cost-optimizer"}) {
    for (const auto& t : all->at(name).tools) {
      EXPECT_TRUE(t.tool.find("delete") == std::string::npos && t.tool.find("exec") == std::string::npos &&
                  t.tool.find("scale") == std::string::npos && t.tool.find("create") == std::string::npos)
          << name << " has " << t.tool;
    }
  }
}

TEST(Definitions, ParsesFrontMatterListsAndCommaStrings) {
  auto d = parse_definition(kGood, "probe.md");
  ASSERT_TRUE(d) << d.error();
  EXPECT_EQ(d->name, "probe");
  ASSERT_EQ(d->tools.size(), 2u);
  EXPECT_EQ(d->tools[0], (ToolRef{"kubernetes", "pods_log"}));
  EXPECT_EQ(d->tools[1], (ToolRef{"kubernetes", "events_list"}));
  EXPECT_EQ(d->max_turns, 3);
  EXPECT_EQ(d->max_output_tokens, 4096);
  EXPECT_EQ(d->system_prompt, "You probe.");
}

TEST(Definitions, BadKeysAreErrorsNamingFileLineAndKey) {
  struct Case {
    std::string text;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"---\nname: probe\ndescription: d\nmodel: haiku\nmax_turns: 0\n---\nbody\n", "probe.md:5: key \"max_turns\""},
      {"---\nname: probe\ndescription: d\nmodel: haiku\nmax_trns: 3\n---\nbody\n",
       "probe.md:5: key \"max_trns\": unknown key"},
      {"---\nname: probe\ndescription: d\nmodel: haiku\ntools: [pods_log]\n---\nbody\n", "probe.md:5: key \"tools\""},
      {"---\nname: Probe Agent\ndescription: d\nmodel: haiku\n---\nbody\n", "probe.md:2: key \"name\""},
      {"---\nname: probe\nmodel: haiku\n---\nbody\n", "key \"description\" is missing"},
      {"---\nname: probe\ndescription: d\nmodel: haiku\n---\n\n", "probe.md: the body (the system prompt) is empty"},
      {"name: probe\n", "probe.md:1: an agent definition starts with YAML front matter"},
      {"---\nname: probe\n", "probe.md:1: the front matter has no closing"},
      {"---\nname: [probe\n---\nbody\n", "probe.md"},
  };
  for (const auto& c : cases) {
    auto d = parse_definition(c.text, "probe.md");
    ASSERT_FALSE(d) << c.text;
    EXPECT_NE(d.error().find(c.expected), std::string::npos) << d.error() << "\nexpected: " << c.expected;
  }
}

TEST(Definitions, DirectoryAddsAndOverridesByName) {
  TempDir dir;
  dir.write("probe.md", kGood);
  dir.write("diag.md", std::string(kGood).replace(std::string(kGood).find("probe"), 5, "k8s-diagnostics"));
  dir.write("notes.txt", "ignored");
  auto all = load_definitions(dir.path.string());
  ASSERT_TRUE(all) << all.error();
  EXPECT_EQ(all->size(), 6u);
  EXPECT_EQ(all->at("k8s-diagnostics").source, (dir.path / "diag.md").string());
  EXPECT_EQ(all->at("k8s-diagnostics").tools.size(), 2u);
  EXPECT_TRUE(all->count("probe"));
}

TEST(Definitions, ABadFileInTheDirectoryNamesTheFile) {
  TempDir dir;
  dir.write("broken.md", "---\nname: x\ndescription: d\nmodel: haiku\nmax_output_tokens: lots\n---\nbody\n");
  auto all = load_definitions(dir.path.string());
  ASSERT_FALSE(all);
  EXPECT_NE(all.error().find((dir.path / "broken.md").string() + ":5: key \"max_output_tokens\""), std::string::npos)
      << all.error();
  EXPECT_FALSE(load_definitions((dir.path / "missing").string()));
}

}  // namespace
}  // namespace eks::agents
