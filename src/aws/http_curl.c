/* The libcurl implementation of struct http_transport, driven by the shared ev_loop. */
#include "aws/http.h"

#include "util/ev_loop.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* No AWS reply we read comes near this; a bigger one is a fault, not data. */
#define HTTP_MAX_BODY (64u * 1024u * 1024u)
#define HTTP_MAX_HEADERS 200

struct curl_transport {
    struct http_transport base;
    struct ev_loop *loop;
    char *ca_bundle;
    int in_flight;
    struct curl_request *requests; /* in flight, so destroy can release them */
};

struct curl_request {
    struct curl_transport *owner;
    CURL *easy;
    struct curl_slist *headers;
    struct http_response resp;
    char errbuf[CURL_ERROR_SIZE];
    bool too_big;
    size_t soft_limit;          /* http_options.max_body_bytes (0: none) */
    struct curl_request *prev, *next;
    http_done_fn done;
    void *ud;
};

const char *http_response_header(const struct http_response *r, const char *lower_name)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, lower_name) == 0)
            return r->headers[i].value;
    return NULL;
}

static size_t s_on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    struct curl_request *cr = ud;
    size_t n = size * nmemb;
    if (cr->soft_limit && cr->resp.body.len + n > cr->soft_limit) {
        buf_append(&cr->resp.body, data, cr->soft_limit - cr->resp.body.len);
        cr->resp.truncated = true;
        return 0; /* enough read: abort the transfer, answer with what came */
    }
    if (cr->resp.body.len + n > HTTP_MAX_BODY) {
        cr->too_big = true;
        return 0; /* makes curl abort the transfer */
    }
    buf_append(&cr->resp.body, data, n);
    return n;
}

static size_t s_on_header(char *data, size_t size, size_t nmemb, void *ud)
{
    struct curl_request *cr = ud;
    size_t n = size * nmemb;
    const char *colon = memchr(data, ':', n);
    if (!colon || cr->resp.nheaders >= HTTP_MAX_HEADERS) {
        /* A status line starts a new header block (after a redirect or 100-continue). */
        if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
            for (size_t i = 0; i < cr->resp.nheaders; i++) {
                free(cr->resp.headers[i].name);
                free(cr->resp.headers[i].value);
            }
            cr->resp.nheaders = 0;
        }
        return n;
    }
    size_t name_len = (size_t)(colon - data);
    const char *v = colon + 1;
    const char *end = data + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    cr->resp.headers = xrealloc(cr->resp.headers, (cr->resp.nheaders + 1) * sizeof(struct http_kv));
    char *name = xstrndup(data, name_len);
    for (char *p = name; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    cr->resp.headers[cr->resp.nheaders].name = name;
    cr->resp.headers[cr->resp.nheaders].value = xstrndup(v, (size_t)(end - v));
    cr->resp.nheaders++;
    return n;
}

static enum http_failure s_classify(CURLcode rc)
{
    switch (rc) {
    case CURLE_OK:
        return HTTP_OK;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    /* A handshake that broke off (reset, unexpected close, no common protocol) sent no
     * request: retried like a refused connection. Certificate problems have their own
     * codes below and are never retried. */
    case CURLE_SSL_CONNECT_ERROR:
        return HTTP_ERR_CONNECT;
    case CURLE_OPERATION_TIMEDOUT:
        return HTTP_ERR_TIMEOUT;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
        return HTTP_ERR_TLS;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return HTTP_ERR_IO;
    default:
        return HTTP_ERR_OTHER;
    }
}

static void s_unlink(struct curl_request *cr)
{
    if (cr->prev)
        cr->prev->next = cr->next;
    else if (cr->owner->requests == cr)
        cr->owner->requests = cr->next;
    if (cr->next)
        cr->next->prev = cr->prev;
    cr->prev = cr->next = NULL;
}

static void s_request_free(struct curl_request *cr)
{
    curl_slist_free_all(cr->headers);
    curl_easy_cleanup(cr->easy);
    for (size_t i = 0; i < cr->resp.nheaders; i++) {
        free(cr->resp.headers[i].name);
        free(cr->resp.headers[i].value);
    }
    free(cr->resp.headers);
    buf_free(&cr->resp.body);
    free(cr);
}

static void s_on_done(void *ud, CURL *easy, CURLcode rc)
{
    struct curl_request *cr = ud;
    (void)easy;
    cr->owner->in_flight--;
    s_unlink(cr);
    cr->resp.failure = s_classify(rc);
    if (cr->resp.truncated) {
        cr->resp.failure = HTTP_OK;
    } else if (cr->too_big) {
        cr->resp.failure = HTTP_ERR_OTHER;
        snprintf(cr->resp.error, sizeof cr->resp.error,
                 "response larger than %u MiB, abandoned", HTTP_MAX_BODY >> 20);
    } else if (rc != CURLE_OK) {
        /* A long curl message is cut to fit; it stays a readable prefix. */
        int n = snprintf(cr->resp.error, sizeof cr->resp.error, "%s%s",
                         rc == CURLE_SSL_CONNECT_ERROR ? "TLS handshake failed: " : "",
                         cr->errbuf[0] ? cr->errbuf : curl_easy_strerror(rc));
        if (n < 0)
            cr->resp.error[0] = '\0';
    }
    if (cr->resp.failure == HTTP_OK)
        curl_easy_getinfo(cr->easy, CURLINFO_RESPONSE_CODE, &cr->resp.status);
    else
        cr->resp.status = 0;
    curl_easy_getinfo(cr->easy, CURLINFO_TOTAL_TIME, &cr->resp.seconds);
    cr->done(cr->ud, &cr->resp);
    s_request_free(cr);
}

static int s_send(struct http_transport *t, const struct http_request *req,
                  const struct http_options *opts, http_done_fn done, void *ud)
{
    struct curl_transport *ct = (struct curl_transport *)t;
    struct curl_request *cr = xcalloc(1, sizeof(*cr));
    cr->owner = ct;
    cr->done = done;
    cr->ud = ud;
    cr->soft_limit = opts && opts->max_body_bytes && opts->max_body_bytes < HTTP_MAX_BODY
                         ? opts->max_body_bytes : 0;
    buf_init(&cr->resp.body);
    cr->easy = curl_easy_init();
    if (!cr->easy) {
        free(cr);
        return -1;
    }
    CURL *e = cr->easy;
    char *url = http_request_url(req);
    curl_easy_setopt(e, CURLOPT_URL, url);
    free(url);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, cr->errbuf);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, s_on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, cr);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, s_on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, cr);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "bedrock-chat-migrate/1.0");
    /* TLS verification is not configurable on purpose: the only knob is the CA bundle. */
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    if (ct->ca_bundle)
        curl_easy_setopt(e, CURLOPT_CAINFO, ct->ca_bundle);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     opts && opts->connect_timeout_ms ? opts->connect_timeout_ms : 3100L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, opts && opts->timeout_ms ? opts->timeout_ms : 60000L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);

    if (strcmp(req->method, "GET") == 0) {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else if (strcmp(req->method, "HEAD") == 0) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else {
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body.len);
        curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, buf_cstr(&req->body));
        if (strcmp(req->method, "POST") != 0)
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, req->method);
    }

    bool has_content_type = false;
    for (size_t i = 0; i < req->nheaders; i++) {
        /* "Name:" would make curl drop the header, yet the signer signed it: curl's
         * spelling for a header with an empty value is "Name;". */
        const char *value = req->headers[i].value ? req->headers[i].value : "";
        char *line = *value ? xasprintf("%s: %s", req->headers[i].name, value)
                            : xasprintf("%s;", req->headers[i].name);
        cr->headers = curl_slist_append(cr->headers, line);
        free_secret(line);
        if (strcasecmp(req->headers[i].name, "content-type") == 0)
            has_content_type = true;
    }
    /* curl would add these on its own; neither is signed nor wanted. */
    cr->headers = curl_slist_append(cr->headers, "Expect:");
    if (!has_content_type)
        cr->headers = curl_slist_append(cr->headers, "Content-Type:");
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, cr->headers);

    if (ev_loop_add_transfer(ct->loop, e, s_on_done, cr) != 0) {
        s_request_free(cr);
        return -1;
    }
    ct->in_flight++;
    cr->next = ct->requests;
    if (ct->requests)
        ct->requests->prev = cr;
    ct->requests = cr;
    return 0;
}

static void s_destroy(struct http_transport *t)
{
    struct curl_transport *ct = (struct curl_transport *)t;
    struct curl_request *cr = ct->requests;
    ct->requests = NULL;
    while (cr) {
        struct curl_request *next = cr->next;
        ev_loop_remove_transfer(ct->loop, cr->easy);
        s_request_free(cr);
        cr = next;
    }
    free(ct->ca_bundle);
    free(ct);
}

static const struct http_transport_vtable s_curl_vtable = {s_send, s_destroy};

struct http_transport *http_curl_transport_new(struct ev_loop *loop, const struct http_curl_config *cfg)
{
    struct curl_transport *ct = xcalloc(1, sizeof(*ct));
    ct->base.vt = &s_curl_vtable;
    ct->loop = loop;
    if (cfg && cfg->ca_bundle && *cfg->ca_bundle)
        ct->ca_bundle = xstrdup(cfg->ca_bundle);
    return &ct->base;
}
