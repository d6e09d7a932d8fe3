// JWT access-token validation and the Protected Resource Metadata, with keys generated per test run.
#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "server/transport/oauth.hpp"
#include "tests/server/transport/jwt_fixtures.hpp"

namespace {

using eks::testing::b64url;
using eks::testing::TestKey;
using eks::transport::JwtVerifier;
using nlohmann::json;
using Clock = std::chrono::system_clock;
using namespace std::chrono_literals;

const std::string kIssuer = "https://idp.example.test/realms/sre";
const std::string kResource = "http://127.0.0.1:8808/mcp";

long long unix_time(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

class Jwt : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rsa_ = new TestKey(TestKey::rsa("rsa-1"));
    ec_ = new TestKey(TestKey::ec("ec-1"));
    other_ = new TestKey(TestKey::rsa("rsa-1"));  // same kid, a different key: a forger's
  }
  static void TearDownTestSuite() {
    delete rsa_;
    delete ec_;
    delete other_;
  }

  JwtVerifier verifier() const {
    auto v = JwtVerifier::from_jwks(json{{"keys", {rsa_->jwk(), ec_->jwk()}}}, kIssuer, kResource, 30s);
    EXPECT_TRUE(v) << v.error();
    return *v;
  }
  json claims(Clock::time_point exp) const {
    return {{"iss", kIssuer},
            {"aud", kResource},
            {"sub", "alice"},
            {"client_id", "claude"},
            {"iat", unix_time(now_) - 10},
            {"exp", unix_time(exp)},
            {"scope", "mcp"}};
  }
  std::string error_of(const std::string& token) const {
    auto result = verifier().verify(token, now_);
    return result ? "" : result.error();
  }

  Clock::time_point now_ = Clock::now();
  static TestKey* rsa_;
  static TestKey* ec_;
  static TestKey* other_;
};
TestKey* Jwt::rsa_ = nullptr;
TestKey* Jwt::ec_ = nullptr;
TestKey* Jwt::other_ = nullptr;

TEST_F(Jwt, AcceptsAValidRs256Token) {
  auto result = verifier().verify(rsa_->sign(claims(now_ + 5min)), now_);
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(result->subject, "alice");
  EXPECT_EQ(result->client_id, "claude");
  EXPECT_EQ(result->scope, "mcp");
}

TEST_F(Jwt, AcceptsAValidEs256Token) {
  auto result = verifier().verify(ec_->sign(claims(now_ + 5min)), now_);
  ASSERT_TRUE(result) << result.error();
}

TEST_F(Jwt, AcceptsAnAudienceListThatNamesUs) {
  auto c = claims(now_ + 5min);
  c["aud"] = {"https://other.example", kResource};
  EXPECT_EQ(error_of(rsa_->sign(c)), "");
}

TEST_F(Jwt, ExpiryAllowsTheLeewayAndNoMore) {
  EXPECT_EQ(error_of(rsa_->sign(claims(now_ - 20s))), "");
  EXPECT_EQ(error_of(rsa_->sign(claims(now_ - 40s))), "the token has expired");
  auto c = claims(now_ + 5min);
  c.erase("exp");
  EXPECT_EQ(error_of(rsa_->sign(c)), "the token has no expiry (exp)");
}

TEST_F(Jwt, NotBeforeIsHonoured) {
  auto c = claims(now_ + 10min);
  c["nbf"] = unix_time(now_ + 5min);
  EXPECT_EQ(error_of(rsa_->sign(c)), "the token is not valid yet (nbf)");
  c["nbf"] = unix_time(now_ + 10s);  // within the leeway
  EXPECT_EQ(error_of(rsa_->sign(c)), "");
}

TEST_F(Jwt, RejectsAnotherAudience) {
  auto c = claims(now_ + 5min);
  c["aud"] = "https://other.example/mcp";
  EXPECT_NE(error_of(rsa_->sign(c)).find("not for this server"), std::string::npos);
  c.erase("aud");
  EXPECT_NE(error_of(rsa_->sign(c)).find("not for this server"), std::string::npos);
}

TEST_F(Jwt, RejectsAnotherIssuer) {
  auto c = claims(now_ + 5min);
  c["iss"] = "https://evil.example";
  EXPECT_EQ(error_of(rsa_->sign(c)), "the token was issued by another authorization server (iss)");
}

TEST_F(Jwt, RejectsAForgedOrTamperedSignature) {
  EXPECT_EQ(error_of(other_->sign(claims(now_ + 5min))),
            "the token's signature does not verify with the authorization server's keys");
  // A valid token whose payload is swapped for one with another subject.
  const std::string good = rsa_->sign(claims(now_ + 5min));
  auto c = claims(now_ + 5min);
  c["sub"] = "mallory";
  const auto first = good.find('.');
  const auto second = good.find('.', first + 1);
  const std::string tampered = good.substr(0, first + 1) + b64url(c.dump()) + good.substr(second);
  EXPECT_EQ(error_of(tampered), "the token's signature does not verify with the authorization server's keys");
}

TEST_F(Jwt, RejectsAlgNoneAndHmacConfusion) {
  const std::string payload = b64url(claims(now_ + 5min).dump());
  EXPECT_NE(error_of(b64url(R"({"alg":"none"})") + "." + payload + "."), "");
  EXPECT_NE(error_of(b64url(R"({"alg":"none"})") + "." + payload + ".").find("algorithm is not accepted"),
            std::string::npos);
  EXPECT_NE(error_of(b64url(R"({"alg":"HS256","kid":"rsa-1"})") + "." + payload + "." + b64url("mac"))
                .find("algorithm is not accepted"),
            std::string::npos);
  // An RS256 token presented as ES256 (the EC key's verifier must not be fooled by the RSA signature).
  const std::string rs = rsa_->sign(claims(now_ + 5min), json{{"alg", "ES256"}, {"kid", "ec-1"}});
  EXPECT_NE(error_of(rs), "");
}

TEST_F(Jwt, RejectsUnknownKeyIds) {
  auto stranger = TestKey::ec("ec-unknown");
  EXPECT_NE(error_of(stranger.sign(claims(now_ + 5min))).find("kid"), std::string::npos);
}

TEST_F(Jwt, RejectsMalformedTokens) {
  for (const std::string& token :
       std::vector<std::string>{"", "abc", "a.b", "a.b.c.d", "!!!.???.***", "e30.e30.", b64url("[]") + ".e30.AAAA"}) {
    EXPECT_NE(error_of(token), "") << token;
  }
  // Signed, but the claims are not an object.
  const std::string good = rsa_->sign(json::array());
  EXPECT_EQ(error_of(good), "the token's claims are not a JSON object");
}

TEST_F(Jwt, ErrorsNeverQuoteTheToken) {
  const std::string token = other_->sign(claims(now_ + 5min));
  const std::string error = error_of(token);
  EXPECT_EQ(error.find(token.substr(token.rfind('.') + 1, 16)), std::string::npos);
  EXPECT_EQ(error.find('"'), std::string::npos);
}

TEST(Jwks, RefusesUnusableKeySets) {
  EXPECT_FALSE(JwtVerifier::from_jwks(json::array(), kIssuer, kResource, 30s));
  EXPECT_FALSE(JwtVerifier::from_jwks(json{{"keys", json::array()}}, kIssuer, kResource, 30s));
  // Symmetric secrets and encryption keys are skipped, leaving nothing to verify with.
  auto only_secrets = JwtVerifier::from_jwks(
      json{{"keys",
            {{{"kty", "oct"}, {"k", "c2VjcmV0"}}, {{"kty", "RSA"}, {"use", "enc"}, {"n", "AQAB"}, {"e", "AQAB"}}}}},
      kIssuer, kResource, 30s);
  ASSERT_FALSE(only_secrets);
  EXPECT_NE(only_secrets.error().find("no RS256 or ES256 signing key"), std::string::npos);
  auto weak = JwtVerifier::from_jwks(json{{"keys", {TestKey::rsa("weak", 1024).jwk()}}}, kIssuer, kResource, 30s);
  ASSERT_FALSE(weak);
  EXPECT_NE(weak.error().find("2048"), std::string::npos);
  auto bad_point = JwtVerifier::from_jwks(json{{"keys",
                                                {{{"kty", "EC"},
                                                  {"crv", "P-256"},
                                                  {"x", b64url(std::string(32, 'x'))},
                                                  {"y", b64url(std::string(32, 'y'))}}}}},
                                          kIssuer, kResource, 30s);
  EXPECT_FALSE(bad_point);
}

TEST(Jwks, LoadErrorsNameTheFile) {
  auto missing = JwtVerifier::load("/nonexistent/jwks.json", kIssuer, kResource, 30s);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("/nonexistent/jwks.json"), std::string::npos);
}

TEST(ProtectedResourceMetadata, FollowsRfc9728) {
  eks::transport::OAuthOptions options;
  options.issuer = kIssuer;
  options.scopes = {"mcp"};
  const auto doc = eks::transport::protected_resource_metadata(options, kResource);
  EXPECT_EQ(doc["resource"], kResource);
  EXPECT_EQ(doc["authorization_servers"], json::array({kIssuer}));
  EXPECT_EQ(doc["bearer_methods_supported"], json::array({"header"}));
  EXPECT_EQ(doc["scopes_supported"], json::array({"mcp"}));
  EXPECT_FALSE(doc.contains("resource_name"));  // optional: nobody named the resource
  options.resource_name = "sre-server";
  EXPECT_EQ(eks::transport::protected_resource_metadata(options, kResource)["resource_name"], "sre-server");
  EXPECT_EQ(eks::transport::resource_metadata_url(kResource),
            "http://127.0.0.1:8808/.well-known/oauth-protected-resource/mcp");
  EXPECT_EQ(eks::transport::resource_metadata_url("https://sre.example.com"),
            "https://sre.example.com/.well-known/oauth-protected-resource");
  EXPECT_EQ(eks::transport::resource_metadata_path("https://h.example/a/mcp?x=1"),
            "/.well-known/oauth-protected-resource/a/mcp");
}

// Found by fuzzing: an exp of 1e300 was converted to an integer and to the clock's duration (undefined behaviour).
TEST_F(Jwt, ATimeClaimTheClockCannotHoldIsNoTime) {
  for (const double exp : {1e300, -1e300, 1e10}) {
    json c = claims(now_ + 1h);
    c["exp"] = exp;
    EXPECT_EQ(error_of(rsa_->sign(c)), "the token has no expiry (exp)") << exp;
  }
}

}  // namespace
