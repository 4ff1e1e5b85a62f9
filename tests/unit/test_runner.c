/* The runner against a stateful fake of ECS and DynamoDB: concurrency bound, judging by
 * SyncStatus + LastExecId, capacity back-off, fatal refusals, automatic retries of
 * throttling failures, and resume after a crash between RunTask and the journal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "aws/client.h"
#include "aws/credentials.h"
#include "aws/session.h"
#include "engine/run/runner.h"
#include "support/fake_http.h"
#include "util/ev_loop.h"
#include "util/mem.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum fate { FATE_OK, FATE_FAIL, FATE_SILENT, FATE_THROTTLED_ONCE };

struct fake_task {
    char arn[160];
    char id[40];
    char pk[64];
    char sk[160];
    int describes;
};

struct fake_aws {
    struct fake_task tasks[128];
    size_t ntasks;
    int run_task_calls;
    int list_calls;
    int describe_calls;
    int batch_calls;
    int capacity_failures_left;
    int vcpu_slots;             /* >0: RunTask refused (vCPU quota) while this many run */
    bool vcpu_as_error;         /* refused as a 400 error rather than a failures[] entry */
    int vcpu_refusals;
    int resets_left;            /* RunTask: start the task, then lose the reply */
    int stop_calls;
    bool access_denied;
    bool describe_denied;       /* DescribeTasks refused (permission removed mid-run) */
    long run_task_bare_status;  /* RunTask answers this status with no AWS error code */
    long describe_bare_status;  /* DescribeTasks answers this status with no AWS error code */
    int stop_after_describes;
    enum fate (*fate)(const char *sk, int attempt_no);
    int throttled_seen[64];
};

static enum fate s_fate_all_ok(const char *sk, int n)
{
    (void)sk;
    (void)n;
    return FATE_OK;
}

static enum fate s_fate_mixed(const char *sk, int n)
{
    (void)n;
    if (strstr(sk, "BOT#B1"))
        return FATE_FAIL;
    if (strstr(sk, "BOT#B2"))
        return FATE_SILENT;
    return FATE_OK;
}

static enum fate s_fate_throttle_first(const char *sk, int n)
{
    if (strstr(sk, "BOT#B0") && n == 1)
        return FATE_THROTTLED_ONCE;
    return FATE_OK;
}

static int s_tasks_for(const struct fake_aws *f, const char *sk)
{
    int n = 0;
    for (size_t i = 0; i < f->ntasks; i++)
        n += strcmp(f->tasks[i].sk, sk) == 0;
    return n;
}

static struct fake_task *s_task_by_arn(struct fake_aws *f, const char *arn)
{
    for (size_t i = 0; i < f->ntasks; i++)
        if (strcmp(f->tasks[i].arn, arn) == 0)
            return &f->tasks[i];
    return NULL;
}

static struct fake_task *s_latest_for(struct fake_aws *f, const char *sk)
{
    struct fake_task *t = NULL;
    for (size_t i = 0; i < f->ntasks; i++)
        if (strcmp(f->tasks[i].sk, sk) == 0)
            t = &f->tasks[i];
    return t;
}

static struct fake_task *s_add_task(struct fake_aws *f, const char *pk, const char *sk)
{
    struct fake_task *t = &f->tasks[f->ntasks];
    assert_true(f->ntasks < sizeof f->tasks / sizeof *f->tasks);
    assert_true(strlen(pk) < sizeof t->pk && strlen(sk) < sizeof t->sk);
    snprintf(t->id, sizeof t->id, "task%04u", (unsigned)f->ntasks);
    snprintf(t->arn, sizeof t->arn, "arn:aws:ecs:us-east-1:123456789012:task/cluster/task%04u",
             (unsigned)f->ntasks);
    memcpy(t->pk, pk, strlen(pk) + 1);
    memcpy(t->sk, sk, strlen(sk) + 1);
    f->ntasks++;
    return t;
}

static bool s_stopped(const struct fake_aws *f, const struct fake_task *t)
{
    return t->describes >= f->stop_after_describes;
}

static struct fake_routed_reply s_json(long status, cJSON *doc)
{
    struct fake_routed_reply r = {{status, HTTP_OK, NULL, NULL}, NULL};
    char *text = cJSON_PrintUnformatted(doc);
    r.body_owned = xstrdup(text);
    cJSON_free(text);
    cJSON_Delete(doc);
    return r;
}

static struct fake_routed_reply s_route(void *ud, const struct http_request *req)
{
    struct fake_aws *f = ud;
    const char *target = http_request_header(req, "X-Amz-Target");
    cJSON *body = cJSON_Parse(buf_cstr(&req->body));
    cJSON *out = cJSON_CreateObject();
    const char *op = target ? strrchr(target, '.') + 1 : "";

    if (strcmp(op, "RunTask") == 0) {
        f->run_task_calls++;
        if (f->access_denied) {
            cJSON_AddStringToObject(out, "__type", "AccessDeniedException");
            cJSON_AddStringToObject(out, "message", "not authorized to perform ecs:RunTask");
            cJSON_Delete(body);
            return s_json(400, out);
        }
        if (f->run_task_bare_status) {
            cJSON_Delete(body);
            return s_json(f->run_task_bare_status, out); /* "{}": nothing says why */
        }
        if (f->capacity_failures_left > 0) {
            f->capacity_failures_left--;
            cJSON_AddArrayToObject(out, "tasks");
            cJSON *fails = cJSON_AddArrayToObject(out, "failures");
            cJSON *fl = cJSON_CreateObject();
            cJSON_AddStringToObject(fl, "reason", "Capacity is unavailable at this time");
            cJSON_AddItemToArray(fails, fl);
            cJSON_Delete(body);
            return s_json(200, out);
        }
        if (f->vcpu_slots > 0) {
            int running = 0;
            for (size_t k = 0; k < f->ntasks; k++)
                running += !s_stopped(f, &f->tasks[k]);
            if (running >= f->vcpu_slots) {
                static const char msg[] = "You've reached the limit on the number of vCPUs you "
                                          "can run concurrently";
                f->vcpu_refusals++;
                cJSON_Delete(body);
                if (f->vcpu_as_error) {
                    cJSON_AddStringToObject(out, "__type", "ClientException");
                    cJSON_AddStringToObject(out, "message", msg);
                    return s_json(400, out);
                }
                cJSON_AddArrayToObject(out, "tasks");
                cJSON *fl = cJSON_CreateObject();
                cJSON_AddStringToObject(fl, "reason", msg);
                cJSON_AddItemToArray(cJSON_AddArrayToObject(out, "failures"), fl);
                return s_json(200, out);
            }
        }
        const cJSON *cmd = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(
            cJSON_GetObjectItem(body, "overrides"), "containerOverrides"), 0), "command");
        assert_string_equal(cJSON_GetArrayItem(cmd, 0)->valuestring, "-u");
        assert_string_equal(cJSON_GetArrayItem(cmd, 1)->valuestring, "embedding/main.py");
        cJSON *keys = cJSON_Parse(cJSON_GetArrayItem(cmd, 2)->valuestring);
        const char *pk = cJSON_GetObjectItem(cJSON_GetObjectItem(keys, "PK"), "S")->valuestring;
        const char *sk = cJSON_GetObjectItem(cJSON_GetObjectItem(keys, "SK"), "S")->valuestring;
        assert_string_equal(cJSON_GetObjectItem(body, "launchType")->valuestring, "FARGATE");
        const cJSON *vpc = cJSON_GetObjectItem(cJSON_GetObjectItem(body, "networkConfiguration"),
                                               "awsvpcConfiguration");
        assert_string_equal(cJSON_GetObjectItem(vpc, "assignPublicIp")->valuestring, "DISABLED");
        assert_true(strlen(cJSON_GetObjectItem(body, "startedBy")->valuestring) <= 36);
        assert_true(strlen(cJSON_GetObjectItem(body, "clientToken")->valuestring) <= 64);
        struct fake_task *t = s_add_task(f, pk, sk);
        cJSON_Delete(keys);
        if (f->resets_left > 0) {
            f->resets_left--;
            cJSON_Delete(body);
            cJSON_Delete(out);
            struct fake_routed_reply lost = {{0, HTTP_ERR_IO, NULL, NULL}, NULL};
            return lost;
        }
        cJSON *tasks = cJSON_AddArrayToObject(out, "tasks");
        cJSON *task = cJSON_CreateObject();
        cJSON_AddStringToObject(task, "taskArn", t->arn);
        cJSON_AddStringToObject(task, "lastStatus", "PROVISIONING");
        cJSON_AddItemToArray(tasks, task);
        cJSON_AddArrayToObject(out, "failures");
    } else if (strcmp(op, "DescribeTasks") == 0) {
        f->describe_calls++;
        if (f->describe_denied) {
            cJSON_AddStringToObject(out, "__type", "AccessDeniedException");
            cJSON_AddStringToObject(out, "message", "not authorized to perform ecs:DescribeTasks");
            cJSON_Delete(body);
            return s_json(400, out);
        }
        if (f->describe_bare_status) {
            cJSON_Delete(body);
            return s_json(f->describe_bare_status, out);
        }
        assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(body, "tasks")) <= 100);
        cJSON *tasks = cJSON_AddArrayToObject(out, "tasks");
        const cJSON *a;
        cJSON_ArrayForEach(a, cJSON_GetObjectItem(body, "tasks")) {
            struct fake_task *t = s_task_by_arn(f, a->valuestring);
            if (!t)
                continue;
            t->describes++;
            cJSON *task = cJSON_CreateObject();
            cJSON_AddStringToObject(task, "taskArn", t->arn);
            bool stopped = s_stopped(f, t);
            cJSON_AddStringToObject(task, "lastStatus", stopped ? "STOPPED" : "RUNNING");
            /* ECS's own clock (seconds, with a fraction), long before the test's wall clock. */
            double started_at = 1700000000.25 + (double)(t - f->tasks) * 100.0;
            cJSON_AddNumberToObject(task, "startedAt", started_at);
            if (stopped)
                cJSON_AddNumberToObject(task, "stoppedAt", started_at + 42.5);
            char keys[400];
            snprintf(keys, sizeof keys, "{\"PK\": {\"S\": \"%s\"}, \"SK\": {\"S\": \"%s\"}}", t->pk, t->sk);
            cJSON *co = cJSON_CreateObject();
            cJSON *cmd = cJSON_AddArrayToObject(co, "command");
            cJSON_AddItemToArray(cmd, cJSON_CreateString("-u"));
            cJSON_AddItemToArray(cmd, cJSON_CreateString("embedding/main.py"));
            cJSON_AddItemToArray(cmd, cJSON_CreateString(keys));
            cJSON *cos = cJSON_AddArrayToObject(cJSON_AddObjectToObject(task, "overrides"), "containerOverrides");
            cJSON_AddItemToArray(cos, co);
            if (stopped) {
                enum fate fa = f->fate(t->sk, s_tasks_for(f, t->sk));
                cJSON_AddStringToObject(task, "stopCode", "EssentialContainerExited");
                cJSON_AddStringToObject(task, "stoppedReason", "Essential container in task exited");
                cJSON *cs = cJSON_AddArrayToObject(task, "containers");
                cJSON *c = cJSON_CreateObject();
                cJSON_AddStringToObject(c, "name", "Container");
                cJSON_AddNumberToObject(c, "exitCode", fa == FATE_SILENT ? 137 : 0);
                cJSON_AddItemToArray(cs, c);
            }
            cJSON_AddItemToArray(tasks, task);
        }
        cJSON_AddArrayToObject(out, "failures");
    } else if (strcmp(op, "BatchGetItem") == 0) {
        f->batch_calls++;
        cJSON *ask = cJSON_GetObjectItem(cJSON_GetObjectItem(body, "RequestItems"), "T");
        assert_non_null(ask);
        assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(ask, "Keys")) <= 100);
        bool consistent = cJSON_IsTrue(cJSON_GetObjectItem(ask, "ConsistentRead"));
        cJSON *items = cJSON_AddArrayToObject(cJSON_AddObjectToObject(out, "Responses"), "T");
        const cJSON *k;
        cJSON_ArrayForEach(k, cJSON_GetObjectItem(ask, "Keys")) {
            const char *sk = cJSON_GetObjectItem(cJSON_GetObjectItem(k, "SK"), "S")->valuestring;
            const char *pk = cJSON_GetObjectItem(cJSON_GetObjectItem(k, "PK"), "S")->valuestring;
            struct fake_task *t = s_latest_for(f, sk);
            cJSON *item = cJSON_CreateObject();
            cJSON_AddStringToObject(cJSON_AddObjectToObject(item, "PK"), "S", pk);
            cJSON_AddStringToObject(cJSON_AddObjectToObject(item, "SK"), "S", sk);
            if (t) {
                enum fate fa = f->fate(sk, s_tasks_for(f, sk));
                bool stopped = s_stopped(f, t);
                const char *status = "RUNNING", *reason = NULL, *exec = t->id;
                if (stopped && fa == FATE_OK)
                    status = "SUCCEEDED";
                else if (stopped && fa == FATE_FAIL)
                    status = "FAILED", reason = "S3 object not found: manual.pdf";
                else if (stopped && fa == FATE_THROTTLED_ONCE)
                    status = "FAILED", reason = "ThrottlingException: Too many requests, please wait";
                else if (fa == FATE_SILENT)
                    exec = "an-older-task";
                /* A stale (eventually consistent) read would still show RUNNING. */
                if (stopped && !consistent)
                    status = "RUNNING", reason = NULL;
                cJSON_AddStringToObject(cJSON_AddObjectToObject(item, "SyncStatus"), "S", status);
                if (reason)
                    cJSON_AddStringToObject(cJSON_AddObjectToObject(item, "SyncStatusReason"), "S", reason);
                cJSON_AddStringToObject(cJSON_AddObjectToObject(item, "LastExecId"), "S", exec);
            }
            cJSON_AddItemToArray(items, item);
        }
        cJSON_AddObjectToObject(out, "UnprocessedKeys");
    } else if (strcmp(op, "ListTasks") == 0) {
        f->list_calls++;
        cJSON *arns = cJSON_AddArrayToObject(out, "taskArns");
        const char *desired = cJSON_GetObjectItem(body, "desiredStatus")->valuestring;
        for (size_t i = 0; i < f->ntasks; i++) {
            bool stopped = s_stopped(f, &f->tasks[i]);
            if (stopped == (strcmp(desired, "STOPPED") == 0))
                cJSON_AddItemToArray(arns, cJSON_CreateString(f->tasks[i].arn));
        }
    } else if (strcmp(op, "StopTask") == 0) {
        f->stop_calls++;
        struct fake_task *t = s_task_by_arn(f, cJSON_GetObjectItem(body, "task")->valuestring);
        assert_non_null(t);
        t->describes = f->stop_after_describes;
    } else {
        fail_msg("unexpected operation %s", op);
    }
    cJSON_Delete(body);
    return s_json(200, out);
}

struct harness {
    struct ev_loop *loop;
    struct fake_http http;
    struct cred_provider *creds;
    struct aws_session session;
    struct fake_aws aws;
    char dir[64];
    char journal[128];
    int max_alive;
    int concurrency;
    bool finished;
};

static void s_on_state(void *ud, const struct runner *r, size_t i, enum bot_state from, enum bot_state to)
{
    struct harness *h = ud;
    if (getenv("BCM_TEST_VERBOSE"))
        fprintf(stderr, "bot %zu: %s -> %s\n", i, bot_state_name(from), bot_state_name(to));
    size_t counts[BOT_STATE_COUNT];
    runner_counts(r, counts);
    int alive = 0;
    for (int s = 0; s < BOT_STATE_COUNT; s++)
        if (bot_state_alive((enum bot_state)s))
            alive += (int)counts[s];
    if (alive > h->max_alive)
        h->max_alive = alive;
}

/* BCM_TEST_VERBOSE=1 shows the runner's messages when a test needs explaining. */
static void s_on_message(void *ud, const struct runner *r, enum runner_msg_level level, const char *text)
{
    (void)ud;
    (void)r;
    if (getenv("BCM_TEST_VERBOSE"))
        fprintf(stderr, "runner %d: %s\n", (int)level, text);
}

static void s_on_finished(void *ud, const struct runner *r)
{
    struct harness *h = ud;
    (void)r;
    h->finished = true;
}

static void s_harness_init(struct harness *h)
{
    memset(h, 0, sizeof(*h));
    h->loop = ev_loop_new();
    fake_http_init(&h->http, h->loop, NULL, 0);
    h->http.route = s_route;
    h->http.route_ud = &h->aws;
    struct aws_credentials c = {.access_key_id = "AKID", .secret_access_key = "SECRET", .source = "test"};
    h->creds = cred_provider_static(&c);
    struct aws_client_config cfg = {.loop = h->loop, .http = &h->http.base, .creds = h->creds,
                                    .region = "us-east-1"};
    h->session.loop = h->loop;
    h->session.client = aws_client_new(&cfg);
    h->aws.stop_after_describes = 3;
    h->aws.fate = s_fate_all_ok;
    strcpy(h->dir, "/tmp/bcm-runner-XXXXXX");
    assert_non_null(mkdtemp(h->dir));
    snprintf(h->journal, sizeof h->journal, "%s/run.jsonl", h->dir);
}

static void s_harness_free(struct harness *h)
{
    aws_client_free(h->session.client);
    cred_provider_free(h->creds);
    fake_http_cleanup(&h->http);
    ev_loop_free(h->loop);
    unlink(h->journal);
    rmdir(h->dir);
}

static struct runner *s_open_ex(struct harness *h, size_t nbots, int concurrency, int retries, bool detach);

static struct runner *s_open(struct harness *h, size_t nbots, int concurrency, int retries)
{
    return s_open_ex(h, nbots, concurrency, retries, false);
}

static struct runner *s_open_ex(struct harness *h, size_t nbots, int concurrency, int retries, bool detach)
{
    static char pks[16][32], sks[16][80], ids[16][32];
    struct runner_target t[16];
    for (size_t i = 0; i < nbots; i++) {
        snprintf(pks[i], sizeof pks[i], "user%zu", i % 3);
        snprintf(ids[i], sizeof ids[i], "B%zu", i);
        snprintf(sks[i], sizeof sks[i], "%s#BOT#%s", pks[i], ids[i]);
        t[i] = (struct runner_target){pks[i], sks[i], ids[i], "タイトル", NULL};
    }
    static const char *subnets[] = {"subnet-1111", "subnet-2222"};
    struct runner_config cfg = {
        .journal_path = h->journal, .stack = "BedrockChatStack", .cluster = "cluster",
        .task_definition = "EmbeddingTask", .container = "Container", .subnets = subnets,
        .nsubnets = 2, .security_group = "sg-1", .table = "T", .log_group = "/logs",
        .log_stream_prefix = "embed-task", .concurrency = concurrency, .retries = retries,
        .detach = detach, .poll_min_ms = 1, .poll_max_ms = 5, .launch_backoff_max_ms = 10};
    struct runner_observer obs = {s_on_state, s_on_message, s_on_finished, h};
    char *error = NULL;
    struct runner *r = runner_open(&h->session, &cfg, t, nbots, &obs, &error);
    if (!r)
        fail_msg("runner_open: %s", error);
    h->concurrency = concurrency;
    return r;
}

static void test_every_bot_once_within_concurrency(void **state)
{
    (void)state;
    struct harness h;
    s_harness_init(&h);
    struct runner *r = s_open(&h, 7, 2, 0);
    runner_start(r);
    ev_loop_run_until(h.loop, &h.finished);
    size_t counts[BOT_STATE_COUNT];
    runner_counts(r, counts);
    assert_int_equal(counts[BOT_SUCCEEDED], 7);
    assert_int_equal(h.aws.run_task_calls, 7);
    assert_int_equal(h.aws.ntasks, 7);
    assert_true(h.max_alive <= 2);
    assert_int_equal(h.max_alive, 2);
    /* Times come from ECS, not from when the runner happened to look. */
    for (size_t i = 0; i < runner_count(r); i++) {
        const struct run_bot *b = runner_bot(r, i);
        assert_true(b->started_at_ms >= 1700000000250ull);
        assert_int_equal(b->stopped_at_ms - b->started_at_ms, 42500);
    }
    runner_free(r);
    s_harness_free(&h);
}

static void test_judged_by_own_sync_status(void **state)
{
    (void)state;
    struct harness h;
    s_harness_init(&h);
    h.aws.fate = s_fate_mixed;
    struct runner *r = s_open(&h, 4, 4, 2);
    runner_start(r);
    ev_loop_run_until(h.loop, &h.finished);
    const struct run_bot *b1 = runner_bot(r, 1), *b2 = runner_bot(r, 2), *b0 = runner_bot(r, 0);
    assert_int_equal(b0->state, BOT_SUCCEEDED);
    assert_int_equal(b1->state, BOT_FAILED);
    assert_string_equal(b1->reason, "S3 object not found: manual.pdf");
    assert_int_equal(b2->state, BOT_FAILED);
    assert_non_null(strstr(b2->reason, "without writing a SyncStatus"));
    assert_non_null(strstr(b2->reason, "EssentialContainerExited"));
    assert_non_null(strstr(b2->reason, "137"));
    /* Not throttling: no automatic retry. */
    assert_int_equal(h.aws.run_task_calls, 4);
    runner_free(r);
    s_harness_free(&h);
}

static void test_capacity_failures_are_retried_not_failed(void **state)
{
    (void)state;
    struct harness h;
    s_harness_init(&h);
    h.aws.capacity_failures_left = 3;
    struct runner *r = s_open(&h, 2, 2, 0);
    runner_start(r);
    ev_loop_run_until(h.loop, &h.finished);
    size_t counts[BOT_STATE_COUNT];
    runner_counts(r, counts);
    assert_int_equal(counts[BOT_SUCCEEDED], 2);
    assert_int_equal(h.aws.run_task_calls, 5);
    assert_int_equal(h.aws.ntasks, 2);
    runner_free(r);
    s_harness_free(&h);
}

/* Over the account's vCPU quota (2 tasks here, concurrency 4): never a bot failure, never
 * fatal; the ceiling comes down to what runs, and every bot still succeeds. Both forms:
 * a failures[] entry and a 400 error. */
static void s_vcpu_quota_case(bool as_error)
{
    struct harness h;
    s_harness_init(&h);
    h.aws.vcpu_slots = 2;
    h.aws.vcpu_as_error = as_error;
    struct runner *r = s_open(&h, 6, 4, 0);
    runner_start(r);
    ev_loop_run_until(h.loop, &h.finished);
    assert_false(runner_fatal(r));
    size_t counts[BOT_STATE_COUNT];
    runner_counts(r, counts);
    assert_int_equal(counts[BOT_SUCCEEDED], 6);
    assert_int_equal(h.aws.ntasks, 6);
    assert_true(h.aws.vcpu_refusals >= 1);
    assert_true(runner_concurrency(r) <= 2);
    assert_true(runner_concurrency(r) >= 1);
    for (size_t i = 0; i < runner_count(r); i++)
        assert_int_equal(runner_bot(r, i)->attempt, 1);
    runner_free(r);
    s_harness_free(&h);
}

static void test_vcpu_quota_refusal_waits_and_lowers_the_ceiling(void **state)
{
    (void)state;
    s_vcpu_quota_case(false);
    s_vcpu_quota_case(true);
}

static void test_refused_run_task_stops_launching(void **state)
{
    (void)state;
    struct harness h;
    s_harness_init(&h);
    h.aws.access_denied = true;
    struct runner *r = s_open(&h, 5, 3, 0);
    runner_start(r);
    ev_loop_run_until(h.loop, &h.finished);
    assert_true(runner_fatal(r));
    /* The calls already in flight when the first refusal came back, and no more. */
    assert_true(h.aws.run_task_calls <= 3);
    assert_int_equal(h.aws.ntasks, 0);
    size_t counts[BOT_STATE_COUNT];
    runner_counts(r, counts);
    assert_int_equal(counts[BOT_QUEUED], 5);
    runner_free(r);
    s_harness_free(&h);
}

static void test_throttling_failure_retried_automatically(void **state)
{
    (void)state;
    struct harness h;
    s_harness_init(&h);
    h.aws.fate = s_fate_throttle_first;
    struct runner *r = s_open(&h, 2, 2, 1);
    runner_start(r);
    ev_loop_run_until(h.loop, &h.finished);
    assert_int_equal(runner_bot(r, 0)->state, BOT_SUCCEEDED);
    assert_int_equal(runner_bot(r, 0)->attempt, 2);
    assert_int_equal(runner_bot(r, 0)->auto_retries, 1);
    assert_int_equal(h.aws.run_task_calls, 3);
    runner_free(r);
    s_harness_free(&h);
}

static void test_resume_adopts_task_started_before_crash(void **state)
{
    (void)state;
    struct harness h;
    s_harness_init(&h);
    /* A first process journaled the plan and the intent for B0, then died right after
     * RunTask succeeded: the task exists in ECS, the journal has no "launched". */
    struct runner *r = s_open(&h, 3, 3, 0);
    char started_by[64];
    snprintf(started_by, sizeof started_by, "%s", runner_started_by(r));
    runner_free(r);
    FILE *j = fopen(h.journal, "a");
    fprintf(j, "{\"type\":\"intent\",\"bot_id\":\"B0\",\"attempt\":1,\"try\":0,\"client_token\":\"x\",\"at_ms\":1}\n");
    fprintf(j, "{\"type\":\"outcome\",\"bot_id\":\"B1\",\"attempt\":1,\"state\":\"succ");  /* torn */
    fclose(j);
    s_add_task(&h.aws, "user0", "user0#BOT#B0");

    r = s_open(&h, 3, 3, 0);
    assert_string_equal(runner_started_by(r), started_by);
    runner_start(r);
    ev_loop_run_until(h.loop, &h.finished);
    size_t counts[BOT_STATE_COUNT];
    runner_counts(r, counts);
    assert_int_equal(counts[BOT_SUCCEEDED], 3);
    /* B0 was adopted, not launched again: one task per bot in all. */
    assert_int_equal(s_tasks_for(&h.aws, "user0#BOT#B0"), 1);
    assert_int_equal(s_tasks_for(&h.aws, "user1#BOT#B1"), 1);
    assert_int_equal(s_tasks_for(&h.aws, "user2#BOT#B2"), 1);
    assert_int_equal(h.aws.run_task_calls, 2);
    assert_true(h.aws.list_calls >= 2);
    runner_free(r);

    /* A third open finds everything final and launches nothing. */
    h.finished = false;
    r = s_open(&h, 3, 3, 0);
    runner_start(r);
    ev_loop_run_until(h.loop, &h.finished);
    assert_int_equal(h.aws.run_task_calls, 2);
    struct stat st;
    assert_int_equal(stat(h.journal, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    runner_free(r);
    s_harness_free(&h);
}

static void test_manual_retry_makes_a_new_attempt(void **state)
{
    (void)state;
    struct harness h;
    s_harness_init(&h);
    h.aws.fate = s_fate_mixed;
    struct runner *r = s_open(&h, 2, 2, 0);
    runner_start(r);
    ev_loop_run_until(h.loop, &h.finished);
    assert_int_equal(runner_bot(r, 1)->state, BOT_FAILED);
    h.aws.fate = s_fate_all_ok;
    h.finished = false;
    assert_int_equal(runner_retry_failed(r, SIZE_MAX), 1);
    ev_loop_run_until(h.loop, &h.finished);
    assert_int_equal(runner_bot(r, 1)->state, BOT_SUCCEEDED);
    assert_int_equal(runner_bot(r, 1)->attempt, 2);
    assert_int_equal(h.aws.run_task_calls, 3);
    runner_free(r);
    s_harness_free(&h);
}

static void test_lost_reply_reconciles_instead_of_relaunching(void **state)
{
    (void)state;
    struct harness h;
    s_harness_init(&h);
    /* The first two RunTask calls start their task and the reply is lost (a reset):
     * launching again blindly would make a second task for those bots. */
    h.aws.resets_left = 2;
    struct runner *r = s_open(&h, 4, 4, 0);
    runner_start(r);
    ev_loop_run_until(h.loop, &h.finished);
    while (!runner_idle(r))
        ev_loop_run_once(h.loop, 10);
    size_t counts[BOT_STATE_COUNT];
    runner_counts(r, counts);
    assert_int_equal(counts[BOT_SUCCEEDED], 4);
    assert_int_equal(h.aws.ntasks, 4);
    assert_int_equal(h.aws.run_task_calls, 4);
    assert_true(h.aws.list_calls >= 2);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(s_tasks_for(&h.aws, runner_bot(r, i)->sk), 1);
    runner_free(r);
    s_harness_free(&h);
}

static void test_detach_finishes_once_the_slots_are_full(void **state)
{
    (void)state;
    struct harness h;
    s_harness_init(&h);
    h.aws.stop_after_describes = 1000; /* nothing finishes while detaching */
    struct runner *r = s_open_ex(&h, 5, 2, 0, true);
    runner_start(r);
    ev_loop_run_until(h.loop, &h.finished);
    while (!runner_idle(r))
        ev_loop_run_once(h.loop, 10);
    size_t counts[BOT_STATE_COUNT];
    runner_counts(r, counts);
    assert_int_equal(h.aws.run_task_calls, 2);
    assert_int_equal(counts[BOT_QUEUED], 3);
    assert_int_equal(counts[BOT_PROVISIONING] + counts[BOT_PENDING] + counts[BOT_RUNNING], 2);
    runner_free(r);

    /* A resumed detach with every slot still busy leaves at once, launching nothing. */
    h.finished = false;
    r = s_open_ex(&h, 5, 2, 0, true);
    runner_start(r);
    ev_loop_run_until(h.loop, &h.finished);
    while (!runner_idle(r))
        ev_loop_run_once(h.loop, 10);
    assert_int_equal(h.aws.run_task_calls, 2);
    runner_free(r);
    s_harness_free(&h);
}

static void test_journal_view_keeps_the_launch_configuration(void **state)
{
    (void)state;
    struct harness h;
    s_harness_init(&h);
    struct runner *r = s_open(&h, 3, 2, 1);
    runner_start(r);
    ev_loop_run_until(h.loop, &h.finished);
    runner_free(r);

    struct journal_view v;
    char *error = NULL;
    assert_int_equal(journal_view_load(h.journal, &v, &error), 0);
    assert_string_equal(v.cluster, "cluster");
    assert_string_equal(v.task_definition, "EmbeddingTask");
    assert_string_equal(v.table, "T");
    assert_string_equal(v.security_group, "sg-1");
    assert_int_equal(v.nsubnets, 2);
    assert_string_equal(v.subnets[1], "subnet-2222");
    assert_false(v.assign_public_ip);
    assert_int_equal(v.concurrency, 2);
    assert_int_equal(v.retries, 1);
    assert_int_equal(v.nbots, 3);
    for (size_t i = 0; i < v.nbots; i++)
        assert_int_equal(v.bots[i].state, BOT_SUCCEEDED);
    journal_view_free(&v);

    /* A journal without a run record says so (1), so a caller can start afresh. */
    FILE *f = fopen(h.journal, "w");
    fputs("{\"type\":\"ru", f);
    fclose(f);
    assert_int_equal(journal_view_load(h.journal, &v, &error), 1);
    assert_non_null(error);
    free(error);
    s_harness_free(&h);
}

static size_t s_alive(const struct runner *r)
{
    size_t counts[BOT_STATE_COUNT], n = 0;
    runner_counts(r, counts);
    for (int st = 0; st < BOT_STATE_COUNT; st++)
        if (bot_state_alive((enum bot_state)st))
            n += counts[st];
    return n;
}

static void test_cancel_all_stops_the_runs_tasks(void **state)
{
    (void)state;
    struct harness h;
    s_harness_init(&h);
    h.aws.stop_after_describes = 1000;
    struct runner *r = s_open(&h, 4, 2, 0);
    runner_start(r);
    while (s_alive(r) < 2 || !runner_idle(r))
        ev_loop_run_once(h.loop, 10);
    runner_cancel_all(r);
    runner_leave(r);
    ev_loop_run_until(h.loop, &h.finished);
    while (!runner_idle(r))
        ev_loop_run_once(h.loop, 10);
    assert_int_equal(h.aws.stop_calls, 2);
    size_t counts[BOT_STATE_COUNT];
    runner_counts(r, counts);
    assert_int_equal(counts[BOT_CANCELLED], 2);
    assert_int_equal(counts[BOT_QUEUED], 2);
    assert_int_equal(h.aws.run_task_calls, 2);
    runner_free(r);
    s_harness_free(&h);
}

static void test_refused_follow_call_ends_the_run(void **state)
{
    (void)state;
    struct harness h;
    s_harness_init(&h);
    h.aws.describe_denied = true;
    struct runner *r = s_open(&h, 3, 2, 0);
    runner_start(r);
    ev_loop_run_until(h.loop, &h.finished);
    while (!runner_idle(r))
        ev_loop_run_once(h.loop, 10);
    /* No endless "will try again": the run stops, says why, launches nothing more and
     * leaves the tasks it started for a resume. */
    assert_true(runner_fatal(r));
    assert_int_equal(h.aws.describe_calls, 1);
    assert_int_equal(h.aws.run_task_calls, 2);
    assert_int_equal(s_alive(r), 2);
    runner_free(r);
    s_harness_free(&h);
}

/* A 4xx without an AWS error code is a refusal like a coded one. Before one
 * classification, RunTask took it for an unknown outcome and reconciled, then launched
 * again, forever; now it stops launching at once and says why. */
static void test_bare_4xx_refuses_run_task(void **state)
{
    (void)state;
    struct harness h;
    s_harness_init(&h);
    h.aws.run_task_bare_status = 400;
    struct runner *r = s_open(&h, 5, 3, 0);
    runner_start(r);
    /* Bounded: the old behaviour never finishes. */
    for (int k = 0; k < 5000 && !h.finished && h.aws.run_task_calls < 50; k++)
        ev_loop_run_once(h.loop, 10);
    assert_true(h.finished);
    for (int k = 0; k < 5000 && !runner_idle(r); k++)
        ev_loop_run_once(h.loop, 10);
    assert_true(runner_fatal(r));
    assert_true(h.aws.run_task_calls <= 3);
    assert_int_equal(h.aws.list_calls, 0); /* a refusal proves no task: nothing to reconcile */
    size_t counts[BOT_STATE_COUNT];
    runner_counts(r, counts);
    assert_int_equal(counts[BOT_QUEUED], 5);
    runner_free(r);
    s_harness_free(&h);
}

/* The same bare 4xx while following the run: polling used to retry it forever (only
 * 401 and 403 counted); now it ends the run like a coded refusal, tasks left running. */
static void test_bare_4xx_ends_following(void **state)
{
    (void)state;
    struct harness h;
    s_harness_init(&h);
    h.aws.describe_bare_status = 404;
    struct runner *r = s_open(&h, 3, 2, 0);
    runner_start(r);
    /* Bounded: the old behaviour never finishes. */
    for (int k = 0; k < 5000 && !h.finished && h.aws.describe_calls < 50; k++)
        ev_loop_run_once(h.loop, 10);
    assert_true(h.finished);
    for (int k = 0; k < 5000 && !runner_idle(r); k++)
        ev_loop_run_once(h.loop, 10);
    assert_true(runner_fatal(r));
    assert_int_equal(h.aws.describe_calls, 1);
    assert_int_equal(h.aws.run_task_calls, 2);
    assert_int_equal(s_alive(r), 2);
    runner_free(r);
    s_harness_free(&h);
}

/* A throttled or 5xx DescribeTasks is still retried next round, not a refusal. */
static void test_bare_5xx_while_following_is_retried(void **state)
{
    (void)state;
    struct harness h;
    s_harness_init(&h);
    h.aws.describe_bare_status = 501;
    struct runner *r = s_open(&h, 2, 2, 0);
    runner_start(r);
    for (int k = 0; k < 5000 && h.aws.describe_calls < 3; k++)
        ev_loop_run_once(h.loop, 10);
    assert_true(h.aws.describe_calls >= 3);
    assert_false(runner_fatal(r));
    assert_false(h.finished);
    h.aws.describe_bare_status = 0;
    ev_loop_run_until(h.loop, &h.finished);
    size_t counts[BOT_STATE_COUNT];
    runner_counts(r, counts);
    assert_int_equal(counts[BOT_SUCCEEDED], 2);
    runner_free(r);
    s_harness_free(&h);
}

static void test_cancel_all_also_stops_launches_in_flight(void **state)
{
    (void)state;
    struct harness h;
    s_harness_init(&h);
    h.aws.stop_after_describes = 1000;
    struct runner *r = s_open(&h, 4, 2, 0);
    runner_start(r);
    /* Both RunTask calls are sent, neither answered yet. */
    assert_int_equal(h.aws.run_task_calls, 2);
    runner_cancel_all(r);
    runner_leave(r);
    ev_loop_run_until(h.loop, &h.finished);
    while (!runner_idle(r))
        ev_loop_run_once(h.loop, 10);
    assert_int_equal(h.aws.stop_calls, 2);
    size_t counts[BOT_STATE_COUNT];
    runner_counts(r, counts);
    assert_int_equal(counts[BOT_CANCELLED], 2);
    assert_int_equal(s_alive(r), 0);
    runner_free(r);
    s_harness_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_bot_once_within_concurrency),
        cmocka_unit_test(test_judged_by_own_sync_status),
        cmocka_unit_test(test_capacity_failures_are_retried_not_failed),
        cmocka_unit_test(test_vcpu_quota_refusal_waits_and_lowers_the_ceiling),
        cmocka_unit_test(test_refused_run_task_stops_launching),
        cmocka_unit_test(test_throttling_failure_retried_automatically),
        cmocka_unit_test(test_resume_adopts_task_started_before_crash),
        cmocka_unit_test(test_manual_retry_makes_a_new_attempt),
        cmocka_unit_test(test_lost_reply_reconciles_instead_of_relaunching),
        cmocka_unit_test(test_detach_finishes_once_the_slots_are_full),
        cmocka_unit_test(test_journal_view_keeps_the_launch_configuration),
        cmocka_unit_test(test_cancel_all_stops_the_runs_tasks),
        cmocka_unit_test(test_refused_follow_call_ends_the_run),
        cmocka_unit_test(test_cancel_all_also_stops_launches_in_flight),
        cmocka_unit_test(test_bare_4xx_refuses_run_task),
        cmocka_unit_test(test_bare_4xx_ends_following),
        cmocka_unit_test(test_bare_5xx_while_following_is_retried),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
