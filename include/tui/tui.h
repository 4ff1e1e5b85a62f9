/* tui/ — the wizard, one of the two views of the engine (cli/ is the other) and the
 * only folder that includes curses. It reads struct app_options and answers through
 * app/output.h as the commands do, but never includes cli/: main.c calls wizard_main()
 * (tui/wizard.h). Steps are step_*.c (a big one split by concern, as step_run_state.c,
 * _follow.c, _draw.c and step_run.c are), reusable widgets widgets_*.c, the words
 * i18n*.c and po/.
 *
 * The ncurses wizard: the state every screen shares, the step table, and the drawing
 * helpers every screen uses (title bar with breadcrumb, key bar, colours, untrusted text).
 *
 * Owns: struct wizard (one per program run, passed explicitly; no mutable globals), the
 * step interface, modal overlays, the spinner, dirty-flag redraw. The wizard is a view:
 * data flows AWS → engine → wizard; it changes engine state only through engine calls.
 *
 * Loop contract: wizard.c runs ev_loop_run_once on the session's loop. stdin is watched
 * with ev_watch_fd; keys are read with wget_wch until ERR and given first to the modal
 * on top (if any), then to the current step, then to the global bindings (F1/? help,
 * q quit, Ctrl-L redraw). After each iteration, when w->dirty is set, the whole screen is
 * erased and redrawn (title, body through step->draw, key bar, modal) with
 * wnoutrefresh + doupdate. Engine callbacks that change what a step shows call
 * wizard_dirty(w). */
#ifndef BCM_TUI_TUI_H
#define BCM_TUI_TUI_H

#include "app/options.h"
#include "app/output.h"
#include "aws/session.h"
#include "engine/estimate/image_pull.h"
#include "engine/estimate/pricing.h"
#include "engine/estimate/quotas.h"
#include "tui/i18n.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <ncursesw/curses.h>

struct identity;
struct deployment;
struct inventory;
struct plan;
struct migrated_set;
struct runner;
struct wizard;

/* Need at least this much room; below it only the "terminal too small" message shows. */
#define WIZARD_MIN_COLS 80
#define WIZARD_MIN_ROWS 24

enum wizard_step_id {
    STEP_WELCOME,
    STEP_IDENTITY,
    STEP_OUTPUTS,
    STEP_BOTS,
    STEP_COST,
    STEP_RUN,
    STEP_SUMMARY,
    STEP_COPY,      /* the copy way: snapshot, both previews side by side, confirmation */
    STEP_COPY_RUN,  /* the copy way: the copy's dashboard, verification and clean-up */
    STEP_COUNT
};

/* The steps the operator walks, in order, for the way chosen on the welcome step (the
 * breadcrumb's numbers): re-embed Welcome … Cost, Run, Summary; copy Welcome … Bots,
 * Copy (snapshot and previews), Copying. Writes up to STEP_COUNT ids; returns how many. */
size_t wizard_path(const struct wizard *w, enum wizard_step_id out[STEP_COUNT]);

/* Semantic colours (what a thing is), mapped to a palette or to monochrome attributes. */
enum ui_color {
    UI_NORMAL,
    UI_TITLE,       /* title bar */
    UI_BADGE,       /* DEMO badge */
    UI_CRUMB,       /* breadcrumb, inactive steps */
    UI_CRUMB_NOW,   /* breadcrumb, current step */
    UI_KEYBAR,      /* bottom key bar background */
    UI_KEY,         /* a key name in the key bar */
    UI_HEADING,     /* section headings, table headers */
    UI_SELECTED,    /* cursor row / focused button */
    UI_DIM,         /* secondary text, hints, queued bots */
    UI_OK,          /* ✓, succeeded */
    UI_WARN,        /* !, warnings */
    UI_FAIL,        /* ✗, failed, errors */
    UI_RUNNING,     /* in progress (blue) */
    UI_ACCENT,      /* numbers worth noticing: money, counts */
    UI_COLOR_COUNT
};

/* One line of the key bar and of the F1 help: the same table drives both. */
struct key_help {
    const char *keys;     /* shown as is: "Space", "↑↓", "/", "Enter" */
    const char *what;     /* an i18n key, translated when drawn */
    bool bar;             /* also shown in the bottom key bar (else only in help) */
};

/* A rectangle on stdscr. */
struct rect {
    int y, x, h, w;
};

/* A screen of the wizard. Every member may be NULL. */
struct wizard_step {
    const char *name;     /* i18n key of the breadcrumb label ("step.welcome") */
    /* Called when the step becomes current (also when coming back to it). */
    void (*enter)(struct wizard *w);
    /* Called when another step becomes current. */
    void (*leave)(struct wizard *w);
    /* Draws the body; area excludes title bar and key bar. */
    void (*draw)(struct wizard *w, struct rect area);
    /* A key: wch is a character (is_key_code false) or a KEY_* code. Returns true when
     * handled; unhandled keys fall through to the global bindings. */
    bool (*key)(struct wizard *w, wint_t wch, bool is_key_code);
    /* The terminal changed size (LINES/COLS already updated). */
    void (*on_resize)(struct wizard *w);
    /* The bindings shown in the key bar and help, ending with {NULL}; may depend on the
     * step's state (a text box in focus has other keys). */
    const struct key_help *(*keys)(const struct wizard *w);
    /* Frees the step's state at exit (w->step_data[id]). */
    void (*destroy)(struct wizard *w);
    /* A bracketed paste (\e[200~ … \e[201~), delivered whole; NULL: the paste is dropped
     * (so pasted newlines can never act as Enter on a screen that takes no text). */
    void (*paste)(struct wizard *w, const char *text, size_t len);
};

/* An overlay on top of the current step (confirm dialog, help, resume offer). Keys go to
 * the top modal first; a modal that returns false lets the key through to the step. */
struct wizard_modal {
    void (*draw)(struct wizard *w, void *ud, struct rect screen);
    bool (*key)(struct wizard *w, void *ud, wint_t wch, bool is_key_code);
    void (*free_ud)(void *ud);
    const struct key_help *keys;  /* key bar while the modal is up; may be NULL */
    void *ud;
    struct wizard_modal *below;   /* managed by wizard_push_modal / wizard_pop_modal */
};

/* The resume offer's answer (see resume_offer.h / resume_offer.c). */
enum wizard_resume {
    WIZARD_RESUME_UNASKED,  /* no journal looked at yet */
    WIZARD_RESUME_NONE,     /* no unfinished run in the journal, or the operator ignored it */
    WIZARD_RESUME_CONTINUE, /* resume the journal's run: step_run opens it without targets */
    WIZARD_RESUME_NEW,      /* start a new run (the journal's run is set aside) */
};

struct wizard {
    const struct app_options *opts;
    struct aws_session session;      /* open while session_open */
    bool session_open;
    char *session_error;             /* why the session could not open; NULL when fine */
    char *profile_choice;            /* picked on the identity step (NULL: --profile/env) */
    char *region_choice;             /* typed on the identity step (NULL: --region/env) */

    /* Engine data, each NULL until known; owned by the wizard, freed at exit. */
    struct identity *identity;       /* deep copy of identity_fetch's answer */
    char *identity_error;
    struct deployment *deployment;   /* moved from deployment_resolve's answer */
    struct inventory *inventory;     /* moved from inventory_load's answer */
    struct plan *plan;               /* built from inventory + deployment; items point into
                                        *inventory, so free the plan first */
    struct quota_facts *quotas;      /* read beside the inventory (NULL until answered) */
    struct image_pull_facts *pull;   /* the image pull's facts, likewise */
    int facts_pending;               /* of those two reads, not yet answered */
    struct migrated_set *migrated;   /* bots the v1 stack already re-embedded; NULL until
                                        checked; applied to every plan built */
    struct web_probe *web_probe;     /* the cost step's probe of web sources (w key) */
    bool web_probing;                /* a probe is in flight */
    struct runner *runner;           /* opened by step_run's enter; freed at exit */
    char *journal_path;              /* app_journal_path for the session's region */
    int concurrency;                 /* chosen on the cost step (0: the plan's default) */
    struct {                         /* prices the operator typed on the cost step (known:
                                        set); applied over every plan built */
        struct price_value fargate_vcpu_hour, fargate_gb_hour, embed_per_1k_tokens;
    } price_edits;
    enum wizard_resume resume;
    bool copy_way;                   /* the welcome step's choice: copy v0's vectors from its
                                        snapshot instead of re-embedding (STEP_COPY follows
                                        the bots step) */
    /* "Run a pilot first" (cost step, p): a few bots chosen to span the mix run first in the
     * run's journal; when they finish, the rest's estimate is refitted to what they
     * measured and shown beside the first one before the operator launches the rest. */
    enum wizard_pilot { WIZARD_PILOT_NONE, WIZARD_PILOT_RUNNING, WIZARD_PILOT_DONE } pilot;
    size_t *pilot_items;             /* plan item indices (plan_pick_pilot) */
    size_t npilot;
    struct wizard_pilot_result {
        size_t measured, failed;     /* pilot bots measured / not succeeded */
        double measured_usd;         /* what they cost, measured */
        size_t remaining;            /* selected bots not in the pilot */
        double rest_lo, rest_hi;     /* their cost refitted to the pilot (-1 unknown) */
        double rest_model_lo, rest_model_hi; /* the same bots' first estimate */
        double wall_lo, wall_hi;     /* their wall clock, refitted */
    } pilot_result;
    int inflight;                    /* engine requests started by steps 2–4 and not yet
                                        answered; the session is not reopened meanwhile */

    /* Steps. */
    enum wizard_step_id step;
    bool step_entered[STEP_COUNT];   /* entered at least once */
    void *step_data[STEP_COUNT];     /* each step's own state, owned by that step */
    bool run_started;                /* after launch: Back is no longer offered */

    /* Screen. */
    int rows, cols;
    bool too_small;
    bool dirty;
    bool color;                      /* palette in use (false: monochrome attributes) */
    attr_t attrs[UI_COLOR_COUNT];
    struct wizard_modal *modal;      /* top of the modal stack */

    /* Spinner: a timer runs only while someone animates. */
    int spinner_users;
    uint64_t spinner_timer;
    unsigned spinner_frame;

    /* Exit. */
    bool quit_asked;                 /* a quit / leave confirm is showing (not twice) */
    bool quitting;                   /* quit confirmed: waiting for runner_leave to settle;
                                        observers must not switch steps any more */
    bool done;
    bool leave_at_once;              /* the copy was left unfinished: exit without waiting for
                                        its requests in flight (abandoned, as the headless
                                        copy's second Ctrl-C does; the journal keeps all) */
    int exit_code;
    char *exit_message;              /* printed on stderr after the terminal is restored */
};

/* The steps, in order (step_run / step_summary are the RUN helper's). */
extern const struct wizard_step step_welcome;
extern const struct wizard_step step_identity;
extern const struct wizard_step step_outputs;
extern const struct wizard_step step_bots;
extern const struct wizard_step step_cost;
extern const struct wizard_step step_run;
extern const struct wizard_step step_summary;
extern const struct wizard_step step_copy;
extern const struct wizard_step step_copy_run;

/* --- wizard.c: state machine and services for the steps --------------------------- */

/* Makes `id` current: leave() of the old step, enter() of the new one, redraw. */
void wizard_go(struct wizard *w, enum wizard_step_id id);
/* Marks the screen for a redraw after this loop iteration. */
void wizard_dirty(struct wizard *w);
/* Start/stop animating; the spinner timer runs while at least one user holds it. */
void wizard_spinner_acquire(struct wizard *w);
void wizard_spinner_release(struct wizard *w);
/* The current spinner frame (one cell wide). */
const char *wizard_spinner_frame(const struct wizard *w);
/* Overlays: push takes ownership of a heap copy of *m; pop frees the top one. */
void wizard_push_modal(struct wizard *w, const struct wizard_modal *m);
void wizard_pop_modal(struct wizard *w);
/* Asks "quit?" (with what happens to running tasks) and ends the loop when confirmed;
 * with a runner that has not finished, runner_leave is called first and the loop ends once
 * runner_finished (so no RunTask outcome is lost). Exit code 0 before a launch, else 130. */
void wizard_request_quit(struct wizard *w);
/* Ends the loop now with this exit code; message (may be NULL) goes to stderr after the
 * terminal is restored. */
void wizard_exit(struct wizard *w, int code, const char *message);
/* Reopens the AWS session with another profile and/or region (NULL: keep), forgetting
 * the identity, deployment, inventory and plan. Returns 0 or -1 (w->session_error). */
int wizard_reopen_session(struct wizard *w, const char *profile, const char *region);
/* Frees plan, inventory and deployment (a new outputs resolution starts over). */
void wizard_forget_from_deployment(struct wizard *w);
/* Builds (or rebuilds) w->plan from w->inventory and w->deployment; 0 or -1 with *error. */
int wizard_build_plan(struct wizard *w, char **error);

/* --- price_editor.c ------------------------------------------------------------------ */

/* Opens the cost step's price editor (a modal) over w->plan. */
void price_editor_open(struct wizard *w);
/* Puts w->price_edits over w->plan's prices and estimates again (nothing when no edit). */
void wizard_apply_price_edits(struct wizard *w);

/* --- resume_offer.c (RUN helper) ------------------------------------------------------ */

/* Called by wizard.c once, as soon as w->journal_path is known (after the identity step
 * resolved the region). When the journal holds a run with unfinished or failed bots it
 * pushes a modal offering resume / new run / ignore and records the answer in w->resume;
 * otherwise sets WIZARD_RESUME_NONE. With WIZARD_RESUME_CONTINUE the outputs step goes
 * straight to STEP_RUN once the deployment resolves, and step_run's enter opens the
 * journal's run (no targets); otherwise STEP_RUN is reached only through the cost step's
 * explicit confirmation, and step_run's enter opens a run with the plan's selected bots
 * and w->concurrency. */
void resume_offer_check(struct wizard *w);

/* --- draw.c: drawing helpers --------------------------------------------------------- */

void ui_colors_init(struct wizard *w);     /* palette or monochrome (NO_COLOR, --no-color) */
attr_t ui_attr(const struct wizard *w, enum ui_color c);
/* The colour of a runner bot state (running blue, succeeded green, failed red, queued dim). */
enum ui_color ui_state_color(int bot_state);

/* Draws trusted UTF-8 text (ours, translated) at y,x, cut to max_cols display columns
 * with "…". Returns the columns used. */
int ui_text(int y, int x, int max_cols, attr_t attr, const char *text);
/* Untrusted text (AWS, files, pastes) made safe to draw: sanitize_for_terminal (control
 * characters, escape sequences, bidi overrides removed), then text_unambiguous (emoji
 * sequences terminals measure differently split up, so rows stay aligned). New string. */
char *ui_sanitize(const char *raw, size_t len, size_t max);
/* The same for untrusted text (AWS, files, pastes): ui_sanitize first, then measured and
 * cut. */
int ui_untrusted(int y, int x, int max_cols, attr_t attr, const char *raw);
/* Trusted text padded with spaces (or cut) to exactly cols columns; right-aligned when
 * align_right. */
void ui_cell(int y, int x, int cols, attr_t attr, const char *text, bool align_right);
/* Word-wraps trusted text into width columns from row y, at most max_rows rows (CJK
 * breaks anywhere). Returns the rows used. "\n" starts a new line. */
int ui_wrap(int y, int x, int width, int max_rows, attr_t attr, const char *text);
/* ui_wrap that leaves out the first `skip` rows (scrolled text). Returns rows drawn. */
int ui_wrap_skip(int y, int x, int width, int skip, int max_rows, attr_t attr, const char *text);
/* The rows ui_wrap would use (for layout). */
int ui_wrap_rows(int width, const char *text);
/* A box with an optional title in its top border. */
void ui_box(const struct wizard *w, struct rect r, const char *title, attr_t attr);
/* Fills a rectangle with spaces (clears under a modal). */
void ui_fill(struct rect r, attr_t attr);
/* A horizontal bar `width` columns wide, filled to fraction 0..1 (█ partial ▏▎▍▌▋▊▉). */
void ui_bar(int y, int x, int width, double fraction, attr_t filled, attr_t empty);
/* A centred rect of the given size inside the screen (clamped). */
struct rect ui_center(const struct wizard *w, int h, int wid);
/* Buttons "< Back >  < Next >" with one focused; returns the columns used. */
int ui_buttons(const struct wizard *w, int y, int x, const char *const *labels, size_t n,
               int focused);

/* Title bar (program, breadcrumb "1 Welcome › 2 Identity › …", DEMO badge) on row 0. */
void ui_title_bar(const struct wizard *w);
/* Key bar on the last row from a key table (translated). */
void ui_key_bar(const struct wizard *w, const struct key_help *keys);
/* A status line just above the key bar (errors in UI_FAIL, info in UI_DIM). */
void ui_status_line(const struct wizard *w, const char *text, enum ui_color c);
/* The body area between the title bar and the key/status bars. */
struct rect ui_body(const struct wizard *w);

/* Money range "$1.20–$3.40" (or "$1.20" when equal) into buf. */
void ui_format_usd_range(char *buf, size_t n, double lo, double hi);
/* Bytes "1.2 MB" / durations "3m 20s" into buf. */
void ui_format_bytes(char *buf, size_t n, uint64_t bytes);
void ui_format_duration(char *buf, size_t n, double seconds);

#include "tui/widgets.h"

#endif
