#include "server/transport/oauth.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <fstream>
#include <sstream>

#include "server/transport/http_security.hpp"

namespace eks::transport {

struct JwtVerifier::Key {
  std::string kid;
  std::string alg;  // "RS256" or "ES256"
  std::shared_ptr<EVP_PKEY> pkey;
};

namespace {

using Json = nlohmann::json;
using Clock = std::chrono::system_clock;

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;

// JOSE uses unpadded base64url only (RFC 7515 section 2); anything else is a malformed token.
std::optional<std::string> base64url_decode(std::string_view text) {
  if (text.find_first_of("+/=") != std::string_view::npos) return std::nullopt;
  return base64_decode(text);
}

std::optional<std::string> member(const Json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<std::string> binary_member(const Json& object, const char* name) {
  const auto text = member(object, name);
  return text ? base64url_decode(*text) : std::nullopt;
}

std::shared_ptr<EVP_PKEY> from_params(const char* type, OSSL_PARAM_BLD* builder) {
  ParamPtr params(OSSL_PARAM_BLD_to_param(builder));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* pkey = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return nullptr;
  }
  return std::shared_ptr<EVP_PKEY>(pkey, EVP_PKEY_free);
}

tl::expected<std::shared_ptr<EVP_PKEY>, std::string> rsa_key(const Json& jwk) {
  const auto n = binary_member(jwk, "n");
  const auto e = binary_member(jwk, "e");
  if (!n || !e || n->empty() || e->empty()) return tl::unexpected(std::string("an RSA key needs base64url n and e"));
  BnPtr bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()), static_cast<int>(n->size()), nullptr));
  BnPtr bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()), static_cast<int>(e->size()), nullptr));
  ParamBldPtr builder(OSSL_PARAM_BLD_new());
  if (!bn_n || !bn_e || !builder || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return tl::unexpected(std::string("out of memory building an RSA key"));
  }
  auto pkey = from_params("RSA", builder.get());
  if (!pkey) return tl::unexpected(std::string("OpenSSL rejected the RSA key material"));
  // "A key of size 2048 bits or larger MUST be used with these algorithms" (RFC 7518 section 3.3).
  if (EVP_PKEY_get_bits(pkey.get()) < 2048) return tl::unexpected(std::string("the RSA key is shorter than 2048 bits"));
  return pkey;
}

tl::expected<std::shared_ptr<EVP_PKEY>, std::string> ec_key(const Json& jwk) {
  if (member(jwk, "crv").value_or("") != "P-256")
    return tl::unexpected(std::string("only the EC curve P-256 (ES256) is supported"));
  const auto x = binary_member(jwk, "x");
  const auto y = binary_member(jwk, "y");
  if (!x || !y || x->size() != 32 || y->size() != 32)
    return tl::unexpected(std::string("a P-256 key needs 32-byte base64url x and y"));
  std::string point = "\x04" + *x + *y;  // the uncompressed SEC1 encoding
  ParamBldPtr builder(OSSL_PARAM_BLD_new());
  if (!builder || OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1) {
    return tl::unexpected(std::string("out of memory building an EC key"));
  }
  auto pkey = from_params("EC", builder.get());
  if (!pkey) return tl::unexpected(std::string("OpenSSL rejected the EC key (is the point on the curve?)"));
  return pkey;
}

// ES256 signatures are r||s, 32 bytes each (RFC 7518 section 3.4); OpenSSL verifies DER.
std::optional<std::string> ecdsa_der(std::string_view raw) {
  if (raw.size() != 64) return std::nullopt;
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  EcdsaSigPtr sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(bytes, 32, nullptr);
  BIGNUM* s = BN_bin2bn(bytes + 32, 32, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return std::nullopt;
  }
  const int size = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (size <= 0) return std::nullopt;
  std::string der(static_cast<std::size_t>(size), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  i2d_ECDSA_SIG(sig.get(), &out);
  return der;
}

bool verify_signature(EVP_PKEY* pkey, std::string_view signing_input, std::string_view signature) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey) != 1) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                          reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size()) == 1;
}

std::optional<Clock::time_point> time_claim(const Json& claims, const char* name) {
  const auto it = claims.find(name);
  if (it == claims.end() || !it->is_number()) return std::nullopt;
  // Only seconds the clock can hold (nanoseconds since 1970: about 292 years either way) are a time: converting
  // a larger number (1e300) to an integer or to the clock's duration was undefined behaviour.
  const double value = it->get<double>();
  if (!(value > -9e9 && value < 9e9)) return std::nullopt;
  return Clock::time_point(std::chrono::seconds(static_cast<long long>(value)));
}

}  // namespace

tl::expected<JwtVerifier, std::string> JwtVerifier::from_jwks(const Json& jwks, std::string issuer,
                                                              std::string audience, std::chrono::seconds leeway) {
  if (!jwks.is_object() || !jwks.contains("keys") || !jwks["keys"].is_array()) {
    return tl::unexpected(std::string("not a JWKS document (expected {\"keys\": [...]})"));
  }
  if (issuer.empty()) return tl::unexpected(std::string("the token issuer (authorization server URL) is not set"));
  if (audience.empty()) return tl::unexpected(std::string("the resource URL (token audience) is not set"));
  auto keys = std::make_shared<std::vector<Key>>();
  std::size_t index = 0;
  for (const auto& jwk : jwks["keys"]) {
    const std::string where = "key " + std::to_string(index++);
    if (!jwk.is_object()) return tl::unexpected(where + " is not an object");
    // Encryption keys and symmetric secrets have no business verifying access tokens here: skipped.
    if (member(jwk, "use").value_or("sig") != "sig") continue;
    const std::string kty = member(jwk, "kty").value_or("");
    Key key;
    key.kid = member(jwk, "kid").value_or("");
    const std::string alg = member(jwk, "alg").value_or("");
    if (kty == "RSA") {
      if (!alg.empty() && alg != "RS256") continue;
      auto pkey = rsa_key(jwk);
      if (!pkey) return tl::unexpected(where + ": " + pkey.error());
      key.alg = "RS256";
      key.pkey = std::move(*pkey);
    } else if (kty == "EC") {
      if (!alg.empty() && alg != "ES256") continue;
      auto pkey = ec_key(jwk);
      if (!pkey) return tl::unexpected(where + ": " + pkey.error());
      key.alg = "ES256";
      key.pkey = std::move(*pkey);
    } else {
      continue;
    }
    keys->push_back(std::move(key));
  }
  if (keys->empty()) return tl::unexpected(std::string("no RS256 or ES256 signing key in it"));
  JwtVerifier verifier;
  verifier.keys_ = std::move(keys);
  verifier.issuer_ = std::move(issuer);
  verifier.audience_ = std::move(audience);
  verifier.leeway_ = leeway;
  return verifier;
}

tl::expected<JwtVerifier, std::string> JwtVerifier::load(const std::string& jwks_file, std::string issuer,
                                                         std::string audience, std::chrono::seconds leeway) {
  std::ifstream in(jwks_file, std::ios::binary);
  if (!in) return tl::unexpected("cannot read the JWKS file " + jwks_file + " (--oauth-jwks-file)");
  std::ostringstream text;
  text << in.rdbuf();
  const Json jwks = Json::parse(text.str(), nullptr, false);
  if (jwks.is_discarded()) return tl::unexpected("the JWKS file " + jwks_file + " is not JSON");
  auto verifier = from_jwks(jwks, std::move(issuer), std::move(audience), leeway);
  if (!verifier) return tl::unexpected("the JWKS file " + jwks_file + ": " + verifier.error());
  return verifier;
}

std::size_t JwtVerifier::key_count() const { return keys_ ? keys_->size() : 0; }

tl::expected<TokenClaims, std::string> JwtVerifier::verify(std::string_view token, Clock::time_point now) const {
  using tl::unexpected;
  const auto first = token.find('.');
  const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return unexpected(std::string("the token is not a JWT (three base64url parts separated by dots)"));
  }
  const auto header_text = base64url_decode(token.substr(0, first));
  const auto payload_text = base64url_decode(token.substr(first + 1, second - first - 1));
  const auto signature = base64url_decode(token.substr(second + 1));
  if (!header_text || !payload_text || !signature) return unexpected(std::string("the token is not valid base64url"));
  const Json header = Json::parse(*header_text, nullptr, false);
  if (!header.is_object()) return unexpected(std::string("the token header is not a JSON object"));

  // The algorithm comes from our key, never from the token alone: "none" and HMAC are never accepted, and a
  // token naming an algorithm its key is not for is refused (algorithm confusion).
  const std::string alg = member(header, "alg").value_or("");
  if (alg != "RS256" && alg != "ES256")
    return unexpected(std::string("the token's signing algorithm is not accepted (use RS256 or ES256)"));
  const auto kid = member(header, "kid");
  const std::string signing_input(token.substr(0, second));
  bool known_kid = !kid;
  bool verified = false;
  for (const auto& key : *keys_) {
    if (kid && key.kid != *kid) continue;
    known_kid = true;
    if (key.alg != alg) continue;
    std::string sig = *signature;
    if (alg == "ES256") {
      auto der = ecdsa_der(*signature);
      if (!der) continue;
      sig = std::move(*der);
    }
    if (verify_signature(key.pkey.get(), signing_input, sig)) {
      verified = true;
      break;
    }
  }
  if (!known_kid)
    return unexpected(
        std::string("the token was signed with a key (kid) the authorization server's JWKS does not list"));
  if (!verified)
    return unexpected(std::string("the token's signature does not verify with the authorization server's keys"));

  // Only a signed payload is looked at.
  const Json claims = Json::parse(*payload_text, nullptr, false);
  if (!claims.is_object()) return unexpected(std::string("the token's claims are not a JSON object"));
  if (member(claims, "iss").value_or("") != issuer_)
    return unexpected(std::string("the token was issued by another authorization server (iss)"));
  bool audience_ok = false;
  if (const auto aud = claims.find("aud"); aud != claims.end()) {
    if (aud->is_string()) audience_ok = aud->get_ref<const std::string&>() == audience_;
    if (aud->is_array()) {
      for (const auto& a : *aud)
        audience_ok = audience_ok || (a.is_string() && a.get_ref<const std::string&>() == audience_);
    }
  }
  if (!audience_ok) return unexpected("the token is not for this server (aud must contain " + audience_ + ")");
  const auto exp = time_claim(claims, "exp");
  if (!exp) return unexpected(std::string("the token has no expiry (exp)"));
  if (now > *exp + leeway_) return unexpected(std::string("the token has expired"));
  if (const auto nbf = time_claim(claims, "nbf"); nbf && now + leeway_ < *nbf) {
    return unexpected(std::string("the token is not valid yet (nbf)"));
  }
  if (claims.contains("nbf") && !time_claim(claims, "nbf"))
    return unexpected(std::string("the token's nbf is not a number"));

  TokenClaims out;
  out.subject = member(claims, "sub").value_or("");
  out.client_id = member(claims, "client_id").value_or(member(claims, "azp").value_or(""));
  out.scope = member(claims, "scope").value_or("");
  return out;
}

Json protected_resource_metadata(const OAuthOptions& options, const std::string& resource) {
  Json doc{{"resource", resource},
           {"authorization_servers", Json::array({options.issuer})},
           {"bearer_methods_supported", Json::array({"header"})}};
  if (!options.resource_name.empty()) doc["resource_name"] = options.resource_name;
  if (!options.scopes.empty()) doc["scopes_supported"] = options.scopes;
  return doc;
}

std::string resource_metadata_path(const std::string& resource) {
  const auto scheme = resource.find("://");
  const auto path_start = scheme == std::string::npos ? std::string::npos : resource.find('/', scheme + 3);
  std::string path = path_start == std::string::npos ? "" : resource.substr(path_start);
  if (const auto q = path.find_first_of("?#"); q != std::string::npos) path.erase(q);
  if (path == "/") path.clear();
  return "/.well-known/oauth-protected-resource" + path;
}

std::string resource_metadata_url(const std::string& resource) {
  const auto scheme = resource.find("://");
  const auto path_start = scheme == std::string::npos ? std::string::npos : resource.find('/', scheme + 3);
  return resource.substr(0, path_start) + resource_metadata_path(resource);
}

}  // namespace eks::transport
