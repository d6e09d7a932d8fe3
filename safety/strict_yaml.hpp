#pragma once
// Strict YAML: for the documents whose meaning must be the same to us and to the Go programs that act on them
// (kubeconfigs, manifests the validator classifies). yaml-cpp and Go's YAML readers disagree on duplicate keys
// (first wins vs last wins), merge keys (`<<`), anchors and tags, so an input using any of them could be
// decided on one reading and executed on another. Here each is an error naming its line, never a guess.
// Built on libfyaml (a YAML 1.2 parser), with the core schema for plain scalars as safety/yaml_json.hpp has.
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

namespace eks::safety::yaml {

// Parses every document of a YAML (or JSON) stream. Refused, with "line N: ..." naming the first one found:
// duplicate keys, merge keys, anchors and aliases, explicit tags (!!binary, !!str, !custom), keys that are not
// scalars, nesting deeper than 64, plain scalars that YAML 1.1 and 1.2 type differently (yes, on, 0777,
// 0x1f, 1_000, 1:20: quote them). Null documents are skipped. Never throws.
tl::expected<std::vector<nlohmann::json>, std::string> parse_strict_all(std::string_view text);

// The value of a single-quoted scalar from its content as written, quotes excluded and already scanned as valid:
// '' unescaped, lines folded. parse_strict_all reads single-quoted scalars with it.
std::string single_quoted_text(std::string_view raw);

}  // namespace eks::safety::yaml
