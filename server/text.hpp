#pragma once
// Small text helpers shared by every layer.
#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

namespace eks {

// ASCII lower case: header names, Kubernetes kinds, policy words and log patterns are compared this way.
inline std::string lower_ascii(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace eks
