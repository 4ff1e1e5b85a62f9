/* What a finished bot really cost, measured: Fargate seconds from ECS's own times (image
 * pull start, or start, to stop) and Bedrock input from the embedding task's log.
 *
 * Owns: reading the task's log lines (backend/embedding/main.py logs, per split document,
 * `{i}th document metadata: {'source': …}`, `{i}th document content length: N` and
 * `{i}th document head of content: …`, and `Number of chunks: N`), turning characters
 * into tokens (characters a token from the language of the heads: 4 for Latin text,
 * AWS's rule of thumb; 1.3 for Japanese, Cohere's table), and pricing both. The
 * calibration that uses these is engine/estimate/calibrate.h. */
#ifndef BCM_ENGINE_MEASURE_H
#define BCM_ENGINE_MEASURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct price_table;
struct bot;
struct cJSON;

#define MEASURE_CPT_LATIN 4.0
#define MEASURE_CPT_CJK 1.3

/* Characters embedded from one kind of source, as the log attributes them. */
struct measure_sources {
    uint64_t text_file_chars, binary_file_chars;   /* from the bot's files */
    uint64_t text_file_bytes, binary_file_bytes;   /* those files' sizes (from the bot) */
    uint64_t url_chars;                            /* from its source URLs */
    size_t urls;                                   /* URLs seen in the log */
    uint64_t sitemap_chars;                        /* pages found through its sitemaps */
    size_t sitemap_pages;
};

struct bot_measure {
    /* the log */
    bool have_log;
    uint64_t chunks;            /* `Number of chunks`, else the documents counted */
    uint64_t chars;             /* Σ content lengths (overlap included: what was embedded) */
    uint64_t head_chars, head_wide;  /* characters in the heads, and of them CJK */
    struct measure_sources src;
    double chars_per_token;
    double tokens;
    /* ECS */
    bool have_times;
    double billed_seconds;      /* rounded up, one minute at least */
    double pull_seconds;        /* pullStoppedAt - pullStartedAt; -1 unknown */
    double task_seconds;        /* billed time before rounding (pull start, or start, to stop) */
    /* priced; -1 when unknown */
    double fargate_usd, bedrock_usd, usd;
    /* parsing state: the document whose metadata came last (metadata, content length and
     * head are logged in that order) */
    int cursor_kind;
    char cursor_source[512];
    uint64_t documents;         /* content-length lines seen */
};

/* Reads one log line into m (a line that is none of the task's is ignored). b (may be
 * NULL) attributes a document's source to the bot's files or URLs. */
void bot_measure_add_line(struct bot_measure *m, const struct bot *b, const char *line);
/* ECS times (ms since the epoch; 0 unknown): billed from the pull's start when known. */
void bot_measure_set_times(struct bot_measure *m, uint64_t pull_started_ms,
                           uint64_t pull_stopped_ms, uint64_t started_ms, uint64_t stopped_ms);
/* Tokens from the characters and prices from the table. */
void bot_measure_finish(struct bot_measure *m, const struct bot *b, const struct price_table *prices,
                        int cpu_units, int memory_mib);
struct cJSON *bot_measure_to_json(const struct bot_measure *m);

/* Reading finished bots' task logs. */
struct aws_session;
struct deployment;
struct run_bot;

struct measure_target {
    const struct bot *bot;       /* borrowed, may be NULL (sources then unattributed) */
    const struct run_bot *run;   /* task id and ECS times (copied at the call) */
};

/* Reads each target's task log (its newest MEASURE_LOG_LINES lines) at most
 * MEASURE_IN_FLIGHT at a time, and measures it with the ECS times. out[i] answers
 * targets[i] (caller allocates n, zeroed); done is called from the loop when all are in.
 * A log that cannot be read leaves have_log false (its Bedrock cost unknown). */
#define MEASURE_LOG_LINES 10000
#define MEASURE_IN_FLIGHT 8
typedef void (*measure_done_fn)(void *ud, struct bot_measure *out, size_t n);
void measure_read(struct aws_session *s, const struct deployment *dep,
                  const struct measure_target *targets, size_t n,
                  const struct price_table *prices, int cpu_units, int memory_mib,
                  struct bot_measure *out, measure_done_fn done, void *ud);

#endif
