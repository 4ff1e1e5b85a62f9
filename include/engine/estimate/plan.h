/* Which bots a run would rebuild, and what that would take: per-bot and total time and
 * cost, always as a low–high range, with every assumption behind the numbers listed.
 *
 * Owns: selection (knowledge / --include-empty, --bots, --exclude, wizard toggles), the
 * token and duration model, the wall-clock estimate from concurrency, and the default
 * concurrency. Prices come from engine/pricing.h, bots from engine/inventory.h. No I/O
 * except reading the --prices file; no terminal.
 *
 * Lifetime: plan items point at bots inside the inventory given to plan_build; the
 * inventory must outlive the plan (free the plan first). */
#ifndef BCM_ENGINE_PLAN_H
#define BCM_ENGINE_PLAN_H

#include "engine/estimate/pricing.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bot;
struct inventory;
struct deployment;
struct cJSON;

/* Defaults used when the deployment does not say (cdk.json of v1). */
#define PLAN_DEFAULT_CPU_UNITS 2048
#define PLAN_DEFAULT_MEMORY_MIB 4096
/* The default Fargate On-Demand vCPU quota (L-3032A538) when it cannot be read. */
#define PLAN_DEFAULT_VCPU_QUOTA 6

struct plan_options {
    bool include_empty;        /* also bots without any knowledge source */
    const char *bots_csv;      /* --bots ID,…: only these (NULL: all) */
    const char *exclude_csv;   /* --exclude ID,… */
    int concurrency;           /* 0: plan_default_concurrency() */
    const char *region;        /* the region priced; NULL: "us-east-1" with a note */
    const char *prices_file;   /* --prices FILE, applied over the built-in table */
    const struct price_table *prices; /* used instead of the built-in table when set
                                         (copied; prices_file still applies on top) */
};

/* why_not values (static strings; compare with strcmp or the macros). */
#define PLAN_WHY_EMPTY "no knowledge (--include-empty)"
#define PLAN_WHY_EXCLUDED "excluded (--exclude)"
#define PLAN_WHY_NOT_LISTED "not in --bots"
#define PLAN_WHY_DESELECTED "deselected"

/* One bot's estimate. seconds are the billed task time (image pull to stop); the USD
 * figures are -1 when a needed price is unknown. */
struct bot_estimate {
    double seconds_lo, seconds_hi;
    uint64_t text_bytes_lo, text_bytes_hi; /* text the task is expected to embed */
    uint64_t tokens_lo, tokens_hi;
    double fargate_usd_lo, fargate_usd_hi;
    double bedrock_usd_lo, bedrock_usd_hi;
    double usd_lo, usd_hi;
    bool open_ended;           /* crawls URLs/sitemaps: the high end is an assumed cap */
};

struct plan_item {
    const struct bot *bot;     /* points into the inventory */
    bool selected;
    const char *why_not;       /* NULL when selected, else one of PLAN_WHY_* */
    struct bot_estimate est;
    char **warnings;           /* the bot's own (copied) plus the model's */
    size_t nwarnings;
};

struct plan_totals {
    size_t bots;               /* in the inventory */
    size_t selected;
    size_t skipped_empty;      /* not selected because they have no knowledge */
    size_t excluded;           /* not selected because of --bots / --exclude / a toggle */
    uint64_t document_bytes;   /* of the selected bots' present files */
    size_t missing_files;      /* of the selected bots */
    uint64_t tokens_lo, tokens_hi;
    double task_seconds_lo, task_seconds_hi; /* sum of billed task time */
    double wall_seconds_lo, wall_seconds_hi; /* at plan.concurrency */
    double fargate_usd_lo, fargate_usd_hi;   /* -1 when unknown */
    double bedrock_usd_lo, bedrock_usd_hi;   /* -1 when unknown */
    double scan_usd;                         /* the inventory scan already done; -1 unknown */
    double usd_lo, usd_hi;                   /* -1 when any part is unknown */
};

struct plan_scan {
    const char *source;        /* inventory's scan_source (borrowed) */
    bool used_index;
    uint64_t items_read;
    double read_units;
    uint64_t requests;
};

struct plan {
    struct plan_item *items;   /* in inventory order */
    size_t nitems;
    size_t nselected;
    int concurrency;
    char *concurrency_why;     /* "6 vCPU default quota / 2 vCPU per task" or "--concurrency" */
    int task_cpu_units;
    int task_memory_mib;
    bool task_size_known;      /* the task size came from the task definition */
    struct price_table prices;
    struct plan_totals totals;
    struct plan_scan scan;
    char **assumptions;        /* sentences, each stating one assumption with its number */
    size_t nassumptions;
};

/* Builds the plan. dep may be NULL (task size defaults, with an assumption saying so).
 * Returns 0, or -1 with *error (caller frees): an unknown bot id in --bots (named), an
 * empty or malformed id list, or a bad --prices file. */
int plan_build(const struct inventory *inv, const struct deployment *dep,
               const struct plan_options *o, struct plan *out, char **error);
/* Wizard toggles; totals are recomputed. A bot deselected here gets PLAN_WHY_DESELECTED. */
void plan_select(struct plan *p, size_t i, bool on);
void plan_set_concurrency(struct plan *p, int concurrency, const char *why);
/* Prices edited by the operator (the wizard's cost step): every bot is estimated again,
 * totals recomputed and the assumptions restated with the new table (copied). */
void plan_set_prices(struct plan *p, const struct price_table *prices);
void plan_recompute(struct plan *p);
void plan_free(struct plan *p);

/* floor(vCPU quota / task vCPU), at least 1; why (caller frees) explains it. quota_vcpu
 * <= 0 means unknown (PLAN_DEFAULT_VCPU_QUOTA is assumed). */
int plan_default_concurrency(int cpu_units, int memory_mib, int quota_vcpu, char **why);

/* Parses "A,B , C" into ids (trimmed, non-empty, no duplicates). Returns 0, or -1 with
 * *error saying what is wrong. */
int plan_parse_id_list(const char *csv, char ***ids, size_t *n, char **error);
void plan_free_id_list(char **ids, size_t n);

/* The model, exposed for tests and the wizard's detail pane. chunk_size/overlap <= 0
 * mean the task's defaults; warning (may be NULL) receives a static text when the
 * parameters are unusable and the defaults were assumed. */
double plan_overlap_factor(int chunk_size, int chunk_overlap, const char **warning);
void plan_estimate_bot(const struct bot *b, const struct price_table *prices,
                       int cpu_units, int memory_mib, struct bot_estimate *out);
/* Wall-clock seconds to run tasks of the given durations, in order, concurrency at once. */
double plan_wall_seconds(const double *durations, size_t n, int concurrency);

/* The JSON the `plan --json` command prints (see cmd_plan.c / the man page). */
struct cJSON *plan_to_json(const struct plan *p);
/* Its parts, for printing it a bot at a time (a tree of 10,000 bots is tens of MB):
 * plan_to_json is {"bots": [plan_item_to_json of each item], …plan_summary_to_json}. */
struct cJSON *plan_item_to_json(const struct plan_item *it);
struct cJSON *plan_summary_to_json(const struct plan *p);

#endif
