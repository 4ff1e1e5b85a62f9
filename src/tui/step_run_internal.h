/* Private to the run dashboard's files, split the way tig splits a view:
 *
 *   step_run_state.c   the screen's state: opening the run, the runner's observer (messages,
 *                      spinner, the deferred move to the summary), cost so far, the queries
 *                      the summary and the resume offer ask (tui/run_screens.h)
 *   step_run_follow.c  following a task's CloudWatch log in the detail view
 *   step_run_draw.c    drawing: the header, the bots table's columns, the task detail
 *   step_run.c         the step interface: enter / leave, keys and actions, key help
 *
 * Owns struct run_screen (one per wizard, in w->step_data[STEP_RUN]); step_run_state.c
 * creates and frees it. Nothing outside these four files includes this header. */
#ifndef BCM_TUI_STEP_RUN_INTERNAL_H
#define BCM_TUI_STEP_RUN_INTERNAL_H

#include "tui/tui.h"

#include "engine/run/runner.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RUN_MESSAGES 32

struct log_fetch;
struct plan_item;

struct run_message {
    enum runner_msg_level level;
    char *text;
};

struct run_screen {
    struct wizard *w;
    struct ui_table table;
    char *open_error;              /* the run could not be opened: why, what to do */
    char *aside_path;              /* the earlier run's journal, set aside for this one */
    struct run_message msgs[RUN_MESSAGES];
    size_t nmsgs;                  /* ring: the newest is at (head + nmsgs - 1) */
    size_t head;
    char *last_error;
    bool spinning;
    bool quitting;                 /* runner_leave sent; the wizard exits when it finishes */
    bool early_asked;              /* the early-failure question was put to the operator */
    uint64_t finish_timer;         /* deferred move to the summary */
    double est_lo, est_hi;

    /* Cost so far: a Fargate price per hour for the task size, and the plan's embedding
     * estimate per runner bot (NULL entries when the plan does not know the bot): the
     * fallback when the run has no plan (a resumed run). */
    double fargate_hourly;         /* -1 unknown */
    const struct plan_item **items;
    size_t nitems;
    /* With a plan: finished bots measured, the rest refitted (engine/estimate/live_cost.h). */
    struct live_estimate *live;

    /* Task detail and log tail. */
    bool detail_open;
    size_t detail_index;
    struct ui_logview log;
    char *log_task_id;             /* whose log the view holds */
    char *log_token;               /* nextForwardToken of the last answer */
    char *log_note;                /* waiting / error text under the log */
    bool log_note_error;
    bool log_at_end;               /* the stream gave nothing new last time */
    struct log_fetch *fetch;
    uint64_t log_timer;
};

/* ---- step_run_state.c ---- */

/* The wizard's run screen, or NULL before the step was first entered. */
struct run_screen *run_screen_of(const struct wizard *w);
/* A new screen, registered in w->step_data; its table is set up by run_screen_table_setup. */
struct run_screen *run_screen_create(struct wizard *w);
/* Frees the screen (the log follow must be stopped) and clears w->step_data. */
void run_screen_destroy(struct wizard *w);
/* Opens the run (the plan's selected bots, or the journal's run when resuming) with the
 * screen as the runner's observer, and prepares the cost so far. 0, or -1 with
 * rs->open_error saying why and what to do. Does not start the runner. */
int run_screen_open_run(struct run_screen *rs);
/* Adds a line to the message ring (shown in the status line); errors are also kept as
 * rs->last_error. */
void run_screen_message(struct run_screen *rs, enum runner_msg_level level, const char *text);
const struct run_message *run_screen_newest_message(const struct run_screen *rs);
/* Holds (on) or releases (off) the wizard's spinner, at most once. */
void run_screen_spinner(struct run_screen *rs, bool on);
/* Moves on to the summary from the loop, not from the caller's stack, once the run has
 * finished and nothing covers the dashboard; _cancel forgets a pending move. */
void run_screen_finish_soon(struct run_screen *rs);
void run_screen_finish_cancel(struct run_screen *rs);
/* Seconds since launch (alive) or launch to stop (final); -1 before any launch. */
double run_screen_elapsed(const struct run_bot *b);
/* Fargate time so far plus the plan's embedding estimate of finished bots (USD; both -1
 * when the Fargate price is unknown). */
void run_screen_cost_so_far(const struct run_screen *rs, double *lo, double *hi);
/* The live cost (measured so far, the rest refitted); false when the run has no plan. */
struct live_cost;
bool run_screen_live_cost(struct run_screen *rs, struct live_cost *out);

/* ---- step_run_follow.c ---- */

/* Opens the task detail of runner bot `index` and starts following its log. */
void run_screen_follow_open(struct run_screen *rs, size_t index);
/* Closes the detail (stops following; moves to the summary if the run finished meanwhile). */
void run_screen_follow_close(struct run_screen *rs);
/* Stops following: no timer, and an answer in flight is dropped when it comes. */
void run_screen_follow_stop(struct run_screen *rs);

/* ---- step_run_draw.c ---- */

/* The bots table's columns, cells, sorting and row colours. */
void run_screen_table_setup(struct run_screen *rs);
/* The whole step body: the open error, or the header and table, or the task detail; and
 * the newest message in the status line. */
void run_screen_draw(struct wizard *w, struct rect area);

#endif
