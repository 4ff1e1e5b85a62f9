/* Following a task's CloudWatch log in the run dashboard's detail view (see
 * step_run_internal.h): one GetLogEvents in flight at a time through the engine's task
 * log, every LOG_POLL_MS while the task lives and until the stream runs dry after it
 * stopped; a retry's new task starts a new stream. Lines go to the screen's log view
 * (sanitised there); this file draws nothing. */
#include "step_run_internal.h"

#include "aws/client.h"
#include "engine/discover/deployment.h"
#include "engine/run/runner.h"
#include "engine/run/task_log.h"
#include "util/ev_loop.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LOG_POLL_MS 2000
#define LOG_FIRST_LIMIT 200

/* One GetLogEvents in flight. The screen may close the detail (or go away) before the
 * answer comes: it then clears owner and the answer is dropped. */
struct log_fetch {
    struct run_screen *owner;
    struct wizard *w;              /* counted in w->inflight until the answer comes */
};

static void s_log_note(struct run_screen *rs, const char *text, bool error)
{
    free(rs->log_note);
    rs->log_note = text ? xstrdup(text) : NULL;
    rs->log_note_error = error;
}

void run_screen_follow_stop(struct run_screen *rs)
{
    if (rs->fetch) {
        rs->fetch->owner = NULL; /* its answer will be dropped */
        rs->fetch = NULL;
    }
    if (rs->log_timer) {
        ev_timer_cancel(rs->w->session.loop, rs->log_timer);
        rs->log_timer = 0;
    }
}

static void s_log_fetch(struct run_screen *rs);

static void s_log_timer(void *ud)
{
    struct run_screen *rs = ud;
    rs->log_timer = 0;
    s_log_fetch(rs);
}

static void s_log_schedule(struct run_screen *rs)
{
    if (!rs->log_timer && rs->detail_open)
        rs->log_timer = ev_timer_add(rs->w->session.loop, LOG_POLL_MS, s_log_timer, rs);
}

static void s_on_log_page(void *ud, const struct task_log_page *page, const struct aws_error *err)
{
    struct log_fetch *f = ud;
    struct run_screen *rs = f->owner;
    f->w->inflight--;
    free(f);
    if (!rs)
        return;
    rs->fetch = NULL;
    const struct run_bot *b = runner_bot(rs->w->runner, rs->detail_index);
    bool alive = b && !bot_state_final(b->state);
    if (err || page->no_stream) {
        if (!err) {
            s_log_note(rs, tr("run.log.no_stream"), false);
        } else {
            char *why = aws_error_describe(err);
            const char *hint = aws_error_hint(err);
            char *note = xasprintf("%s: %s%s%s", tr("run.log.failed"), why, hint ? " — " : "",
                                   hint ? hint : "");
            s_log_note(rs, note, true);
            free(note);
            free(why);
        }
        if (alive)
            s_log_schedule(rs);
        wizard_dirty(rs->w);
        return;
    }
    for (size_t i = 0; i < page->n; i++) {
        time_t t = (time_t)(page->events[i].timestamp_ms / 1000);
        struct tm tm;
        gmtime_r(&t, &tm);
        char stamp[16];
        strftime(stamp, sizeof stamp, "%H:%M:%S", &tm);
        char *line = xasprintf("%s  %s", stamp, page->events[i].message);
        ui_logview_append(&rs->log, line); /* sanitised there */
        free(line);
    }
    if (page->next_token) {
        free(rs->log_token);
        rs->log_token = xstrdup(page->next_token);
    }
    rs->log_at_end = page->at_end;
    if (rs->log.n == 0)
        s_log_note(rs, tr("run.log.empty"), false);
    else
        s_log_note(rs, alive ? NULL : tr("run.log.ended"), false);
    /* Keep following while the task lives; after it stopped, read until the stream gives
     * nothing new (CloudWatch may deliver the last lines late). */
    if (alive || !rs->log_at_end)
        s_log_schedule(rs);
    wizard_dirty(rs->w);
}

static void s_log_fetch(struct run_screen *rs)
{
    struct wizard *w = rs->w;
    if (rs->fetch || !rs->detail_open)
        return;
    const struct run_bot *b = runner_bot(w->runner, rs->detail_index);
    if (!b)
        return;
    if (!b->task_id) {
        s_log_note(rs, tr("run.log.no_task"), false);
        if (!bot_state_final(b->state))
            s_log_schedule(rs);
        return;
    }
    const struct deployment *dep = w->deployment;
    if (!dep || !dep->log_group || !*dep->log_group) {
        s_log_note(rs, tr("run.log.no_group"), true);
        return;
    }
    if (!rs->log_task_id || strcmp(rs->log_task_id, b->task_id) != 0) {
        /* A retry started another task: its log is another stream. */
        ui_logview_clear(&rs->log);
        free(rs->log_task_id);
        rs->log_task_id = xstrdup(b->task_id);
        free(rs->log_token);
        rs->log_token = NULL;
    }
    struct task_log_where where = {dep->log_group, dep->log_stream_prefix, dep->container_name,
                                   b->task_id};
    rs->fetch = xcalloc(1, sizeof(*rs->fetch));
    rs->fetch->owner = rs;
    rs->fetch->w = w;
    w->inflight++;
    /* The first read shows the newest lines; the forward token follows from there. */
    task_log_read(aws_session_client_for_region(&w->session, dep->log_region), &where, rs->log_token, rs->log_token ? 0 : LOG_FIRST_LIMIT,
                  s_on_log_page, rs->fetch);
}

void run_screen_follow_open(struct run_screen *rs, size_t index)
{
    rs->detail_open = true;
    rs->detail_index = index;
    ui_logview_clear(&rs->log);
    rs->log.follow = true;
    free(rs->log_task_id);
    rs->log_task_id = NULL;
    free(rs->log_token);
    rs->log_token = NULL;
    s_log_note(rs, tr("run.log.loading"), false);
    s_log_fetch(rs);
    wizard_dirty(rs->w);
}

void run_screen_follow_close(struct run_screen *rs)
{
    run_screen_follow_stop(rs);
    rs->detail_open = false;
    wizard_dirty(rs->w);
    /* The run may have finished while the detail was open. */
    if (rs->w->runner && runner_finished(rs->w->runner))
        run_screen_finish_soon(rs);
}
