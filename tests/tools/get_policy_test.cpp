// get_policy through the application's dispatcher.
#include <gtest/gtest.h>

#include "tests/tools/fixtures.hpp"

namespace eks::tools {
namespace {

using nlohmann::json;
using namespace testing;

TEST_F(ApplicationTest, GetPolicyShowsTheEffectiveMode) {
  const auto r = call("get_policy");
  ASSERT_EQ(r["isError"], false) << r.dump();
  EXPECT_NE(r.dump().find("read_only"), std::string::npos);
}

}  // namespace
}  // namespace eks::tools
