/* Selection and the low–high estimate of a run: tokens, task time, cost, wall clock. */
#include "engine/estimate/plan.h"

#include "engine/discover/deployment.h"
#include "engine/discover/inventory.h"
#include "engine/run/runner.h"
#include "util/buf.h"
#include "util/mem.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

/* ---- the model's numbers; each one is stated in the plan's assumptions ---- */

/* The embedding task's splitter defaults (backend/embedding/main.py). */
#define DEFAULT_CHUNK_SIZE 1000
#define DEFAULT_CHUNK_OVERLAP 200
/* Task life outside the embedding work: image pull, ENI, start, stop. Third-party
 * measurements of large images: 50–65 s to start. */
#define STARTUP_S_LO 50.0
#define STARTUP_S_HI 100.0
/* Python start, DynamoDB status writes, Aurora delete and insert. */
#define OVERHEAD_S_LO 5.0
#define OVERHEAD_S_HI 20.0
/* Characters per token: English 4.8 (Cohere's table), AWS's rule of thumb 4; Japanese
 * 1.3, pessimistically 1.0, at 3 UTF-8 bytes a character. Low and high bounds in bytes
 * per token, before the overlap factor. */
#define BYTES_PER_TOKEN_LO_TOKENS 4.8   /* fewest tokens: English text */
#define BYTES_PER_TOKEN_HI_TOKENS 3.0   /* most tokens: Japanese, 1.0 char/token */
/* Splitters that cut at separators make shorter chunks, hence more overlap. */
#define SPLITTER_MARGIN 1.1
/* PDFs and office files hold less text than their size: 10–100 % of the bytes. */
#define BINARY_TEXT_RATIO_LO 0.10
#define BINARY_TEXT_RATIO_HI 1.00
/* Extracting text from PDFs/office files, bytes per second of the original. */
#define EXTRACT_BPS_LO_TIME 1000000.0
#define EXTRACT_BPS_HI_TIME 100000.0
/* Seconds per embedded chunk: batched calls vs one InvokeModel (and insert) per chunk. */
#define CHUNK_S_LO 0.05
#define CHUNK_S_HI 0.5
/* Crawled sources have no size before the task fetches them. */
#define URL_TEXT_BYTES_LO 2000.0
#define URL_TEXT_BYTES_HI 100000.0
#define URL_FETCH_S_LO 1.0
#define URL_FETCH_S_HI 10.0
#define SITEMAP_PAGES_LO 1.0
#define SITEMAP_PAGES_HI 50.0

/* ---- small helpers ---- */

static void s_push(char ***list, size_t *n, char *s)
{
    *list = xrealloc(*list, (*n + 1) * sizeof **list);
    (*list)[(*n)++] = s;
}

static void s_free_list(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

static uint64_t s_to_u64(double v)
{
    if (!(v > 0))
        return 0;
    if (v >= 18446744073709549568.0) /* the largest double below 2^64 */
        return UINT64_MAX;
    return (uint64_t)ceil(v);
}

/* ---- id lists ---- */

void plan_free_id_list(char **ids, size_t n)
{
    s_free_list(ids, n);
}

int plan_parse_id_list(const char *csv, char ***ids_out, size_t *n_out, char **error)
{
    *ids_out = NULL;
    *n_out = 0;
    *error = NULL;
    char **ids = NULL;
    size_t n = 0;
    const char *p = csv ? csv : "";
    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *s = p;
        while (len && isspace((unsigned char)*s))
            s++, len--;
        while (len && isspace((unsigned char)s[len - 1]))
            len--;
        if (len == 0) {
            *error = xstrdup("a bot id list holds an empty entry; write the ids separated "
                             "by commas, e.g. --bots 01HV…A,01HV…B");
            goto fail;
        }
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c < 0x20 || c == 0x7f || c == ' ' || c == '#') {
                *error = xstrdup("a bot id in the list holds a space, '#' or a control "
                                 "character; give the bot ids as `plan` prints them");
                goto fail;
            }
        }
        char *id = xstrndup(s, len);
        bool dup = false;
        for (size_t i = 0; i < n && !dup; i++)
            dup = strcmp(ids[i], id) == 0;
        if (dup)
            free(id);
        else
            s_push(&ids, &n, id);
        if (!end)
            break;
        p = end + 1;
    }
    *ids_out = ids;
    *n_out = n;
    return 0;
fail:
    s_free_list(ids, n);
    return -1;
}

/* ---- the model ---- */

double plan_overlap_factor(int chunk_size, int chunk_overlap, const char **warning)
{
    if (warning)
        *warning = NULL;
    int size = chunk_size > 0 ? chunk_size : DEFAULT_CHUNK_SIZE;
    int overlap = chunk_overlap > 0 ? chunk_overlap : 0;
    if (chunk_size <= 0 && chunk_overlap <= 0)
        overlap = DEFAULT_CHUNK_OVERLAP;
    if (overlap >= size) {
        /* The splitter refuses such parameters, so the task will fail; estimate the
         * work with the defaults rather than with a meaningless factor. */
        if (warning)
            *warning = "chunk_overlap is not smaller than chunk_size: the embedding task "
                       "will reject these parameters; the estimate uses 1000/200";
        size = DEFAULT_CHUNK_SIZE;
        overlap = DEFAULT_CHUNK_OVERLAP;
    }
    return (double)size / (double)(size - overlap);
}

bool plan_is_text_file(const char *name)
{
    static const char *const text_ext[] = {".txt", ".md", ".markdown", ".csv", ".tsv",
                                           ".json", ".html", ".htm", ".xml", ".yaml",
                                           ".yml", ".rst", ".log"};
    const char *dot = name ? strrchr(name, '.') : NULL;
    if (!dot)
        return false;
    for (size_t i = 0; i < sizeof text_ext / sizeof *text_ext; i++)
        if (strcasecmp(dot, text_ext[i]) == 0)
            return true;
    return false;
}

void plan_token_parts(const struct bot *b, double lo[PLAN_PARTS], double hi[PLAN_PARTS])
{
    double factor = plan_overlap_factor(b->chunk_size, b->chunk_overlap, NULL);
    for (int k = 0; k < PLAN_PARTS; k++)
        lo[k] = hi[k] = 0;
    for (size_t i = 0; i < b->n_files; i++) {
        const struct bot_file *f = &b->files[i];
        if (f->missing)
            continue;
        double bytes = (double)f->bytes;
        if (plan_is_text_file(f->name)) {
            lo[PLAN_PART_TEXT] += bytes;
            hi[PLAN_PART_TEXT] += bytes;
        } else {
            lo[PLAN_PART_BINARY] += bytes * BINARY_TEXT_RATIO_LO;
            hi[PLAN_PART_BINARY] += bytes * BINARY_TEXT_RATIO_HI;
        }
    }
    lo[PLAN_PART_URLS] = (double)b->n_source_urls * URL_TEXT_BYTES_LO;
    hi[PLAN_PART_URLS] = (double)b->n_source_urls * URL_TEXT_BYTES_HI;
    lo[PLAN_PART_SITEMAPS] = (double)b->n_sitemap_urls * SITEMAP_PAGES_LO * URL_TEXT_BYTES_LO;
    hi[PLAN_PART_SITEMAPS] = (double)b->n_sitemap_urls * SITEMAP_PAGES_HI * URL_TEXT_BYTES_HI;
    for (int k = 0; k < PLAN_PARTS; k++) {
        lo[k] = lo[k] * factor / BYTES_PER_TOKEN_LO_TOKENS;
        hi[k] = hi[k] * factor * SPLITTER_MARGIN / BYTES_PER_TOKEN_HI_TOKENS;
    }
}

static void s_estimate(const struct bot *b, const struct plan_web *web,
                       const struct price_table *prices, int cpu_units, int memory_mib,
                       struct bot_estimate *out);

void plan_estimate_bot(const struct bot *b, const struct price_table *prices,
                       int cpu_units, int memory_mib, struct bot_estimate *out)
{
    s_estimate(b, NULL, prices, cpu_units, memory_mib, out);
}

static void s_estimate(const struct bot *b, const struct plan_web *web,
                       const struct price_table *prices, int cpu_units, int memory_mib,
                       struct bot_estimate *out)
{
    memset(out, 0, sizeof *out);
    double factor = plan_overlap_factor(b->chunk_size, b->chunk_overlap, NULL);
    int chunk_size = b->chunk_size > 0 ? b->chunk_size : DEFAULT_CHUNK_SIZE;
    if (b->chunk_overlap >= chunk_size)
        chunk_size = DEFAULT_CHUNK_SIZE;

    double text_lo = 0, text_hi = 0, extract_s_lo = 0, extract_s_hi = 0;
    for (size_t i = 0; i < b->n_files; i++) {
        const struct bot_file *f = &b->files[i];
        if (f->missing)
            continue;
        double bytes = (double)f->bytes;
        if (plan_is_text_file(f->name)) {
            text_lo += bytes;
            text_hi += bytes;
        } else {
            text_lo += bytes * BINARY_TEXT_RATIO_LO;
            text_hi += bytes * BINARY_TEXT_RATIO_HI;
            extract_s_lo += bytes / EXTRACT_BPS_LO_TIME;
            extract_s_hi += bytes / EXTRACT_BPS_HI_TIME;
        }
    }
    double pages_lo = (double)b->n_source_urls + (double)b->n_sitemap_urls * SITEMAP_PAGES_LO;
    double pages_hi = (double)b->n_source_urls + (double)b->n_sitemap_urls * SITEMAP_PAGES_HI;
    if (web && web->probed) {
        /* The probe's sizes for the URLs, its page counts for the sitemaps (each page
         * still of the guessed size). */
        double sm_lo = web->sitemap_pages_lo, sm_hi = web->sitemap_pages_hi;
        pages_lo = (double)b->n_source_urls + sm_lo;
        pages_hi = (double)b->n_source_urls + sm_hi;
        text_lo += web->url_text_lo + sm_lo * URL_TEXT_BYTES_LO;
        text_hi += web->url_text_hi + sm_hi * URL_TEXT_BYTES_HI;
        out->open_ended = web->failed > 0;
    } else {
        text_lo += pages_lo * URL_TEXT_BYTES_LO;
        text_hi += pages_hi * URL_TEXT_BYTES_HI;
        out->open_ended = b->n_source_urls + b->n_sitemap_urls > 0;
    }

    double tokens_lo = text_lo * factor / BYTES_PER_TOKEN_LO_TOKENS;
    double tokens_hi = text_hi * factor * SPLITTER_MARGIN / BYTES_PER_TOKEN_HI_TOKENS;
    /* Fewest chunks: 3-byte characters; most: 1-byte characters and the margin. */
    double chunks_lo = text_lo * factor / (3.0 * chunk_size);
    double chunks_hi = ceil(text_hi * factor * SPLITTER_MARGIN / chunk_size);

    double secs_lo = STARTUP_S_LO + OVERHEAD_S_LO, secs_hi = STARTUP_S_HI + OVERHEAD_S_HI;
    if (bot_has_knowledge(b)) {
        secs_lo += pages_lo * URL_FETCH_S_LO + extract_s_lo + chunks_lo * CHUNK_S_LO;
        secs_hi += pages_hi * URL_FETCH_S_HI + extract_s_hi + chunks_hi * CHUNK_S_HI;
    }
    out->seconds_lo = fargate_billed_seconds(secs_lo);
    out->seconds_hi = fargate_billed_seconds(secs_hi);
    out->work_seconds_lo = secs_lo - STARTUP_S_LO;
    out->work_seconds_hi = secs_hi - STARTUP_S_HI;
    out->text_bytes_lo = s_to_u64(text_lo);
    out->text_bytes_hi = s_to_u64(text_hi);
    out->tokens_lo = s_to_u64(tokens_lo);
    out->tokens_hi = s_to_u64(tokens_hi);

    out->fargate_usd_lo = fargate_task_usd(prices, cpu_units, memory_mib, out->seconds_lo);
    out->fargate_usd_hi = fargate_task_usd(prices, cpu_units, memory_mib, out->seconds_hi);
    if (prices->embed_per_1k_tokens.known) {
        out->bedrock_usd_lo = tokens_lo / 1000.0 * prices->embed_per_1k_tokens.usd;
        out->bedrock_usd_hi = tokens_hi / 1000.0 * prices->embed_per_1k_tokens.usd;
    } else {
        /* Zero tokens cost nothing whatever the price. */
        out->bedrock_usd_lo = out->tokens_lo == 0 ? 0 : -1;
        out->bedrock_usd_hi = out->tokens_hi == 0 ? 0 : -1;
    }
    out->usd_lo = out->fargate_usd_lo < 0 || out->bedrock_usd_lo < 0
                      ? -1 : out->fargate_usd_lo + out->bedrock_usd_lo;
    out->usd_hi = out->fargate_usd_hi < 0 || out->bedrock_usd_hi < 0
                      ? -1 : out->fargate_usd_hi + out->bedrock_usd_hi;
}

double plan_wall_seconds(const double *durations, size_t n, int concurrency)
{
    if (n == 0)
        return 0;
    size_t workers = concurrency > 0 ? (size_t)concurrency : 1;
    if (workers > n)
        workers = n;
    /* Tasks start in order as slots free up, as the runner launches them. */
    double *busy_until = xcalloc(workers, sizeof *busy_until);
    double wall = 0;
    for (size_t i = 0; i < n; i++) {
        size_t w = 0;
        for (size_t j = 1; j < workers; j++)
            if (busy_until[j] < busy_until[w])
                w = j;
        busy_until[w] += durations[i];
        if (busy_until[w] > wall)
            wall = busy_until[w];
    }
    free(busy_until);
    return wall;
}

static unsigned s_kinds_of(const struct bot *b)
{
    unsigned k = 0;
    for (size_t i = 0; i < b->n_files; i++)
        if (!b->files[i].missing)
            k |= plan_is_text_file(b->files[i].name) ? 1u : 2u;
    if (b->n_source_urls)
        k |= 4u;
    if (b->n_sitemap_urls)
        k |= 8u;
    return k;
}

static int s_popcount(unsigned v)
{
    int n = 0;
    for (; v; v &= v - 1)
        n++;
    return n;
}

static int s_cmp_double_asc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

size_t plan_pick_pilot(const struct plan *p, size_t k, size_t *out)
{
    size_t n = 0;
    double *secs = xcalloc(p->nitems ? p->nitems : 1, sizeof *secs);
    for (size_t i = 0; i < p->nitems; i++)
        if (p->items[i].selected)
            secs[n++] = plan_expected_seconds(&p->items[i]);
    if (n == 0 || k == 0) {
        free(secs);
        return 0;
    }
    qsort(secs, n, sizeof *secs, s_cmp_double_asc);
    double third = secs[n / 3], two_thirds = secs[(2 * n) / 3];
    free(secs);
    bool *taken = xcalloc(p->nitems, sizeof *taken);
    unsigned covered = 0, sizes = 0;
    size_t picked = 0;
    while (picked < k) {
        ssize_t best = -1;
        int best_kinds = -1, best_size = -1;
        for (size_t i = 0; i < p->nitems; i++) {
            const struct plan_item *it = &p->items[i];
            if (!it->selected || taken[i] || !bot_has_knowledge(it->bot))
                continue;
            double e = plan_expected_seconds(it);
            unsigned size_class = e < third ? 1u : e < two_thirds ? 2u : 4u;
            int kinds = s_popcount(s_kinds_of(it->bot) & ~covered);
            int size_new = (sizes & size_class) ? 0 : 1;
            if (kinds > best_kinds || (kinds == best_kinds && size_new > best_size)) {
                best = (ssize_t)i;
                best_kinds = kinds;
                best_size = size_new;
            }
        }
        if (best < 0)
            break;
        const struct plan_item *it = &p->items[best];
        double e = plan_expected_seconds(it);
        covered |= s_kinds_of(it->bot);
        sizes |= e < third ? 1u : e < two_thirds ? 2u : 4u;
        taken[best] = true;
        out[picked++] = (size_t)best;
    }
    free(taken);
    return picked;
}

double plan_expected_seconds(const struct plan_item *it)
{
    return (it->est.seconds_lo + it->est.seconds_hi) / 2.0;
}

struct order_key {
    double seconds;
    size_t index;
};

static int s_longest_first(const void *a, const void *b)
{
    const struct order_key *x = a, *y = b;
    if (x->seconds != y->seconds)
        return x->seconds > y->seconds ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

size_t plan_launch_order(const struct plan *p, size_t *order)
{
    struct order_key *keys = xcalloc(p->nitems ? p->nitems : 1, sizeof *keys);
    size_t n = 0;
    for (size_t i = 0; i < p->nitems; i++) {
        if (!p->items[i].selected)
            continue;
        keys[n].seconds = plan_expected_seconds(&p->items[i]);
        keys[n].index = i;
        n++;
    }
    qsort(keys, n, sizeof *keys, s_longest_first);
    for (size_t i = 0; i < n; i++)
        order[i] = keys[i].index;
    free(keys);
    return n;
}

static int s_desc_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x > y ? -1 : x < y;
}

int plan_default_concurrency(int cpu_units, int memory_mib, int quota_vcpu, char **why)
{
    (void)memory_mib; /* the quota counts vCPU only */
    int units = cpu_units > 0 ? cpu_units : PLAN_DEFAULT_CPU_UNITS;
    bool assumed = quota_vcpu <= 0;
    int quota = assumed ? PLAN_DEFAULT_VCPU_QUOTA : quota_vcpu;
    int n = (int)((long long)quota * 1024 / units);
    if (n < 1)
        n = 1;
    if (why) {
        struct message m = MESSAGE(assumed ? MSG_CONCURRENCY_QUOTA_ASSUMED : MSG_CONCURRENCY_QUOTA,
                                   MSG_I("quota", quota), MSG_F("vcpu", "%g", units / 1024.0));
        *why = message_english(&m);
        message_free(&m);
    }
    return n;
}

const char *concurrency_bound_name(enum concurrency_bound_kind k)
{
    switch (k) {
    case BOUND_FARGATE_VCPU: return "fargate_vcpu";
    case BOUND_BEDROCK_RPM: return "bedrock_requests_per_minute";
    case BOUND_BEDROCK_TPM: return "bedrock_tokens_per_minute";
    case BOUND_AURORA: return "aurora";
    case BOUND_COUNT: break;
    }
    return "unknown";
}

void plan_bounds_free(struct concurrency_bound bounds[BOUND_COUNT])
{
    for (int i = 0; i < BOUND_COUNT; i++) {
        free(bounds[i].reason);
        bounds[i].reason = NULL;
        message_free(&bounds[i].reason_msg);
    }
}

/* "applied" / "AWS default" as a message (caller frees). */
static struct message s_quota_origin(const struct quota_reading *r)
{
    return MESSAGE0(r->source == QUOTA_APPLIED ? MSG_QUOTA_APPLIED : MSG_QUOTA_AWS_DEFAULT);
}

/* Sets a bound's reason (taken) and its English. */
static void s_bound_reason(struct concurrency_bound *b, struct message reason)
{
    b->reason_msg = reason;
    b->reason = message_english(&reason);
}

/* A Bedrock per-minute quota as a bound: quota / one task's use per minute. */
static void s_bedrock_bound(struct concurrency_bound *b, const struct quota_reading *r,
                            double per_task, enum message_id unit_id)
{
    b->quota = -1;
    struct message unit = MESSAGE0(unit_id);
    if (!r || r->source == QUOTA_UNKNOWN) {
        struct message why = {0};
        if (r && r->why_msg.id != MSG_NONE)
            message_copy(&why, &r->why_msg);
        else
            why = r && r->why ? message_text(r->why) : MESSAGE0(MSG_NOT_ASKED);
        s_bound_reason(b, MESSAGE(MSG_BOUND_BEDROCK_NOT_READ, MSG_M("unit", &unit),
                                  MSG_S("model", PRICING_EMBED_MODEL), MSG_M("why", &why)));
        message_free(&why);
        message_free(&unit);
        return;
    }
    b->quota = r->value;
    struct message origin = s_quota_origin(r);
    if (!(r->value > 0)) {
        /* Some accounts list 0 for quotas that are not enforced as 0: not a bound. */
        s_bound_reason(b, MESSAGE(MSG_BOUND_BEDROCK_ZERO, MSG_M("unit", &unit),
                                  MSG_S("model", PRICING_EMBED_MODEL), MSG_M("origin", &origin),
                                  MSG_S("service", r->service_code), MSG_S("code", r->quota_code)));
    } else {
        b->known = true;
        double n = floor(r->value / per_task);
        b->tasks = n < 1 ? 1 : n > 100000 ? 100000 : (int)n;
        s_bound_reason(b, MESSAGE(MSG_BOUND_BEDROCK, MSG_F("value", "%.0f", r->value), MSG_M("unit", &unit),
                                  MSG_M("origin", &origin), MSG_S("service", r->service_code),
                                  MSG_S("code", r->quota_code), MSG_S("model", PRICING_EMBED_MODEL),
                                  MSG_F("per_task", "%.0f", per_task)));
    }
    message_free(&origin);
    message_free(&unit);
}

int plan_concurrency_bounds(int cpu_units, const struct quota_facts *q,
                            struct concurrency_bound bounds[BOUND_COUNT], char **why)
{
    memset(bounds, 0, sizeof(struct concurrency_bound) * BOUND_COUNT);
    for (int i = 0; i < BOUND_COUNT; i++)
        bounds[i].kind = (enum concurrency_bound_kind)i;
    int units = cpu_units > 0 ? cpu_units : PLAN_DEFAULT_CPU_UNITS;
    double vcpu = units / 1024.0;

    struct concurrency_bound *f = &bounds[BOUND_FARGATE_VCPU];
    const struct quota_reading *fr = q ? &q->fargate_vcpu : NULL;
    f->known = true;
    if (fr && fr->source != QUOTA_UNKNOWN && fr->value >= vcpu) {
        f->quota = fr->value;
        double n = floor(fr->value / vcpu);
        f->tasks = n > 100000 ? 100000 : (int)n;
        struct message origin = s_quota_origin(fr);
        s_bound_reason(f, MESSAGE(MSG_BOUND_FARGATE, MSG_F("quota", "%g", fr->value), MSG_M("origin", &origin),
                                  MSG_S("service", fr->service_code), MSG_S("code", fr->quota_code),
                                  MSG_F("vcpu", "%g", vcpu)));
        message_free(&origin);
    } else {
        f->assumed = true;
        f->quota = PLAN_DEFAULT_VCPU_QUOTA;
        f->tasks = plan_default_concurrency(units, 0, 0, NULL);
        struct message assumed_why = {0};
        if (fr && fr->why_msg.id != MSG_NONE)
            message_copy(&assumed_why, &fr->why_msg);
        else
            assumed_why = fr && fr->why ? message_text(fr->why)
                          : MESSAGE0(fr && fr->source != QUOTA_UNKNOWN ? MSG_QUOTA_BELOW_ONE_TASK
                                                                       : MSG_NOT_READ);
        s_bound_reason(f, MESSAGE(MSG_BOUND_FARGATE_ASSUMED, MSG_I("quota", PLAN_DEFAULT_VCPU_QUOTA),
                                  MSG_M("why", &assumed_why), MSG_F("vcpu", "%g", vcpu)));
        message_free(&assumed_why);
    }
    s_bedrock_bound(&bounds[BOUND_BEDROCK_RPM], q ? &q->bedrock_rpm : NULL,
                    PLAN_TASK_BEDROCK_RPM, MSG_UNIT_REQUESTS);
    s_bedrock_bound(&bounds[BOUND_BEDROCK_TPM], q ? &q->bedrock_tpm : NULL,
                    PLAN_TASK_BEDROCK_TPM, MSG_UNIT_TOKENS);
    struct concurrency_bound *a = &bounds[BOUND_AURORA];
    a->known = true;
    a->assumed = true;
    a->quota = -1;
    a->tasks = PLAN_AURORA_CEILING;
    s_bound_reason(a, MESSAGE(MSG_BOUND_AURORA, MSG_I("tasks", PLAN_AURORA_CEILING)));

    int best = -1;
    for (int i = 0; i < BOUND_COUNT; i++)
        if (bounds[i].known && (best < 0 || bounds[i].tasks < bounds[best].tasks))
            best = i;
    int n = bounds[best].tasks < 1 ? 1 : bounds[best].tasks;
    if (why)
        *why = xstrdup(bounds[best].reason);
    return n;
}

/* ---- the image pull through NAT ---- */

#define GIB (1024.0 * 1024.0 * 1024.0)

/* A fact's reason as a new message: its message, else its text, else the fallback. */
static struct message s_reason_message(const struct message *msg, const char *text, enum message_id fallback)
{
    struct message m = {0};
    if (msg && msg->id != MSG_NONE)
        message_copy(&m, msg);
    else
        m = text ? message_text(text) : MESSAGE0(fallback);
    return m;
}

void plan_nat_compute(const struct image_pull_facts *pull, const struct price_table *prices,
                      size_t tasks, double rest_usd_hi, struct plan_nat *out)
{
    memset(out, 0, sizeof *out);
    bool size_known = pull && pull->size_known;
    out->image_gb_lo = size_known ? (double)pull->image_bytes / GIB : PLAN_IMAGE_GB_LO;
    out->image_gb_hi = size_known ? (double)pull->image_bytes / GIB : PLAN_IMAGE_GB_HI;
    enum pull_route route = pull ? pull->route : PULL_ROUTE_UNKNOWN;
    out->share = pull ? image_pull_nat_share(pull) : 1.0;
    out->assumed = !size_known || route == PULL_ROUTE_UNKNOWN ||
                   (route == PULL_ROUTE_NAT && !pull->endpoint_checked);
    out->price_known = prices->nat_per_gb.known;
    out->usd_per_gb = prices->nat_per_gb.usd;
    double gb_lo = (double)tasks * out->image_gb_lo, gb_hi = (double)tasks * out->image_gb_hi;
    if (out->price_known) {
        out->usd_lo = gb_lo * out->share * out->usd_per_gb;
        out->usd_hi = gb_hi * out->share * out->usd_per_gb;
        out->saving_lo = out->usd_lo;
        out->saving_hi = out->usd_hi;
    }
    out->large = out->price_known && out->usd_hi > 0 &&
                 (out->usd_hi >= PLAN_NAT_LARGE_USD ||
                  (rest_usd_hi > 0 && out->usd_hi >= PLAN_NAT_LARGE_SHARE * rest_usd_hi));
    if (out->share > 0 && pull)
        out->fix_command = image_pull_fix_command(pull);

    /* What was read or assumed, composed from messages: the image, its route, the price. */
    struct message image, route_msg, price, why_part = {0};
    if (size_known) {
        image = MESSAGE(MSG_NAT_IMAGE_KNOWN, MSG_F("gb", "%.2f", out->image_gb_lo));
    } else {
        why_part = s_reason_message(pull ? &pull->size_why_msg : NULL, pull ? pull->size_why : NULL,
                                    MSG_NOT_READ);
        image = MESSAGE(MSG_NAT_IMAGE_ASSUMED, MSG_F("lo", "%.0f", PLAN_IMAGE_GB_LO),
                        MSG_F("hi", "%.0f", PLAN_IMAGE_GB_HI), MSG_M("why", &why_part));
        message_free(&why_part);
    }
    switch (route) {
    case PULL_ROUTE_NAT: {
        struct message detail = {0};
        if (!pull->endpoint_checked) {
            why_part = s_reason_message(&pull->route_why_msg, pull->route_why, MSG_NAT_ENDPOINTS_NOT_READ);
            detail = MESSAGE(MSG_NAT_DETAIL, MSG_M("why", &why_part));
            message_free(&why_part);
        }
        enum message_id id = pull->subnets == 1
                                 ? (pull->subnets_via_nat == 1 ? MSG_NAT_ROUTE_NAT_ONE_ONE : MSG_NAT_ROUTE_NAT_ONE_MANY)
                                 : (pull->subnets_via_nat == 1 ? MSG_NAT_ROUTE_NAT_MANY_ONE : MSG_NAT_ROUTE_NAT_MANY_MANY);
        route_msg = MESSAGE(id, MSG_I("via", (long long)pull->subnets_via_nat), MSG_I("subnets", (long long)pull->subnets),
                        MSG_M("detail", &detail));
        message_free(&detail);
        break;
    }
    case PULL_ROUTE_ENDPOINT:
        route_msg = MESSAGE0(MSG_NAT_ROUTE_ENDPOINT);
        break;
    case PULL_ROUTE_NO_NAT:
        route_msg = MESSAGE0(MSG_NAT_ROUTE_NO_NAT);
        break;
    case PULL_ROUTE_UNKNOWN:
    default:
        why_part = s_reason_message(pull ? &pull->route_why_msg : NULL, pull ? pull->route_why : NULL,
                                    MSG_NAT_ROUTES_NOT_READ);
        route_msg = MESSAGE(MSG_NAT_ROUTE_UNKNOWN, MSG_M("why", &why_part));
        message_free(&why_part);
        break;
    }
    price = out->price_known ? MESSAGE(MSG_NAT_PRICE, MSG_F("price", "%.3f", out->usd_per_gb),
                                       MSG_S("region", prices->region))
                             : MESSAGE(MSG_NAT_NO_PRICE, MSG_S("region", prices->region));
    out->why_msg = MESSAGE(MSG_NAT_WHY, MSG_M("image", &image), MSG_M("route", &route_msg), MSG_M("price", &price));
    message_free(&image);
    message_free(&route_msg);
    message_free(&price);
    out->why = message_english(&out->why_msg);
}

void plan_nat_free(struct plan_nat *n)
{
    free(n->fix_command);
    free(n->why);
    message_free(&n->why_msg);
    memset(n, 0, sizeof *n);
}

/* ---- building ---- */

/* Takes the message; its English is kept beside it for --json and the plan command. */
static void s_assume(struct plan *p, struct message m)
{
    p->assumption_msgs = xrealloc(p->assumption_msgs, (p->nassumptions + 1) * sizeof *p->assumption_msgs);
    p->assumption_msgs[p->nassumptions] = m;
    s_push(&p->assumptions, &p->nassumptions, message_english(&m));
}

static void s_free_assumptions(struct plan *p)
{
    for (size_t i = 0; i < p->nassumptions; i++)
        message_free(&p->assumption_msgs[i]);
    free(p->assumption_msgs);
    p->assumption_msgs = NULL;
    s_free_list(p->assumptions, p->nassumptions);
    p->assumptions = NULL;
    p->nassumptions = 0;
}

static void s_add_assumptions(struct plan *p, bool task_size_known)
{
    double hourly = fargate_hourly_usd(&p->prices, p->task_cpu_units, p->task_memory_mib);
    struct message priced = MESSAGE0(hourly >= 0 ? MSG_PRICED : MSG_PRICE_UNKNOWN);
    s_assume(p, MESSAGE(task_size_known ? MSG_ASSUME_TASK_SIZE : MSG_ASSUME_TASK_SIZE_DEFAULT,
                        MSG_F("vcpu", "%g", p->task_cpu_units / 1024.0),
                        MSG_F("memory", "%g", p->task_memory_mib / 1024.0),
                        MSG_S("architecture", p->prices.architecture), MSG_M("priced", &priced)));
    message_free(&priced);
    s_assume(p, MESSAGE(MSG_ASSUME_STARTUP, MSG_F("start_lo", "%.0f", STARTUP_S_LO),
                        MSG_F("start_hi", "%.0f", STARTUP_S_HI), MSG_F("work_lo", "%.0f", OVERHEAD_S_LO),
                        MSG_F("work_hi", "%.0f", OVERHEAD_S_HI)));
    s_assume(p, MESSAGE(MSG_ASSUME_CHUNKS, MSG_I("size", DEFAULT_CHUNK_SIZE), MSG_I("overlap", DEFAULT_CHUNK_OVERLAP),
                        MSG_F("factor", "%.2f", plan_overlap_factor(0, 0, NULL)),
                        MSG_F("margin", "%.0f%%", (SPLITTER_MARGIN - 1) * 100)));
    s_assume(p, MESSAGE(MSG_ASSUME_TOKENS, MSG_F("lo", "%.1f", BYTES_PER_TOKEN_LO_TOKENS),
                        MSG_F("hi", "%.1f", BYTES_PER_TOKEN_HI_TOKENS)));
    s_assume(p, MESSAGE(MSG_ASSUME_FILES, MSG_F("ratio_lo", "%.0f%%", BINARY_TEXT_RATIO_LO * 100),
                        MSG_F("ratio_hi", "%.0f%%", BINARY_TEXT_RATIO_HI * 100),
                        MSG_F("speed_lo", "%.0f", EXTRACT_BPS_HI_TIME / 1000),
                        MSG_F("speed_hi", "%.0f", EXTRACT_BPS_LO_TIME / 1000)));
    s_assume(p, MESSAGE(MSG_ASSUME_EMBED_TIME, MSG_F("lo", "%.2f", CHUNK_S_LO), MSG_F("hi", "%.1f", CHUNK_S_HI)));
    if (p->web_probed)
        s_assume(p, MESSAGE(MSG_ASSUME_WEB_PROBED, MSG_F("share", "%.0f%%", PLAN_WEB_TEXT_SHARE_LO * 100),
                            MSG_S("full", "100%")));
    s_assume(p, MESSAGE(MSG_ASSUME_CRAWL, MSG_F("kb_lo", "%.0f", URL_TEXT_BYTES_LO / 1000),
                        MSG_F("kb_hi", "%.0f", URL_TEXT_BYTES_HI / 1000), MSG_F("s_lo", "%.0f", URL_FETCH_S_LO),
                        MSG_F("s_hi", "%.0f", URL_FETCH_S_HI), MSG_F("pages_lo", "%.0f", SITEMAP_PAGES_LO),
                        MSG_F("pages_hi", "%.0f", SITEMAP_PAGES_HI)));
    s_assume(p, MESSAGE(p->prices.embed_per_1k_tokens.known ? MSG_ASSUME_MODEL_PRICED : MSG_ASSUME_MODEL_UNPRICED,
                        MSG_S("model", PRICING_EMBED_MODEL)));
    if (p->nat.why) {
        struct message nat = p->nat.why_msg.id != MSG_NONE ? p->nat.why_msg : message_text(p->nat.why);
        struct message copy;
        message_copy(&copy, &nat);
        s_assume(p, copy);
        if (p->nat.why_msg.id == MSG_NONE)
            message_free(&nat);
    }
    for (int i = 0; i < BOUND_COUNT; i++) {
        const struct concurrency_bound *b = &p->bounds[i];
        if (!b->reason || b->kind == BOUND_FARGATE_VCPU)
            continue;
        struct message reason = b->reason_msg.id != MSG_NONE ? b->reason_msg : message_text(b->reason);
        s_assume(p, MESSAGE(MSG_ASSUME_BOUND, MSG_S("bound", concurrency_bound_name(b->kind)),
                            MSG_M("reason", &reason)));
        if (b->reason_msg.id == MSG_NONE)
            message_free(&reason);
    }
    struct message why = p->concurrency_why_msg.id != MSG_NONE ? p->concurrency_why_msg
                                                               : message_text(p->concurrency_why);
    s_assume(p, MESSAGE(MSG_ASSUME_WALL, MSG_I("concurrency", p->concurrency), MSG_M("why", &why)));
    if (p->concurrency_why_msg.id == MSG_NONE)
        message_free(&why);
    if (p->scan.used_index)
        s_assume(p, MESSAGE0(MSG_ASSUME_SPARSE_INDEX));
    struct message source = price_table_source_message(&p->prices);
    s_assume(p, MESSAGE(MSG_ASSUME_PRICES, MSG_S("region", p->prices.region), MSG_M("source", &source),
                        MSG_S("date", p->prices.source_date)));
    message_free(&source);
}

static void s_item_warnings(struct plan_item *it)
{
    const struct bot *b = it->bot;
    for (size_t i = 0; i < b->n_warnings; i++)
        s_push(&it->warnings, &it->nwarnings, xstrdup(b->warnings[i]));
    if (b->n_missing_files)
        s_push(&it->warnings, &it->nwarnings,
               xasprintf("%zu of its files %s missing from the document bucket: the task "
                         "will fail on %s", b->n_missing_files,
                         b->n_missing_files == 1 ? "is" : "are",
                         b->n_missing_files == 1 ? "it" : "them"));
    const char *w = NULL;
    plan_overlap_factor(b->chunk_size, b->chunk_overlap, &w);
    if (w)
        s_push(&it->warnings, &it->nwarnings, xstrdup(w));
    if (!bot_has_knowledge(b))
        s_push(&it->warnings, &it->nwarnings,
               xstrdup("no knowledge source: its task only writes \"No contents to "
                       "embed.\" and costs a Fargate minimum"));
}

static bool s_in_list(char **ids, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (id && strcmp(ids[i], id) == 0)
            return true;
    return false;
}

static int s_check_known(const struct inventory *inv, char **ids, size_t n,
                         const char *flag, char **error)
{
    for (size_t i = 0; i < n; i++) {
        if (!inventory_find(inv, ids[i])) {
            *error = xasprintf("unknown bot id \"%.80s\" in %s: no bot with that id is in "
                               "the table; run `bedrock-chat-migrate plan` to list the "
                               "bot ids", ids[i], flag);
            return -1;
        }
    }
    return 0;
}

int plan_build(const struct inventory *inv, const struct deployment *dep,
               const struct plan_options *o, struct plan *out, char **error)
{
    memset(out, 0, sizeof *out);
    *error = NULL;
    static const struct plan_options no_options;
    if (!o)
        o = &no_options;

    char **only = NULL, **excl = NULL;
    size_t nonly = 0, nexcl = 0;
    if (o->bots_csv) {
        char *e = NULL;
        if (plan_parse_id_list(o->bots_csv, &only, &nonly, &e) != 0) {
            *error = xasprintf("--bots: %s", e);
            free(e);
            return -1;
        }
    }
    if (o->exclude_csv) {
        char *e = NULL;
        if (plan_parse_id_list(o->exclude_csv, &excl, &nexcl, &e) != 0) {
            *error = xasprintf("--exclude: %s", e);
            free(e);
            s_free_list(only, nonly);
            return -1;
        }
    }
    if (s_check_known(inv, only, nonly, "--bots", error) != 0 ||
        s_check_known(inv, excl, nexcl, "--exclude", error) != 0) {
        s_free_list(only, nonly);
        s_free_list(excl, nexcl);
        return -1;
    }

    bool size_known = dep && dep->task_cpu_units > 0 && dep->task_memory_mib > 0;
    out->task_cpu_units = size_known ? dep->task_cpu_units : PLAN_DEFAULT_CPU_UNITS;
    out->task_memory_mib = size_known ? dep->task_memory_mib : PLAN_DEFAULT_MEMORY_MIB;
    const char *arch = dep ? dep->cpu_architecture : NULL;

    if (o->prices) {
        price_table_copy(&out->prices, o->prices);
    } else {
        price_table_builtin(o->region, arch, &out->prices);
    }
    if (o->prices_file) {
        char *e = NULL;
        if (price_table_apply_file(&out->prices, o->prices_file, &e) != 0) {
            *error = e;
            s_free_list(only, nonly);
            s_free_list(excl, nexcl);
            price_table_free(&out->prices);
            return -1;
        }
    }

    out->nitems = inv->nbots;
    out->items = xcalloc(inv->nbots ? inv->nbots : 1, sizeof *out->items);
    for (size_t i = 0; i < inv->nbots; i++) {
        struct plan_item *it = &out->items[i];
        const struct bot *b = &inv->bots[i];
        it->bot = b;
        if (nonly)
            it->why_not = s_in_list(only, nonly, b->bot_id) ? NULL : PLAN_WHY_NOT_LISTED;
        else
            it->why_not = bot_has_knowledge(b) || o->include_empty ? NULL : PLAN_WHY_EMPTY;
        if (!it->why_not && s_in_list(excl, nexcl, b->bot_id))
            it->why_not = PLAN_WHY_EXCLUDED;
        if (b->knowledge_base) /* even when named in --bots: it has nothing to re-embed */
            it->why_not = PLAN_WHY_KNOWLEDGE_BASE;
        it->selected = it->why_not == NULL;
        s_estimate(b, &it->web, &out->prices, out->task_cpu_units, out->task_memory_mib, &it->est);
        s_item_warnings(it);
    }
    s_free_list(only, nonly);
    s_free_list(excl, nexcl);

    out->scan.source = inv->scan_source;
    out->scan.used_index = inv->used_index;
    out->scan.items_read = inv->items_scanned;
    out->scan.read_units = inv->read_units;
    out->scan.requests = inv->scan_requests;

    out->quotas.fargate_vcpu.service_code = QUOTA_FARGATE_SERVICE;
    out->quotas.fargate_vcpu.quota_code = QUOTA_FARGATE_VCPU;
    out->quotas.bedrock_rpm.service_code = QUOTA_BEDROCK_SERVICE;
    out->quotas.bedrock_rpm.quota_code = QUOTA_BEDROCK_EMBED_RPM;
    out->quotas.bedrock_tpm.service_code = QUOTA_BEDROCK_SERVICE;
    out->quotas.bedrock_tpm.quota_code = QUOTA_BEDROCK_EMBED_TPM;
    if (o->quotas) {
        const struct quota_facts *q = o->quotas;
        const struct quota_reading *src[3] = {&q->fargate_vcpu, &q->bedrock_rpm, &q->bedrock_tpm};
        struct quota_reading *dst[3] = {&out->quotas.fargate_vcpu, &out->quotas.bedrock_rpm,
                                        &out->quotas.bedrock_tpm};
        for (int i = 0; i < 3; i++) {
            *dst[i] = *src[i];
            dst[i]->why = src[i]->why ? xstrdup(src[i]->why) : NULL;
            message_copy(&dst[i]->why_msg, &src[i]->why_msg);
        }
    }
    if (o->pull) {
        const struct image_pull_facts *f = o->pull;
        struct image_pull_facts *d = &out->pull;
        *d = *f;
        d->image = f->image ? xstrdup(f->image) : NULL;
        d->size_why = f->size_why ? xstrdup(f->size_why) : NULL;
        d->route_why = f->route_why ? xstrdup(f->route_why) : NULL;
        d->endpoint_why = f->endpoint_why ? xstrdup(f->endpoint_why) : NULL;
        message_copy(&d->size_why_msg, &f->size_why_msg);
        message_copy(&d->route_why_msg, &f->route_why_msg);
        message_copy(&d->endpoint_why_msg, &f->endpoint_why_msg);
        d->vpc_id = f->vpc_id ? xstrdup(f->vpc_id) : NULL;
        d->region = f->region ? xstrdup(f->region) : NULL;
        d->route_tables = f->nroute_tables ? xcalloc(f->nroute_tables, sizeof(char *)) : NULL;
        for (size_t i = 0; i < f->nroute_tables; i++)
            d->route_tables[i] = xstrdup(f->route_tables[i]);
        out->have_pull = true;
    }
    char *bound_why = NULL;
    int bounded = plan_concurrency_bounds(out->task_cpu_units, o->quotas ? &out->quotas : NULL,
                                          out->bounds, &bound_why);
    if (o->concurrency > 0) {
        out->concurrency = o->concurrency;
        out->concurrency_why_msg = message_text("--concurrency");
    } else {
        out->concurrency = bounded;
        /* The bound that decided, as its message. */
        for (int i = 0; i < BOUND_COUNT; i++)
            if (bound_why && out->bounds[i].reason && strcmp(out->bounds[i].reason, bound_why) == 0 &&
                out->concurrency_why_msg.id == MSG_NONE)
                message_copy(&out->concurrency_why_msg, &out->bounds[i].reason_msg);
        if (out->concurrency_why_msg.id == MSG_NONE)
            out->concurrency_why_msg = message_text(bound_why ? bound_why : "");
    }
    free(bound_why);
    out->concurrency_why = message_english(&out->concurrency_why_msg);
    out->task_size_known = size_known;
    plan_recompute(out);
    s_add_assumptions(out, size_known);
    return 0;
}

/* The assumptions quote the concurrency and the price table: restate them when either
 * changes after plan_build. */
static void s_restate_assumptions(struct plan *p)
{
    s_free_assumptions(p);
    s_add_assumptions(p, p->task_size_known);
}

void plan_set_prices(struct plan *p, const struct price_table *prices)
{
    struct price_table copy;
    price_table_copy(&copy, prices);
    price_table_free(&p->prices);
    p->prices = copy;
    for (size_t i = 0; i < p->nitems; i++)
        s_estimate(p->items[i].bot, &p->items[i].web, &p->prices, p->task_cpu_units,
                   p->task_memory_mib, &p->items[i].est);
    plan_recompute(p);
    s_restate_assumptions(p);
}

void plan_set_concurrency_message(struct plan *p, int concurrency, struct message why)
{
    p->concurrency = concurrency > 0 ? concurrency : 1;
    free(p->concurrency_why);
    message_free(&p->concurrency_why_msg);
    p->concurrency_why_msg = why;
    p->concurrency_why = message_english(&why);
    plan_recompute(p);
    s_restate_assumptions(p);
}

size_t plan_web_sources(const struct plan *p, const char ***urls_out, bool **sitemap_out)
{
    const char **urls = NULL;
    bool *sitemap = NULL;
    size_t n = 0;
    for (size_t i = 0; i < p->nitems; i++) {
        const struct bot *b = p->items[i].bot;
        if (!p->items[i].selected)
            continue;
        for (int kind = 0; kind < 2; kind++) {
            char **list = kind ? b->sitemap_urls : b->source_urls;
            size_t nl = kind ? b->n_sitemap_urls : b->n_source_urls;
            for (size_t u = 0; u < nl; u++) {
                bool seen = !list[u];
                for (size_t k = 0; k < n && !seen; k++)
                    seen = sitemap[k] == (kind == 1) && strcmp(urls[k], list[u]) == 0;
                if (seen)
                    continue;
                urls = xrealloc(urls, (n + 1) * sizeof *urls);
                sitemap = xrealloc(sitemap, (n + 1) * sizeof *sitemap);
                urls[n] = list[u];
                sitemap[n] = kind == 1;
                n++;
            }
        }
    }
    *urls_out = urls;
    *sitemap_out = sitemap;
    return n;
}

void plan_apply_web_probe(struct plan *p, const struct web_probe *w)
{
    for (size_t i = 0; i < p->nitems; i++) {
        struct plan_item *it = &p->items[i];
        const struct bot *b = it->bot;
        struct plan_web web;
        memset(&web, 0, sizeof web);
        for (size_t u = 0; u < b->n_source_urls; u++) {
            const struct web_probe_result *r = web_probe_find(w, b->source_urls[u], false);
            if (r && r->ok) {
                web.measured++;
                web.url_text_lo += (double)r->bytes * PLAN_WEB_TEXT_SHARE_LO;
                /* A page larger than the probe reads: at least what was read. */
                web.url_text_hi += r->truncated ? fmax((double)r->bytes, URL_TEXT_BYTES_HI)
                                                : (double)r->bytes;
            } else {
                web.failed++;
                web.url_text_lo += URL_TEXT_BYTES_LO;
                web.url_text_hi += URL_TEXT_BYTES_HI;
            }
        }
        for (size_t m = 0; m < b->n_sitemap_urls; m++) {
            const struct web_probe_result *r = web_probe_find(w, b->sitemap_urls[m], true);
            if (r && r->ok) {
                web.measured++;
                double pages = (double)r->pages;
                web.sitemap_pages_lo += pages + (double)r->child_sitemaps * SITEMAP_PAGES_LO;
                web.sitemap_pages_hi += pages + (double)r->child_sitemaps * SITEMAP_PAGES_HI;
            } else {
                web.failed++;
                web.sitemap_pages_lo += SITEMAP_PAGES_LO;
                web.sitemap_pages_hi += SITEMAP_PAGES_HI;
            }
        }
        web.probed = web.measured > 0;
        it->web = web;
        s_estimate(b, &it->web, &p->prices, p->task_cpu_units, p->task_memory_mib, &it->est);
    }
    p->web_probed = true;
    plan_recompute(p);
    s_restate_assumptions(p);
}

void plan_set_concurrency(struct plan *p, int concurrency, const char *why)
{
    plan_set_concurrency_message(p, concurrency, message_text(why ? why : "chosen"));
}

void plan_select(struct plan *p, size_t i, bool on)
{
    if (i >= p->nitems || p->items[i].bot->knowledge_base)
        return;
    p->items[i].selected = on;
    p->items[i].why_not = on ? NULL : PLAN_WHY_DESELECTED;
    plan_recompute(p);
}

static void s_add_usd(double *sum, double v)
{
    if (*sum < 0 || v < 0)
        *sum = -1;
    else
        *sum += v;
}

void plan_recompute(struct plan *p)
{
    struct plan_totals *t = &p->totals;
    memset(t, 0, sizeof *t);
    t->bots = p->nitems;
    double *lo = xcalloc(p->nitems ? p->nitems : 1, sizeof *lo);
    double *hi = xcalloc(p->nitems ? p->nitems : 1, sizeof *hi);
    size_t n = 0;
    for (size_t i = 0; i < p->nitems; i++) {
        const struct plan_item *it = &p->items[i];
        if (!it->selected) {
            if (it->why_not && strcmp(it->why_not, PLAN_WHY_EMPTY) == 0)
                t->skipped_empty++;
            else if (it->why_not && strcmp(it->why_not, PLAN_WHY_MIGRATED) == 0)
                t->already_migrated++;
            else if (it->bot->knowledge_base)
                t->skipped_knowledge_base++;
            else
                t->excluded++;
            continue;
        }
        t->selected++;
        t->document_bytes += it->bot->document_bytes;
        t->missing_files += it->bot->n_missing_files;
        t->tokens_lo += it->est.tokens_lo;
        t->tokens_hi += it->est.tokens_hi;
        t->task_seconds_lo += it->est.seconds_lo;
        t->task_seconds_hi += it->est.seconds_hi;
        s_add_usd(&t->fargate_usd_lo, it->est.fargate_usd_lo);
        s_add_usd(&t->fargate_usd_hi, it->est.fargate_usd_hi);
        s_add_usd(&t->bedrock_usd_lo, it->est.bedrock_usd_lo);
        s_add_usd(&t->bedrock_usd_hi, it->est.bedrock_usd_hi);
        lo[n] = it->est.seconds_lo;
        hi[n] = it->est.seconds_hi;
        n++;
    }
    p->nselected = t->selected;
    /* The runner launches longest first (plan_launch_order). */
    qsort(lo, n, sizeof *lo, s_desc_double);
    qsort(hi, n, sizeof *hi, s_desc_double);
    t->wall_seconds_lo = plan_wall_seconds(lo, n, p->concurrency);
    t->wall_seconds_hi = plan_wall_seconds(hi, n, p->concurrency);
    free(lo);
    free(hi);
    t->scan_usd = p->prices.dynamodb_per_million_rru.known
                      ? p->scan.read_units / 1e6 * p->prices.dynamodb_per_million_rru.usd
                      : -1;
    t->usd_lo = t->fargate_usd_lo;
    s_add_usd(&t->usd_lo, t->bedrock_usd_lo);
    t->usd_hi = t->fargate_usd_hi;
    s_add_usd(&t->usd_hi, t->bedrock_usd_hi);
    /* The scan already happened; an unknown read price should not hide the run's cost. */
    if (t->scan_usd > 0) {
        s_add_usd(&t->usd_lo, t->scan_usd);
        s_add_usd(&t->usd_hi, t->scan_usd);
    }
    /* The image pull through NAT: its own line; an unknown NAT price leaves it out of the
     * total (the line says so) rather than hiding the rest. */
    plan_nat_free(&p->nat);
    plan_nat_compute(p->have_pull ? &p->pull : NULL, &p->prices, t->selected, t->usd_hi, &p->nat);
    t->nat_usd_lo = p->nat.price_known ? p->nat.usd_lo : -1;
    t->nat_usd_hi = p->nat.price_known ? p->nat.usd_hi : -1;
    if (p->nat.price_known) {
        s_add_usd(&t->usd_lo, p->nat.usd_lo);
        s_add_usd(&t->usd_hi, p->nat.usd_hi);
    }
}

void plan_free(struct plan *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nitems; i++)
        s_free_list(p->items[i].warnings, p->items[i].nwarnings);
    free(p->items);
    free(p->concurrency_why);
    message_free(&p->concurrency_why_msg);
    plan_bounds_free(p->bounds);
    quota_facts_free(&p->quotas);
    image_pull_free(&p->pull);
    plan_nat_free(&p->nat);
    price_table_free(&p->prices);
    s_free_assumptions(p);
    memset(p, 0, sizeof *p);
}

/* ---- JSON ---- */

static void s_usd(cJSON *o, const char *name, double v)
{
    if (v < 0)
        cJSON_AddNullToObject(o, name);
    else
        cJSON_AddNumberToObject(o, name, v);
}

static cJSON *s_range(double lo, double hi, bool money)
{
    cJSON *r = cJSON_CreateObject();
    if (money) {
        s_usd(r, "low", lo);
        s_usd(r, "high", hi);
    } else {
        cJSON_AddNumberToObject(r, "low", lo);
        cJSON_AddNumberToObject(r, "high", hi);
    }
    return r;
}

static cJSON *s_strings(char **list, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(list[i] ? list[i] : ""));
    return a;
}

static void s_opt_string(cJSON *o, const char *name, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, name, v);
    else
        cJSON_AddNullToObject(o, name);
}

cJSON *plan_item_to_json(const struct plan_item *it)
{
    const struct bot *b = it->bot;
    cJSON *o = cJSON_CreateObject();
    s_opt_string(o, "bot_id", b->bot_id);
    s_opt_string(o, "pk", b->pk);
    s_opt_string(o, "owner", b->pk);
    s_opt_string(o, "sk", b->sk);
    s_opt_string(o, "title", b->title);
    cJSON_AddBoolToObject(o, "selected", it->selected);
    s_opt_string(o, "why_not", it->why_not);
    cJSON_AddBoolToObject(o, "has_knowledge", bot_has_knowledge(b));
    cJSON_AddBoolToObject(o, "knowledge_base", b->knowledge_base);
    cJSON *src = cJSON_AddObjectToObject(o, "sources");
    cJSON_AddNumberToObject(src, "urls", (double)b->n_source_urls);
    cJSON_AddNumberToObject(src, "sitemaps", (double)b->n_sitemap_urls);
    cJSON_AddNumberToObject(src, "files", (double)b->n_files);
    cJSON_AddItemToObject(o, "source_urls", s_strings(b->source_urls, b->n_source_urls));
    cJSON_AddItemToObject(o, "sitemap_urls", s_strings(b->sitemap_urls, b->n_sitemap_urls));
    cJSON *files = cJSON_AddArrayToObject(o, "files");
    cJSON *missing = cJSON_CreateArray();
    for (size_t i = 0; i < b->n_files; i++) {
        cJSON *f = cJSON_CreateObject();
        s_opt_string(f, "name", b->files[i].name);
        cJSON_AddNumberToObject(f, "bytes", (double)b->files[i].bytes);
        cJSON_AddBoolToObject(f, "missing", b->files[i].missing);
        cJSON_AddItemToArray(files, f);
        if (b->files[i].missing)
            cJSON_AddItemToArray(missing, cJSON_CreateString(b->files[i].name ? b->files[i].name : ""));
    }
    cJSON_AddNumberToObject(o, "document_bytes", (double)b->document_bytes);
    cJSON_AddItemToObject(o, "missing_files", missing);
    s_opt_string(o, "sync_status", b->sync_status);
    s_opt_string(o, "sync_status_reason", b->sync_status_reason);
    s_opt_string(o, "last_exec_id", b->last_exec_id);
    cJSON_AddBoolToObject(o, "is_public", b->is_public);
    cJSON_AddBoolToObject(o, "is_published", b->is_published);
    cJSON *emb = cJSON_AddObjectToObject(o, "embedding_params");
    if (b->chunk_size > 0)
        cJSON_AddNumberToObject(emb, "chunk_size", b->chunk_size);
    else
        cJSON_AddNullToObject(emb, "chunk_size");
    cJSON_AddNumberToObject(emb, "chunk_overlap", b->chunk_overlap);
    cJSON_AddBoolToObject(emb, "enable_partition_pdf", b->enable_partition_pdf);
    cJSON_AddItemToObject(o, "estimate_usd", s_range(it->est.usd_lo, it->est.usd_hi, true));
    cJSON *e = cJSON_AddObjectToObject(o, "estimate");
    cJSON_AddNumberToObject(e, "seconds_lo", it->est.seconds_lo);
    cJSON_AddNumberToObject(e, "seconds_hi", it->est.seconds_hi);
    cJSON_AddNumberToObject(e, "text_bytes_lo", (double)it->est.text_bytes_lo);
    cJSON_AddNumberToObject(e, "text_bytes_hi", (double)it->est.text_bytes_hi);
    cJSON_AddNumberToObject(e, "tokens_lo", (double)it->est.tokens_lo);
    cJSON_AddNumberToObject(e, "tokens_hi", (double)it->est.tokens_hi);
    s_usd(e, "fargate_usd_lo", it->est.fargate_usd_lo);
    s_usd(e, "fargate_usd_hi", it->est.fargate_usd_hi);
    s_usd(e, "bedrock_usd_lo", it->est.bedrock_usd_lo);
    s_usd(e, "bedrock_usd_hi", it->est.bedrock_usd_hi);
    s_usd(e, "usd_lo", it->est.usd_lo);
    s_usd(e, "usd_hi", it->est.usd_hi);
    cJSON_AddBoolToObject(e, "open_ended", it->est.open_ended);
    cJSON_AddNumberToObject(e, "expected_seconds", plan_expected_seconds(it));
    cJSON_AddItemToObject(o, "warnings", s_strings(it->warnings, it->nwarnings));
    return o;
}

cJSON *plan_to_json(const struct plan *p)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *bots = cJSON_AddArrayToObject(o, "bots");
    for (size_t i = 0; i < p->nitems; i++)
        cJSON_AddItemToArray(bots, plan_item_to_json(&p->items[i]));
    cJSON *summary = plan_summary_to_json(p);
    while (summary->child) {
        cJSON *field = cJSON_DetachItemViaPointer(summary, summary->child);
        char *name = xstrdup(field->string); /* re-adding replaces field->string */
        cJSON_AddItemToObject(o, name, field);
        free(name);
    }
    cJSON_Delete(summary);
    return o;
}

cJSON *plan_summary_to_json(const struct plan *p)
{
    cJSON *o = cJSON_CreateObject();
    const struct plan_totals *t = &p->totals;
    cJSON *tj = cJSON_AddObjectToObject(o, "totals");
    cJSON_AddNumberToObject(tj, "bots", (double)t->bots);
    cJSON_AddNumberToObject(tj, "selected", (double)t->selected);
    cJSON_AddNumberToObject(tj, "skipped_empty", (double)t->skipped_empty);
    cJSON_AddNumberToObject(tj, "already_migrated", (double)t->already_migrated);
    cJSON_AddNumberToObject(tj, "skipped_knowledge_base", (double)t->skipped_knowledge_base);
    cJSON_AddNumberToObject(tj, "excluded", (double)t->excluded);
    cJSON_AddNumberToObject(tj, "document_bytes", (double)t->document_bytes);
    cJSON_AddNumberToObject(tj, "missing_files", (double)t->missing_files);
    cJSON_AddItemToObject(tj, "usd", s_range(t->usd_lo, t->usd_hi, true));
    cJSON_AddItemToObject(tj, "fargate_usd", s_range(t->fargate_usd_lo, t->fargate_usd_hi, true));
    cJSON_AddItemToObject(tj, "bedrock_usd", s_range(t->bedrock_usd_lo, t->bedrock_usd_hi, true));
    s_usd(tj, "scan_usd", t->scan_usd);
    cJSON_AddItemToObject(tj, "nat_usd", s_range(t->nat_usd_lo, t->nat_usd_hi, true));
    cJSON_AddItemToObject(tj, "tokens", s_range((double)t->tokens_lo, (double)t->tokens_hi, false));
    cJSON_AddItemToObject(tj, "duration_s", s_range(t->wall_seconds_lo, t->wall_seconds_hi, false));
    cJSON_AddItemToObject(tj, "task_seconds",
                          s_range(t->task_seconds_lo, t->task_seconds_hi, false));

    cJSON_AddNumberToObject(o, "concurrency", p->concurrency);
    s_opt_string(o, "concurrency_why", p->concurrency_why);
    if (p->concurrency_why_msg.id != MSG_NONE)
        cJSON_AddItemToObject(o, "concurrency_why_message", message_to_json(&p->concurrency_why_msg));
    cJSON *cd = cJSON_AddObjectToObject(o, "concurrency_bounds");
    cJSON_AddNumberToObject(cd, "value", p->concurrency);
    s_opt_string(cd, "chosen_by", strcmp(p->concurrency_why ? p->concurrency_why : "",
                                         "--concurrency") == 0 ? "--concurrency" : "bounds");
    cJSON *ba = cJSON_AddArrayToObject(cd, "bounds");
    for (int i = 0; i < BOUND_COUNT; i++) {
        const struct concurrency_bound *b = &p->bounds[i];
        cJSON *bj = cJSON_CreateObject();
        cJSON_AddStringToObject(bj, "name", concurrency_bound_name(b->kind));
        if (b->known)
            cJSON_AddNumberToObject(bj, "tasks", b->tasks);
        else
            cJSON_AddNullToObject(bj, "tasks");
        if (b->quota >= 0)
            cJSON_AddNumberToObject(bj, "quota", b->quota);
        else
            cJSON_AddNullToObject(bj, "quota");
        cJSON_AddBoolToObject(bj, "assumed", b->assumed);
        s_opt_string(bj, "reason", b->reason);
        cJSON_AddItemToArray(ba, bj);
    }
    cJSON *qs = cJSON_AddArrayToObject(cd, "quotas");
    cJSON_AddItemToArray(qs, quota_reading_to_json(&p->quotas.fargate_vcpu));
    cJSON_AddItemToArray(qs, quota_reading_to_json(&p->quotas.bedrock_rpm));
    cJSON_AddItemToArray(qs, quota_reading_to_json(&p->quotas.bedrock_tpm));
    cJSON *nat = cJSON_AddObjectToObject(o, "image_pull");
    cJSON_AddItemToObject(nat, "usd", s_range(t->nat_usd_lo, t->nat_usd_hi, true));
    cJSON_AddNumberToObject(nat, "image_gb_lo", p->nat.image_gb_lo);
    cJSON_AddNumberToObject(nat, "image_gb_hi", p->nat.image_gb_hi);
    cJSON_AddNumberToObject(nat, "nat_share", p->nat.share);
    s_usd(nat, "nat_per_gb", p->nat.price_known ? p->nat.usd_per_gb : -1);
    cJSON_AddBoolToObject(nat, "assumed", p->nat.assumed);
    cJSON_AddBoolToObject(nat, "large", p->nat.large);
    cJSON_AddItemToObject(nat, "endpoint_saving_usd",
                          s_range(p->nat.price_known ? p->nat.saving_lo : -1,
                                  p->nat.price_known ? p->nat.saving_hi : -1, true));
    s_opt_string(nat, "fix_command", p->nat.fix_command);
    s_opt_string(nat, "why", p->nat.why);
    cJSON *facts = image_pull_to_json(&p->pull);
    cJSON_AddItemToObject(nat, "read", facts);
    cJSON *task = cJSON_AddObjectToObject(o, "task");
    cJSON_AddNumberToObject(task, "cpu_units", p->task_cpu_units);
    cJSON_AddNumberToObject(task, "memory_mib", p->task_memory_mib);
    cJSON_AddItemToObject(o, "prices", price_table_to_json(&p->prices));
    cJSON_AddItemToObject(o, "assumptions", s_strings(p->assumptions, p->nassumptions));
    /* The same assumptions as {id, params}, in the same order. */
    cJSON *ids = cJSON_AddArrayToObject(o, "assumption_messages");
    for (size_t i = 0; i < p->nassumptions; i++)
        cJSON_AddItemToArray(ids, message_to_json(&p->assumption_msgs[i]));
    cJSON *scan = cJSON_AddObjectToObject(o, "scan");
    s_opt_string(scan, "source", p->scan.source);
    cJSON_AddBoolToObject(scan, "used_index", p->scan.used_index);
    cJSON_AddNumberToObject(scan, "items_read", (double)p->scan.items_read);
    cJSON_AddNumberToObject(scan, "read_units", p->scan.read_units);
    cJSON_AddNumberToObject(scan, "requests", (double)p->scan.requests);
    return o;
}

struct run_not_run *plan_not_run(const struct plan *p, size_t *n)
{
    struct run_not_run *list = NULL;
    *n = 0;
    for (size_t k = 0; p && k < p->nitems; k++) {
        const struct plan_item *it = &p->items[k];
        if (!it->bot || !it->bot->knowledge_base)
            continue;
        list = xrealloc(list, (*n + 1) * sizeof(*list));
        list[(*n)++] = (struct run_not_run){it->bot->bot_id, it->bot->pk, it->bot->title,
                                            (char *)PLAN_WHY_KNOWLEDGE_BASE};
    }
    return list;
}
