/* Verdicts per bot from outcome, logged count and rows found; the verification file. */
#include "engine/verify/verification.h"

#include "engine/run/report.h"
#include "util/buf.h"
#include "util/mem.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static const struct {
    const char *name;
    const char *label;
    const char *action;
} VERDICTS[VERDICT_COUNT] = {
    [VERDICT_OK] = {"ok", "ok", "nothing to do"},
    [VERDICT_NO_VECTORS] = {"no_vectors", "no vectors",
                            "the bot will answer without its documents: re-embed it "
                            "(run --new-run --bots ID --yes), then verify again"},
    [VERDICT_COUNT_DIFFERS] = {"count_differs", "count differs",
                               "the rows found differ from the count its task logged: re-embed "
                               "it (run --new-run --bots ID --yes), then verify again"},
    [VERDICT_EMPTY_BY_DESIGN] = {"empty_by_design", "empty by design",
                                 "nothing to do: the bot has no documents to embed"},
    [VERDICT_NOT_SUCCEEDED] = {"not_succeeded", "not succeeded",
                               "its embedding failed or never finished: see its reason and log "
                               "(logs BOT_ID), fix the cause, retry (run --retry-failed --yes)"},
    [VERDICT_ORPHAN_ROWS] = {"orphan_rows", "orphan rows",
                             "vectors of a bot the table no longer has (a deleted bot); they "
                             "change no answer and may be left, or deleted by botid"},
};

const char *verdict_name(enum verdict v)
{
    return v < VERDICT_COUNT ? VERDICTS[v].name : "unknown";
}

const char *verdict_label(enum verdict v)
{
    return v < VERDICT_COUNT ? VERDICTS[v].label : "unknown";
}

const char *verdict_action(enum verdict v)
{
    return v < VERDICT_COUNT ? VERDICTS[v].action : "";
}

bool verdict_is_problem(enum verdict v)
{
    return v == VERDICT_NO_VECTORS || v == VERDICT_COUNT_DIFFERS || v == VERDICT_NOT_SUCCEEDED;
}

static bool s_verdict_from_name(const char *name, enum verdict *out)
{
    for (int i = 0; i < VERDICT_COUNT; i++) {
        if (name && strcmp(name, VERDICTS[i].name) == 0) {
            *out = (enum verdict)i;
            return true;
        }
    }
    return false;
}

enum verdict verification_judge(const struct verify_input *in)
{
    bool empty = !in->has_knowledge || in->no_contents;
    if (!in->succeeded)
        return empty && in->rows == 0 ? VERDICT_EMPTY_BY_DESIGN : VERDICT_NOT_SUCCEEDED;
    if (empty)
        return in->rows == 0 ? VERDICT_EMPTY_BY_DESIGN : VERDICT_COUNT_DIFFERS;
    if (in->rows == 0)
        return VERDICT_NO_VECTORS;
    if (in->logged >= 0 && in->logged != in->rows)
        return VERDICT_COUNT_DIFFERS;
    return VERDICT_OK;
}

static struct verify_row *s_push(struct verification *v)
{
    v->rows = xrealloc(v->rows, (v->nrows + 1) * sizeof(*v->rows));
    struct verify_row *r = &v->rows[v->nrows++];
    memset(r, 0, sizeof(*r));
    return r;
}

static char *s_dup(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

void verification_add(struct verification *v, const struct verify_input *in)
{
    struct verify_row *r = s_push(v);
    r->bot_id = s_dup(in->bot_id);
    r->title = s_dup(in->title ? in->title : "");
    r->outcome = s_dup(in->outcome ? in->outcome : "unknown");
    r->outcome_source = s_dup(in->outcome_source ? in->outcome_source : "dynamodb");
    r->logged = in->logged;
    r->rows = in->rows;
    r->verdict = verification_judge(in);
    v->counts[r->verdict]++;
}

void verification_add_orphan(struct verification *v, const char *bot_id, long long rows)
{
    struct verify_row *r = s_push(v);
    r->bot_id = s_dup(bot_id);
    r->outcome = xstrdup("no bot");
    r->outcome_source = xstrdup("dynamodb");
    r->logged = -1;
    r->rows = rows;
    r->verdict = VERDICT_ORPHAN_ROWS;
    v->counts[VERDICT_ORPHAN_ROWS]++;
}

int verification_exit_code(const struct verification *v)
{
    for (int i = 0; i < VERDICT_COUNT; i++)
        if (verdict_is_problem((enum verdict)i) && v->counts[i])
            return 1;
    return 0;
}

char *verification_ids(const struct verification *v, enum verdict which)
{
    buf_t b = BUF_INIT;
    for (size_t i = 0; i < v->nrows; i++) {
        if (v->rows[i].verdict != which)
            continue;
        if (b.len)
            buf_putc(&b, ',');
        buf_puts(&b, v->rows[i].bot_id);
    }
    if (!b.len) {
        buf_free(&b);
        return NULL;
    }
    return buf_detach(&b);
}

const struct verify_row *verification_find(const struct verification *v, const char *bot_id)
{
    for (size_t i = 0; v && bot_id && i < v->nrows; i++)
        if (v->rows[i].bot_id && strcmp(v->rows[i].bot_id, bot_id) == 0)
            return &v->rows[i];
    return NULL;
}

long long verification_logged_count(const char *line)
{
    static const char MARK[] = "Successfully inserted ";
    const char *p = line ? strstr(line, MARK) : NULL;
    if (!p)
        return -1;
    p += sizeof MARK - 1;
    if (*p < '0' || *p > '9')
        return -1;
    char *end = NULL;
    errno = 0;
    long long n = strtoll(p, &end, 10);
    if (errno || strncmp(end, " record", 7) != 0)
        return -1;
    return n;
}

/* ---- JSON --------------------------------------------------------------------------------- */

static void s_iso8601(uint64_t ms, char out[32])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

struct cJSON *verification_to_json(const struct verification *v)
{
    cJSON *out = cJSON_CreateObject();
    char when[32];
    s_iso8601(v->verified_at_ms, when);
    cJSON_AddStringToObject(out, "verified_at", when);
    cJSON_AddNumberToObject(out, "verified_at_ms", (double)v->verified_at_ms);
    cJSON_AddStringToObject(out, "cluster_arn", v->cluster_arn ? v->cluster_arn : "");
    cJSON_AddStringToObject(out, "database", v->database ? v->database : "postgres");
    cJSON_AddNumberToObject(out, "total_rows", (double)v->total_rows);
    cJSON_AddNumberToObject(out, "database_wake_waits", v->wake_waits);
    cJSON *counts = cJSON_AddObjectToObject(out, "counts");
    for (int i = 0; i < VERDICT_COUNT; i++)
        cJSON_AddNumberToObject(counts, VERDICTS[i].name, (double)v->counts[i]);
    cJSON_AddBoolToObject(out, "all_ok", verification_exit_code(v) == 0);
    cJSON *bots = cJSON_AddArrayToObject(out, "bots");
    for (size_t i = 0; i < v->nrows; i++) {
        const struct verify_row *r = &v->rows[i];
        cJSON *b = cJSON_CreateObject();
        cJSON_AddStringToObject(b, "bot_id", r->bot_id ? r->bot_id : "");
        if (r->title)
            cJSON_AddStringToObject(b, "title", r->title);
        else
            cJSON_AddNullToObject(b, "title");
        cJSON_AddStringToObject(b, "outcome", r->outcome ? r->outcome : "");
        cJSON_AddStringToObject(b, "outcome_source", r->outcome_source ? r->outcome_source : "");
        if (r->logged >= 0)
            cJSON_AddNumberToObject(b, "logged_rows", (double)r->logged);
        else
            cJSON_AddNullToObject(b, "logged_rows");
        cJSON_AddNumberToObject(b, "rows", (double)r->rows);
        cJSON_AddStringToObject(b, "verdict", VERDICTS[r->verdict].name);
        cJSON_AddStringToObject(b, "action", VERDICTS[r->verdict].action);
        cJSON_AddItemToArray(bots, b);
    }
    return out;
}

static const char *s_str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double s_num(const cJSON *o, const char *key, double dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

int verification_from_json(const struct cJSON *doc, struct verification *out)
{
    memset(out, 0, sizeof(*out));
    const cJSON *bots = cJSON_GetObjectItemCaseSensitive(doc, "bots");
    if (!cJSON_IsObject(doc) || !cJSON_IsArray(bots) || !s_str(doc, "cluster_arn"))
        return -1;
    out->cluster_arn = xstrdup(s_str(doc, "cluster_arn"));
    out->database = s_dup(s_str(doc, "database"));
    out->verified_at_ms = (uint64_t)s_num(doc, "verified_at_ms", 0);
    out->total_rows = (long long)s_num(doc, "total_rows", 0);
    out->wake_waits = (int)s_num(doc, "database_wake_waits", 0);
    const cJSON *b;
    cJSON_ArrayForEach(b, bots) {
        enum verdict verdict;
        if (!s_str(b, "bot_id") || !s_verdict_from_name(s_str(b, "verdict"), &verdict))
            continue;
        struct verify_row *r = s_push(out);
        r->bot_id = xstrdup(s_str(b, "bot_id"));
        r->title = s_dup(s_str(b, "title"));
        r->outcome = s_dup(s_str(b, "outcome"));
        r->outcome_source = s_dup(s_str(b, "outcome_source"));
        r->logged = (long long)s_num(b, "logged_rows", -1);
        r->rows = (long long)s_num(b, "rows", 0);
        r->verdict = verdict;
        out->counts[verdict]++;
    }
    return 0;
}

void verification_free(struct verification *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->nrows; i++) {
        free(v->rows[i].bot_id);
        free(v->rows[i].title);
        free(v->rows[i].outcome);
        free(v->rows[i].outcome_source);
    }
    free(v->rows);
    free(v->cluster_arn);
    free(v->database);
    memset(v, 0, sizeof(*v));
}

void verification_attach_to_report(const struct verification *v, struct report *rep)
{
    char when[32];
    s_iso8601(v->verified_at_ms, when);
    for (size_t i = 0; i < v->nrows; i++) {
        const struct verify_row *r = &v->rows[i];
        struct report_check c = {r->bot_id, verdict_name(r->verdict), verdict_label(r->verdict),
                                 verdict_action(r->verdict), r->rows, r->logged,
                                 r->verdict == VERDICT_ORPHAN_ROWS};
        report_add_check(rep, &c, when);
    }
}

/* ---- the file beside the journal ----------------------------------------------------------- */

char *verification_path_for(const char *journal_path)
{
    const char *slash = strrchr(journal_path, '/');
    const char *base = slash ? slash + 1 : journal_path;
    const char *dot = strrchr(base, '.');
    size_t stem = dot && dot != base ? (size_t)(dot - journal_path) : strlen(journal_path);
    return xasprintf("%.*s.verify.json", (int)stem, journal_path);
}

int verification_save(const struct verification *v, const char *path, char **error)
{
    cJSON *doc = verification_to_json(v);
    char *text = cJSON_Print(doc);
    cJSON_Delete(doc);
    buf_t b = BUF_INIT;
    buf_puts(&b, text ? text : "{}");
    buf_putc(&b, '\n');
    cJSON_free(text);
    int rc = report_write_private_file(path, buf_cstr(&b), "verification", error);
    buf_free(&b);
    return rc;
}

int verification_load(const char *path, struct verification *out, char **error)
{
    memset(out, 0, sizeof(*out));
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT)
            return 1;
        *error = xasprintf("cannot read the verification %s: %s", path, strerror(errno));
        return -1;
    }
    buf_t b = BUF_INIT;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len < 64u * 1024 * 1024)
        buf_append(&b, chunk, n);
    fclose(f);
    cJSON *doc = cJSON_ParseWithLength(b.data ? b.data : "", b.len);
    buf_free(&b);
    int rc = doc ? verification_from_json(doc, out) : -1;
    cJSON_Delete(doc);
    if (rc != 0)
        *error = xasprintf("the verification %s is damaged; run `bedrock-chat-migrate verify` again", path);
    return rc;
}
