#include "server/upstream/curl.hpp"

#include <dlfcn.h>

#include <type_traits>

#include "server/text.hpp"

namespace eks::upstream {
namespace {

std::string trim(std::string s) {
  s.erase(0, s.find_first_not_of(" \t\r\n"));
  s.erase(s.find_last_not_of(" \t\r\n") + 1);
  return s;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  static_cast<Transfer*>(user)->body.append(data, size * count);
  return size * count;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::string line(data, size * count);
  const auto colon = line.find(':');
  if (colon != std::string::npos) t->headers[lower_ascii(line.substr(0, colon))] = trim(line.substr(colon + 1));
  return size * count;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* t = static_cast<Transfer*>(user);
  return t->cancelled && *t->cancelled && (*t->cancelled)() ? 1 : 0;  // non-zero aborts the transfer
}

}  // namespace

std::string Transfer::header(std::string_view name) const {
  const auto it = headers.find(std::string(name));
  return it == headers.end() ? std::string() : it->second;
}

void collect(CURL* handle, Transfer& transfer) {
  const Curl& c = *curl();
  c.easy_setopt(handle, CURLOPT_WRITEFUNCTION, on_body);
  c.easy_setopt(handle, CURLOPT_WRITEDATA, &transfer);
  c.easy_setopt(handle, CURLOPT_HEADERFUNCTION, on_header);
  c.easy_setopt(handle, CURLOPT_HEADERDATA, &transfer);
  c.easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, on_progress);
  c.easy_setopt(handle, CURLOPT_XFERINFODATA, &transfer);
  c.easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
}

void prepare_post(CURL* handle, const std::string& url, const std::string& body, curl_slist* headers,
                  Transfer& transfer, std::chrono::milliseconds timeout, std::chrono::milliseconds connect_timeout) {
  const Curl& c = *curl();
  c.easy_setopt(handle, CURLOPT_URL, url.c_str());
  c.easy_setopt(handle, CURLOPT_POST, 1L);
  c.easy_setopt(handle, CURLOPT_POSTFIELDS, body.c_str());
  c.easy_setopt(handle, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  c.easy_setopt(handle, CURLOPT_HTTPHEADER, headers);
  collect(handle, transfer);
  c.easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  c.easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_timeout.count()));
  c.easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  c.easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
}

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
    bind(c.multi_init, "curl_multi_init");
    bind(c.multi_add_handle, "curl_multi_add_handle");
    bind(c.multi_remove_handle, "curl_multi_remove_handle");
    bind(c.multi_perform, "curl_multi_perform");
    bind(c.multi_poll, "curl_multi_poll");
    bind(c.multi_info_read, "curl_multi_info_read");
    bind(c.multi_cleanup, "curl_multi_cleanup");
    if (!complete) return tl::unexpected(std::string("libcurl.so.4 lacks a function this build uses"));
    if (c.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return tl::unexpected(std::string("curl_global_init failed"));
    return c;
  }();
  return loaded;
}

CURLcode perform(CURL* handle, const std::function<bool()>& cancelled, int poll_ms) {
  const Curl& c = *curl();
  if (!cancelled) return c.easy_perform(handle);
  CURLM* multi = c.multi_init();
  if (!multi) return CURLE_OUT_OF_MEMORY;
  CURLcode result = CURLE_OK;
  if (c.multi_add_handle(multi, handle) != CURLM_OK) {
    c.multi_cleanup(multi);
    return CURLE_FAILED_INIT;
  }
  for (int running = 1; running;) {
    if (cancelled()) {
      result = CURLE_ABORTED_BY_CALLBACK;
      break;
    }
    if (c.multi_perform(multi, &running) != CURLM_OK) {
      result = CURLE_RECV_ERROR;
      break;
    }
    if (!running) {
      int left = 0;
      while (CURLMsg* message = c.multi_info_read(multi, &left)) {
        if (message->msg == CURLMSG_DONE && message->easy_handle == handle) result = message->data.result;
      }
      break;
    }
    c.multi_poll(multi, nullptr, 0, poll_ms, nullptr);
  }
  c.multi_remove_handle(multi, handle);
  c.multi_cleanup(multi);
  return result;
}

}  // namespace eks::upstream
