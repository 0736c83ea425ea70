#include <curl/curl.h>

/* curl_easy_setopt and curl_easy_getinfo are variadic: Swift cannot call them.
   One typed wrapper per argument kind (STYLE.md practice 2). */
static inline CURLcode ccurl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_write_callback(CURL *h, size_t (*f)(char *, size_t, size_t, void *)) { return curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, f); }
static inline CURLcode ccurl_setopt_header_callback(CURL *h, size_t (*f)(char *, size_t, size_t, void *)) { return curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, f); }
static inline CURLcode ccurl_setopt_read_callback(CURL *h, size_t (*f)(char *, size_t, size_t, void *)) { return curl_easy_setopt(h, CURLOPT_READFUNCTION, f); }
static inline CURLcode ccurl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode ccurl_getinfo_double(CURL *h, CURLINFO i, double *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode ccurl_setopt_off_t(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_getinfo_string(CURL *h, CURLINFO i, char **v) { return curl_easy_getinfo(h, i, v); }

/* Address pinning (webhooks, docs/SECURITY.md "Outbound calls"): CURLOPT_RESOLVE makes libcurl use the addresses
   our URL policy checked instead of resolving the name again, and this CURLOPT_OPENSOCKETFUNCTION refuses to open a
   socket to any other address, so not even a name the pin does not cover (or a redirect, a proxy) reaches one. */
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#define CCURL_MAX_PINNED 8
typedef struct {
    int count;
    unsigned char length[CCURL_MAX_PINNED];
    unsigned char bytes[CCURL_MAX_PINNED][16];
} ccurl_pinned_addresses;

/* Adds 4 (IPv4) or 16 (IPv6) raw address bytes; returns 0 when full or the length is wrong. */
static inline int ccurl_pins_add(ccurl_pinned_addresses *p, const unsigned char *bytes, int length) {
    if (p->count >= CCURL_MAX_PINNED || (length != 4 && length != 16)) return 0;
    memcpy(p->bytes[p->count], bytes, (size_t)length);
    p->length[p->count] = (unsigned char)length;
    p->count += 1;
    return 1;
}

static inline curl_socket_t ccurl_pinned_opensocket(void *clientp, curlsocktype purpose, struct curl_sockaddr *a) {
    const ccurl_pinned_addresses *pins = (const ccurl_pinned_addresses *)clientp;
    const unsigned char *bytes;
    int length;
    if (purpose != CURLSOCKTYPE_IPCXN) return CURL_SOCKET_BAD;
    /* libcurl hands a struct Curl_sockaddr_ex: `addr` has room for a sockaddr_in6 (see addrlen). */
    if (a->family == AF_INET && a->addrlen >= sizeof(struct sockaddr_in)) {
        bytes = (const unsigned char *)&((const struct sockaddr_in *)(const void *)&a->addr)->sin_addr;
        length = 4;
    } else if (a->family == AF_INET6 && a->addrlen >= sizeof(struct sockaddr_in6)) {
        bytes = (const unsigned char *)&((const struct sockaddr_in6 *)(const void *)&a->addr)->sin6_addr;
        length = 16;
    } else {
        return CURL_SOCKET_BAD;
    }
    for (int i = 0; i < pins->count && i < CCURL_MAX_PINNED; i++) {
        if (pins->length[i] == length && memcmp(pins->bytes[i], bytes, (size_t)length) == 0) {
            return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
        }
    }
    return CURL_SOCKET_BAD;
}

static inline CURLcode ccurl_setopt_pinned_opensocket(CURL *h, ccurl_pinned_addresses *pins) {
    CURLcode code = curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, ccurl_pinned_opensocket);
    return code != CURLE_OK ? code : curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, (void *)pins);
}
