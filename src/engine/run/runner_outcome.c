/* How a bot's attempt ends: judged from its outcome (with an automatic retry for
 * throttling failures), cancelled by the operator (StopTask), or put back in the queue for
 * another attempt. Used by runner.c and runner_poll.c; calls runner_journal.c and
 * runner_state.c only. */
#include "engine/run/runner.h"

#include "aws/client.h"
#include "aws/session.h"
#include "runner_internal.h"
#include "util/mem.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

static bool s_is_throttle_reason(const char *reason)
{
    static const char *const marks[] = {
        "Throttling", "ThrottlingException", "Too many requests", "TooManyRequests",
        "Rate exceeded", "ProvisionedThroughputExceeded", "SlowDown",
    };
    if (!reason)
        return false;
    for (size_t i = 0; i < sizeof marks / sizeof *marks; i++)
        if (strcasestr(reason, marks[i]))
            return true;
    return false;
}

void runner_set_reason(struct run_bot *b, struct message reason)
{
    message_free(&b->reason_msg);
    free(b->reason);
    b->reason_msg = reason;
    b->reason = reason.id != MSG_NONE ? message_english(&reason) : NULL;
}

void runner_judge(struct runner *r, size_t i, enum bot_state outcome, struct message reason_msg)
{
    struct run_bot *b = &r->bots[i];
    runner_set_reason(b, reason_msg);
    const char *reason = b->reason;
    if (!b->stopped_at_ms)
        b->stopped_at_ms = runner_wall_ms();
    if (b->launched_at_ms && b->stopped_at_ms > b->launched_at_ms)
        runner_learn_duration(r, (double)(b->stopped_at_ms - b->launched_at_ms) / 1000.0);
    runner_journal_outcome(r, b, outcome);
    runner_set_state(r, i, outcome);
    if (outcome == BOT_FAILED && s_is_throttle_reason(reason) && b->auto_retries < r->cfg.retries &&
        !r->stop_launching && !r->fatal) {
        b->auto_retries++;
        runner_message(r, RUNNER_INFO, "bot %s failed with a throttling error; retrying automatically (%d of %d)",
                       b->bot_id, b->auto_retries, r->cfg.retries);
        runner_requeue(r, i, true);
        return;
    }
    if ((outcome == BOT_FAILED || outcome == BOT_SUCCEEDED) &&
        early_failure_note(&r->early, outcome == BOT_FAILED, reason)) {
        size_t queued = 0;
        for (size_t k = 0; k < r->n; k++)
            queued += r->bots[k].state == BOT_QUEUED;
        bool was_stopping = r->stop_launching;
        r->stop_launching = true;
        r->early_stopped = !was_stopping;
        /* A message the wizard words in its language; its English goes to every observer. */
        struct message cause = early_failure_cause_message(r->early.cause);
        struct message hint = early_failure_hint_message(r->early.cause);
        message_free(&r->early_msg);
        r->early_msg = MESSAGE(queued == 1 ? MSG_EARLY_STOPPED_ONE : MSG_EARLY_STOPPED,
                               MSG_I("count", (long long)r->early.cause_count),
                               MSG_I("seen", (long long)r->early.seen), MSG_M("cause", &cause),
                               MSG_I("queued", (long long)queued), MSG_M("hint", &hint));
        message_free(&cause);
        message_free(&hint);
        char *text = message_english(&r->early_msg);
        runner_message(r, RUNNER_ERROR, "%s", text);
        free(text);
    }
}

void runner_requeue(struct runner *r, size_t i, bool automatic)
{
    struct run_bot *b = &r->bots[i];
    runner_journal_retry(r, b, automatic);
    runner_remember_earlier_task(b);
    runner_replace_text(&b->task_arn, NULL);
    runner_replace_text(&b->task_id, NULL);
    runner_replace_text(&b->sync_status, NULL);
    runner_replace_text(&b->ecs_status, NULL);
    runner_replace_text(&b->stop_code, NULL);
    runner_replace_text(&b->stopped_reason, NULL);
    b->ecs_missing = false;
    b->exit_code = -1;
    b->launch_failures = 0;
    b->refusals = 0;
    b->launched_at_ms = b->started_at_ms = b->stopped_at_ms = 0;
    b->pull_started_at_ms = b->pull_stopped_at_ms = 0;
    b->times_from_ecs = false;
    b->not_before_ms = 0;
    runner_set_state(r, i, BOT_QUEUED);
}

static void s_on_stop_task(void *ud, struct aws_response *resp)
{
    struct runner *r = ud;
    r->stops_in_flight--;
    if (resp->err.kind != AWS_ERR_NONE) {
        char *why = aws_error_describe(&resp->err);
        runner_message(r, RUNNER_WARN, "ECS StopTask failed (%s); stop the run's remaining tasks in the "
                                       "ECS console (startedBy %s)", why, r->started_by);
        free(why);
    }
}

void runner_cancel_task(struct runner *r, size_t i)
{
    struct run_bot *b = &r->bots[i];
    if (!b->task_arn || bot_state_final(b->state))
        return;
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "cluster", r->cfg.cluster);
    cJSON_AddStringToObject(body, "task", b->task_arn);
    cJSON_AddStringToObject(body, "reason", "stopped by bedrock-chat-migrate (--stop-on-exit)");
    r->stops_in_flight++;
    aws_call_json(r->session->client, &AWS_SVC_ECS, "StopTask", body, s_on_stop_task, r);
    runner_set_reason(b, MESSAGE0(MSG_RUN_STOPPED_BY_OPERATOR));
    runner_journal_outcome(r, b, BOT_CANCELLED);
    runner_set_state(r, i, BOT_CANCELLED);
}
