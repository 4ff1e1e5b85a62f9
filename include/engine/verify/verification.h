/* A verification: bot by bot, whether the new vector store holds what the run says it
 * wrote, judged from three sources side by side: the outcome (the run's journal, else
 * the bot's SyncStatus in DynamoDB), the row count the bot's task logged ("Successfully
 * inserted N records."), and the rows found in the v1 cluster.
 *
 * Owns: the verdicts and what to do about each, the judging rules, the exit status they
 * imply, the JSON form (the `verify --json` output and the file kept beside the journal
 * for `status` and the report), and reading that file back. It counts rows; it does not
 * judge answer quality. No I/O but the file; no AWS; no terminal. */
#ifndef BCM_ENGINE_VERIFICATION_H
#define BCM_ENGINE_VERIFICATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cJSON;
struct report;

enum verdict {
    VERDICT_OK,              /* rows found, matching the logged count when there is one */
    VERDICT_NO_VECTORS,      /* judged succeeded, has knowledge, 0 rows */
    VERDICT_COUNT_DIFFERS,   /* rows differ from the count the task logged */
    VERDICT_EMPTY_BY_DESIGN, /* no knowledge / "No contents to embed.", 0 rows */
    VERDICT_NOT_SUCCEEDED,   /* the bot's embedding failed or never finished */
    VERDICT_ORPHAN_ROWS,     /* rows of a bot id the table does not have (a deleted bot) */
    VERDICT_COUNT
};

const char *verdict_name(enum verdict v);   /* JSON value: "ok", "no_vectors", … */
const char *verdict_label(enum verdict v);  /* for people: "ok", "no vectors", … */
const char *verdict_action(enum verdict v); /* what to do (static English text) */
/* Verdicts that make `verify` exit 1. Orphan rows do not: they are another bot's
 * leftovers and change no answer. */
bool verdict_is_problem(enum verdict v);

/* What is known of one bot before judging. */
struct verify_input {
    const char *bot_id;
    const char *title;          /* raw */
    const char *outcome;        /* "succeeded", "failed", "running", "not run", … */
    const char *outcome_source; /* "journal" or "dynamodb" */
    bool succeeded;
    bool has_knowledge;
    bool no_contents;           /* SyncStatusReason "No contents to embed." */
    long long logged;           /* "Successfully inserted N records.", -1 unknown */
    long long rows;             /* found in the cluster */
};

struct verify_row {
    char *bot_id;
    char *title;                /* raw; NULL for orphan rows */
    char *outcome;
    char *outcome_source;
    long long logged;           /* -1 unknown */
    long long rows;
    enum verdict verdict;
};

struct verification {
    char *cluster_arn;
    char *database;
    uint64_t verified_at_ms;    /* wall clock */
    long long total_rows;
    int wake_waits;             /* the database was resuming this many times */
    struct verify_row *rows;    /* the table's bots in the order given, then orphan ids */
    size_t nrows;
    size_t counts[VERDICT_COUNT];
};

enum verdict verification_judge(const struct verify_input *in);
/* Appends one judged bot. */
void verification_add(struct verification *v, const struct verify_input *in);
void verification_add_orphan(struct verification *v, const char *bot_id, long long rows);
/* 0 every bot fine (orphan rows allowed), 1 some bot needs attention. */
int verification_exit_code(const struct verification *v);
/* Bot ids with the verdict, comma-separated (for "run --new-run --bots …"); caller frees;
 * NULL when none. */
char *verification_ids(const struct verification *v, enum verdict which);
const struct verify_row *verification_find(const struct verification *v, const char *bot_id);

/* "Successfully inserted N records." in a log line → N, else -1. */
long long verification_logged_count(const char *line);

struct cJSON *verification_to_json(const struct verification *v);
/* Parses what verification_to_json wrote; 0, or -1 when it is not a verification. */
int verification_from_json(const struct cJSON *doc, struct verification *out);
void verification_free(struct verification *v);

/* Gives the report its verification columns (every bot's verdict, and orphan ids). */
void verification_attach_to_report(const struct verification *v, struct report *rep);

/* "<journal without .jsonl>.verify.json" beside the journal (caller frees). */
char *verification_path_for(const char *journal_path);
/* Written through a temporary file renamed into place, mode 0600. 0, or -1 with *error. */
int verification_save(const struct verification *v, const char *path, char **error);
/* 0 loaded, 1 no file, -1 unreadable (with *error). */
int verification_load(const char *path, struct verification *out, char **error);

#endif
