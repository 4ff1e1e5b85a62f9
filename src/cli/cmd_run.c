/* `run`: launch one embedding task per selected bot and follow them, headless.
 *
 * A fresh run resolves the deployment, reads the inventory, builds the plan, says what
 * will be launched and what it may cost, and needs a confirmation (--yes, or a typed
 * answer on a terminal). When the journal already holds a run, that run is resumed from
 * the journal alone: its own bots and launch configuration, no inventory, so a resume
 * relaunches exactly what was planned. The runner does the work; run_view prints it.
 *
 * Signals go through the one event loop: the handler only counts and wakes the loop.
 * The first Ctrl-C leaves (no new launches, running tasks left alone, how to resume is
 * printed); the second exits at once. Every journal record is fsync'd when written, so
 * either way the journal is complete up to the last action taken. */
#include "cli/cli.h"
#include "cli/interrupts.h"

#include "aws/client.h"
#include "cli/calibrate_view.h"
#include "cli/run_view.h"
#include "engine/discover/deployment.h"
#include "engine/discover/inventory.h"
#include "engine/estimate/live_cost.h"
#include "engine/estimate/measure.h"
#include "engine/estimate/plan.h"
#include "engine/run/early_failure.h"
#include "engine/run/journal_aside.h"
#include "engine/run/report.h"
#include "engine/verify/already_migrated.h"
#include "engine/verify/verify_run.h"
#include "cli/verify_view.h"
#include "engine/run/runner.h"
#include "util/ev_loop.h"
#include "util/mem.h"
#include "util/sanitize.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Automatic retries for throttling-type failures when neither --retries nor the
 * journal says. */
#define DEFAULT_THROTTLE_RETRIES 2

/* The second interrupt: leave now. _exit skips the leak check and atexit work on
 * purpose: replies still in flight are abandoned, and the journal needs nothing more
 * (each record was fsync'd when written; a torn last line is tolerated on reading). */
static void s_exit_now(const struct app_options *o, const char *journal)
{
    if (o->json) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "event", "interrupted");
        cJSON_AddBoolToObject(e, "immediate", true);
        if (journal)
            cJSON_AddStringToObject(e, "journal", journal);
        app_print_json(e);
    } else {
        fprintf(stderr, "\ninterrupted again: exiting now. Tasks already started keep running in ECS; "
                        "`bedrock-chat-migrate status` shows them and `bedrock-chat-migrate run --yes` "
                        "resumes the run.\n");
    }
    fflush(stdout);
    fflush(stderr);
    _exit(EXIT_INTERRUPTED);
}

/* ---- the command's state -------------------------------------------------------------- */

struct run_cmd {
    const struct app_options *o;
    struct aws_session s;
    char *journal_path;
    struct journal_view prior;
    bool have_prior;
    struct deployment dep;
    bool have_dep;
    struct inventory inv;
    bool have_inv;
    struct plan plan;
    bool have_plan;
    bool step_done;
    char *step_error;
    struct run_view view;
    struct runner *runner;
    size_t *pilot;             /* run --pilot: the plan items it launches */
    size_t npilot;
    size_t pilot_done_bots;    /* a fresh run: bots the pilot already re-embedded, left out */
    char *pilot_journal;
    struct quota_facts quotas;
    bool quotas_done;
    struct image_pull_facts pull;
    bool pull_done;
    struct migrated_set migrated;       /* bots the v1 stack already re-embedded */
    struct verification *verification; /* verified at the end, or NULL */
    bool verification_problem;          /* some bot's vectors need attention */
};

static void s_on_quotas(void *ud, struct quota_facts *facts)
{
    struct run_cmd *rc = ud;
    quota_facts_move(&rc->quotas, facts);
    rc->quotas_done = true;
}

static void s_on_pull(void *ud, struct image_pull_facts *facts)
{
    struct run_cmd *rc = ud;
    image_pull_move(&rc->pull, facts);
    rc->pull_done = true;
}

/* Runs the loop until *done; false when the operator interrupted first (nothing was
 * launched yet, so there is nothing to leave behind properly). */
static bool s_wait(struct run_cmd *rc, const bool *done)
{
    while (!*done) {
        if (cli_interrupts_count())
            return false;
        ev_loop_run_once(rc->s.loop, -1);
    }
    return !cli_interrupts_count();
}

static int s_interrupted_before_launch(struct run_cmd *rc)
{
    if (rc->o->json) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "event", "interrupted");
        cJSON_AddNumberToObject(e, "launched", 0);
        app_print_json(e);
    } else {
        fprintf(stderr, "\ninterrupted: nothing was launched.\n");
    }
    fflush(stdout);
    fflush(stderr);
    /* Requests may still be in flight inside the client; leave without waiting for them. */
    _exit(EXIT_INTERRUPTED);
}

static int s_env_ms(const char *name, uint64_t *out)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return -1;
    char *end = NULL;
    unsigned long long n = strtoull(v, &end, 10);
    if (*end || n == 0 || n > 3600000ull)
        return -1;
    *out = n;
    return 0;
}

static bool s_file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* ---- fresh run: deployment, inventory, plan -------------------------------------------- */

static void s_on_deployment(void *ud, struct deployment *dep, const char *error)
{
    struct run_cmd *rc = ud;
    rc->step_done = true;
    if (!dep) {
        rc->step_error = xstrdup(error ? error : "the deployment could not be resolved");
        return;
    }
    deployment_move(&rc->dep, dep);
    rc->have_dep = true;
}

static void s_on_migrated(void *ud, struct migrated_set *set)
{
    struct run_cmd *rc = ud;
    rc->step_done = true;
    migrated_set_move(&rc->migrated, set);
}

static void s_on_inventory(void *ud, struct inventory *inv, const char *error)
{
    struct run_cmd *rc = ud;
    rc->step_done = true;
    if (!inv) {
        rc->step_error = xstrdup(error ? error : "the bots could not be read");
        return;
    }
    inventory_move(&rc->inv, inv);
    rc->have_inv = true;
}

static void s_report_failed_checks(const struct run_cmd *rc)
{
    buf_t b = BUF_INIT;
    buf_puts(&b, "the deployment is not ready for a run:");
    for (size_t i = 0; i < rc->dep.nchecks; i++) {
        const struct deployment_check *c = &rc->dep.checks[i];
        if (c->state != CHECK_FAIL)
            continue;
        buf_printf(&b, "\n  %s: %s", c->id, c->summary ? c->summary : "failed");
        if (c->hint)
            buf_printf(&b, " (%s)", c->hint);
    }
    buf_puts(&b, "\n`bedrock-chat-migrate outputs` shows every check; fix the ones above and run again.");
    app_error(rc->o, "%s", buf_cstr(&b));
    buf_free(&b);
}

/* After a pilot, a fresh run leaves out the bots the pilot re-embedded already. */
static void s_leave_out_the_pilots_bots(struct run_cmd *rc)
{
    char *path = app_pilot_journal_path(rc->journal_path);
    struct journal_view v;
    char *error = NULL;
    if (s_file_exists(path) && journal_view_load(path, &v, &error) == 0) {
        for (size_t i = 0; i < v.nbots; i++) {
            if (v.bots[i].state != BOT_SUCCEEDED)
                continue;
            for (size_t k = 0; k < rc->plan.nitems; k++) {
                const struct plan_item *it = &rc->plan.items[k];
                if (it->selected && it->bot->bot_id && v.bots[i].bot_id &&
                    strcmp(it->bot->bot_id, v.bots[i].bot_id) == 0) {
                    plan_select(&rc->plan, k, false);
                    rc->pilot_done_bots++;
                }
            }
        }
        journal_view_free(&v);
        if (rc->pilot_done_bots)
            rc->pilot_journal = xstrdup(path);
    }
    free(error);
    free(path);
}

static int s_prepare_fresh(struct run_cmd *rc)
{
    const struct app_options *o = rc->o;
    struct deployment_options dopts = {.stack = o->stack, .outputs_file = o->outputs_file};
    rc->step_done = false;
    deployment_resolve(&rc->s, &dopts, s_on_deployment, rc);
    if (!s_wait(rc, &rc->step_done))
        return s_interrupted_before_launch(rc);
    if (rc->step_error) {
        app_error(o, "%s", rc->step_error);
        return EXIT_CONFIG;
    }
    if (!deployment_ok(&rc->dep)) {
        s_report_failed_checks(rc);
        return EXIT_CONFIG;
    }

    /* A run needs the bots, not their documents' sizes (one S3 listing per bot with files):
     * the cost it announces is from what is known, and `plan` reads the sizes. */
    struct inventory_options iopts = {.force_table_scan = o->scan_table,
                                      .skip_documents = o->pilot == 0};
    rc->step_done = false;
    /* The quotas bound the default concurrency; the image pull's facts price the NAT
     * line shown before the confirmation. Read while the bots are. */
    quota_facts_read(&rc->s, s_on_quotas, rc);
    image_pull_read(&rc->s, &rc->dep, s_on_pull, rc);
    inventory_load(&rc->s, &rc->dep, &iopts, NULL, s_on_inventory, rc);
    if (!s_wait(rc, &rc->step_done) || !s_wait(rc, &rc->quotas_done) || !s_wait(rc, &rc->pull_done))
        return s_interrupted_before_launch(rc);
    if (rc->step_error) {
        app_error(o, "%s", rc->step_error);
        return EXIT_CONFIG;
    }

    struct plan_options popts = {
        .include_empty = o->include_empty, .bots_csv = o->bots, .exclude_csv = o->exclude,
        .concurrency = o->concurrency, .region = rc->s.region, .prices_file = o->prices_file,
        .quotas = &rc->quotas, .pull = &rc->pull,
    };
    char *error = NULL;
    if (plan_build(&rc->inv, &rc->dep, &popts, &rc->plan, &error) != 0) {
        app_error(o, "%s", error ? error : "the plan could not be built");
        free(error);
        /* Unknown ids in --bots and malformed lists are the operator's command line. */
        return EXIT_USAGE;
    }
    rc->have_plan = true;
    /* Bots named with --bots are the operator's choice: re-embedded even if done. */
    if (!o->include_migrated && !o->bots) {
        rc->step_done = false;
        migrated_find(&rc->s, &rc->dep, &rc->inv, s_on_migrated, rc);
        if (!s_wait(rc, &rc->step_done))
            return s_interrupted_before_launch(rc);
        size_t n = migrated_apply_to_plan(&rc->migrated, &rc->plan);
        for (size_t i = 0; n && !o->json && i < rc->migrated.n; i++) {
            char *id = sanitize_for_terminal(rc->migrated.bots[i].bot_id,
                                             strlen(rc->migrated.bots[i].bot_id), 64);
            printf("Left out %s: %s (--include-migrated selects it).\n", id, rc->migrated.bots[i].reason);
            free(id);
        }
    }
    if (o->pilot) {
        /* A pilot: k bots that span the mix, launched with the same confirmation. */
        rc->pilot = xcalloc((size_t)o->pilot, sizeof *rc->pilot);
        rc->npilot = plan_pick_pilot(&rc->plan, (size_t)o->pilot, rc->pilot);
    } else {
        s_leave_out_the_pilots_bots(rc);
    }
    return EXIT_OK;
}

static void s_print_usd_range(double lo, double hi)
{
    if (lo < 0 || hi < 0)
        printf("unknown (a price is missing for this region; see `plan`)");
    else
        printf("$%.2f-$%.2f", lo, hi);
}

static void s_print_minutes_range(double lo, double hi)
{
    double a = lo / 60.0, b = hi / 60.0;
    if (b < 1.0)
        printf("under a minute");
    else
        printf("%.0f-%.0f min", a < 1.0 ? 1.0 : a, b + 0.5);
}

/* What is about to be spent, before anything is. */
static void s_announce_fresh(const struct run_cmd *rc)
{
    const struct plan *p = &rc->plan;
    const struct plan_totals *t = &p->totals;
    if (rc->o->json) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "event", "plan");
        cJSON_AddNumberToObject(e, "bots", (double)t->bots);
        cJSON_AddNumberToObject(e, "selected", (double)p->nselected);
        cJSON_AddNumberToObject(e, "skipped_empty", (double)t->skipped_empty);
        cJSON_AddNumberToObject(e, "skipped_knowledge_base", (double)t->skipped_knowledge_base);
        cJSON_AddNumberToObject(e, "excluded", (double)t->excluded);
        cJSON_AddNumberToObject(e, "concurrency", p->concurrency);
        cJSON_AddNumberToObject(e, "usd_lo", t->usd_lo);
        cJSON_AddNumberToObject(e, "usd_hi", t->usd_hi);
        cJSON_AddNumberToObject(e, "wall_seconds_lo", t->wall_seconds_lo);
        cJSON_AddNumberToObject(e, "wall_seconds_hi", t->wall_seconds_hi);
        cJSON_AddBoolToObject(e, "document_sizes_read", rc->o->pilot > 0);
        cJSON_AddStringToObject(e, "concurrency_why", p->concurrency_why ? p->concurrency_why : "");
        if (t->nat_usd_lo >= 0) {
            cJSON_AddNumberToObject(e, "nat_usd_lo", t->nat_usd_lo);
            cJSON_AddNumberToObject(e, "nat_usd_hi", t->nat_usd_hi);
        } else {
            cJSON_AddNullToObject(e, "nat_usd_lo");
            cJSON_AddNullToObject(e, "nat_usd_hi");
        }
        cJSON_AddBoolToObject(e, "nat_large", p->nat.large);
        if (p->nat.large && p->nat.fix_command)
            cJSON_AddStringToObject(e, "nat_fix_command", p->nat.fix_command);
        else
            cJSON_AddNullToObject(e, "nat_fix_command");
        cJSON_AddStringToObject(e, "journal", rc->journal_path);
        cJSON_AddNumberToObject(e, "pilot", (double)rc->npilot);
        cJSON_AddNumberToObject(e, "left_out_done_by_pilot", (double)rc->pilot_done_bots);
        deployment_facts_to_json(&rc->dep, e);
        app_print_json(e);
        return;
    }
    if (rc->npilot) {
        printf("Pilot: %zu of the %zu selected bots, chosen to span the mix (their estimate ", rc->npilot,
               p->nselected);
        double lo = 0, hi = 0;
        for (size_t k = 0; k < rc->npilot; k++) {
            lo += p->items[rc->pilot[k]].est.usd_lo;
            hi += p->items[rc->pilot[k]].est.usd_hi;
        }
        s_print_usd_range(lo, hi);
        printf("); the estimate of the rest is recomputed from what they measure.\n");
    }
    if (rc->pilot_done_bots)
        printf("%zu bot%s re-embedded by the pilot (%s) %s left out.\n", rc->pilot_done_bots,
               rc->pilot_done_bots == 1 ? "" : "s", rc->pilot_journal, rc->pilot_done_bots == 1 ? "is" : "are");
    printf("Will launch %zu embedding task%s (one per bot", p->nselected, p->nselected == 1 ? "" : "s");
    if (t->skipped_empty)
        printf("; %zu bot%s without knowledge left out, --include-empty adds them", t->skipped_empty,
               t->skipped_empty == 1 ? "" : "s");
    if (t->skipped_knowledge_base)
        printf("; %zu Bedrock Knowledge Base bot%s skipped (no embedding task)", t->skipped_knowledge_base,
               t->skipped_knowledge_base == 1 ? "" : "s");
    if (t->excluded)
        printf("; %zu excluded", t->excluded);
    printf("), at most %d at once.\n", p->concurrency);
    printf("Estimated cost ");
    s_print_usd_range(t->usd_lo, t->usd_hi);
    printf(", wall time ");
    s_print_minutes_range(t->wall_seconds_lo, t->wall_seconds_hi);
    printf(" (document sizes not read: files count as empty here; `bedrock-chat-migrate plan` reads "
           "them and lists every bot and assumption).\n");
    char *why = sanitize_for_terminal(p->concurrency_why ? p->concurrency_why : "",
                                      p->concurrency_why ? strlen(p->concurrency_why) : 0, 400);
    printf("Concurrency: %d (%s).\n", p->concurrency, why);
    free(why);
    if (p->nat.large) {
        printf("Image pull through NAT: $%.2f-$%.2f of that (%s). An S3 gateway endpoint (free) "
               "would save it", p->nat.usd_lo, p->nat.usd_hi, p->nat.assumed ? "assumed" : "measured");
        if (p->nat.fix_command) {
            char *cmd = sanitize_for_terminal(p->nat.fix_command, strlen(p->nat.fix_command), 1000);
            printf("; create it first with:\n  %s\n", cmd);
            free(cmd);
        } else {
            printf("; `bedrock-chat-migrate plan` shows how.\n");
        }
    }
    cli_print_deployment_facts(&rc->dep);
    printf("Journal: %s\n", rc->journal_path);
    fflush(stdout);
}

/* ---- resume -------------------------------------------------------------------------- */

static void s_count_view(const struct journal_view *v, size_t counts[BOT_STATE_COUNT])
{
    memset(counts, 0, sizeof(size_t) * BOT_STATE_COUNT);
    for (size_t i = 0; i < v->nbots; i++)
        counts[v->bots[i].state]++;
}

static void s_announce_resume(const struct run_cmd *rc)
{
    size_t counts[BOT_STATE_COUNT];
    s_count_view(&rc->prior, counts);
    if (rc->o->json) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "event", "resume");
        cJSON_AddStringToObject(e, "run_id", rc->prior.run_id);
        cJSON_AddStringToObject(e, "journal", rc->journal_path);
        cJSON_AddNumberToObject(e, "total", (double)rc->prior.nbots);
        cJSON *c = cJSON_AddObjectToObject(e, "counts");
        for (int s = 0; s < BOT_STATE_COUNT; s++)
            cJSON_AddNumberToObject(c, bot_state_name((enum bot_state)s), (double)counts[s]);
        app_print_json(e);
        return;
    }
    printf("Resuming run %s from %s: %zu bots (", rc->prior.run_id, rc->journal_path, rc->prior.nbots);
    const char *sep = "";
    for (int s = 0; s < BOT_STATE_COUNT; s++) {
        if (counts[s]) {
            printf("%s%zu %s", sep, counts[s], bot_state_name((enum bot_state)s));
            sep = ", ";
        }
    }
    printf(").\nIts own plan is used; --new-run starts a new run instead.\n");
    fflush(stdout);
}

/* --new-run: the old run's journal (and its reports) is set aside beside the new one,
 * never overwritten, exactly as the wizard does it. */
static int s_archive_prior(struct run_cmd *rc)
{
    char *kept = NULL, *error = NULL;
    int rcode = EXIT_OK;
    if (journal_set_aside(rc->journal_path, &kept, &error) != 0) {
        app_error(rc->o, "cannot set the previous run's journal aside: %s; pass another --journal",
                  error ? error : "unknown error");
        rcode = EXIT_CONFIG;
    } else if (!rc->o->json && kept) {
        printf("Previous run %s kept in %s; starting a new run.\n", rc->prior.run_id, kept);
    }
    free(kept);
    free(error);
    journal_view_free(&rc->prior);
    rc->have_prior = false;
    return rcode;
}

/* ---- confirmation --------------------------------------------------------------------- */

static bool s_can_prompt(void)
{
    return isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
}

/* Returns EXIT_OK when confirmed. Typing the number of tasks, not a bare Enter or "y",
 * is what launches: a stray keypress cannot spend money. */
static int s_confirm(struct run_cmd *rc, size_t ntasks, bool resuming)
{
    const struct app_options *o = rc->o;
    if (o->yes)
        return EXIT_OK;
    if (!s_can_prompt() || o->json) {
        app_error(o, "not launching without confirmation: review `bedrock-chat-migrate plan` (or "
                     "`status` for a run being resumed), then run again with --yes");
        return EXIT_USAGE;
    }
    printf("%s %zu task%s? Type %zu to confirm, anything else cancels: ",
           resuming ? "Launch the remaining" : "Launch", ntasks, ntasks == 1 ? "" : "s", ntasks);
    fflush(stdout);
    char line[64] = "";
    if (!fgets(line, sizeof line, stdin)) {
        if (cli_interrupts_count())
            return s_interrupted_before_launch(rc);
        printf("\n");
    }
    char *end = NULL;
    unsigned long long n = strtoull(line, &end, 10);
    while (end && (*end == '\n' || *end == '\r' || *end == ' '))
        end++;
    if (cli_interrupts_count())
        return s_interrupted_before_launch(rc);
    if (end == line || !end || *end || n != ntasks) {
        printf("Cancelled; nothing was launched.\n");
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* ---- following the run ----------------------------------------------------------------- */

static void s_say_interrupted(const struct run_cmd *rc, size_t alive, bool stopped)
{
    if (rc->o->json) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "event", "interrupted");
        cJSON_AddNumberToObject(e, "alive", (double)alive);
        cJSON_AddBoolToObject(e, "stopping_tasks", stopped);
        cJSON_AddStringToObject(e, "journal", rc->journal_path);
        app_print_json(e);
        return;
    }
    fprintf(stderr, "\ninterrupted: no more tasks will be launched");
    if (stopped)
        fprintf(stderr, "; stopping this run's %zu task%s (--stop-on-exit).\n", alive, alive == 1 ? "" : "s");
    else
        fprintf(stderr, "; the %zu task%s already started keep%s running in ECS.\n", alive,
                alive == 1 ? "" : "s", alive == 1 ? "s" : "");
    fprintf(stderr, "Waiting for launches in flight to be journaled (Ctrl-C again to exit at once).\n");
    fflush(stderr);
}

static void s_say_how_to_resume(const struct run_cmd *rc)
{
    if (rc->o->json)
        return;
    const char *j = rc->o->journal;
    fprintf(stderr, "The journal %s has everything. Follow the run with `bedrock-chat-migrate status%s%s`; "
                    "resume it (follow, and launch the rest) with `bedrock-chat-migrate run --yes%s%s`.\n",
            rc->journal_path, j ? " --journal " : "", j ? j : "", j ? " --journal " : "", j ? j : "");
}

static size_t s_alive(const struct runner *r)
{
    size_t n = 0;
    for (size_t i = 0; i < runner_count(r); i++)
        n += bot_state_alive(runner_bot(r, i)->state);
    return n;
}

/* Follows until the runner finishes, handling interrupts; true when interrupted. */
static bool s_follow(struct run_cmd *rc)
{
    struct runner *r = rc->runner;
    int handled = 0;
    bool left = false;
    /* The last finished bots' logs are read too: the final summary's cost is measured. */
    while (!rc->view.finished || !runner_idle(r) || (rc->view.live && !live_cost_idle(rc->view.live))) {
        if (cli_interrupts_count() != handled) {
            handled = cli_interrupts_count();
            if (handled >= 2)
                s_exit_now(rc->o, rc->journal_path);
            if (!left) {
                left = true;
                size_t alive = s_alive(r);
                s_say_interrupted(rc, alive, rc->o->stop_on_exit);
                if (rc->o->stop_on_exit)
                    runner_cancel_all(r);
                runner_leave(r);
                continue;
            }
        }
        /* Once finished, only replies still in flight are waited for (bounded by the
         * client's timeouts); the periodic timer keeps the wait from being indefinite
         * even if a wakeup were lost. */
        ev_loop_run_once(rc->s.loop, rc->view.finished ? 200 : -1);
    }
    return left;
}

static void s_say_detached(const struct run_cmd *rc)
{
    size_t alive = s_alive(rc->runner), queued = 0;
    for (size_t i = 0; i < runner_count(rc->runner); i++)
        queued += runner_bot(rc->runner, i)->state == BOT_QUEUED;
    if (rc->o->json) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "event", "detached");
        cJSON_AddNumberToObject(e, "alive", (double)alive);
        cJSON_AddNumberToObject(e, "queued", (double)queued);
        cJSON_AddStringToObject(e, "journal", rc->journal_path);
        app_print_json(e);
        return;
    }
    const char *j = rc->o->journal;
    printf("Detached with %zu task%s running and %zu bot%s still queued. `bedrock-chat-migrate status%s%s` "
           "shows the journal; `bedrock-chat-migrate run --yes%s%s` follows the run and launches the rest.\n",
           alive, alive == 1 ? "" : "s", queued, queued == 1 ? "" : "s", j ? " --journal " : "", j ? j : "",
           j ? " --journal " : "", j ? j : "");
    fflush(stdout);
}

/* The same Markdown and JSON report the wizard writes, beside the journal. A failure to
 * write it is said, never fatal: the journal holds the truth. */
static void s_write_report(struct run_cmd *rc)
{
    struct report_context ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.stack = rc->o->stack ? rc->o->stack : "BedrockChatStack";
    ctx.region = rc->s.region;
    ctx.journal_path = rc->journal_path;
    ctx.demo = getenv("BCM_DEMO_ACTIVE") && strcmp(getenv("BCM_DEMO_ACTIVE"), "1") == 0;
    ctx.cost_low_usd = rc->have_plan ? rc->plan.totals.usd_lo : -1;
    ctx.cost_high_usd = rc->have_plan ? rc->plan.totals.usd_hi : -1;
    struct report *rep = report_from_runner(&ctx, rc->runner);
    if (rc->have_plan) {
        /* Estimate vs actual: each finished bot's log and ECS times. */
        size_t n = runner_count(rc->runner);
        struct run_bot *bots = xcalloc(n ? n : 1, sizeof *bots);
        for (size_t i = 0; i < n; i++)
            bots[i] = *runner_bot(rc->runner, i); /* shallow: read during the call only */
        struct bot_measure *m = NULL;
        size_t *items = NULL;
        size_t k = calibrate_measure_finished(&rc->s, &rc->dep, &rc->plan, bots, n, &m, &items);
        for (size_t j = 0; j < k; j++) {
            const struct plan_item *it = &rc->plan.items[items[j]];
            /* What the bot really cost: its last task measured, and the Fargate time of
             * earlier attempts' tasks (a retried bot paid for those too). */
            double actual = m[j].usd;
            for (size_t i = 0; actual >= 0 && i < n; i++) {
                if (bots[i].bot_id && strcmp(bots[i].bot_id, it->bot->bot_id) == 0) {
                    double earlier = live_cost_earlier_attempts_usd(&rc->plan, &bots[i]);
                    actual = earlier >= 0 ? actual + earlier : -1;
                    break;
                }
            }
            report_set_cost(rep, it->bot->bot_id, it->est.usd_lo, it->est.usd_hi, actual);
        }
        free(m);
        free(items);
        free(bots);
    }
    if (rc->verification)
        verification_attach_to_report(rc->verification, rep);
    struct report_paths paths;
    memset(&paths, 0, sizeof(paths));
    char *error = NULL;
    if (report_write(rep, &paths, &error) != 0) {
        if (!rc->o->json)
            fprintf(stderr, "warning: the run's report could not be written (%s); `bedrock-chat-migrate "
                            "status` shows the same from the journal\n", error ? error : "unknown error");
    } else if (rc->o->json) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "event", "report");
        cJSON_AddStringToObject(e, "markdown", paths.markdown);
        cJSON_AddStringToObject(e, "json", paths.json);
        app_print_json(e);
    } else {
        printf("Report: %s (and %s)\n", paths.markdown, paths.json);
    }
    free(error);
    report_paths_free(&paths);
    report_free(rep);
}

static void s_on_verify_progress(void *ud, const struct verify_progress *p)
{
    struct run_cmd *rc = ud;
    verify_view_progress(rc->o, p);
}

static void s_on_verified(void *ud, struct verify_deployment_result *r)
{
    struct run_cmd *rc = ud;
    rc->step_done = true;
    ev_loop_wakeup(rc->s.loop);
    if (!r->v) {
        /* Not permitted or not possible: said, and the run's own outcome stands. */
        if (rc->o->json) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "event", "verification_skipped");
            cJSON_AddStringToObject(e, "reason", r->message ? r->message : "");
            if (r->hint)
                cJSON_AddStringToObject(e, "hint", r->hint);
            app_print_json(e);
        } else {
            fprintf(stderr, "note: the vectors were not verified: %s%s%s\n",
                    r->message ? r->message : "unknown error", r->hint ? "; " : "", r->hint ? r->hint : "");
        }
        return;
    }
    if (rc->o->json) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "event", "verification");
        cJSON *v = verification_to_json(r->v);
        if (r->saved_path)
            cJSON_AddStringToObject(v, "saved_to", r->saved_path);
        cJSON_AddItemToObject(e, "verification", v);
        app_print_json(e);
    } else {
        printf("\n");
        verify_view_print(rc->o, r);
    }
    rc->verification_problem = verification_exit_code(r->v) != 0;
    rc->verification = r->v;
    r->v = NULL;   /* kept for the report */
}

/* The end of a run that may be verified: every bot final, not --no-verify, not detached. */
static void s_verify_at_end(struct run_cmd *rc)
{
    const struct app_options *o = rc->o;
    size_t counts[BOT_STATE_COUNT];
    runner_counts(rc->runner, counts);
    size_t finished = counts[BOT_SUCCEEDED] + counts[BOT_FAILED] + counts[BOT_SKIPPED] +
                      counts[BOT_CANCELLED];
    if (o->no_verify || o->detach || runner_fatal(rc->runner) || finished != runner_count(rc->runner))
        return;
    if (!rc->have_dep) {
        /* A resumed run follows its journal: the outputs are read again for the cluster. */
        struct deployment_options dopts = {.stack = o->stack, .outputs_file = o->outputs_file};
        rc->step_done = false;
        free(rc->step_error);
        rc->step_error = NULL;
        deployment_resolve(&rc->s, &dopts, s_on_deployment, rc);
        if (!s_wait(rc, &rc->step_done) || rc->step_error) {
            if (!o->json)
                fprintf(stderr, "note: the vectors were not verified: %s\n",
                        rc->step_error ? rc->step_error : "interrupted");
            return;
        }
    }
    if (!o->json)
        printf("\nVerifying the vectors in the new Aurora cluster (skip with --no-verify)...\n");
    struct verify_deployment_options vo = {.journal_path = rc->journal_path, .scan_table = o->scan_table};
    rc->step_done = false;
    verify_deployment(&rc->s, &rc->dep, &vo, s_on_verify_progress, s_on_verified, rc);
    while (!rc->step_done)
        ev_loop_run_once(rc->s.loop, -1);
}

static int s_outcome(struct run_cmd *rc, bool interrupted)
{
    struct runner *r = rc->runner;
    if (!interrupted)
        s_verify_at_end(rc);
    s_write_report(rc); /* first: the summary stays the last JSON event, as scripts expect */
    run_view_print_summary(&rc->view, true);
    size_t counts[BOT_STATE_COUNT];
    runner_counts(r, counts);
    if (interrupted) {
        s_say_how_to_resume(rc);
        return EXIT_INTERRUPTED;
    }
    if (runner_fatal(r)) {
        if (!rc->o->json)
            s_say_how_to_resume(rc);
        return EXIT_CONFIG;
    }
    if (rc->o->detach && (s_alive(r) || counts[BOT_QUEUED]))
        s_say_detached(rc);
    size_t same = 0;
    const char *hint = NULL;
    const char *cause = runner_early_stop_cause(r, &same, &hint);
    if (cause) {
        /* The runner's message said it as it happened; this is the verdict, once. */
        if (rc->o->json) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "event", "early_stop");
            cJSON_AddStringToObject(e, "cause", cause);
            cJSON_AddNumberToObject(e, "failed_the_same_way", (double)same);
            cJSON_AddNumberToObject(e, "not_launched", (double)counts[BOT_QUEUED]);
            cJSON_AddStringToObject(e, "hint", hint);
            /* The same as message ids with parameters, for programs that word them. */
            struct message cause_msg = early_failure_cause_message(cause);
            struct message hint_msg = early_failure_hint_message(cause);
            cJSON_AddStringToObject(e, "cause_id", message_id_name(cause_msg.id));
            cJSON_AddItemToObject(e, "cause_params", message_params_json(&cause_msg));
            cJSON_AddStringToObject(e, "hint_id", message_id_name(hint_msg.id));
            cJSON_AddItemToObject(e, "hint_params", message_params_json(&hint_msg));
            message_free(&cause_msg);
            message_free(&hint_msg);
            app_print_json(e);
        } else {
            printf("Stopped launching: %zu of the first bots failed the same way (%s); %zu bot%s not "
                   "launched. Fix it (%s), then `bedrock-chat-migrate run --yes --retry-failed` resumes "
                   "the run and retries them.\n",
                   same, cause, counts[BOT_QUEUED], counts[BOT_QUEUED] == 1 ? "" : "s", hint);
        }
        return EXIT_SOME_FAILED;
    }
    if (counts[BOT_FAILED]) {
        if (!rc->o->json) {
            const char *j = rc->o->journal;
            printf("%zu bot%s failed (reasons above; `bedrock-chat-migrate logs BOT` shows a task's log). "
                   "Retry them with `bedrock-chat-migrate run --yes --retry-failed%s%s`.\n",
                   counts[BOT_FAILED], counts[BOT_FAILED] == 1 ? "" : "s", j ? " --journal " : "", j ? j : "");
        }
        return EXIT_SOME_FAILED;
    }
    /* The run's status is about its tasks; `verify`'s own status is about the vectors. */
    if (rc->verification_problem && !rc->o->json)
        printf("Every task succeeded, but some bots' vectors need attention (see the verification "
               "above; `bedrock-chat-migrate verify` exits 1 until they are fixed).\n");
    return EXIT_OK;
}

/* ---- the command ------------------------------------------------------------------------- */

/* The pilot measured: the estimate of the rest, refitted, beside the first one. */
static void s_calibrate_after_pilot(struct run_cmd *rc)
{
    const struct runner *r = rc->runner;
    size_t n = runner_count(r);
    struct run_bot *bots = xcalloc(n ? n : 1, sizeof *bots);
    for (size_t i = 0; i < n; i++)
        run_bot_copy(&bots[i], runner_bot(r, i));
    cJSON *doc = NULL;
    char *error = NULL;
    if (!rc->o->json)
        printf("\n");
    if (calibrate_view(&rc->s, &rc->dep, &rc->plan, bots, n, rc->o->json ? NULL : stdout, &doc,
                       &error) != 0) {
        app_error(rc->o, "the pilot's bots could not be measured: %s", error);
    } else if (rc->o->json) {
        cJSON_AddStringToObject(doc, "event", "calibrated_plan");
        app_print_json(doc);
        doc = NULL;
    } else {
        printf("Run the rest with `bedrock-chat-migrate run --yes` (the pilot's bots are left out); "
               "`bedrock-chat-migrate plan --calibrate` shows this again with every bot.\n");
    }
    cJSON_Delete(doc);
    free(error);
    for (size_t i = 0; i < n; i++)
        run_bot_free(&bots[i]);
    free(bots);
    fflush(stdout);
}

static void s_fill_config_from_view(const struct journal_view *v, struct runner_config *cfg)
{
    cfg->stack = v->stack;
    cfg->cluster = v->cluster;
    cfg->task_definition = v->task_definition;
    cfg->container = v->container;
    cfg->subnets = (const char *const *)v->subnets;
    cfg->nsubnets = v->nsubnets;
    cfg->security_group = v->security_group;
    cfg->assign_public_ip = v->assign_public_ip;
    cfg->table = v->table;
    cfg->log_group = v->log_group;
    cfg->log_stream_prefix = v->log_stream_prefix;
    cfg->log_region = v->log_region;
}

static void s_fill_config_from_deployment(const struct run_cmd *rc, struct runner_config *cfg)
{
    const struct deployment *d = &rc->dep;
    const struct stack_outputs *so = &d->outputs;
    cfg->stack = d->stack_name ? d->stack_name : rc->o->stack;
    cfg->cluster = so->cluster;
    cfg->task_definition = d->task_definition_arn ? d->task_definition_arn : so->task_definition;
    cfg->container = so->container ? so->container : d->container_name;
    cfg->subnets = (const char *const *)so->subnets;
    cfg->nsubnets = so->nsubnets;
    cfg->security_group = so->security_group;
    cfg->table = so->table;
    cfg->log_group = d->log_group;
    cfg->log_stream_prefix = d->log_stream_prefix;
    cfg->log_region = d->log_region;
    cfg->assign_public_ip = rc->o->assign_public_ip;
}

static int s_open_runner(struct run_cmd *rc)
{
    const struct app_options *o = rc->o;
    struct runner_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.journal_path = rc->journal_path;
    struct runner_target *targets = NULL;
    size_t ntargets = 0;
    if (rc->have_prior) {
        s_fill_config_from_view(&rc->prior, &cfg);
        /* The run was planned with or without public IPs; the flag can only add them. */
        cfg.assign_public_ip = rc->prior.assign_public_ip || o->assign_public_ip;
        cfg.concurrency = o->concurrency > 0 ? o->concurrency : rc->prior.concurrency;
        cfg.concurrency_chosen = o->concurrency > 0;
        if (cfg.concurrency <= 0) {
            /* A journal from before the concurrency was recorded: the default task size's. */
            char *why = NULL;
            cfg.concurrency = plan_default_concurrency(PLAN_DEFAULT_CPU_UNITS, PLAN_DEFAULT_MEMORY_MIB, 0, &why);
            free(why);
        }
        cfg.retries = o->retries >= 0 ? o->retries
                    : rc->prior.retries >= 0 ? rc->prior.retries : DEFAULT_THROTTLE_RETRIES;
    } else {
        s_fill_config_from_deployment(rc, &cfg);
        cfg.concurrency = rc->plan.concurrency > 0 ? rc->plan.concurrency : 1;
        cfg.retries = o->retries >= 0 ? o->retries : DEFAULT_THROTTLE_RETRIES;
        targets = xcalloc(rc->plan.nitems ? rc->plan.nitems : 1, sizeof(*targets));
        /* Longest expected first (LPT); the journal keeps this order for a resume. */
        size_t *order = xcalloc(rc->plan.nitems ? rc->plan.nitems : 1, sizeof(*order));
        size_t n = plan_launch_order(&rc->plan, order);
        if (rc->npilot) { /* only the pilot's bots, still longest first */
            size_t kept = 0;
            for (size_t k = 0; k < n; k++)
                for (size_t q = 0; q < rc->npilot; q++)
                    if (order[k] == rc->pilot[q])
                        order[kept++] = order[k];
            n = kept;
        }
        for (size_t k = 0; k < n; k++) {
            const struct plan_item *it = &rc->plan.items[order[k]];
            targets[ntargets++] = (struct runner_target){it->bot->pk, it->bot->sk, it->bot->bot_id,
                                                         it->bot->title, it->bot->last_exec_id};
        }
        free(order);
    }
    cfg.detach = o->detach;
    /* For tests and demos: how fast to poll and how long launch back-off may grow. */
    uint64_t ms;
    if (s_env_ms("BCM_POLL_MS", &ms) == 0) {
        cfg.poll_min_ms = ms;
        cfg.poll_max_ms = ms * 4;
    }
    if (s_env_ms("BCM_LAUNCH_BACKOFF_MS", &ms) == 0)
        cfg.launch_backoff_max_ms = ms;
    /* --max-early-failures 0 never stops; not given: the runner's default. */
    cfg.max_early_failures = o->max_early_failures < 0 ? 0 : o->max_early_failures == 0 ? -1
                                                                                       : o->max_early_failures;
    /* Tests only: launch with the keys in the command alone, as the guide's script does. */
    const char *command_only = getenv("BCM_TEST_COMMAND_ONLY_LAUNCH");
    cfg.keys_in_command_only = command_only && strcmp(command_only, "1") == 0;

    /* Knowledge Base bots get no task: journaled with the run so its report lists them. */
    size_t nnot_run = 0;
    struct run_not_run *not_run =
        !rc->have_prior && rc->have_plan ? plan_not_run(&rc->plan, &nnot_run) : NULL;
    cfg.not_run = not_run;
    cfg.nnot_run = nnot_run;
    struct runner_observer obs = run_view_observer(&rc->view);
    char *error = NULL;
    rc->runner = runner_open(&rc->s, &cfg, targets, ntargets, &obs, &error);
    free(targets);
    free(not_run);
    if (!rc->runner) {
        app_error(o, "%s", error ? error : "cannot open the run journal");
        free(error);
        return EXIT_CONFIG;
    }
    run_view_attach(&rc->view, rc->runner);
    if (rc->have_plan) {
        rc->view.live = live_cost_new(&rc->s, &rc->dep, &rc->plan, NULL, NULL);
        live_cost_observe(rc->view.live, rc->runner);
    }
    return EXIT_OK;
}

static void s_announce_start(const struct run_cmd *rc)
{
    const struct runner *r = rc->runner;
    if (rc->o->json) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "event", "start");
        cJSON_AddStringToObject(e, "run_id", runner_run_id(r));
        cJSON_AddStringToObject(e, "started_by", runner_started_by(r));
        cJSON_AddStringToObject(e, "journal", rc->journal_path);
        cJSON_AddNumberToObject(e, "total", (double)runner_count(r));
        cJSON_AddNumberToObject(e, "concurrency", runner_concurrency(r));
        bool kept = false;
        int ceiling = runner_vcpu_ceiling(r, &kept);
        if (ceiling > 0) {
            cJSON *c = cJSON_AddObjectToObject(e, "concurrency_ceiling");
            cJSON_AddNumberToObject(c, "value", ceiling);
            cJSON_AddStringToObject(c, "cause", "vcpu_quota");
            cJSON_AddBoolToObject(c, "from_journal", kept);
        }
        cJSON_AddBoolToObject(e, "detach", rc->o->detach);
        app_print_json(e);
        return;
    }
    printf("Run %s: %zu bots, at most %d tasks at once; ECS tasks are tagged startedBy=%s.\n",
           runner_run_id(r), runner_count(r), runner_concurrency(r), runner_started_by(r));
    fflush(stdout);
}

static size_t s_to_launch_in_view(const struct journal_view *v, bool retry_failed)
{
    size_t n = 0;
    for (size_t i = 0; i < v->nbots; i++) {
        enum bot_state s = v->bots[i].state;
        n += s == BOT_QUEUED || s == BOT_LAUNCHING || (retry_failed && s == BOT_FAILED);
    }
    return n;
}

/* A resume launches too (the bots never launched, a launch whose task ECS forgot, retries):
 * what would make every new task fail is looked at again first — the Aurora cluster (the
 * stack's rdbSchedules may have stopped it since the crash) and Bedrock model access.
 * Either failing refuses, exit 3, before any RunTask. When the deployment cannot be read
 * at all the resume goes on (its journal holds everything it needs) with a note. */
static int s_recheck_before_resume(struct run_cmd *rc)
{
    const struct app_options *o = rc->o;
    struct deployment_options dopts = {
        .stack = o->stack ? o->stack : rc->prior.stack && *rc->prior.stack ? rc->prior.stack : NULL,
        .outputs_file = o->outputs_file,
    };
    rc->step_done = false;
    deployment_resolve(&rc->s, &dopts, s_on_deployment, rc);
    if (!s_wait(rc, &rc->step_done))
        return s_interrupted_before_launch(rc);
    if (rc->step_error) {
        if (!o->json)
            fprintf(stderr, "note: the Aurora cluster and model access were not checked again before "
                            "resuming: %s\n", rc->step_error);
        free(rc->step_error);
        rc->step_error = NULL;
        return EXIT_OK;
    }
    static const char *const blocking[] = {"aurora_cluster", "bedrock_model_access"};
    buf_t b = BUF_INIT;
    for (size_t i = 0; i < sizeof blocking / sizeof *blocking; i++) {
        const struct deployment_check *c = deployment_check_by_id(&rc->dep, blocking[i]);
        if (!c || c->state != CHECK_FAIL)
            continue;
        buf_printf(&b, "\n  %s: %s", c->id, c->summary ? c->summary : "failed");
        if (c->hint)
            buf_printf(&b, " (%s)", c->hint);
    }
    if (!b.len)
        return EXIT_OK;
    app_error(o, "not resuming run %s: every task launched now would fail:%s\nFix it, then run the same "
                 "command again: the run resumes where it stopped.", rc->prior.run_id, buf_cstr(&b));
    buf_free(&b);
    return EXIT_CONFIG;
}

static int s_run(struct run_cmd *rc)
{
    const struct app_options *o = rc->o;
    if (o->stop_on_exit && o->detach) {
        app_error(o, "--stop-on-exit and --detach contradict each other: --detach leaves the tasks "
                     "running on purpose; drop one of them");
        return EXIT_USAGE;
    }
    if (!o->yes && (!s_can_prompt() || o->json)) {
        app_error(o, "not launching without confirmation: review `bedrock-chat-migrate plan`, then run "
                     "again with --yes (a run is launched only with --yes when there is no terminal)");
        return EXIT_USAGE;
    }
    int rcode = cli_open_session(o, &rc->s);
    if (rcode)
        return rcode;
    struct cli_interrupts interrupts;
    cli_interrupts_install(&interrupts, rc->s.loop);
    rc->journal_path = app_journal_path(o, rc->s.region);
    if (o->pilot) {
        if (o->retry_failed || o->detach) {
            app_error(o, "--pilot runs a few bots to the end and measures them: it cannot be "
                         "combined with --retry-failed or --detach");
            rcode = EXIT_USAGE;
            goto out;
        }
        /* The pilot has its own journal beside the run's: the real run starts afresh. */
        char *pj = app_pilot_journal_path(rc->journal_path);
        free(rc->journal_path);
        rc->journal_path = pj;
    }

    if (s_file_exists(rc->journal_path)) {
        char *error = NULL;
        int loaded = journal_view_load(rc->journal_path, &rc->prior, &error);
        if (loaded == 1) {
            /* Created, but killed before its first record was whole: nothing ran. */
            free(error);
            error = NULL;
        } else if (loaded != 0) {
            app_error(o, "%s; pass --journal with another file to start a separate run", error ? error
                                                                                               : "cannot read the journal");
            free(error);
            rcode = EXIT_CONFIG;
            goto out;
        }
        rc->have_prior = loaded == 0;
        /* A new pilot replaces an earlier one (kept aside, like --new-run). */
        if (rc->have_prior && (o->new_run || o->pilot) && (rcode = s_archive_prior(rc)) != EXIT_OK)
            goto out;
    }
    if (o->retry_failed && !rc->have_prior) {
        app_error(o, "--retry-failed retries a previous run's failed bots, but %s holds no run; "
                     "start one with `bedrock-chat-migrate run --yes`", rc->journal_path);
        rcode = EXIT_USAGE;
        goto out;
    }

    run_view_init(&rc->view, rc->s.loop, o->json);
    if (rc->have_prior) {
        s_announce_resume(rc);
        if ((o->bots || o->exclude || o->include_empty || o->outputs_file) && !o->json)
            fprintf(stderr, "note: --bots, --exclude, --include-empty and --outputs choose a new run's "
                            "bots; a resumed run keeps its own. Add --new-run to start a new run with them.\n");
        size_t n = s_to_launch_in_view(&rc->prior, o->retry_failed);
        size_t unfinished = 0;
        for (size_t i = 0; i < rc->prior.nbots; i++)
            unfinished += !bot_state_final(rc->prior.bots[i].state);
        if ((n || unfinished) && (rcode = s_recheck_before_resume(rc)) != EXIT_OK)
            goto out;
        if (n && (rcode = s_confirm(rc, n, true)) != EXIT_OK)
            goto out;
    } else {
        if ((rcode = s_prepare_fresh(rc)) != EXIT_OK)
            goto out;
        if (rc->plan.nselected == 0) {
            if (o->json) {
                cJSON *e = cJSON_CreateObject();
                cJSON_AddStringToObject(e, "event", "nothing_to_do");
                cJSON_AddNumberToObject(e, "bots", (double)rc->plan.totals.bots);
                app_print_json(e);
            } else {
                printf("No bot is selected (%zu bots read; bots without knowledge need --include-empty): "
                       "nothing to launch.\n", rc->plan.totals.bots);
            }
            rcode = EXIT_OK;
            goto out;
        }
        s_announce_fresh(rc);
        if ((rcode = s_confirm(rc, rc->npilot ? rc->npilot : rc->plan.nselected, false)) != EXIT_OK)
            goto out;
    }

    if ((rcode = s_open_runner(rc)) != EXIT_OK)
        goto out;
    s_announce_start(rc);
    if (o->retry_failed) {
        size_t n = runner_retry_failed(rc->runner, SIZE_MAX);
        if (!o->json)
            printf("%zu failed bot%s queued for a new attempt.\n", n, n == 1 ? "" : "s");
    }
    runner_start(rc->runner);
    bool interrupted = s_follow(rc);
    if (rc->npilot && !interrupted && !runner_fatal(rc->runner))
        s_calibrate_after_pilot(rc);
    rcode = s_outcome(rc, interrupted);

out:
    if (rc->runner) {
        run_view_detach(&rc->view);
        live_cost_free(rc->view.live);
        rc->view.live = NULL;
        runner_free(rc->runner);
        rc->runner = NULL;
    }
    cli_interrupts_restore(&interrupts);
    return rcode;
}

int cmd_run(const struct app_options *o)
{
    struct run_cmd rc;
    memset(&rc, 0, sizeof(rc));
    rc.o = o;
    int rcode = s_run(&rc);
    if (rc.have_plan)
        plan_free(&rc.plan);
    if (rc.have_inv)
        inventory_free(&rc.inv);
    if (rc.have_dep)
        deployment_free(&rc.dep);
    if (rc.have_prior)
        journal_view_free(&rc.prior);
    migrated_set_free(&rc.migrated);
    if (rc.verification) {
        verification_free(rc.verification);
        free(rc.verification);
    }
    free(rc.step_error);
    free(rc.journal_path);
    if (rc.s.loop)
        aws_session_close(&rc.s);
    /* After the session: a read still in flight when interrupted answers into rc. */
    quota_facts_free(&rc.quotas);
    image_pull_free(&rc.pull);
    free(rc.pilot);
    free(rc.pilot_journal);
    return rcode;
}
