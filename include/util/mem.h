/* util/ — the bottom layer (util < aws < engine < app < cli, tui; see README
 * "Layout"): the program's plumbing, with no knowledge of AWS or of Bedrock Chat —
 * memory, buffers, the one event loop, the one random source, the debug log, and
 * sanitising and measuring text. It includes nothing else of the program; every other
 * folder may use it.
 *
 * Allocation that cannot fail silently.
 *
 * Owns: the policy for out-of-memory. This tool holds at most a few tens of MiB; when
 * malloc fails there is nothing sensible to continue with, so these wrappers print one
 * line and abort instead of threading NULL checks through every caller. */
#ifndef BCM_UTIL_MEM_H
#define BCM_UTIL_MEM_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Formatted allocation; never returns NULL. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Overwrites then frees a secret string (credentials, tokens). NULL is fine. */
void free_secret(char *s);

#endif
