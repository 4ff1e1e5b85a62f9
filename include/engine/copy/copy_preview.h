/* The copy way, previewed beside the re-embed way: which bots go which way and what
 * each way costs, before anything is created.
 *
 * Owns: the decision per bot (copy from the snapshot; re-embed: created after the
 * snapshot, its last embedding had not succeeded, or no rows in the snapshot; skip:
 * not selected, or already in the new cluster), the copy's model (temporary Serverless
 * v2 ACU-hours for restore + copy + removal, its storage, Data API requests, time from
 * the row count and a copy rate) with every assumption stated, and the built-in prices
 * it uses. Pure computation: no I/O, no terminal. */
#ifndef BCM_ENGINE_COPY_PREVIEW_H
#define BCM_ENGINE_COPY_PREVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct plan;
struct bot;
struct price_table;
struct copy_snapshot;
struct cJSON;

enum copy_way { COPY_WAY_COPY, COPY_WAY_REEMBED, COPY_WAY_SKIP };

/* "copy", "reembed", "skip" (journal and JSON values, stable). */
const char *copy_way_name(enum copy_way w);

/* Why a bot goes the way it goes (static strings). */
#define COPY_WHY_CREATED_AFTER "created after the snapshot: not in it"
#define COPY_WHY_NOT_SUCCEEDED "its last embedding had not succeeded: the snapshot may hold older knowledge"
#define COPY_WHY_NO_ROWS "no rows in the snapshot"
#define COPY_WHY_MIGRATED "already has vectors in the new cluster"
#define COPY_WHY_COPY "rows in the snapshot"

struct copy_bot_way {
    const struct bot *bot;     /* points into the plan's inventory */
    enum copy_way way;
    const char *reason;        /* COPY_WHY_*, or the plan's why_not for skipped bots */
    int64_t rows_lo, rows_hi;  /* expected rows (from its text), or the snapshot's count */
};

/* Row counts per bot known from a database (the snapshot or the new cluster). */
struct copy_row_count {
    const char *bot_id;
    int64_t rows;
};

struct copy_prices {
    double acu_hour;             /* Aurora Serverless v2, per ACU-hour */
    double storage_gb_month;     /* Aurora Standard storage */
    double data_api_per_million; /* RDS Data API requests */
    double secret_month;         /* one Secrets Manager secret */
    const char *region;          /* the region the prices are for */
    bool region_exact;           /* false: another region's prices stand in */
    bool acu_from_file;          /* acu_hour came from --prices (aurora_acu_hour) */
    bool storage_from_file;      /* storage_gb_month came from --prices */
};

/* The built-in table (public list prices; see copy_preview.c for sources and dates). */
void copy_prices_for_region(const char *region, struct copy_prices *out);

struct copy_preview_options {
    double min_acu, max_acu;     /* the temporary cluster's range (0: 0.5–4) */
    int concurrency;             /* bots copied at once (0: 4) */
    const char *region;
    const struct copy_row_count *new_rows;      /* rows already in the new cluster; may be NULL */
    size_t n_new_rows;
    const struct copy_row_count *snapshot_rows; /* rows in the snapshot, once known (non-NULL:
                                                   counted, a bot absent has none) */
    size_t n_snapshot_rows;
    bool snapshot_rows_partial; /* true: snapshot_rows names only the bots known (from an
                                   earlier finished copy of the same snapshot); a bot absent
                                   is not known, not empty */
    /* --prices: its aurora_acu_hour and aurora_storage_gb_month, when known, replace the
     * built-in ones. NULL: built-in. */
    const struct price_table *prices;
    /* A measured copy rate, rows (and bytes) per second of one bot's copy: the time
     * estimate uses it instead of the assumed 20–80 rows/s (0: not measured). */
    double measured_rows_per_s;
    double measured_bytes_per_s;
    const char *measured_from;   /* where it was measured ("the finished copy run 1a2b3c4d") */
};

struct copy_preview {
    struct copy_bot_way *bots;   /* in plan order */
    size_t nbots;
    size_t ncopy, nreembed, nskip;
    int64_t rows_lo, rows_hi;    /* rows to copy */
    uint64_t requests_lo, requests_hi; /* Data API requests */
    double hours_lo, hours_hi;   /* the temporary cluster's life */
    double acu_hours_lo, acu_hours_hi;
    double usd_lo, usd_hi;       /* the copy itself */
    double reembed_rest_usd_lo, reembed_rest_usd_hi; /* re-embedding the bots the copy cannot take */
    double reembed_all_usd_lo, reembed_all_usd_hi;   /* the other way: re-embed everything selected */
    double reembed_all_wall_lo, reembed_all_wall_hi;
    struct copy_prices prices;
    double rows_per_s_lo, rows_per_s_hi; /* the copy rate used: all bots at once .. one bot */
    bool rate_measured;          /* from measured_rows_per_s, not the assumption */
    char **assumptions;
    size_t nassumptions;
};

/* The bot id's ULID time in ms since the epoch, or -1 when it is not a ULID. */
int64_t copy_ulid_time_ms(const char *id);

/* plan must be built (its selection decides the candidates); snap may be NULL (no
 * snapshot chosen: every candidate is priced as a copy). */
void copy_preview_build(const struct plan *plan, const struct copy_snapshot *snap,
                        const struct copy_preview_options *o, struct copy_preview *out);
void copy_preview_free(struct copy_preview *p);
struct cJSON *copy_preview_to_json(const struct copy_preview *p);

#endif
