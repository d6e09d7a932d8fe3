#include "safety/redactor.hpp"

#include <chrono>

#include <gtest/gtest.h>

namespace eks::safety {
namespace {

TEST(Redactor, MasksValuesUnderSecretKeys) {
  Redactor r;
  const auto out =
      r.redact(nlohmann::json{{"api_key", "sk-ant-123456"}, {"name", "prod"}, {"nested", {{"GITHUB_TOKEN", "ghp_x"}}}});
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
  EXPECT_EQ(r.redact(std::string("auth failed with s3cr3t-value twice: s3cr3t-value")),
            "auth failed with *** twice: ***");
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

// True positives: every secret format the redactor knows, in the contexts it appears in.
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
    // Bare AWS secret access keys, with no key name to go by.
    {"rotated wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY in the log", "wJalrXUtnFEMI", "in the log"},
    {"{\"note\":\"new key je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY\"}", "je7MtGbClwBF", "new key"},
    {"creds: [AKIAIOSFODNN7EXAMPLE, wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY]", "wJalrXUtnFEMI", "creds"},
    {"{\"script\":\"aws configure set\\nwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\\n\"}", "wJalrXUtnFEMI", "configure"},
    // Short password keys.
    {"DB_PASS=hunter2hunter2", "hunter2hunter2", "DB_PASS"},
    {"pass=hunter2hunter2 user=bob", "hunter2hunter2", "user=bob"},
    {"PIN=4711 and more", "4711", "and more"},
    {"db_pwd: s3cr3tvalue", "s3cr3tvalue", "db_pwd"},
    {"PASSWD=s3cr3tvalue", "s3cr3tvalue", "PASSWD"},
    {"export dbPass='s3cr3tvalue'", "s3cr3tvalue", "dbPass"},
    {"env:\n- name: DB_PASS\n  value: hunter2hunter2\n- name: LOG_LEVEL\n  value: debug\n", "hunter2hunter2", "debug"},
    {"{\"name\":\"USER_PIN\",\"value\":\"4711\"}", "4711", "USER_PIN"},
    // Slack tokens.
    {"posting with xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx failed", "xoxb-1234567890", "failed"},
    {"SLACK=xoxp-1234567890-0987654321-abcdef", "xoxp-1234567890", "SLACK"},
    {"legacy xoxa-2-1234567890-abcdef and xoxr-1234567890-abcdef", "1234567890-abcdef", "legacy"},
    {"(xoxs-1234567890-abcdefghij)", "xoxs-1234567890", ""},
    {"socket mode xapp-1-A0123456789-1234567890-abcdef0123", "xapp-1-A0123456789", "socket mode"},
    // Google API keys.
    {"maps key AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe loaded", "AIzaSyDaGmWKa4", "loaded"},
    {"https://maps.googleapis.com/maps/api/js?key=AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe&v=3", "AIzaSyDaGmWKa4",
     "&v=3"},
    // Assignments URL-encoded once more, as in a redirect target or a logged form body.
    {"GET /cb?next=%2Flogin%3Fpassword%3Dhunter2%26user%3Dbob HTTP/1.1", "hunter2", "user%3Dbob HTTP/1.1"},
    {"body: password%3Dhunter2%26user%3Dbob", "hunter2", "%26user%3Dbob"},
    {"q=token%3dabc123def%3D%3D%26page%3D2", "abc123def", "page%3D2"},
    {"state=client_secret%3Ds3cr3tvalue", "s3cr3tvalue", "client_secret%3D"},
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
    // Forty characters that are not AWS secret keys: hex, upper-case hex, longer or padded blobs, identifiers,
    // paths, a certificate's last line and one escaped in JSON.
    "commit 9FCEB02D0AE598E95DC970B74767F19372D61AF8 tagged",
    "sha1 9fceb02d0ae598e95dc970b74767f19372d61af8",
    "blob wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYc2VjcmV0Y29uZmln",
    "digest wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY= end",
    "digest wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY==",
    "id x_wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY y",
    "ref wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY-v2",
    "checksum 0123456789abcdefABCDEF0123456789abcdefAB",
    "url-encoded %2BwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY%2F",
    "--- FAIL: TestReconcileDeploymentWithTwoReplicas2x (0.01s)",
    "type ClusterRoleBindingV1beta1ListResponseXyz struct",
    "at src/Main/java/Com/Acme/App2/Service/Impl line 3",
    "cd /home/Runner/work/App2/build/Release/bin",
    "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\n"
    "RTEMMAoGA1UEChMDQ0FCMRIwEAYDVQQLEwlBY21l\n-----END CERTIFICATE-----",
    "ca.crt: |\n    MIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\n    RTEMMAoGA1UEChMDQ0FCMRIwEAYDVQQLEwlBY21l\n",
    "{\"ca\":\"-----BEGIN CERTIFICATE-----\\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\\n"
    "RTEMMAoGA1UEChMDQ0FCMRIwEAYDVQQLEwlBY21\\n-----END CERTIFICATE-----\"}",
    // Settings whose names only contain pass or pin.
    "SPIN=3",
    "PINNED=true",
    "pinVersion: 1.2.3",
    "passthrough=enabled",
    "pass_through: enabled",
    "compass=north",
    "bypass=cache",
    "spin_count=3",
    // Slack and Google prefixes without a token after them.
    "xoxb",
    "the xoxb- prefix marks bot tokens",
    "xoxb-short",
    "xapp-1-abc",
    "xoxz-1234567890-abcdefghij",
    "AIza",
    "AIzaSyDaGmWKa4JsXZ-HjGw7",
    // URL-encoded assignments of ordinary keys.
    "next=%2Fpods%3Fsize%3D10%26page%3D2",
    "progress 100%3D done",
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
  const auto list =
      nlohmann::json::parse(R"({"kind":"SecretList","items":[{"metadata":{"name":"a"},"data":{"k":"dg=="}}]})");
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
  for (const char* key :
       {"secretName", "tokenExpirationSeconds", "passwordSecretRef", "secretKeyRef", "max_tokens", "input_tokens",
        "key", "keys", "pod-template-hash", "AWS_ACCESS_KEY_ID", "imagePullSecrets"}) {
    EXPECT_FALSE(Redactor::is_secret_key(key)) << key;
  }
  for (const char* key :
       {"DB_PASSWORD", "client_secret", "aws_secret_access_key", "SecretAccessKey", "x-api-key", "apiKey", "APIKey",
        "privateKey", "ssh_key", "GITHUB_TOKEN", "accessToken", "Pwd", "SERVICE_CREDENTIALS", "Cookie"}) {
    EXPECT_TRUE(Redactor::is_secret_key(key)) << key;
  }
}

TEST(Redactor, RecognisesShortPasswordKeyNames) {
  for (const char* key : {"DB_PASS", "pass", "PASS", "PIN", "user_pin", "userPin", "db_pwd", "PASSWD", "dbPass",
                          "passPhrase", "pin_code", "PIN-NUMBER", "smtp.pass"}) {
    EXPECT_TRUE(Redactor::is_secret_key(key)) << key;
  }
  for (const char* key : {"SPIN", "PINNED", "pinVersion", "pin_version", "passthrough", "pass_through", "compass",
                          "bypass", "passFile", "pass_ref", "spinCount", "pinned_image"}) {
    EXPECT_FALSE(Redactor::is_secret_key(key)) << key;
  }
}

TEST(Redactor, MasksJsonEnvEntriesWithShortPasswordNames) {
  Redactor r;
  const auto env = nlohmann::json::parse(
      R"([{"name":"DB_PASS","value":"hunter2"},{"name":"PIN","value":"4711"},{"name":"SPIN","value":"3"},
          {"name":"pinVersion","value":"1.2"}])");
  const auto out = r.redact(env);
  EXPECT_EQ(out[0]["value"], "***");
  EXPECT_EQ(out[1]["value"], "***");
  EXPECT_EQ(out[2]["value"], "3");
  EXPECT_EQ(out[3]["value"], "1.2");
  EXPECT_EQ(r.redact(nlohmann::json{{"db_pwd", "x1"}, {"pass", "x2"}, {"bypass", "x3"}}),
            (nlohmann::json{{"db_pwd", "***"}, {"pass", "***"}, {"bypass", "x3"}}));
}

TEST(Redactor, MasksEveryBareAwsSecretKeyInAList) {
  // Neighbouring 40-character lines are not a wrapped blob: such a blob's lines are longer than its last one.
  Redactor r;
  const std::string keys =
      "keys:\nwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\nje7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY\n";
  EXPECT_EQ(r.redact(keys), "keys:\n***\n***\n");
}

TEST(Redactor, MasksBareAwsSecretKeysThatAreAssignedToSomething) {
  // '=' after the key is an assignment, not padding, when a value follows it.
  Redactor r;
  EXPECT_EQ(r.redact(std::string("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY=1")), "***=1");
}

TEST(Redactor, LooksAtKeysAfterANameOnTheSameLine) {
  Redactor r;
  EXPECT_EQ(r.redact(std::string("name: app password=hunter2hunter2")), "name: app password=***");
  EXPECT_EQ(r.redact(std::string("- name: web token=abcdef123456 ready")), "- name: web token=*** ready");
}

TEST(Redactor, MasksUrlEncodedValuesUpToTheNextEncodedAmpersand) {
  Redactor r;
  EXPECT_EQ(r.redact(std::string("password%3Dhunter2%26user%3Dbob")), "password%3D***%26user%3Dbob");
  EXPECT_EQ(r.redact(std::string("a=1&x=user%3Dbob%26PASS%3dhunter2%2Bx%26y%3D2")),
            "a=1&x=user%3Dbob%26PASS%3d***%26y%3D2");
}

TEST(Redactor, IsFastOnLargeText) {
  Redactor r;
  std::string big;
  for (int i = 0; i < 20000; ++i)
    big += "web-7d9f8b6c5d-x2x4z   1/1   Running   0   3d   10.0.0." + std::to_string(i % 250) + "\n";
  const auto start = std::chrono::steady_clock::now();
  const std::string out = r.redact(big);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(out, big);
  EXPECT_LT(elapsed, std::chrono::milliseconds(500)) << "about 1.2 MB";
}

// Pod YAML is what the redactor sees most: many name: keys, URLs, and now and then a password in the clear.
// Each scanner must stay linear — one that searched the rest of the text at every name: key took minutes here.
TEST(Redactor, IsLinearOnLargePodYaml) {
  Redactor r;
  std::string big;
  for (int i = 0; big.size() < 4'000'000; ++i) {
    const std::string n = std::to_string(i);
    big +=
        "- metadata:\n    name: web-" + n +
        "\n    uid: 3f2a1c4e-9b7d-4e21-8c3a-5d6e7f8a9b0c\n  spec:\n    containers:\n"
        "    - name: web\n      image: nginx@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31\n"
        "      env:\n      - name: DB_PASS\n        value: hunter2-" +
        n +
        "\n      - name: LOG_LEVEL\n        value: debug\n"
        "      - name: DB_PASSWORD\n        valueFrom:\n          secretKeyRef:\n            name: db\n            key: password\n"
        "      volumeMounts:\n      - mountPath: /var/run/secrets/kubernetes.io/serviceaccount\n        name: token-" +
        n +
        "\n"
        "  status:\n    containerStatuses:\n    - containerID: containerd://9fceb02d0ae598e95dc970b74767f19372d61af8\n";
  }
  const auto start = std::chrono::steady_clock::now();
  const std::string out = r.redact(big);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(out.find("hunter2"), std::string::npos);
  EXPECT_NE(out.find("value: debug"), std::string::npos);
  EXPECT_NE(out.find("containerd://9fceb02d0ae598e95dc970b74767f19372d61af8"), std::string::npos);
  EXPECT_LT(elapsed, std::chrono::milliseconds(2000)) << "about 4 MB";
}

// Found by fuzzing: a broken "-----BEGIN" line made the scan go on after the next line's "-----", past the real
// header there, and the key that followed was left in the clear.
TEST(Redactor, MasksAPrivateKeyAfterABrokenHeader) {
  const std::string text =
      "-----BEGIN PRIVAT {\"env\"\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAsecret\n-----END RSA PRIVATE KEY-----\n";
  const std::string out = Redactor().redact(text);
  EXPECT_EQ(out.find("MIIEpAIBAAKCAQEAsecret"), std::string::npos) << out;
}

// Found by fuzzing: after a key whose END line was broken ("-----END P", no closing dashes), the scan went on after
// the next "-----", the following key's header, and left that key in the clear.
TEST(Redactor, MasksAPrivateKeyAfterABrokenEndLine) {
  const std::string text =
      "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANfirst\n-----END P\n"
      "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAsecond\n-----END RSA PRIVATE KEY-----\n";
  const std::string out = Redactor().redact(text);
  EXPECT_EQ(out.find("MIIEvQIBADANfirst"), std::string::npos) << out;
  EXPECT_EQ(out.find("MIIEpAIBAAKCAQEAsecond"), std::string::npos) << out;
}

}  // namespace
}  // namespace eks::safety
