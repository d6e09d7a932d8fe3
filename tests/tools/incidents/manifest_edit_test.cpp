// Manifest edits touch only the changed fields' lines of the one document that defines the workload.
#include "tools/incidents/manifest_edit.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace eks::incidents {
namespace {

const std::string kManifest = R"(# payments: the API and its worker
apiVersion: v1
kind: Service
metadata:
  name: payments-api
spec:
  selector: {app: payments-api}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: payments-api   # owned by team-payments
  namespace: payments
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: api
          image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments/api:3.2.0"
          resources:
            requests:
              memory: 256Mi   # measured peak 230Mi
              cpu: 100m
            limits:
              memory: 256Mi   # keep equal to the request
        - name: sidecar
          image: envoy:1.29
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: payments-worker
  namespace: payments
spec:
  template:
    spec:
      containers:
      - name: api
        image: worker:1.0
)";

// The lines of `after` that differ from `before`, with their numbers.
std::vector<std::string> changed(const std::string& before, const std::string& after) {
  std::vector<std::string> a, b, out;
  std::stringstream sa(before), sb(after);
  for (std::string l; std::getline(sa, l);) a.push_back(l);
  for (std::string l; std::getline(sb, l);) b.push_back(l);
  for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    const std::string x = i < a.size() ? a[i] : "<none>", y = i < b.size() ? b[i] : "<none>";
    if (x != y) out.push_back(std::to_string(i + 1) + ": " + y);
  }
  return out;
}

TEST(ManifestEdit, OnlyTheMemoryLimitLineOfTheRightDocumentChanges) {
  ManifestChange c{"Deployment", "payments-api", "payments", "api", std::nullopt, {{"memory", "384Mi"}}, {}};
  const auto edited = edit_manifest(kManifest, c);
  ASSERT_TRUE(edited) << edited.error();
  EXPECT_EQ(changed(kManifest, *edited),
            std::vector<std::string>{"26:               memory: 384Mi   # keep equal to the request"});
}

TEST(ManifestEdit, AnImageKeepsItsQuotesAndAnotherDocumentsContainerIsLeftAlone) {
  ManifestChange c{"Deployment",
                   "payments-api",
                   "",
                   "api",
                   "123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments/api:3.1.9",
                   {},
                   {}};
  const auto edited = edit_manifest(kManifest, c);
  ASSERT_TRUE(edited) << edited.error();
  EXPECT_EQ(changed(kManifest, *edited),
            std::vector<std::string>{
                "20:           image: \"123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments/api:3.1.9\""});
}

TEST(ManifestEdit, MissingResourceKeysAreAddedAtTheFilesIndentation) {
  ManifestChange c{"Deployment", "payments-worker", "payments", "api", std::nullopt, {{"memory", "512Mi"}}, {}};
  const auto edited = edit_manifest(kManifest, c);
  ASSERT_TRUE(edited) << edited.error();
  EXPECT_NE(edited->find("        image: worker:1.0\n        resources:\n          limits:\n            memory: 512Mi"),
            std::string::npos)
      << *edited;
  ManifestChange more{"Deployment", "payments-api", "payments", "sidecar", std::nullopt, {}, {{"cpu", "50m"}}};
  const auto sidecar = edit_manifest(kManifest, more);
  ASSERT_TRUE(sidecar) << sidecar.error();
  EXPECT_NE(
      sidecar->find("          image: envoy:1.29\n          resources:\n            requests:\n              cpu: 50m"),
      std::string::npos)
      << *sidecar;
}

TEST(ManifestEdit, WhatCannotBeEditedUnambiguouslyIsRefused) {
  auto refused = [](const std::string& text, ManifestChange c) {
    const auto r = edit_manifest(text, c);
    EXPECT_FALSE(r) << *r;
    return r ? std::string() : r.error();
  };
  const ManifestChange api{"Deployment", "payments-api", "payments", "api", std::nullopt, {{"memory", "1Gi"}}, {}};
  EXPECT_NE(refused(kManifest, {"Deployment", "orders", "", "api", std::nullopt, {{"memory", "1Gi"}}, {}})
                .find("no Deployment"),
            std::string::npos);
  EXPECT_NE(refused(kManifest, {"Deployment", "payments-api", "shop", "api", std::nullopt, {{"memory", "1Gi"}}, {}})
                .find("no Deployment"),
            std::string::npos);
  EXPECT_NE(refused(kManifest + "---\n" + kManifest.substr(kManifest.find("apiVersion: apps/v1")), api)
                .find("more than once"),
            std::string::npos);
  EXPECT_NE(refused(kManifest, {"Deployment", "payments-api", "", "db", std::nullopt, {{"memory", "1Gi"}}, {}})
                .find("no container named \"db\""),
            std::string::npos);
  const std::string flow =
      "kind: Deployment\nmetadata:\n  name: payments-api\nspec:\n  template:\n    spec:\n      containers:\n"
      "      - name: api\n        resources: {limits: {memory: 256Mi}}\n";
  EXPECT_NE(refused(flow, api).find("flow style"), std::string::npos);
}

TEST(ValuesEdit, AChartsValuesChangeOnlyTheirLinesUnderTheWorkloadsKey) {
  const std::string values = R"(# values for the reports chart
renderer:
  replicaCount: 1
  image:
    repository: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/reports/renderer
    tag: "5.0.4"   # pinned by CI
  resources:
    limits:
      memory: 256Mi
api:
  image: reports/api:1.2.0
)";
  ManifestChange memory{"Deployment", "report-renderer",     "reports", "renderer",
                        std::nullopt, {{"memory", "384Mi"}}, {}};
  auto edited = edit_values(values, "renderer", memory);
  ASSERT_TRUE(edited) << edited.error();
  EXPECT_EQ(changed(values, *edited), std::vector<std::string>{"9:       memory: 384Mi"});
  ManifestChange image{"Deployment",
                       "report-renderer",
                       "reports",
                       "renderer",
                       "123456789012.dkr.ecr.eu-west-1.amazonaws.com/reports/renderer:5.0.3",
                       {},
                       {}};
  edited = edit_values(values, "renderer", image);
  ASSERT_TRUE(edited) << edited.error();
  EXPECT_EQ(changed(values, *edited), std::vector<std::string>{"6:     tag: \"5.0.3\"   # pinned by CI"});
  ManifestChange api{"Deployment", "api", "reports", "api", "reports/api:1.1.9", {}, {{"cpu", "200m"}}};
  edited = edit_values(values, "api", api);
  ASSERT_TRUE(edited) << edited.error();
  EXPECT_NE(edited->find("api:\n  image: reports/api:1.1.9\n  resources:\n    requests:\n      cpu: 200m"),
            std::string::npos)
      << *edited;
  EXPECT_FALSE(edit_values(values, "worker", memory));
  EXPECT_FALSE(edit_values(values, "renderer.replicaCount", memory));
}

// Found by fuzzing: a "key:value" line (plain text to YAML) misled the editor into writing a file that no longer
// reads; an edit that would break a readable file is refused.
TEST(ValuesEdit, AnEditThatWouldBreakAReadableFileIsRefused) {
  const std::string values =
      "renderer:\n  image:\n    repository: registry.example/web\n    tag: \"1.2.3\"\n  resourent:6\n";
  const ManifestChange change{"Deployment",          "web", "shop", "web", "registry.example/web:1.2.4",
                              {{"memory", "384Mi"}}, {}};
  const auto edited = edit_values(values, "renderer", change);
  ASSERT_FALSE(edited) << *edited;
  EXPECT_NE(edited.error().find("unreadable"), std::string::npos) << edited.error();
}

// Found by fuzzing: a comment left of a container's resources (column 1) was taken for their first entry, and the
// indent worked out from it went negative (std::length_error); entries take the indent of the first line that is
// not a comment.
TEST(ManifestEdit, AddsALimitUnderResourcesThatOpenWithAComment) {
  const std::string manifest =
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  template:\n"
      "    spec:\n      containers:\n        - name: web\n          image: registry.example/web:1.2.3\n"
      "          resources:\n #  a note\n            requests:\n              cpu: 100m\n";
  const ManifestChange change{.kind = "Deployment",
                              .name = "web",
                              .ns = "shop",
                              .container = "web",
                              .image = std::nullopt,
                              .limits = {{"memory", "384Mi"}},
                              .requests = {}};
  const auto edited = edit_manifest(manifest, change);
  ASSERT_TRUE(edited) << edited.error();
  EXPECT_NE(edited->find(" #  a note\n            requests:\n              cpu: 100m\n"
                         "            limits:\n              memory: 384Mi\n"),
            std::string::npos)
      << *edited;
}

}  // namespace
}  // namespace eks::incidents
