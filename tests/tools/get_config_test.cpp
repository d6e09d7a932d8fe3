// get_config through the application's dispatcher: secrets masked, one section on request.
#include <gtest/gtest.h>

#include "tests/tools/fixtures.hpp"

namespace eks::tools {
namespace {

using nlohmann::json;
using namespace testing;

TEST_F(ApplicationTest, GetConfigMasksSecrets) {
  const auto r = call("get_config");
  ASSERT_EQ(r["isError"], false) << r.dump();
  EXPECT_EQ(r["structuredContent"]["config"]["github"]["token"], "***");
  EXPECT_EQ(r.dump().find("ghp_supersecret"), std::string::npos);
}

TEST_F(ApplicationTest, GetConfigReturnsOneSection) {
  const auto r = call("get_config", {{"section", "models"}});
  EXPECT_EQ(r["structuredContent"]["config"].size(), 1u);
  EXPECT_EQ(r["structuredContent"]["config"]["models"]["diagnostic"], "haiku");
}

}  // namespace
}  // namespace eks::tools
