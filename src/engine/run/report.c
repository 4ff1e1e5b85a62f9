/* The run report: a snapshot of a run's bots rendered as Markdown and JSON and written
 * beside the journal. */
#include "engine/run/report.h"

#include "util/buf.h"
#include "util/mem.h"
#include "util/sanitize.h"
#include "util/textwidth.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define REPORT_VERSION 1
/* A title longer than this says nothing more in a table cell. */
#define REPORT_TITLE_COLUMNS 60
#define REPORT_REASON_COLUMNS 160

static char *s_dup(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static uint64_t s_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

struct report *report_new(const struct report_context *ctx, const char *run_id,
                          const char *started_by, const struct run_bot *bots, size_t nbots)
{
    struct report *rep = xcalloc(1, sizeof(*rep));
    rep->run_id = xstrdup(run_id ? run_id : "");
    rep->started_by = xstrdup(started_by ? started_by : "");
    rep->stack = s_dup(ctx->stack);
    rep->region = s_dup(ctx->region);
    rep->account = s_dup(ctx->account);
    rep->journal_path = s_dup(ctx->journal_path);
    rep->demo = ctx->demo;
    rep->cost_low_usd = ctx->cost_low_usd;
    rep->cost_high_usd = ctx->cost_high_usd;
    rep->generated_at_ms = ctx->generated_at_ms ? ctx->generated_at_ms : s_wall_ms();
    rep->bots = xcalloc(nbots ? nbots : 1, sizeof(*rep->bots));
    rep->nbots = nbots;
    for (size_t i = 0; i < nbots; i++) {
        run_bot_copy(&rep->bots[i], &bots[i]);
        if (bots[i].state < BOT_STATE_COUNT)
            rep->counts[bots[i].state]++;
    }
    return rep;
}

struct report *report_from_runner(const struct report_context *ctx, const struct runner *r)
{
    size_t n = runner_count(r);
    struct run_bot *view = xcalloc(n ? n : 1, sizeof(*view));
    for (size_t i = 0; i < n; i++)
        view[i] = *runner_bot(r, i); /* shallow: report_new copies */
    struct report *rep = report_new(ctx, runner_run_id(r), runner_started_by(r), view, n);
    free(view);
    size_t nn = 0;
    const struct run_not_run *not_run = runner_not_run(r, &nn);
    for (size_t i = 0; i < nn; i++)
        report_add_not_run(rep, &not_run[i]);
    return rep;
}

struct report *report_from_journal(const struct report_context *ctx, const struct journal_view *v)
{
    struct report_context c = *ctx;
    if (!c.stack && v->stack && *v->stack)
        c.stack = v->stack;
    struct report *rep = report_new(&c, v->run_id, v->started_by, v->bots, v->nbots);
    for (size_t i = 0; i < v->nnot_run; i++)
        report_add_not_run(rep, &v->not_run[i]);
    return rep;
}

void report_add_not_run(struct report *rep, const struct run_not_run *nr)
{
    rep->not_run = xrealloc(rep->not_run, (rep->nnot_run + 1) * sizeof(*rep->not_run));
    run_not_run_copy(&rep->not_run[rep->nnot_run++], nr);
}

void report_add_check(struct report *rep, const struct report_check *c, const char *verified_at)
{
    if (!rep->verified_at)
        rep->verified_at = xstrdup(verified_at ? verified_at : "");
    rep->checks = xrealloc(rep->checks, (rep->nchecks + 1) * sizeof(*rep->checks));
    struct report_check_copy *k = &rep->checks[rep->nchecks++];
    k->bot_id = xstrdup(c->bot_id ? c->bot_id : "");
    k->verdict = xstrdup(c->verdict ? c->verdict : "");
    k->verdict_label = xstrdup(c->verdict_label ? c->verdict_label : "");
    k->action = xstrdup(c->action ? c->action : "");
    k->rows = c->rows;
    k->logged = c->logged;
    k->orphan = c->orphan;
}

static const struct report_check_copy *s_check_of(const struct report *rep, const char *bot_id)
{
    for (size_t i = 0; bot_id && i < rep->nchecks; i++)
        if (!rep->checks[i].orphan && strcmp(rep->checks[i].bot_id, bot_id) == 0)
            return &rep->checks[i];
    return NULL;
}

void report_free(struct report *rep)
{
    if (!rep)
        return;
    for (size_t i = 0; i < rep->nchecks; i++) {
        free(rep->checks[i].bot_id);
        free(rep->checks[i].verdict);
        free(rep->checks[i].verdict_label);
        free(rep->checks[i].action);
    }
    free(rep->checks);
    for (size_t i = 0; i < rep->nnot_run; i++)
        run_not_run_free(&rep->not_run[i]);
    free(rep->not_run);
    free(rep->verified_at);
    for (size_t i = 0; i < rep->nbots; i++)
        run_bot_free(&rep->bots[i]);
    free(rep->bots);
    free(rep->run_id);
    free(rep->started_by);
    free(rep->stack);
    free(rep->region);
    free(rep->account);
    free(rep->journal_path);
    free(rep->costs);
    free(rep);
}

void report_set_cost(struct report *rep, const char *bot_id, double estimate_lo,
                     double estimate_hi, double actual)
{
    for (size_t i = 0; bot_id && i < rep->nbots; i++) {
        if (!rep->bots[i].bot_id || strcmp(rep->bots[i].bot_id, bot_id) != 0)
            continue;
        if (!rep->costs)
            rep->costs = xcalloc(rep->nbots, sizeof *rep->costs);
        rep->costs[i] = (struct report_cost){true, estimate_lo, estimate_hi, actual};
        return;
    }
}

/* Over the bots with both figures: Σ estimate low/high and Σ actual; n of them. */
static size_t s_cost_totals(const struct report *rep, double *lo, double *hi, double *actual)
{
    *lo = *hi = *actual = 0;
    size_t n = 0;
    for (size_t i = 0; rep->costs && i < rep->nbots; i++) {
        const struct report_cost *c = &rep->costs[i];
        if (!c->known || c->actual < 0 || c->estimate_lo < 0 || c->estimate_hi < 0)
            continue;
        *lo += c->estimate_lo;
        *hi += c->estimate_hi;
        *actual += c->actual;
        n++;
    }
    return n;
}

bool report_all_succeeded(const struct report *rep)
{
    for (size_t i = 0; i < rep->nbots; i++)
        if (rep->bots[i].state != BOT_SUCCEEDED && rep->bots[i].state != BOT_SKIPPED)
            return false;
    return true;
}

double report_bot_duration_seconds(const struct run_bot *b)
{
    if (!b->launched_at_ms || !b->stopped_at_ms || b->stopped_at_ms < b->launched_at_ms)
        return -1;
    return (double)(b->stopped_at_ms - b->launched_at_ms) / 1000.0;
}

static void s_iso8601(uint64_t ms, char out[32])
{
    time_t t = (time_t)(ms / 1000u);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- JSON ------------------------------------------------------------------------------ */

static void s_add_string_or_null(cJSON *o, const char *name, const char *value)
{
    if (value)
        cJSON_AddStringToObject(o, name, value);
    else
        cJSON_AddNullToObject(o, name);
}

static cJSON *s_check_json(const struct report_check_copy *k)
{
    cJSON *v = cJSON_CreateObject();
    if (k->orphan)
        cJSON_AddStringToObject(v, "bot_id", k->bot_id);
    cJSON_AddStringToObject(v, "verdict", k->verdict);
    cJSON_AddNumberToObject(v, "rows", (double)k->rows);
    if (k->logged >= 0)
        cJSON_AddNumberToObject(v, "logged_rows", (double)k->logged);
    else
        cJSON_AddNullToObject(v, "logged_rows");
    cJSON_AddStringToObject(v, "action", k->action);
    return v;
}

cJSON *report_to_json(const struct report *rep)
{
    char when[32];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "report_version", REPORT_VERSION);
    cJSON_AddStringToObject(o, "run_id", rep->run_id);
    cJSON_AddStringToObject(o, "started_by", rep->started_by);
    s_add_string_or_null(o, "stack", rep->stack);
    s_add_string_or_null(o, "region", rep->region);
    s_add_string_or_null(o, "account", rep->account);
    s_add_string_or_null(o, "journal", rep->journal_path);
    cJSON_AddBoolToObject(o, "demo", rep->demo);
    s_iso8601(rep->generated_at_ms, when);
    cJSON_AddStringToObject(o, "generated_at", when);
    cJSON_AddNumberToObject(o, "total", (double)rep->nbots);
    cJSON *counts = cJSON_AddObjectToObject(o, "counts");
    for (int s = 0; s < BOT_STATE_COUNT; s++)
        cJSON_AddNumberToObject(counts, bot_state_name((enum bot_state)s), (double)rep->counts[s]);
    cJSON_AddBoolToObject(o, "all_succeeded", report_all_succeeded(rep));
    if (rep->cost_low_usd >= 0 && rep->cost_high_usd >= 0) {
        cJSON *cost = cJSON_AddObjectToObject(o, "estimated_cost_usd");
        cJSON_AddNumberToObject(cost, "low", rep->cost_low_usd);
        cJSON_AddNumberToObject(cost, "high", rep->cost_high_usd);
    } else {
        cJSON_AddNullToObject(o, "estimated_cost_usd");
    }
    cJSON *bots = cJSON_AddArrayToObject(o, "bots");
    for (size_t i = 0; i < rep->nbots; i++) {
        const struct run_bot *b = &rep->bots[i];
        cJSON *jb = runner_bot_to_json(b);
        if (b->stopped_reason && !cJSON_GetObjectItemCaseSensitive(jb, "stopped_reason"))
            cJSON_AddStringToObject(jb, "stopped_reason", b->stopped_reason);
        if (b->launched_at_ms) {
            s_iso8601(b->launched_at_ms, when);
            cJSON_AddStringToObject(jb, "launched_at", when);
        }
        if (b->stopped_at_ms) {
            s_iso8601(b->stopped_at_ms, when);
            cJSON_AddStringToObject(jb, "stopped_at", when);
        }
        double d = report_bot_duration_seconds(b);
        if (d >= 0)
            cJSON_AddNumberToObject(jb, "duration_seconds", d);
        if (rep->costs && rep->costs[i].known) {
            const struct report_cost *c = &rep->costs[i];
            cJSON *e = cJSON_AddObjectToObject(jb, "estimate_usd");
            if (c->estimate_lo >= 0 && c->estimate_hi >= 0) {
                cJSON_AddNumberToObject(e, "low", c->estimate_lo);
                cJSON_AddNumberToObject(e, "high", c->estimate_hi);
            } else {
                cJSON_AddNullToObject(e, "low");
                cJSON_AddNullToObject(e, "high");
            }
            if (c->actual >= 0)
                cJSON_AddNumberToObject(jb, "actual_usd", c->actual);
            else
                cJSON_AddNullToObject(jb, "actual_usd");
        }
        const struct report_check_copy *k = s_check_of(rep, b->bot_id);
        if (k)
            cJSON_AddItemToObject(jb, "verification", s_check_json(k));
        cJSON_AddItemToArray(bots, jb);
    }
    cJSON *not_run = cJSON_AddArrayToObject(o, "not_run");
    for (size_t i = 0; i < rep->nnot_run; i++) {
        const struct run_not_run *nr = &rep->not_run[i];
        cJSON *jn = cJSON_CreateObject();
        cJSON_AddStringToObject(jn, "bot_id", nr->bot_id);
        cJSON_AddStringToObject(jn, "pk", nr->pk);
        cJSON_AddStringToObject(jn, "title", nr->title);
        cJSON_AddStringToObject(jn, "reason", nr->reason);
        cJSON_AddItemToArray(not_run, jn);
    }
    if (rep->verified_at) {
        cJSON *v = cJSON_AddObjectToObject(o, "verification");
        cJSON_AddStringToObject(v, "verified_at", rep->verified_at);
        cJSON *orphans = cJSON_AddArrayToObject(v, "orphan_rows");
        for (size_t i = 0; i < rep->nchecks; i++)
            if (rep->checks[i].orphan)
                cJSON_AddItemToArray(orphans, s_check_json(&rep->checks[i]));
    } else {
        cJSON_AddNullToObject(o, "verification");
    }
    double lo, hi, actual;
    size_t n = s_cost_totals(rep, &lo, &hi, &actual);
    if (n) {
        cJSON *t = cJSON_AddObjectToObject(o, "estimate_vs_actual");
        cJSON_AddNumberToObject(t, "bots", (double)n);
        cJSON_AddNumberToObject(t, "estimate_low_usd", lo);
        cJSON_AddNumberToObject(t, "estimate_high_usd", hi);
        cJSON_AddNumberToObject(t, "actual_usd", actual);
    } else {
        cJSON_AddNullToObject(o, "estimate_vs_actual");
    }
    return o;
}

/* ---- Markdown ---------------------------------------------------------------------------- */

/* Untrusted text into one table cell: inert for a terminal that `cat`s the file (sanitised),
 * inert for a Markdown renderer (metacharacters escaped, HTML entities), cut by width. */
static void s_md_cell(buf_t *out, const char *raw, size_t columns)
{
    if (!raw || !*raw) {
        buf_puts(out, "—");
        return;
    }
    char *safe = sanitize_for_terminal(raw, strlen(raw), 4096);
    char *cut = text_truncate(safe, columns);
    for (const char *p = cut; *p; p++) {
        switch (*p) {
        case '<': buf_puts(out, "&lt;"); break;
        case '>': buf_puts(out, "&gt;"); break;
        case '&': buf_puts(out, "&amp;"); break;
        case '\\': case '|': case '`': case '*': case '_': case '[': case ']': case '~':
        case '#': case '!':
            buf_putc(out, '\\');
            buf_putc(out, *p);
            break;
        default:
            buf_putc(out, *p);
        }
    }
    free(cut);
    free(safe);
}

/* Identifiers we made or AWS made (ids, ARNs, paths) go in code spans; sanitised, and a
 * backtick inside cannot close the span early because it is replaced. */
static void s_md_code(buf_t *out, const char *raw)
{
    if (!raw || !*raw) {
        buf_puts(out, "—");
        return;
    }
    char *safe = sanitize_for_terminal(raw, strlen(raw), 4096);
    buf_putc(out, '`');
    for (const char *p = safe; *p; p++)
        buf_putc(out, *p == '`' ? '\'' : *p);
    buf_putc(out, '`');
    free(safe);
}

static void s_md_duration(buf_t *out, double seconds)
{
    if (seconds < 0) {
        buf_puts(out, "—");
        return;
    }
    long s = (long)(seconds + 0.5);
    if (s >= 3600)
        buf_printf(out, "%ldh %02ldm %02lds", s / 3600, (s / 60) % 60, s % 60);
    else if (s >= 60)
        buf_printf(out, "%ldm %02lds", s / 60, s % 60);
    else
        buf_printf(out, "%lds", s);
}

static const char *s_reason_of(const struct run_bot *b)
{
    if (b->reason && *b->reason)
        return b->reason;
    if (b->state == BOT_FAILED && b->stopped_reason && *b->stopped_reason)
        return b->stopped_reason;
    return NULL;
}

static void s_md_header(buf_t *md, const struct report *rep)
{
    char when[32];
    s_iso8601(rep->generated_at_ms, when);
    buf_puts(md, "# Bedrock Chat migration report\n\n");
    if (rep->demo)
        buf_puts(md, "> **DEMO** — local emulator, no real AWS: nothing here touched an AWS account.\n\n");
    buf_puts(md, "| | |\n|---|---|\n");
    buf_puts(md, "| Run | ");
    s_md_code(md, rep->run_id);
    buf_puts(md, " |\n| ECS startedBy | ");
    s_md_code(md, rep->started_by);
    buf_puts(md, " |\n| Stack | ");
    s_md_cell(md, rep->stack, 128);
    buf_puts(md, " |\n| Region | ");
    s_md_cell(md, rep->region, 64);
    if (rep->account) {
        buf_puts(md, " |\n| Account | ");
        s_md_code(md, rep->account);
    }
    buf_puts(md, " |\n| Journal | ");
    s_md_code(md, rep->journal_path);
    buf_printf(md, " |\n| Generated | %s |\n", when);
    if (rep->cost_low_usd >= 0 && rep->cost_high_usd >= 0)
        buf_printf(md, "| Estimated cost | $%.2f – $%.2f (the plan's range, not a bill) |\n",
                   rep->cost_low_usd, rep->cost_high_usd);
    buf_putc(md, '\n');
}

static void s_md_counts(buf_t *md, const struct report *rep)
{
    buf_printf(md, "## Result\n\n%zu bot(s): %zu succeeded, %zu failed", rep->nbots,
               rep->counts[BOT_SUCCEEDED], rep->counts[BOT_FAILED]);
    for (int s = 0; s < BOT_STATE_COUNT; s++) {
        if (s == BOT_SUCCEEDED || s == BOT_FAILED || !rep->counts[s])
            continue;
        buf_printf(md, ", %zu %s", rep->counts[s], bot_state_name((enum bot_state)s));
    }
    buf_puts(md, ".\n\n");
    size_t unfinished = 0;
    for (size_t i = 0; i < rep->nbots; i++)
        unfinished += !bot_state_final(rep->bots[i].state);
    if (unfinished)
        buf_printf(md, "%zu bot(s) were not finished when this report was written: their tasks "
                       "keep running in ECS; resume the run to follow them to the end.\n\n",
                   unfinished);
}

static void s_md_table(buf_t *md, const struct report *rep)
{
    bool verified = rep->verified_at != NULL;
    buf_puts(md, "## Bots\n\n| Bot | Title | Owner | State | Attempts | Task | Duration | Reason |");
    buf_puts(md, verified ? " Vectors | Logged | Verdict |\n" : "\n");
    buf_puts(md, "|---|---|---|---|---:|---|---:|---|");
    buf_puts(md, verified ? "---:|---:|---|\n" : "\n");
    for (size_t i = 0; i < rep->nbots; i++) {
        const struct run_bot *b = &rep->bots[i];
        buf_puts(md, "| ");
        s_md_code(md, b->bot_id);
        buf_puts(md, " | ");
        s_md_cell(md, b->title, REPORT_TITLE_COLUMNS);
        buf_puts(md, " | ");
        s_md_code(md, b->pk);
        buf_printf(md, " | %s | %d | ", bot_state_name(b->state), b->attempt);
        s_md_code(md, b->task_id);
        buf_puts(md, " | ");
        s_md_duration(md, report_bot_duration_seconds(b));
        buf_puts(md, " | ");
        s_md_cell(md, s_reason_of(b), REPORT_REASON_COLUMNS);
        if (verified) {
            const struct report_check_copy *k = s_check_of(rep, b->bot_id);
            if (k && k->logged >= 0)
                buf_printf(md, " | %lld | %lld | %s", k->rows, k->logged, k->verdict_label);
            else if (k)
                buf_printf(md, " | %lld | — | %s", k->rows, k->verdict_label);
            else
                buf_puts(md, " | — | — | not verified");
        }
        buf_puts(md, " |\n");
    }
    buf_putc(md, '\n');
}

/* Bots the run left out on purpose: listed with why, so the report accounts for every bot. */
static void s_md_not_run(buf_t *md, const struct report *rep)
{
    if (!rep->nnot_run)
        return;
    buf_printf(md, "## Not run\n\n%zu bot(s) of the table were left out on purpose: no embedding task "
                   "was launched for them.\n\n| Bot | Title | Owner | Why |\n|---|---|---|---|\n",
               rep->nnot_run);
    for (size_t i = 0; i < rep->nnot_run; i++) {
        const struct run_not_run *nr = &rep->not_run[i];
        buf_puts(md, "| ");
        s_md_code(md, nr->bot_id);
        buf_puts(md, " | ");
        s_md_cell(md, nr->title, REPORT_TITLE_COLUMNS);
        buf_puts(md, " | ");
        s_md_code(md, nr->pk);
        buf_puts(md, " | ");
        s_md_cell(md, nr->reason, REPORT_REASON_COLUMNS);
        buf_puts(md, " |\n");
    }
    buf_putc(md, '\n');
}

static void s_md_verification(buf_t *md, const struct report *rep)
{
    if (!rep->verified_at)
        return;
    buf_printf(md, "## Verification\n\nVectors counted in the new Aurora cluster at %s (rows per "
                   "bot over the RDS Data API; this counts rows, it does not judge answers).\n\n",
                   rep->verified_at);
    bool any = false;
    for (size_t i = 0; i < rep->nchecks; i++) {
        const struct report_check_copy *k = &rep->checks[i];
        if (strcmp(k->verdict, "ok") == 0)
            continue;
        any = true;
        buf_puts(md, "- ");
        s_md_code(md, k->bot_id);
        buf_printf(md, ": %s, %lld row(s) — ", k->verdict_label, k->rows);
        s_md_cell(md, k->action, 400);
        buf_putc(md, '\n');
    }
    if (!any)
        buf_puts(md, "Every bot has the vectors its task wrote.\n");
    buf_putc(md, '\n');
}

static void s_md_next_steps(buf_t *md, const struct report *rep)
{
    buf_puts(md, "## Next steps\n\n");
    buf_puts(md, "1. Check the result in the app: open a bot that has documents (a RAG bot) in "
                 "Bedrock Chat and ask a question only its documents can answer; the reply should "
                 "use them.\n");
    if (rep->counts[BOT_FAILED] || rep->counts[BOT_CANCELLED]) {
        buf_puts(md, "2. Read why a bot failed: `bedrock-chat-migrate logs BOT_ID` shows its task's "
                     "log; `bedrock-chat-migrate status` lists the run's bots.\n");
        buf_puts(md, "3. Retry the failed bots (a new task each, the others are left alone): "
                     "`bedrock-chat-migrate run --retry-failed --yes`");
        if (rep->journal_path) {
            buf_puts(md, " (with `--journal ");
            char *safe = sanitize_for_terminal(rep->journal_path, strlen(rep->journal_path), 4096);
            for (const char *p = safe; *p; p++)
                buf_putc(md, *p == '`' ? '\'' : *p);
            free(safe);
            buf_puts(md, "` if it is not the default)");
        }
        buf_puts(md, ", or press `r` on the wizard's run screen.\n");
    } else {
        buf_puts(md, "2. Nothing to retry. `bedrock-chat-migrate status` shows this run again at any "
                     "time.\n");
    }
    buf_putc(md, '\n');
}

static void s_md_usd(buf_t *out, double v)
{
    if (v < 0)
        buf_puts(out, "—");
    else
        buf_printf(out, v < 0.01 ? "$%.4f" : "$%.2f", v);
}

/* Estimate vs actual: what each finished bot was estimated at and what it cost (Fargate
 * seconds from ECS, Bedrock tokens from its task log). */
static void s_md_costs(buf_t *md, const struct report *rep)
{
    double lo, hi, actual;
    size_t n = s_cost_totals(rep, &lo, &hi, &actual);
    if (!rep->costs)
        return;
    buf_puts(md, "\n## Estimate vs actual\n\n"
                 "Actual: Fargate seconds from ECS's times × the task size × price, Bedrock tokens "
                 "from the task's log × price (NAT and the scan apart).\n\n"
                 "| Bot | Estimate | Actual |\n|---|---|---|\n");
    for (size_t i = 0; i < rep->nbots; i++) {
        const struct report_cost *c = &rep->costs[i];
        if (!c->known)
            continue;
        buf_puts(md, "| ");
        s_md_code(md, rep->bots[i].bot_id);
        buf_puts(md, " | ");
        s_md_usd(md, c->estimate_lo);
        buf_puts(md, "–");
        s_md_usd(md, c->estimate_hi);
        buf_puts(md, " | ");
        s_md_usd(md, c->actual);
        buf_puts(md, " |\n");
    }
    if (n) {
        buf_printf(md, "| **Total** (%zu bot%s) | ", n, n == 1 ? "" : "s");
        s_md_usd(md, lo);
        buf_puts(md, "–");
        s_md_usd(md, hi);
        buf_puts(md, " | ");
        s_md_usd(md, actual);
        buf_puts(md, " |\n");
    }
}

char *report_to_markdown(const struct report *rep)
{
    buf_t md = BUF_INIT;
    s_md_header(&md, rep);
    s_md_counts(&md, rep);
    s_md_table(&md, rep);
    s_md_not_run(&md, rep);
    s_md_costs(&md, rep);
    s_md_verification(&md, rep);
    s_md_next_steps(&md, rep);
    return buf_detach(&md);
}

/* ---- files --------------------------------------------------------------------------------- */

void report_paths_for(const char *journal_path, struct report_paths *out)
{
    const char *slash = strrchr(journal_path, '/');
    const char *base = slash ? slash + 1 : journal_path;
    const char *dot = strrchr(base, '.');
    size_t stem = dot && dot != base ? (size_t)(dot - journal_path) : strlen(journal_path);
    out->markdown = xasprintf("%.*s.report.md", (int)stem, journal_path);
    out->json = xasprintf("%.*s.report.json", (int)stem, journal_path);
}

void report_paths_free(struct report_paths *p)
{
    free(p->markdown);
    free(p->json);
    p->markdown = p->json = NULL;
}

int report_write_private_file(const char *path, const char *text, const char *what, char **error)
{
    char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        *error = xasprintf("cannot create the %s %s: %s; check that the directory exists and "
                           "is writable", what, path, strerror(errno));
        free(tmp);
        return -1;
    }
    /* umask can only narrow the mode; an existing file kept its own, so set it. */
    int rc = fchmod(fd, 0600);
    size_t len = strlen(text), off = 0;
    while (rc == 0 && off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = -1;
            break;
        }
        off += (size_t)w;
    }
    if (rc == 0)
        rc = fsync(fd);
    int saved = errno;
    if (close(fd) != 0 && rc == 0) {
        rc = -1;
        saved = errno;
    }
    if (rc == 0 && rename(tmp, path) != 0) {
        rc = -1;
        saved = errno;
    }
    if (rc != 0) {
        *error = xasprintf("cannot write the %s %s: %s; free disk space or fix permissions, "
                           "the run itself is unaffected (its journal is intact)",
                           what, path, strerror(saved));
        unlink(tmp);
    }
    free(tmp);
    return rc;
}

int report_write(const struct report *rep, struct report_paths *out, char **error)
{
    if (!rep->journal_path || !*rep->journal_path) {
        *error = xstrdup("the report has no journal path to be written beside");
        return -1;
    }
    struct report_paths paths;
    report_paths_for(rep->journal_path, &paths);
    char *md = report_to_markdown(rep);
    cJSON *json = report_to_json(rep);
    char *json_text = cJSON_Print(json);
    cJSON_Delete(json);
    buf_t jt = BUF_INIT;
    buf_puts(&jt, json_text ? json_text : "{}");
    buf_putc(&jt, '\n');
    cJSON_free(json_text);
    int rc = report_write_private_file(paths.markdown, md, "report", error);
    if (rc == 0)
        rc = report_write_private_file(paths.json, buf_cstr(&jt), "report", error);
    free(md);
    buf_free(&jt);
    if (rc == 0 && out)
        *out = paths;
    else
        report_paths_free(&paths);
    return rc;
}
