/* engine/run/ — the run itself: the runner (runner.c, the owner, calling runner_poll.c,
 * runner_outcome.c, runner_journal.c and runner_state.c in that order and never back:
 * see the private runner_internal.h beside them), the journal it
 * writes and reads back (journal, journal_aside), task logs and the report. Uses aws/
 * and util/ only: callers hand it the bots to run, and the views observe it through
 * struct runner_observer. Later issues add engine/verify/ (checking the rebuilt vector
 * store) and engine/copy/ (the snapshot copy path) beside it.
 *
 * The migration run: one ECS Fargate embedding task per bot, launched with bounded
 * concurrency, followed to the end, judged by the SyncStatus the bot's own task wrote,
 * and journaled so that a run interrupted at any moment resumes without a second launch.
 *
 * Owns: per-bot state machine, launch queue and slots, RunTask (idempotency token,
 * capacity back-off), polling (DescribeTasks ≤ 100, BatchGetItem ≤ 100, adaptive
 * intervals, one poll of each kind in flight), judging, automatic retries of
 * throttling-type failures, reconciliation with ECS on resume, and the journal records.
 * It knows nothing of terminals: views observe it through struct runner_observer and
 * read its state; they never change it except through the functions below. It never
 * writes to the DynamoDB table. */
#ifndef BCM_ENGINE_RUNNER_H
#define BCM_ENGINE_RUNNER_H

#include "engine/message/message.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct aws_session;
struct cJSON;

enum bot_state {
    BOT_QUEUED,        /* waiting for a slot */
    BOT_LAUNCHING,     /* RunTask sent (intent journaled) */
    BOT_PROVISIONING,  /* ECS lastStatus PROVISIONING */
    BOT_PENDING,       /* PENDING / ACTIVATING */
    BOT_RUNNING,       /* RUNNING */
    BOT_STOPPED,       /* the task stopped; judging from SyncStatus */
    BOT_SUCCEEDED,
    BOT_FAILED,
    BOT_SKIPPED,       /* not launched on purpose (already done in this run, excluded) */
    BOT_CANCELLED,     /* stopped by the operator */
    BOT_STATE_COUNT
};

const char *bot_state_name(enum bot_state s); /* "queued", "launching", … (JSON values) */
bool bot_state_final(enum bot_state s);
bool bot_state_alive(enum bot_state s);       /* holds a concurrency slot */

struct run_bot {
    char *pk;
    char *sk;
    char *bot_id;
    char *title;               /* raw; sanitise before display */
    enum bot_state state;
    int attempt;               /* launches so far in this run (1 after the first) */
    char *task_arn;
    char *task_id;
    char *reason;              /* failure explanation, NULL otherwise (English) */
    struct message reason_msg; /* the same as a message (MSG_TEXT for the task's own words) */
    bool ecs_missing;          /* ECS no longer describes the task (stopped_reason says so) */
    char *sync_status;         /* last SyncStatus read for this task */
    char *ecs_status;          /* last ECS lastStatus */
    char *stop_code;
    char *stopped_reason;
    int exit_code;             /* -1 unknown */
    int launch_failures;       /* RunTask failures[] / capacity, retried */
    int refusals;              /* RunTask failures[] with a permanent reason (bounded) */
    int auto_retries;          /* retries made automatically for throttling */
    uint64_t queued_at_ms;     /* wall clock, ms since the epoch */
    uint64_t launched_at_ms;
    uint64_t started_at_ms;
    uint64_t stopped_at_ms;
    uint64_t pull_started_at_ms;   /* ECS pullStartedAt / pullStoppedAt; 0 unknown */
    uint64_t pull_stopped_at_ms;
    bool times_from_ecs;       /* started/stopped came from ECS (billing), not our clock */
    uint64_t not_before_ms;    /* monotonic: launch back-off */
    bool needs_reconcile;      /* RunTask's outcome unknown: ask ECS before relaunching */
    char *exec_id_before;      /* the item's LastExecId when the run was planned ("" none,
                                  NULL unknown): a different one later was written by a
                                  task of this run */
    char *earlier_tasks;       /* task ids of this bot's earlier attempts, space-separated */
    /* How long each earlier attempt's task ran, as Fargate bills it (from its image pull's
     * start, else its start, to its stop; seconds): a retried bot paid for those too.
     * Attempts whose task never started are not in it. */
    double *earlier_task_seconds;
    size_t nearlier_task_seconds;
};

/* A copy of src that owns its own strings; free it with run_bot_free. */
void run_bot_copy(struct run_bot *dst, const struct run_bot *src);
/* Frees the bot's strings and zeroes it. */
void run_bot_free(struct run_bot *b);

struct runner_target {
    const char *pk;
    const char *sk;
    const char *bot_id;
    const char *title;
    const char *last_exec_id;  /* the item's LastExecId as planned; NULL when it had none */
};

/* A bot of the table the run leaves out on purpose (a Bedrock Knowledge Base bot: no
 * embedding task), with why. Journaled with the run, so every report of it, resumed or not,
 * lists it; owned strings wherever the runner or a journal view holds one. */
struct run_not_run {
    char *bot_id;
    char *pk;
    char *title;
    char *reason;
};
void run_not_run_copy(struct run_not_run *dst, const struct run_not_run *src);
void run_not_run_free(struct run_not_run *nr);

struct runner_config {
    const char *journal_path;  /* required */
    const char *stack;         /* for the journal header */
    const char *cluster;
    const char *task_definition;   /* family, family:revision or ARN */
    const char *container;
    const char *const *subnets;
    size_t nsubnets;
    const char *security_group;
    bool assign_public_ip;
    const char *table;
    const char *log_group;
    const char *log_stream_prefix;
    const char *log_region;    /* awslogs-region; NULL: the session's region */
    int concurrency;           /* ≥ 1 */
    bool concurrency_chosen;   /* the operator set it for this session (--concurrency): a
                                  journaled vCPU-quota ceiling is then said, not applied */
    int retries;               /* automatic retries for throttling-type failures */
    int max_early_failures;    /* stop launching when the first N to finish all fail the same
                                  way (engine/run/early_failure.h); 0: the default (3), <0: never */
    bool detach;               /* launch what the slots allow, then finish */
    uint64_t poll_min_ms;      /* 0: 2000 */
    uint64_t poll_max_ms;      /* 0: 15000 */
    uint64_t launch_backoff_max_ms; /* 0: 60000 */
    /* Test knob (BCM_TEST_COMMAND_ONLY_LAUNCH=1): launch as the guide's script does, the keys
     * in the command only, to prove that v1.2.5+ tasks die on it. Never set otherwise. */
    bool keys_in_command_only;
    /* bots left out on purpose, for the journal and the report (copied; a resumed run keeps
     * its journal's) */
    const struct run_not_run *not_run;
    size_t nnot_run;
};

enum runner_msg_level { RUNNER_INFO, RUNNER_WARN, RUNNER_ERROR };

struct runner;

struct runner_observer {
    void (*on_state)(void *ud, const struct runner *r, size_t index, enum bot_state from,
                     enum bot_state to);
    void (*on_message)(void *ud, const struct runner *r, enum runner_msg_level level,
                       const char *text);
    void (*on_finished)(void *ud, const struct runner *r);
    void *ud;
};

/* Opens (or creates) the journal. When the journal already holds a run, its bots and
 * history are loaded and `targets` only adds bots it does not know (a resumed run keeps
 * its own plan); otherwise a new run id is made. Returns NULL with *error on failure
 * (journal locked or unreadable, configuration mismatch with the journal's run). */
struct runner *runner_open(struct aws_session *s, const struct runner_config *cfg,
                           const struct runner_target *targets, size_t ntargets,
                           const struct runner_observer *obs, char **error);
/* Reconciles with ECS (ListTasks by startedBy, DescribeTasks) and then launches and
 * follows until every bot is final (or, with detach, until the slots are filled). */
void runner_start(struct runner *r);
void runner_set_paused(struct runner *r, bool paused);
bool runner_paused(const struct runner *r);
/* Stops launching; tasks already running are followed (or left alone by the caller). */
void runner_stop_launching(struct runner *r);
/* Ctrl-C: stops launching and finishes as soon as no RunTask is in flight (its outcome
 * journaled), leaving running tasks alone for a later resume. */
void runner_leave(struct runner *r);
/* Queues a new attempt for every failed bot (or one bot when index != SIZE_MAX). */
size_t runner_retry_failed(struct runner *r, size_t index);
/* StopTask for every alive task of this run (--stop-on-exit); they end cancelled. */
void runner_cancel_all(struct runner *r);
bool runner_finished(const struct runner *r);
/* No AWS call of the runner is in flight (its poll rounds, reconciliation, RunTask and
 * StopTask calls): after runner_finished, run the loop until this holds before
 * runner_free, so that every reply is consumed and nothing is left half-done. */
bool runner_idle(const struct runner *r);
bool runner_fatal(const struct runner *r);    /* stopped by a configuration/AWS error */
/* The cause shared by the first bots to finish when they all failed the same way (launching
 * then stopped), or NULL; with how many of them had it and what to fix. */
const char *runner_early_stop_cause(const struct runner *r, size_t *count, const char **hint);
/* The same stop as the structured message the runner said it with (its English was the
 * on_message text), for views that word it in their language; NULL when not stopped. */
const struct message *runner_early_stop_message(const struct runner *r);
/* The operator chose to go on after an early stop: launching resumes, the watch is off. */
void runner_continue_after_early_stop(struct runner *r);
void runner_free(struct runner *r);

const char *runner_run_id(const struct runner *r);
/* The bots the run leaves out on purpose (Knowledge Base bots), *n of them. */
const struct run_not_run *runner_not_run(const struct runner *r, size_t *n);
const char *runner_started_by(const struct runner *r);
size_t runner_count(const struct runner *r);
const struct run_bot *runner_bot(const struct runner *r, size_t i);
void runner_counts(const struct runner *r, size_t counts[BOT_STATE_COUNT]);
int runner_concurrency(const struct runner *r);
void runner_set_concurrency(struct runner *r, int n);
/* The ceiling a RunTask refused over the account's Fargate vCPU quota brought the
 * concurrency down to (journaled: a resumed run keeps it), or 0 when none; *from_journal
 * (may be NULL) says it came from an earlier session of the run. */
int runner_vcpu_ceiling(const struct runner *r, bool *from_journal);

struct runner_progress {
    size_t total, done, succeeded, failed, alive, queued;
    double bots_per_minute;    /* over finished bots, since the run's first launch */
    double eta_seconds;        /* -1 when unknown */
    double median_task_seconds;/* learned from finished tasks, -1 when none yet */
    uint64_t requests;         /* AWS requests sent by the run */
};
void runner_progress(const struct runner *r, struct runner_progress *p);

struct cJSON *runner_bot_to_json(const struct run_bot *b);
struct cJSON *runner_summary_json(const struct runner *r);

/* Reads a journal without touching AWS: the run's bots and their last known states
 * (for `status` and `logs`). */
struct journal_view {
    char *run_id;
    char *started_by;
    char *stack;
    char *cluster;
    char *log_group;
    char *log_stream_prefix;
    char *log_region;          /* awslogs-region; NULL: the session's region */
    char *container;
    /* what a resumed run relaunches with: the run's own plan, not today's inventory */
    char *task_definition;
    char *table;
    char *security_group;
    char **subnets;
    size_t nsubnets;
    bool assign_public_ip;
    int concurrency;           /* as first run; 0 when the journal does not say */
    int vcpu_ceiling;          /* lowered by a vCPU-quota refusal (journaled); 0 none */
    int retries;               /* -1 when the journal does not say */
    struct run_bot *bots;
    size_t nbots;
    struct run_not_run *not_run; /* bots left out on purpose (Knowledge Base bots) */
    size_t nnot_run;
    size_t skipped_lines;      /* torn or corrupt lines tolerated */
};
/* 0, or -1 with *error when the file cannot be read, or 1 with *error when it holds no
 * run record (empty, or its first record torn): nothing was launched from it. */
int journal_view_load(const char *path, struct journal_view *v, char **error);
void journal_view_free(struct journal_view *v);

#endif
