/* Credential values, the static provider, the caching wrapper in front of the chain, and
 * the small parsers the providers share (timestamps, the JSON credential shapes). */
#include "aws/credentials.h"

#include "aws/cred_providers.h"
#include "util/buf.h"
#include "util/mem.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Refresh this long before expiry, so a request signed now is still valid on arrival
 * and a slow refresh does not leave callers without credentials. */
#define CRED_REFRESH_MARGIN_SECONDS (5 * 60)
/* Credentials that arrive already inside the margin (a container endpoint about to
 * rotate, a failed refresh of keys that still work) are used as they are, and asked for
 * again no more often than this, so every request does not trigger a fetch. */
#define CRED_MIN_REFRESH_INTERVAL_SECONDS 60

void aws_credentials_free(struct aws_credentials *c)
{
    if (!c)
        return;
    free_secret(c->access_key_id);
    free_secret(c->secret_access_key);
    free_secret(c->session_token);
    free(c->source);
    memset(c, 0, sizeof(*c));
}

/* dst is overwritten, not freed first. */
void aws_credentials_copy(struct aws_credentials *dst, const struct aws_credentials *src)
{
    dst->access_key_id = src->access_key_id ? xstrdup(src->access_key_id) : NULL;
    dst->secret_access_key = src->secret_access_key ? xstrdup(src->secret_access_key) : NULL;
    dst->session_token = src->session_token ? xstrdup(src->session_token) : NULL;
    dst->expiration = src->expiration;
    dst->source = src->source ? xstrdup(src->source) : NULL;
}

time_t cred_ctx_now(const struct cred_ctx *ctx)
{
    return ctx && ctx->wall_clock ? ctx->wall_clock() : time(NULL);
}

void cred_buf_wipe(struct buf *b)
{
    if (b->data)
        memset(b->data, 0, b->cap);
    buf_free(b);
}

/* Depth is bounded by cJSON's own nesting limit. */
static void s_json_wipe(cJSON *item)
{
    for (; item; item = item->next) {
        if (item->valuestring)
            memset(item->valuestring, 0, strlen(item->valuestring));
        s_json_wipe(item->child);
    }
}

void cred_json_wipe(cJSON *doc)
{
    if (doc)
        s_json_wipe(doc);
}

void cred_json_wipe_free(cJSON *doc)
{
    if (!doc)
        return;
    s_json_wipe(doc);
    cJSON_Delete(doc);
}

int cred_read_secret_file(const char *path, const char *what, size_t max, struct buf *out,
                          char **error)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        *error = xasprintf("%s %s cannot be read (%s)", what, path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        *error = xasprintf("%s %s is not a regular file", what, path);
        return -1;
    }
    /* Reserved once so the secret never moves and leaves a copy behind in freed memory. */
    buf_reserve(out, max + 1);
    char *dst = out->data + out->len;
    size_t got = 0;
    for (;;) {
        ssize_t n = read(fd, dst + got, max + 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            *error = xasprintf("%s %s cannot be read (%s)", what, path, strerror(e));
            return -1;
        }
        if (n == 0)
            break;
        got += (size_t)n;
        if (got > max) {
            close(fd);
            *error = xasprintf("%s %s is larger than %zu bytes; is it the right file?", what,
                               path, max);
            return -1;
        }
    }
    close(fd);
    out->len += got;
    out->data[out->len] = '\0';
    return 0;
}

/* ---- timestamps and JSON ---------------------------------------------------------- */

static int s_digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

int cred_parse_time(const char *text, time_t *out)
{
    if (!text)
        return -1;
    const char *p = text;
    int year, mon, day, hour, min, sec;
    if (s_digits(&p, 4, &year) || *p++ != '-' || s_digits(&p, 2, &mon) || *p++ != '-' ||
        s_digits(&p, 2, &day))
        return -1;
    if (*p != 'T' && *p != 't' && *p != ' ')
        return -1;
    p++;
    if (s_digits(&p, 2, &hour) || *p++ != ':' || s_digits(&p, 2, &min) || *p++ != ':' ||
        s_digits(&p, 2, &sec))
        return -1;
    if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60)
        return -1;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return -1;
        while (isdigit((unsigned char)*p))
            p++;
    }
    long offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (strcmp(p, "UTC") == 0) {
        p += 3;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1;
        int oh, om;
        p++;
        if (s_digits(&p, 2, &oh))
            return -1;
        if (*p == ':')
            p++;
        if (s_digits(&p, 2, &om) || oh > 23 || om > 59)
            return -1;
        offset = sign * (oh * 3600L + om * 60L);
    }
    if (*p)
        return -1;
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = year - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = min;
    tm.tm_sec = sec;
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return -1;
    *out = t - offset;
    return 0;
}

static const char *s_json_string(const cJSON *obj, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(item) && item->valuestring ? item->valuestring : NULL;
}

int cred_from_json(const cJSON *obj, const char *akid_name, const char *secret_name,
                   const char *token_name, const char *expiration_name,
                   struct aws_credentials *out, const char **missing)
{
    memset(out, 0, sizeof(*out));
    const char *akid = s_json_string(obj, akid_name);
    const char *secret = s_json_string(obj, secret_name);
    const char *token = token_name ? s_json_string(obj, token_name) : NULL;
    if (!akid || !*akid) {
        *missing = akid_name;
        return -1;
    }
    if (!secret || !*secret) {
        *missing = secret_name;
        return -1;
    }
    if (expiration_name) {
        const cJSON *exp = cJSON_GetObjectItemCaseSensitive(obj, expiration_name);
        if (cJSON_IsString(exp) && exp->valuestring && *exp->valuestring &&
            cred_parse_time(exp->valuestring, &out->expiration) != 0) {
            *missing = expiration_name;
            return -1;
        }
    }
    out->access_key_id = xstrdup(akid);
    out->secret_access_key = xstrdup(secret);
    out->session_token = token && *token ? xstrdup(token) : NULL;
    return 0;
}

/* ---- static provider -------------------------------------------------------------- */

struct static_provider {
    struct cred_provider base;
    struct aws_credentials creds;
};

static void s_static_get(struct cred_provider *p, cred_done_fn done, void *ud)
{
    struct static_provider *sp = (struct static_provider *)p;
    done(ud, &sp->creds, NULL);
}

static void s_static_destroy(struct cred_provider *p)
{
    struct static_provider *sp = (struct static_provider *)p;
    aws_credentials_free(&sp->creds);
    free(sp);
}

static const struct cred_provider_vtable s_static_vt = {s_static_get, s_static_destroy};

struct cred_provider *cred_provider_static(const struct aws_credentials *c)
{
    struct static_provider *sp = xcalloc(1, sizeof(*sp));
    sp->base.vt = &s_static_vt;
    aws_credentials_copy(&sp->creds, c);
    if (!sp->creds.source)
        sp->creds.source = xstrdup("static credentials");
    return &sp->base;
}

/* ---- caching wrapper -------------------------------------------------------------- */

struct cache_waiter {
    cred_done_fn done;
    void *ud;
};

struct cached_provider {
    struct cred_provider base;
    struct cred_provider *inner;
    time_t (*now)(void);
    struct aws_credentials creds;
    bool have;
    bool refreshing;
    time_t last_attempt;      /* when the inner provider was last asked */
    struct cache_waiter *waiters;
    size_t nwaiters, cap;
    /* Set by destroy when it runs inside a refresh callback, which then frees. */
    bool *destroyed_flag;
};

static time_t s_cache_now(const struct cached_provider *c)
{
    return c->now ? c->now() : time(NULL);
}

static bool s_cache_fresh(const struct cached_provider *c)
{
    if (!c->have)
        return false;
    if (c->creds.expiration == 0)
        return true;
    time_t now = s_cache_now(c);
    if (now < c->creds.expiration - CRED_REFRESH_MARGIN_SECONDS)
        return true;
    return now < c->creds.expiration && now - c->last_attempt < CRED_MIN_REFRESH_INTERVAL_SECONDS;
}

static void s_cache_refreshed(void *ud, const struct aws_credentials *creds, const char *error)
{
    struct cached_provider *c = ud;
    struct aws_credentials answer;
    memset(&answer, 0, sizeof(answer));
    char *why = NULL;
    if (creds) {
        aws_credentials_free(&c->creds);
        aws_credentials_copy(&c->creds, creds);
        c->have = true;
    }
    if (c->have && (creds || s_cache_now(c) < c->creds.expiration)) {
        /* A failed refresh of credentials that have not expired yet is not fatal: they
         * still work for a few minutes, and the next get() tries again. */
        aws_credentials_copy(&answer, &c->creds);
    } else {
        why = xstrdup(error ? error : "no AWS credentials found");
    }
    /* Answer from local copies: a waiter may destroy this provider. */
    struct cache_waiter *waiters = c->waiters;
    size_t n = c->nwaiters;
    c->waiters = NULL;
    c->nwaiters = c->cap = 0;
    c->refreshing = false;
    bool destroyed = false;
    c->destroyed_flag = &destroyed;
    for (size_t i = 0; i < n; i++)
        waiters[i].done(waiters[i].ud, why ? NULL : &answer, why);
    if (!destroyed)
        c->destroyed_flag = NULL;
    free(waiters);
    aws_credentials_free(&answer);
    free(why);
}

static void s_cache_get(struct cred_provider *p, cred_done_fn done, void *ud)
{
    struct cached_provider *c = (struct cached_provider *)p;
    if (s_cache_fresh(c)) {
        struct aws_credentials answer;
        aws_credentials_copy(&answer, &c->creds);
        done(ud, &answer, NULL);
        aws_credentials_free(&answer);
        return;
    }
    if (c->nwaiters == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 4;
        c->waiters = xrealloc(c->waiters, c->cap * sizeof(*c->waiters));
    }
    c->waiters[c->nwaiters++] = (struct cache_waiter){done, ud};
    if (c->refreshing)
        return;
    c->refreshing = true;
    c->last_attempt = s_cache_now(c);
    cred_provider_get(c->inner, s_cache_refreshed, c);
}

static void s_cache_destroy(struct cred_provider *p)
{
    struct cached_provider *c = (struct cached_provider *)p;
    if (c->destroyed_flag)
        *c->destroyed_flag = true;
    cred_provider_free(c->inner);
    aws_credentials_free(&c->creds);
    free(c->waiters);
    free(c);
}

static const struct cred_provider_vtable s_cache_vt = {s_cache_get, s_cache_destroy};

struct cred_provider *cred_provider_cached_new(struct cred_provider *inner, time_t (*now)(void))
{
    struct cached_provider *c = xcalloc(1, sizeof(*c));
    c->base.vt = &s_cache_vt;
    c->inner = inner;
    c->now = now;
    return &c->base;
}
