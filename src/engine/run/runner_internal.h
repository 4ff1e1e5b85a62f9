/* Private to the runner's files: the runner's state and the functions they share.
 * Nothing else includes this.
 *
 * The files call each other in one direction only (no circle):
 *   runner.c          the owner: life cycle, launching, the pump, public controls
 *     → runner_poll.c     poll rounds and reconciliation with ECS
 *     → runner_outcome.c  judging, cancelling and requeueing a bot
 *     → runner_journal.c  journal records and replay
 *     → runner_state.c    shared state: bot states, messages, lookups, text helpers
 * Each calls only files below it. What happens later in the loop (a poll round or a
 * reconciliation ends) reaches the owner through runner_wake(), which calls r->wake. */
#ifndef BCM_ENGINE_RUNNER_INTERNAL_H
#define BCM_ENGINE_RUNNER_INTERNAL_H

#include "engine/run/early_failure.h"
#include "engine/run/runner.h"

#include "util/token_bucket.h"

#include <stdarg.h>
#include <sys/types.h>

struct journal;

/* Fargate: RunTask 20 calls per second per account and region, burst and sustained
 * (each call starts one bot's task here). The client's burst is half of AWS's, so the
 * other half absorbs latency jitter (a request that took longer than the next one). */
#define RUNNER_RUNTASK_RATE_PER_S 20.0
#define RUNNER_RUNTASK_BURST 10.0

struct runner_cfg_copy {
    char *journal_path, *stack, *cluster, *task_definition, *container, *security_group;
    char **subnets;
    size_t nsubnets;
    bool assign_public_ip;
    char *table, *log_group, *log_stream_prefix, *log_region;
    int retries;
    bool detach;
    uint64_t poll_min_ms, poll_max_ms, launch_backoff_max_ms;
    bool keys_in_command_only;   /* test knob: no EVENT (see runner.h) */
    int max_early_failures;
};

struct runner {
    struct aws_session *session;
    struct runner_cfg_copy cfg;
    struct runner_observer obs;
    struct journal *journal;
    char run_id[32];
    char started_by[40];
    struct run_bot *bots;
    size_t n;
    struct run_not_run *not_run;
    size_t nnot_run;
    struct message early_msg;  /* the early-failure stop as said (MSG_NONE until it trips) */
    int concurrency;
    int vcpu_ceiling_lowered;  /* times a vCPU-quota refusal lowered the concurrency */
    int vcpu_ceiling;          /* the concurrency a vCPU-quota refusal brought it down to (0 none),
                                  journaled, so a resumed run keeps it */
    bool vcpu_ceiling_resumed; /* that ceiling came from the journal (an earlier session) */
    bool started, paused, stop_launching, fatal, finished, abandon;
    bool reconciling, reconcile_again, resumed;
    bool launched_this_session;
    bool changed;               /* a state changed since the last poll round */
    int launches_in_flight;
    bool describe_in_flight, read_in_flight;
    int stops_in_flight;        /* StopTask calls of runner_cancel_all */
    bool cancelling;            /* runner_cancel_all: tasks still being launched get stopped too */
    uint64_t poll_timer, launch_timer;
    uint64_t launch_timer_due;  /* ev_now_ms() when launch_timer fires */
    /* RunTask at Fargate's documented rate (20 calls/s, burst and sustained), paced here
     * rather than left to throttling and retries */
    struct token_bucket run_task_pace;
    uint64_t poll_interval_ms;
    uint64_t first_launch_ms;
    struct early_failure_watch early; /* the first outcomes, for a systematic failure */
    bool early_stopped;         /* launching stopped because the watch tripped */
    double *durations;
    size_t ndurations;
    void (*wake)(struct runner *r); /* the owner's pump (runner.c), set by runner_open */
};

/* ---- runner_state.c --------------------------------------------------------------- */
uint64_t runner_wall_ms(void);
void runner_message(struct runner *r, enum runner_msg_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Says why and marks the run fatal: nothing more is launched. */
void runner_fatal_error(struct runner *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void runner_set_state(struct runner *r, size_t i, enum bot_state to);
const char *runner_task_id_of(const char *arn);
/* Keeps the bot's current task id among its earlier attempts' (before a retry). */
void runner_remember_earlier_task(struct run_bot *b);
bool runner_was_earlier_task(const struct run_bot *b, const char *task_id);
size_t runner_alive(const struct runner *r);
void runner_apply_ecs_status(struct runner *r, size_t i, const char *last_status);
void runner_learn_duration(struct runner *r, double seconds);
ssize_t runner_find_bot_by_sk(const struct runner *r, const char *pk, const char *sk);
ssize_t runner_find_bot_by_task(const struct runner *r, const char *task_arn);
/* Sets *slot to a copy of value (NULL clears it), freeing what was there. */
void runner_replace_text(char **slot, const char *value);
/* obj's string member name, or NULL when it is absent or not a string. */
struct cJSON;
const char *runner_json_text(const struct cJSON *obj, const char *name);
/* Hands control back to the owner (launch more, poll again, notice the end). */
void runner_wake(struct runner *r);

/* ---- runner_journal.c: each returns 0, or -1 after making the run fatal (the journal is
 * the guarantee against duplicates; without it nothing more may be launched). -------- */
int runner_journal_header(struct runner *r);
int runner_journal_bot(struct runner *r, const struct run_bot *b);
int runner_journal_not_run(struct runner *r, const struct run_not_run *nr);
int runner_journal_intent(struct runner *r, const struct run_bot *b, const char *token);
int runner_journal_launched(struct runner *r, const struct run_bot *b, bool reconciled);
int runner_journal_launch_failed(struct runner *r, const struct run_bot *b, const char *reason,
                                 bool retryable, bool permanent);
int runner_journal_outcome(struct runner *r, const struct run_bot *b, enum bot_state outcome);
int runner_journal_retry(struct runner *r, const struct run_bot *b, bool automatic);
/* The concurrency lowered to `ceiling` because Fargate refused a task over the account's
 * vCPU quota (why: its words). */
int runner_journal_ceiling(struct runner *r, int ceiling, const char *why);

/* A run read back from its journal. */
struct runner_replay {
    char *run_id, *started_by, *stack, *cluster, *task_definition, *container, *log_group,
        *log_stream_prefix, *log_region, *table, *security_group;
    char **subnets;
    size_t nsubnets;
    bool assign_public_ip;
    int concurrency, retries;
    int vcpu_ceiling;          /* the last journaled vCPU-quota ceiling, 0 none */
    struct run_bot *bots;
    size_t n;
    struct run_not_run *not_run;
    size_t nnot_run;
    char *error;
};
/* 0, or -1 with *error set; *skipped counts damaged lines. rp is filled either way and
 * must be freed. */
int runner_replay_read(const char *path, struct runner_replay *rp, size_t *skipped, char **error);
/* The same through a journal this process holds locked (read through its descriptor). */
int runner_replay_read_locked(const struct journal *j, struct runner_replay *rp, size_t *skipped,
                              char **error);
void runner_replay_free(struct runner_replay *rp);

/* ---- runner_outcome.c ---------------------------------------------------------------- */
/* Records bot i's outcome; a throttling failure may be requeued automatically. */
/* reason is taken (MSG_NONE: none); its English goes to b->reason. */
void runner_judge(struct runner *r, size_t i, enum bot_state outcome, struct message reason);
/* Sets b->reason and b->reason_msg from a message (taken). */
void runner_set_reason(struct run_bot *b, struct message reason);
void runner_requeue(struct runner *r, size_t i, bool automatic);
/* StopTask for bot i's task, which then ends cancelled. */
void runner_cancel_task(struct runner *r, size_t i);

/* ---- runner_poll.c ------------------------------------------------------------------- */
void runner_schedule_poll(struct runner *r);
void runner_reconcile(struct runner *r);

#endif
