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

namespace eks::safety {
namespace {

struct Positive {
  const char* text;
  const char* secret;  // must not survive
  const char* kept;    // must survive ("" for none)
};

// True positives: every pattern the issue lists, in the contexts it appears in.
const Positive kPositives[] = {
    {"aws_access_key_id = AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE", "aws_access_key_id"},
    {"{\"AccessKeyId\": \"ASIAY34FZKBOKMUTVV7A\"}", "ASIAY34FZKBOKMUTVV7A", "AccessKeyId"},
    {"creds AKIAIOSFODNN7EXAMPLE in log", "AKIAIOSFODNN7EXAMPLE", "in log"},
    {"aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI", "aws_secret_access_key="},
    {"{\"SecretAccessKey\": \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\", \"Region\": \"eu-west-1\"}", "wJalrXUtnFEMI",
     "eu-west-1"},
    {"AWS_SECRET_ACCESS_KEY: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI", "AWS_SECRET_ACCESS_KEY"},
    {"token ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789 leaked", "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", "leaked"},
    {"gho_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", "gho_aBcDe", ""},
    {"x=ghu_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", "ghu_aBcDe", ""},
    {"(ghs_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789)", "ghs_aBcDe", ""},
    {"ghr_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", "ghr_aBcDe", ""},
    {"use github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX now",
     "github_pat_11ABCDEFG", "now"},
    {"key sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcdef ok", "sk-ant-api03-AbCd", "ok"},
    {"jwt eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U done",
     "eyJzdWIiOiIxMjM0NTY3ODkwIn0", "done"},
    {"Authorization: Bearer abcdef0123456789abcdef", "abcdef0123456789abcdef", "Authorization"},
    {"authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA", "authorization"},
    {"curl -H 'Authorization: token 0123456789abcdef0123456789abcdef01234567' https://api", "0123456789abcdef0123",
     "https://api"},
    {"got 401 for Bearer abcdefghijklmnopqrstuvwxyz.123", "abcdefghijklmnopqrstuvwxyz", "got 401"},
    {"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\nabcdefg\n-----END RSA PRIVATE KEY-----\nafter",
     "MIIEowIBAAKCAQEA7", "after"},
    {"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----",
     "b3BlbnNzaC1rZXktdjEAAAAA", "OPENSSH PRIVATE KEY"},
    {"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC (truncated", "MIIEvQIBADANBgkq", ""},
    {"postgres://app:hunter2pass@db.internal:5432/app", "hunter2pass", "db.internal:5432/app"},
    {"connect to https://user:p%40ss@example.com/x failed", "p%40ss", "example.com/x failed"},
    {"redis://:s3cretvalue@redis:6379", "s3cretvalue", "redis:6379"},
    {"Server=db;Database=app;User Id=sa;Password=Sup3rS3cret!;", "Sup3rS3cret", "Database=app"},
    {"Host=db;Pwd=Sup3rS3cret;Port=5432", "Sup3rS3cret", "Port=5432"},
    {"host=db password=Sup3rS3cret dbname=app", "Sup3rS3cret", "dbname=app"},
    {"DB_PASSWORD=hunter2hunter2", "hunter2hunter2", "DB_PASSWORD"},
    {"export GITHUB_TOKEN=abc123def456", "abc123def456", "GITHUB_TOKEN"},
    {"MY_API_KEY: 1234567890abcdef", "1234567890abcdef", "MY_API_KEY"},
    {"\"client_secret\": \"s3cr3t-value-here\"", "s3cr3t-value-here", "client_secret"},
    {"SERVICE_CREDENTIALS='{abc:def}'", "{abc:def}", "SERVICE_CREDENTIALS"},
    {"--password=topsecretvalue --user=admin", "topsecretvalue", "--user=admin"},
    {"env:\n- name: DB_PASSWORD\n  value: hunter2hunter2\n- name: LOG_LEVEL\n  value: debug\n", "hunter2hunter2",
     "debug"},
    {"{\"name\":\"STRIPE_API_KEY\",\"value\":\"rk_live_abcdefgh\"}", "rk_live_abcdefgh", "STRIPE_API_KEY"},
    {"apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: aHVudGVyMg==\n  user: YWRtaW4=\ntype: Opaque\n",
     "aHVudGVyMg==", "name: db"},
    {"apiVersion: v1\ndata:\n  tls.crt: LS0tLS1CRUdJTiBDRVJU\n  tls.key: LS0tLS1CRUdJTiBQUklW\nkind: Secret\nmetadata:\n  name: tls\n",
     "LS0tLS1CRUdJTiBQUklW", "name: tls"},
    {"items:\n- apiVersion: v1\n  data:\n    config: c2VjcmV0Y29uZmln\n  kind: Secret\n  metadata:\n    name: a\n- apiVersion: v1\n  data:\n    "
     "config: cGxhaW4=\n  kind: ConfigMap\n",
     "c2VjcmV0Y29uZmln", "cGxhaW4="},
    {"kind: Secret\nstringData:\n  config.yaml: |\n    password: hunter2\n    url: x\n", "hunter2", "kind: Secret"},
    {"Cookie: session=abcdef0123456789; theme=dark", "abcdef0123456789", "Cookie"},
    {"X-Api-Key: 0123456789abcdef", "0123456789abcdef", "X-Api-Key"},
    {"private_key: \"-----BEGIN EC PRIVATE KEY-----\\nMHcCAQEE\"", "MHcCAQEE", "private_key"},
};

TEST(RedactorCorpus, MasksEveryTruePositive) {
  Redactor r;
  for (const auto& c : kPositives) {
    const std::string out = r.redact(std::string(c.text));
    EXPECT_EQ(out.find(c.secret), std::string::npos) << "leaked: " << c.text << "\n -> " << out;
    EXPECT_NE(out.find(kMask), std::string::npos) << c.text;
    if (*c.kept) {
      EXPECT_NE(out.find(c.kept), std::string::npos) << "over-redacted: " << c.text << "\n -> " << out;
    }
  }
}

// Near misses: ordinary identifiers and text that look a little like secrets; must come out unchanged.
const char* const kNearMisses[] = {
    "pod-template-hash: 7d9f8b6c5d",
    "web-7d9f8b6c5d-x2x4z   1/1   Running   0   3d",
    "uid: 3f2a1c4e-9b7d-4e21-8c3a-5d6e7f8a9b0c",
    "image: nginx@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31",
    "imageID: docker.io/library/nginx@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31",
    "commit 9fceb02d0ae598e95dc970b74767f19372d61af8 fixed the probe",
    "resourceVersion: \"123456789\"",
    "secretName: db-credentials-ref",
    "- secretRef:\n    name: app-secrets",
    "valueFrom:\n  secretKeyRef:\n    name: db\n    key: password",
    "tokenExpirationSeconds: 3600",
    "automountServiceAccountToken: false",
    "usage: {input_tokens: 1234, output_tokens: 567}",
    "max_tokens: 4096",
    "The pod failed because the token was rejected by the API server.",
    "Back-off restarting failed container; check the password policy documentation.",
    "AKIA is the prefix of AWS access key ids",
    "AKIAshort",
    "ghp_short",
    "sk-ant-",
    "eyJhbGciOiJIUzI1NiJ9",
    "Bearer",
    "Bearer realm=\"kubernetes\"",
    "https://github.com/acme/app/pull/42",
    "http://10.0.0.1:8080/healthz",
    "user@example.com wrote: see https://example.com/docs",
    "git@github.com:acme/app.git",
    "node ip-10-0-1-23.eu-west-1.compute.internal NotReady",
    "kubernetes.io/service-account-token",
    "type: kubernetes.io/service-account-token",
    "kind: ConfigMap\ndata:\n  log_level: debug\n  feature: on\n",
    "Warning  BackOff  kubelet  Back-off pulling image \"registry.example.com/app:v1.2.3\"",
    "OOMKilled: container web exceeded memory limit 512Mi",
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n",
    "selector: {matchLabels: {app: web}}",
    "matchExpressions:\n- key: app\n  operator: In\n  values: [web]",
    "trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7",
    "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----",
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ user@host",
    "time=\"2025-01-31T12:34:56Z\" level=info msg=\"started\"",
};

TEST(RedactorCorpus, LeavesOrdinaryIdentifiersAlone) {
  Redactor r;
  for (const char* text : kNearMisses) EXPECT_EQ(r.redact(std::string(text)), text) << text;
}

TEST(Redactor, MasksSecretObjectDataInJson) {
  Redactor r;
  const auto secret = nlohmann::json::parse(R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"db",
    "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"data\":{\"tls.crt\":\"abc\"}}"}},
    "data":{"tls.crt":"LS0tLS1CRUdJTg==","config":"c2VjcmV0"},"stringData":{"x":"plain"},"type":"Opaque"})");
  const auto out = r.redact(secret);
  EXPECT_EQ(out["data"]["tls.crt"], "***");
  EXPECT_EQ(out["data"]["config"], "***");
  EXPECT_EQ(out["stringData"]["x"], "***");
  EXPECT_EQ(out["metadata"]["name"], "db");
  EXPECT_EQ(out["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"], "***");
  EXPECT_EQ(out["type"], "Opaque");
}

TEST(Redactor, MasksSecretListItemsWithoutKinds) {
  Redactor r;
  const auto list = nlohmann::json::parse(R"({"kind":"SecretList","items":[{"metadata":{"name":"a"},"data":{"k":"dg=="}}]})");
  EXPECT_EQ(r.redact(list)["items"][0]["data"]["k"], "***");
}

TEST(Redactor, LeavesConfigMapDataAlone) {
  Redactor r;
  const auto cm = nlohmann::json::parse(R"({"kind":"ConfigMap","data":{"log_level":"debug"}})");
  EXPECT_EQ(r.redact(cm)["data"]["log_level"], "debug");
}

TEST(Redactor, MasksEnvEntriesNamedLikeSecrets) {
  Redactor r;
  const auto env = nlohmann::json::parse(
      R"([{"name":"DB_PASSWORD","value":"hunter2"},{"name":"LOG_LEVEL","value":"debug"},
          {"name":"API_TOKEN","valueFrom":{"secretKeyRef":{"name":"t","key":"token"}}}])");
  const auto out = r.redact(env);
  EXPECT_EQ(out[0]["value"], "***");
  EXPECT_EQ(out[1]["value"], "debug");
  EXPECT_EQ(out[2]["valueFrom"]["secretKeyRef"]["name"], "t");
}

TEST(Redactor, KeysThatReferToCredentialsAreNotSecret) {
  for (const char* key : {"secretName", "tokenExpirationSeconds", "passwordSecretRef", "secretKeyRef", "max_tokens",
                          "input_tokens", "key", "keys", "pod-template-hash", "AWS_ACCESS_KEY_ID", "imagePullSecrets"}) {
    EXPECT_FALSE(Redactor::is_secret_key(key)) << key;
  }
  for (const char* key : {"DB_PASSWORD", "client_secret", "aws_secret_access_key", "SecretAccessKey", "x-api-key",
                          "apiKey", "APIKey", "privateKey", "ssh_key", "GITHUB_TOKEN", "accessToken", "Pwd",
                          "SERVICE_CREDENTIALS", "Cookie"}) {
    EXPECT_TRUE(Redactor::is_secret_key(key)) << key;
  }
}

TEST(Redactor, IsFastOnLargeText) {
  Redactor r;
  std::string big;
  for (int i = 0; i < 20000; ++i) big += "web-7d9f8b6c5d-x2x4z   1/1   Running   0   3d   10.0.0." + std::to_string(i % 250) + "\n";
  const auto start = std::chrono::steady_clock::now();
  const std::string out = r.redact(big);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(out, big);
  EXPECT_LT(elapsed, std::chrono::milliseconds(500)) << "about 1.2 MB";
}

}  // namespace
}  // namespace eks::safety
