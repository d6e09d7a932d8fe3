#include "server/upstream/curl.hpp"

#include <dlfcn.h>

#include <type_traits>

namespace eks::upstream {

const tl::expected<Curl, std::string>& curl() {
  static const tl::expected<Curl, std::string> loaded = []() -> tl::expected<Curl, std::string> {
    void* library = ::dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!library) {
      return tl::unexpected(std::string("HTTP needs libcurl (Debian package libcurl4): ") + ::dlerror());
    }
    Curl c{};
    bool complete = true;
    auto bind = [&](auto& function, const char* name) {
      function = reinterpret_cast<std::remove_reference_t<decltype(function)>>(::dlsym(library, name));
      complete = complete && function != nullptr;
    };
    bind(c.global_init, "curl_global_init");
    bind(c.easy_init, "curl_easy_init");
    bind(c.easy_setopt, "curl_easy_setopt");
    bind(c.easy_perform, "curl_easy_perform");
    bind(c.easy_getinfo, "curl_easy_getinfo");
    bind(c.easy_cleanup, "curl_easy_cleanup");
    bind(c.easy_strerror, "curl_easy_strerror");
    bind(c.slist_append, "curl_slist_append");
    bind(c.slist_free_all, "curl_slist_free_all");
    if (!complete) return tl::unexpected(std::string("libcurl.so.4 lacks a function this build uses"));
    if (c.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return tl::unexpected(std::string("curl_global_init failed"));
    return c;
  }();
  return loaded;
}

}  // namespace eks::upstream
