#pragma once
// Shared by the fuzz targets: each target file defines LLVMFuzzerTestOneInput (and maybe LLVMFuzzerInitialize)
// exactly as libFuzzer expects; the ci build renames them per file and replays the seed corpora through
// replay_main.cpp instead. A property the target asserts beyond "no crash" fails through check(), which aborts
// so that libFuzzer (and the replay) report the input.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>

namespace eks::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

[[noreturn]] inline void fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "fuzz property violated: %s\n", what);
  // fwrite, not %s: the detail is fuzzed bytes, NULs included.
  if (!detail.empty()) {
    std::fputs("  ", stderr);
    std::fwrite(detail.data(), 1, std::min<std::size_t>(detail.size(), 2000), stderr);
    std::fputs("\n", stderr);
  }
  std::abort();
}

inline void check(bool ok, const char* what, std::string_view detail = {}) {
  if (!ok) fail(what, detail);
}

// Splits a fuzz input at its first newline: two inputs in one (a schema and an instance, a flag line and a body).
inline std::pair<std::string_view, std::string_view> split_line(std::string_view text) {
  const auto nl = text.find('\n');
  if (nl == std::string_view::npos) return {text, {}};
  return {text.substr(0, nl), text.substr(nl + 1)};
}

}  // namespace eks::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
