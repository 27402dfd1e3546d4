#include <stdlib.h>
#include "curl_loader.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/// The libcurl functions cfsync calls, resolved by name from the dlopen'ed library.
struct curl_functions {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    CURLM *(*multi_init)(void);
    CURLMcode (*multi_cleanup)(CURLM *);
    CURLMcode (*multi_add_handle)(CURLM *, CURL *);
    CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
    CURLMcode (*multi_perform)(CURLM *, int *);
    CURLMsg *(*multi_info_read)(CURLM *, int *);
    /// Optional: NULL before 7.66, then multi_wait is used.
    CURLMcode (*multi_poll)(CURLM *, struct curl_waitfd[], unsigned int, int, int *);
    CURLMcode (*multi_wait)(CURLM *, struct curl_waitfd[], unsigned int, int, int *);
};

static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
/// Written once, under load_lock, before any handle exists; only read afterwards.
static struct curl_functions curl;
static int loaded;

static int resolve(void *library, const char *name, void **slot, int optional, char *error, size_t error_size) {
    *slot = dlsym(library, name);
    if (*slot == NULL && !optional) {
        snprintf(error, error_size, "%s not found in libcurl", name);
        return -1;
    }
    return 0;
}

int cfcurl_load(const char *library_name, char *error, size_t error_size) {
    pthread_mutex_lock(&load_lock);
    if (loaded) {
        // Only the library name matters to a failed load; a second successful one
        // would resolve the same functions, so keep the first.
        void *again = dlopen(library_name, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
        if (again == NULL) again = dlopen(library_name, RTLD_NOW | RTLD_LOCAL);
        pthread_mutex_unlock(&load_lock);
        if (again == NULL) {
            snprintf(error, error_size, "%s", dlerror());
            return -1;
        }
        dlclose(again);  // the first handle keeps the library loaded
        return 0;
    }
    // Debian's libcurl4 pulls in GnuTLS (through librtmp and libldap) besides OpenSSL, and
    // GnuTLS initialises itself when loaded: ~0.8 MB of peak RSS for a library cfsync never
    // uses (curl is limited to http and https, over OpenSSL). GNUTLS_NO_IMPLICIT_INIT is
    // GnuTLS's documented switch for that; an existing value is kept. Not in a constructor:
    // the Swift runtime may find argv from environ, which setenv moves. Commands cfsync runs
    // get an environment of their own, without it.
    setenv("GNUTLS_NO_IMPLICIT_INIT", "1", 0);
    void *library = dlopen(library_name, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        const char *why = dlerror();
        snprintf(error, error_size, "%s", why ? why : "dlopen failed");
        pthread_mutex_unlock(&load_lock);
        return -1;
    }
    struct curl_functions found;
    int failed =
        resolve(library, "curl_global_init", (void **)&found.global_init, 0, error, error_size) ||
        resolve(library, "curl_easy_init", (void **)&found.easy_init, 0, error, error_size) ||
        resolve(library, "curl_easy_cleanup", (void **)&found.easy_cleanup, 0, error, error_size) ||
        resolve(library, "curl_easy_strerror", (void **)&found.easy_strerror, 0, error, error_size) ||
        resolve(library, "curl_easy_setopt", (void **)&found.easy_setopt, 0, error, error_size) ||
        resolve(library, "curl_easy_getinfo", (void **)&found.easy_getinfo, 0, error, error_size) ||
        resolve(library, "curl_slist_append", (void **)&found.slist_append, 0, error, error_size) ||
        resolve(library, "curl_slist_free_all", (void **)&found.slist_free_all, 0, error, error_size) ||
        resolve(library, "curl_multi_init", (void **)&found.multi_init, 0, error, error_size) ||
        resolve(library, "curl_multi_cleanup", (void **)&found.multi_cleanup, 0, error, error_size) ||
        resolve(library, "curl_multi_add_handle", (void **)&found.multi_add_handle, 0, error, error_size) ||
        resolve(library, "curl_multi_remove_handle", (void **)&found.multi_remove_handle, 0, error, error_size) ||
        resolve(library, "curl_multi_perform", (void **)&found.multi_perform, 0, error, error_size) ||
        resolve(library, "curl_multi_info_read", (void **)&found.multi_info_read, 0, error, error_size) ||
        resolve(library, "curl_multi_wait", (void **)&found.multi_wait, 0, error, error_size) ||
        resolve(library, "curl_multi_poll", (void **)&found.multi_poll, 1, error, error_size);
    if (failed) {
        dlclose(library);
        pthread_mutex_unlock(&load_lock);
        return -1;
    }
    CURLcode init = found.global_init(CURL_GLOBAL_DEFAULT);
    if (init != CURLE_OK) {
        snprintf(error, error_size, "curl_global_init failed: %s", found.easy_strerror(init));
        pthread_mutex_unlock(&load_lock);
        return -1;
    }
    curl = found;
    loaded = 1;
    pthread_mutex_unlock(&load_lock);
    return 0;
}

CURL *cfcurl_easy_init(void) { return curl.easy_init(); }
void cfcurl_easy_cleanup(CURL *easy) { curl.easy_cleanup(easy); }
const char *cfcurl_easy_strerror(CURLcode code) { return curl.easy_strerror(code); }

CURLcode cfcurl_setopt_long(CURL *easy, CURLoption option, long value) {
    return curl.easy_setopt(easy, option, value);
}

CURLcode cfcurl_setopt_ptr(CURL *easy, CURLoption option, const void *value) {
    return curl.easy_setopt(easy, option, value);
}

CURLcode cfcurl_setopt_off_t(CURL *easy, CURLoption option, curl_off_t value) {
    return curl.easy_setopt(easy, option, value);
}

CURLcode cfcurl_setopt_write_callback(CURL *easy, cfcurl_data_callback callback, void *context) {
    CURLcode code = curl.easy_setopt(easy, CURLOPT_WRITEFUNCTION, callback);
    return code != CURLE_OK ? code : curl.easy_setopt(easy, CURLOPT_WRITEDATA, context);
}

CURLcode cfcurl_setopt_header_callback(CURL *easy, cfcurl_data_callback callback, void *context) {
    CURLcode code = curl.easy_setopt(easy, CURLOPT_HEADERFUNCTION, callback);
    return code != CURLE_OK ? code : curl.easy_setopt(easy, CURLOPT_HEADERDATA, context);
}

CURLcode cfcurl_restrict_protocols(CURL *easy, int allow_http_redirects) {
    const char *redirects = allow_http_redirects ? "http,https" : "https";
    CURLcode code = curl.easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    if (code == CURLE_OK) return curl.easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, redirects);
    if (code != CURLE_UNKNOWN_OPTION) return code;
    // libcurl before 7.85: the bitmasks.
    code = curl.easy_setopt(easy, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    if (code != CURLE_OK) return code;
    long mask = allow_http_redirects ? (CURLPROTO_HTTP | CURLPROTO_HTTPS) : CURLPROTO_HTTPS;
    return curl.easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS, mask);
}

CURLcode cfcurl_getinfo_long(CURL *easy, CURLINFO info, long *value) {
    return curl.easy_getinfo(easy, info, value);
}

CURLcode cfcurl_getinfo_string(CURL *easy, CURLINFO info, const char **value) {
    char *text = NULL;
    CURLcode code = curl.easy_getinfo(easy, info, &text);
    *value = text;
    return code;
}

struct curl_slist *cfcurl_slist_append(struct curl_slist *list, const char *text) {
    return curl.slist_append(list, text);
}

void cfcurl_slist_free_all(struct curl_slist *list) { curl.slist_free_all(list); }

CURLM *cfcurl_multi_init(void) { return curl.multi_init(); }
void cfcurl_multi_cleanup(CURLM *multi) { curl.multi_cleanup(multi); }
CURLMcode cfcurl_multi_add_handle(CURLM *multi, CURL *easy) { return curl.multi_add_handle(multi, easy); }
CURLMcode cfcurl_multi_remove_handle(CURLM *multi, CURL *easy) { return curl.multi_remove_handle(multi, easy); }
CURLMcode cfcurl_multi_perform(CURLM *multi, int *running) { return curl.multi_perform(multi, running); }

CURLMcode cfcurl_multi_poll(CURLM *multi, int timeout_ms) {
    int ready = 0;
    if (curl.multi_poll != NULL) return curl.multi_poll(multi, NULL, 0, timeout_ms, &ready);
    return curl.multi_wait(multi, NULL, 0, timeout_ms, &ready);
}

int cfcurl_multi_next_done(CURLM *multi, CURL **easy, CURLcode *result) {
    int queued = 0;
    CURLMsg *message;
    while ((message = curl.multi_info_read(multi, &queued)) != NULL) {
        if (message->msg == CURLMSG_DONE) {
            *easy = message->easy_handle;
            *result = message->data.result;
            return 1;
        }
    }
    return 0;
}
