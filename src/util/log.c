#include "util/log.h"

#include "util/buf.h"
#include "util/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

struct debug_log {
    FILE *out;
    bool owned;
};

struct debug_log *debug_log_open(const char *path, char **error)
{
    struct debug_log *log = xcalloc(1, sizeof(*log));
    if (!path || strcmp(path, "-") == 0) {
        log->out = stderr;
        return log;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0 || !(log->out = fdopen(fd, "a"))) {
        if (error)
            *error = xasprintf("cannot open the debug log %s: %s; choose another path with --debug-file",
                               path, strerror(errno));
        if (fd >= 0)
            close(fd);
        free(log);
        return NULL;
    }
    log->owned = true;
    return log;
}

void debug_log_close(struct debug_log *log)
{
    if (!log)
        return;
    if (log->owned)
        fclose(log->out);
    else
        fflush(log->out);
    free(log);
}

void debug_log(struct debug_log *log, const char *fmt, ...)
{
    if (!log)
        return;
    buf_t line = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&line, fmt, ap);
    va_end(ap);
    char *safe = redact_secrets(buf_cstr(&line));
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    fprintf(log->out, "%02d:%02d:%02d.%03ld debug: %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
            ts.tv_nsec / 1000000, safe);
    fflush(log->out);
    free(safe);
    buf_free(&line);
}

/* Masks the value that follows `marker` up to the first byte in `stops`. */
static void s_mask_after(buf_t *text, const char *marker, const char *stops)
{
    size_t mlen = strlen(marker);
    size_t from = 0;
    for (;;) {
        char *hay = text->data ? text->data + from : NULL;
        if (!hay)
            return;
        char *hit = strcasestr(hay, marker);
        if (!hit)
            return;
        size_t start = (size_t)(hit - text->data) + mlen;
        size_t end = start;
        while (end < text->len && !strchr(stops, text->data[end]))
            end++;
        if (end > start) {
            buf_t out = BUF_INIT;
            buf_append(&out, text->data, start);
            buf_puts(&out, "***");
            buf_append(&out, text->data + end, text->len - end);
            buf_free(text);
            *text = out;
            end = start + 3;
        }
        from = end;
    }
}

char *redact_secrets(const char *text)
{
    buf_t t = BUF_INIT;
    buf_puts(&t, text ? text : "");
    s_mask_after(&t, "Signature=", ", &\"\r\n");
    s_mask_after(&t, "X-Amz-Security-Token=", "&\" \r\n");
    s_mask_after(&t, "X-Amz-Security-Token: ", "\r\n");
    s_mask_after(&t, "x-amz-sso_bearer_token: ", "\r\n");
    s_mask_after(&t, "X-Amz-Credential=", "&\" ,\r\n");
    static const char *const json_fields[] = {
        "\"SecretAccessKey\":", "\"SessionToken\":", "\"Token\":", "\"accessToken\":",
        "\"secretAccessKey\":", "\"sessionToken\":",
    };
    for (size_t i = 0; i < sizeof json_fields / sizeof *json_fields; i++) {
        /* Covers both `"k":"v"` and `"k": "v"`: the mask runs to the closing quote. */
        s_mask_after(&t, json_fields[i], ",}\r\n");
    }
    s_mask_after(&t, "<SecretAccessKey>", "<");
    s_mask_after(&t, "<SessionToken>", "<");
    return buf_detach(&t);
}
