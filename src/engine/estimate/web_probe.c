/* Bounded, unsigned GETs of the bots' web sources through the shared transport. */
#include "engine/estimate/web_probe.h"

#include "aws/http.h"
#include "aws/http_request.h"
#include "util/ev_loop.h"
#include "util/mem.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct probe_job;

struct probe_one {
    struct probe_job *job;
    size_t index;
    char *current;              /* the URL being fetched (after redirects) */
};

struct probe_job {
    struct http_transport *http;
    struct ev_loop *loop;
    struct web_probe_options o;
    struct web_probe probe;
    struct probe_one *ones;
    size_t next, in_flight, pending;
    bool reported;
    web_probe_done_fn done;
    void *ud;
};

void web_probe_free(struct web_probe *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->n; i++) {
        free(w->results[i].url);
        free(w->results[i].error);
    }
    free(w->results);
    memset(w, 0, sizeof *w);
}

void web_probe_move(struct web_probe *dst, struct web_probe *src)
{
    *dst = *src;
    memset(src, 0, sizeof *src);
}

const struct web_probe_result *web_probe_find(const struct web_probe *w, const char *url, bool sitemap)
{
    for (size_t i = 0; w && url && i < w->n; i++)
        if (w->results[i].sitemap == sitemap && strcmp(w->results[i].url, url) == 0)
            return &w->results[i];
    return NULL;
}

static size_t s_count_children(xmlNodePtr parent, const char *entry, size_t *with_loc)
{
    size_t n = 0;
    *with_loc = 0;
    for (xmlNodePtr c = parent ? parent->children : NULL; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || !c->name || strcmp((const char *)c->name, entry) != 0)
            continue;
        n++;
        for (xmlNodePtr l = c->children; l; l = l->next)
            if (l->type == XML_ELEMENT_NODE && l->name && strcmp((const char *)l->name, "loc") == 0) {
                (*with_loc)++;
                break;
            }
    }
    return n;
}

int web_probe_count_sitemap(const char *xml, size_t len, size_t *pages, size_t *children)
{
    *pages = *children = 0;
    if (!xml || len == 0 || len > (size_t)INT32_MAX)
        return -1;
    /* No network, no entity expansion, no DTD: a page from the web is data. */
    xmlDocPtr doc = xmlReadMemory(xml, (int)len, "sitemap.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                  XML_PARSE_RECOVER);
    if (!doc)
        return -1;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    int rc = -1;
    if (root && root->name && strcmp((const char *)root->name, "urlset") == 0) {
        s_count_children(root, "url", pages);
        rc = 0;
    } else if (root && root->name && strcmp((const char *)root->name, "sitemapindex") == 0) {
        s_count_children(root, "sitemap", children);
        rc = 0;
    }
    xmlFreeDoc(doc);
    return rc;
}

/* Splits an http(s) URL into the transport's request; false for anything else. */
static bool s_request_for(const char *url, struct http_request *req)
{
    CURLU *u = curl_url();
    if (!u)
        return false;
    bool ok = false;
    char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *query = NULL;
    if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0) &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK) {
        /* Userinfo in a URL would be sent as credentials: refused. */
        char *user = NULL;
        if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK && user) {
            curl_free(user);
        } else {
            curl_url_get(u, CURLUPART_PORT, &port, 0);
            curl_url_get(u, CURLUPART_QUERY, &query, 0);
            char *hostport = port ? xasprintf("%s:%s", host, port) : xstrdup(host);
            char *wire = query ? xasprintf("%s?%s", path, query) : xstrdup(path);
            http_request_init(req, "GET", scheme, hostport, wire);
            http_request_set_header(req, "Accept", "text/html, application/xml;q=0.9, */*;q=0.5");
            free(hostport);
            free(wire);
            ok = true;
        }
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_free(query);
    curl_url_cleanup(u);
    return ok;
}

/* A Location relative to the current URL, resolved by libcurl. */
static char *s_resolve(const char *base, const char *location)
{
    CURLU *u = curl_url();
    char *out = NULL, *full = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_URL, location, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_URL, &full, 0) == CURLUE_OK)
        out = xstrdup(full);
    curl_free(full);
    curl_url_cleanup(u);
    return out;
}

static void s_pump(struct probe_job *j);
static void s_fetch(struct probe_one *one);

static void s_finish(struct probe_one *one)
{
    struct probe_job *j = one->job;
    free(one->current);
    one->current = NULL;
    j->in_flight--;
    j->pending--;
    s_pump(j);
}

static void s_on_response(void *ud, struct http_response *resp)
{
    struct probe_one *one = ud;
    struct web_probe_result *r = &one->job->probe.results[one->index];
    if (resp->failure != HTTP_OK) {
        r->error = xasprintf("unreachable from here (%s) - the task may still reach it",
                             resp->error[0] ? resp->error : "no answer");
        s_finish(one);
        return;
    }
    r->status = resp->status;
    if (resp->status >= 300 && resp->status < 400) {
        const char *loc = http_response_header(resp, "location");
        char *next = loc ? s_resolve(one->current, loc) : NULL;
        if (!next) {
            r->error = xasprintf("HTTP %ld without a usable Location", resp->status);
        } else if (r->redirects >= one->job->o.max_redirects) {
            r->error = xasprintf("more than %d redirects", one->job->o.max_redirects);
        } else {
            r->redirects++;
            free(one->current);
            one->current = next;
            next = NULL;
            s_fetch(one);
            return;
        }
        free(next);
        s_finish(one);
        return;
    }
    if (resp->status < 200 || resp->status >= 300) {
        r->error = xasprintf("HTTP %ld from here - the task may see otherwise", resp->status);
        s_finish(one);
        return;
    }
    r->ok = true;
    r->bytes = resp->body.len;
    r->truncated = resp->truncated;
    if (r->sitemap &&
        web_probe_count_sitemap(resp->body.data, resp->body.len, &r->pages, &r->child_sitemaps) != 0) {
        r->ok = false;
        r->error = xstrdup(resp->truncated ? "the sitemap is larger than the probe reads"
                                           : "not a sitemap (no <urlset> or <sitemapindex>)");
    }
    s_finish(one);
}

static void s_fetch(struct probe_one *one)
{
    struct probe_job *j = one->job;
    struct web_probe_result *r = &j->probe.results[one->index];
    struct http_request req;
    if (!s_request_for(one->current, &req)) {
        r->error = xstrdup("not an http(s) URL without credentials: not probed");
        r->skipped = true;
        s_finish(one);
        return;
    }
    struct http_options opts = {.connect_timeout_ms = j->o.timeout_ms < 3100 ? j->o.timeout_ms : 3100,
                                .timeout_ms = j->o.timeout_ms,
                                .max_body_bytes = r->sitemap ? j->o.max_sitemap_bytes : j->o.max_page_bytes};
    if (http_send(j->http, &req, &opts, s_on_response, one) != 0) {
        r->error = xstrdup("the request could not be queued");
        http_request_free(&req);
        s_finish(one);
        return;
    }
    http_request_free(&req);
}

static void s_report(void *ud)
{
    struct probe_job *j = ud;
    j->done(j->ud, &j->probe);
    web_probe_free(&j->probe);
    free(j->ones);
    free(j);
}

static void s_pump(struct probe_job *j)
{
    while (j->in_flight < (size_t)j->o.concurrency && j->next < j->probe.n) {
        size_t i = j->next++;
        struct probe_one *one = &j->ones[i];
        j->in_flight++;
        if (i >= j->o.max_urls) {
            j->probe.results[i].skipped = true;
            j->probe.results[i].error = xasprintf("not probed: more than %zu URLs", j->o.max_urls);
            s_finish(one);
            continue;
        }
        one->current = xstrdup(j->probe.results[i].url);
        s_fetch(one);
    }
    if (j->pending == 0 && j->in_flight == 0 && !j->reported) {
        j->reported = true;
        ev_timer_add(j->loop, 0, s_report, j);
    }
}

void web_probe_run(struct http_transport *http, struct ev_loop *loop, const char *const *urls,
                   const bool *sitemap, size_t n, const struct web_probe_options *o,
                   web_probe_done_fn done, void *ud)
{
    struct probe_job *j = xcalloc(1, sizeof *j);
    j->http = http;
    j->loop = loop;
    if (o)
        j->o = *o;
    if (j->o.concurrency <= 0)
        j->o.concurrency = 4;
    if (j->o.timeout_ms <= 0)
        j->o.timeout_ms = 10000;
    if (!j->o.max_page_bytes)
        j->o.max_page_bytes = 1024 * 1024;
    if (!j->o.max_sitemap_bytes)
        j->o.max_sitemap_bytes = 8 * 1024 * 1024;
    if (j->o.max_redirects <= 0)
        j->o.max_redirects = 5;
    if (!j->o.max_urls)
        j->o.max_urls = 500;
    j->done = done;
    j->ud = ud;
    j->probe.n = j->pending = n;
    j->probe.results = xcalloc(n ? n : 1, sizeof *j->probe.results);
    j->ones = xcalloc(n ? n : 1, sizeof *j->ones);
    for (size_t i = 0; i < n; i++) {
        j->probe.results[i].url = xstrdup(urls[i]);
        j->probe.results[i].sitemap = sitemap[i];
        j->ones[i].job = j;
        j->ones[i].index = i;
    }
    s_pump(j);
}

cJSON *web_probe_to_json(const struct web_probe *w)
{
    cJSON *o = cJSON_CreateObject();
    size_t ok = 0;
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < w->n; i++) {
        const struct web_probe_result *r = &w->results[i];
        ok += r->ok;
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "url", r->url);
        cJSON_AddStringToObject(j, "kind", r->sitemap ? "sitemap" : "url");
        cJSON_AddBoolToObject(j, "ok", r->ok);
        cJSON_AddNumberToObject(j, "status", (double)r->status);
        cJSON_AddNumberToObject(j, "redirects", r->redirects);
        cJSON_AddNumberToObject(j, "bytes", (double)r->bytes);
        cJSON_AddBoolToObject(j, "truncated", r->truncated);
        if (r->sitemap) {
            cJSON_AddNumberToObject(j, "pages", (double)r->pages);
            cJSON_AddNumberToObject(j, "child_sitemaps", (double)r->child_sitemaps);
        }
        if (r->error)
            cJSON_AddStringToObject(j, "error", r->error);
        else
            cJSON_AddNullToObject(j, "error");
        cJSON_AddItemToArray(arr, j);
    }
    cJSON_AddNumberToObject(o, "probed", (double)w->n);
    cJSON_AddNumberToObject(o, "reachable", (double)ok);
    cJSON_AddItemToObject(o, "results", arr);
    return o;
}
