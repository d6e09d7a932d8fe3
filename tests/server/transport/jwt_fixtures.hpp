#pragma once
// Test keys and JWT access tokens made with OpenSSL at test time (nothing pre-generated in the tree): an
// authorization server in miniature, for the OAuth resource-server tests.
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace eks::testing {

inline std::string b64url(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(buffer >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (6 - bits)) & 63]);
  return out;
}

struct TestKey {
  std::shared_ptr<EVP_PKEY> pkey;
  std::string kid;
  std::string alg;  // RS256 or ES256

  static TestKey rsa(std::string kid, unsigned bits = 2048) {
    return TestKey{
        std::shared_ptr<EVP_PKEY>(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits)), EVP_PKEY_free),
        std::move(kid), "RS256"};
  }
  static TestKey ec(std::string kid) {
    return TestKey{std::shared_ptr<EVP_PKEY>(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), EVP_PKEY_free),
                   std::move(kid), "ES256"};
  }

  // The public half as a JWK.
  nlohmann::json jwk() const {
    if (alg == "RS256") {
      return {{"kty", "RSA"},
              {"kid", kid},
              {"use", "sig"},
              {"alg", alg},
              {"n", b64url(bn(OSSL_PKEY_PARAM_RSA_N))},
              {"e", b64url(bn(OSSL_PKEY_PARAM_RSA_E))}};
    }
    unsigned char point[65];
    size_t len = 0;
    if (EVP_PKEY_get_octet_string_param(pkey.get(), OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &len) != 1 ||
        len != 65) {
      throw std::runtime_error("cannot export the EC public key");
    }
    const std::string_view p(reinterpret_cast<const char*>(point), len);
    return {{"kty", "EC"},
            {"kid", kid},
            {"use", "sig"},
            {"crv", "P-256"},
            {"x", b64url(p.substr(1, 32))},
            {"y", b64url(p.substr(33, 32))}};
  }

  // header.payload signed with this key (the header's alg and kid default to the key's).
  std::string sign(nlohmann::json claims, nlohmann::json header = nlohmann::json::object()) const {
    if (!header.contains("alg")) header["alg"] = alg;
    if (!header.contains("kid")) header["kid"] = kid;
    if (!header.contains("typ")) header["typ"] = "at+jwt";
    const std::string input = b64url(header.dump()) + "." + b64url(claims.dump());
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    size_t len = 0;
    if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey.get()) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size()) !=
            1) {
      throw std::runtime_error("cannot sign");
    }
    std::string sig(len, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
      throw std::runtime_error("cannot sign");
    }
    sig.resize(len);
    if (alg == "ES256") sig = raw_ecdsa(sig);
    return input + "." + b64url(sig);
  }

 private:
  std::string bn(const char* name) const {
    BIGNUM* value = nullptr;
    if (EVP_PKEY_get_bn_param(pkey.get(), name, &value) != 1) throw std::runtime_error("cannot export the RSA key");
    std::string out(static_cast<std::size_t>(BN_num_bytes(value)), '\0');
    BN_bn2bin(value, reinterpret_cast<unsigned char*>(out.data()));
    BN_free(value);
    return out;
  }
  // DER ECDSA-Sig-Value -> JOSE's r||s.
  static std::string raw_ecdsa(const std::string& der) {
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
    if (!sig) throw std::runtime_error("bad DER signature");
    std::string out(64, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char*>(out.data()), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char*>(out.data()) + 32, 32);
    ECDSA_SIG_free(sig);
    return out;
  }
};

}  // namespace eks::testing
