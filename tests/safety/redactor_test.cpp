#include "safety/redactor.hpp"

#include <gtest/gtest.h>

namespace eks::safety {
namespace {

TEST(Redactor, MasksValuesUnderSecretKeys) {
  Redactor r;
  const auto out = r.redact(nlohmann::json{{"api_key", "sk-ant-123456"}, {"name", "prod"}, {"nested", {{"GITHUB_TOKEN", "ghp_x"}}}});
  EXPECT_EQ(out["api_key"], "***");
  EXPECT_EQ(out["name"], "prod");
  EXPECT_EQ(out["nested"]["GITHUB_TOKEN"], "***");
}

TEST(Redactor, LeavesEmptySecretsVisibleAsEmpty) {
  Redactor r;
  EXPECT_EQ(r.redact(nlohmann::json{{"token", ""}})["token"], "");
}

TEST(Redactor, ScrubsKnownSecretValuesFromText) {
  Redactor r;
  r.add_secret("s3cr3t-value");
  EXPECT_EQ(r.redact(std::string("auth failed with s3cr3t-value twice: s3cr3t-value")), "auth failed with *** twice: ***");
  EXPECT_EQ(r.redact(nlohmann::json{{"url", "https://x/s3cr3t-value"}})["url"], "https://x/***");
}

TEST(Redactor, IgnoresTooShortSecrets) {
  Redactor r;
  r.add_secret("ab");
  EXPECT_EQ(r.redact(std::string("abc")), "abc");
}

TEST(Redactor, RecognisesCredentialKeyNames) {
  for (const char* key : {"api_key", "ANTHROPIC_API_KEY", "Authorization", "teams_webhook_url", "password", "token"}) {
    EXPECT_TRUE(Redactor::is_secret_key(key)) << key;
  }
  for (const char* key : {"namespace", "mode", "command", "args"}) EXPECT_FALSE(Redactor::is_secret_key(key)) << key;
}

}  // namespace
}  // namespace eks::safety
