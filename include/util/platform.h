/* The few things the program asks of the operating system that POSIX does not say how to
 * ask: Linux has its own calls for them, macOS (and other BSDs) others. Every such call
 * lives in src/util/platform.c behind one of these functions, so the rest of the source is
 * plain POSIX and C11 (checked by scripts/check-portable.sh in `make check`).
 *
 * Owns: pipes created close-on-exec, seed bytes from the kernel, the running program's
 * own path, and a child process following its parent into death. */
#ifndef BCM_UTIL_PLATFORM_H
#define BCM_UTIL_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>

/* pipe() with both ends close-on-exec (and non-blocking when asked): pipe2 on Linux,
 * pipe + fcntl elsewhere. 0, or -1 with errno. */
int platform_pipe(int fds[2], bool nonblocking);
/* Fills buf with n (≤ 256) bytes from the kernel's random source (getrandom on Linux,
 * getentropy elsewhere). 0, or -1 when there is none. */
int platform_random_bytes(void *buf, size_t n);
/* The running program's absolute path (caller frees), or NULL when the system does not
 * say (/proc/self/exe on Linux, _NSGetExecutablePath on macOS). */
char *platform_executable_path(void);
/* In a freshly forked child: ask to be sent SIGTERM when the parent dies (Linux), so a
 * helper never outlives a crashed parent. Elsewhere nothing happens; the helper then
 * notices its parent is gone when its pipe closes. */
void platform_die_with_parent(void);

#endif
