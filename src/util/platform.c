/* The operating system's own ways to do what POSIX leaves open; see util/platform.h. Only
 * this file may use Linux-only calls (or their macOS equivalents). */
#include "util/platform.h"

#include "util/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__linux__)
#include <sys/prctl.h>
#include <sys/random.h>
#elif defined(__APPLE__)
#include <mach-o/dyld.h>
#include <sys/random.h>
#endif

int platform_pipe(int fds[2], bool nonblocking)
{
#if defined(__linux__)
    return pipe2(fds, O_CLOEXEC | (nonblocking ? O_NONBLOCK : 0));
#else
    if (pipe(fds) != 0)
        return -1;
    for (int i = 0; i < 2; i++) {
        int fdflags = fcntl(fds[i], F_GETFD);
        int flflags = fcntl(fds[i], F_GETFL);
        if (fdflags < 0 || fcntl(fds[i], F_SETFD, fdflags | FD_CLOEXEC) != 0 || flflags < 0 ||
            (nonblocking && fcntl(fds[i], F_SETFL, flflags | O_NONBLOCK) != 0)) {
            int saved = errno;
            close(fds[0]);
            close(fds[1]);
            errno = saved;
            return -1;
        }
    }
    return 0;
#endif
}

int platform_random_bytes(void *buf, size_t n)
{
    if (n > 256)
        return -1;
#if defined(__linux__)
    return getrandom(buf, n, 0) == (ssize_t)n ? 0 : -1;
#elif defined(__APPLE__) || defined(__FreeBSD__) || defined(__OpenBSD__)
    return getentropy(buf, n);
#else
    (void)buf;
    return -1;
#endif
}

char *platform_executable_path(void)
{
#if defined(__linux__)
    char path[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    if (n <= 0)
        return NULL;
    path[n] = '\0';
    return xstrdup(path);
#elif defined(__APPLE__)
    char path[PATH_MAX];
    uint32_t size = sizeof path;
    if (_NSGetExecutablePath(path, &size) != 0)
        return NULL;
    char resolved[PATH_MAX];
    return xstrdup(realpath(path, resolved) ? resolved : path);
#else
    return NULL;
#endif
}

void platform_die_with_parent(void)
{
#if defined(__linux__)
    prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
}
