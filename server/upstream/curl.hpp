#pragma once
// libcurl, loaded on first use and shared by every HTTP client (Streamable HTTP upstreams, the Messages API).
// Linking it would load it, and the ~30 libraries it depends on (TLS, Kerberos, LDAP ...), at every start:
// several milliseconds of cold start that only HTTP peers need.
#include <curl/curl.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>

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
  CURLM* (*multi_init)();
  CURLMcode (*multi_add_handle)(CURLM*, CURL*);
  CURLMcode (*multi_remove_handle)(CURLM*, CURL*);
  CURLMcode (*multi_perform)(CURLM*, int*);
  CURLMcode (*multi_poll)(CURLM*, curl_waitfd*, unsigned int, int, int*);
  CURLMsg* (*multi_info_read)(CURLM*, int*);
  CURLMcode (*multi_cleanup)(CURLM*);
};

// The loaded library, or the reason it could not be loaded (the same answer on every call). Thread-safe.
const tl::expected<Curl, std::string>& curl();

// What one transfer collects: the response body, the response headers (names in lower case, values trimmed;
// a repeated header keeps its last value), and the cancellation it honours while data flows.
struct Transfer {
  std::string body;
  std::map<std::string, std::string> headers;
  const std::function<bool()>* cancelled = nullptr;  // may be null, or point to an empty function

  // The header's value, or "" when the response had none. `name` in lower case.
  std::string header(std::string_view name) const;
};

// Points the handle's write, header and progress callbacks at `transfer` (which must outlive the transfer): the
// body and headers are collected there, and a true `cancelled()` aborts with CURLE_ABORTED_BY_CALLBACK. The
// library must be loaded.
void collect(CURL* handle, Transfer& transfer);

// Makes `handle` a POST of `body` (which must outlive the transfer) to `url` with `headers`, its answer collected
// into `transfer`: the whole exchange bounded by `timeout`, connecting by `connect_timeout`, no signals (the
// handle may run on any thread), http and https only. The library must be loaded.
void prepare_post(CURL* handle, const std::string& url, const std::string& body, curl_slist* headers,
                  Transfer& transfer, std::chrono::milliseconds timeout, std::chrono::milliseconds connect_timeout);

// Runs a prepared easy handle like curl_easy_perform, but looks at `cancelled` every `poll` (libcurl's progress
// callback runs only about once a second on an idle connection): CURLE_ABORTED_BY_CALLBACK once it is true.
// The library must be loaded.
CURLcode perform(CURL* handle, const std::function<bool()>& cancelled, int poll_ms = 20);

}  // namespace eks::upstream
