/* Step 6, the run dashboard: opens the run (the plan's selected bots, or the journal's
 * run when resuming), then shows overall progress, counts by state, throughput, ETA and
 * cost so far above one row per bot (spinner, state, attempt, elapsed, reason). Enter
 * opens a bot's task detail with a live tail of its CloudWatch log. r retries failed
 * bots, p pauses launching, + / - change concurrency, q leaves with a confirmation
 * (tasks keep running; the journal lets a later start resume them).
 *
 * A view: it changes the run only through runner_* calls and learns of changes through
 * the runner's observer. This file is the step interface (enter / leave, keys and the
 * actions they take, key help); the screen's state, log following and drawing are in
 * step_run_state.c, step_run_follow.c and step_run_draw.c (step_run_internal.h). */
#include "step_run_internal.h"

#include "app/output.h"
#include "engine/run/runner.h"
#include "tui/run_screens.h"
#include "util/mem.h"

#include <stdint.h>
#include <stdlib.h>

/* ---- step interface ------------------------------------------------------------------------ */

static void s_enter(struct wizard *w)
{
    struct run_screen *rs = run_screen_of(w);
    if (!rs) {
        rs = run_screen_create(w);
        run_screen_table_setup(rs);
    }
    if (!w->runner) {
        if (rs->open_error)
            return; /* shown; the operator goes back or quits */
        if (run_screen_open_run(rs) != 0) {
            wizard_dirty(w);
            return;
        }
        ui_table_reset(&rs->table, runner_count(w->runner));
        run_screen_spinner(rs, true);
        runner_start(w->runner);
    } else if (!runner_finished(w->runner)) {
        /* Back from the summary after a retry: the run goes on. */
        run_screen_spinner(rs, true);
    }
    ui_table_reset(&rs->table, runner_count(w->runner));
    wizard_dirty(w);
}

static void s_leave(struct wizard *w)
{
    struct run_screen *rs = run_screen_of(w);
    if (!rs)
        return;
    if (rs->detail_open) {
        run_screen_follow_stop(rs);
        rs->detail_open = false;
    }
    run_screen_spinner(rs, false);
}

static void s_quit_answer(struct wizard *w, void *ud, bool yes)
{
    (void)ud;
    struct run_screen *rs = run_screen_of(w);
    w->quit_asked = false;
    if (!yes || !rs || w->quitting)
        return;
    /* The wizard's loop ends once the runner settles and prints how to resume. */
    rs->quitting = true;
    w->quitting = true;
    w->exit_code = EXIT_INTERRUPTED;
    if (w->runner && !runner_finished(w->runner))
        runner_leave(w->runner); /* stops launching; journals what is in flight */
    wizard_dirty(w);
}

void step_run_ask_quit(struct wizard *w)
{
    if (!w->runner || runner_finished(w->runner)) {
        wizard_request_quit(w);
        return;
    }
    if (w->quit_asked || w->quitting)
        return;
    w->quit_asked = true;
    struct runner_progress p;
    runner_progress(w->runner, &p);
    char *body = xasprintf(tr("run.quit.body"), p.alive, p.queued, w->journal_path ? w->journal_path : "");
    ui_confirm(w, tr("run.quit.title"), body, tr("run.quit.yes"), tr("run.quit.no"), s_quit_answer, NULL);
    free(body);
}

static void s_retry(struct wizard *w, size_t index)
{
    struct run_screen *rs = run_screen_of(w);
    bool was_finished = runner_finished(w->runner);
    size_t n = runner_retry_failed(w->runner, index);
    char *msg = n ? xasprintf(tr("run.retried"), n) : xstrdup(tr("run.nothing_to_retry"));
    run_screen_message(rs, RUNNER_INFO, msg);
    free(msg);
    if (n && was_finished)
        run_screen_finish_cancel(rs);
    if (n)
        run_screen_spinner(rs, !runner_finished(w->runner));
    wizard_dirty(w);
}

static bool s_key(struct wizard *w, wint_t wch, bool is_key_code)
{
    struct run_screen *rs = run_screen_of(w);
    if (!rs)
        return false;
    if (!w->runner) {
        if (!is_key_code && (wch == L'b' || wch == 27) && !w->run_started) {
            free(rs->open_error);
            rs->open_error = NULL;
            wizard_go(w, STEP_COST);
            return true;
        }
        return false; /* q and help stay global */
    }
    if (rs->quitting)
        return true; /* leaving: nothing more to do but wait */
    if (!is_key_code && (wch == L'q' || wch == L'Q')) {
        step_run_ask_quit(w);
        return true;
    }
    if (rs->detail_open) {
        if ((is_key_code && (wch == KEY_LEFT || wch == KEY_BACKSPACE)) ||
            (!is_key_code && (wch == 27 || wch == L'\n' || wch == L'\r' || wch == 127))) {
            run_screen_follow_close(rs);
            return true;
        }
        if (!is_key_code && wch == L'r') {
            s_retry(w, rs->detail_index);
            return true;
        }
        if (ui_logview_key(&rs->log, wch, is_key_code)) {
            wizard_dirty(w);
            return true;
        }
        return false;
    }
    if (rs->table.filter_editing) {
        bool handled = ui_table_key(&rs->table, wch, is_key_code);
        wizard_dirty(w);
        return handled;
    }
    if ((is_key_code && wch == KEY_ENTER) || (!is_key_code && (wch == L'\n' || wch == L'\r'))) {
        size_t row = ui_table_current(&rs->table);
        if (row != SIZE_MAX)
            run_screen_follow_open(rs, row);
        return true;
    }
    if (is_key_code && wch == KEY_RIGHT && runner_finished(w->runner)) {
        wizard_go(w, STEP_SUMMARY);
        return true;
    }
    if (!is_key_code) {
        switch (wch) {
        case L'r':
            s_retry(w, SIZE_MAX);
            return true;
        case L'p':
            runner_set_paused(w->runner, !runner_paused(w->runner));
            wizard_dirty(w);
            return true;
        case L'+':
        case L'=':
            runner_set_concurrency(w->runner, runner_concurrency(w->runner) + 1);
            wizard_dirty(w);
            return true;
        case L'-':
            runner_set_concurrency(w->runner, runner_concurrency(w->runner) - 1);
            wizard_dirty(w);
            return true;
        case L's':
            ui_table_sort_next(&rs->table);
            wizard_dirty(w);
            return true;
        default:
            break;
        }
    }
    if (ui_table_key(&rs->table, wch, is_key_code)) {
        wizard_dirty(w);
        return true;
    }
    return false;
}

static void s_on_resize(struct wizard *w)
{
    wizard_dirty(w);
}

static const struct key_help s_keys_table[] = {
    {"Enter", "run.key.detail", true},
    {"r", "run.key.retry", true},
    {"p", "run.key.pause", true},
    {"q", "run.key.quit", true},
    {"+/-", "run.key.concurrency", true},
    {"F1", "run.key.help", true},
    {"↑↓", "run.key.move", false},
    {"/", "run.key.filter", false},
    {"s", "run.key.sort", false},
    {"→", "run.key.summary", false},
    {NULL, NULL, false},
};

static const struct key_help s_keys_detail[] = {
    {"Esc", "run.key.back_to_list", true},
    {"↑↓", "run.key.scroll", true},
    {"End/f", "run.key.follow", true},
    {"r", "run.key.retry_one", true},
    {"q", "run.key.quit", true},
    {"F1", "run.key.help", true},
    {NULL, NULL, false},
};

static const struct key_help s_keys_error[] = {
    {"b", "run.key.back", true},
    {"q", "run.key.quit_now", true},
    {"F1", "run.key.help", true},
    {NULL, NULL, false},
};

static const struct key_help *s_keys(const struct wizard *w)
{
    const struct run_screen *rs = run_screen_of(w);
    if (!w->runner)
        return s_keys_error;
    return rs && rs->detail_open ? s_keys_detail : s_keys_table;
}

static void s_destroy(struct wizard *w)
{
    struct run_screen *rs = run_screen_of(w);
    if (!rs)
        return;
    run_screen_follow_stop(rs);
    run_screen_destroy(w);
}

const struct wizard_step step_run = {
    .name = "step.run",
    .enter = s_enter,
    .leave = s_leave,
    .draw = run_screen_draw,
    .key = s_key,
    .on_resize = s_on_resize,
    .keys = s_keys,
    .destroy = s_destroy,
};
