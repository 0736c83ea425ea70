#define _GNU_SOURCE
#include <sys/socket.h>
// System headers for Swift, plus the few helpers that need _GNU_SOURCE.

#include "CSystemLinux.h"

int csl_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
    return accept4(fd, addr, len, flags);
}
