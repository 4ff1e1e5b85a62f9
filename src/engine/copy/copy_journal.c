#include "engine/copy/copy_journal.h"

#include "engine/run/journal.h"
#include "util/mem.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define COPY_JOURNAL_VERSION 1

static const char *const s_names[COPY_RES_N] = {"secret", "security_group", "cluster", "instance"};
static const char *const s_labels[COPY_RES_N] = {"temporary secret", "temporary security group",
                                                 "temporary cluster", "temporary instance"};

const char *copy_resource_name(enum copy_resource r)
{
    return r < COPY_RES_N ? s_names[r] : "unknown";
}

const char *copy_resource_label(enum copy_resource r)
{
    return r < COPY_RES_N ? s_labels[r] : "resource";
}

char *copy_resource_name_for(enum copy_resource r, const char *run_id)
{
    switch (r) {
    case COPY_RES_SECRET: return xasprintf("bedrock-chat-migrate/copy-%s", run_id);
    case COPY_RES_SECURITY_GROUP: /* the same name as the cluster it serves */
    case COPY_RES_CLUSTER: return xasprintf("bcm-copy-%s", run_id);
    case COPY_RES_INSTANCE: return xasprintf("bcm-copy-%s-1", run_id);
    case COPY_RES_N: break;
    }
    return xstrdup("");
}

char *copy_journal_path_for(const char *run_journal_path)
{
    size_t n = strlen(run_journal_path);
    const char *ext = ".jsonl";
    size_t e = strlen(ext);
    if (n > e && strcmp(run_journal_path + n - e, ext) == 0)
        return xasprintf("%.*s.copy.jsonl", (int)(n - e), run_journal_path);
    return xasprintf("%s.copy.jsonl", run_journal_path);
}

static const char *s_text(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int64_t s_int(const cJSON *o, const char *name, int64_t dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : dflt;
}

static void s_set(char **dst, const char *src)
{
    free(*dst);
    *dst = src ? xstrdup(src) : NULL;
}

static enum copy_resource s_resource(const cJSON *rec)
{
    const char *name = s_text(rec, "resource");
    for (int i = 0; name && i < COPY_RES_N; i++)
        if (strcmp(name, s_names[i]) == 0)
            return (enum copy_resource)i;
    return COPY_RES_N;
}

struct copy_bot_entry *copy_view_bot(struct copy_view *v, const char *bot_id)
{
    for (size_t i = 0; bot_id && i < v->nbots; i++)
        if (strcmp(v->bots[i].bot_id, bot_id) == 0)
            return &v->bots[i];
    return NULL;
}

static void s_view_clear_run(struct copy_view *v)
{
    size_t skipped = v->skipped_lines;
    copy_view_free(v);
    v->skipped_lines = skipped;
}

void copy_view_apply(struct copy_view *v, const cJSON *rec)
{
    const char *type = s_text(rec, "type");
    if (!type)
        return;
    if (strcmp(type, "copy") == 0) {
        /* A journal holds one copy; a new header (after a finished one) starts afresh. */
        s_view_clear_run(v);
        s_set(&v->run_id, s_text(rec, "run_id"));
        s_set(&v->stack, s_text(rec, "stack"));
        s_set(&v->region, s_text(rec, "region"));
        s_set(&v->snapshot_id, s_text(rec, "snapshot_id"));
        s_set(&v->snapshot_arn, s_text(rec, "snapshot_arn"));
        v->snapshot_created_ms = s_int(rec, "snapshot_created_ms", 0);
        s_set(&v->engine, s_text(rec, "engine"));
        s_set(&v->master_username, s_text(rec, "master_username"));
        s_set(&v->subnet_group, s_text(rec, "subnet_group"));
        s_set(&v->vpc, s_text(rec, "vpc"));
        s_set(&v->target_cluster_arn, s_text(rec, "target_cluster_arn"));
        s_set(&v->target_secret_arn, s_text(rec, "target_secret_arn"));
        v->started_ms = s_int(rec, "at_ms", 0);
        return;
    }
    if (!v->run_id)
        return;
    enum copy_resource r = s_resource(rec);
    if (r < COPY_RES_N) {
        struct copy_res *res = &v->res[r];
        if (s_text(rec, "name"))
            s_set(&res->name, s_text(rec, "name"));
        if (strcmp(type, "intent") == 0 && res->state < COPY_RES_INTENDED) {
            res->state = COPY_RES_INTENDED;
        } else if (strcmp(type, "created") == 0) {
            res->state = COPY_RES_CREATED;
            if (s_text(rec, "id"))
                s_set(&res->id, s_text(rec, "id"));
        } else if (strcmp(type, "deleting") == 0) {
            res->state = COPY_RES_DELETING;
        } else if (strcmp(type, "deleted") == 0) {
            res->state = COPY_RES_DELETED;
        }
        return;
    }
    if (strcmp(type, "step") == 0) {
        const char *step = s_text(rec, "step");
        if (!step)
            return;
        if (strcmp(step, "password") == 0)
            v->password_set = true;
        else if (strcmp(step, "data_api") == 0)
            v->data_api_enabled = true;
        else if (strcmp(step, "reindex") == 0)
            v->reindexed = true;
        else if (strcmp(step, "verified") == 0)
            v->verified = true;
        return;
    }
    if (strcmp(type, "finished") == 0) {
        s_set(&v->finished, s_text(rec, "outcome") ? s_text(rec, "outcome") : "finished");
        return;
    }
    const char *bot_id = s_text(rec, "bot_id");
    if (!bot_id)
        return;
    struct copy_bot_entry *b = copy_view_bot(v, bot_id);
    if (strcmp(type, "bot") == 0) {
        if (!b) {
            v->bots = xrealloc(v->bots, (v->nbots + 1) * sizeof(*v->bots));
            b = &v->bots[v->nbots++];
            memset(b, 0, sizeof(*b));
            b->bot_id = xstrdup(bot_id);
            b->rows = -1;
            b->bytes = -1;
        }
        s_set(&b->way, s_text(rec, "way") ? s_text(rec, "way") : "copy");
        s_set(&b->reason, s_text(rec, "reason"));
        b->rows = s_int(rec, "rows", b->rows);
        return;
    }
    if (!b)
        return;
    if (strcmp(type, "bot_intent") == 0) {
        if (b->state != COPY_BOT_COPIED)
            b->state = COPY_BOT_STARTED;
        b->rows = s_int(rec, "rows", b->rows);
        b->started_ms = s_int(rec, "at_ms", 0);
    } else if (strcmp(type, "bot_tx") == 0) {
        s_set(&b->tx_id, s_text(rec, "transaction_id"));
    } else if (strcmp(type, "bot_done") == 0) {
        b->state = COPY_BOT_COPIED;
        s_set(&b->tx_id, NULL);
        b->rows = s_int(rec, "rows", b->rows);
        b->done_ms = s_int(rec, "at_ms", 0);
        b->bytes = s_int(rec, "bytes", -1);
    }
}

struct load_ctx {
    struct copy_view *v;
};

static int s_on_record(void *ud, const cJSON *rec, size_t line)
{
    (void)line;
    struct load_ctx *ctx = ud;
    copy_view_apply(ctx->v, rec);
    return 0;
}

int copy_view_load(const char *path, struct copy_view *v, char **error)
{
    memset(v, 0, sizeof(*v));
    struct load_ctx ctx = {v};
    struct journal_read_stats stats = {0, 0};
    if (journal_read(path, s_on_record, &ctx, &stats, error) != 0) {
        copy_view_free(v);
        return -1;
    }
    v->skipped_lines = stats.skipped_lines;
    return 0;
}

void copy_view_free(struct copy_view *v)
{
    free(v->run_id);
    free(v->stack);
    free(v->region);
    free(v->snapshot_id);
    free(v->snapshot_arn);
    free(v->engine);
    free(v->master_username);
    free(v->subnet_group);
    free(v->vpc);
    free(v->target_cluster_arn);
    free(v->target_secret_arn);
    free(v->finished);
    for (int i = 0; i < COPY_RES_N; i++) {
        free(v->res[i].name);
        free(v->res[i].id);
    }
    for (size_t i = 0; i < v->nbots; i++) {
        free(v->bots[i].bot_id);
        free(v->bots[i].way);
        free(v->bots[i].reason);
        free(v->bots[i].tx_id);
    }
    free(v->bots);
    memset(v, 0, sizeof(*v));
}

static int64_t s_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int copy_journal_write(struct journal *j, struct copy_view *v, cJSON *rec, char **error)
{
    cJSON_AddNumberToObject(rec, "at_ms", (double)s_wall_ms());
    int rc = journal_append(j, rec, error);
    if (rc == 0)
        copy_view_apply(v, rec);
    cJSON_Delete(rec);
    return rc;
}

cJSON *copy_rec_resource(const char *type, enum copy_resource r, const char *name, const char *id)
{
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "type", type);
    cJSON_AddStringToObject(rec, "resource", copy_resource_name(r));
    if (name)
        cJSON_AddStringToObject(rec, "name", name);
    if (id)
        cJSON_AddStringToObject(rec, "id", id);
    return rec;
}

cJSON *copy_rec_header(const struct copy_header *h)
{
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "type", "copy");
    cJSON_AddNumberToObject(rec, "version", COPY_JOURNAL_VERSION);
    const struct {
        const char *name;
        const char *value;
    } fields[] = {
        {"run_id", h->run_id}, {"stack", h->stack}, {"region", h->region},
        {"snapshot_id", h->snapshot_id}, {"snapshot_arn", h->snapshot_arn},
        {"engine", h->engine}, {"master_username", h->master_username},
        {"subnet_group", h->subnet_group}, {"vpc", h->vpc},
        {"target_cluster_arn", h->target_cluster_arn}, {"target_secret_arn", h->target_secret_arn},
    };
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        cJSON_AddStringToObject(rec, fields[i].name, fields[i].value ? fields[i].value : "");
    cJSON_AddNumberToObject(rec, "snapshot_created_ms", (double)h->snapshot_created_ms);
    return rec;
}

cJSON *copy_rec_step(const char *step)
{
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "type", "step");
    cJSON_AddStringToObject(rec, "step", step);
    return rec;
}

cJSON *copy_rec_bot(const char *type, const char *bot_id, const char *way, const char *reason,
                    int64_t rows)
{
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "type", type);
    cJSON_AddStringToObject(rec, "bot_id", bot_id);
    if (way)
        cJSON_AddStringToObject(rec, "way", way);
    if (reason)
        cJSON_AddStringToObject(rec, "reason", reason);
    if (rows >= 0)
        cJSON_AddNumberToObject(rec, "rows", (double)rows);
    return rec;
}

cJSON *copy_rec_bot_tx(const char *bot_id, const char *transaction_id)
{
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "type", "bot_tx");
    cJSON_AddStringToObject(rec, "bot_id", bot_id);
    cJSON_AddStringToObject(rec, "transaction_id", transaction_id);
    return rec;
}

cJSON *copy_rec_finished(const char *outcome)
{
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "type", "finished");
    cJSON_AddStringToObject(rec, "outcome", outcome);
    return rec;
}

bool copy_view_measured_rate(const struct copy_view *v, double *rows_per_s, double *bytes_per_s,
                             int64_t *rows)
{
    int64_t n = 0, bytes = 0, ms = 0, bytes_ms = 0;
    for (size_t i = 0; v && i < v->nbots; i++) {
        const struct copy_bot_entry *b = &v->bots[i];
        if (b->state != COPY_BOT_COPIED || b->rows <= 0 || b->started_ms <= 0 ||
            b->done_ms <= b->started_ms)
            continue;
        n += b->rows;
        ms += b->done_ms - b->started_ms;
        if (b->bytes >= 0) {
            bytes += b->bytes;
            bytes_ms += b->done_ms - b->started_ms;
        }
    }
    *rows_per_s = ms > 0 ? (double)n * 1000.0 / (double)ms : 0;
    *bytes_per_s = bytes_ms > 0 ? (double)bytes * 1000.0 / (double)bytes_ms : 0;
    *rows = n;
    return ms > 0;
}
