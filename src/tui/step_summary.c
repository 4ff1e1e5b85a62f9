/* Step 7, the summary: the outcome of every bot, the report written beside the journal
 * (Markdown and JSON, mode 0600; the screen says where), and what to do next — check a
 * RAG bot in the app, retry failures (r here, or later from the command line), verify
 * the vectors (v: engine/verify counts each bot's rows in the new cluster; its verdicts
 * fill the Vectors column and the report is written again with them).
 *
 * The report is written on entering the step, so it is current after every retry. */
#include "tui/tui.h"

#include "app/output.h"
#include "engine/discover/deployment.h"
#include "engine/discover/identity.h"
#include "engine/run/report.h"
#include "engine/run/runner.h"
#include "engine/verify/verify_run.h"
#include "tui/run_screens.h"
#include "util/buf.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct summary_screen {
    struct report *report;
    struct report_paths paths;
    char *write_error;
    struct ui_table table;
    bool verifying;
    char *verify_progress;           /* translated phase text while verifying */
    struct verification *verification;
    char *verify_error;              /* translated "Cannot verify: …" / "skipped: …" */
};

static struct summary_screen *s_screen(const struct wizard *w)
{
    return w->step_data[STEP_SUMMARY];
}

enum { COL_TITLE, COL_STATE, COL_ATTEMPT, COL_DURATION, COL_VERDICT, COL_REASON, NCOLS };

static const struct table_column s_columns[NCOLS] = {
    {"run.col.title", 16, 3, false, true},
    {"run.col.state", 12, 0, false, false},
    {"run.col.attempt", 2, 0, true, false},
    {"sum.col.duration", 8, 0, true, false},
    {"sum.col.verdict", 10, 1, false, false},
    {"run.col.reason", 12, 3, false, true},
};

static const char *s_verdict_label(enum verdict v)
{
    static char key[40];
    snprintf(key, sizeof key, "verdict.%s", verdict_name(v));
    return tr(key);
}

/* "no vectors · 0" for a verified bot, "" before verification. */
static const char *s_verdict_cell(const struct summary_screen *ss, const struct run_bot *b, char *buf,
                                  size_t n)
{
    const struct verify_row *row = ss->verification ? verification_find(ss->verification, b->bot_id) : NULL;
    if (!row)
        return "";
    snprintf(buf, n, "%s · %lld", s_verdict_label(row->verdict), row->rows);
    return buf;
}

static const char *s_state_label(enum bot_state s)
{
    static char key[32];
    snprintf(key, sizeof key, "state.%s", bot_state_name(s));
    return tr(key);
}

/* The reason in the wizard's language (into buf when it comes from a message). */
static const char *s_reason(const struct run_bot *b, char *buf, size_t n)
{
    if (b->reason_msg.id != MSG_NONE)
        return tr_message_into(&b->reason_msg, buf, n);
    if (b->reason && *b->reason)
        return b->reason;
    if (b->state == BOT_FAILED && b->stopped_reason)
        return b->stopped_reason;
    return "";
}

static const char *s_cell(void *ud, size_t row, size_t col, char *buf, size_t n)
{
    struct summary_screen *ss = ud;
    if (!ss->report || row >= ss->report->nbots)
        return "";
    const struct run_bot *b = &ss->report->bots[row];
    switch (col) {
    case COL_TITLE: return b->title && *b->title ? b->title : b->bot_id;
    case COL_STATE: return s_state_label(b->state);
    case COL_ATTEMPT:
        snprintf(buf, n, "%d", b->attempt);
        return buf;
    case COL_DURATION:
        ui_format_duration(buf, n, report_bot_duration_seconds(b));
        return buf;
    case COL_VERDICT: return s_verdict_cell(ss, b, buf, n);
    case COL_REASON: return s_reason(b, buf, n);
    default: return "";
    }
}

static int s_compare(void *ud, size_t a, size_t b, size_t col)
{
    struct summary_screen *ss = ud;
    const struct run_bot *x = &ss->report->bots[a], *y = &ss->report->bots[b];
    double dx, dy;
    switch (col) {
    case COL_STATE: return (int)x->state - (int)y->state;
    case COL_ATTEMPT: return x->attempt - y->attempt;
    case COL_DURATION:
        dx = report_bot_duration_seconds(x);
        dy = report_bot_duration_seconds(y);
        return dx < dy ? -1 : dx > dy;
    case COL_VERDICT: {
        const struct verify_row *vx = ss->verification ? verification_find(ss->verification, x->bot_id) : NULL;
        const struct verify_row *vy = ss->verification ? verification_find(ss->verification, y->bot_id) : NULL;
        return (vx ? (int)vx->verdict : -1) - (vy ? (int)vy->verdict : -1);
    }
    case COL_REASON: {
        char bx[512], by[512];
        return strcmp(s_reason(x, bx, sizeof bx), s_reason(y, by, sizeof by));
    }
    default: return strcmp(x->title ? x->title : "", y->title ? y->title : "");
    }
}

static char *s_progress_text(const struct verify_progress *p)
{
    switch (p->phase) {
    case VERIFY_FINDING_CLUSTER: return xstrdup(tr("verify.phase.cluster"));
    case VERIFY_LOADING_BOTS: return xstrdup(tr("verify.phase.bots"));
    case VERIFY_COUNTING: return xstrdup(tr("verify.phase.counting"));
    case VERIFY_WAKING:
        return xasprintf(tr("verify.phase.waking"), p->wake_wait, (double)p->wake_delay_ms / 1000.0);
    case VERIFY_READING_LOGS: return xasprintf(tr("verify.phase.logs"), p->logs_done, p->logs_total);
    }
    return xstrdup("");
}

static void s_on_verify_progress(void *ud, const struct verify_progress *p)
{
    struct wizard *w = ud;
    struct summary_screen *ss = s_screen(w);
    if (!ss)
        return;
    free(ss->verify_progress);
    ss->verify_progress = s_progress_text(p);
    wizard_dirty(w);
}

static void s_build(struct wizard *w, struct summary_screen *ss);

static void s_on_verified(void *ud, struct verify_deployment_result *r)
{
    struct wizard *w = ud;
    struct summary_screen *ss = s_screen(w);
    if (!ss)
        return;
    ss->verifying = false;
    free(ss->verify_progress);
    ss->verify_progress = NULL;
    free(ss->verify_error);
    ss->verify_error = NULL;
    if (!r->v) {
        char *why = xasprintf("%s%s%s", r->message ? r->message : "", r->hint ? "; " : "",
                              r->hint ? r->hint : "");
        ss->verify_error = xasprintf(tr(r->skipped ? "sum.verify_skipped" : "sum.verify_failed"), why);
        free(why);
    } else {
        if (ss->verification) {
            verification_free(ss->verification);
            free(ss->verification);
        }
        ss->verification = r->v;
        r->v = NULL;
        s_build(w, ss);   /* the report again, now with the verification columns */
    }
    wizard_dirty(w);
}

static void s_start_verify(struct wizard *w, struct summary_screen *ss)
{
    if (ss->verifying || !w->deployment)
        return;
    ss->verifying = true;
    free(ss->verify_error);
    ss->verify_error = NULL;
    struct verify_deployment_options vo = {.journal_path = w->journal_path, .scan_table = w->opts->scan_table};
    verify_deployment(&w->session, w->deployment, &vo, s_on_verify_progress, s_on_verified, w);
    wizard_dirty(w);
}

static int s_row_color(void *ud, size_t row)
{
    struct summary_screen *ss = ud;
    return (int)ui_state_color(ss->report->bots[row].state);
}

static void s_build(struct wizard *w, struct summary_screen *ss)
{
    report_free(ss->report);
    ss->report = NULL;
    report_paths_free(&ss->paths);
    free(ss->write_error);
    ss->write_error = NULL;
    if (!w->runner)
        return;
    struct report_context ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.stack = w->deployment && w->deployment->stack_name ? w->deployment->stack_name : w->opts->stack;
    ctx.region = w->session.region;
    ctx.account = w->identity ? w->identity->account : NULL;
    ctx.journal_path = w->journal_path;
    ctx.demo = w->opts->demo;
    step_run_estimate(w, &ctx.cost_low_usd, &ctx.cost_high_usd);
    ss->report = report_from_runner(&ctx, w->runner);
    if (ss->verification)
        verification_attach_to_report(ss->verification, ss->report);
    if (report_write(ss->report, &ss->paths, &ss->write_error) != 0)
        memset(&ss->paths, 0, sizeof(ss->paths));
    ui_table_reset(&ss->table, ss->report->nbots);
}

static void s_enter(struct wizard *w)
{
    struct summary_screen *ss = s_screen(w);
    if (!ss) {
        ss = xcalloc(1, sizeof(*ss));
        ss->table.columns = s_columns;
        ss->table.ncolumns = NCOLS;
        ss->table.cell = s_cell;
        ss->table.compare = s_compare;
        ss->table.row_color = s_row_color;
        ss->table.ud = ss;
        ss->table.sort_column = -1;
        w->step_data[STEP_SUMMARY] = ss;
    }
    s_build(w, ss);
    wizard_dirty(w);
}

static int s_exit_code(const struct wizard *w, const struct summary_screen *ss)
{
    if (!ss->report)
        return EXIT_CONFIG;
    if (w->runner && runner_fatal(w->runner))
        return EXIT_CONFIG;
    return report_all_succeeded(ss->report) ? EXIT_OK : EXIT_SOME_FAILED;
}

/* "Report written (mode 0600) in DIR: NAME.md and NAME.json": the directory once. */
static char *s_where(const char *markdown, const char *json)
{
    const char *slash = strrchr(markdown, '/');
    char *dir = slash ? xstrndup(markdown, (size_t)(slash - markdown)) : xstrdup(".");
    const char *jslash = strrchr(json, '/');
    char *text = xasprintf(tr("sum.report_written"), dir, slash ? slash + 1 : markdown,
                           jslash ? jslash + 1 : json);
    free(dir);
    return text;
}

static void s_draw(struct wizard *w, struct rect area)
{
    struct summary_screen *ss = s_screen(w);
    if (!ss || !ss->report) {
        ui_text(area.y, area.x, area.w, ui_attr(w, UI_DIM), tr("sum.no_run"));
        return;
    }
    const struct report *rep = ss->report;
    int y = area.y;
    char *head = xasprintf(tr("sum.headline"), rep->nbots, rep->counts[BOT_SUCCEEDED],
                           rep->counts[BOT_FAILED]);
    enum ui_color hc = report_all_succeeded(rep) ? UI_OK : UI_FAIL;
    ui_text(y++, area.x, area.w, ui_attr(w, hc) | A_BOLD, head);
    free(head);
    const char *fatal = w->runner && runner_fatal(w->runner) ? step_run_last_error(w) : NULL;
    if (fatal)
        y += ui_wrap(y, area.x, area.w, 2, ui_attr(w, UI_FAIL), fatal);
    if (ss->verifying) {
        char *line = xasprintf(tr("sum.verifying"), ss->verify_progress ? ss->verify_progress : "…");
        y += ui_wrap(y, area.x, area.w, 2, ui_attr(w, UI_RUNNING), line);
        free(line);
    } else if (ss->verify_error) {
        y += ui_wrap(y, area.x, area.w, 3, ui_attr(w, UI_WARN), ss->verify_error);
    } else if (ss->verification) {
        const struct verification *v = ss->verification;
        buf_t counts = BUF_INIT;
        for (int i = 0; i < VERDICT_COUNT; i++) {
            if (!v->counts[i])
                continue;
            if (counts.len)
                buf_puts(&counts, ", ");
            buf_printf(&counts, "%zu %s", v->counts[i], s_verdict_label((enum verdict)i));
        }
        if (!verification_exit_code(v)) {
            buf_puts(&counts, " — ");
            buf_puts(&counts, tr("sum.verified_all_ok"));
        }
        char *line = xasprintf(tr("sum.verified"), buf_cstr(&counts));
        y += ui_wrap(y, area.x, area.w, 2, ui_attr(w, verification_exit_code(v) ? UI_FAIL : UI_OK), line);
        free(line);
        buf_free(&counts);
    }

    /* Bottom part, laid out from the bottom up: next steps, then where the report went. */
    buf_t next = BUF_INIT;
    buf_puts(&next, tr("sum.next.check"));
    if (!ss->verification && !ss->verifying && w->deployment) {
        buf_puts(&next, "\n");
        buf_puts(&next, tr("sum.next.verify"));
    }
    if (rep->counts[BOT_FAILED] || rep->counts[BOT_CANCELLED]) {
        buf_puts(&next, "\n");
        buf_printf(&next, tr("sum.next.retry"), rep->counts[BOT_FAILED] + rep->counts[BOT_CANCELLED]);
        buf_puts(&next, "\n");
        buf_puts(&next, tr("sum.next.logs"));
    }
    const char *aside = step_run_aside_path(w);
    if (aside) {
        buf_puts(&next, "\n");
        buf_printf(&next, tr("sum.aside"), aside);
    }
    int next_rows = ui_wrap_rows(area.w, buf_cstr(&next));
    char *where = ss->write_error
        ? xasprintf("%s %s", tr("sum.report_failed"), ss->write_error)
        : s_where(ss->paths.markdown, ss->paths.json);
    int where_rows = ui_wrap_rows(area.w, where);
    int bottom = next_rows + where_rows + 2;
    int table_h = area.y + area.h - y - 1 - bottom;
    if (table_h < 3) {
        table_h = 3;
    }
    struct rect t = {y + 1, area.x, table_h, area.w};
    ui_table_draw(w, &ss->table, t);
    int by = t.y + t.h + 1;
    int room = area.y + area.h - by;
    if (room > 0) {
        /* Paths are ours, but the journal path may come from --journal: treat as text. */
        int used = ui_wrap(by, area.x, area.w, room, ui_attr(w, ss->write_error ? UI_FAIL : UI_ACCENT), where);
        by += used;
        room -= used;
    }
    if (room > 0)
        ui_wrap(by, area.x, area.w, room, ui_attr(w, UI_NORMAL), buf_cstr(&next));
    free(where);
    buf_free(&next);
}

static void s_finish(struct wizard *w)
{
    struct summary_screen *ss = s_screen(w);
    char *msg = NULL;
    if (ss && ss->report && !ss->write_error)
        msg = xasprintf(tr("sum.exit_message"), ss->paths.markdown);
    wizard_exit(w, ss ? s_exit_code(w, ss) : EXIT_CONFIG, msg);
    free(msg);
}

static bool s_key(struct wizard *w, wint_t wch, bool is_key_code)
{
    struct summary_screen *ss = s_screen(w);
    if (!ss)
        return false;
    if (ss->table.filter_editing) {
        bool handled = ui_table_key(&ss->table, wch, is_key_code);
        wizard_dirty(w);
        return handled;
    }
    if (!is_key_code) {
        switch (wch) {
        case L'q':
        case L'Q':
            s_finish(w);
            return true;
        case L'r':
            if (w->runner && runner_retry_failed(w->runner, SIZE_MAX) > 0)
                wizard_go(w, STEP_RUN);
            return true;
        case L's':
            ui_table_sort_next(&ss->table);
            wizard_dirty(w);
            return true;
        case L'v':
        case L'V':
            s_start_verify(w, ss);
            return true;
        default:
            break;
        }
    }
    if (is_key_code && wch == KEY_LEFT && w->runner) {
        wizard_go(w, STEP_RUN); /* back to the dashboard to look at a bot's log */
        return true;
    }
    if (ui_table_key(&ss->table, wch, is_key_code)) {
        wizard_dirty(w);
        return true;
    }
    return false;
}

static void s_on_resize(struct wizard *w)
{
    wizard_dirty(w);
}

static const struct key_help s_keys_list[] = {
    {"↑↓", "run.key.move", true},
    {"r", "sum.key.retry", true},
    {"v", "sum.key.verify", true},
    {"←", "sum.key.dashboard", true},
    {"/", "run.key.filter", false},
    {"s", "run.key.sort", false},
    {"q", "sum.key.finish", true},
    {"F1", "run.key.help", true},
    {NULL, NULL, false},
};

static const struct key_help *s_keys(const struct wizard *w)
{
    (void)w;
    return s_keys_list;
}

static void s_destroy(struct wizard *w)
{
    struct summary_screen *ss = s_screen(w);
    if (!ss)
        return;
    report_free(ss->report);
    report_paths_free(&ss->paths);
    free(ss->write_error);
    free(ss->verify_progress);
    free(ss->verify_error);
    if (ss->verification) {
        verification_free(ss->verification);
        free(ss->verification);
    }
    ui_table_free(&ss->table);
    free(ss);
    w->step_data[STEP_SUMMARY] = NULL;
}

const struct wizard_step step_summary = {
    .name = "step.summary",
    .enter = s_enter,
    .draw = s_draw,
    .key = s_key,
    .on_resize = s_on_resize,
    .keys = s_keys,
    .destroy = s_destroy,
};
