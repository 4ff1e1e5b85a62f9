/* Private to the runner's files (runner.c, runner_poll.c, runner_journal.c): the
 * runner's state and the functions they share. Nothing else includes this. */
#ifndef BCM_ENGINE_RUNNER_INTERNAL_H
#define BCM_ENGINE_RUNNER_INTERNAL_H

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
    int concurrency;
    int vcpu_ceiling_lowered;  /* times a vCPU-quota refusal lowered the concurrency */
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
    double *durations;
    size_t ndurations;
};

uint64_t runner_wall_ms(void);
void runner_message(struct runner *r, enum runner_msg_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void runner_fatal_error(struct runner *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void runner_set_state(struct runner *r, size_t i, enum bot_state to);
const char *runner_task_id_of(const char *arn);
/* Keeps the bot's current task id among its earlier attempts' (before a retry). */
void runner_remember_earlier_task(struct run_bot *b);
bool runner_was_earlier_task(const struct run_bot *b, const char *task_id);
void runner_client_token(const struct runner *r, const struct run_bot *b, char out[41]);
size_t runner_alive(const struct runner *r);
void runner_pump(struct runner *r);
void runner_judge(struct runner *r, size_t i, enum bot_state outcome, const char *reason);
void runner_requeue(struct runner *r, size_t i, bool automatic);
void runner_apply_ecs_status(struct runner *r, size_t i, const char *last_status);
void runner_learn_duration(struct runner *r, double seconds);
ssize_t runner_find_bot_by_sk(const struct runner *r, const char *pk, const char *sk);
ssize_t runner_find_bot_by_task(const struct runner *r, const char *task_arn);

/* runner_poll.c */
void runner_schedule_poll(struct runner *r);
void runner_reconcile(struct runner *r);

/* runner_journal.c: each returns 0, or -1 after making the run fatal (the journal is
 * the guarantee against duplicates; without it nothing more may be launched). */
int runner_journal_header(struct runner *r);
int runner_journal_bot(struct runner *r, const struct run_bot *b);
int runner_journal_intent(struct runner *r, const struct run_bot *b, const char *token);
int runner_journal_launched(struct runner *r, const struct run_bot *b, bool reconciled);
int runner_journal_launch_failed(struct runner *r, const struct run_bot *b, const char *reason,
                                 bool retryable, bool permanent);
int runner_journal_outcome(struct runner *r, const struct run_bot *b, enum bot_state outcome);
int runner_journal_retry(struct runner *r, const struct run_bot *b, bool automatic);
/* StopTask for bot i's task, which then ends cancelled (runner_journal.c). */
void runner_cancel_task(struct runner *r, size_t i);
/* Sets *slot to a copy of value (NULL clears it), freeing what was there. */
void runner_replace_text(char **slot, const char *value);
/* obj's string member name, or NULL when it is absent or not a string. */
struct cJSON;
const char *runner_json_text(const struct cJSON *obj, const char *name);

#endif
