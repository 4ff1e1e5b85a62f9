/* The copy's journal: what the snapshot copy created, changed and copied, so that a
 * copy killed at any moment resumes without a second temporary cluster and without
 * duplicate rows, and so that `cleanup` knows what is left.
 *
 * Owns: the record types and their meaning, and the view a journal is folded into.
 * The file machinery (append-only JSON lines, exclusive lock, fsync before acting,
 * torn lines skipped) is the run journal's (engine/run/journal.h); the copy uses its
 * own file beside the run's. Nothing secret is ever written: the temporary password
 * lives only in the temporary secret, rows only in the databases.
 *
 * Records:
 *   copy      {type, version, run_id, stack, region, snapshot_id, snapshot_arn,
 *              snapshot_created_ms, engine, master_username, subnet_group, vpc,
 *              target_cluster_arn, target_secret_arn}
 *   intent    {type, resource, name}          before a create call
 *   created   {type, resource, name, id}      after it (id: ARN or sg-…)
 *   deleting  {type, resource, name}          before a delete call
 *   deleted   {type, resource, name}          after it (or when it was already gone)
 *   step      {type, step}                    "password", "data_api", "reindex", "verified"
 *   bot       {type, bot_id, way, reason}     copy / reembed / skip, decided once
 *   bot_intent {type, bot_id, rows}           before the bot's transaction
 *   bot_tx    {type, bot_id, transaction_id}  its Data API transaction, before any write
 *                                             (a resumed copy rolls it back first, so the
 *                                             dead run's locks never block it)
 *   bot_done  {type, bot_id, rows, bytes}     after its commit (bytes: of values written,
 *                                             for the measured copy rate)
 *   finished  {type, outcome}                 the copy ended ("copied", "stopped")
 * every record also has at_ms. */
#ifndef BCM_ENGINE_COPY_JOURNAL_H
#define BCM_ENGINE_COPY_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cJSON;
struct journal;

enum copy_resource {
    COPY_RES_SECRET,           /* Secrets Manager secret holding the temporary password */
    COPY_RES_SECURITY_GROUP,   /* EC2 security group without ingress rules */
    COPY_RES_CLUSTER,          /* the restored Aurora cluster */
    COPY_RES_INSTANCE,         /* its db.serverless instance */
    COPY_RES_N
};

enum copy_res_state {
    COPY_RES_NONE,             /* never asked for */
    COPY_RES_INTENDED,         /* create sent (or about to be): it may or may not exist */
    COPY_RES_CREATED,
    COPY_RES_DELETING,         /* delete sent (or about to be) */
    COPY_RES_DELETED,
};

struct copy_res {
    enum copy_res_state state;
    char *name;                /* the deterministic name derived from the run id */
    char *id;                  /* ARN or sg-…, once created */
};

enum copy_bot_state { COPY_BOT_PENDING, COPY_BOT_STARTED, COPY_BOT_COPIED };

struct copy_bot_entry {
    char *bot_id;
    char *way;                 /* "copy", "reembed", "skip" */
    char *reason;
    enum copy_bot_state state;
    int64_t rows;              /* expected (intent) or copied (done); -1 unknown */
    char *tx_id;               /* the open transaction of a started bot, else NULL */
    int64_t started_ms;        /* at_ms of its last bot_intent, 0 unknown */
    int64_t done_ms;           /* at_ms of its bot_done, 0 unknown */
    int64_t bytes;             /* bytes of values written (bot_done), -1 unknown */
};

struct copy_view {
    char *run_id;              /* NULL: no copy in this journal */
    char *stack;
    char *region;
    char *snapshot_id;
    char *snapshot_arn;
    int64_t snapshot_created_ms;
    char *engine;
    char *master_username;
    char *subnet_group;
    char *vpc;
    char *target_cluster_arn;
    char *target_secret_arn;
    int64_t started_ms;
    struct copy_res res[COPY_RES_N];
    bool password_set;
    bool data_api_enabled;
    bool reindexed;
    bool verified;
    char *finished;            /* outcome of a finished copy, else NULL */
    struct copy_bot_entry *bots;
    size_t nbots;
    size_t skipped_lines;      /* torn or damaged lines the reader skipped */
};

/* "secret", "security_group", "cluster", "instance" (journal names, stable). */
const char *copy_resource_name(enum copy_resource r);
/* People's words: "temporary secret", "security group", … */
const char *copy_resource_label(enum copy_resource r);

/* Beside the run's journal: <stem>.copy.jsonl. Caller frees. */
char *copy_journal_path_for(const char *run_journal_path);

/* Folds one record into the view (unknown types are ignored, for older readers). */
void copy_view_apply(struct copy_view *v, const struct cJSON *rec);
/* Reads a journal into v (zeroed first). A missing file is an empty view. -1 with *error. */
int copy_view_load(const char *path, struct copy_view *v, char **error);
void copy_view_free(struct copy_view *v);
struct copy_bot_entry *copy_view_bot(struct copy_view *v, const char *bot_id);

/* Appends rec (consumed) with at_ms, fsync'd, and folds it into v. -1 with *error when
 * it could not be written: the caller must then stop before acting. */
int copy_journal_write(struct journal *j, struct copy_view *v, struct cJSON *rec, char **error);

/* What the copy header records: the source, the target and where the temporary
 * cluster goes. Strings may be NULL. */
struct copy_header {
    const char *run_id;
    const char *stack;
    const char *region;
    const char *snapshot_id;
    const char *snapshot_arn;
    int64_t snapshot_created_ms;
    const char *engine;
    const char *master_username;
    const char *subnet_group;
    const char *vpc;
    const char *target_cluster_arn;
    const char *target_secret_arn;
};

/* Record builders (the caller adds nothing; pass to copy_journal_write). */
struct cJSON *copy_rec_header(const struct copy_header *h);
struct cJSON *copy_rec_resource(const char *type, enum copy_resource r, const char *name,
                                const char *id);
struct cJSON *copy_rec_step(const char *step);
struct cJSON *copy_rec_bot(const char *type, const char *bot_id, const char *way,
                           const char *reason, int64_t rows);
struct cJSON *copy_rec_bot_tx(const char *bot_id, const char *transaction_id);
struct cJSON *copy_rec_finished(const char *outcome);

/* The copy rate a journal measured: rows and bytes per second of one bot's copy (one
 * stream), over every bot copied with both its intent and done times. false when no bot
 * has both. bytes_per_s is 0 when the journal predates the bytes field. */
bool copy_view_measured_rate(const struct copy_view *v, double *rows_per_s, double *bytes_per_s,
                             int64_t *rows);

/* Deterministic resource names for a run id: a retried create finds the one it made. */
char *copy_resource_name_for(enum copy_resource r, const char *run_id);

#endif
