#include "aws/sigv4.h"

#include "util/buf.h"
#include "util/mem.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SHA256_LEN 32
#define SIGV4_ALGORITHM "AWS4-HMAC-SHA256"

/* Headers botocore's SigV4Auth leaves out of the signature: hop-by-hop headers and ones a
 * proxy or the HTTP library may rewrite. Everything else the request carries is signed,
 * so the signature matches what an AWS endpoint (or moto, which uses botocore) expects. */
static const char *const s_unsigned_headers[] = {
    "authorization", /* removed before signing; listed so a stale one is never signed */
    "connection",    "expect",  "keep-alive",        "proxy-authenticate", "proxy-authorization",
    "te",            "trailer", "transfer-encoding", "upgrade",            "user-agent",
    "x-amzn-trace-id",
};

static bool s_is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.' || c == '~';
}

char *aws_uri_encode(const char *s, size_t len, bool keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    buf_t out = BUF_INIT;
    buf_append(&out, "", 0); /* terminated even when s is empty */
    buf_reserve(&out, len);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (s_is_unreserved(c) || (keep_slash && c == '/')) {
            buf_putc(&out, (char)c);
        } else {
            char esc[3] = {'%', hex[c >> 4], hex[c & 0x0f]};
            buf_append(&out, esc, sizeof(esc));
        }
    }
    return buf_detach(&out);
}

static void s_hex(const unsigned char *in, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[in[i] >> 4];
        out[2 * i + 1] = hex[in[i] & 0x0f];
    }
    out[2 * n] = '\0';
}

static int s_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[SHA256_LEN];
    unsigned int mdlen = 0;
    if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != SHA256_LEN)
        return -1;
    s_hex(md, SHA256_LEN, out);
    return 0;
}

static int s_hmac(const void *key, size_t keylen, const char *msg, unsigned char out[SHA256_LEN])
{
    unsigned int outlen = 0;
    if (keylen > INT32_MAX)
        return -1;
    if (!HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg, strlen(msg), out,
              &outlen) ||
        outlen != SHA256_LEN)
        return -1;
    return 0;
}

/* ---- canonical query ---------------------------------------------------------------- */

struct s_pair {
    char *name;
    char *value;
    size_t order; /* insertion order, so equal pairs sort deterministically */
};

static int s_pair_cmp(const void *a, const void *b)
{
    const struct s_pair *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c == 0)
        c = strcmp(x->value, y->value);
    if (c == 0)
        c = (x->order > y->order) - (x->order < y->order);
    return c;
}

char *sigv4_canonical_query(const struct http_request *r)
{
    if (r->nquery == 0)
        return xstrdup("");
    struct s_pair *pairs = xcalloc(r->nquery, sizeof(*pairs));
    for (size_t i = 0; i < r->nquery; i++) {
        const char *v = r->query[i].value ? r->query[i].value : "";
        pairs[i].name = aws_uri_encode(r->query[i].name, strlen(r->query[i].name), false);
        pairs[i].value = aws_uri_encode(v, strlen(v), false);
        pairs[i].order = i;
    }
    /* Sorted by the encoded name, then the encoded value, as the service recomputes it. */
    qsort(pairs, r->nquery, sizeof(*pairs), s_pair_cmp);
    buf_t q = BUF_INIT;
    for (size_t i = 0; i < r->nquery; i++) {
        if (i)
            buf_putc(&q, '&');
        buf_printf(&q, "%s=%s", pairs[i].name, pairs[i].value);
        free(pairs[i].name);
        free(pairs[i].value);
    }
    free(pairs);
    return buf_detach(&q);
}

/* ---- canonical URI ------------------------------------------------------------------ */

/* RFC 3986 5.2.4 dot-segment removal, plus the empty segments ("//") AWS also drops. */
static char *s_normalize_path(const char *path)
{
    size_t len = strlen(path);
    if (len == 0)
        return xstrdup("/");
    /* Start offsets and lengths of the kept segments; a path has at most len/2+1. */
    size_t cap = len / 2 + 2, n = 0;
    size_t *start = xcalloc(cap, sizeof(*start));
    size_t *seglen = xcalloc(cap, sizeof(*seglen));
    for (size_t i = 0; i <= len;) {
        size_t j = i;
        while (j < len && path[j] != '/')
            j++;
        size_t l = j - i;
        if (l == 0 || (l == 1 && path[i] == '.')) {
            /* empty or "." — dropped */
        } else if (l == 2 && path[i] == '.' && path[i + 1] == '.') {
            if (n)
                n--;
        } else {
            start[n] = i;
            seglen[n] = l;
            n++;
        }
        i = j + 1;
    }
    buf_t out = BUF_INIT;
    if (path[0] == '/')
        buf_putc(&out, '/');
    for (size_t k = 0; k < n; k++) {
        if (k)
            buf_putc(&out, '/');
        buf_append(&out, path + start[k], seglen[k]);
    }
    if (path[len - 1] == '/' && n)
        buf_putc(&out, '/');
    free(start);
    free(seglen);
    return buf_detach(&out);
}

static char *s_canonical_uri(const char *path, bool s3)
{
    if (s3)
        return xstrdup(path); /* S3 signs the path exactly as sent */
    /* Other services: the wire path is already encoded once; normalise it and encode it
     * again, so "%2F" becomes "%252F" ("double encoding"). */
    char *norm = s_normalize_path(path);
    char *enc = aws_uri_encode(norm, strlen(norm), true);
    free(norm);
    return enc;
}

/* ---- canonical headers -------------------------------------------------------------- */

struct s_header {
    char *name;  /* lower-case */
    char *value; /* trimmed, inner whitespace collapsed */
    size_t order;
};

static bool s_is_signed_header(const char *name)
{
    for (size_t i = 0; i < sizeof(s_unsigned_headers) / sizeof(s_unsigned_headers[0]); i++)
        if (strcasecmp(name, s_unsigned_headers[i]) == 0)
            return false;
    return true;
}

/* The whitespace Python's str.split() splits on, for ASCII bytes; botocore trims header
 * values with it. (Python also splits on Unicode spaces such as U+00A0; header values we
 * send are ASCII, so bytes >= 0x80 are kept as they are.) */
static bool s_is_space(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static char *s_trim_all(const char *v)
{
    buf_t out = BUF_INIT;
    const unsigned char *p = (const unsigned char *)v;
    bool pending_space = false;
    while (*p) {
        if (s_is_space(*p)) {
            pending_space = out.len > 0;
        } else {
            if (pending_space)
                buf_putc(&out, ' ');
            pending_space = false;
            buf_putc(&out, (char)*p);
        }
        p++;
    }
    return buf_detach(&out);
}

static char *s_lower(const char *s)
{
    char *l = xstrdup(s);
    for (char *c = l; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    return l;
}

/* The Host header value as botocore computes it: lower-case, without the port when it is
 * the scheme's default (curl leaves the default port out of Host too). The host is sent
 * as written, so endpoint hosts should be lower-case, as AWS's always are. */
static char *s_host_value(const char *scheme, const char *host)
{
    char *h = s_lower(host);
    char *colon = NULL;
    if (h[0] == '[') {
        char *bracket = strchr(h, ']');
        if (bracket && bracket[1] == ':')
            colon = bracket + 1;
    } else if (strchr(h, ':') == strrchr(h, ':')) {
        colon = strchr(h, ':');
    }
    if (colon) {
        const char *port = colon + 1;
        bool is_default = (strcasecmp(scheme, "https") == 0 && strcmp(port, "443") == 0) ||
                          (strcasecmp(scheme, "http") == 0 && strcmp(port, "80") == 0);
        if (is_default)
            *colon = '\0';
    }
    return h;
}

static int s_header_cmp(const void *a, const void *b)
{
    const struct s_header *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c == 0)
        c = (x->order > y->order) - (x->order < y->order);
    return c;
}

/* Builds "name:value\n" lines (same-name values joined by ',') and "name;name". */
static void s_canonical_headers(const struct http_request *r, buf_t *canonical, buf_t *signed_names)
{
    struct s_header *hs = xcalloc(r->nheaders + 1, sizeof(*hs));
    size_t n = 0;
    bool have_host = false;
    for (size_t i = 0; i < r->nheaders; i++) {
        if (!s_is_signed_header(r->headers[i].name))
            continue;
        hs[n].name = s_lower(r->headers[i].name);
        hs[n].value = s_trim_all(r->headers[i].value ? r->headers[i].value : "");
        hs[n].order = n;
        if (strcmp(hs[n].name, "host") == 0)
            have_host = true;
        n++;
    }
    if (!have_host) {
        hs[n].name = xstrdup("host");
        hs[n].value = s_host_value(r->scheme ? r->scheme : "https", r->host ? r->host : "");
        hs[n].order = n;
        n++;
    }
    qsort(hs, n, sizeof(*hs), s_header_cmp);
    for (size_t i = 0; i < n; i++) {
        bool continues = i > 0 && strcmp(hs[i].name, hs[i - 1].name) == 0;
        if (continues) {
            buf_putc(canonical, ',');
        } else {
            if (i) {
                buf_putc(canonical, '\n');
                buf_putc(signed_names, ';');
            }
            buf_printf(canonical, "%s:", hs[i].name);
            buf_puts(signed_names, hs[i].name);
        }
        buf_puts(canonical, hs[i].value);
    }
    buf_putc(canonical, '\n');
    for (size_t i = 0; i < n; i++) {
        free(hs[i].name);
        free_secret(hs[i].value); /* x-amz-security-token */
    }
    free(hs);
}

/* ---- signing ------------------------------------------------------------------------ */

static int s_signature(const char *secret, const char *date, const char *region,
                       const char *service, const char *string_to_sign, char out[65])
{
    int rc = -1;
    size_t secret_len = strlen(secret);
    size_t keylen = 4 + secret_len;
    unsigned char *key = xmalloc(keylen + 1);
    unsigned char k1[SHA256_LEN], k2[SHA256_LEN], sig[SHA256_LEN];
    memcpy(key, "AWS4", 4);
    memcpy(key + 4, secret, secret_len);
    key[keylen] = '\0';
    if (s_hmac(key, keylen, date, k1) != 0 || s_hmac(k1, sizeof(k1), region, k2) != 0 ||
        s_hmac(k2, sizeof(k2), service, k1) != 0 ||
        s_hmac(k1, sizeof(k1), "aws4_request", k2) != 0 ||
        s_hmac(k2, sizeof(k2), string_to_sign, sig) != 0)
        goto cleanup;
    s_hex(sig, sizeof(sig), out);
    rc = 0;
cleanup:
    OPENSSL_cleanse(key, keylen);
    OPENSSL_cleanse(k1, sizeof(k1));
    OPENSSL_cleanse(k2, sizeof(k2));
    OPENSSL_cleanse(sig, sizeof(sig));
    free(key);
    return rc;
}

int sigv4_sign(struct http_request *r, const struct sigv4_params *p, struct sigv4_result *out)
{
    memset(out, 0, sizeof(*out));
    if (!r || !r->method || !r->path || !p || !p->creds || !p->region || !*p->region ||
        !p->service || !*p->service || !p->creds->access_key_id ||
        !*p->creds->access_key_id || !p->creds->secret_access_key)
        return -1;

    struct tm tm;
    time_t now = p->now;
    char amz_date[32], date[16];
    if (!gmtime_r(&now, &tm) || strftime(amz_date, sizeof(amz_date), "%Y%m%dT%H%M%SZ", &tm) != 16)
        return -1;
    memcpy(date, amz_date, 8);
    date[8] = '\0';

    /* A retry re-signs the same request: the old signature must not be signed itself.
     * The clock always goes in X-Amz-Date; this client never sends a Date header (botocore
     * would sign a Date header instead of X-Amz-Date when one is present). */
    http_request_remove_header(r, "Authorization");
    http_request_set_header(r, "X-Amz-Date", amz_date);
    if (p->creds->session_token && *p->creds->session_token)
        http_request_set_header(r, "X-Amz-Security-Token", p->creds->session_token);

    char body_hash[65];
    if (s_sha256_hex(buf_cstr(&r->body), r->body.len, body_hash) != 0)
        return -1;
    if (p->s3)
        http_request_set_header(r, "X-Amz-Content-SHA256", body_hash);
    /* A caller-provided payload hash (e.g. UNSIGNED-PAYLOAD) is what the service checks. */
    const char *declared = http_request_header(r, "X-Amz-Content-SHA256");
    out->payload_hash = xstrdup(declared ? declared : body_hash);

    char *method = s_lower(r->method);
    for (char *c = method; *c; c++)
        *c = (char)toupper((unsigned char)*c);
    char *uri = s_canonical_uri(r->path, p->s3);
    char *query = sigv4_canonical_query(r);
    buf_t headers = BUF_INIT, names = BUF_INIT;
    s_canonical_headers(r, &headers, &names);

    out->canonical_request = xasprintf("%s\n%s\n%s\n%s\n%s\n%s", method, uri, query,
                                       buf_cstr(&headers), buf_cstr(&names), out->payload_hash);
    out->signed_headers = buf_detach(&names);
    free(method);
    free(uri);
    free(query);
    OPENSSL_cleanse(headers.data, headers.len);
    buf_free(&headers);

    char creq_hash[65];
    if (s_sha256_hex(out->canonical_request, strlen(out->canonical_request), creq_hash) != 0)
        goto fail;
    out->scope = xasprintf("%s/%s/%s/aws4_request", date, p->region, p->service);
    out->string_to_sign =
        xasprintf(SIGV4_ALGORITHM "\n%s\n%s\n%s", amz_date, out->scope, creq_hash);
    if (s_signature(p->creds->secret_access_key, date, p->region, p->service,
                    out->string_to_sign, out->signature) != 0)
        goto fail;
    out->authorization =
        xasprintf(SIGV4_ALGORITHM " Credential=%s/%s, SignedHeaders=%s, Signature=%s",
                  p->creds->access_key_id, out->scope, out->signed_headers, out->signature);
    http_request_set_header(r, "Authorization", out->authorization);
    return 0;

fail:
    sigv4_result_free(out);
    return -1;
}

void sigv4_result_free(struct sigv4_result *out)
{
    if (!out)
        return;
    /* The canonical request carries the session token. */
    free_secret(out->canonical_request);
    free(out->string_to_sign);
    free(out->signed_headers);
    free(out->scope);
    free(out->payload_hash);
    free(out->authorization);
    memset(out, 0, sizeof(*out));
}
