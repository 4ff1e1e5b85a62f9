/* Drawing the run dashboard (see step_run_internal.h): the header (progress, counts by
 * state, throughput, ETA, cost so far, paused / finished), the bots table's columns and
 * cells, the task detail with its log box, the open error, and the newest message in the
 * status line. Reads the runner and the screen's state; changes neither. */
#include "step_run_internal.h"

#include "engine/discover/deployment.h"
#include "engine/estimate/live_cost.h"
#include "engine/run/runner.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the bots table ------------------------------------------------------------------------- */

enum { COL_ICON, COL_TITLE, COL_STATE, COL_ATTEMPT, COL_ELAPSED, COL_REASON, NCOLS };

static const struct table_column s_columns[NCOLS] = {
    {"run.col.icon", 1, 0, false, false},
    {"run.col.title", 16, 3, false, true},
    {"run.col.state", 12, 0, false, false},
    {"run.col.attempt", 2, 0, true, false},
    {"run.col.elapsed", 8, 0, true, false},
    {"run.col.reason", 12, 2, false, true},
};

static const char *s_state_label(enum bot_state s)
{
    static char key[32];
    snprintf(key, sizeof key, "state.%s", bot_state_name(s));
    return tr(key);
}

static const char *s_icon(const struct wizard *w, enum bot_state s)
{
    switch (s) {
    case BOT_SUCCEEDED: return "✓";
    case BOT_FAILED: return "✗";
    case BOT_CANCELLED: return "⊘";
    case BOT_SKIPPED: return "-";
    case BOT_QUEUED: return "·";
    default: return w->runner && runner_finished(w->runner) ? "?" : wizard_spinner_frame(w);
    }
}

/* The reason in the wizard's language (into buf when it comes from a message). */
static const char *s_reason(const struct run_bot *b, char *buf, size_t n)
{
    if (b->reason_msg.id != MSG_NONE)
        return tr_message_into(&b->reason_msg, buf, n);
    if (b->reason && *b->reason)
        return b->reason;
    if (b->stopped_reason && *b->stopped_reason && b->state == BOT_FAILED)
        return b->stopped_reason;
    if (b->launch_failures && b->state == BOT_QUEUED)
        return tr("run.reason.launch_retry");
    return "";
}

static const char *s_cell(void *ud, size_t row, size_t col, char *buf, size_t n)
{
    struct wizard *w = ud;
    const struct run_bot *b = runner_bot(w->runner, row);
    if (!b)
        return "";
    switch (col) {
    case COL_ICON: return s_icon(w, b->state);
    case COL_TITLE: return b->title && *b->title ? b->title : b->bot_id;
    case COL_STATE: return s_state_label(b->state);
    case COL_ATTEMPT:
        snprintf(buf, n, "%d", b->attempt);
        return buf;
    case COL_ELAPSED:
        if (run_screen_elapsed(b) < 0)
            return "";
        ui_format_duration(buf, n, run_screen_elapsed(b));
        return buf;
    case COL_REASON: return s_reason(b, buf, n);
    default: return "";
    }
}

static int s_compare(void *ud, size_t a, size_t b, size_t col)
{
    struct wizard *w = ud;
    const struct run_bot *x = runner_bot(w->runner, a), *y = runner_bot(w->runner, b);
    double dx, dy;
    switch (col) {
    case COL_ICON:
    case COL_STATE: return (int)x->state - (int)y->state;
    case COL_ATTEMPT: return x->attempt - y->attempt;
    case COL_ELAPSED:
        dx = run_screen_elapsed(x);
        dy = run_screen_elapsed(y);
        return dx < dy ? -1 : dx > dy;
    case COL_REASON: {
        char bx[512], by[512];
        return strcmp(s_reason(x, bx, sizeof bx), s_reason(y, by, sizeof by));
    }
    default: return strcmp(x->title ? x->title : "", y->title ? y->title : "");
    }
}

static int s_row_color(void *ud, size_t row)
{
    struct wizard *w = ud;
    const struct run_bot *b = runner_bot(w->runner, row);
    return b ? (int)ui_state_color(b->state) : UI_NORMAL;
}

void run_screen_table_setup(struct run_screen *rs)
{
    rs->table.columns = s_columns;
    rs->table.ncolumns = NCOLS;
    rs->table.cell = s_cell;
    rs->table.compare = s_compare;
    rs->table.row_color = s_row_color;
    rs->table.ud = rs->w;
    rs->table.sort_column = -1;
}

/* ---- header, detail, the step body ---------------------------------------------------------- */

static void s_format_counts(const struct wizard *w, int y, int x, int width)
{
    size_t counts[BOT_STATE_COUNT];
    runner_counts(w->runner, counts);
    int col = x;
    bool first = true;
    for (int s = 0; s < BOT_STATE_COUNT && col < x + width; s++) {
        if (!counts[s])
            continue;
        char *part = xasprintf("%s%s %zu", first ? "" : "  ", s_state_label((enum bot_state)s), counts[s]);
        col += ui_text(y, col, x + width - col, ui_attr(w, ui_state_color(s)), part);
        free(part);
        first = false;
    }
}

static void s_draw_header(struct wizard *w, struct run_screen *rs, struct rect area)
{
    struct runner_progress p;
    runner_progress(w->runner, &p);
    char label[128];
    snprintf(label, sizeof label, tr("run.progress"), p.done, p.total);
    ui_progress(w, area.y, area.x, area.w, (double)p.done, (double)p.total, label);

    s_format_counts(w, area.y + 1, area.x, area.w);

    char rate[32], eta[72], cost[48], line[320];
    if (p.bots_per_minute > 0)
        snprintf(rate, sizeof rate, "%.1f", p.bots_per_minute);
    else
        snprintf(rate, sizeof rate, "—");
    double lo, hi;
    struct live_cost live;
    bool have_live = run_screen_live_cost(rs, &live);
    if (have_live && live.remaining && live.remaining_wall_lo >= 0 && live.remaining_wall_hi >= 0) {
        /* The refitted range (each bot's own estimate, what the running tasks have done,
         * the concurrency), the same as the line below: not waves of the median task. */
        char elo[32], ehi[32];
        ui_format_duration(elo, sizeof elo, live.remaining_wall_lo);
        ui_format_duration(ehi, sizeof ehi, live.remaining_wall_hi);
        snprintf(eta, sizeof eta, "%s–%s", elo, ehi);
    } else {
        ui_format_duration(eta, sizeof eta, p.eta_seconds);
    }
    if (have_live) /* measured: one figure, not a range */
        lo = hi = live.so_far_usd;
    else
        run_screen_cost_so_far(rs, &lo, &hi);
    ui_format_usd_range(cost, sizeof cost, lo, hi);
    snprintf(line, sizeof line, tr("run.stats"), rate, eta, cost, runner_concurrency(w->runner));
    int col = area.x + ui_text(area.y + 2, area.x, area.w, ui_attr(w, UI_NORMAL), line);
    /* A vCPU-quota refusal lowered the concurrency (this session or, journaled, an earlier one). */
    bool from_journal = false;
    int ceiling = runner_vcpu_ceiling(w->runner, &from_journal);
    if (ceiling > 0 && col < area.x + area.w - 2) {
        char *note = trf(from_journal ? "run.vcpu_ceiling_kept" : "run.vcpu_ceiling", ceiling);
        col += 2 + ui_text(area.y + 2, col + 2, area.x + area.w - col - 2, ui_attr(w, UI_WARN), note);
        free(note);
    }
    if (have_live && live.remaining && live.remaining_lo >= 0) {
        /* The rest, refitted to the bots that finished: narrows as they finish. */
        char rest[48], whole[48], wlo[32], whi[32];
        ui_format_usd_range(rest, sizeof rest, live.remaining_lo, live.remaining_hi);
        ui_format_usd_range(whole, sizeof whole, live.total_lo, live.total_hi);
        ui_format_duration(wlo, sizeof wlo, live.remaining_wall_lo);
        ui_format_duration(whi, sizeof whi, live.remaining_wall_hi);
        char *text = trf("run.cost_rest", live.remaining, rest, live.refit_bots, whole, wlo, whi);
        ui_text(area.y + 3, area.x, area.w, ui_attr(w, UI_DIM), text);
        free(text);
    }
    if (runner_paused(w->runner))
        ui_text(area.y + 2, col + 2, area.x + area.w - col - 2, ui_attr(w, UI_WARN) | A_BOLD,
                tr("run.paused"));
    else if (runner_finished(w->runner))
        ui_text(area.y + 2, col + 2, area.x + area.w - col - 2, ui_attr(w, UI_OK) | A_BOLD,
                tr("run.finished"));
}

static void s_detail_line(struct wizard *w, int y, int x, int width, const char *label,
                          const char *raw, enum ui_color c)
{
    int lw = ui_text(y, x, width, ui_attr(w, UI_DIM), tr(label));
    int vx = x + (lw < 16 ? 16 : lw + 1);
    ui_untrusted(y, vx, x + width - vx, ui_attr(w, c), raw && *raw ? raw : "—");
}

static void s_draw_detail(struct wizard *w, struct run_screen *rs, struct rect area)
{
    const struct run_bot *b = runner_bot(w->runner, rs->detail_index);
    if (!b)
        return;
    int y = area.y;
    char buf[64];
    int half = area.w / 2;
    s_detail_line(w, y, area.x, area.w, "run.d.title", b->title, UI_NORMAL);
    s_detail_line(w, y + 1, area.x, half - 1, "run.d.bot", b->bot_id, UI_NORMAL);
    s_detail_line(w, y + 1, area.x + half, area.w - half, "run.d.owner", b->pk, UI_NORMAL);
    snprintf(buf, sizeof buf, "%s (%s %d)", s_state_label(b->state), tr("run.d.attempt"), b->attempt);
    s_detail_line(w, y + 2, area.x, half - 1, "run.d.state", buf, ui_state_color(b->state));
    ui_format_duration(buf, sizeof buf, run_screen_elapsed(b));
    s_detail_line(w, y + 2, area.x + half, area.w - half, "run.d.elapsed", buf, UI_NORMAL);
    s_detail_line(w, y + 3, area.x, area.w, "run.d.task", b->task_arn, UI_NORMAL);
    s_detail_line(w, y + 4, area.x, half - 1, "run.d.ecs", b->ecs_status, UI_NORMAL);
    s_detail_line(w, y + 4, area.x + half, area.w - half, "run.d.sync", b->sync_status, UI_NORMAL);
    char *stop = NULL;
    if (b->stop_code || b->stopped_reason || b->exit_code >= 0) {
        char exitbuf[24] = "";
        if (b->exit_code >= 0)
            snprintf(exitbuf, sizeof exitbuf, " (exit %d)", b->exit_code);
        stop = xasprintf("%s%s%s%s", b->stop_code ? b->stop_code : "",
                         b->stop_code && b->stopped_reason ? ": " : "",
                         b->stopped_reason ? b->stopped_reason : "", exitbuf);
    }
    s_detail_line(w, y + 5, area.x, area.w, "run.d.stopped", stop, UI_NORMAL);
    free(stop);
    char *reason = b->reason_msg.id != MSG_NONE ? tr_message(&b->reason_msg) : NULL;
    s_detail_line(w, y + 6, area.x, area.w, "run.d.reason", reason ? reason : b->reason,
                  b->state == BOT_FAILED ? UI_FAIL : UI_NORMAL);
    free(reason);
    const struct deployment *dep = w->deployment;
    char *stream = b->task_id && dep
        ? xasprintf("%s %s/%s/%s", dep->log_group ? dep->log_group : "?",
                    dep->log_stream_prefix ? dep->log_stream_prefix : "embed-task",
                    dep->container_name ? dep->container_name : "Container", b->task_id)
        : NULL;
    s_detail_line(w, y + 7, area.x, area.w, "run.d.stream", stream, UI_DIM);
    free(stream);

    struct rect box = {y + 8, area.x, area.h - 8, area.w};
    if (box.h < 3)
        return;
    ui_box(w, box, tr(rs->log.follow ? "run.log.title_follow" : "run.log.title"), ui_attr(w, UI_DIM));
    struct rect inner = {box.y + 1, box.x + 1, box.h - 2, box.w - 2};
    if (rs->log_note && inner.h > 1) {
        ui_untrusted(inner.y + inner.h - 1, inner.x, inner.w,
                     ui_attr(w, rs->log_note_error ? UI_FAIL : UI_DIM), rs->log_note);
        inner.h--;
    }
    ui_logview_draw(w, &rs->log, inner);
}

void run_screen_draw(struct wizard *w, struct rect area)
{
    struct run_screen *rs = run_screen_of(w);
    if (!rs)
        return;
    if (!w->runner) {
        ui_text(area.y, area.x, area.w, ui_attr(w, UI_FAIL) | A_BOLD, tr("run.err.title"));
        ui_wrap(area.y + 2, area.x, area.w, area.h - 4, ui_attr(w, UI_NORMAL),
                rs->open_error ? rs->open_error : "");
        ui_wrap(area.y + area.h - 2, area.x, area.w, 2, ui_attr(w, UI_DIM), tr("run.err.next"));
        return;
    }
    if (rs->detail_open) {
        s_draw_detail(w, rs, area);
    } else {
        s_draw_header(w, rs, area);
        struct rect t = {area.y + 4, area.x, area.h - 4, area.w};
        ui_table_draw(w, &rs->table, t);
    }
    const struct run_message *m = run_screen_newest_message(rs);
    if (rs->quitting)
        ui_status_line(w, tr("run.leaving"), UI_WARN);
    else if (rs->last_error && runner_fatal(w->runner))
        ui_status_line(w, rs->last_error, UI_FAIL);
    else if (m)
        ui_status_line(w, m->text, m->level == RUNNER_ERROR ? UI_FAIL
                                   : m->level == RUNNER_WARN ? UI_WARN : UI_DIM);
}
