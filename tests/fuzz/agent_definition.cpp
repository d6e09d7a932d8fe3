// Agent definitions: Markdown with YAML front matter, read from the shipped set and from a directory the
// operator configures. Every byte of a file reaches parse_definition.
#include <string>

#include "agents/definitions.hpp"
#include "tests/fuzz/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)eks::agents::parse_definition(eks::fuzz::as_text(data, size), "fuzz.md");
  return 0;
}
