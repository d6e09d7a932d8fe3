// JWT access tokens and JWKS documents (OAuth resource server, server/transport/oauth): a bearer token is any
// bytes a client sends; the JWKS file is the operator's, fetched from an authorization server. The first byte
// picks what the rest is: a token for a verifier holding an RSA and an EC key; the claims of a token signed here
// with the EC key (so that the claims checks behind the signature are reached); or a JWKS document.
#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "server/transport/oauth.hpp"
#include "tests/fuzz/fuzz.hpp"
#include "tests/server/transport/jwt_fixtures.hpp"

namespace {

using eks::transport::JwtVerifier;
using nlohmann::json;

constexpr auto kIssuer = "https://auth.example";
constexpr auto kAudience = "https://mcp.example/mcp";

struct Fixture {
  eks::testing::TestKey rsa = eks::testing::TestKey::rsa("rsa-1");
  eks::testing::TestKey ec = eks::testing::TestKey::ec("ec-1");
  JwtVerifier verifier =
      JwtVerifier::from_jwks(json{{"keys", {rsa.jwk(), ec.jwk()}}}, kIssuer, kAudience, std::chrono::seconds(30))
          .value();
  std::string token = ec.sign(json{{"iss", kIssuer}, {"aud", kAudience}, {"exp", 4102444800}, {"sub", "fuzz"}});
};

const Fixture& fixture() {
  static const Fixture* f = new Fixture();
  return *f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string_view rest = eks::fuzz::as_text(data + 1, size - 1);
  const auto& f = fixture();
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1767225600));
  switch (data[0] % 3) {
    case 0: (void)f.verifier.verify(rest, now); break;
    case 1: {
      const json claims = json::parse(rest, nullptr, false);
      if (!claims.is_discarded()) (void)f.verifier.verify(f.ec.sign(claims), now);
      break;
    }
    default: {
      const json jwks = json::parse(rest, nullptr, false);
      if (jwks.is_discarded()) return 0;
      if (auto verifier = JwtVerifier::from_jwks(jwks, kIssuer, kAudience, std::chrono::seconds(30))) {
        (void)verifier->verify(f.token, now);
        (void)verifier->key_count();
      }
      break;
    }
  }
  return 0;
}
