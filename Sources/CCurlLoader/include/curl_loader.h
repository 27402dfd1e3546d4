#ifndef CFSYNC_CURL_LOADER_H
#define CFSYNC_CURL_LOADER_H

/// libcurl, loaded with dlopen on the first http(s) fetch instead of being linked, so
/// runs that never fetch (plan --offline, status, an apply from file://) do not pay for
/// libcurl and its ~30 dependencies at startup. curl.h is included for types and
/// constants only; every call goes through a pointer found with dlsym.
///
/// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call: the
/// wrappers below take one typed argument each.

#define CURL_DISABLE_TYPECHECK 1
#define CURL_DISABLE_DEPRECATION 1
#include <curl/curl.h>
#include <stddef.h>

/// curl's write and header callback: `size * count` bytes at `data`; return that count
/// to go on, anything else (0) to abort the transfer with CURLE_WRITE_ERROR.
typedef size_t (*cfcurl_data_callback)(char *data, size_t size, size_t count, void *context);

/// dlopens `library` (e.g. "libcurl.so.4") and resolves the functions below, then runs
/// curl_global_init once. Returns 0 on success; otherwise -1 with a one-line reason in
/// `error`. Thread-safe. A failed load never disturbs an earlier successful one.
int cfcurl_load(const char *library, char *error, size_t error_size);

CURL *cfcurl_easy_init(void);
void cfcurl_easy_cleanup(CURL *easy);
const char *cfcurl_easy_strerror(CURLcode code);
CURLcode cfcurl_setopt_long(CURL *easy, CURLoption option, long value);
/// Strings (copied by curl), buffers and lists (kept by the caller until cleanup).
CURLcode cfcurl_setopt_ptr(CURL *easy, CURLoption option, const void *value);
CURLcode cfcurl_setopt_off_t(CURL *easy, CURLoption option, curl_off_t value);
/// CURLOPT_WRITEFUNCTION + CURLOPT_WRITEDATA.
CURLcode cfcurl_setopt_write_callback(CURL *easy, cfcurl_data_callback callback, void *context);
/// CURLOPT_HEADERFUNCTION + CURLOPT_HEADERDATA.
CURLcode cfcurl_setopt_header_callback(CURL *easy, cfcurl_data_callback callback, void *context);
/// Only http and https, and redirects only to https, or also to http when
/// `allow_http_redirects` (never for an https source: no downgrade). Uses the
/// *_PROTOCOLS_STR options (7.85+), falling back to the older bitmasks.
CURLcode cfcurl_restrict_protocols(CURL *easy, int allow_http_redirects);
CURLcode cfcurl_getinfo_long(CURL *easy, CURLINFO info, long *value);
/// The string stays owned by curl and valid until the handle is cleaned up.
CURLcode cfcurl_getinfo_string(CURL *easy, CURLINFO info, const char **value);

struct curl_slist *cfcurl_slist_append(struct curl_slist *list, const char *text);
void cfcurl_slist_free_all(struct curl_slist *list);

CURLM *cfcurl_multi_init(void);
void cfcurl_multi_cleanup(CURLM *multi);
CURLMcode cfcurl_multi_add_handle(CURLM *multi, CURL *easy);
CURLMcode cfcurl_multi_remove_handle(CURLM *multi, CURL *easy);
CURLMcode cfcurl_multi_perform(CURLM *multi, int *running);
/// curl_multi_poll, or curl_multi_wait on a libcurl older than 7.66.
CURLMcode cfcurl_multi_poll(CURLM *multi, int timeout_ms);
/// The next finished transfer: 1 with `easy` and its `result` set, 0 when none is left.
/// (CURLMsg's union is awkward from Swift.)
int cfcurl_multi_next_done(CURLM *multi, CURL **easy, CURLcode *result);

#endif
