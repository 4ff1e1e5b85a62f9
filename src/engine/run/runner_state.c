/* The runner's shared state and the small operations every runner file uses on it: bot
 * state names, messages and fatal errors for the observer, state changes, bot lookups,
 * ECS status mapping, text copies. It calls no other runner file; the others build on it
 * (runner.c → runner_poll.c → runner_outcome.c → runner_journal.c → here). */
#include "engine/run/runner.h"

#include "runner_internal.h"
#include "util/buf.h"
#include "util/mem.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const s_state_names[BOT_STATE_COUNT] = {
    "queued", "launching", "provisioning", "pending", "running", "stopped",
    "succeeded", "failed", "skipped", "cancelled",
};

const char *bot_state_name(enum bot_state s)
{
    return s < BOT_STATE_COUNT ? s_state_names[s] : "unknown";
}

bool bot_state_final(enum bot_state s)
{
    return s == BOT_SUCCEEDED || s == BOT_FAILED || s == BOT_SKIPPED || s == BOT_CANCELLED;
}

bool bot_state_alive(enum bot_state s)
{
    return s >= BOT_LAUNCHING && s <= BOT_STOPPED;
}

uint64_t runner_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void runner_message(struct runner *r, enum runner_msg_level level, const char *fmt, ...)
{
    buf_t b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (r->obs.on_message)
        r->obs.on_message(r->obs.ud, r, level, buf_cstr(&b));
    buf_free(&b);
}

void runner_fatal_error(struct runner *r, const char *fmt, ...)
{
    buf_t b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    r->fatal = true;
    runner_message(r, RUNNER_ERROR, "%s", buf_cstr(&b));
    buf_free(&b);
}

void runner_set_state(struct runner *r, size_t i, enum bot_state to)
{
    struct run_bot *b = &r->bots[i];
    enum bot_state from = b->state;
    if (from == to)
        return;
    b->state = to;
    r->changed = true;
    if (r->obs.on_state)
        r->obs.on_state(r->obs.ud, r, i, from, to);
}

void runner_replace_text(char **slot, const char *value)
{
    free(*slot);
    *slot = value ? xstrdup(value) : NULL;
}

const char *runner_json_text(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static char *s_dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

void run_bot_copy(struct run_bot *dst, const struct run_bot *src)
{
    *dst = *src;
    dst->pk = s_dup_or_null(src->pk);
    dst->sk = s_dup_or_null(src->sk);
    dst->bot_id = s_dup_or_null(src->bot_id);
    dst->title = s_dup_or_null(src->title);
    dst->task_arn = s_dup_or_null(src->task_arn);
    dst->task_id = s_dup_or_null(src->task_id);
    dst->reason = s_dup_or_null(src->reason);
    message_copy(&dst->reason_msg, &src->reason_msg);
    dst->sync_status = s_dup_or_null(src->sync_status);
    dst->ecs_status = s_dup_or_null(src->ecs_status);
    dst->stop_code = s_dup_or_null(src->stop_code);
    dst->stopped_reason = s_dup_or_null(src->stopped_reason);
    dst->exec_id_before = s_dup_or_null(src->exec_id_before);
    dst->earlier_tasks = s_dup_or_null(src->earlier_tasks);
    dst->earlier_task_seconds = NULL;
    if (src->nearlier_task_seconds) {
        size_t bytes = src->nearlier_task_seconds * sizeof(*dst->earlier_task_seconds);
        dst->earlier_task_seconds = xmalloc(bytes);
        memcpy(dst->earlier_task_seconds, src->earlier_task_seconds, bytes);
    }
}

void run_bot_free(struct run_bot *b)
{
    free(b->pk);
    free(b->sk);
    free(b->bot_id);
    free(b->title);
    free(b->task_arn);
    free(b->task_id);
    free(b->reason);
    message_free(&b->reason_msg);
    free(b->sync_status);
    free(b->ecs_status);
    free(b->stop_code);
    free(b->stopped_reason);
    free(b->exec_id_before);
    free(b->earlier_tasks);
    free(b->earlier_task_seconds);
    memset(b, 0, sizeof(*b));
}

void runner_remember_earlier_task(struct run_bot *b)
{
    if (!b->task_id || !*b->task_id)
        return;
    char *joined = xasprintf("%s%s%s", b->earlier_tasks ? b->earlier_tasks : "",
                             b->earlier_tasks ? " " : "", b->task_id);
    free(b->earlier_tasks);
    b->earlier_tasks = joined;
    /* Its billed time, while the attempt's times are still on the bot (a requeue and a
     * journal's retry record both come through here before clearing them). */
    uint64_t from = b->pull_started_at_ms ? b->pull_started_at_ms : b->started_at_ms;
    if (from && b->stopped_at_ms > from && b->nearlier_task_seconds < 1000) {
        b->earlier_task_seconds = xrealloc(b->earlier_task_seconds,
                                           (b->nearlier_task_seconds + 1) * sizeof(*b->earlier_task_seconds));
        b->earlier_task_seconds[b->nearlier_task_seconds++] = (double)(b->stopped_at_ms - from) / 1000.0;
    }
}

bool runner_was_earlier_task(const struct run_bot *b, const char *task_id)
{
    size_t n = strlen(task_id);
    for (const char *p = b->earlier_tasks; p && *p;) {
        size_t len = strcspn(p, " ");
        if (len == n && strncmp(p, task_id, n) == 0)
            return true;
        p += len;
        p += *p == ' ';
    }
    return false;
}

const char *runner_task_id_of(const char *arn)
{
    const char *slash = arn ? strrchr(arn, '/') : NULL;
    return slash ? slash + 1 : arn;
}

ssize_t runner_find_bot_by_sk(const struct runner *r, const char *pk, const char *sk)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->bots[i].sk, sk) == 0 && (!pk || strcmp(r->bots[i].pk, pk) == 0))
            return (ssize_t)i;
    return -1;
}

ssize_t runner_find_bot_by_task(const struct runner *r, const char *task_arn)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->bots[i].task_arn && strcmp(r->bots[i].task_arn, task_arn) == 0)
            return (ssize_t)i;
    return -1;
}

size_t runner_alive(const struct runner *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++)
        n += bot_state_alive(r->bots[i].state);
    return n;
}

void runner_learn_duration(struct runner *r, double seconds)
{
    r->durations = xrealloc(r->durations, (r->ndurations + 1) * sizeof(double));
    r->durations[r->ndurations++] = seconds;
}

void runner_apply_ecs_status(struct runner *r, size_t i, const char *last_status)
{
    struct run_bot *b = &r->bots[i];
    runner_replace_text(&b->ecs_status, last_status);
    enum bot_state to = b->state;
    if (strcmp(last_status, "PROVISIONING") == 0)
        to = BOT_PROVISIONING;
    else if (strcmp(last_status, "PENDING") == 0 || strcmp(last_status, "ACTIVATING") == 0)
        to = BOT_PENDING;
    else if (strcmp(last_status, "RUNNING") == 0 || strcmp(last_status, "DEACTIVATING") == 0 ||
             strcmp(last_status, "STOPPING") == 0 || strcmp(last_status, "DEPROVISIONING") == 0)
        to = BOT_RUNNING;
    else if (strcmp(last_status, "STOPPED") == 0)
        to = BOT_STOPPED;
    if (to == BOT_RUNNING && !b->started_at_ms)
        b->started_at_ms = runner_wall_ms();
    if (to == BOT_STOPPED && !b->stopped_at_ms)
        b->stopped_at_ms = runner_wall_ms();
    if (!bot_state_final(b->state) && to != b->state)
        runner_set_state(r, i, to);
}

void runner_wake(struct runner *r)
{
    if (r->wake)
        r->wake(r);
}
