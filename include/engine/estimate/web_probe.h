/* Web sources sized before the run, with the operator's consent (`plan --probe-web`):
 * each source URL fetched from this machine (GET, the first bytes only) for its size, and
 * each sitemap fetched and its pages counted, so the plan can replace its guess for
 * crawled sources with what was seen.
 *
 * Owns: the probe's bounds (requests at once, time, bytes, redirects, how many URLs),
 * following redirects within them, parsing sitemaps (libxml2, no network, no entities)
 * and the per-URL outcome with what went wrong. Requests go through the same transport
 * and event loop as AWS calls but unsigned: no AWS credential or header is ever sent.
 * A URL unreachable from here may be reachable from the task's subnets: the plan keeps
 * its guess for it and says so. */
#ifndef BCM_ENGINE_WEB_PROBE_H
#define BCM_ENGINE_WEB_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct http_transport;
struct ev_loop;
struct cJSON;

struct web_probe_options {
    int concurrency;            /* requests at once; 0: 4 */
    long timeout_ms;            /* per request; 0: 10000 */
    size_t max_page_bytes;      /* read of a page; 0: 1 MiB */
    size_t max_sitemap_bytes;   /* read of a sitemap; 0: 8 MiB */
    int max_redirects;          /* 0: 5 */
    size_t max_urls;            /* probed at most; 0: 500 */
};

struct web_probe_result {
    char *url;
    bool sitemap;
    bool ok;                    /* an answer with status 2xx */
    bool skipped;               /* over max_urls, or not http(s) */
    long status;                /* last HTTP status (0: none) */
    int redirects;
    uint64_t bytes;             /* body bytes read */
    bool truncated;             /* more than the bound: bytes is a lower bound */
    size_t pages;               /* sitemap: <url><loc> entries */
    size_t child_sitemaps;      /* sitemap index: <sitemap><loc> entries (not followed) */
    char *error;                /* what went wrong, NULL when ok */
};

struct web_probe {
    struct web_probe_result *results;
    size_t n;
};

typedef void (*web_probe_done_fn)(void *ud, struct web_probe *probe);
/* Probes urls[i] (sitemap[i]: a sitemap); done is called from the loop once all have an
 * outcome. The probe is valid during the callback; web_probe_move keeps it. */
void web_probe_run(struct http_transport *http, struct ev_loop *loop, const char *const *urls,
                   const bool *sitemap, size_t n, const struct web_probe_options *o,
                   web_probe_done_fn done, void *ud);
void web_probe_move(struct web_probe *dst, struct web_probe *src);
void web_probe_free(struct web_probe *w);
const struct web_probe_result *web_probe_find(const struct web_probe *w, const char *url, bool sitemap);
/* Counts the pages of a sitemap document (and the sitemaps of an index); -1 when it is
 * not a sitemap. */
int web_probe_count_sitemap(const char *xml, size_t len, size_t *pages, size_t *children);
struct cJSON *web_probe_to_json(const struct web_probe *w);

#endif
