// The redactor: everything leaving the server passes it, and what it reads (logs, objects, upstream answers) is
// whatever the cluster holds. Property: a secret of each format the redactor knows, planted into the fuzzed text
// between separators, is never left in the output — neither in text nor inside a JSON document.
#include <array>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "safety/redactor.hpp"
#include "tests/fuzz/fuzz.hpp"

namespace {

// One of each shape token_at() and the PEM / connection-string / Bearer scanners recognise. Made up: none is
// a real credential.
struct Planted {
  std::string_view text;    // what is planted
  std::string_view secret;  // the part that must not survive
};
constexpr std::array<Planted, 11> kPlanted = {{
    {"AKIAQWERTYUIOPASDFGH", "AKIAQWERTYUIOPASDFGH"},
    {"ghp_0123456789abcdefghijABCDEFGHIJ012345", "ghp_0123456789abcdefghijABCDEFGHIJ012345"},
    {"github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "github_pat_11ABCDEFG0123456789_abcdefghijklm"},
    {"sk-ant-api03-Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0", "sk-ant-api03-Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0"},
    {"xoxb-123456789012-abcdefghijKLMN", "xoxb-123456789012-abcdefghijKLMN"},
    {"AIzaSyA1234567890abcdefghijklmnopqrstuv", "AIzaSyA1234567890abcdefghijklmnopqrstuv"},
    {"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJmdXp6ZXIifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ",
     "eyJzdWIiOiJmdXp6ZXIifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ"},
    {"Authorization: Bearer Qm9va2VlcGVyLXRva2VuLTEyMzQ1", "Qm9va2VlcGVyLXRva2VuLTEyMzQ1"},
    {"postgres://app:Sup3rS3cretPw@db.internal:5432/app", "Sup3rS3cretPw"},
    {"-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAfuzzfuzzfuzz\n-----END RSA PRIVATE KEY-----",
     "MIIEpAIBAAKCAQEAfuzzfuzzfuzz"},
    {"password=Hunter2Hunter2", "Hunter2Hunter2"},
}};

const eks::safety::Redactor& redactor() {
  static const eks::safety::Redactor* r = [] {
    auto* made = new eks::safety::Redactor();
    made->add_secret("registered-secret-value-42");
    return made;
  }();
  return *r;
}

void check_gone(const std::string& out, std::string_view secret, std::string_view where) {
  if (out.find(secret) != std::string::npos) eks::fuzz::fail("a planted secret survived redaction", where);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = eks::fuzz::as_text(data, size);
  const auto& r = redactor();
  (void)r.redact(std::string(text));

  // The first byte picks the planted secret and where in the text it goes; newlines around it keep it a token of
  // its own, as in a log line.
  if (size < 2) return 0;
  const auto& planted = kPlanted[data[0] % kPlanted.size()];
  const std::string_view rest = text.substr(2);
  // Only the planted copy is checked: the same characters inside a longer word of the fuzzed text are no token.
  if (rest.find(planted.secret) != std::string_view::npos) return 0;
  const std::size_t at = rest.empty() ? 0 : data[1] % (rest.size() + 1);
  const std::string mixed = std::string(rest.substr(0, at)) + "\n" + std::string(planted.text) + "\n" +
                            std::string(rest.substr(at)) + "\nregistered-secret-value-42\n";
  const std::string out = r.redact(mixed);
  check_gone(out, planted.secret, mixed);
  check_gone(out, "registered-secret-value-42", mixed);

  // The same inside JSON: a string value, and the fuzzed text under a key of its own.
  const nlohmann::json doc = {{"message", mixed}, {"note", std::string(rest)}};
  const std::string dumped = r.redact(doc).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  check_gone(dumped, planted.secret, mixed);
  // When the fuzzed text is itself JSON, it is redacted as a document too.
  const auto parsed = nlohmann::json::parse(rest, nullptr, false);
  if (!parsed.is_discarded()) (void)r.redact(parsed);
  return 0;
}
