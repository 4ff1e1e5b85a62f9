/* How many vectors each bot has in the v1 Aurora cluster, read over the RDS Data API.
 *
 * Owns: the counting statement (row counts per botid from the `items` table, never
 * `content` or `embedding`), its paging (keyset by botid with bound parameters, a page
 * far below the Data API's 1 MiB reply limit), and what a failure means for a person
 * (no permission, no table, a database that would not wake). The Data API calls and the
 * waiting for a resuming database are aws/rds_data's. */
#ifndef BCM_ENGINE_VECTOR_COUNTS_H
#define BCM_ENGINE_VECTOR_COUNTS_H

#include "aws/rds_data.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct aws_client;

/* Rows per reply page: 2,000 × (26-char id + count) stays near 150 KB of JSON. */
#define VECTOR_COUNTS_PAGE 2000
/* The statement, public so tests and documentation can show exactly what is sent. */
#define VECTOR_COUNTS_SQL                                                             \
    "SELECT botid, count(*) FROM items WHERE botid > :after GROUP BY botid "          \
    "ORDER BY botid LIMIT :page"

struct vector_count {
    char *bot_id;               /* trailing blanks of CHAR(26) removed */
    long long rows;
};

struct vector_counts {
    struct vector_count *items; /* sorted by bot_id (the database's order, bytewise ids) */
    size_t n;
    long long total_rows;
    size_t requests;            /* ExecuteStatement calls, one per page */
    int wake_waits;             /* times the database was waited for while resuming */
};

enum vector_counts_failure {
    VECTOR_COUNTS_OK,
    VECTOR_COUNTS_DENIED,       /* rds-data:ExecuteStatement or secretsmanager:GetSecretValue missing */
    VECTOR_COUNTS_NO_TABLE,     /* the items table does not exist */
    VECTOR_COUNTS_ASLEEP,       /* still resuming after every wait */
    VECTOR_COUNTS_FAILED,       /* anything else */
};

struct vector_counts_result {
    enum vector_counts_failure failure;
    const struct vector_counts *counts;  /* VECTOR_COUNTS_OK */
    const char *message;        /* what went wrong, for people (sanitised) */
    const char *hint;           /* what to do about it */
};

/* The result is valid during the callback (vector_counts_move keeps the counts). */
typedef void (*vector_counts_done_fn)(void *ud, const struct vector_counts_result *r);

/* Reads every page. target: cluster ARN, DbConfigSecretArn, database "postgres".
 * options may be NULL; its waking callback reports "waking the database". */
void vector_counts_read(struct aws_client *client, const struct rds_data_target *target,
                        const struct rds_data_options *options, vector_counts_done_fn done,
                        void *ud);

/* The count for one bot (0 when it has no rows). */
long long vector_counts_for(const struct vector_counts *c, const char *bot_id);
void vector_counts_move(struct vector_counts *dst, struct vector_counts *src);
void vector_counts_free(struct vector_counts *c);

#endif
