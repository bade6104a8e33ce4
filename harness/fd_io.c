/*
 * fd_io.c — whole reads and writes on a descriptor: a short transfer or an
 * interrupted call goes on until all of it is moved. Only read and write,
 * so that a signal handler's or a forked child's use is safe.
 */
#include "gauntlet.h"

#include <errno.h>
#include <unistd.h>

bool fd_write_all(int fd, const void *buf, size_t len)
{
    for (const char *p = buf; len;) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

bool fd_read_all(int fd, void *buf, size_t len)
{
    for (char *p = buf; len;) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}
