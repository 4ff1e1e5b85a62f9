/* Following the run: DescribeTasks and BatchGetItem rounds on an adaptive interval, and
 * reconciliation with ECS (ListTasks by startedBy) after a crash or an ambiguous launch. */
#include "aws/client.h"
#include "aws/error_class.h"
#include "aws/session.h"
#include "runner_internal.h"
#include "util/ev_loop.h"
#include "util/mem.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#define DESCRIBE_BATCH 100
#define READ_BATCH 100
/* How long after RunTask a task may still be unknown to DescribeTasks (ECS is eventually
 * consistent: AWS advises polling with backoff from a couple of seconds on). */
#define MISSING_GRACE_MS 120000u

/* ---- the poll round ------------------------------------------------------------------ */

/* An answer that will not change by asking again (permissions, a deleted table, expired
 * credentials, an invalid request, with or without an AWS error code), as opposed to
 * throttling, 5xx and network trouble, which are retried next round. */
static bool s_refused(const struct aws_error *e)
{
    return aws_error_class_refused(aws_error_class(e));
}

/* The run cannot follow its tasks: say why, leave them running and finish, so the
 * operator can fix the cause and resume instead of watching a run that never ends. */
static void s_follow_refused(struct runner *r, const char *operation, const struct aws_error *e)
{
    if (r->fatal && r->abandon)
        return;
    char *why = aws_error_describe(e);
    const char *hint = aws_error_hint(e);
    runner_fatal_error(r, "%s was refused: %s.%s%s The run cannot follow its tasks; they keep running in "
                          "ECS. Fix the cause, then run again to resume.",
                       operation, why, hint ? " " : "", hint ? hint : "");
    free(why);
    r->stop_launching = true;
    r->abandon = true;
}

struct round {
    struct runner *r;
    char **arns;         /* DescribeTasks work list */
    size_t narns, next;
    size_t *reads;       /* bot indexes for BatchGetItem */
    size_t nreads, next_read, batch_start;
    bool saw_change;
};

static void s_round_free(struct round *rd)
{
    for (size_t i = 0; i < rd->narns; i++)
        free(rd->arns[i]);
    free(rd->arns);
    free(rd->reads);
    free(rd);
}

static void s_read_next(struct round *rd);
static void s_describe_next(struct round *rd);

static void s_poll_timer(void *ud)
{
    struct runner *r = ud;
    r->poll_timer = 0;
    if (r->finished || r->reconciling || r->describe_in_flight || r->read_in_flight)
        return;
    struct round *rd = xcalloc(1, sizeof(*rd));
    rd->r = r;
    for (size_t i = 0; i < r->n; i++) {
        struct run_bot *b = &r->bots[i];
        if (!b->task_arn || bot_state_final(b->state))
            continue;
        if (b->state != BOT_STOPPED) {
            rd->arns = xrealloc(rd->arns, (rd->narns + 1) * sizeof(char *));
            rd->arns[rd->narns++] = xstrdup(b->task_arn);
        }
    }
    r->changed = false;
    r->describe_in_flight = true;
    s_describe_next(rd);
}

void runner_schedule_poll(struct runner *r)
{
    if (r->finished || r->poll_timer || r->describe_in_flight || r->read_in_flight || r->reconciling)
        return;
    bool anything = false;
    for (size_t i = 0; i < r->n && !anything; i++)
        anything = r->bots[i].task_arn && !bot_state_final(r->bots[i].state);
    if (!anything)
        return;
    uint64_t min = r->cfg.poll_min_ms ? r->cfg.poll_min_ms : 2000;
    uint64_t max = r->cfg.poll_max_ms ? r->cfg.poll_max_ms : 15000;
    if (!r->poll_interval_ms)
        r->poll_interval_ms = min;
    /* Quick while things move, slower while they don't: most of a run is waiting. */
    if (r->changed)
        r->poll_interval_ms = min;
    else {
        r->poll_interval_ms = r->poll_interval_ms * 3 / 2;
        if (r->poll_interval_ms > max)
            r->poll_interval_ms = max;
    }
    bool judging = false;
    for (size_t i = 0; i < r->n && !judging; i++)
        judging = r->bots[i].state == BOT_STOPPED;
    r->poll_timer = ev_timer_add(r->session->loop, judging ? min : r->poll_interval_ms, s_poll_timer, r);
}

/* ECS timestamps are seconds since the epoch as JSON numbers (with a fraction). */
static uint64_t s_ecs_time_ms(const cJSON *task, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(task, key);
    if (!cJSON_IsNumber(v) || !(v->valuedouble > 1e9) || !(v->valuedouble < 1e11))
        return 0;
    return (uint64_t)(v->valuedouble * 1000.0);
}

static void s_apply_task(struct runner *r, const cJSON *task)
{
    const char *arn = runner_json_text(task, "taskArn");
    if (!arn)
        return;
    ssize_t i = runner_find_bot_by_task(r, arn);
    if (i < 0)
        return;
    struct run_bot *b = &r->bots[i];
    const char *last = runner_json_text(task, "lastStatus");
    /* ECS's own times, when it gives them: a task that ended while nobody was watching (a
     * resumed run) must not look as if it ran until the moment we looked. */
    uint64_t started = s_ecs_time_ms(task, "startedAt");
    uint64_t stopped = s_ecs_time_ms(task, "stoppedAt");
    if (started && !b->started_at_ms)
        b->started_at_ms = started;
    if (stopped && !b->stopped_at_ms)
        b->stopped_at_ms = stopped;
    if (started && stopped)
        b->times_from_ecs = true;
    /* Fargate bills from the image pull's start; the pull's length feeds the estimate. */
    uint64_t pull_started = s_ecs_time_ms(task, "pullStartedAt");
    uint64_t pull_stopped = s_ecs_time_ms(task, "pullStoppedAt");
    if (pull_started && !b->pull_started_at_ms)
        b->pull_started_at_ms = pull_started;
    if (pull_stopped && !b->pull_stopped_at_ms)
        b->pull_stopped_at_ms = pull_stopped;
    if (strcmp(last ? last : "", "STOPPED") == 0) {
        runner_replace_text(&b->stop_code, runner_json_text(task, "stopCode"));
        runner_replace_text(&b->stopped_reason, runner_json_text(task, "stoppedReason"));
        const cJSON *containers = cJSON_GetObjectItemCaseSensitive(task, "containers");
        const cJSON *c;
        cJSON_ArrayForEach(c, containers) {
            const char *name = runner_json_text(c, "name");
            if (name && r->cfg.container && strcmp(name, r->cfg.container) != 0)
                continue;
            const cJSON *code = cJSON_GetObjectItemCaseSensitive(c, "exitCode");
            if (cJSON_IsNumber(code))
                b->exit_code = code->valueint;
            const char *reason = runner_json_text(c, "reason");
            if (reason && !b->stopped_reason)
                runner_replace_text(&b->stopped_reason, reason);
        }
    }
    if (last)
        runner_apply_ecs_status(r, (size_t)i, last);
}

static void s_on_describe(void *ud, struct aws_response *resp)
{
    struct round *rd = ud;
    struct runner *r = rd->r;
    if (resp->err.kind != AWS_ERR_NONE && s_refused(&resp->err)) {
        s_follow_refused(r, "ECS DescribeTasks", &resp->err);
        rd->next = rd->narns; /* the rest of the round would be refused the same way */
    } else if (resp->err.kind != AWS_ERR_NONE) {
        char *why = aws_error_describe(&resp->err);
        runner_message(r, RUNNER_WARN, "ECS DescribeTasks failed (%s); will try again", why);
        free(why);
    } else {
        const cJSON *t;
        cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(resp->json, "tasks"))
            s_apply_task(r, t);
        const cJSON *f;
        uint64_t now = runner_wall_ms();
        cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(resp->json, "failures")) {
            /* MISSING: ECS does not know the task. Right after RunTask that is ECS's
             * eventual consistency (the task exists; it is only not visible yet): keep
             * waiting. Later it means the task stopped long ago, and the bot's own
             * SyncStatus is the remaining evidence. */
            const char *arn = runner_json_text(f, "arn");
            ssize_t i = arn ? runner_find_bot_by_task(r, arn) : -1;
            const char *reason = runner_json_text(f, "reason");
            bool is_missing = reason && strcmp(reason, "MISSING") == 0;
            if (i >= 0 && is_missing && r->bots[i].launched_at_ms &&
                now < r->bots[i].launched_at_ms + MISSING_GRACE_MS && !bot_state_final(r->bots[i].state))
                continue;
            if (i >= 0) {
                struct message missing = MESSAGE0(MSG_RUN_ECS_MISSING);
                char *text = message_english(&missing);
                runner_replace_text(&r->bots[i].stopped_reason, text);
                r->bots[i].ecs_missing = true;
                free(text);
                message_free(&missing);
                runner_apply_ecs_status(r, (size_t)i, "STOPPED");
            }
        }
    }
    s_describe_next(rd);
}

static void s_describe_next(struct round *rd)
{
    struct runner *r = rd->r;
    if (r->finished || r->abandon) {
        r->describe_in_flight = false;
        s_round_free(rd);
        runner_wake(r); /* a run being left finishes once its calls are answered */
        return;
    }
    if (rd->next >= rd->narns) {
        r->describe_in_flight = false;
        /* Then read SyncStatus for every bot whose task has started or stopped. */
        for (size_t i = 0; i < r->n; i++) {
            enum bot_state s = r->bots[i].state;
            if (r->bots[i].task_arn && (s == BOT_RUNNING || s == BOT_STOPPED)) {
                rd->reads = xrealloc(rd->reads, (rd->nreads + 1) * sizeof(size_t));
                rd->reads[rd->nreads++] = i;
            }
        }
        r->read_in_flight = true;
        s_read_next(rd);
        return;
    }
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "cluster", r->cfg.cluster);
    cJSON *tasks = cJSON_AddArrayToObject(body, "tasks");
    size_t end = rd->next + DESCRIBE_BATCH < rd->narns ? rd->next + DESCRIBE_BATCH : rd->narns;
    for (size_t k = rd->next; k < end; k++)
        cJSON_AddItemToArray(tasks, cJSON_CreateString(rd->arns[k]));
    rd->next = end;
    aws_call_json(r->session->client, &AWS_SVC_ECS, "DescribeTasks", body, s_on_describe, rd);
}

static void s_judge_from_item(struct runner *r, size_t i, const cJSON *item)
{
    struct run_bot *b = &r->bots[i];
    const char *status = item ? runner_json_text(cJSON_GetObjectItemCaseSensitive(item, "SyncStatus"), "S") : NULL;
    const char *reason = item ? runner_json_text(cJSON_GetObjectItemCaseSensitive(item, "SyncStatusReason"), "S") : NULL;
    const char *exec = item ? runner_json_text(cJSON_GetObjectItemCaseSensitive(item, "LastExecId"), "S") : NULL;
    bool mine = exec && b->task_id && strcmp(exec, b->task_id) == 0;
    if (mine)
        runner_replace_text(&b->sync_status, status);
    if (b->state != BOT_STOPPED)
        return; /* informative only until the task has stopped */

    if (!item) {
        runner_judge(r, i, BOT_FAILED, MESSAGE0(MSG_RUN_ITEM_GONE));
        return;
    }
    if (mine && status && strcmp(status, "SUCCEEDED") == 0) {
        runner_judge(r, i, BOT_SUCCEEDED, MESSAGE0(MSG_NONE));
        return;
    }
    if (mine && status && strcmp(status, "FAILED") == 0) {
        /* The task's own words (SyncStatusReason) are kept as they are. */
        runner_judge(r, i, BOT_FAILED,
                     reason && *reason ? message_text(reason) : MESSAGE0(MSG_RUN_EMBED_FAILED_NO_REASON));
        return;
    }
    /* "the task stopped …" followed by what ECS said, each part a message of its own. */
    struct message parts[4] = {{0}};
    size_t n = 0;
    if (mine) {
        struct message st = status ? message_text(status) : MESSAGE0(MSG_RUN_UNSET);
        parts[n++] = MESSAGE(MSG_RUN_STOPPED_WITH_STATUS, MSG_M("status", &st));
        message_free(&st);
    } else {
        parts[n++] = MESSAGE0(MSG_RUN_STOPPED_WITHOUT_STATUS);
    }
    if (b->stop_code)
        parts[n++] = MESSAGE(MSG_RUN_STOP_CODE, MSG_S("code", b->stop_code));
    if (b->stopped_reason) {
        struct message ecs = b->ecs_missing ? MESSAGE0(MSG_RUN_ECS_MISSING) : message_text(b->stopped_reason);
        parts[n++] = MESSAGE(MSG_RUN_ECS_REASON, MSG_M("reason", &ecs));
        message_free(&ecs);
    }
    if (b->exit_code >= 0)
        parts[n++] = MESSAGE(b->exit_code == 137 ? MSG_RUN_EXIT_CODE_OOM : MSG_RUN_EXIT_CODE,
                             MSG_I("code", b->exit_code));
    /* Joined from the end: JOIN(first, JOIN(second, …)). */
    struct message why = parts[--n];
    while (n > 0) {
        struct message first = parts[--n];
        struct message joined = MESSAGE(MSG_JOIN, MSG_M("first", &first), MSG_M("second", &why));
        message_free(&first);
        message_free(&why);
        why = joined;
    }
    runner_judge(r, i, BOT_FAILED, why);
}

static void s_on_read(void *ud, struct aws_response *resp)
{
    struct round *rd = ud;
    struct runner *r = rd->r;
    size_t start = rd->batch_start;
    if (resp->err.kind != AWS_ERR_NONE && s_refused(&resp->err)) {
        s_follow_refused(r, "DynamoDB BatchGetItem", &resp->err);
        rd->next_read = rd->nreads;
    } else if (resp->err.kind != AWS_ERR_NONE) {
        char *why = aws_error_describe(&resp->err);
        runner_message(r, RUNNER_WARN, "DynamoDB BatchGetItem failed (%s); will try again", why);
        free(why);
    } else {
        const cJSON *items = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(resp->json, "Responses"), r->cfg.table);
        const cJSON *unprocessed = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(resp->json, "UnprocessedKeys"), r->cfg.table);
        for (size_t k = start; k < rd->next_read; k++) {
            size_t i = rd->reads[k];
            struct run_bot *b = &r->bots[i];
            const cJSON *found = NULL, *it;
            cJSON_ArrayForEach(it, items) {
                const char *pk = runner_json_text(cJSON_GetObjectItemCaseSensitive(it, "PK"), "S");
                const char *sk = runner_json_text(cJSON_GetObjectItemCaseSensitive(it, "SK"), "S");
                if (pk && sk && strcmp(pk, b->pk) == 0 && strcmp(sk, b->sk) == 0) {
                    found = it;
                    break;
                }
            }
            bool pending = false;
            const cJSON *key;
            cJSON_ArrayForEach(key, cJSON_GetObjectItemCaseSensitive(unprocessed, "Keys")) {
                const char *sk = runner_json_text(cJSON_GetObjectItemCaseSensitive(key, "SK"), "S");
                if (sk && strcmp(sk, b->sk) == 0)
                    pending = true;
            }
            if (!pending) /* unprocessed keys are read again next round, after a pause */
                s_judge_from_item(r, i, found);
        }
    }
    s_read_next(rd);
}

static void s_read_next(struct round *rd)
{
    struct runner *r = rd->r;
    if (r->finished || r->abandon || rd->next_read >= rd->nreads) {
        r->read_in_flight = false;
        s_round_free(rd);
        runner_wake(r);
        return;
    }
    size_t end = rd->next_read + READ_BATCH < rd->nreads ? rd->next_read + READ_BATCH : rd->nreads;
    cJSON *body = cJSON_CreateObject();
    cJSON *req = cJSON_AddObjectToObject(cJSON_AddObjectToObject(body, "RequestItems"), r->cfg.table);
    cJSON *keys = cJSON_AddArrayToObject(req, "Keys");
    bool consistent = false;
    for (size_t k = rd->next_read; k < end; k++) {
        struct run_bot *b = &r->bots[rd->reads[k]];
        cJSON *key = cJSON_CreateObject();
        cJSON_AddStringToObject(cJSON_AddObjectToObject(key, "PK"), "S", b->pk);
        cJSON_AddStringToObject(cJSON_AddObjectToObject(key, "SK"), "S", b->sk);
        cJSON_AddItemToArray(keys, key);
        consistent |= b->state == BOT_STOPPED;
    }
    /* A stale read must never turn a success into a failure: once a task has stopped its
     * bot is read with strong consistency. */
    cJSON_AddBoolToObject(req, "ConsistentRead", consistent);
    cJSON_AddStringToObject(req, "ProjectionExpression", "PK, SK, SyncStatus, SyncStatusReason, LastExecId");
    rd->batch_start = rd->next_read;
    rd->next_read = end;
    aws_call_json(r->session->client, &AWS_SVC_DYNAMODB, "BatchGetItem", body, s_on_read, rd);
}

/* ---- reconciliation ------------------------------------------------------------------- */

struct reconcile {
    struct runner *r;
    int phase;           /* 0: RUNNING list, 1: STOPPED list, 2: describing, 3: items */
    char *next_token;
    char **arns;
    size_t narns, next;
    size_t item_next;    /* phase 3: the next bot whose item may hold the lost task */
    ssize_t item_bot;    /* the bot being looked at */
    char *item_status, *item_reason, *item_exec;
};

static void s_reconcile_free(struct reconcile *rc)
{
    free(rc->item_status);
    free(rc->item_reason);
    free(rc->item_exec);
    for (size_t i = 0; i < rc->narns; i++)
        free(rc->arns[i]);
    free(rc->arns);
    free(rc->next_token);
    free(rc);
}

static void s_reconcile_step(struct reconcile *rc);
static void s_reconcile_items(struct reconcile *rc);

static void s_reconcile_items_timer(void *ud)
{
    s_reconcile_items(ud);
}

static void s_reconcile_done(struct reconcile *rc)
{
    struct runner *r = rc->r;
    /* Any bot whose launch is still unconfirmed had no task: it goes back to the queue
     * with the same attempt, so the same idempotency token is sent again. */
    for (size_t i = 0; i < r->n; i++) {
        struct run_bot *b = &r->bots[i];
        if (b->state == BOT_LAUNCHING && !b->task_arn && b->needs_reconcile) {
            b->needs_reconcile = false;
            b->attempt--;
            runner_set_state(r, i, BOT_QUEUED);
        }
    }
    s_reconcile_free(rc);
    r->reconciling = false;
    if (r->reconcile_again) {
        r->reconcile_again = false;
        runner_reconcile(r);
        return;
    }
    runner_wake(r);
}

static void s_adopt(struct runner *r, const cJSON *task)
{
    const char *arn = runner_json_text(task, "taskArn");
    if (!arn || runner_find_bot_by_task(r, arn) >= 0)
        return;
    const cJSON *co;
    const char *keys = NULL;
    cJSON_ArrayForEach(co, cJSON_GetObjectItemCaseSensitive(
                               cJSON_GetObjectItemCaseSensitive(task, "overrides"), "containerOverrides")) {
        /* The command's last argument (every launch of this tool, older journals' too), or
         * the EVENT variable (a launch that set only that, as v1.2.5+'s state machine does). */
        const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(co, "command");
        const cJSON *last = cJSON_GetArrayItem(cmd, cJSON_GetArraySize(cmd) - 1);
        if (cJSON_IsString(last))
            keys = last->valuestring;
        const cJSON *var;
        cJSON_ArrayForEach(var, cJSON_GetObjectItemCaseSensitive(co, "environment")) {
            const char *name = runner_json_text(var, "name");
            const char *value = runner_json_text(var, "value");
            if (!keys && name && value && strcmp(name, "EVENT") == 0)
                keys = value;
        }
    }
    cJSON *k = keys ? cJSON_Parse(keys) : NULL;
    const char *pk = runner_json_text(cJSON_GetObjectItemCaseSensitive(k, "PK"), "S");
    const char *sk = runner_json_text(cJSON_GetObjectItemCaseSensitive(k, "SK"), "S");
    ssize_t i = sk ? runner_find_bot_by_sk(r, pk, sk) : -1;
    if (i < 0) {
        runner_message(r, RUNNER_WARN, "task %s was started by this run but matches no bot in its journal; left alone",
                       runner_task_id_of(arn));
        cJSON_Delete(k);
        return;
    }
    struct run_bot *b = &r->bots[i];
    if (b->state == BOT_LAUNCHING || (b->state == BOT_QUEUED && b->needs_reconcile)) {
        /* The crash (or lost reply) fell between RunTask and the journal: adopt the task. */
        runner_replace_text(&b->task_arn, arn);
        runner_replace_text(&b->task_id, runner_task_id_of(arn));
        b->needs_reconcile = false;
        b->launched_at_ms = runner_wall_ms();
        runner_journal_launched(r, b, true);
        runner_message(r, RUNNER_INFO, "bot %s: found its task %s in ECS; following it, not launching again",
                       b->bot_id, b->task_id);
        const char *last = runner_json_text(task, "lastStatus");
        runner_apply_ecs_status(r, (size_t)i, last ? last : "PROVISIONING");
        if (r->cancelling)
            runner_cancel_task(r, (size_t)i);
    }
    cJSON_Delete(k);
}

static void s_on_reconcile_describe(void *ud, struct aws_response *resp)
{
    struct reconcile *rc = ud;
    if (resp->err.kind != AWS_ERR_NONE) {
        char *why = aws_error_describe(&resp->err);
        runner_fatal_error(rc->r, "could not check ECS for this run's tasks (%s); nothing more will be "
                                  "launched until that works: run again to resume", why);
        free(why);
        s_reconcile_done(rc);
        return;
    }
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(resp->json, "tasks"))
        s_adopt(rc->r, t);
    s_reconcile_step(rc);
}

static void s_on_list(void *ud, struct aws_response *resp)
{
    struct reconcile *rc = ud;
    if (resp->err.kind != AWS_ERR_NONE) {
        char *why = aws_error_describe(&resp->err);
        runner_fatal_error(rc->r, "could not list this run's ECS tasks (%s); nothing more will be launched "
                                  "until that works: run again to resume", why);
        free(why);
        s_reconcile_done(rc);
        return;
    }
    const cJSON *a;
    cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(resp->json, "taskArns")) {
        if (cJSON_IsString(a)) {
            rc->arns = xrealloc(rc->arns, (rc->narns + 1) * sizeof(char *));
            rc->arns[rc->narns++] = xstrdup(a->valuestring);
        }
    }
    const char *token = runner_json_text(resp->json, "nextToken");
    runner_replace_text(&rc->next_token, token);
    if (!token)
        rc->phase++;
    s_reconcile_step(rc);
}

static void s_reconcile_step(struct reconcile *rc)
{
    struct runner *r = rc->r;
    if (rc->phase < 2) {
        cJSON *body = cJSON_CreateObject();
        cJSON_AddStringToObject(body, "cluster", r->cfg.cluster);
        cJSON_AddStringToObject(body, "startedBy", r->started_by);
        cJSON_AddStringToObject(body, "desiredStatus", rc->phase == 0 ? "RUNNING" : "STOPPED");
        cJSON_AddNumberToObject(body, "maxResults", 100);
        if (rc->next_token)
            cJSON_AddStringToObject(body, "nextToken", rc->next_token);
        aws_call_json(r->session->client, &AWS_SVC_ECS, "ListTasks", body, s_on_list, rc);
        return;
    }
    /* Describe the tasks this run's journal does not know yet. */
    while (rc->next < rc->narns && runner_find_bot_by_task(r, rc->arns[rc->next]) >= 0)
        rc->next++;
    if (rc->next >= rc->narns) {
        rc->phase = 3;
        s_reconcile_items(rc);
        return;
    }
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "cluster", r->cfg.cluster);
    cJSON *tasks = cJSON_AddArrayToObject(body, "tasks");
    size_t added = 0;
    while (rc->next < rc->narns && added < DESCRIBE_BATCH) {
        if (runner_find_bot_by_task(r, rc->arns[rc->next]) < 0) {
            cJSON_AddItemToArray(tasks, cJSON_CreateString(rc->arns[rc->next]));
            added++;
        }
        rc->next++;
    }
    aws_call_json(r->session->client, &AWS_SVC_ECS, "DescribeTasks", body, s_on_reconcile_describe, rc);
}

/* ---- a launch ECS no longer remembers --------------------------------------------------
 * ListTasks(STOPPED) only lists recently stopped tasks: a run resumed long after a crash
 * between its intent and RunTask's reply cannot find the task that way. The bot's own item
 * can: a LastExecId that is neither the one the run was planned with nor a task of an
 * earlier attempt was written by the task of this launch. That task is adopted (described
 * by id), or, when ECS has forgotten it too, the bot is judged by what the task wrote. */

static void s_adopt_forgotten(struct reconcile *rc, size_t i, const cJSON *task)
{
    struct runner *r = rc->r;
    struct run_bot *b = &r->bots[i];
    const char *arn = task ? runner_json_text(task, "taskArn") : NULL;
    runner_replace_text(&b->task_arn, arn ? arn : rc->item_exec);
    runner_replace_text(&b->task_id, rc->item_exec);
    b->needs_reconcile = false;
    b->launched_at_ms = runner_wall_ms();
    runner_journal_launched(r, b, true);
    runner_message(r, RUNNER_INFO, "bot %s: its item names task %s of this launch (ECS no longer lists it); "
                                   "not launching again", b->bot_id, b->task_id);
    if (task) {
        const char *last = runner_json_text(task, "lastStatus");
        runner_apply_ecs_status(r, i, last ? last : "PROVISIONING");
        return;
    }
    /* ECS has forgotten the task as well: it stopped long ago. What it wrote decides. */
    runner_replace_text(&b->sync_status, rc->item_status);
    runner_apply_ecs_status(r, i, "STOPPED");
    b->ecs_missing = true;
    if (rc->item_status && strcmp(rc->item_status, "SUCCEEDED") == 0)
        runner_judge(r, i, BOT_SUCCEEDED, MESSAGE0(MSG_NONE));
    else if (rc->item_status && strcmp(rc->item_status, "FAILED") == 0)
        /* The task's own words (SyncStatusReason) are kept as they are. */
        runner_judge(r, i, BOT_FAILED, rc->item_reason && *rc->item_reason ? message_text(rc->item_reason)
                                                                            : MESSAGE0(MSG_RUN_EMBED_FAILED_NO_REASON));
    else {
        /* "the task stopped without writing a SyncStatus for itself; ECS no longer describes it" */
        struct message first = MESSAGE0(MSG_RUN_STOPPED_WITHOUT_STATUS);
        struct message missing = MESSAGE0(MSG_RUN_ECS_MISSING);
        struct message second = MESSAGE(MSG_RUN_ECS_REASON, MSG_M("reason", &missing));
        struct message why = MESSAGE(MSG_JOIN, MSG_M("first", &first), MSG_M("second", &second));
        message_free(&first);
        message_free(&missing);
        message_free(&second);
        runner_judge(r, i, BOT_FAILED, why);
    }
}

static void s_on_forgotten_describe(void *ud, struct aws_response *resp)
{
    struct reconcile *rc = ud;
    size_t i = (size_t)rc->item_bot;
    if (resp->err.kind != AWS_ERR_NONE) {
        char *why = aws_error_describe(&resp->err);
        runner_fatal_error(rc->r, "could not describe task %s (%s); nothing more will be launched until "
                                  "that works: run again to resume", rc->item_exec, why);
        free(why);
        s_reconcile_done(rc);
        return;
    }
    s_adopt_forgotten(rc, i, cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(resp->json, "tasks"), 0));
    s_reconcile_items(rc);
}

static void s_on_item(void *ud, struct aws_response *resp)
{
    struct reconcile *rc = ud;
    struct runner *r = rc->r;
    if (resp->err.kind != AWS_ERR_NONE) {
        char *why = aws_error_describe(&resp->err);
        runner_fatal_error(r, "could not read a bot's item before relaunching it (%s); nothing more will be "
                              "launched until that works: run again to resume", why);
        free(why);
        s_reconcile_done(rc);
        return;
    }
    struct run_bot *b = &r->bots[rc->item_bot];
    const cJSON *unprocessed = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(resp->json, "UnprocessedKeys"), r->cfg.table);
    if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(unprocessed, "Keys")) > 0) {
        rc->item_next = (size_t)rc->item_bot; /* not read yet: ask again in a moment */
        ev_timer_add(r->session->loop, 500, s_reconcile_items_timer, rc);
        return;
    }
    const cJSON *item = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(resp->json, "Responses"), r->cfg.table), 0);
    const char *exec = runner_json_text(cJSON_GetObjectItemCaseSensitive(item, "LastExecId"), "S");
    if (!exec || !*exec || strcmp(exec, b->exec_id_before) == 0 || runner_was_earlier_task(b, exec)) {
        s_reconcile_items(rc); /* nothing of this launch ran: relaunched with the same token */
        return;
    }
    runner_replace_text(&rc->item_exec, exec);
    runner_replace_text(&rc->item_status, runner_json_text(cJSON_GetObjectItemCaseSensitive(item, "SyncStatus"), "S"));
    runner_replace_text(&rc->item_reason,
                        runner_json_text(cJSON_GetObjectItemCaseSensitive(item, "SyncStatusReason"), "S"));
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "cluster", r->cfg.cluster);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(body, "tasks"), cJSON_CreateString(exec));
    aws_call_json(r->session->client, &AWS_SVC_ECS, "DescribeTasks", body, s_on_forgotten_describe, rc);
}

static void s_reconcile_items(struct reconcile *rc)
{
    struct runner *r = rc->r;
    while (rc->item_next < r->n) {
        size_t i = rc->item_next++;
        struct run_bot *b = &r->bots[i];
        if (b->state != BOT_LAUNCHING || b->task_arn || !b->needs_reconcile || !b->exec_id_before)
            continue;
        rc->item_bot = (ssize_t)i;
        /* BatchGetItem of one key, the call (and permission) the poll rounds use already;
         * consistent: a stale read could miss the task's own write and launch it twice. */
        cJSON *body = cJSON_CreateObject();
        cJSON *req = cJSON_AddObjectToObject(cJSON_AddObjectToObject(body, "RequestItems"), r->cfg.table);
        cJSON *key = cJSON_CreateObject();
        cJSON_AddStringToObject(cJSON_AddObjectToObject(key, "PK"), "S", b->pk);
        cJSON_AddStringToObject(cJSON_AddObjectToObject(key, "SK"), "S", b->sk);
        cJSON_AddItemToArray(cJSON_AddArrayToObject(req, "Keys"), key);
        cJSON_AddBoolToObject(req, "ConsistentRead", true);
        cJSON_AddStringToObject(req, "ProjectionExpression", "PK, SK, SyncStatus, SyncStatusReason, LastExecId");
        aws_call_json(r->session->client, &AWS_SVC_DYNAMODB, "BatchGetItem", body, s_on_item, rc);
        return;
    }
    s_reconcile_done(rc);
}

void runner_reconcile(struct runner *r)
{
    if (r->reconciling) {
        r->reconcile_again = true;
        return;
    }
    r->reconciling = true;
    struct reconcile *rc = xcalloc(1, sizeof(*rc));
    rc->r = r;
    s_reconcile_step(rc);
}
