/* The copy way after the confirmation: the copy's dashboard. It draws the engine's copy
 * session (engine/copy/copy_session.h) and nothing else: the phase, the overall progress
 * (rows copied of the snapshot's, MB, rate, ETA), the temporary resources and their
 * states, each bot's progress (rows, MB, rate, ETA) and, after the copy, its verification
 * (rows in v1 equal to the snapshot's); then the clean-up question (default: remove;
 * keep leaves them for the `cleanup` command) and the end. q or Ctrl-C offers
 * stop-and-clean (or stop-and-keep, or leaving at once: the journal keeps everything and
 * the next start resumes).
 *
 * The session runs on the wizard's event loop; its change callback only marks the screen
 * dirty. Nothing secret is in the session's state; names, ids and messages from AWS are
 * drawn through ui_untrusted. */
#include "tui/copy_screens.h"
#include "tui/tui.h"

#include "app/output.h"
#include "engine/copy/copy_journal.h"
#include "engine/copy/copy_session.h"
#include "util/mem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct copy_run {
    struct copy_session *session;
    char *journal_path;
    char *snapshot_id;
    bool resume;
    bool spinning;          /* holds the wizard's spinner while the session works */
    bool keep_focused;      /* the clean-up question: focus on Keep (default: Remove) */
    bool stop_asked;        /* the stop question is showing */
    int scroll;             /* rows of the bots table */
};

static struct copy_run *s_state(struct wizard *w)
{
    return w->step_data[STEP_COPY_RUN];
}

static const struct copy_session_state *s_session_state(const struct wizard *w)
{
    const struct copy_run *cr = w->step_data[STEP_COPY_RUN];
    return cr && cr->session ? copy_session_state(cr->session) : NULL;
}

static bool s_waiting(enum copy_phase p)
{
    return p == COPY_PHASE_CHOOSE || p == COPY_PHASE_PREVIEW || p == COPY_PHASE_CLEANUP_ASK ||
           p == COPY_PHASE_DONE || p == COPY_PHASE_IDLE;
}

static void s_on_changed(void *ud, const struct copy_session_state *state)
{
    struct wizard *w = ud;
    struct copy_run *cr = s_state(w);
    if (!cr)
        return;
    /* The spinner turns while the session works, not while it waits for the operator. */
    bool busy = !s_waiting(state->phase);
    if (busy != cr->spinning) {
        cr->spinning = busy;
        if (busy)
            wizard_spinner_acquire(w);
        else
            wizard_spinner_release(w);
    }
    /* The wizard confirmed on the choice screen; a resumed copy was asked for with r. */
    if (state->phase == COPY_PHASE_PREVIEW && !state->stopping)
        copy_session_confirm(cr->session);
    wizard_dirty(w);
}

void copy_run_begin(struct wizard *w, const char *snapshot_id, bool resume)
{
    if (w->step_data[STEP_COPY_RUN] || !w->session_open || !w->journal_path)
        return;
    struct copy_run *cr = xcalloc(1, sizeof(*cr));
    w->step_data[STEP_COPY_RUN] = cr;
    cr->snapshot_id = xstrdup(snapshot_id ? snapshot_id : "");
    cr->resume = resume;
    cr->journal_path = copy_journal_path_for(w->journal_path);
    const struct app_options *o = w->opts;
    struct copy_session_config cfg = {
        .session = &w->session,
        .journal_path = cr->journal_path,
        .stack = o->stack,
        .outputs_file = o->outputs_file,
        .snapshot = resume ? NULL : cr->snapshot_id, /* a resume takes the journal's */
        .bots_csv = o->bots,
        .exclude_csv = o->exclude,
        .include_empty = o->include_empty,
        .scan_table = o->scan_table,
        .prices_file = o->prices_file,
        .concurrency = o->concurrency,
        .confirmed = true,
        .cleanup = COPY_CLEANUP_ASK,
        .deployment = w->deployment,
        .plan = w->plan,
        .changed = s_on_changed,
        .ud = w,
    };
    cr->session = copy_session_new(&cfg);
    w->run_started = true; /* the session is bound to this AWS session: no going back */
    wizard_go(w, STEP_COPY_RUN);
    if (cr->session)
        copy_session_start(cr->session);
}

/* ---- the end ------------------------------------------------------------------------- */

bool copy_run_live(const struct wizard *w)
{
    const struct copy_session_state *st = s_session_state(w);
    return st && st->phase != COPY_PHASE_DONE;
}

int copy_run_exit(const struct wizard *w, char **message)
{
    *message = NULL;
    const struct copy_session_state *st = s_session_state(w);
    const struct copy_run *cr = w->step_data[STEP_COPY_RUN];
    if (!st || !cr)
        return EXIT_OK;
    if (st->phase != COPY_PHASE_DONE) {
        char *path = ui_sanitize(cr->journal_path, strlen(cr->journal_path), 1024);
        *message = trf("copyrun.left_hint", path);
        free(path);
        return EXIT_INTERRUPTED;
    }
    if (st->cleanup == COPY_CLEANUP_KEPT || st->cleanup == COPY_CLEANUP_FAILED)
        *message = xstrdup(tr("copyrun.kept_hint"));
    return copy_outcome_exit_code(st->outcome);
}

/* ---- the stop question (q, Ctrl-C) ---------------------------------------------------- */

static const struct key_help s_stop_keys[] = {
    {"s Enter", "key.copy_stop_clean", true},
    {"k", "key.copy_stop_keep", true},
    {"l", "key.copy_leave", true},
    {"Esc", "key.copy_go_on", true},
    {NULL, NULL, false},
};

static void s_stop_draw(struct wizard *w, void *ud, struct rect screen)
{
    (void)ud;
    (void)screen;
    struct rect r = ui_center(w, 12, 70);
    ui_fill(r, ui_attr(w, UI_NORMAL));
    ui_box(w, r, tr("copyrun.stop_title"), ui_attr(w, UI_WARN));
    ui_wrap(r.y + 2, r.x + 2, r.w - 4, r.h - 5, ui_attr(w, UI_NORMAL), tr("copyrun.stop_body"));
    const char *labels[2] = {tr("copyrun.stop_clean"), tr("copyrun.go_on")};
    ui_buttons(w, r.y + r.h - 2, r.x + 2, labels, 2, 0);
}

static void s_leave_now(struct wizard *w)
{
    w->leave_at_once = copy_run_live(w);
    char *msg = NULL;
    int code = copy_run_exit(w, &msg);
    wizard_exit(w, code, msg);
    free(msg);
}

static bool s_stop_key(struct wizard *w, void *ud, wint_t wch, bool is_key_code)
{
    (void)ud;
    struct copy_run *cr = s_state(w);
    if (is_key_code && wch == KEY_ENTER)
        wch = L'\r', is_key_code = false;
    if (is_key_code)
        return true;
    bool clean = wch == L's' || wch == L'S' || wch == L'\r' || wch == L'\n';
    bool keep = wch == L'k' || wch == L'K';
    bool leave = wch == L'l' || wch == L'L' || wch == 3;
    bool go_on = wch == 27 || wch == L'n';
    if (!clean && !keep && !leave && !go_on)
        return true;
    wizard_pop_modal(w);
    if (cr)
        cr->stop_asked = false;
    if (leave) {
        s_leave_now(w);
    } else if ((clean || keep) && cr && cr->session) {
        const struct copy_session_state *st = copy_session_state(cr->session);
        if (st->phase == COPY_PHASE_CLEANUP_ASK)
            copy_session_cleanup(cr->session, clean);
        else
            copy_session_stop(cr->session, clean);
    }
    return true;
}

void copy_run_ask_quit(struct wizard *w)
{
    struct copy_run *cr = s_state(w);
    if (!cr)
        return;
    if (cr->stop_asked) {
        /* Asked twice (a second Ctrl-C): leave at once, as the headless copy does. */
        s_leave_now(w);
        return;
    }
    cr->stop_asked = true;
    struct wizard_modal m = {s_stop_draw, s_stop_key, NULL, s_stop_keys, NULL, NULL};
    wizard_push_modal(w, &m);
}

/* ---- drawing ---------------------------------------------------------------------------- */

static const char *s_phase_key(enum copy_phase p)
{
    switch (p) {
    case COPY_PHASE_IDLE:
    case COPY_PHASE_RESOLVING: return "copyrun.phase.resolving";
    case COPY_PHASE_SNAPSHOTS:
    case COPY_PHASE_CHOOSE: return "copyrun.phase.snapshots";
    case COPY_PHASE_BOTS:
    case COPY_PHASE_PREVIEW: return "copyrun.phase.bots";
    case COPY_PHASE_PREPARING: return "copyrun.phase.preparing";
    case COPY_PHASE_COUNTING: return "copyrun.phase.counting";
    case COPY_PHASE_COPYING: return "copyrun.phase.copying";
    case COPY_PHASE_VERIFYING: return "copyrun.phase.verifying";
    case COPY_PHASE_CLEANUP_ASK: return "copyrun.phase.cleanup_ask";
    case COPY_PHASE_CLEANING: return "copyrun.phase.cleaning";
    case COPY_PHASE_DONE: return "copyrun.phase.done";
    }
    return "copyrun.phase.resolving";
}

static const char *s_outcome_key(enum copy_outcome o)
{
    switch (o) {
    case COPY_OUTCOME_COPIED: return "copyrun.outcome.copied";
    case COPY_OUTCOME_MISMATCH: return "copyrun.outcome.mismatch";
    case COPY_OUTCOME_BOTS_FAILED: return "copyrun.outcome.bots_failed";
    case COPY_OUTCOME_STOPPED: return "copyrun.outcome.stopped";
    case COPY_OUTCOME_CANCELLED: return "copyrun.outcome.cancelled";
    case COPY_OUTCOME_NEEDS_CHOICE:
    case COPY_OUTCOME_REFUSED:
    case COPY_OUTCOME_FAILED: return "copyrun.outcome.failed";
    case COPY_OUTCOME_NONE: break;
    }
    return "copyrun.outcome.failed";
}

static const char *s_res_state_key(enum copy_res_state s)
{
    switch (s) {
    case COPY_RES_NONE: return "copy.res.none";
    case COPY_RES_INTENDED: return "copy.res.intended";
    case COPY_RES_CREATED: return "copy.res.created";
    case COPY_RES_DELETING: return "copy.res.deleting";
    case COPY_RES_DELETED: return "copy.res.deleted";
    }
    return "copy.res.none";
}

static void s_eta(char *buf, size_t n, double eta_s)
{
    if (eta_s >= 0 && isfinite(eta_s))
        ui_format_duration(buf, n, eta_s);
    else
        snprintf(buf, n, "—");
}

/* "120 rows/s · 0.45 MB/s · ETA 2m 10s" (caller frees). */
static char *s_rate_eta(double rows_per_s, double bytes_per_s, double eta_s)
{
    char eta[32];
    s_eta(eta, sizeof eta, eta_s);
    if (rows_per_s > 0)
        return trf("copyrun.rate", rows_per_s, bytes_per_s / 1e6, eta);
    return trf("copyrun.eta", eta);
}

/* The heading, the overall bar and its numbers; returns the rows used. */
static int s_draw_overall(struct wizard *w, const struct copy_session_state *st, int y, int x, int width)
{
    char *head;
    const char *phase = tr(s_phase_key(st->phase));
    if (st->phase == COPY_PHASE_DONE)
        head = xasprintf("%s — %s", phase, tr(s_outcome_key(st->outcome)));
    else if (s_waiting(st->phase))
        head = xstrdup(phase); /* waits for the operator: nothing turns */
    else
        head = xasprintf("%s %s%s", wizard_spinner_frame(w), phase, st->stopping ? tr("copyrun.stopping") : "");
    enum ui_color hc = st->phase != COPY_PHASE_DONE ? UI_RUNNING
                       : st->outcome == COPY_OUTCOME_COPIED ? UI_OK : UI_WARN;
    ui_text(y, x, width, ui_attr(w, hc), head);
    free(head);
    if (st->snapshot && st->snapshot->id) {
        char *snap = trf("copyrun.from", st->run_id ? st->run_id : "…");
        int used = ui_text(y + 1, x, width, ui_attr(w, UI_DIM), snap);
        free(snap);
        ui_untrusted(y + 1, x + used, width - used, ui_attr(w, UI_DIM), st->snapshot->id);
    }
    double total = st->rows_total > 0 ? (double)st->rows_total : 0;
    char *label = trf("copyrun.overall", st->bots_copied, st->bots_to_copy, (long long)st->rows_done,
                      (long long)(st->rows_total > 0 ? st->rows_total : 0));
    ui_progress(w, y + 2, x, width, (double)(st->rows_done > 0 ? st->rows_done : 0), total, label);
    free(label);
    char *rate = s_rate_eta(st->rate.rows_per_s, st->rate.bytes_per_s, st->rate.eta_s);
    char *line = trf("copyrun.mb_rate", (double)st->rate.bytes / 1e6, rate);
    ui_text(y + 3, x + 2, width - 2, ui_attr(w, UI_ACCENT), line);
    free(line);
    free(rate);
    return 4;
}

/* The temporary resources and their states; returns the rows used. */
static int s_draw_resources(struct wizard *w, const struct copy_session_state *st, int y, int x, int width)
{
    ui_text(y, x, width, ui_attr(w, UI_HEADING), tr("copyrun.resources"));
    for (int r = 0; r < COPY_RES_N; r++) {
        const struct copy_session_resource *res = &st->resources[r];
        int ry = y + 1 + r;
        ui_cell(ry, x + 2, 20, ui_attr(w, UI_DIM), tr(copy_resource_key(res->kind)), false);
        enum ui_color c = res->state == COPY_RES_CREATED    ? UI_ACCENT
                          : res->state == COPY_RES_DELETED  ? UI_OK
                          : res->state == COPY_RES_NONE     ? UI_DIM
                                                            : UI_RUNNING;
        ui_cell(ry, x + 23, 14, ui_attr(w, c), tr(s_res_state_key(res->state)), false);
        ui_cell(ry, x + 38, 12, ui_attr(w, UI_DIM), "", false);
        if (res->aws_status && res->state != COPY_RES_DELETED)
            ui_untrusted(ry, x + 38, 12, ui_attr(w, UI_DIM), res->aws_status);
        if (width > 52 && res->name && res->state != COPY_RES_NONE)
            ui_untrusted(ry, x + 51, width - 51, ui_attr(w, UI_NORMAL), res->name);
    }
    return 1 + COPY_RES_N;
}

static const char *s_bot_phase_key(enum copy_bot_phase p)
{
    switch (p) {
    case COPY_BOT_NOT_COPIED: return "copyrun.bot.not_copied";
    case COPY_BOT_WAITING: return "copyrun.bot.waiting";
    case COPY_BOT_COPYING: return "copyrun.bot.copying";
    case COPY_BOT_DONE: return "copyrun.bot.done";
    case COPY_BOT_FAILED: return "copyrun.bot.failed";
    }
    return "copyrun.bot.waiting";
}

/* The bots: those copied first (rows, MB, rate, ETA, verification), then the others with
 * their way and reason. */
static void s_draw_bots(struct wizard *w, struct copy_run *cr, const struct copy_session_state *st, int y,
                        int x, int width, int h)
{
    if (h < 2)
        return;
    /* Columns after the title: state 11, rows 14, MB 8, rate 19 (only when there is room
     * for a title of 20), in v1 13. */
    bool show_rate = width - 2 - 12 - 15 - 9 - 20 - 14 >= 20;
    int rate_w = show_rate ? 20 : 0;
    int tw = width - 2 - 12 - 15 - 9 - rate_w - 14;
    if (tw < 12)
        tw = 12;
    int cx = x + 2;
    int vx = cx + tw + 37 + rate_w;
    attr_t dim = ui_attr(w, UI_DIM);
    ui_cell(y, cx, tw, dim, tr("copyrun.col.bot"), false);
    ui_cell(y, cx + tw + 1, 11, dim, tr("copyrun.col.state"), false);
    ui_cell(y, cx + tw + 13, 14, dim, tr("copyrun.col.rows"), true);
    ui_cell(y, cx + tw + 28, 8, dim, tr("copyrun.col.mb"), true);
    if (show_rate)
        ui_cell(y, cx + tw + 37, 19, dim, tr("copyrun.col.rate"), false);
    ui_cell(y, vx, 13, dim, tr("copyrun.col.verified"), false);
    y++;
    h--;
    int total = (int)st->nbots;
    if (cr->scroll > total - h)
        cr->scroll = total > h ? total - h : 0;
    if (cr->scroll < 0)
        cr->scroll = 0;
    int row = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < st->nbots; i++) {
            const struct copy_session_bot *b = &st->bots[i];
            bool copied_way = b->way == COPY_WAY_COPY;
            if (copied_way != (pass == 0))
                continue;
            if (row >= cr->scroll && row - cr->scroll < h) {
                int ry = y + row - cr->scroll;
                const char *title = b->title && *b->title ? b->title : b->bot_id;
                ui_untrusted(ry, cx, tw, ui_attr(w, UI_NORMAL), title ? title : "");
                if (!copied_way) {
                    ui_cell(ry, cx + tw + 1, 11, ui_attr(w, b->way == COPY_WAY_REEMBED ? UI_WARN : UI_DIM),
                            copy_way_label(b->way), false);
                    ui_untrusted(ry, cx + tw + 13, width - tw - 15, dim, copy_reason_text(b->reason));
                } else {
                    enum ui_color c = b->phase == COPY_BOT_DONE      ? UI_OK
                                      : b->phase == COPY_BOT_FAILED  ? UI_FAIL
                                      : b->phase == COPY_BOT_COPYING ? UI_RUNNING
                                                                     : UI_DIM;
                    ui_cell(ry, cx + tw + 1, 11, ui_attr(w, c), tr(s_bot_phase_key(b->phase)), false);
                    char rows[48], mb[24], ver[48] = "";
                    char *rate = NULL;
                    if (b->rows_total >= 0)
                        snprintf(rows, sizeof rows, "%lld/%lld", (long long)b->rows_done, (long long)b->rows_total);
                    else
                        snprintf(rows, sizeof rows, "%lld", (long long)b->rows_done);
                    snprintf(mb, sizeof mb, "%.2f", (double)b->bytes_done / 1e6);
                    if (b->phase == COPY_BOT_COPYING) {
                        char eta[32];
                        s_eta(eta, sizeof eta, b->eta_s);
                        rate = trf("copyrun.bot_rate", b->rows_per_s, eta);
                    } else if (b->phase == COPY_BOT_DONE && b->rows_per_s > 0) {
                        rate = trf("copyrun.bot_rate_done", b->rows_per_s);
                    }
                    if (b->verified_rows >= 0)
                        snprintf(ver, sizeof ver, "%s %lld", b->verified_equal ? "✓" : "✗", (long long)b->verified_rows);
                    ui_cell(ry, cx + tw + 13, 14, ui_attr(w, UI_NORMAL), rows, true);
                    ui_cell(ry, cx + tw + 28, 8, ui_attr(w, UI_NORMAL), mb, true);
                    if (show_rate)
                        ui_cell(ry, cx + tw + 37, 19, dim, rate ? rate : "", false);
                    free(rate);
                    ui_cell(ry, vx, 13, ui_attr(w, b->verified_equal ? UI_OK : UI_FAIL), ver, false);
                    if (b->phase == COPY_BOT_FAILED && b->error.id != MSG_NONE) {
                        /* The reason replaces the rate and verification columns. */
                        char *why = tr_message(&b->error);
                        ui_untrusted(ry, cx + tw + 37, width - tw - 39, ui_attr(w, UI_FAIL), why);
                        free(why);
                    }
                }
            }
            row++;
        }
    }
}

/* The bottom: the verification, the clean-up question or the end, and the last message. */
static void s_draw_bottom(struct wizard *w, struct copy_run *cr, const struct copy_session_state *st, int y,
                          int x, int width)
{
    for (int i = 0; i < width + 2; i++)
        ui_text(y, x - 1 + i, 1, ui_attr(w, UI_DIM), "─");
    y++;
    if (st->verified) {
        char *v = st->mismatches ? trf("copyrun.verified_differ", st->mismatches)
                                 : trf("copyrun.verified_equal", st->bots_copied);
        ui_text(y, x, width, ui_attr(w, st->mismatches ? UI_FAIL : UI_OK), v);
        free(v);
    } else if (st->error.id != MSG_NONE) {
        char *e = tr_message(&st->error);
        ui_untrusted(y, x, width, ui_attr(w, UI_FAIL), e);
        free(e);
    } else if (st->nlog > 0) {
        char *m = tr_message(&st->log[st->nlog - 1].text);
        ui_untrusted(y, x, width, ui_attr(w, UI_DIM), m);
        free(m);
    }
    y++;
    if (st->phase == COPY_PHASE_CLEANUP_ASK) {
        ui_text(y, x, width, ui_attr(w, UI_ACCENT), tr("copyrun.cleanup_question"));
        const char *labels[2] = {tr("copyrun.cleanup_remove"), tr("copyrun.cleanup_keep")};
        ui_buttons(w, y + 1, x + 2, labels, 2, cr->keep_focused ? 1 : 0);
        return;
    }
    const char *end = NULL;
    switch (st->cleanup) {
    case COPY_CLEANUP_REMOVING: end = "copyrun.cleanup.removing"; break;
    case COPY_CLEANUP_REMOVED: end = "copyrun.cleanup.removed"; break;
    case COPY_CLEANUP_KEPT: end = "copyrun.cleanup.kept"; break;
    case COPY_CLEANUP_FAILED: end = "copyrun.cleanup.failed"; break;
    default: break;
    }
    if (end)
        ui_text(y, x, width, ui_attr(w, st->cleanup == COPY_CLEANUP_REMOVED ? UI_OK : UI_WARN), tr(end));
    if (st->phase == COPY_PHASE_DONE && st->bots_reembed > 0) {
        char *re = trf("copyrun.reembed_hint", st->bots_reembed);
        ui_text(y + (end ? 1 : 0), x, width, ui_attr(w, UI_WARN), re);
        free(re);
    }
}

static void s_draw(struct wizard *w, struct rect a)
{
    struct copy_run *cr = s_state(w);
    int x = a.x + 1, width = a.w - 2;
    if (!cr)
        return;
    if (!cr->session) {
        ui_wrap(a.y, x, width, a.h, ui_attr(w, UI_FAIL), tr("copyrun.no_session"));
        return;
    }
    const struct copy_session_state *st = copy_session_state(cr->session);
    int y = a.y;
    y += s_draw_overall(w, st, y, x, width) + 1;
    y += s_draw_resources(w, st, y, x, width) + 1;
    int bottom_h = 5;
    s_draw_bots(w, cr, st, y, x, width, a.y + a.h - bottom_h - y);
    s_draw_bottom(w, cr, st, a.y + a.h - bottom_h, x, width);
}

/* ---- keys ------------------------------------------------------------------------------- */

static const struct key_help s_keys[] = {
    {"↑↓", "key.scroll", true},
    {"q Ctrl-C", "key.copy_stop", true},
    {"F1", "key.help", true},
    {NULL, NULL, false},
};

static const struct key_help s_keys_cleanup[] = {
    {"Enter", "key.copy_cleanup_answer", true},
    {"←→ Tab", "key.choose", true},
    {"y", "copyrun.cleanup_remove", true},
    {"k", "copyrun.cleanup_keep", true},
    {NULL, NULL, false},
};

static const struct key_help s_keys_done[] = {
    {"↑↓", "key.scroll", true},
    {"q", "key.quit", true},
    {"F1", "key.help", true},
    {NULL, NULL, false},
};

static const struct key_help *s_keys_fn(const struct wizard *w)
{
    const struct copy_session_state *st = s_session_state(w);
    if (st && st->phase == COPY_PHASE_CLEANUP_ASK)
        return s_keys_cleanup;
    return st && st->phase != COPY_PHASE_DONE ? s_keys : s_keys_done;
}

static bool s_key(struct wizard *w, wint_t wch, bool is_key_code)
{
    struct copy_run *cr = s_state(w);
    if (!cr || !cr->session)
        return false;
    const struct copy_session_state *st = copy_session_state(cr->session);
    if (st->phase == COPY_PHASE_CLEANUP_ASK) {
        if (is_key_code && (wch == KEY_LEFT || wch == KEY_RIGHT || wch == KEY_BTAB)) {
            cr->keep_focused = !cr->keep_focused;
            return true;
        }
        if (is_key_code && wch == KEY_ENTER)
            wch = L'\r', is_key_code = false;
        if (!is_key_code) {
            if (wch == L'\t') {
                cr->keep_focused = !cr->keep_focused;
                return true;
            }
            if (wch == L'y' || wch == L'Y' || ((wch == L'\r' || wch == L'\n') && !cr->keep_focused)) {
                copy_session_cleanup(cr->session, true);
                return true;
            }
            if (wch == L'k' || wch == L'K' || ((wch == L'\r' || wch == L'\n') && cr->keep_focused)) {
                copy_session_cleanup(cr->session, false);
                return true;
            }
        }
    }
    if (is_key_code) {
        switch (wch) {
        case KEY_UP: cr->scroll = cr->scroll > 0 ? cr->scroll - 1 : 0; return true;
        case KEY_DOWN: cr->scroll++; return true;
        case KEY_PPAGE: cr->scroll = cr->scroll > 10 ? cr->scroll - 10 : 0; return true;
        case KEY_NPAGE: cr->scroll += 10; return true;
        default: return false;
        }
    }
    return false;
}

static void s_destroy(struct wizard *w)
{
    struct copy_run *cr = w->step_data[STEP_COPY_RUN];
    if (!cr)
        return;
    if (cr->spinning)
        wizard_spinner_release(w);
    if (cr->session)
        copy_session_free(cr->session); /* unfinished: the journal keeps it for a resume */
    free(cr->journal_path);
    free(cr->snapshot_id);
    free(cr);
    w->step_data[STEP_COPY_RUN] = NULL;
}

const struct wizard_step step_copy_run = {
    .name = "step.copy_run",
    .draw = s_draw,
    .key = s_key,
    .keys = s_keys_fn,
    .destroy = s_destroy,
};
