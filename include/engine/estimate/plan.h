/* engine/estimate/ — what a run would take, before anything is launched: the price
 * table (pricing) and the selection with its time and cost ranges (plan). Reads the bots
 * engine/discover/ found; calls no AWS API, launches nothing, prints nothing. The views
 * show its numbers and assumptions; engine/run/ is handed the selected bots.
 *
 * Which bots a run would rebuild, and what that would take: per-bot and total time and
 * cost, always as a low–high range, with every assumption behind the numbers listed.
 *
 * Owns: selection (knowledge / --include-empty, --bots, --exclude, wizard toggles), the
 * token and duration model, the wall-clock estimate from concurrency, and the default
 * concurrency. Prices come from engine/estimate/pricing.h, bots from
 * engine/discover/inventory.h. No I/O except reading the --prices file; no terminal.
 *
 * Lifetime: plan items point at bots inside the inventory given to plan_build; the
 * inventory must outlive the plan (free the plan first). */
#ifndef BCM_ENGINE_PLAN_H
#define BCM_ENGINE_PLAN_H

#include "engine/estimate/image_pull.h"
#include "engine/estimate/pricing.h"
#include "engine/message/message.h"
#include "engine/estimate/quotas.h"
#include "engine/estimate/web_probe.h"

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
/* Tasks at once that the small Aurora Serverless v2 cluster of v1 (at most 5 ACU) is
 * trusted with: each task deletes and inserts its bot's vectors in one connection. */
#define PLAN_AURORA_CEILING 50
/* One embedding task's Bedrock load while it embeds: one InvokeModel a chunk (the v1
 * task embeds chunk by chunk), a call about every 0.5 s, of about 1,000 characters
 * (English ~4 characters a token; Japanese about 1): requests and tokens per minute. */
#define PLAN_TASK_BEDROCK_RPM 120.0
#define PLAN_TASK_BEDROCK_TPM (120.0 * 1000.0)
/* An embedding image when its size cannot be read: 2-3 GB compressed (pricing notes). */
#define PLAN_IMAGE_GB_LO 2.0
#define PLAN_IMAGE_GB_HI 3.0
/* The NAT line counts as large, and the fix is offered before the confirmation, from
 * this many dollars or this share of the rest of the run's high estimate. */
#define PLAN_NAT_LARGE_USD 0.50
#define PLAN_NAT_LARGE_SHARE 0.10

struct plan_options {
    bool include_empty;        /* also bots without any knowledge source */
    const char *bots_csv;      /* --bots ID,…: only these (NULL: all) */
    const char *exclude_csv;   /* --exclude ID,… */
    int concurrency;           /* 0: plan_default_concurrency() */
    const char *region;        /* the region priced; NULL: "us-east-1" with a note */
    const char *prices_file;   /* --prices FILE, applied over the built-in table */
    const struct price_table *prices; /* used instead of the built-in table when set
                                         (copied; prices_file still applies on top) */
    const struct quota_facts *quotas;     /* read quotas (copied); NULL: all assumed */
    const struct image_pull_facts *pull;  /* the image pull's facts (copied); NULL: assumed */
};

/* why_not values (static strings; compare with strcmp or the macros). */
#define PLAN_WHY_EMPTY "no knowledge (--include-empty)"
#define PLAN_WHY_EXCLUDED "excluded (--exclude)"
#define PLAN_WHY_NOT_LISTED "not in --bots"
#define PLAN_WHY_DESELECTED "deselected"
#define PLAN_WHY_MIGRATED "already migrated (--include-migrated)"
#define PLAN_WHY_KNOWLEDGE_BASE \
    "Bedrock Knowledge Base bot: its vectors are not in Aurora, no embedding task (never selected)"

/* Billed task time around a measured image pull (pullStartedAt to pullStoppedAt): the
 * container's start after the pull and its stop. */
#define PLAN_AFTER_PULL_S_LO 1.0
#define PLAN_AFTER_PULL_S_HI 15.0

/* One bot's estimate. seconds are the billed task time (image pull to stop); the USD
 * figures are -1 when a needed price is unknown. */
struct bot_estimate {
    double seconds_lo, seconds_hi;
    /* The model's task time without the assumed start (image pull, ENI, container start):
     * what a measured image pull is added to (engine/estimate/calibrate.h). Not rounded. */
    double work_seconds_lo, work_seconds_hi;
    uint64_t text_bytes_lo, text_bytes_hi; /* text the task is expected to embed */
    uint64_t tokens_lo, tokens_hi;
    double fargate_usd_lo, fargate_usd_hi;
    double bedrock_usd_lo, bedrock_usd_hi;
    double usd_lo, usd_hi;
    bool open_ended;           /* crawls URLs/sitemaps: the high end is an assumed cap */
};

/* What `plan --probe-web` saw of a bot's crawled sources (bytes of text). */
struct plan_web {
    bool probed;
    double url_text_lo, url_text_hi;        /* its source URLs together */
    double sitemap_pages_lo, sitemap_pages_hi;  /* its sitemaps' pages together */
    size_t measured, failed;                /* URLs and sitemaps answered / not */
};

struct plan_item {
    const struct bot *bot;     /* points into the inventory */
    struct plan_web web;       /* probed crawled sources (plan_apply_web_probe) */
    bool selected;
    const char *why_not;       /* NULL when selected, else one of PLAN_WHY_* */
    struct bot_estimate est;
    char **warnings;           /* the bot's own (copied) plus the model's */
    size_t nwarnings;
};

/* One bound on the default concurrency, with its reason. */
enum concurrency_bound_kind {
    BOUND_FARGATE_VCPU,   /* vCPU quota / task vCPU */
    BOUND_BEDROCK_RPM,    /* requests-per-minute quota / one task's requests per minute */
    BOUND_BEDROCK_TPM,    /* tokens-per-minute quota / one task's tokens per minute */
    BOUND_AURORA,         /* PLAN_AURORA_CEILING */
    BOUND_COUNT
};

struct concurrency_bound {
    enum concurrency_bound_kind kind;
    bool known;           /* false: the quota could not be read and has no known default */
    bool assumed;         /* the number is an assumption (quota not read) */
    int tasks;            /* at most this many tasks at once (valid when known) */
    double quota;         /* the quota's value (-1: none) */
    char *reason;         /* "12 vCPU (applied Fargate on-demand quota) / 2 vCPU per task" */
    struct message reason_msg; /* the same as a message */
};

/* The image pull through NAT, as its own line of the estimate. */
struct plan_nat {
    bool assumed;             /* the image size or the route was not read */
    double image_gb_lo, image_gb_hi;   /* per task, GB of 2^30 bytes */
    double share;             /* of the tasks that pull through a NAT gateway (0..1) */
    bool price_known;
    double usd_per_gb;
    double usd_lo, usd_hi;    /* for the selected tasks; 0 with a covering endpoint */
    double saving_lo, saving_hi;       /* what an S3 gateway endpoint would save */
    bool large;               /* worth saying before the confirmation */
    char *fix_command;        /* aws ec2 create-vpc-endpoint … (NULL: not known) */
    char *why;                /* what was read or assumed, in a sentence */
    struct message why_msg;   /* the same as a message */
};

struct plan_totals {
    size_t bots;               /* in the inventory */
    size_t selected;
    size_t skipped_empty;      /* not selected because they have no knowledge */
    size_t skipped_knowledge_base; /* never selected: Bedrock Knowledge Base bots */
    size_t excluded;           /* not selected because of --bots / --exclude / a toggle */
    size_t already_migrated;   /* not selected: the v1 stack already re-embedded them */
    uint64_t document_bytes;   /* of the selected bots' present files */
    size_t missing_files;      /* of the selected bots */
    uint64_t tokens_lo, tokens_hi;
    double task_seconds_lo, task_seconds_hi; /* sum of billed task time */
    double wall_seconds_lo, wall_seconds_hi; /* at plan.concurrency */
    double fargate_usd_lo, fargate_usd_hi;   /* -1 when unknown */
    double bedrock_usd_lo, bedrock_usd_hi;   /* -1 when unknown */
    double scan_usd;                         /* the inventory scan already done; -1 unknown */
    double nat_usd_lo, nat_usd_hi;           /* the image pull through NAT (plan.nat) */
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
    struct message concurrency_why_msg; /* the same as a message */
    struct concurrency_bound bounds[BOUND_COUNT]; /* the default's bounds, smallest wins */
    struct quota_facts quotas;     /* as read (copied from the options) */
    struct image_pull_facts pull;  /* as read (copied from the options) */
    bool have_pull;
    bool web_probed;           /* plan_apply_web_probe was applied */
    struct plan_nat nat;
    int task_cpu_units;
    int task_memory_mib;
    bool task_size_known;      /* the task size came from the task definition */
    struct price_table prices;
    struct plan_totals totals;
    struct plan_scan scan;
    char **assumptions;        /* sentences, each stating one assumption with its number */
    struct message *assumption_msgs; /* the same as messages, for views that translate */
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
/* The same with the reason as a message (taken), e.g. MESSAGE0(MSG_CONCURRENCY_WIZARD). */
void plan_set_concurrency_message(struct plan *p, int concurrency, struct message why);
/* Prices edited by the operator (the wizard's cost step): every bot is estimated again,
 * totals recomputed and the assumptions restated with the new table (copied). */
void plan_set_prices(struct plan *p, const struct price_table *prices);
void plan_recompute(struct plan *p);
/* Replaces the guess for crawled sources with what the probe saw: a page's text is taken
 * as PLAN_WEB_TEXT_SHARE_LO..1 of its bytes (markup), a sitemap as its counted pages (an
 * index: 1-50 pages per child sitemap); a URL that failed keeps the guess. Every bot is
 * estimated again and the assumptions restated. */
#define PLAN_WEB_TEXT_SHARE_LO 0.3
/* The selected bots' source URLs and sitemaps, each once (borrowed strings, valid while
 * the inventory is): *urls and *sitemap are allocated (caller frees both). */
size_t plan_web_sources(const struct plan *p, const char ***urls, bool **sitemap);
void plan_apply_web_probe(struct plan *p, const struct web_probe *w);
void plan_free(struct plan *p);

/* floor(vCPU quota / task vCPU), at least 1; why (caller frees) explains it. quota_vcpu
 * <= 0 means unknown (PLAN_DEFAULT_VCPU_QUOTA is assumed). */
int plan_default_concurrency(int cpu_units, int memory_mib, int quota_vcpu, char **why);
/* Fills bounds[BOUND_COUNT] from the quotas (NULL: none read) and returns the smallest
 * known bound (at least 1); *why (caller frees) names the bound that won. */
int plan_concurrency_bounds(int cpu_units, const struct quota_facts *q,
                            struct concurrency_bound bounds[BOUND_COUNT], char **why);
void plan_bounds_free(struct concurrency_bound bounds[BOUND_COUNT]);
const char *concurrency_bound_name(enum concurrency_bound_kind k);
/* The NAT line for n tasks (computed by plan_recompute; exposed for tests). */
void plan_nat_compute(const struct image_pull_facts *pull, const struct price_table *prices,
                      size_t tasks, double rest_usd_hi, struct plan_nat *out);
/* Frees what plan_nat_compute filled in (fix_command, why and its message). */
void plan_nat_free(struct plan_nat *n);

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
/* Text files (.txt, .md, .csv, .html, ...) are all text; others hold part of their size. */
bool plan_is_text_file(const char *name);
/* A pilot of k selected bots chosen to span the deployment's mix: each pick adds the most
 * kinds of source not yet covered (text files, other files, URLs, sitemaps), then a size
 * class not yet covered (small, middle, large expected time), then plan order. Writes
 * the items' indices to out (k entries at most); returns how many. */
size_t plan_pick_pilot(const struct plan *p, size_t k, size_t *out);
/* The model's token bounds of a bot by kind of source, summing to its tokens_lo/hi:
 * [0] text files, [1] other files, [2] source URLs, [3] sitemaps. */
enum { PLAN_PART_TEXT, PLAN_PART_BINARY, PLAN_PART_URLS, PLAN_PART_SITEMAPS, PLAN_PARTS };
void plan_token_parts(const struct bot *b, double lo[PLAN_PARTS], double hi[PLAN_PARTS]);
/* Wall-clock seconds to run tasks of the given durations, in order, concurrency at once. */
double plan_wall_seconds(const double *durations, size_t n, int concurrency);
/* A bot's expected task seconds, the key of the launch order: the middle of its range. */
double plan_expected_seconds(const struct plan_item *it);
/* The launch order: the selected items' indices, longest expected duration first (LPT:
 * a few long bots started last would stretch the run's tail), ties in plan order.
 * order holds nitems; returns how many were written (nselected). */
size_t plan_launch_order(const struct plan *p, size_t *order);

/* The JSON the `plan --json` command prints (see cmd_plan.c / the man page). */
struct cJSON *plan_to_json(const struct plan *p);
/* Its parts, for printing it a bot at a time (a tree of 10,000 bots is tens of MB):
 * plan_to_json is {"bots": [plan_item_to_json of each item], …plan_summary_to_json}. */
struct cJSON *plan_item_to_json(const struct plan_item *it);
struct cJSON *plan_summary_to_json(const struct plan *p);

/* The plan's Knowledge Base bots as the runner's not-run list: they get no task, and the
 * run's journal and report list them. The strings are borrowed from the plan (free the
 * array only); NULL and *n = 0 when there are none. */
struct run_not_run;
struct run_not_run *plan_not_run(const struct plan *p, size_t *n);

#endif
