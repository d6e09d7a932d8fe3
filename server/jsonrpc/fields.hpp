#pragma once
// Reading a peer's JSON without throwing, beside jsonrpc::string_field: nlohmann's value() throws on a field of
// another type and converts any number to the type asked for (a huge one to int is undefined behaviour), so a
// field written by an upstream, GitHub, Prometheus or the Messages API is read with these instead.
#include <cstdint>
#include <limits>
#include <string_view>

#include "server/jsonrpc/message.hpp"

namespace eks::jsonrpc {

// The integer at `key` when it is an integer (or an integral float) that fits T; `fallback` otherwise.
template <class T>
T integer_field(const Json& object, std::string_view key, T fallback) {
  if (!object.is_object()) return fallback;
  const auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return fallback;
  if (it->is_number_unsigned()) {
    const auto v = it->get<std::uint64_t>();
    return v <= static_cast<std::uint64_t>(std::numeric_limits<T>::max()) ? static_cast<T>(v) : fallback;
  }
  if (it->is_number_integer()) {
    const auto v = it->get<std::int64_t>();
    return v >= static_cast<std::int64_t>(std::numeric_limits<T>::min()) &&
                   v <= static_cast<std::int64_t>(std::numeric_limits<T>::max())
               ? static_cast<T>(v)
               : fallback;
  }
  const double v = it->get<double>();
  // Compared as doubles: the limits of a 64-bit T round up, so the upper bound is exclusive.
  if (!(v >= static_cast<double>(std::numeric_limits<T>::min()) &&
        v < static_cast<double>(std::numeric_limits<T>::max())) ||
      v != static_cast<double>(static_cast<std::int64_t>(v)))
    return fallback;
  return static_cast<T>(v);
}

// The boolean at `key`, or `fallback` when absent or not a boolean.
inline bool bool_field(const Json& object, std::string_view key, bool fallback) {
  if (!object.is_object()) return fallback;
  const auto it = object.find(key);
  return it != object.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

// The object at `key`, or an empty object when absent or not an object.
inline const Json& object_field(const Json& object, std::string_view key) {
  static const Json kEmpty = Json::object();
  if (!object.is_object()) return kEmpty;
  const auto it = object.find(key);
  return it != object.end() && it->is_object() ? *it : kEmpty;
}

}  // namespace eks::jsonrpc
