/* Running a verification: the rows per bot from the cluster, the counts the bots' tasks
 * logged, and the outcome each bot was judged with, put side by side.
 *
 * Owns: the order of the work (one paged count over the Data API, then the task logs of
 * the bots judged succeeded, a few at a time), its progress (counting, waking the
 * database, reading logs) for the views, and which outcome stands for a bot: the run's
 * journal when the bot is in it, else its SyncStatus in DynamoDB. Never reads row content. */
#ifndef BCM_ENGINE_VERIFY_RUN_H
#define BCM_ENGINE_VERIFY_RUN_H

#include "engine/verify/vector_counts.h"
#include "engine/verify/verification.h"

#include <stddef.h>
#include <stdint.h>

struct aws_client;
struct aws_session;
struct deployment;
struct inventory;
struct journal_view;

/* Task logs read at once (GetLogEvents is limited to 25 per second per account). */
#define VERIFY_LOG_READS_IN_FLIGHT 4
/* Newest log lines searched for "Successfully inserted N records." */
#define VERIFY_LOG_LINES 100

struct verify_source {
    const char *cluster_arn;        /* the Data API's resourceArn */
    const char *secret_arn;         /* DbConfigSecretArn */
    const char *database;           /* NULL: "postgres" */
    const struct inventory *inv;    /* the table's bots (orphans are ids not here) */
    const struct journal_view *journal;   /* the run's judged outcomes; may be NULL */
    const char *log_group;          /* the embedding task's awslogs group; NULL: no logs read */
    struct aws_client *log_client;  /* the awslogs-region's client; NULL: the one given */
    const char *log_stream_prefix;
    const char *container;
    uint64_t wake_base_ms;          /* 0: the Data API client's default (tests shorten it) */
};

enum verify_phase {
    VERIFY_FINDING_CLUSTER,     /* which Aurora cluster (DescribeDBClusters) */
    VERIFY_LOADING_BOTS,        /* the table's bots (the inventory scan) */
    VERIFY_COUNTING,            /* counting rows per bot */
    VERIFY_WAKING,              /* the database is resuming; waiting before asking again */
    VERIFY_READING_LOGS,        /* reading what the tasks logged */
};

struct verify_progress {
    enum verify_phase phase;
    int wake_wait;              /* VERIFY_WAKING: which wait */
    uint64_t wake_delay_ms;
    size_t logs_done, logs_total;
};

typedef void (*verify_progress_fn)(void *ud, const struct verify_progress *p);
/* On success v is the verification (the callee keeps it: verification_free it) and
 * failure NULL; when the rows could not be counted v is NULL and failure says why. */
typedef void (*verify_done_fn)(void *ud, struct verification *v,
                               const struct vector_counts_result *failure);

struct verify_job;

/* Starts; done is called once, from the event loop. */
struct verify_job *verify_start(struct aws_client *client, const struct verify_source *src,
                                verify_progress_fn progress, verify_done_fn done, void *ud);

/* The whole verification of a deployment, as `verify`, the end of `run` and the wizard's
 * Verify action do it: find the v1 cluster (DbConfigHostname, else the stack's
 * resource), read the table's bots, read the run's journal when there is one, verify,
 * and keep the verification beside the journal for `status` and the report. */
struct verify_deployment_options {
    const char *journal_path;   /* the run's journal (may not exist); NULL: nothing kept */
    bool scan_table;            /* --scan-table */
};

struct verify_deployment_result {
    struct verification *v;     /* NULL unless verified; set it to NULL in the callback to keep it */
    bool skipped;               /* the caller may not read the vectors: a note, not an error */
    const char *message;        /* why there is no verification (v NULL) */
    const char *hint;           /* what to do about it */
    const char *saved_path;     /* where the verification was kept, or NULL */
    const char *save_error;     /* why it could not be kept, or NULL */
};
typedef void (*verify_deployment_done_fn)(void *ud, struct verify_deployment_result *r);

void verify_deployment(struct aws_session *s, const struct deployment *dep,
                       const struct verify_deployment_options *o, verify_progress_fn progress,
                       verify_deployment_done_fn done, void *ud);

/* "waking the database (wait 2, 4 s)" and the like, for a status line (caller frees). */
char *verify_progress_text(const struct verify_progress *p);

#endif
