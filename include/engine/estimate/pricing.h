/* The prices the cost preview multiplies by: a built-in table per region (public list
 * prices, USD, with the date of the sources they were read from) and an operator's
 * override file (`--prices FILE`).
 *
 * Owns: the table, the override file's format and its validation, and the price of one
 * Fargate task for a given size and duration. It does not estimate durations or tokens
 * (engine/estimate/plan.h does). A price that is not known for a region stays unknown:
 * it is never borrowed from another region.
 *
 * Override file (JSON; every key optional, unknown keys are an error so typos show):
 *   { "source_date": "2026-11-01",              (shown instead of the built-in date)
 *     "source": "our EDP rates",                (free text, shown with the prices)
 *     "fargate_vcpu_hour": 0.04048,             (applies to every region…)
 *     "regions": { "ap-northeast-3": {          (…unless given for the region)
 *         "fargate_vcpu_hour": 0.05056, "fargate_gb_hour": 0.00553,
 *         "fargate_arm_vcpu_hour": 0.04045, "fargate_arm_gb_hour": 0.00442,
 *         "embed_per_1k_tokens": 0.0001, "dynamodb_per_million_rru": 0.1425,
 *         "nat_per_gb": 0.062,
 *         "aurora_acu_hour": 0.15, "aurora_storage_gb_month": 0.12 } } }
 * Values are non-negative finite numbers in USD. The two Aurora keys (Serverless v2 per
 * ACU-hour, Aurora Standard storage per GB-month) price the copy's temporary cluster
 * (engine/copy/copy_preview.h, which has its own built-in table): the built-in table here
 * leaves them unknown. */
#ifndef BCM_ENGINE_PRICING_H
#define BCM_ENGINE_PRICING_H

#include "engine/message/message.h"

#include <stdbool.h>
#include <stddef.h>

struct cJSON;

/* The model the v1 embedding task calls (backend/embedding/main.py). */
#define PRICING_EMBED_MODEL "cohere.embed-multilingual-v3"
/* The date of the newest source the built-in table was checked against. */
#define PRICING_BUILTIN_DATE "2026-10-08"

struct price_value {
    bool known;
    double usd;
};

struct price_table {
    char *region;                         /* "us-east-1" */
    char *architecture;                   /* "X86_64" or "ARM64": which Fargate rate */
    char *source;                         /* "built-in table" / "built-in table + prices.json" */
    char *source_date;                    /* "2026-10-08", or the override file's date */
    struct price_value fargate_vcpu_hour; /* USD per vCPU-hour, for the architecture */
    struct price_value fargate_gb_hour;   /* USD per GB-hour of memory */
    struct price_value embed_per_1k_tokens;       /* PRICING_EMBED_MODEL, input tokens */
    struct price_value dynamodb_per_million_rru;  /* on-demand read request units */
    struct price_value nat_per_gb;        /* NAT gateway data processing, per GB (2^30 B) */
    struct price_value aurora_acu_hour;   /* Aurora Serverless v2, per ACU-hour (--prices only) */
    struct price_value aurora_storage_gb_month; /* Aurora Standard storage (--prices only) */
    struct message source_msg;            /* source as a message (MSG_NONE: use source) */
    char **notes;                         /* "no Cohere price for ap-northeast-1 found", … */
    struct message *note_msgs;            /* the same notes as messages, for the wizard */
    size_t nnotes;
};

/* The built-in prices for a region and CPU architecture (NULL or "X86_64" / "ARM64").
 * Always fills out; prices the table lacks are left unknown with a note saying so. */
void price_table_builtin(const char *region, const char *architecture, struct price_table *out);

/* Applies an override document on top of *table (usually the built-in one). Returns 0,
 * or -1 with *error (caller frees) naming the key and what is wrong with it; *table is
 * unchanged on error. origin names the document in messages ("prices.json"). */
int price_table_apply_json(struct price_table *table, const char *json, size_t len,
                           const char *origin, char **error);
/* The same from a file (at most 1 MiB); errors name the file and what to do. */
int price_table_apply_file(struct price_table *table, const char *path, char **error);

void price_table_copy(struct price_table *dst, const struct price_table *src);
/* The source as a new message (caller frees): source_msg while it still says what source
 * says, else source itself as text (a caller replaced the text alone). */
struct message price_table_source_message(const struct price_table *t);
void price_table_free(struct price_table *table);
/* {region, architecture, source, source_date, fargate_vcpu_hour, …: number or null, notes[]} */
struct cJSON *price_table_to_json(const struct price_table *table);

/* USD per hour for a Fargate task of that size; -1 when a price is unknown. */
double fargate_hourly_usd(const struct price_table *t, int cpu_units, int memory_mib);
/* Billed seconds for a task that ran `seconds`: rounded up to the second, one minute
 * at least. */
double fargate_billed_seconds(double seconds);
/* The cost of one task; -1 when a price is unknown. */
double fargate_task_usd(const struct price_table *t, int cpu_units, int memory_mib,
                        double seconds);

#endif
