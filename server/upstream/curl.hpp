#pragma once
// libcurl, loaded on first use and shared by every HTTP client (Streamable HTTP upstreams, the Messages API).
// Linking it would load it, and the ~30 libraries it depends on (TLS, Kerberos, LDAP ...), at every start:
// several milliseconds of cold start that only HTTP peers need.
#include <curl/curl.h>

#include <string>

#include <tl/expected.hpp>

namespace eks::upstream {

struct Curl {
  CURLcode (*global_init)(long);
  CURL* (*easy_init)();
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...);
  CURLcode (*easy_perform)(CURL*);
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...);
  void (*easy_cleanup)(CURL*);
  const char* (*easy_strerror)(CURLcode);
  curl_slist* (*slist_append)(curl_slist*, const char*);
  void (*slist_free_all)(curl_slist*);
};

// The loaded library, or the reason it could not be loaded (the same answer on every call). Thread-safe.
const tl::expected<Curl, std::string>& curl();

}  // namespace eks::upstream
