#include "server/jsonrpc/message.hpp"

#include <gtest/gtest.h>

namespace eks::jsonrpc {
namespace {

TEST(JsonRpcParse, RejectsInvalidJsonWithParseError) {
  const auto parsed = parse("{\"jsonrpc\":", 128);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, kParseError);
}

TEST(JsonRpcParse, RejectsNestingDeeperThanTheLimit) {
  const std::string deep(10000, '[');
  const auto parsed = parse(deep + std::string(10000, ']'), 128);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, kParseError);
  EXPECT_NE(parsed.error().message.find("nested deeper"), std::string::npos);
}

TEST(JsonRpcParse, IgnoresBracketsInsideStrings) {
  const std::string text = "{\"a\":\"" + std::string(500, '[') + "\\\"\"}";
  EXPECT_TRUE(parse(text, 4));
}

TEST(JsonRpcParse, RejectsInvalidUtf8) { EXPECT_FALSE(parse("{\"a\":\"\xff\xfe\"}", 128)); }

TEST(JsonRpcClassify, ReadsRequestWithIntegerId) {
  const auto m = classify(Json::parse(R"({"jsonrpc":"2.0","id":7,"method":"ping"})"));
  ASSERT_TRUE(m);
  const auto& r = std::get<Request>(*m);
  EXPECT_EQ(std::get<std::int64_t>(r.id), 7);
  EXPECT_EQ(r.method, "ping");
}

TEST(JsonRpcClassify, ReadsNotificationWithoutId) {
  const auto m = classify(Json::parse(R"({"jsonrpc":"2.0","method":"notifications/initialized"})"));
  ASSERT_TRUE(m);
  EXPECT_TRUE(std::holds_alternative<Notification>(*m));
}

TEST(JsonRpcClassify, RejectsNullIdAsInvalidRequest) {
  const auto m = classify(Json::parse(R"({"jsonrpc":"2.0","id":null,"method":"ping"})"));
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().error.code, kInvalidRequest);
  EXPECT_FALSE(m.error().id);
}

TEST(JsonRpcClassify, RejectsFloatAndOversizedIds) {
  EXPECT_FALSE(classify(Json::parse(R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})")));
  EXPECT_FALSE(classify(Json::parse(R"({"jsonrpc":"2.0","id":18446744073709551615,"method":"ping"})")));
}

TEST(JsonRpcClassify, KeepsIdWhenVersionIsWrong) {
  const auto m = classify(Json::parse(R"({"jsonrpc":"1.0","id":"x","method":"ping"})"));
  ASSERT_FALSE(m);
  ASSERT_TRUE(m.error().id);
  EXPECT_EQ(std::get<std::string>(*m.error().id), "x");
}

TEST(JsonRpcClassify, AcceptsNegativeIds) {
  const auto m = classify(Json::parse(R"({"jsonrpc":"2.0","id":-9223372036854775808,"method":"ping"})"));
  ASSERT_TRUE(m);
  EXPECT_EQ(std::get<std::int64_t>(std::get<Request>(*m).id), INT64_MIN);
}

TEST(JsonRpcClassify, ReadsResponsesAndErrors) {
  EXPECT_TRUE(std::holds_alternative<Response>(*classify(Json::parse(R"({"jsonrpc":"2.0","id":1,"result":{}})"))));
  EXPECT_TRUE(std::holds_alternative<ErrorResponse>(
      *classify(Json::parse(R"({"jsonrpc":"2.0","id":1,"error":{"code":-1,"message":"x"}})"))));
  EXPECT_FALSE(classify(Json::parse(R"({"jsonrpc":"2.0","id":1,"result":{},"error":{}})")));
}

TEST(JsonRpcParse, RejectsNumbersBeyondDoubleRange) {
  const auto parsed = parse(R"({"jsonrpc":"2.0","id":1e400,"method":"ping"})", 128);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, kParseError);
}

TEST(JsonRpcParse, RejectsRawNulBytes) {
  const std::string text = std::string(R"({"jsonrpc":"2.0","id":1,"method":"ping"})") + '\0' + "{}";
  EXPECT_FALSE(parse(text, 128));
}

TEST(JsonRpcClassify, AcceptsAPeersErrorResponseWithNullId) {
  const auto m = classify(Json::parse(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}})"));
  ASSERT_TRUE(m);
  EXPECT_TRUE(std::holds_alternative<ErrorResponse>(*m));
}

// Found by fuzzing: a code of the wrong type threw, a huge one was converted to int (undefined behaviour).
TEST(JsonRpcClassify, ReadsAnErrorCodeThatIsNoIntOrTooBigAsAbsent) {
  for (const char* code : {R"("-32601")", "1e300", "-3260326922337203685477580701", "4294967296", "2.5"}) {
    const auto m = classify(
        Json::parse(std::string(R"({"jsonrpc":"2.0","id":1,"error":{"code":)") + code + R"(,"message":"x"}})"));
    ASSERT_TRUE(m) << code;
    EXPECT_EQ(std::get<ErrorResponse>(*m).error.code, 0) << code;
  }
  const auto m = classify(Json::parse(R"({"jsonrpc":"2.0","id":1,"error":{"code":-32601}})"));
  ASSERT_TRUE(m);
  EXPECT_EQ(std::get<ErrorResponse>(*m).error.code, -32601);
}

TEST(JsonRpcIds, KeysDistinguishNumberFromString) {
  EXPECT_NE(id_key(Id{std::int64_t{1}}), id_key(Id{std::string("1")}));
}

TEST(JsonRpcSerialize, ReplacesInvalidUtf8InsteadOfThrowing) {
  const Json value = std::string("\xff");
  EXPECT_NO_THROW((void)serialize(value));
}

TEST(JsonRpcMake, ErrorWithoutIdHasNullId) {
  const auto e = make_error(std::nullopt, Error{kParseError, "bad", std::nullopt});
  EXPECT_TRUE(e["id"].is_null());
  EXPECT_EQ(e["error"]["code"], kParseError);
}

}  // namespace
}  // namespace eks::jsonrpc
