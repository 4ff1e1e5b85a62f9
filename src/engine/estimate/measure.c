/* A finished bot's measured cost: its task log's documents and ECS's times. */
#include "engine/estimate/measure.h"

#include "aws/session.h"
#include "engine/discover/deployment.h"
#include "engine/discover/inventory.h"
#include "engine/run/runner.h"
#include "engine/run/task_log.h"
#include "util/ev_loop.h"
#include "util/mem.h"
#include "engine/estimate/plan.h"
#include "engine/estimate/pricing.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The number after `marker` in line, or -1. */
static long long s_number_after(const char *line, const char *marker)
{
    const char *p = strstr(line, marker);
    if (!p)
        return -1;
    p += strlen(marker);
    while (*p == ' ')
        p++;
    if (!isdigit((unsigned char)*p))
        return -1;
    errno = 0;
    char *end;
    long long v = strtoll(p, &end, 10);
    if (errno || v < 0 || v > 1000000000000LL)
        return -1;
    return v;
}

/* Which of the bot's sources a document came from. */
enum doc_kind { DOC_UNKNOWN, DOC_TEXT_FILE, DOC_BINARY_FILE, DOC_URL, DOC_SITEMAP_PAGE };

static bool s_ends_with(const char *s, const char *tail)
{
    size_t a = strlen(s), b = strlen(tail);
    return b && a >= b && strcmp(s + a - b, tail) == 0;
}

static enum doc_kind s_kind_of(const struct bot *b, const char *source)
{
    if (!b)
        return DOC_UNKNOWN;
    for (size_t i = 0; i < b->n_files; i++)
        if (b->files[i].name && s_ends_with(source, b->files[i].name))
            return plan_is_text_file(b->files[i].name) ? DOC_TEXT_FILE : DOC_BINARY_FILE;
    for (size_t i = 0; i < b->n_source_urls; i++)
        if (b->source_urls[i] && strcmp(source, b->source_urls[i]) == 0)
            return DOC_URL;
    /* Anything else the task fetched came through a sitemap. */
    return b->n_sitemap_urls ? DOC_SITEMAP_PAGE : DOC_UNKNOWN;
}

/* The quoted value after 'source': in a metadata line, copied into buf. */
static bool s_source_of(const char *line, char *buf, size_t n)
{
    const char *p = strstr(line, "'source': ");
    if (!p)
        return false;
    p += strlen("'source': ");
    char quote = *p;
    if (quote != '\'' && quote != '"')
        return false;
    p++;
    const char *end = strchr(p, quote);
    if (!end || (size_t)(end - p) >= n)
        return false;
    memcpy(buf, p, (size_t)(end - p));
    buf[end - p] = '\0';
    return true;
}

void bot_measure_add_line(struct bot_measure *m, const struct bot *b, const char *line)
{
    if (!line)
        return;
    long long v;
    const char *p;
    if ((p = strstr(line, "th document metadata:")) != NULL) {
        char source[sizeof m->cursor_source];
        enum doc_kind kind = s_source_of(p, source, sizeof source) ? s_kind_of(b, source) : DOC_UNKNOWN;
        /* A source split into many documents is one URL or page. */
        bool same = strcmp(source, m->cursor_source) == 0;
        if (kind == DOC_URL && !same)
            m->src.urls++;
        if (kind == DOC_SITEMAP_PAGE && !same)
            m->src.sitemap_pages++;
        m->cursor_kind = (int)kind;
        if (kind != DOC_UNKNOWN)
            memcpy(m->cursor_source, source, sizeof source);
        m->have_log = true;
    } else if ((v = s_number_after(line, "th document content length:")) >= 0) {
        m->chars += (uint64_t)v;
        m->have_log = true;
        m->documents++;
        switch ((enum doc_kind)m->cursor_kind) {
        case DOC_TEXT_FILE: m->src.text_file_chars += (uint64_t)v; break;
        case DOC_BINARY_FILE: m->src.binary_file_chars += (uint64_t)v; break;
        case DOC_URL: m->src.url_chars += (uint64_t)v; break;
        case DOC_SITEMAP_PAGE: m->src.sitemap_chars += (uint64_t)v; break;
        case DOC_UNKNOWN: break;
        }
    } else if ((p = strstr(line, "th document head of content:")) != NULL) {
        p += strlen("th document head of content:");
        /* Count characters, and of them the wide ones (3- and 4-byte UTF-8: CJK). */
        for (const unsigned char *c = (const unsigned char *)p; *c; c++) {
            if ((*c & 0xC0) == 0x80)
                continue;
            if (*c == ' ')
                continue;
            m->head_chars++;
            if (*c >= 0xE0)
                m->head_wide++;
        }
    } else if ((v = s_number_after(line, "Number of chunks:")) >= 0) {
        m->chunks = (uint64_t)v;
        m->have_log = true;
    }
}

void bot_measure_set_times(struct bot_measure *m, uint64_t pull_started_ms, uint64_t pull_stopped_ms,
                           uint64_t started_ms, uint64_t stopped_ms)
{
    m->pull_seconds = pull_started_ms && pull_stopped_ms >= pull_started_ms
                          ? (double)(pull_stopped_ms - pull_started_ms) / 1000.0 : -1;
    uint64_t from = pull_started_ms ? pull_started_ms : started_ms;
    m->have_times = from && stopped_ms >= from;
    m->task_seconds = m->have_times ? (double)(stopped_ms - from) / 1000.0 : 0;
    m->billed_seconds = m->have_times ? fargate_billed_seconds(m->task_seconds) : 0;
}

void bot_measure_finish(struct bot_measure *m, const struct bot *b, const struct price_table *prices,
                        int cpu_units, int memory_mib)
{
    if (b) {
        for (size_t i = 0; i < b->n_files; i++) {
            if (b->files[i].missing)
                continue;
            if (plan_is_text_file(b->files[i].name))
                m->src.text_file_bytes += b->files[i].bytes;
            else
                m->src.binary_file_bytes += b->files[i].bytes;
        }
    }
    if (!m->chunks)
        m->chunks = m->documents;
    double wide = m->head_chars ? (double)m->head_wide / (double)m->head_chars : 0;
    m->chars_per_token = MEASURE_CPT_LATIN * (1 - wide) + MEASURE_CPT_CJK * wide;
    m->tokens = (double)m->chars / m->chars_per_token;
    m->fargate_usd = m->have_times ? fargate_task_usd(prices, cpu_units, memory_mib, m->billed_seconds) : -1;
    if (!m->have_log)
        m->bedrock_usd = -1;
    else if (m->tokens == 0)
        m->bedrock_usd = 0;
    else
        m->bedrock_usd = prices->embed_per_1k_tokens.known
                             ? m->tokens / 1000.0 * prices->embed_per_1k_tokens.usd : -1;
    m->usd = m->fargate_usd < 0 || m->bedrock_usd < 0 ? -1 : m->fargate_usd + m->bedrock_usd;
}

static void s_num_or_null(cJSON *o, const char *name, double v, bool known)
{
    if (known)
        cJSON_AddNumberToObject(o, name, v);
    else
        cJSON_AddNullToObject(o, name);
}

cJSON *bot_measure_to_json(const struct bot_measure *m)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "log_read", m->have_log);
    cJSON_AddNumberToObject(o, "chunks", (double)m->chunks);
    cJSON_AddNumberToObject(o, "characters", (double)m->chars);
    cJSON_AddNumberToObject(o, "chars_per_token", m->chars_per_token);
    cJSON_AddNumberToObject(o, "tokens", m->tokens);
    s_num_or_null(o, "billed_seconds", m->billed_seconds, m->have_times);
    s_num_or_null(o, "pull_seconds", m->pull_seconds, m->pull_seconds >= 0);
    s_num_or_null(o, "fargate_usd", m->fargate_usd, m->fargate_usd >= 0);
    s_num_or_null(o, "bedrock_usd", m->bedrock_usd, m->bedrock_usd >= 0);
    s_num_or_null(o, "usd", m->usd, m->usd >= 0);
    return o;
}

/* ---- reading the logs ---- */

struct measure_job;

struct measure_one {
    struct measure_job *job;
    size_t index;
};

struct measure_job {
    struct aws_session *session;
    struct task_log_where where;       /* strings owned below */
    char *log_group, *prefix, *container;
    char *log_region;           /* awslogs-region; NULL: the session's */
    char **task_ids;                   /* NULL: no task (not read) */
    uint64_t (*times)[4];              /* pull start, pull stop, start, stop */
    const struct bot **bots;
    size_t n, next, in_flight, pending;
    struct price_table prices;
    int cpu_units, memory_mib;
    struct bot_measure *out;
    struct measure_one *ones;
    measure_done_fn done;
    void *ud;
};

static void s_job_free(struct measure_job *j)
{
    for (size_t i = 0; i < j->n; i++)
        free(j->task_ids[i]);
    free(j->task_ids);
    free(j->times);
    free(j->bots);
    free(j->ones);
    free(j->log_group);
    free(j->log_region);
    free(j->prefix);
    free(j->container);
    price_table_free(&j->prices);
    free(j);
}

static void s_measure_done(struct measure_job *j, size_t i)
{
    bot_measure_set_times(&j->out[i], j->times[i][0], j->times[i][1], j->times[i][2], j->times[i][3]);
    bot_measure_finish(&j->out[i], j->bots[i], &j->prices, j->cpu_units, j->memory_mib);
}

static void s_pump(struct measure_job *j);

static void s_on_log(void *ud, const struct task_log_page *page, const struct aws_error *err)
{
    struct measure_one *one = ud;
    struct measure_job *j = one->job;
    size_t i = one->index;
    if (!err && page) {
        for (size_t k = 0; k < page->n; k++)
            bot_measure_add_line(&j->out[i], j->bots[i], page->events[k].message);
    }
    s_measure_done(j, i);
    j->in_flight--;
    j->pending--;
    s_pump(j);
}

static void s_finish_job(void *ud)
{
    struct measure_job *j = ud;
    j->done(j->ud, j->out, j->n);
    s_job_free(j);
}

static void s_pump(struct measure_job *j)
{
    while (j->in_flight < MEASURE_IN_FLIGHT && j->next < j->n) {
        size_t i = j->next++;
        if (!j->task_ids[i] || !j->log_group) {
            s_measure_done(j, i);
            j->pending--;
            continue;
        }
        j->where.task_id = j->task_ids[i];
        j->in_flight++;
        task_log_read(aws_session_client_for_region(j->session, j->log_region), &j->where, NULL,
                      MEASURE_LOG_LINES, s_on_log, &j->ones[i]);
    }
    if (j->pending == 0 && j->in_flight == 0)
        ev_timer_add(j->session->loop, 0, s_finish_job, j); /* answer from the loop */
}

void measure_read(struct aws_session *s, const struct deployment *dep,
                  const struct measure_target *targets, size_t n,
                  const struct price_table *prices, int cpu_units, int memory_mib,
                  struct bot_measure *out, measure_done_fn done, void *ud)
{
    struct measure_job *j = xcalloc(1, sizeof *j);
    j->session = s;
    j->n = j->pending = n;
    j->out = out;
    j->done = done;
    j->ud = ud;
    j->cpu_units = cpu_units;
    j->memory_mib = memory_mib;
    price_table_copy(&j->prices, prices);
    j->log_group = dep && dep->log_group ? xstrdup(dep->log_group) : NULL;
    j->prefix = dep && dep->log_stream_prefix ? xstrdup(dep->log_stream_prefix) : NULL;
    j->container = dep && dep->container_name ? xstrdup(dep->container_name) : NULL;
    j->log_region = dep && dep->log_region ? xstrdup(dep->log_region) : NULL;
    j->where.log_group = j->log_group;
    j->where.stream_prefix = j->prefix;
    j->where.container = j->container;
    j->task_ids = xcalloc(n ? n : 1, sizeof *j->task_ids);
    j->times = xcalloc(n ? n : 1, sizeof *j->times);
    j->bots = xcalloc(n ? n : 1, sizeof *j->bots);
    j->ones = xcalloc(n ? n : 1, sizeof *j->ones);
    for (size_t i = 0; i < n; i++) {
        const struct run_bot *rb = targets[i].run;
        j->bots[i] = targets[i].bot;
        j->ones[i].job = j;
        j->ones[i].index = i;
        if (rb && rb->task_id)
            j->task_ids[i] = xstrdup(rb->task_id);
        if (rb) {
            j->times[i][0] = rb->pull_started_at_ms;
            j->times[i][1] = rb->pull_stopped_at_ms;
            j->times[i][2] = rb->started_at_ms;
            j->times[i][3] = rb->stopped_at_ms;
        }
    }
    s_pump(j);
}
