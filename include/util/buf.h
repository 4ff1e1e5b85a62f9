/* Growable byte buffer, always NUL-terminated so it can be read as a C string.
 *
 * Owns: nothing beyond its own storage. Used for request bodies, response bodies and
 * any text assembled piece by piece. */
#ifndef BCM_UTIL_BUF_H
#define BCM_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct buf {
    char *data; /* NULL until the first append; buf_cstr() never returns NULL */
    size_t len;
    size_t cap;
} buf_t;

#define BUF_INIT {NULL, 0, 0}

void buf_init(buf_t *b);
void buf_free(buf_t *b);
void buf_reset(buf_t *b); /* length 0, storage kept */
void buf_reserve(buf_t *b, size_t extra);
void buf_append(buf_t *b, const void *p, size_t n);
void buf_puts(buf_t *b, const char *s);
void buf_putc(buf_t *b, char c);
void buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(buf_t *b, const char *fmt, va_list ap);
const char *buf_cstr(const buf_t *b);
/* Hands the storage to the caller (never NULL) and leaves the buffer empty. */
char *buf_detach(buf_t *b);

#endif
