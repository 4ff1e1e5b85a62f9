/* The wizard's main loop and step machine: terminal setup and restore (also on signals),
 * keyboard and bracketed paste through the one event loop, dirty-flag redraw, the
 * spinner timer, modals, help and quit. The screens live in step_*.c. */
#include "tui/tui.h"
#include "tui/wizard.h"

#include "app/options.h"
#include "app/output.h"
#include "engine/discover/deployment.h"
#include "engine/discover/identity.h"
#include "engine/discover/inventory.h"
#include "engine/estimate/plan.h"
#include "engine/run/runner.h"
#include "engine/verify/already_migrated.h"
#include "tui/copy_screens.h"
#include "tui/run_screens.h"
#include "util/ev_loop.h"
#include "util/mem.h"
#include "util/platform.h"
#include "util/textwidth.h"

#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* Key codes for the bracketed paste markers (defined with define_key). */
#define KEY_PASTE_BEGIN (KEY_MAX + 1)
#define KEY_PASTE_END (KEY_MAX + 2)

#define PASTE_MAX_BYTES (1024u * 1024u)

static const struct wizard_step *const s_steps[STEP_COUNT] = {
    &step_welcome, &step_identity, &step_outputs, &step_bots,
    &step_cost, &step_run, &step_summary, &step_copy, &step_copy_run,
};

size_t wizard_path(const struct wizard *w, enum wizard_step_id out[STEP_COUNT])
{
    static const enum wizard_step_id reembed[] = {STEP_WELCOME, STEP_IDENTITY, STEP_OUTPUTS, STEP_BOTS,
                                                  STEP_COST, STEP_RUN, STEP_SUMMARY};
    static const enum wizard_step_id copy[] = {STEP_WELCOME, STEP_IDENTITY, STEP_OUTPUTS, STEP_BOTS,
                                               STEP_COPY, STEP_COPY_RUN};
    const enum wizard_step_id *path = w->copy_way ? copy : reembed;
    size_t n = w->copy_way ? sizeof copy / sizeof *copy : sizeof reembed / sizeof *reembed;
    memcpy(out, path, n * sizeof(*out));
    return n;
}

/* Signal handlers can only reach what is static: the flags, the loop to wake and the
 * terminal state to put back. Everything else stays in struct wizard. */
static volatile sig_atomic_t s_sig_winch, s_sig_int, s_sig_term, s_sig_tstp;
static struct ev_loop *volatile s_sig_loop;
static struct termios s_saved_termios;
static volatile sig_atomic_t s_have_termios;

static const char s_restore_seq[] = "\033[?2004l\033[0m\033[?25h\033[?1049l\r\n";

static void s_on_signal(int sig)
{
    switch (sig) {
    case SIGWINCH: s_sig_winch = 1; break;
    case SIGINT: s_sig_int = 1; break;
    case SIGTSTP: s_sig_tstp = 1; break;
    default: s_sig_term = 1; break;
    }
    if (s_sig_loop)
        ev_loop_wakeup(s_sig_loop);
}

/* A crash: put the terminal back with async-signal-safe calls only, then die as asked. */
static void s_on_fatal(int sig)
{
    ssize_t n = write(STDOUT_FILENO, s_restore_seq, sizeof(s_restore_seq) - 1);
    (void)n;
    if (s_have_termios)
        tcsetattr(STDIN_FILENO, TCSANOW, &s_saved_termios);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void s_install_signals(struct wizard *w)
{
    s_sig_loop = w->session_open ? w->session.loop : NULL;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = s_on_signal;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGWINCH, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGTSTP, &sa, NULL);
    sa.sa_handler = s_on_fatal;
    sa.sa_flags = (int)SA_RESETHAND;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    sigaction(SIGFPE, &sa, NULL);
    sigaction(SIGILL, &sa, NULL);
    sigaction(SIGABRT, &sa, NULL);
}

static void s_reset_signals(void)
{
    int sigs[] = {SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGTSTP, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        signal(sigs[i], SIG_DFL);
    s_sig_loop = NULL;
}

static void s_paste_mode(bool on)
{
    fputs(on ? "\033[?2004h" : "\033[?2004l", stdout);
    fflush(stdout);
}

static void s_update_size(struct wizard *w)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
        resize_term(ws.ws_row, ws.ws_col);
    w->rows = LINES;
    w->cols = COLS;
    w->too_small = w->rows < WIZARD_MIN_ROWS || w->cols < WIZARD_MIN_COLS;
}

/* --- services for the steps --------------------------------------------------------- */

void wizard_dirty(struct wizard *w)
{
    w->dirty = true;
}

void wizard_go(struct wizard *w, enum wizard_step_id id)
{
    if (id >= STEP_COUNT || w->quitting)
        return;
    const struct wizard_step *old = s_steps[w->step];
    if (w->step_entered[w->step] && old->leave && id != w->step)
        old->leave(w);
    w->step = id;
    w->step_entered[id] = true;
    if (s_steps[id]->enter)
        s_steps[id]->enter(w);
    wizard_dirty(w);
}

static void s_spinner_tick(void *ud)
{
    struct wizard *w = ud;
    w->spinner_timer = 0;
    if (w->spinner_users <= 0)
        return;
    w->spinner_frame++;
    wizard_dirty(w);
    w->spinner_timer = ev_timer_add(w->session.loop, 100, s_spinner_tick, w);
}

void wizard_spinner_acquire(struct wizard *w)
{
    if (w->spinner_users++ == 0 && w->session_open && !w->spinner_timer)
        w->spinner_timer = ev_timer_add(w->session.loop, 100, s_spinner_tick, w);
}

void wizard_spinner_release(struct wizard *w)
{
    if (w->spinner_users > 0 && --w->spinner_users == 0 && w->spinner_timer) {
        ev_timer_cancel(w->session.loop, w->spinner_timer);
        w->spinner_timer = 0;
    }
}

const char *wizard_spinner_frame(const struct wizard *w)
{
    static const char *const frames[] = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};
    return frames[w->spinner_frame % (sizeof(frames) / sizeof(frames[0]))];
}

void wizard_push_modal(struct wizard *w, const struct wizard_modal *m)
{
    struct wizard_modal *copy = xmalloc(sizeof(*copy));
    *copy = *m;
    copy->below = w->modal;
    w->modal = copy;
    wizard_dirty(w);
}

void wizard_pop_modal(struct wizard *w)
{
    struct wizard_modal *top = w->modal;
    if (!top)
        return;
    w->modal = top->below;
    if (top->free_ud)
        top->free_ud(top->ud);
    free(top);
    wizard_dirty(w);
}

void wizard_exit(struct wizard *w, int code, const char *message)
{
    w->exit_code = code;
    free(w->exit_message);
    w->exit_message = message ? xstrdup(message) : NULL;
    w->done = true;
}

static void s_on_quit_answer(struct wizard *w, void *ud, bool yes)
{
    (void)ud;
    w->quit_asked = false;
    if (!yes)
        return;
    w->quitting = true;
    if (w->step_data[STEP_COPY_RUN]) {
        /* The copy way: the copy's own exit code, and its journal or the cleanup command
         * named when something is left. */
        if (copy_run_live(w))
            w->leave_at_once = true;
        char *msg = NULL;
        int code = copy_run_exit(w, &msg);
        wizard_exit(w, code, msg);
        free(msg);
        return;
    }
    w->exit_code = w->run_started ? EXIT_INTERRUPTED : EXIT_OK;
    if (w->runner && !runner_finished(w->runner)) {
        runner_leave(w->runner);
        if (!runner_finished(w->runner)) {
            wizard_dirty(w);
            return; /* the loop ends once the runner settles */
        }
    }
    if (w->run_started && w->journal_path) {
        char *msg = trf("quit.resume_hint", w->journal_path);
        wizard_exit(w, w->exit_code, msg);
        free(msg);
    } else {
        wizard_exit(w, w->exit_code, NULL);
    }
}

void wizard_request_quit(struct wizard *w)
{
    if (w->quitting || w->quit_asked)
        return;
    if (w->step == STEP_COPY_RUN && copy_run_live(w)) {
        copy_run_ask_quit(w); /* stop and clean, stop and keep, or leave */
        return;
    }
    bool live = w->runner && !runner_finished(w->runner);
    if (live && w->step == STEP_RUN) {
        step_run_ask_quit(w); /* the dashboard says what keeps running */
        return;
    }
    w->quit_asked = true;
    ui_confirm(w, tr("quit.title"), live ? tr("quit.body_running") : tr("quit.body_idle"),
               tr("quit.yes"), tr("quit.no"), s_on_quit_answer, NULL);
}

void wizard_forget_from_deployment(struct wizard *w)
{
    if (w->migrated) {
        migrated_set_free(w->migrated);
        free(w->migrated);
        w->migrated = NULL;
    }
    if (w->plan) {
        plan_free(w->plan);
        free(w->plan);
        w->plan = NULL;
    }
    if (w->inventory) {
        inventory_free(w->inventory);
        free(w->inventory);
        w->inventory = NULL;
    }
    if (w->quotas) {
        quota_facts_free(w->quotas);
        free(w->quotas);
        w->quotas = NULL;
    }
    if (w->pull) {
        image_pull_free(w->pull);
        free(w->pull);
        w->pull = NULL;
    }
    if (w->web_probe) {
        web_probe_free(w->web_probe);
        free(w->web_probe);
        w->web_probe = NULL;
    }
    if (w->deployment) {
        deployment_free(w->deployment);
        free(w->deployment);
        w->deployment = NULL;
    }
}

static void s_forget_engine_data(struct wizard *w)
{
    wizard_forget_from_deployment(w);
    if (w->identity) {
        identity_free(w->identity);
        free(w->identity);
        w->identity = NULL;
    }
    free(w->identity_error);
    w->identity_error = NULL;
    free(w->journal_path);
    w->journal_path = NULL;
    w->resume = WIZARD_RESUME_UNASKED;
}

static int s_open_session(struct wizard *w)
{
    struct aws_session_options so = w->opts->aws;
    if (w->profile_choice)
        so.profile = w->profile_choice;
    if (w->region_choice)
        so.region = w->region_choice;
    free(w->session_error);
    w->session_error = NULL;
    memset(&w->session, 0, sizeof(w->session));
    if (aws_session_open(&w->session, &so, &w->session_error) != 0) {
        w->session_open = false;
        return -1;
    }
    w->session_open = true;
    return 0;
}

static void s_on_stdin(void *ud, int fd);

int wizard_reopen_session(struct wizard *w, const char *profile, const char *region)
{
    if (w->runner || w->run_started)
        return -1; /* the run is bound to the session it started with */
    if (profile) {
        free(w->profile_choice);
        w->profile_choice = xstrdup(profile);
    }
    if (region) {
        free(w->region_choice);
        w->region_choice = *region ? xstrdup(region) : NULL;
    }
    s_forget_engine_data(w);
    /* The loop goes with the session: keep the spinner and stdin on the new one. */
    if (w->spinner_timer && w->session_open)
        ev_timer_cancel(w->session.loop, w->spinner_timer);
    w->spinner_timer = 0;
    s_sig_loop = NULL;
    if (w->session_open) {
        ev_unwatch_fd(w->session.loop, STDIN_FILENO);
        aws_session_close(&w->session);
        w->session_open = false;
    }
    int rc = s_open_session(w);
    if (rc == 0) {
        ev_watch_fd(w->session.loop, STDIN_FILENO, s_on_stdin, w);
        s_sig_loop = w->session.loop;
        if (w->spinner_users > 0)
            w->spinner_timer = ev_timer_add(w->session.loop, 100, s_spinner_tick, w);
    }
    wizard_dirty(w);
    return rc;
}

int wizard_build_plan(struct wizard *w, char **error)
{
    if (!w->inventory) {
        *error = xstrdup(tr("bots.no_inventory"));
        return -1;
    }
    struct plan_options po;
    memset(&po, 0, sizeof(po));
    po.include_empty = w->opts->include_empty;
    po.bots_csv = w->opts->bots;
    po.exclude_csv = w->opts->exclude;
    po.concurrency = w->concurrency > 0 ? w->concurrency : w->opts->concurrency;
    po.region = w->session_open ? w->session.region : NULL;
    po.prices_file = w->opts->prices_file;
    po.quotas = w->quotas;
    po.pull = w->pull;
    struct plan *p = xcalloc(1, sizeof(*p));
    if (plan_build(w->inventory, w->deployment, &po, p, error) != 0) {
        free(p);
        return -1;
    }
    if (w->plan) {
        plan_free(w->plan);
        free(w->plan);
    }
    w->plan = p;
    if (w->migrated && !w->opts->include_migrated && !w->opts->bots)
        migrated_apply_to_plan(w->migrated, p);
    if (w->concurrency <= 0)
        w->concurrency = p->concurrency;
    wizard_apply_price_edits(w);
    return 0;
}

/* --- help ------------------------------------------------------------------------ */

static const struct key_help s_global_keys[] = {
    {"F1 ?", "key.help", false},
    {"q", "key.quit", false},
    {"Ctrl-L", "key.redraw", false},
    {NULL, NULL, false},
};

static const struct key_help s_help_modal_keys[] = {
    {"Esc", "key.close", true},
    {NULL, NULL, false},
};

static void s_help_draw(struct wizard *w, void *ud, struct rect screen)
{
    (void)ud;
    (void)screen;
    const struct wizard_step *st = s_steps[w->step];
    const struct key_help *keys = st->keys ? st->keys(w) : NULL;
    size_t n = 0;
    for (size_t i = 0; keys && keys[i].keys; i++)
        n++;
    int h = (int)n + 3 + 3 + 3;
    struct rect r = ui_center(w, h, 64);
    ui_fill(r, ui_attr(w, UI_NORMAL));
    ui_box(w, r, tr("help.title"), ui_attr(w, UI_ACCENT));
    int y = r.y + 1;
    ui_text(y++, r.x + 2, r.w - 4, ui_attr(w, UI_HEADING), tr(st->name));
    for (size_t i = 0; keys && keys[i].keys && y < r.y + r.h - 1; i++) {
        ui_cell(y, r.x + 3, 14, ui_attr(w, UI_KEY), keys[i].keys, false);
        ui_text(y++, r.x + 18, r.w - 20, ui_attr(w, UI_NORMAL), tr(keys[i].what));
    }
    y++;
    ui_text(y++, r.x + 2, r.w - 4, ui_attr(w, UI_HEADING), tr("help.everywhere"));
    for (size_t i = 0; s_global_keys[i].keys && y < r.y + r.h - 1; i++) {
        ui_cell(y, r.x + 3, 14, ui_attr(w, UI_KEY), s_global_keys[i].keys, false);
        ui_text(y++, r.x + 18, r.w - 20, ui_attr(w, UI_NORMAL), tr(s_global_keys[i].what));
    }
}

static bool s_help_key(struct wizard *w, void *ud, wint_t wch, bool is_key_code)
{
    (void)ud;
    (void)wch;
    (void)is_key_code;
    wizard_pop_modal(w);
    return true;
}

static void s_show_help(struct wizard *w)
{
    struct wizard_modal m = {s_help_draw, s_help_key, NULL, s_help_modal_keys, NULL, NULL};
    wizard_push_modal(w, &m);
}

/* --- input ------------------------------------------------------------------------ */

struct paste_state {
    bool active;
    char *buf;
    size_t len, cap;
    bool overflow;
};

static struct paste_state *s_paste(struct wizard *w);

static void s_dispatch_key(struct wizard *w, wint_t wch, bool is_key_code)
{
    if (is_key_code && wch == KEY_RESIZE) {
        s_sig_winch = 1;
        return;
    }
    if (w->too_small) {
        /* No room for the confirm dialog, and the message promises that q quits: quitting
         * never stops a task (they go on, resumable from the journal), so go now. */
        if (!is_key_code && (wch == L'q' || wch == 3))
            s_on_quit_answer(w, NULL, true);
        return;
    }
    wizard_dirty(w);
    if (w->modal) {
        struct wizard_modal *m = w->modal;
        if (m->key && m->key(w, m->ud, wch, is_key_code))
            return;
    }
    const struct wizard_step *st = s_steps[w->step];
    if (!w->modal && st->key && st->key(w, wch, is_key_code))
        return;
    if (is_key_code) {
        if (wch == KEY_F(1))
            s_show_help(w);
        else if (wch == KEY_F(10))
            wizard_request_quit(w);
        return;
    }
    switch (wch) {
    case L'?':
        if (!w->modal)
            s_show_help(w);
        break;
    case L'q':
        if (!w->modal)
            wizard_request_quit(w);
        break;
    case 12: /* Ctrl-L */
        clearok(curscr, TRUE);
        break;
    default: break;
    }
}

static void s_paste_add(struct paste_state *p, wint_t wch)
{
    char mb[8];
    size_t n;
    if (wch == L'\r') {
        mb[0] = '\n';
        n = 1;
    } else {
        mbstate_t st;
        memset(&st, 0, sizeof(st));
        n = wcrtomb(mb, (wchar_t)wch, &st);
        if (n == (size_t)-1)
            return;
    }
    if (p->len + n > PASTE_MAX_BYTES) {
        p->overflow = true;
        return;
    }
    if (p->len + n + 1 > p->cap) {
        p->cap = p->cap ? p->cap * 2 : 4096;
        p->buf = xrealloc(p->buf, p->cap);
    }
    memcpy(p->buf + p->len, mb, n);
    p->len += n;
    p->buf[p->len] = '\0';
}

static void s_paste_finish(struct wizard *w, struct paste_state *p)
{
    p->active = false;
    const struct wizard_step *st = s_steps[w->step];
    if (!w->modal && !w->too_small && st->paste && p->len > 0 && !p->overflow)
        st->paste(w, p->buf, p->len);
    else if (p->overflow)
        w->dirty = true;
    free(p->buf);
    p->buf = NULL;
    p->len = p->cap = 0;
    p->overflow = false;
    wizard_dirty(w);
}

static void s_handle_signals(struct wizard *w);

static void s_on_stdin(void *ud, int fd)
{
    (void)fd;
    struct wizard *w = ud;
    /* A signal that came before these keys (Ctrl-C, then n) is acted on before them. */
    s_handle_signals(w);
    struct paste_state *p = s_paste(w);
    for (int guard = 0; guard < 1 << 20 && !w->done; guard++) {
        wint_t wch;
        int rc = wget_wch(stdscr, &wch);
        if (rc == ERR)
            break;
        bool is_key = rc == KEY_CODE_YES;
        if (is_key && wch == KEY_PASTE_BEGIN) {
            p->active = true;
            continue;
        }
        if (is_key && wch == KEY_PASTE_END) {
            s_paste_finish(w, p);
            continue;
        }
        if (p->active) {
            if (!is_key)
                s_paste_add(p, wch);
            continue;
        }
        if (!is_key && wch == 27) {
            /* A key sequence the terminal description does not know arrives as ESC and
             * its bytes; dropping it keeps an unknown End or F-key from acting as Esc
             * (Back). A lone ESC is a real Esc. */
            wint_t next;
            int rc2 = wget_wch(stdscr, &next);
            if (rc2 == OK && (next == L'[' || next == L'O')) {
                for (int i = 0; i < 16; i++) {
                    wint_t c;
                    if (wget_wch(stdscr, &c) != OK || (c >= 0x40 && c <= 0x7e))
                        break;
                }
                continue;
            }
            s_dispatch_key(w, wch, false);
            if (rc2 != ERR && !w->done)
                s_dispatch_key(w, next, rc2 == KEY_CODE_YES);
            continue;
        }
        s_dispatch_key(w, wch, is_key);
    }
}

/* --- drawing --------------------------------------------------------------------- */

static void s_draw_too_small(struct wizard *w)
{
    erase();
    char *msg = trf("screen.too_small", WIZARD_MIN_COLS, WIZARD_MIN_ROWS, w->cols, w->rows);
    int y = w->rows / 2;
    int width = (int)text_width(msg);
    int x = width < w->cols ? (w->cols - width) / 2 : 0;
    if (y >= 0 && w->cols > 0)
        ui_wrap(y > 0 ? y - 1 : 0, x, w->cols - x, w->rows, ui_attr(w, UI_WARN), msg);
    free(msg);
}

static void s_draw_modals(struct wizard *w, struct wizard_modal *m, struct rect screen)
{
    if (!m)
        return;
    s_draw_modals(w, m->below, screen);
    if (m->draw)
        m->draw(w, m->ud, screen);
}

static void s_redraw(struct wizard *w)
{
    w->dirty = false;
    if (w->too_small) {
        s_draw_too_small(w);
    } else {
        erase();
        ui_title_bar(w);
        const struct wizard_step *st = s_steps[w->step];
        if (st->draw)
            st->draw(w, ui_body(w));
        if (w->quitting)
            ui_status_line(w, tr("quit.waiting"), UI_WARN);
        struct rect screen = {0, 0, w->rows, w->cols};
        s_draw_modals(w, w->modal, screen);
        const struct key_help *keys = w->modal ? w->modal->keys : (st->keys ? st->keys(w) : NULL);
        ui_key_bar(w, keys);
    }
    wnoutrefresh(stdscr);
    doupdate();
}

/* --- signals handled in the loop ------------------------------------------------------ */

static void s_restore_terminal(void)
{
    s_paste_mode(false);
    endwin();
}

static void s_handle_signals(struct wizard *w)
{
    if (s_sig_term) {
        s_sig_term = 0;
        w->quitting = true;
        if (w->step_data[STEP_COPY_RUN]) {
            /* The copy's journal keeps what exists; the next start resumes. */
            if (copy_run_live(w))
                w->leave_at_once = true;
            char *msg = NULL;
            int code = copy_run_exit(w, &msg);
            wizard_exit(w, code == EXIT_OK ? EXIT_OK : EXIT_INTERRUPTED, msg);
            free(msg);
            return;
        }
        if (w->runner && !runner_finished(w->runner))
            runner_leave(w->runner);
        /* Killed mid-run: say where the journal is, as leaving with q does. */
        char *msg = w->run_started && w->journal_path ? trf("quit.resume_hint", w->journal_path)
                                                      : NULL;
        wizard_exit(w, w->run_started ? EXIT_INTERRUPTED : EXIT_OK, msg);
        free(msg);
    }
    if (s_sig_int) {
        s_sig_int = 0;
        if (w->quitting) /* a second Ctrl-C while waiting for the runner: go now */
            wizard_exit(w, EXIT_INTERRUPTED, NULL);
        else if (w->too_small) /* the confirm could not be seen */
            s_on_quit_answer(w, NULL, true);
        else if (!w->modal || w->modal->draw != NULL)
            wizard_request_quit(w);
    }
    if (s_sig_tstp) {
        s_sig_tstp = 0;
        s_restore_terminal();
        signal(SIGTSTP, SIG_DFL);
        raise(SIGTSTP); /* stops here until SIGCONT */
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sigemptyset(&sa.sa_mask);
        sa.sa_handler = s_on_signal;
        sa.sa_flags = SA_RESTART;
        sigaction(SIGTSTP, &sa, NULL);
        s_paste_mode(true);
        refresh();
        s_sig_winch = 1;
    }
    if (s_sig_winch) {
        s_sig_winch = 0;
        bool was_small = w->too_small;
        s_update_size(w);
        clearok(curscr, TRUE);
        if (!w->too_small && s_steps[w->step]->on_resize)
            s_steps[w->step]->on_resize(w);
        (void)was_small;
        wizard_dirty(w);
    }
}

/* --- exit ------------------------------------------------------------------------ */

/* Longest wait for replies at exit: a RunTask answer must be journaled, but a terminal
 * closing (SIGHUP/SIGTERM) expects the process gone within seconds. */
#define DRAIN_MAX_MS 8000

static bool s_settled(const struct wizard *w)
{
    if (w->inflight > 0)
        return false;
    return !w->runner || (runner_finished(w->runner) && runner_idle(w->runner));
}

static uint64_t s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Runs the loop (the terminal already restored) until every request the wizard started
 * has been answered, so each reply's context is freed by its own callback and a RunTask
 * in flight is journaled; the runner is told to leave first. A second Ctrl-C ends the
 * wait (the default SIGINT action is back). */
static void s_drain(struct wizard *w)
{
    if (!w->session_open)
        return;
    w->quitting = true; /* callbacks may no longer switch steps */
    /* The screen is gone: reading a key now would have curses take the terminal back. */
    ev_unwatch_fd(w->session.loop, STDIN_FILENO);
    if (w->runner && !runner_finished(w->runner))
        runner_leave(w->runner);
    uint64_t deadline = s_now_ms() + DRAIN_MAX_MS;
    while (!s_settled(w)) {
        uint64_t now = s_now_ms();
        if (now >= deadline)
            break;
        ev_loop_run_once(w->session.loop, (int)(deadline - now));
    }
}

/* --- entry ----------------------------------------------------------------------- */

static struct paste_state *s_paste(struct wizard *w)
{
    /* The paste buffer belongs to the loop, not to any step. */
    static struct paste_state state; /* one wizard per process */
    (void)w;
    return &state;
}

static void s_ensure_utf8_locale(void)
{
    const char *cs = nl_langinfo(CODESET);
    if (cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0))
        return;
    /* The wizard draws UTF-8 (breadcrumb, marks, bars); ask for a UTF-8 character type. */
    if (!setlocale(LC_CTYPE, "C.UTF-8"))
        setlocale(LC_CTYPE, "en_US.UTF-8");
}

static void s_free_wizard(struct wizard *w)
{
    while (w->modal)
        wizard_pop_modal(w);
    for (int i = 0; i < STEP_COUNT; i++)
        if (s_steps[i]->destroy)
            s_steps[i]->destroy(w);
    if (w->runner) {
        runner_free(w->runner);
        w->runner = NULL;
    }
    free(w->pilot_items);
    w->pilot_items = NULL;
    s_forget_engine_data(w);
    if (w->spinner_timer && w->session_open)
        ev_timer_cancel(w->session.loop, w->spinner_timer);
    if (w->session_open) {
        ev_unwatch_fd(w->session.loop, STDIN_FILENO);
        aws_session_close(&w->session);
    }
    free(w->session_error);
    free(w->profile_choice);
    free(w->region_choice);
    free(w->exit_message);
}

#define STR_PATCH_(x) #x
#define STR_PATCH(x) STR_PATCH_(x)

/* The release tarball carries terminfo for common terminals in share/terminfo beside bin/:
 * it is searched after the system's own directories (the empty first entry of
 * TERMINFO_DIRS stands for them), so a system without terminfo still gets a wizard. */
static void s_use_bundled_terminfo(void)
{
    char *exe = platform_executable_path();
    char *slash = exe ? strrchr(exe, '/') : NULL;
    if (!slash) {
        free(exe);
        return;
    }
    *slash = '\0';
    char *dir = xasprintf("%s/../share/terminfo", exe);
    free(exe);
    struct stat st;
    if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
        const char *old = getenv("TERMINFO_DIRS");
        char *dirs = old && *old ? xasprintf("%s:%s", old, dir) : xasprintf(":%s", dir);
        setenv("TERMINFO_DIRS", dirs, 1);
        free(dirs);
    }
    free(dir);
}

const char *wizard_curses_version(void)
{
    const char *v = (curses_version)(); /* "ncurses 6.4.20221231" */
    const char *space = v ? strchr(v, ' ') : NULL;
    return space ? space + 1 : v;
}

const char *wizard_curses_built_version(void)
{
    return NCURSES_VERSION "." STR_PATCH(NCURSES_VERSION_PATCH);
}

int wizard_main(const struct app_options *o)
{
    if (i18n_init(o->lang) != 0) {
        app_error(o, "unknown --lang '%s': the wizard speaks en and ja", o->lang);
        return EXIT_USAGE;
    }
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        app_error(o, "the wizard needs a terminal; use the commands instead (see --help)");
        return EXIT_USAGE;
    }
    s_ensure_utf8_locale();

    struct wizard w;
    memset(&w, 0, sizeof(w));
    w.opts = o;
    w.exit_code = EXIT_OK;
    if (s_open_session(&w) != 0) {
        app_error(o, "%s", w.session_error);
        s_free_wizard(&w);
        return EXIT_CONFIG;
    }

    if (tcgetattr(STDIN_FILENO, &s_saved_termios) == 0)
        s_have_termios = 1;
    s_use_bundled_terminfo();
    set_escdelay(50);
    if (!initscr()) {
        app_error(o, "cannot initialise the terminal (TERM=%s); use the commands instead",
                  getenv("TERM") ? getenv("TERM") : "unset");
        s_free_wizard(&w);
        return EXIT_CONFIG;
    }
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    curs_set(0);
    define_key("\033[200~", KEY_PASTE_BEGIN);
    define_key("\033[201~", KEY_PASTE_END);
    ui_colors_init(&w);
    s_install_signals(&w);
    s_paste_mode(true);
    s_update_size(&w);

    ev_watch_fd(w.session.loop, STDIN_FILENO, s_on_stdin, &w);
    w.step = STEP_WELCOME;
    w.step_entered[STEP_WELCOME] = true;
    if (step_welcome.enter)
        step_welcome.enter(&w);
    w.dirty = true;

    while (!w.done) {
        if (w.quitting && !w.done && (!w.runner || runner_finished(w.runner))) {
            char *msg = w.run_started && w.journal_path ? trf("quit.resume_hint", w.journal_path)
                                                        : NULL;
            wizard_exit(&w, w.exit_code, msg);
            free(msg);
            break;
        }
        if (w.dirty)
            s_redraw(&w);
        /* Sleep until input, a transfer, a signal or a timer (the spinner's runs only while
         * something animates): idle costs no CPU. */
        ev_loop_run_once(w.session.loop, -1);
        s_handle_signals(&w);
        /* Keys ncurses already buffered do not make stdin readable again. */
        s_on_stdin(&w, STDIN_FILENO);
    }

    s_restore_terminal();
    s_reset_signals();
    if (w.leave_at_once) {
        /* The copy session was left unfinished: its requests in flight are abandoned, as
         * the headless copy's second Ctrl-C does (every record is already fsync'd; a
         * resume rolls back a transaction left open). */
        if (w.exit_message)
            fprintf(stderr, "%s\n", w.exit_message);
        fflush(stdout);
        fflush(stderr);
        _exit(w.exit_code);
    }
    s_drain(&w);
    int code = w.exit_code;
    if (w.exit_message)
        fprintf(stderr, "%s\n", w.exit_message);
    s_free_wizard(&w);
    struct paste_state *p = s_paste(&w);
    free(p->buf);
    memset(p, 0, sizeof(*p));
    return code;
}
