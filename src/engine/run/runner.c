/* The runner's owner: its life cycle (open, start, free), the launch queue and RunTask,
 * the pump that launches, schedules polling and notices the end, the public controls and
 * the JSON views. It calls the other runner files and none of them calls it: polling and
 * reconciliation (runner_poll.c) report back through r->wake, which is s_pump.
 * Outcomes are in runner_outcome.c, journal records in runner_journal.c, the shared state
 * in runner_state.c; see engine/run/runner.h. */
#include "engine/run/runner.h"

#include "aws/client.h"
#include "aws/error_class.h"
#include "aws/session.h"
#include "engine/run/journal.h"
#include "runner_internal.h"
#include "util/ev_loop.h"
#include "util/mem.h"
#include "util/random.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_LAUNCHES_IN_FLIGHT 10
/* RunTask answered with only a permanent-looking failures[] reason this many times: the
 * bot fails with that reason (capacity and quota reasons wait instead, unbounded). */
#define RUNTASK_REFUSALS_MAX 3

static void s_pump(struct runner *r);

/* Deterministic per (run, bot, attempt, launch try): a resumed run that re-sends a
 * launch it is unsure about sends the same token, and ECS answers with the same task. */
static void s_client_token(const struct runner *r, const struct run_bot *b, char out[41])
{
    char *material = xasprintf("%s|%s|%d|%d", r->run_id, b->bot_id, b->attempt, b->launch_failures);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_Digest(material, strlen(material), md, &mdlen, EVP_sha256(), NULL);
    free(material);
    memcpy(out, "bcm-", 4);
    for (int k = 0; k < 18; k++)
        snprintf(out + 4 + 2 * k, 3, "%02x", md[k]);
    out[40] = '\0';
}

/* ---- launching ------------------------------------------------------------------ */

struct launch_ctx {
    struct runner *r;
    size_t index;
};

static char *s_keys_json(const char *pk, const char *sk)
{
    cJSON *p = cJSON_CreateString(pk);
    cJSON *s = cJSON_CreateString(sk);
    char *pt = cJSON_PrintUnformatted(p);
    char *st = cJSON_PrintUnformatted(s);
    /* The exact shape the stack's own pipe passes to embedding/main.py. */
    char *out = xasprintf("{\"PK\": {\"S\": %s}, \"SK\": {\"S\": %s}}", pt, st);
    cJSON_free(pt);
    cJSON_free(st);
    cJSON_Delete(p);
    cJSON_Delete(s);
    return out;
}

static cJSON *s_run_task_body(const struct runner *r, const struct run_bot *b, const char *token)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "cluster", r->cfg.cluster);
    cJSON_AddStringToObject(body, "taskDefinition", r->cfg.task_definition);
    cJSON_AddStringToObject(body, "launchType", "FARGATE");
    cJSON_AddNumberToObject(body, "count", 1);
    cJSON *aws = cJSON_AddObjectToObject(cJSON_AddObjectToObject(body, "networkConfiguration"),
                                         "awsvpcConfiguration");
    cJSON *subnets = cJSON_AddArrayToObject(aws, "subnets");
    for (size_t i = 0; i < r->cfg.nsubnets; i++)
        cJSON_AddItemToArray(subnets, cJSON_CreateString(r->cfg.subnets[i]));
    cJSON *sgs = cJSON_AddArrayToObject(aws, "securityGroups");
    cJSON_AddItemToArray(sgs, cJSON_CreateString(r->cfg.security_group));
    cJSON_AddStringToObject(aws, "assignPublicIp", r->cfg.assign_public_ip ? "ENABLED" : "DISABLED");
    cJSON *ov = cJSON_AddArrayToObject(cJSON_AddObjectToObject(body, "overrides"), "containerOverrides");
    cJSON *co = cJSON_CreateObject();
    cJSON_AddStringToObject(co, "name", r->cfg.container);
    cJSON *cmd = cJSON_AddArrayToObject(co, "command");
    cJSON_AddItemToArray(cmd, cJSON_CreateString("-u"));
    cJSON_AddItemToArray(cmd, cJSON_CreateString("embedding/main.py"));
    char *keys = s_keys_json(b->pk, b->sk);
    cJSON_AddItemToArray(cmd, cJSON_CreateString(keys));
    /* v1.0.0-v1.2.4 read the keys from the argument, v1.2.5-v1.4.0 only from EVENT (and die
     * in json.loads(None) without it): the same text both ways works on every v1.x. */
    if (!r->cfg.keys_in_command_only) {
        cJSON *env = cJSON_AddArrayToObject(co, "environment");
        cJSON *event = cJSON_CreateObject();
        cJSON_AddStringToObject(event, "name", "EVENT");
        cJSON_AddStringToObject(event, "value", keys);
        cJSON_AddItemToArray(env, event);
    }
    free(keys);
    cJSON_AddItemToArray(ov, co);
    cJSON_AddStringToObject(body, "startedBy", r->started_by);
    cJSON_AddStringToObject(body, "clientToken", token);
    cJSON *tags = cJSON_AddArrayToObject(body, "tags");
    const char *kv[][2] = {{"bedrock-chat-migrate:run", r->run_id}, {"bedrock-chat-migrate:bot", b->bot_id}};
    for (size_t i = 0; i < 2; i++) {
        cJSON *t = cJSON_CreateObject();
        cJSON_AddStringToObject(t, "key", kv[i][0]);
        cJSON_AddStringToObject(t, "value", kv[i][1]);
        cJSON_AddItemToArray(tags, t);
    }
    return body;
}

static void s_backoff(struct runner *r, struct run_bot *b)
{
    double cap = r->cfg.launch_backoff_max_ms ? (double)r->cfg.launch_backoff_max_ms : 60000.0;
    double base = 1000.0 * pow(2.0, b->launch_failures > 10 ? 10 : b->launch_failures);
    double delay = base > cap ? cap : base;
    delay = delay / 2 + random_unit() * delay / 2;
    b->not_before_ms = ev_now_ms() + (uint64_t)delay;
}

/* A launch that certainly did not start a task: back to the queue, later. */
static void s_launch_not_started_ex(struct runner *r, size_t i, const char *reason, bool retryable,
                                    bool permanent)
{
    struct run_bot *b = &r->bots[i];
    runner_journal_launch_failed(r, b, reason, retryable, permanent);
    b->launch_failures++;
    b->attempt--; /* the attempt did not happen; its number is reused */
    runner_set_reason(b, MESSAGE0(MSG_NONE));
    if (retryable) {
        s_backoff(r, b);
        runner_message(r, RUNNER_WARN, "bot %s: RunTask did not start a task (%s); will retry in %llu s",
                       b->bot_id, reason,
                       (unsigned long long)((b->not_before_ms - ev_now_ms() + 999) / 1000));
    }
    runner_set_state(r, i, BOT_QUEUED);
}

static void s_launch_not_started(struct runner *r, size_t i, const char *reason, bool retryable)
{
    s_launch_not_started_ex(r, i, reason, retryable, false);
}

/* Fargate refuses a task over the account's on-demand vCPU quota, as a failures[] entry
 * or as an error ("You've reached the limit on the number of vCPUs you can run
 * concurrently"). */
static bool s_is_vcpu_limit(const char *text)
{
    return text && strcasestr(text, "vcpu") &&
           (strcasestr(text, "limit") || strcasestr(text, "quota"));
}

/* Over the vCPU quota: not the bot's failure. It waits for a running task to end, and
 * the ceiling comes down to what the account holds now, so the queue stops knocking. */
static void s_vcpu_refused(struct runner *r, size_t i, const char *why)
{
    s_launch_not_started(r, i, why, true);
    int alive = (int)runner_alive(r);
    int ceiling = alive > 0 ? alive : 1;
    if (ceiling < r->concurrency) {
        runner_message(r, RUNNER_WARN, "Fargate refused a task over the account's on-demand vCPU "
                                       "quota: concurrency lowered from %d to %d (the tasks running "
                                       "now); queued bots wait for a running task to end",
                       r->concurrency, ceiling);
        r->concurrency = ceiling;
        r->vcpu_ceiling_lowered++;
        r->vcpu_ceiling = ceiling;
        r->vcpu_ceiling_resumed = false;
        /* Journaled, so a resume keeps the ceiling instead of knocking again. */
        runner_journal_ceiling(r, ceiling, why);
    }
}

/* RunTask failed: what the error's class proves about the task decides what happens. */
static void s_launch_error(struct runner *r, size_t i, const struct aws_error *err)
{
    struct run_bot *b = &r->bots[i];
    enum aws_error_class cls = aws_error_class(err);
    char *why = aws_error_describe(err);
    if (err->kind == AWS_ERR_SERVICE && s_is_vcpu_limit(err->message)) {
        /* Refused over the vCPU quota, so certainly not started: it waits. */
        s_vcpu_refused(r, i, why);
    } else if (cls == AWS_ERROR_CLASS_THROTTLED || cls == AWS_ERROR_CLASS_NO_CREDENTIALS) {
        /* Throttling and missing credentials prove the request was not executed, and may
         * pass: the bot goes back to the queue for later. Throttled although paced (another
         * client of the account is launching too): the pace starts again from empty. */
        if (cls == AWS_ERROR_CLASS_THROTTLED)
            token_bucket_drain(&r->run_task_pace, ev_now_ms());
        s_launch_not_started(r, i, why, true);
    } else if (aws_error_class_refused(cls)) {
        /* AWS refused the request itself (credentials, permissions, parameters), with or
         * without an error code: every launch would fail the same way. Stop launching
         * and say why. */
        const char *hint = aws_error_hint(err);
        s_launch_not_started(r, i, why, false);
        runner_fatal_error(r, "ECS RunTask was refused: %s.%s%s No further tasks will be launched; "
                              "fix the cause and run again to resume.",
                           why, hint ? " " : "", hint ? hint : "");
    } else {
        /* Timeout, reset, 5xx or a lost reply: the task may or may not exist (a reset may
         * come after ECS started it). Ask ECS before anything else is sent for this bot. */
        runner_message(r, RUNNER_WARN, "bot %s: RunTask outcome unknown (%s); checking ECS before retrying",
                       b->bot_id, why);
        b->needs_reconcile = true;
        runner_reconcile(r);
    }
    free(why);
}

/* A failures[] reason that says "not now" (capacity, a quota, throttling): the bot
 * waits and tries again, however long that takes; anything else will not change by
 * itself and ends the bot after RUNTASK_REFUSALS_MAX tries. */
static bool s_reason_is_transient(const char *why)
{
    static const char *const marks[] = {
        "capacity", "RESOURCE:", "limit", "quota", "throttl", "rate exceeded", "unavailable",
        "try again", "AGENT", "insufficient",
    };
    for (size_t k = 0; k < sizeof marks / sizeof *marks; k++)
        if (strcasestr(why, marks[k]))
            return true;
    return false;
}

/* A 200 without a task: every failures[] entry is read (not only the first) and said. */
static void s_on_run_task_failures(struct runner *r, size_t i, const cJSON *failures)
{
    struct run_bot *b = &r->bots[i];
    buf_t why = BUF_INIT;
    bool transient = false;
    const cJSON *f;
    cJSON_ArrayForEach(f, failures) {
        const char *reason = runner_json_text(f, "reason");
        const char *detail = runner_json_text(f, "detail");
        size_t before = why.len;
        buf_printf(&why, "%s%s%s%s", why.len ? "; " : "", reason ? reason : "no reason given",
                   detail ? ": " : "", detail ? detail : "");
        transient |= s_reason_is_transient(buf_cstr(&why) + before);
    }
    if (!why.len) {
        struct message none = MESSAGE0(MSG_RUN_NO_TASK_RETURNED);
        char *no_task = message_english(&none);
        message_free(&none);
        buf_puts(&why, no_task);
        free(no_task);
    }
    if (s_is_vcpu_limit(buf_cstr(&why))) {
        s_vcpu_refused(r, i, buf_cstr(&why));
    } else if (transient) {
        s_launch_not_started(r, i, buf_cstr(&why), true);
    } else if (++b->refusals >= RUNTASK_REFUSALS_MAX) {
        /* Bounded: the same answer RUNTASK_REFUSALS_MAX times ends the bot, with the reason. */
        runner_journal_launch_failed(r, b, buf_cstr(&why), false, true);
        b->attempt--;
        char *reason = xasprintf("ECS RunTask refused to start its task %d times: %s", b->refusals,
                                 buf_cstr(&why));
        runner_message(r, RUNNER_WARN, "bot %s: %s; giving up on it", b->bot_id, reason);
        b->launch_failures++;
        /* ECS's own words follow the count: kept as they are (MSG_TEXT). */
        runner_judge(r, i, BOT_FAILED, message_text(reason));
        free(reason);
    } else {
        s_launch_not_started_ex(r, i, buf_cstr(&why), true, true);
    }
    buf_free(&why);
}

static void s_on_run_task(void *ud, struct aws_response *resp)
{
    struct launch_ctx *ctx = ud;
    struct runner *r = ctx->r;
    size_t i = ctx->index;
    free(ctx);
    r->launches_in_flight--;
    struct run_bot *b = &r->bots[i];

    if (resp->err.kind == AWS_ERR_NONE) {
        const cJSON *tasks = cJSON_GetObjectItemCaseSensitive(resp->json, "tasks");
        const cJSON *task = cJSON_GetArrayItem(tasks, 0);
        const cJSON *arn = cJSON_GetObjectItemCaseSensitive(task, "taskArn");
        if (cJSON_IsString(arn)) {
            runner_replace_text(&b->task_arn, arn->valuestring);
            runner_replace_text(&b->task_id, runner_task_id_of(arn->valuestring));
            b->launched_at_ms = runner_wall_ms();
            if (!r->first_launch_ms)
                r->first_launch_ms = b->launched_at_ms;
            runner_journal_launched(r, b, false);
            const cJSON *st = cJSON_GetObjectItemCaseSensitive(task, "lastStatus");
            runner_apply_ecs_status(r, i, cJSON_IsString(st) ? st->valuestring : "PROVISIONING");
            if (r->cancelling)
                runner_cancel_task(r, i);
        } else {
            s_on_run_task_failures(r, i, cJSON_GetObjectItemCaseSensitive(resp->json, "failures"));
        }
    } else {
        s_launch_error(r, i, &resp->err);
    }
    s_pump(r);
}

static void s_launch(struct runner *r, size_t i)
{
    struct run_bot *b = &r->bots[i];
    b->attempt++;
    char token[41];
    s_client_token(r, b, token);
    /* The intent reaches the disk before the request leaves: a crash in between is found
     * again by reconciliation, never launched twice. */
    if (runner_journal_intent(r, b, token) != 0) {
        b->attempt--;
        return;
    }
    runner_set_state(r, i, BOT_LAUNCHING);
    struct launch_ctx *ctx = xcalloc(1, sizeof(*ctx));
    ctx->r = r;
    ctx->index = i;
    r->launches_in_flight++;
    aws_call_json_ex(r->session->client, &AWS_SVC_ECS, "RunTask", s_run_task_body(r, b, token),
                     AWS_CALL_NOT_IDEMPOTENT | AWS_CALL_CALLER_PACES, s_on_run_task, ctx);
}

static void s_launch_timer(void *ud)
{
    struct runner *r = ud;
    r->launch_timer = 0;
    s_pump(r);
}

static void s_check_finished(struct runner *r)
{
    if (r->finished || r->reconciling)
        return;
    bool all_final = true;
    bool any_queued = false;
    for (size_t i = 0; i < r->n; i++) {
        all_final &= bot_state_final(r->bots[i].state);
        any_queued |= r->bots[i].state == BOT_QUEUED;
    }
    bool done = all_final;
    if (!done && r->launches_in_flight == 0) {
        size_t alive = runner_alive(r);
        /* --detach: done once every slot holds a confirmed task or nothing is left to
         * launch; a launch refused for good (fatal) ends it too. */
        if (r->cfg.detach && (alive >= (size_t)r->concurrency || !any_queued || r->fatal))
            done = true;
        if ((r->stop_launching || r->fatal) && alive == 0)
            done = true;
        if (r->abandon)
            done = true;
    }
    if (done) {
        r->finished = true;
        if (r->poll_timer) {
            ev_timer_cancel(r->session->loop, r->poll_timer);
            r->poll_timer = 0;
        }
        if (r->launch_timer) {
            ev_timer_cancel(r->session->loop, r->launch_timer);
            r->launch_timer = 0;
        }
        if (r->obs.on_finished)
            r->obs.on_finished(r->obs.ud, r);
    }
}

static void s_pump(struct runner *r)
{
    if (r->finished || !r->started || r->reconciling)
        return;
    uint64_t now = ev_now_ms();
    uint64_t earliest = 0;
    if (!r->paused && !r->stop_launching && !r->fatal) {
        size_t alive = runner_alive(r);
        for (size_t i = 0; i < r->n && alive < (size_t)r->concurrency &&
                           r->launches_in_flight < MAX_LAUNCHES_IN_FLIGHT; i++) {
            struct run_bot *b = &r->bots[i];
            if (b->state != BOT_QUEUED)
                continue;
            if (b->not_before_ms > now) {
                if (!earliest || b->not_before_ms < earliest)
                    earliest = b->not_before_ms;
                continue;
            }
            uint64_t wait = token_bucket_wait_ms(&r->run_task_pace, now);
            if (wait) {
                /* Paced: the next RunTask goes out when the bucket has a token. */
                if (!earliest || now + wait < earliest)
                    earliest = now + wait;
                break;
            }
            token_bucket_take(&r->run_task_pace, now);
            s_launch(r, i);
            if (r->fatal)
                break;
            r->launched_this_session = true;
            alive++;
        }
    }
    if (earliest && r->launch_timer && earliest < r->launch_timer_due) {
        ev_timer_cancel(r->session->loop, r->launch_timer);
        r->launch_timer = 0;
    }
    if (earliest && !r->launch_timer) {
        r->launch_timer_due = earliest;
        r->launch_timer = ev_timer_add(r->session->loop, earliest - now, s_launch_timer, r);
    }
    runner_schedule_poll(r);
    s_check_finished(r);
}

/* ---- life cycle ------------------------------------------------------------------ */

static void s_copy_config(struct runner_cfg_copy *dst, const struct runner_config *src)
{
    dst->journal_path = xstrdup(src->journal_path);
    dst->stack = src->stack ? xstrdup(src->stack) : NULL;
    dst->cluster = xstrdup(src->cluster ? src->cluster : "");
    dst->task_definition = xstrdup(src->task_definition ? src->task_definition : "");
    dst->container = xstrdup(src->container ? src->container : "Container");
    dst->security_group = xstrdup(src->security_group ? src->security_group : "");
    dst->nsubnets = src->nsubnets;
    dst->subnets = xcalloc(src->nsubnets ? src->nsubnets : 1, sizeof(char *));
    for (size_t i = 0; i < src->nsubnets; i++)
        dst->subnets[i] = xstrdup(src->subnets[i]);
    dst->assign_public_ip = src->assign_public_ip;
    dst->table = xstrdup(src->table ? src->table : "");
    dst->log_group = src->log_group ? xstrdup(src->log_group) : NULL;
    dst->log_stream_prefix = src->log_stream_prefix ? xstrdup(src->log_stream_prefix) : NULL;
    dst->log_region = src->log_region && *src->log_region ? xstrdup(src->log_region) : NULL;
    dst->retries = src->retries < 0 ? 0 : src->retries;
    dst->detach = src->detach;
    dst->poll_min_ms = src->poll_min_ms;
    dst->poll_max_ms = src->poll_max_ms;
    dst->launch_backoff_max_ms = src->launch_backoff_max_ms;
    dst->keys_in_command_only = src->keys_in_command_only;
    dst->max_early_failures = src->max_early_failures;
}

static void s_free_config(struct runner_cfg_copy *c)
{
    free(c->journal_path);
    free(c->stack);
    free(c->cluster);
    free(c->task_definition);
    free(c->container);
    free(c->security_group);
    for (size_t i = 0; i < c->nsubnets; i++)
        free(c->subnets[i]);
    free(c->subnets);
    free(c->table);
    free(c->log_group);
    free(c->log_stream_prefix);
    free(c->log_region);
}

static void s_new_run_id(struct runner *r)
{
    unsigned char rnd[6];
    random_fill(rnd, sizeof rnd);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char stamp[32];
    if (strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm) == 0)
        snprintf(stamp, sizeof stamp, "run");
    snprintf(r->run_id, sizeof r->run_id, "%.15s-%02x%02x%02x%02x%02x%02x", stamp, rnd[0], rnd[1],
             rnd[2], rnd[3], rnd[4], rnd[5]);
    /* ≤ 36 characters of [A-Za-z0-9_-]: accepted by every ECS API version. */
    snprintf(r->started_by, sizeof r->started_by, "bcm-%s", r->run_id);
}

/* A resumed run keeps the ceiling an earlier session's vCPU-quota refusal set, unless the
 * operator chose the concurrency for this session (the quota may have been raised). */
static void s_keep_vcpu_ceiling(struct runner *r, const struct runner_config *cfg, int ceiling)
{
    if (ceiling <= 0)
        return;
    r->vcpu_ceiling = ceiling;
    r->vcpu_ceiling_resumed = true;
    if (cfg->concurrency_chosen) {
        if (r->concurrency > ceiling)
            runner_message(r, RUNNER_INFO, "concurrency %d as chosen, above the %d an earlier session of "
                                           "this run was held to by the account's Fargate vCPU quota",
                           r->concurrency, ceiling);
        return;
    }
    if (r->concurrency > ceiling) {
        runner_message(r, RUNNER_WARN, "concurrency kept at %d (not %d): an earlier session of this run was "
                                       "refused a task over the account's Fargate on-demand vCPU quota "
                                       "(journaled); once the quota is raised, choose the concurrency again",
                       ceiling, r->concurrency);
        r->concurrency = ceiling;
    }
}

struct runner *runner_open(struct aws_session *s, const struct runner_config *cfg,
                           const struct runner_target *targets, size_t ntargets,
                           const struct runner_observer *obs, char **error)
{
    struct runner *r = xcalloc(1, sizeof(*r));
    r->session = s;
    r->wake = s_pump;
    s_copy_config(&r->cfg, cfg);
    if (obs)
        r->obs = *obs;
    r->concurrency = cfg->concurrency > 0 ? cfg->concurrency : 1;
    token_bucket_init(&r->run_task_pace, RUNNER_RUNTASK_BURST, RUNNER_RUNTASK_RATE_PER_S, ev_now_ms());
    early_failure_init(&r->early, cfg->max_early_failures == 0 ? EARLY_FAILURE_DEFAULT
                                  : cfg->max_early_failures < 0 ? 0 : cfg->max_early_failures);

    /* Lock first, then read through the same descriptor: reading by path before the
     * lock would let a concurrent --new-run move the journal aside in between, and this
     * run would resume from one file while appending to another. */
    r->journal = journal_open_append(cfg->journal_path, error);
    if (!r->journal) {
        runner_free(r);
        return NULL;
    }
    struct runner_replay rp;
    size_t skipped = 0;
    if (runner_replay_read_locked(r->journal, &rp, &skipped, error) != 0) {
        runner_replay_free(&rp);
        runner_free(r);
        return NULL;
    }
    if (skipped)
        runner_message(r, RUNNER_WARN, "journal %s: %zu damaged line(s) skipped (a crash mid-write)",
                       cfg->journal_path, skipped);
    if (rp.run_id) {
        if (rp.cluster && strcmp(rp.cluster, r->cfg.cluster) != 0) {
            *error = xasprintf("the journal %s belongs to a run on cluster %s, not %s; use another "
                               "--journal for this deployment", cfg->journal_path, rp.cluster, r->cfg.cluster);
            runner_replay_free(&rp);
            runner_free(r);
            return NULL;
        }
        snprintf(r->run_id, sizeof r->run_id, "%s", rp.run_id);
        snprintf(r->started_by, sizeof r->started_by, "%s",
                 rp.started_by ? rp.started_by : "");
        r->bots = rp.bots;
        r->n = rp.n;
        rp.bots = NULL;
        rp.n = 0;
        r->not_run = rp.not_run;
        r->nnot_run = rp.nnot_run;
        rp.not_run = NULL;
        rp.nnot_run = 0;
        r->resumed = true;
        s_keep_vcpu_ceiling(r, cfg, rp.vcpu_ceiling);
    } else {
        s_new_run_id(r);
    }
    runner_replay_free(&rp);

    if (!r->resumed && runner_journal_header(r) != 0) {
        *error = xasprintf("cannot write the journal %s", cfg->journal_path);
        runner_free(r);
        return NULL;
    }
    if (!r->resumed && cfg->nnot_run) {
        r->not_run = xcalloc(cfg->nnot_run, sizeof(*r->not_run));
        for (size_t k = 0; k < cfg->nnot_run; k++) {
            run_not_run_copy(&r->not_run[r->nnot_run++], &cfg->not_run[k]);
            if (runner_journal_not_run(r, &r->not_run[k]) != 0) {
                *error = xasprintf("cannot write the journal %s", cfg->journal_path);
                runner_free(r);
                return NULL;
            }
        }
    }
    for (size_t t = 0; t < ntargets; t++) {
        if (runner_find_bot_by_sk(r, targets[t].pk, targets[t].sk) >= 0)
            continue;
        r->bots = xrealloc(r->bots, (r->n + 1) * sizeof(*r->bots));
        struct run_bot *b = &r->bots[r->n];
        memset(b, 0, sizeof(*b));
        b->pk = xstrdup(targets[t].pk);
        b->sk = xstrdup(targets[t].sk);
        b->bot_id = xstrdup(targets[t].bot_id);
        b->title = xstrdup(targets[t].title ? targets[t].title : "");
        b->exec_id_before = xstrdup(targets[t].last_exec_id ? targets[t].last_exec_id : "");
        b->exit_code = -1;
        b->state = BOT_QUEUED;
        b->queued_at_ms = runner_wall_ms();
        if (runner_journal_bot(r, b) != 0) {
            run_bot_free(b);
            *error = xasprintf("cannot write the journal %s", cfg->journal_path);
            runner_free(r);
            return NULL;
        }
        r->n++;
    }
    return r;
}

void runner_start(struct runner *r)
{
    r->started = true;
    bool unsettled = false;
    for (size_t i = 0; i < r->n; i++)
        unsettled |= !bot_state_final(r->bots[i].state) && r->bots[i].state != BOT_QUEUED;
    if (r->resumed && unsettled) {
        runner_message(r, RUNNER_INFO, "resuming run %s: checking ECS for tasks it already started", r->run_id);
        runner_reconcile(r);
        return;
    }
    if (r->resumed)
        runner_message(r, RUNNER_INFO, "resuming run %s", r->run_id);
    s_pump(r);
}

void runner_cancel_all(struct runner *r)
{
    r->stop_launching = true;
    /* A launch still in flight is stopped as soon as its task is known (runner.c). */
    r->cancelling = true;
    for (size_t i = 0; i < r->n; i++)
        runner_cancel_task(r, i);
}

void runner_free(struct runner *r)
{
    if (!r)
        return;
    early_failure_free(&r->early);
    message_free(&r->early_msg);
    if (r->poll_timer)
        ev_timer_cancel(r->session->loop, r->poll_timer);
    if (r->launch_timer)
        ev_timer_cancel(r->session->loop, r->launch_timer);
    if (r->journal)
        journal_close(r->journal);
    for (size_t i = 0; i < r->n; i++)
        run_bot_free(&r->bots[i]);
    free(r->bots);
    for (size_t i = 0; i < r->nnot_run; i++)
        run_not_run_free(&r->not_run[i]);
    free(r->not_run);
    free(r->durations);
    s_free_config(&r->cfg);
    free(r);
}

cJSON *runner_bot_to_json(const struct run_bot *b)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "bot_id", b->bot_id);
    cJSON_AddStringToObject(o, "pk", b->pk);
    cJSON_AddStringToObject(o, "sk", b->sk);
    cJSON_AddStringToObject(o, "title", b->title ? b->title : "");
    cJSON_AddStringToObject(o, "state", bot_state_name(b->state));
    cJSON_AddNumberToObject(o, "attempt", b->attempt);
    if (b->task_id)
        cJSON_AddStringToObject(o, "task_id", b->task_id);
    if (b->task_arn)
        cJSON_AddStringToObject(o, "task_arn", b->task_arn);
    if (b->reason)
        cJSON_AddStringToObject(o, "reason", b->reason);
    if (b->reason_msg.id != MSG_NONE)
        cJSON_AddItemToObject(o, "reason_message", message_to_json(&b->reason_msg));
    if (b->sync_status)
        cJSON_AddStringToObject(o, "sync_status", b->sync_status);
    if (b->ecs_status)
        cJSON_AddStringToObject(o, "ecs_status", b->ecs_status);
    if (b->stop_code)
        cJSON_AddStringToObject(o, "stop_code", b->stop_code);
    if (b->exit_code >= 0)
        cJSON_AddNumberToObject(o, "exit_code", b->exit_code);
    return o;
}

cJSON *runner_summary_json(const struct runner *r)
{
    struct runner_progress p;
    runner_progress(r, &p);
    size_t counts[BOT_STATE_COUNT];
    runner_counts(r, counts);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "event", "summary");
    cJSON_AddStringToObject(o, "run_id", r->run_id);
    cJSON_AddStringToObject(o, "started_by", r->started_by);
    cJSON_AddStringToObject(o, "journal", r->cfg.journal_path);
    cJSON_AddNumberToObject(o, "total", (double)p.total);
    cJSON *c = cJSON_AddObjectToObject(o, "counts");
    for (int s = 0; s < BOT_STATE_COUNT; s++)
        cJSON_AddNumberToObject(c, bot_state_name((enum bot_state)s), (double)counts[s]);
    cJSON_AddNumberToObject(o, "bots_per_minute", p.bots_per_minute);
    if (p.eta_seconds >= 0)
        cJSON_AddNumberToObject(o, "eta_s", p.eta_seconds);
    cJSON_AddNumberToObject(o, "requests", (double)p.requests);
    cJSON_AddNumberToObject(o, "concurrency", r->concurrency);
    if (r->vcpu_ceiling > 0) {
        cJSON *ceiling = cJSON_AddObjectToObject(o, "concurrency_ceiling");
        cJSON_AddNumberToObject(ceiling, "value", r->vcpu_ceiling);
        cJSON_AddStringToObject(ceiling, "cause", "vcpu_quota");
        cJSON_AddBoolToObject(ceiling, "from_journal", r->vcpu_ceiling_resumed);
    }
    cJSON_AddBoolToObject(o, "finished", r->finished);
    cJSON_AddBoolToObject(o, "fatal", r->fatal);
    cJSON *failed = cJSON_AddArrayToObject(o, "failed");
    for (size_t i = 0; i < r->n; i++)
        if (r->bots[i].state == BOT_FAILED)
            cJSON_AddItemToArray(failed, runner_bot_to_json(&r->bots[i]));
    return o;
}

/* ---- public control --------------------------------------------------------------- */

void runner_set_paused(struct runner *r, bool paused)
{
    if (r->paused == paused)
        return;
    r->paused = paused;
    runner_message(r, RUNNER_INFO, paused ? "launching paused; running tasks are still followed"
                                          : "launching resumed");
    s_pump(r);
}

bool runner_paused(const struct runner *r)
{
    return r->paused;
}

void runner_stop_launching(struct runner *r)
{
    r->stop_launching = true;
    s_pump(r);
}

void runner_leave(struct runner *r)
{
    r->stop_launching = true;
    r->abandon = true;
    s_pump(r);
    if (!r->started && !r->finished) {
        r->finished = true;
        if (r->obs.on_finished)
            r->obs.on_finished(r->obs.ud, r);
    }
}

size_t runner_retry_failed(struct runner *r, size_t index)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++) {
        if ((index == SIZE_MAX || index == i) && r->bots[i].state == BOT_FAILED) {
            runner_requeue(r, i, false);
            n++;
        }
    }
    if (n) {
        r->stop_launching = false;
        if (r->finished) {
            r->finished = false;
        }
        s_pump(r);
    }
    return n;
}

const char *runner_early_stop_cause(const struct runner *r, size_t *count, const char **hint)
{
    if (!r->early_stopped)
        return NULL;
    if (count)
        *count = r->early.cause_count;
    if (hint)
        *hint = early_failure_hint(r->early.cause);
    return r->early.cause;
}

const struct message *runner_early_stop_message(const struct runner *r)
{
    return r->early_stopped && r->early_msg.id != MSG_NONE ? &r->early_msg : NULL;
}

void runner_continue_after_early_stop(struct runner *r)
{
    if (!r->early_stopped)
        return;
    r->early_stopped = false;
    r->early.threshold = 0; /* the operator has seen it: do not ask again in this session */
    r->stop_launching = false;
    if (r->finished)
        r->finished = false;
    s_pump(r);
}

bool runner_finished(const struct runner *r)
{
    return r->finished;
}

bool runner_idle(const struct runner *r)
{
    return r->launches_in_flight == 0 && !r->describe_in_flight && !r->read_in_flight &&
           !r->reconciling && r->stops_in_flight == 0;
}

bool runner_fatal(const struct runner *r)
{
    return r->fatal;
}

const char *runner_run_id(const struct runner *r)
{
    return r->run_id;
}

const struct run_not_run *runner_not_run(const struct runner *r, size_t *n)
{
    *n = r->nnot_run;
    return r->not_run;
}

const char *runner_started_by(const struct runner *r)
{
    return r->started_by;
}

size_t runner_count(const struct runner *r)
{
    return r->n;
}

const struct run_bot *runner_bot(const struct runner *r, size_t i)
{
    return i < r->n ? &r->bots[i] : NULL;
}

void runner_counts(const struct runner *r, size_t counts[BOT_STATE_COUNT])
{
    memset(counts, 0, sizeof(size_t) * BOT_STATE_COUNT);
    for (size_t i = 0; i < r->n; i++)
        counts[r->bots[i].state]++;
}

int runner_concurrency(const struct runner *r)
{
    return r->concurrency;
}

int runner_vcpu_ceiling(const struct runner *r, bool *from_journal)
{
    if (from_journal)
        *from_journal = r->vcpu_ceiling_resumed;
    return r->vcpu_ceiling;
}

void runner_set_concurrency(struct runner *r, int n)
{
    if (n < 1)
        n = 1;
    r->concurrency = n;
    s_pump(r);
}

static int s_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

void runner_progress(const struct runner *r, struct runner_progress *p)
{
    memset(p, 0, sizeof(*p));
    p->total = r->n;
    for (size_t i = 0; i < r->n; i++) {
        enum bot_state s = r->bots[i].state;
        p->done += bot_state_final(s);
        p->succeeded += s == BOT_SUCCEEDED;
        p->failed += s == BOT_FAILED;
        p->alive += bot_state_alive(s);
        p->queued += s == BOT_QUEUED;
    }
    p->median_task_seconds = -1;
    p->eta_seconds = -1;
    if (r->ndurations) {
        double *d = xmalloc(r->ndurations * sizeof(double));
        memcpy(d, r->durations, r->ndurations * sizeof(double));
        qsort(d, r->ndurations, sizeof(double), s_cmp_double);
        p->median_task_seconds = d[r->ndurations / 2];
        free(d);
        double waves = ceil((double)(p->queued + p->alive) / (double)(r->concurrency ? r->concurrency : 1));
        p->eta_seconds = waves * p->median_task_seconds;
    }
    if (r->first_launch_ms && p->done) {
        double minutes = (double)(runner_wall_ms() - r->first_launch_ms) / 60000.0;
        if (minutes > 0)
            p->bots_per_minute = (double)p->done / minutes;
    }
    struct aws_client_stats st;
    aws_client_get_stats(r->session->client, &st);
    p->requests = st.requests;
}
