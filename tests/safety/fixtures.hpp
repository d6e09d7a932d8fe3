#pragma once
// What the safety tests share: a scratch directory, an auto-mode policy, and the facts of a quiet cluster.
#include <stdlib.h>

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

#include "safety/policy.hpp"
#include "safety/validator.hpp"

namespace eks::test_fixtures {

using safety::ClusterFacts;
using safety::parse_policy;
using safety::Policy;

// A fresh directory under /tmp (test scratch space; the state directory's defaults are never /tmp), removed with it.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/eks-safety-test-XXXXXX";
    path_ = ::mkdtemp(pattern);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// The built-in policy in auto mode, with `extra` policy YAML over it.
inline Policy auto_policy(const std::string& extra = "") {
  auto p = parse_policy("mode: auto\n" + extra, "test");
  if (!p) throw std::runtime_error(p.error());
  return *p;
}

// The facts of a quiet cluster: nothing failing, so only the rule under test can stop an auto-approved change.
inline ClusterFacts known_facts() {
  ClusterFacts facts;
  facts.failing_pods = [](const std::string&) { return std::optional<int>(0); };
  return facts;
}

}  // namespace eks::test_fixtures
