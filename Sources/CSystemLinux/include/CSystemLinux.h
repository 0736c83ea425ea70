#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>
#include <signal.h>
#include <errno.h>
#include <sys/uio.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <time.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <limits.h>
#include <stdint.h>

// --- epoll without the packed struct -------------------------------------------------
// `struct epoll_event` is __attribute__((packed)) on x86_64; these helpers copy it into
// a plain struct so Swift never has to reason about its layout.

/// One readiness notification: the epoll event mask and the 64-bit key registered with it.
typedef struct {
    uint32_t events;
    uint64_t key;
} csl_epoll_notification;

static inline int csl_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t key) {
    struct epoll_event ev;
    ev.events = events;
    ev.data.u64 = key;
    return epoll_ctl(epfd, op, fd, &ev);
}

/// Waits like epoll_wait(2) and copies up to `max` (capped at 512) events into `out`.
static inline int csl_epoll_wait(int epfd, csl_epoll_notification *out, int max, int timeout_ms) {
    struct epoll_event evs[512];
    if (max > 512) max = 512;
    int n = epoll_wait(epfd, evs, max, timeout_ms);
    for (int i = 0; i < n; i++) {
        out[i].events = evs[i].events;
        out[i].key = evs[i].data.u64;
    }
    return n;
}

static inline uint32_t csl_EPOLLIN(void) { return EPOLLIN; }
static inline uint32_t csl_EPOLLOUT(void) { return EPOLLOUT; }
static inline uint32_t csl_EPOLLERR(void) { return EPOLLERR; }
static inline uint32_t csl_EPOLLHUP(void) { return EPOLLHUP; }
static inline uint32_t csl_EPOLLRDHUP(void) { return EPOLLRDHUP; }
static inline int csl_SOCK_STREAM_NONBLOCK_CLOEXEC(void) { return SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC; }
static inline int csl_SOCK_NONBLOCK_CLOEXEC(void) { return SOCK_NONBLOCK | SOCK_CLOEXEC; }
static inline int csl_errno(void) { return errno; }

/// accept4(2) is a GNU extension hidden from Swift's Glibc module without _GNU_SOURCE.
int csl_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);

/// stat(2) reduced to what static file serving needs. Returns 0 or -1 (errno set).
static inline int csl_stat(const char *path, int64_t *size, int64_t *mtime_ns, int *is_dir, int *is_reg) {
    struct stat st;
    int rc = stat(path, &st);
    if (rc != 0) return rc;
    *size = (int64_t)st.st_size;
    *mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000LL + (int64_t)st.st_mtim.tv_nsec;
    *is_dir = S_ISDIR(st.st_mode) ? 1 : 0;
    *is_reg = S_ISREG(st.st_mode) ? 1 : 0;
    return 0;
}

// --- Relaxed atomic counters ------------------------------------------------------------
// For statistics written by many threads: a lock-free add instead of a contended mutex.

static inline void csl_counter_add(uint64_t *counter, uint64_t value) {
    __atomic_fetch_add(counter, value, __ATOMIC_RELAXED);
}

static inline uint64_t csl_counter_load(const uint64_t *counter) {
    return __atomic_load_n(counter, __ATOMIC_RELAXED);
}
