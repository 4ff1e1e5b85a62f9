/* The headless run view: state-change lines, periodic summaries, JSON events. */
#include "cli/run_view.h"

#include "cli/cli.h"
#include "engine/estimate/live_cost.h"
#include "util/ev_loop.h"
#include "util/mem.h"
#include "util/sanitize.h"
#include "util/textwidth.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void s_clock(char out[16])
{
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    snprintf(out, 16, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void s_on_state(void *ud, const struct runner *r, size_t index, enum bot_state from,
                       enum bot_state to)
{
    struct run_view *v = ud;
    const struct run_bot *b = runner_bot(r, index);
    if (v->live)
        live_cost_observe(v->live, r);
    if (v->json) {
        cJSON *e = runner_bot_to_json(b);
        cJSON_AddStringToObject(e, "event", "state");
        cJSON_AddStringToObject(e, "from", bot_state_name(from));
        cJSON_AddStringToObject(e, "to", bot_state_name(to));
        cJSON_AddNumberToObject(e, "at_ms", (double)time(NULL) * 1000.0);
        app_print_json(e);
        return;
    }
    char clock[16];
    s_clock(clock);
    char *raw_title = sanitize_for_terminal(b->title, strlen(b->title), 4096);
    char *title = text_unambiguous(raw_title);
    free(raw_title);
    /* Padded by display columns, not bytes: CJK titles line up with ASCII ones. */
    char *cut = text_fit(*title ? title : "(untitled)", 32, 0);
    char *id = sanitize_for_terminal(b->bot_id, strlen(b->bot_id), 128);
    printf("%s  %-26s  %s  %s -> %s", clock, id, cut, bot_state_name(from), bot_state_name(to));
    free(id);
    if (b->task_id && (to == BOT_PROVISIONING || to == BOT_PENDING || to == BOT_RUNNING)) {
        char *task = sanitize_for_terminal(b->task_id, strlen(b->task_id), 128);
        printf("  task %s", task);
        free(task);
    }
    if (b->reason && (to == BOT_FAILED || to == BOT_CANCELLED)) {
        char *why = sanitize_for_terminal(b->reason, strlen(b->reason), 1024);
        printf("  (%s)", why);
        free(why);
    }
    printf("\n");
    fflush(stdout);
    free(cut);
    free(title);
}

static void s_on_message(void *ud, const struct runner *r, enum runner_msg_level level, const char *text)
{
    struct run_view *v = ud;
    (void)r;
    static const char *const names[] = {"info", "warning", "error"};
    if (v->json) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "event", "message");
        cJSON_AddStringToObject(e, "level", names[level]);
        cJSON_AddStringToObject(e, "text", text);
        app_print_json(e);
        return;
    }
    char clock[16];
    s_clock(clock);
    char *safe = sanitize_for_terminal(text, strlen(text), 4096);
    FILE *out = level == RUNNER_INFO ? stdout : stderr;
    fprintf(out, "%s  %s: %s\n", clock, names[level], safe);
    fflush(out);
    free(safe);
}

static void s_on_finished(void *ud, const struct runner *r)
{
    struct run_view *v = ud;
    (void)r;
    v->finished = true;
}

void run_view_print_summary(struct run_view *v, bool final)
{
    if (!v->runner)
        return;
    struct live_cost cost;
    if (v->live)
        live_cost_get(v->live, v->runner, &cost);
    if (v->json) {
        cJSON *s = runner_summary_json(v->runner);
        if (!final)
            cJSON_ReplaceItemInObject(s, "event", cJSON_CreateString("progress"));
        if (v->live)
            cJSON_AddItemToObject(s, "cost", live_cost_to_json(&cost));
        app_print_json(s);
        return;
    }
    struct runner_progress p;
    runner_progress(v->runner, &p);
    char clock[16];
    s_clock(clock);
    printf("%s  %s: %zu/%zu done (%zu succeeded, %zu failed), %zu running, %zu queued",
           clock, final ? "summary" : "progress", p.done, p.total, p.succeeded, p.failed, p.alive, p.queued);
    if (p.bots_per_minute > 0)
        printf(", %.1f bots/min", p.bots_per_minute);
    /* The refitted range (each bot's own estimate, what running tasks have done already,
     * the concurrency) when the live cost has one; else waves of the median task. */
    bool refitted = v->live && cost.remaining && cost.remaining_wall_lo >= 0 && cost.remaining_wall_hi >= 0;
    if (refitted && !final) {
        if (cost.remaining_wall_hi < 90)
            printf(", ETA %.0f-%.0f s (refitted)", cost.remaining_wall_lo, cost.remaining_wall_hi);
        else
            printf(", ETA %.0f-%.0f min (refitted)", cost.remaining_wall_lo / 60.0 + 0.5,
                   cost.remaining_wall_hi / 60.0 + 0.5);
    } else if (p.eta_seconds >= 0 && !final) {
        if (p.eta_seconds < 90)
            printf(", ETA %.0f s", p.eta_seconds);
        else
            printf(", ETA %.0f min", p.eta_seconds / 60.0 + 0.5);
    }
    printf("\n");
    if (v->live && cost.so_far_usd >= 0) {
        /* Measured so far; the rest refitted to the bots that finished. */
        printf("%s  cost so far $%.4f measured (%zu of %zu finished bots read)", clock, cost.so_far_usd,
               cost.measured, cost.finished);
        if (cost.remaining && cost.remaining_lo >= 0)
            printf("; the %zu still to finish $%.4f-$%.4f (refitted to %zu), whole run $%.4f-$%.4f",
                   cost.remaining, cost.remaining_lo, cost.remaining_hi, cost.refit_bots, cost.total_lo,
                   cost.total_hi);
        if (cost.pull_samples)
            printf("; image pull %.0f s measured", cost.pull_seconds);
        printf("\n");
    }
    fflush(stdout);
}

static void s_summary_tick(void *ud)
{
    struct run_view *v = ud;
    v->summary_timer = 0;
    if (v->finished)
        return;
    run_view_print_summary(v, false);
    v->summary_timer = ev_timer_add(v->loop, v->summary_every_ms, s_summary_tick, v);
}

void run_view_init(struct run_view *v, struct ev_loop *loop, bool json)
{
    memset(v, 0, sizeof(*v));
    v->json = json;
    v->loop = loop;
    const char *every = getenv("BCM_SUMMARY_SECONDS");
    long secs = every ? strtol(every, NULL, 10) : 30;
    v->summary_every_ms = (uint64_t)(secs > 0 ? secs : 30) * 1000u;
}

struct runner_observer run_view_observer(struct run_view *v)
{
    struct runner_observer o = {s_on_state, s_on_message, s_on_finished, v};
    return o;
}

void run_view_attach(struct run_view *v, struct runner *r)
{
    v->runner = r;
    v->summary_timer = ev_timer_add(v->loop, v->summary_every_ms, s_summary_tick, v);
}

void run_view_detach(struct run_view *v)
{
    if (v->summary_timer)
        ev_timer_cancel(v->loop, v->summary_timer);
    v->summary_timer = 0;
    v->runner = NULL;
}
