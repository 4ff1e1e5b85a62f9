/* The RDS Data API: SQL statements on an Aurora cluster over HTTPS, signed like any AWS
 * call, with no network path into the VPC and no database driver.
 *
 * Owns: the rds-data request bodies (ExecuteStatement, BatchExecuteStatement,
 * BeginTransaction, CommitTransaction, RollbackTransaction) with values always bound as
 * typed parameters (the Field union: stringValue, longValue, doubleValue, booleanValue,
 * isNull), reading the typed records of a reply, and waiting out a database that is
 * resuming (DatabaseResumingException and the like) with capped exponential backoff,
 * telling the caller each time it waits ("waking the database"). Statements are the
 * caller's; callers never paste values into SQL. */
#ifndef BCM_AWS_RDS_DATA_H
#define BCM_AWS_RDS_DATA_H

#include "aws/client.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum rds_value_kind {
    RDS_VALUE_NULL,
    RDS_VALUE_STRING,
    RDS_VALUE_LONG,
    RDS_VALUE_DOUBLE,
    RDS_VALUE_BOOL,
    RDS_VALUE_OTHER,     /* blob or array in a reply: present, not decoded */
};

/* A typed value: a bound parameter (name set) or a reply cell (name NULL). */
struct rds_value {
    const char *name;
    enum rds_value_kind kind;
    const char *s;       /* RDS_VALUE_STRING */
    long long l;         /* RDS_VALUE_LONG */
    double d;            /* RDS_VALUE_DOUBLE */
    bool b;              /* RDS_VALUE_BOOL */
};

#define RDS_STRING(n, v) ((struct rds_value){.name = (n), .kind = RDS_VALUE_STRING, .s = (v)})
#define RDS_LONG(n, v) ((struct rds_value){.name = (n), .kind = RDS_VALUE_LONG, .l = (v)})

/* Where statements run: the cluster ARN, the secret the Data API signs in with, and the
 * database name. Copied by every call. */
struct rds_data_target {
    const char *resource_arn;
    const char *secret_arn;
    const char *database;
};

/* A reply's records, row-major; strings are owned by the result. */
struct rds_result {
    size_t rows;
    size_t columns;
    struct rds_value *cells;
    long long records_updated;
};
const struct rds_value *rds_result_cell(const struct rds_result *r, size_t row, size_t column);

struct rds_data_reply {
    struct aws_error err;            /* kind AWS_ERR_NONE on success */
    const struct rds_result *result; /* ExecuteStatement; NULL otherwise or on error */
    const char *transaction_id;      /* BeginTransaction */
    const char *transaction_status;  /* Commit/RollbackTransaction */
    size_t update_results;           /* BatchExecuteStatement: parameter sets run */
    int wake_waits;                  /* how many times the database was waited for */
};
/* The reply is valid only during the callback. */
typedef void (*rds_data_done_fn)(void *ud, const struct rds_data_reply *reply);
/* Called before each wait for a resuming database: which wait (1-based), how long. */
typedef void (*rds_data_waking_fn)(void *ud, int wait, uint64_t delay_ms);

struct rds_data_options {
    int max_wake_waits;          /* 0: RDS_DATA_DEFAULT_WAKE_WAITS */
    uint64_t wake_base_ms;       /* 0: 1000; the first wait, doubled each time ... */
    uint64_t wake_cap_ms;        /* 0: 16000; ... up to this */
    rds_data_waking_fn waking;   /* optional */
    void *waking_ud;
};
#define RDS_DATA_DEFAULT_WAKE_WAITS 12

/* True for the answers of a database that is not ready yet and will be: worth waiting. */
bool rds_data_is_waking_error(const struct aws_error *e);

/* ExecuteStatement. params may be NULL (n 0); transaction_id NULL outside a transaction.
 * options may be NULL. */
void rds_data_execute(struct aws_client *c, const struct rds_data_target *t, const char *sql,
                      const struct rds_value *params, size_t n, const char *transaction_id,
                      const struct rds_data_options *options, rds_data_done_fn done, void *ud);
/* BatchExecuteStatement: nsets parameter sets of per_set values each (row-major). */
void rds_data_batch(struct aws_client *c, const struct rds_data_target *t, const char *sql,
                    const struct rds_value *sets, size_t nsets, size_t per_set,
                    const char *transaction_id, const struct rds_data_options *options,
                    rds_data_done_fn done, void *ud);
void rds_data_begin(struct aws_client *c, const struct rds_data_target *t,
                    const struct rds_data_options *options, rds_data_done_fn done, void *ud);
void rds_data_commit(struct aws_client *c, const struct rds_data_target *t,
                     const char *transaction_id, const struct rds_data_options *options,
                     rds_data_done_fn done, void *ud);
void rds_data_rollback(struct aws_client *c, const struct rds_data_target *t,
                       const char *transaction_id, const struct rds_data_options *options,
                       rds_data_done_fn done, void *ud);

#endif
