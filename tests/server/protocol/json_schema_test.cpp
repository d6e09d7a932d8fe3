// Unit tests for JsonSchema: each keyword, the wording of errors, compile failures, defaults.
#include "server/protocol/json_schema.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace eks::protocol {
namespace {

using nlohmann::json;

JsonSchema compiled(const json& schema) {
  auto result = JsonSchema::compile(schema);
  EXPECT_TRUE(result.has_value()) << (result ? "" : result.error());
  if (!result) return *JsonSchema::compile(json(true));
  return std::move(*result);
}

std::string errors_of(const json& schema, const json& instance) {
  return format_errors(compiled(schema).validate(instance));
}

std::string compile_error(const json& schema) {
  const auto result = JsonSchema::compile(schema);
  return result ? std::string("<compiled>") : result.error();
}

// ------------------------------------------------------------------------------------------------- type

TEST(JsonSchema, RejectsWrongTypeWithPathAndValue) {
  const auto s = compiled(json::parse(R"({"properties": {"namespace": {"type": "string"}}})"));
  const auto errors = s.validate(json{{"namespace", 42}});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].instance_path, "/namespace");
  EXPECT_EQ(errors[0].keyword, "type");
  EXPECT_EQ(errors[0].message, "/namespace: expected a string, got 42");
}

TEST(JsonSchema, AcceptsIntegralFloatAsInteger) {
  const auto s = compiled(json{{"type", "integer"}});
  EXPECT_TRUE(s.is_valid(json(1.0)));
  EXPECT_TRUE(s.is_valid(json(-3)));
  EXPECT_TRUE(s.is_valid(json(18446744073709551615ull)));
  EXPECT_FALSE(s.is_valid(json(1.5)));
  EXPECT_EQ(format_errors(s.validate(json(1.5))), "expected an integer, got 1.5");
}

TEST(JsonSchema, AcceptsAnyOfSeveralTypes) {
  const auto s = compiled(json{{"type", {"string", "null"}}});
  EXPECT_TRUE(s.is_valid(nullptr));
  EXPECT_TRUE(s.is_valid("x"));
  EXPECT_EQ(format_errors(s.validate(json(true))), "expected null or string, got true");
}

TEST(JsonSchema, DescribesContainersInsteadOfDumpingThem) {
  EXPECT_EQ(errors_of(json{{"type", "string"}}, json::object()), "expected a string, got an object");
  EXPECT_EQ(errors_of(json{{"type", "number"}}, json::array()), "expected a number, got an array");
}

TEST(JsonSchema, NumberTypeAcceptsIntegersAndFloats) {
  const auto s = compiled(json{{"type", "number"}});
  EXPECT_TRUE(s.is_valid(1));
  EXPECT_TRUE(s.is_valid(1.25));
  EXPECT_FALSE(s.is_valid("1"));
}

// -------------------------------------------------------------------------------------------- objects

TEST(JsonSchema, RejectsMissingRequiredProperty) {
  const auto s = compiled(json::parse(R"({"type": "object", "required": ["name", "namespace"]})"));
  const auto errors = s.validate(json{{"namespace", "default"}});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].instance_path, "");
  EXPECT_EQ(errors[0].keyword, "required");
  EXPECT_EQ(errors[0].message, "missing required property \"name\"");
}

TEST(JsonSchema, PrefixesNestedRequiredErrorWithObjectPath) {
  EXPECT_EQ(
      errors_of(json::parse(R"({"properties": {"spec": {"required": ["image"]}}})"), json::parse(R"({"spec": {}})")),
      "/spec: missing required property \"image\"");
}

TEST(JsonSchema, RejectsAdditionalPropertyAndListsAllowedNames) {
  const auto s = compiled(json::parse(R"({"properties": {"a": {}, "b": {}}, "additionalProperties": false})"));
  EXPECT_TRUE(s.is_valid(json{{"a", 1}}));
  const auto errors = s.validate(json{{"a", 1}, {"c", 2}});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].keyword, "additionalProperties");
  EXPECT_EQ(errors[0].message, "unexpected property \"c\" (allowed: \"a\", \"b\")");
}

TEST(JsonSchema, ValidatesAdditionalPropertiesAgainstSchema) {
  const auto s = compiled(json::parse(R"({"properties": {"a": {}}, "additionalProperties": {"type": "integer"}})"));
  EXPECT_TRUE(s.is_valid(json{{"a", "x"}, {"b", 2}}));
  EXPECT_EQ(format_errors(s.validate(json{{"b", "x"}})), "/b: expected an integer, got \"x\"");
}

TEST(JsonSchema, PatternPropertiesCoverMatchingNamesOnly) {
  const auto s =
      compiled(json::parse(R"({"patternProperties": {"^x-": {"type": "string"}}, "additionalProperties": false})"));
  EXPECT_TRUE(s.is_valid(json{{"x-team", "sre"}}));
  EXPECT_EQ(format_errors(s.validate(json{{"x-team", 1}})), "/x-team: expected a string, got 1");
  EXPECT_EQ(format_errors(s.validate(json{{"team", "sre"}})),
            "unexpected property \"team\" (allowed: names matching \"^x-\")");
}

TEST(JsonSchema, RejectsPropertyWhoseSchemaIsFalse) {
  EXPECT_EQ(errors_of(json::parse(R"({"properties": {"secret": false}})"), json{{"secret", 1}}),
            "property \"secret\" is not allowed");
}

TEST(JsonSchema, EnforcesPropertyCountBounds) {
  const auto s = compiled(json{{"minProperties", 1}, {"maxProperties", 2}});
  EXPECT_EQ(format_errors(s.validate(json::object())), "must have at least 1 property, got 0");
  EXPECT_EQ(format_errors(s.validate(json{{"a", 1}, {"b", 2}, {"c", 3}})), "must have at most 2 properties, got 3");
  EXPECT_TRUE(s.is_valid(json{{"a", 1}}));
  EXPECT_TRUE(s.is_valid("not an object"));
}

TEST(JsonSchema, EscapesPointerTokensInInstancePath) {
  const auto errors =
      compiled(json::parse(R"({"additionalProperties": {"type": "string"}})")).validate(json{{"a/b~c", 1}});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].instance_path, "/a~1b~0c");
}

// ------------------------------------------------------------------------------------------ enum/const

TEST(JsonSchema, RejectsValueOutsideEnumAndListsChoices) {
  const auto s = compiled(json::parse(R"({"enum": ["Running", "Pending", 3]})"));
  EXPECT_TRUE(s.is_valid("Pending"));
  EXPECT_TRUE(s.is_valid(3.0));
  EXPECT_EQ(format_errors(s.validate("Failed")), "must be one of \"Running\", \"Pending\", 3; got \"Failed\"");
}

TEST(JsonSchema, ConstComparesDeeplyWithNumericEquality) {
  const auto s = compiled(json::parse(R"({"const": {"a": [1, 2.0, {"b": null}]}})"));
  EXPECT_TRUE(s.is_valid(json::parse(R"({"a": [1.0, 2, {"b": null}]})")));
  EXPECT_FALSE(s.is_valid(json::parse(R"({"a": [1, 2, {"b": false}]})")));
  EXPECT_EQ(errors_of(json{{"const", "v1"}}, "v2"), "must be \"v1\", got \"v2\"");
}

TEST(JsonSchema, ConstDistinguishesFalseFromZero) {
  const auto s = compiled(json{{"const", false}});
  EXPECT_FALSE(s.is_valid(0));
  EXPECT_TRUE(s.is_valid(false));
}

// -------------------------------------------------------------------------------------------- numbers

TEST(JsonSchema, EnforcesInclusiveBounds) {
  const auto s = compiled(json{{"minimum", 1}, {"maximum", 10}});
  EXPECT_TRUE(s.is_valid(1));
  EXPECT_TRUE(s.is_valid(10.0));
  EXPECT_EQ(format_errors(s.validate(0)), "must be >= 1, got 0");
  EXPECT_EQ(format_errors(s.validate(10.5)), "must be <= 10, got 10.5");
}

TEST(JsonSchema, EnforcesExclusiveBounds) {
  const auto s = compiled(json{{"exclusiveMinimum", 0}, {"exclusiveMaximum", 1.5}});
  EXPECT_TRUE(s.is_valid(1));
  EXPECT_EQ(format_errors(s.validate(0)), "must be > 0, got 0");
  EXPECT_EQ(format_errors(s.validate(1.5)), "must be < 1.5, got 1.5");
}

TEST(JsonSchema, ComparesLargeIntegersExactly) {
  const auto s = compiled(json{{"maximum", 9007199254740992ll}});
  EXPECT_FALSE(s.is_valid(9007199254740993ll));
  EXPECT_TRUE(s.is_valid(-9007199254740993ll));
  EXPECT_FALSE(compiled(json{{"minimum", 0}}).is_valid(-1));
  EXPECT_TRUE(compiled(json{{"minimum", -5}}).is_valid(18446744073709551615ull));
}

TEST(JsonSchema, ChecksMultipleOfForIntegersAndDecimals) {
  EXPECT_TRUE(compiled(json{{"multipleOf", 5}}).is_valid(-15));
  EXPECT_EQ(errors_of(json{{"multipleOf", 5}}, 7), "must be a multiple of 5, got 7");
  EXPECT_TRUE(compiled(json{{"multipleOf", 0.0001}}).is_valid(0.0075));
  EXPECT_FALSE(compiled(json{{"multipleOf", 0.0001}}).is_valid(0.00751));
  EXPECT_TRUE(compiled(json{{"multipleOf", 0.5}}).is_valid(1e308));
}

TEST(JsonSchema, IgnoresNumericKeywordsOnOtherTypes) {
  EXPECT_TRUE(compiled(json{{"minimum", 5}, {"multipleOf", 2}}).is_valid("three"));
}

// -------------------------------------------------------------------------------------------- strings

TEST(JsonSchema, CountsStringLengthInCodePoints) {
  const auto s = compiled(json{{"minLength", 2}, {"maxLength", 3}});
  EXPECT_TRUE(s.is_valid("\xC3\xA9\xC3\xA9\xC3\xA9"));  // "ééé": 3 code points, 6 bytes
  EXPECT_FALSE(s.is_valid("\xF0\x9F\x92\xA9"));         // one code point, 4 bytes
  EXPECT_EQ(format_errors(s.validate("a")), "must be at least 2 characters long, got 1");
  EXPECT_EQ(format_errors(s.validate("abcd")), "must be at most 3 characters long, got 4");
}

TEST(JsonSchema, MatchesPatternAnywhereInString) {
  const auto s = compiled(json{{"pattern", "[0-9]+"}});
  EXPECT_TRUE(s.is_valid("pod-42"));
  EXPECT_EQ(format_errors(s.validate("pod")), "must match the pattern \"[0-9]+\", got \"pod\"");
}

TEST(JsonSchema, HonoursAnchorsInPattern) {
  const auto s = compiled(json{{"pattern", "^[a-z0-9-]{1,63}$"}});
  EXPECT_TRUE(s.is_valid("kube-system"));
  EXPECT_FALSE(s.is_valid("Kube-System"));
}

TEST(JsonSchema, ReportsInvalidUtf8WithoutThrowing) {
  const auto errors = compiled(json{{"type", "integer"}}).validate(std::string("\xFF\xFE"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].keyword, "type");
}

TEST(JsonSchema, TruncatesLongValuesInMessages) {
  const std::string message = errors_of(json{{"type", "integer"}}, std::string(500, 'x'));
  EXPECT_LT(message.size(), 120u);
  EXPECT_NE(message.find("..."), std::string::npos);
}

// --------------------------------------------------------------------------------------------- arrays

TEST(JsonSchema, ValidatesEveryItemAgainstItemsSchema) {
  const auto s = compiled(json::parse(R"({"items": {"type": "string"}})"));
  EXPECT_TRUE(s.is_valid(json::array({"a", "b"})));
  const auto errors = s.validate(json::array({"a", 1, 2}));
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].message, "/1: expected a string, got 1");
  EXPECT_EQ(errors[1].instance_path, "/2");
}

TEST(JsonSchema, AppliesArrayFormItemsPositionallyWithAdditionalItems) {
  const auto s = compiled(json::parse(R"({"items": [{"type": "string"}, {"type": "integer"}],
                                          "additionalItems": {"type": "boolean"}})"));
  EXPECT_TRUE(s.is_valid(json::array({"a", 1, true, false})));
  EXPECT_TRUE(s.is_valid(json::array({"a"})));
  EXPECT_EQ(format_errors(s.validate(json::array({"a", 1, "x"}))), "/2: expected a boolean, got \"x\"");
}

TEST(JsonSchema, RejectsExtraItemsWhenAdditionalItemsIsFalse) {
  const auto s = compiled(json::parse(R"({"items": [{}, {}], "additionalItems": false})"));
  EXPECT_TRUE(s.is_valid(json::array({1, 2})));
  const auto errors = s.validate(json::array({1, 2, 3}));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].keyword, "additionalItems");
  EXPECT_EQ(errors[0].message, "must contain at most 2 items, got 3");
}

TEST(JsonSchema, AppliesPrefixItemsThenItemsForTheRest) {
  const auto s = compiled(json::parse(R"({"prefixItems": [{"type": "string"}], "items": {"type": "integer"}})"));
  EXPECT_TRUE(s.is_valid(json::array({"a", 1, 2})));
  EXPECT_EQ(format_errors(s.validate(json::array({1, 2}))), "/0: expected a string, got 1");
  EXPECT_EQ(format_errors(s.validate(json::array({"a", "b"}))), "/1: expected an integer, got \"b\"");
}

TEST(JsonSchema, IgnoresAdditionalItemsWithoutArrayFormItems) {
  EXPECT_TRUE(compiled(json::parse(R"({"items": {}, "additionalItems": false})")).is_valid(json::array({1, 2})));
}

TEST(JsonSchema, EnforcesItemCountBounds) {
  const auto s = compiled(json{{"minItems", 1}, {"maxItems", 2}});
  EXPECT_EQ(format_errors(s.validate(json::array())), "must contain at least 1 item, got 0");
  EXPECT_EQ(format_errors(s.validate(json::array({1, 2, 3}))), "must contain at most 2 items, got 3");
  EXPECT_TRUE(s.is_valid(json::array({1})));
}

TEST(JsonSchema, RejectsDuplicateItemsUsingDeepEquality) {
  const auto s = compiled(json{{"uniqueItems", true}});
  EXPECT_TRUE(s.is_valid(json::parse(R"([1, "1", [1], {"a": 1}, {"a": 2}, true])")));
  EXPECT_FALSE(s.is_valid(json::parse(R"([{"a": [1]}, {"a": [1.0]}])")));
  EXPECT_EQ(format_errors(s.validate(json::parse("[1, 2, 1.0]"))), "items must be unique, but items 0 and 2 are equal");
  EXPECT_TRUE(compiled(json{{"uniqueItems", false}}).is_valid(json::parse("[1, 1]")));
}

// ---------------------------------------------------------------------------------------- combinators

TEST(JsonSchema, AllOfRequiresEverySubschema) {
  const auto s = compiled(json::parse(R"({"allOf": [{"required": ["a"]}, {"required": ["b"]}]})"));
  EXPECT_TRUE(s.is_valid(json{{"a", 1}, {"b", 2}}));
  EXPECT_EQ(format_errors(s.validate(json::object())),
            "missing required property \"a\"; missing required property \"b\"");
}

TEST(JsonSchema, AnyOfExplainsEachFailedAlternative) {
  const auto s = compiled(json::parse(R"({"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 0}]})"));
  EXPECT_TRUE(s.is_valid("x"));
  EXPECT_TRUE(s.is_valid(3));
  const auto errors = s.validate(-1);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].keyword, "anyOf");
  EXPECT_EQ(errors[0].message,
            "does not match any alternative of \"anyOf\" (anyOf/0: expected a string, got -1; anyOf/1: must be >= 0, "
            "got -1)");
}

TEST(JsonSchema, OneOfRejectsMatchingTwoAlternatives) {
  const auto s = compiled(json::parse(R"({"oneOf": [{"type": "integer"}, {"minimum": 2}]})"));
  EXPECT_TRUE(s.is_valid(1));
  EXPECT_TRUE(s.is_valid(2.5));
  EXPECT_EQ(format_errors(s.validate(3)),
            "matches more than one alternative of \"oneOf\" (oneOf/0 and oneOf/1); it must match exactly one");
  EXPECT_EQ(format_errors(s.validate(1.5)),
            "does not match any alternative of \"oneOf\" (oneOf/0: expected an integer, got 1.5; oneOf/1: must be "
            ">= 2, got 1.5)");
}

TEST(JsonSchema, NotRejectsMatchingValue) {
  const auto s = compiled(json::parse(R"({"not": {"enum": ["kube-system"]}})"));
  EXPECT_TRUE(s.is_valid("default"));
  const auto errors = s.validate("kube-system");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].keyword, "not");
  EXPECT_EQ(errors[0].message, "must not match the schema in \"not\", got \"kube-system\"");
}

// ----------------------------------------------------------------------------------------- booleans

TEST(JsonSchema, TrueSchemaAcceptsEverythingAndFalseNothing) {
  EXPECT_TRUE(compiled(json(true)).is_valid(json::parse(R"({"a": [1]})")));
  const auto errors = compiled(json(false)).validate(1);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].keyword, "false");
  EXPECT_EQ(errors[0].message, "no value is allowed here, got 1");
  EXPECT_TRUE(compiled(json::object()).is_valid(nullptr));
}

// --------------------------------------------------------------------------------------------- $ref

TEST(JsonSchema, ResolvesRefIntoDefsAndDefinitions) {
  const auto s = compiled(json::parse(R"({
    "$defs": {"name": {"type": "string", "minLength": 1}},
    "definitions": {"port": {"type": "integer", "maximum": 65535}},
    "properties": {"name": {"$ref": "#/$defs/name"}, "port": {"$ref": "#/definitions/port"}}})"));
  EXPECT_TRUE(s.is_valid(json{{"name", "web"}, {"port", 80}}));
  EXPECT_EQ(format_errors(s.validate(json{{"name", ""}, {"port", 70000}})),
            "/name: must be at least 1 character long, got 0; /port: must be <= 65535, got 70000");
}

TEST(JsonSchema, ValidatesRecursiveRefWithoutLoopingAtCompileTime) {
  const auto s = compiled(json::parse(R"({"type": "object", "properties": {"child": {"$ref": "#"}},
                                          "additionalProperties": false})"));
  EXPECT_TRUE(s.is_valid(json::parse(R"({"child": {"child": {}}})")));
  EXPECT_EQ(format_errors(s.validate(json::parse(R"({"child": {"child": {"x": 1}}})"))),
            "/child/child: unexpected property \"x\" (allowed: \"child\")");
}

TEST(JsonSchema, StopsSelfReferenceThatNeverConsumesInput) {
  const auto s = compiled(json::parse(R"({"$ref": "#"})"));
  EXPECT_FALSE(s.is_valid(1));
  const auto errors = s.validate(1);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].keyword, "$ref");
}

TEST(JsonSchema, AppliesRefSiblingsIn202012ButNotInDraft7) {
  const json defs = json::parse(R"({"d": {"type": "array"}})");
  json modern = {{"$defs", defs}, {"$ref", "#/$defs/d"}, {"maxItems", 1}};
  EXPECT_FALSE(compiled(modern).is_valid(json::array({1, 2})));
  json legacy = modern;
  legacy["$schema"] = "http://json-schema.org/draft-07/schema#";
  EXPECT_TRUE(compiled(legacy).is_valid(json::array({1, 2})));
}

TEST(JsonSchema, ResolvesRefsRelativeToEnclosingId) {
  const auto s = compiled(json::parse(R"({
    "$id": "https://example.com/schemas/root.json",
    "properties": {"pod": {"$ref": "pod.json"}, "anchored": {"$ref": "#label"}},
    "$defs": {
      "pod": {"$id": "pod.json", "properties": {"name": {"$ref": "#/$defs/n"}},
              "$defs": {"n": {"type": "string"}}},
      "label": {"$anchor": "label", "maxLength": 3}}})"));
  EXPECT_TRUE(s.is_valid(json::parse(R"({"pod": {"name": "web"}, "anchored": "abc"})")));
  EXPECT_FALSE(s.is_valid(json::parse(R"({"pod": {"name": 1}})")));
  EXPECT_FALSE(s.is_valid(json::parse(R"({"anchored": "abcd"})")));
}

TEST(JsonSchema, LoadsRemoteRefsThroughTheLoader) {
  std::vector<std::string> asked;
  const auto loader = [&asked](const std::string& uri) -> std::optional<json> {
    asked.push_back(uri);
    if (uri == "https://example.com/common.json") return json::parse(R"({"$defs": {"id": {"type": "integer"}}})");
    return std::nullopt;
  };
  const auto s = JsonSchema::compile(json{{"$ref", "https://example.com/common.json#/$defs/id"}}, loader);
  ASSERT_TRUE(s.has_value()) << s.error();
  EXPECT_TRUE(s->is_valid(3));
  EXPECT_FALSE(s->is_valid("3"));
  EXPECT_EQ(asked, std::vector<std::string>{"https://example.com/common.json"});
}

TEST(JsonSchema, FailsToCompileUnresolvableRef) {
  EXPECT_EQ(compile_error(json::parse(R"({"properties": {"a": {"$ref": "#/$defs/missing"}}})")),
            "invalid schema: keyword \"$ref\" at /properties/a/$ref refers to \"#/$defs/missing\", which points at "
            "nothing");
  EXPECT_EQ(compile_error(json{{"$ref", "https://example.com/x.json"}}),
            "invalid schema: keyword \"$ref\" at /$ref refers to \"https://example.com/x.json\", which cannot be "
            "resolved");
}

TEST(JsonSchema, ResolvesEscapedPointerTokens) {
  const auto s = compiled(json::parse(R"({"$defs": {"a/b": {"type": "integer"}, "c%d": {"type": "string"}},
    "properties": {"x": {"$ref": "#/$defs/a~1b"}, "y": {"$ref": "#/$defs/c%25d"}}})"));
  EXPECT_TRUE(s.is_valid(json{{"x", 1}, {"y", "s"}}));
  EXPECT_FALSE(s.is_valid(json{{"x", "1"}}));
  EXPECT_FALSE(s.is_valid(json{{"y", 1}}));
}

// ---------------------------------------------------------------------------------- compile failures

TEST(JsonSchema, FailsToCompileBadKeywordValuesNamingKeywordAndPointer) {
  EXPECT_EQ(compile_error(json::parse(R"({"properties": {"n": {"minLength": -1}}})")),
            "invalid schema: keyword \"minLength\" at /properties/n/minLength must be a non-negative integer");
  EXPECT_EQ(compile_error(json{{"type", "text"}}),
            "invalid schema: keyword \"type\" at /type must be one of \"null\", \"boolean\", \"object\", \"array\", "
            "\"number\", \"string\", \"integer\" or an array of them");
  EXPECT_EQ(compile_error(json{{"required", "name"}}),
            "invalid schema: keyword \"required\" at /required must be an array of strings");
  EXPECT_EQ(compile_error(json{{"multipleOf", 0}}),
            "invalid schema: keyword \"multipleOf\" at /multipleOf must be a number greater than 0");
  EXPECT_EQ(compile_error(json{{"exclusiveMinimum", true}}),
            "invalid schema: keyword \"exclusiveMinimum\" at /exclusiveMinimum must be a number");
  EXPECT_EQ(compile_error(json{{"anyOf", json::array()}}),
            "invalid schema: keyword \"anyOf\" at /anyOf must be a non-empty array of schemas");
  EXPECT_EQ(compile_error(json{{"enum", 1}}), "invalid schema: keyword \"enum\" at /enum must be an array");
}

TEST(JsonSchema, FailsToCompileInvalidRegex) {
  const std::string error = compile_error(json::parse(R"({"properties": {"p": {"pattern": "(unclosed"}}})"));
  EXPECT_EQ(error.rfind("invalid schema: keyword at /properties/p/pattern has an invalid regular expression "
                        "\"(unclosed\"",
                        0),
            0u)
      << error;
}

// Found by fuzzing: a count past LONG_MAX overflowed inside libstdc++'s regex compiler (undefined behaviour), and
// counts multiplied out by the million built automata as large; such a pattern is refused. A bracket class weighs
// more than a character: 44461 copies of one took seconds to build and free. The digits of a brace it then rejects
// ({16922337203633720368547758,7W}) and of a back-reference are read the same unchecked way.
TEST(JsonSchema, FailsToCompileARegexWhoseCountsMultiplyOutTooFar) {
  for (const char* pattern :
       {"^p-[0-9a-f]{169223372036854775807}$", "a{100001}", "(a{1000}){1000}", "((x|y){100}z){1000}",
        "^p-[0-9a-f$1e400]{44461}", "[a-z]{5001}", "^p-[1-9a-f]{16922337203633720368547758,7W}$",
        "(a)\\16922337203633720368547758", "[\\16922337203633720368547758]"}) {
    const std::string error = compile_error(json{{"pattern", pattern}});
    EXPECT_NE(error.find("multiply out past 100000"), std::string::npos) << pattern << ": " << error;
  }
  for (const char* pattern : {"^p-[0-9a-f]{16}$", "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]{1,63})*$", "[{]{3}",
                              "\\{100000000\\}", "a{5000}", "^[A-Za-z0-9+/]{0,4000}={0,2}$", "(a)\\1", "^[0-9]{16}$"}) {
    EXPECT_EQ(compile_error(json{{"pattern", pattern}}), "<compiled>") << pattern;
  }
}

TEST(JsonSchema, FailsToCompileNonSchemaValue) {
  EXPECT_EQ(compile_error(json::parse(R"({"items": 3})")),
            "invalid schema at /items: a schema must be an object or a boolean, got 3");
  EXPECT_EQ(compile_error(json("string")),
            "invalid schema at (root): a schema must be an object or a boolean, got \"string\"");
}

TEST(JsonSchema, FailsToCompileBrokenDefinitionNobodyReferences) {
  EXPECT_EQ(compile_error(json::parse(R"({"$defs": {"x": {"maxItems": "3"}}})")),
            "invalid schema: keyword \"maxItems\" at /$defs/x/maxItems must be a non-negative integer");
}

TEST(JsonSchema, IgnoresAnnotationsAndUnknownKeywords) {
  const auto s = compiled(json::parse(R"({"$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "t", "description": "d", "examples": [1], "$comment": "c", "x-vendor": {"type": "bogus"},
    "format": "date-time", "type": "string"})"));
  EXPECT_TRUE(s.is_valid("not a date"));
}

// ------------------------------------------------------------------------------------ error budget

TEST(JsonSchema, StopsAfterFiftyErrors) {
  const auto s = compiled(json::parse(R"({"items": {"type": "string"}})"));
  const auto errors = s.validate(json(std::vector<int>(200, 1)));
  EXPECT_EQ(errors.size(), JsonSchema::kMaxErrors);
}

TEST(JsonSchema, ReportsEveryViolationNotJustTheFirst) {
  const auto s = compiled(json::parse(R"({"properties": {"a": {"type": "string"}, "b": {"maximum": 1}},
                                          "required": ["c"]})"));
  const auto errors = s.validate(json{{"a", 1}, {"b", 2}});
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_FALSE(s.is_valid(json{{"a", 1}, {"b", 2}}));
}

TEST(JsonSchema, SurvivesDeeplyNestedInstance) {
  const auto s = compiled(json::parse(R"({"$defs": {"n": {"items": {"$ref": "#/$defs/n"}}}, "$ref": "#/$defs/n"})"));
  json deep = json::array();
  for (int i = 0; i < 1000; ++i) deep = json::array({deep});
  EXPECT_FALSE(s.is_valid(deep));
  EXPECT_FALSE(s.validate(deep).empty());
}

TEST(JsonSchema, FormatsNoErrorsAsEmptyString) { EXPECT_EQ(format_errors({}), ""); }

// ----------------------------------------------------------------------------------------- defaults

TEST(JsonSchema, FillsDefaultsOfAbsentPropertiesRecursively) {
  const auto s = compiled(json::parse(R"({
    "$defs": {"tail": {"type": "integer", "default": 100}},
    "properties": {
      "namespace": {"type": "string", "default": "default"},
      "since": {"type": "string"},
      "options": {"type": "object", "default": {},
                  "properties": {"tail": {"$ref": "#/$defs/tail"}, "follow": {"default": false}}},
      "given": {"default": "unused"}}})"));
  json args = {{"given", "kept"}};
  s.apply_defaults(args);
  EXPECT_EQ(args, json::parse(R"({"given": "kept", "namespace": "default",
                                  "options": {"tail": 100, "follow": false}})"));
  EXPECT_TRUE(s.is_valid(args));
}

TEST(JsonSchema, FillsDefaultsInsideArrayItems) {
  const auto s = compiled(json::parse(R"({"items": {"properties": {"weight": {"default": 1}}}})"));
  json list = json::parse(R"([{}, {"weight": 5}, "not an object"])");
  s.apply_defaults(list);
  EXPECT_EQ(list, json::parse(R"([{"weight": 1}, {"weight": 5}, "not an object"])"));
}

TEST(JsonSchema, DefaultsLeaveNonObjectsAlone) {
  const auto s = compiled(json::parse(R"({"properties": {"a": {"default": 1}}})"));
  json value = 3;
  s.apply_defaults(value);
  EXPECT_EQ(value, json(3));
}

TEST(JsonSchema, CopiesShareTheCompiledSchema) {
  const auto original = compiled(json{{"type", "string"}});
  const JsonSchema copy = original;  // NOLINT(performance-unnecessary-copy-initialization)
  EXPECT_TRUE(copy.is_valid("x"));
  EXPECT_FALSE(copy.is_valid(1));
}

}  // namespace
}  // namespace eks::protocol
