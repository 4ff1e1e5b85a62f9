/* Moving the rows: bot by bot from the temporary cluster (v0's snapshot) into the v1
 * cluster, through the RDS Data API on both sides.
 *
 * Owns: reading a bot's rows by keyset pagination on id (with embedding::text; pages
 * sized under the Data API's 1 MiB reply limit, halved when a reply would pass it),
 * writing them in one transaction per bot that first deletes that bot's rows (the
 * embedding task's own semantics: a retry never duplicates) with BatchExecuteStatement
 * batches under the request limit, bounded concurrency, REINDEX of the ivfflat index
 * once at the end, per-bot row counts on either side, and journaling each bot's intent,
 * transaction and completion. Row content is never logged, printed or journaled. */
#ifndef BCM_ENGINE_COPY_ROW_COPY_H
#define BCM_ENGINE_COPY_ROW_COPY_H

#include "aws/rds_data.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct aws_client;
struct journal;
struct copy_view;

struct row_count {
    char *bot_id;
    int64_t rows;
};

struct row_counts {
    struct row_count *items;
    size_t n;
};

/* SELECT botid, count(*) FROM items GROUP BY botid (never content or embedding).
 * counts is valid during the callback; error for people otherwise. */
typedef void (*row_counts_done_fn)(void *ud, const struct row_counts *counts, const char *error);
void row_counts_read(struct aws_client *client, const struct rds_data_target *t,
                     const struct rds_data_options *options, row_counts_done_fn done, void *ud);
int64_t row_counts_get(const struct row_counts *c, const char *bot_id); /* -1 absent */
void row_counts_copy(struct row_counts *dst, const struct row_counts *src);
void row_counts_free(struct row_counts *c);

/* Per-bot progress: rows written in its open transaction so far, of total, bytes. */
typedef void (*row_copy_progress_fn)(void *ud, const char *bot_id, int64_t rows_done,
                                     int64_t rows_total, uint64_t bytes_done, bool finished);
/* A line for people ("waking the database", a bot that failed and why). */
typedef void (*row_copy_message_fn)(void *ud, const char *text);
struct row_copy_stats;
/* error NULL: every bot marked "copy" is copied and the index rebuilt. stats: what was
 * done either way. The copier is gone after this call. */
typedef void (*row_copy_done_fn)(void *ud, const char *error, const struct row_copy_stats *stats);

struct row_copy_config {
    struct aws_client *client;
    struct rds_data_target source;   /* the temporary cluster */
    struct rds_data_target target;   /* the v1 cluster */
    struct journal *journal;         /* NULL: nothing journaled (tests) */
    struct copy_view *view;          /* bots with way "copy" not yet copied are copied */
    int concurrency;                 /* bots at once; 0: 4 */
    size_t page_rows;                /* 0: 25 */
    size_t batch_bytes;              /* 0: 2 MiB of values per BatchExecuteStatement */
    const struct row_counts *source_counts; /* expected rows per bot (for progress) */
    row_copy_progress_fn progress;
    row_copy_message_fn message;
    row_copy_done_fn done;
    void *ud;
};

struct row_copy;
struct row_copy *row_copy_start(const struct row_copy_config *cfg);
/* Starts no further bot; bots in flight finish (their transactions commit or roll
 * back), then done is called with "stopped". Valid until done has been called. */
void row_copy_stop(struct row_copy *rc);

struct row_copy_stats {
    size_t bots_copied;        /* in this process */
    size_t bots_failed;
    int64_t rows;
    uint64_t bytes;            /* of values written */
    uint64_t requests;         /* Data API calls */
    bool reindexed;
    char *index_name;          /* the index rebuilt, or NULL when none was found */
};

/* A PostgreSQL type name as format_type() writes it, checked before it is put into a
 * CAST: letters, digits, '_', ' ', '(', ')', '[', ']' only (exposed for tests). */
bool row_copy_type_name_ok(const char *type);

#endif
