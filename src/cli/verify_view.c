/* `verify`'s output (also printed at the end of `run`). */
#include "cli/verify_view.h"

#include "app/output.h"
#include "util/mem.h"
#include "util/sanitize.h"
#include "util/textwidth.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *s_safe(const char *s, size_t max)
{
    char *safe = sanitize_for_terminal(s ? s : "", s ? strlen(s) : 0, max);
    char *plain = text_unambiguous(safe);
    free(safe);
    return plain;
}

void verify_view_progress(const struct app_options *o, const struct verify_progress *p)
{
    (void)o;
    /* Log reads are many; their count shows in the final summary instead. */
    if (p->phase == VERIFY_READING_LOGS && p->logs_done)
        return;
    char *text = verify_progress_text(p);
    fprintf(stderr, "verify: %s%s\n", text, p->phase == VERIFY_WAKING ? " — a paused Serverless "
                                            "cluster takes up to a minute to resume" : "...");
    free(text);
}

static void s_print_table(const struct verification *v)
{
    char *arn = s_safe(v->cluster_arn, 300);
    printf("Verified %zu bot(s) against %s (database %s), %lld vector row(s) in all:", v->nrows,
           arn, v->database ? v->database : "postgres", v->total_rows);
    free(arn);
    for (int i = 0; i < VERDICT_COUNT; i++)
        if (v->counts[i])
            printf(" %zu %s,", v->counts[i], verdict_label((enum verdict)i));
    printf("\n");
    if (v->wake_waits)
        printf("(the database was resuming: waited %d time(s))\n", v->wake_waits);
    printf("\n%-26s  %-15s  %7s  %7s  %-24s  %s\n", "BOT", "VERDICT", "ROWS", "LOGGED",
           "OUTCOME", "TITLE");
    for (size_t i = 0; i < v->nrows; i++) {
        const struct verify_row *r = &v->rows[i];
        char logged[24];
        if (r->logged >= 0)
            snprintf(logged, sizeof logged, "%lld", r->logged);
        else
            snprintf(logged, sizeof logged, "-");
        char *outcome = xasprintf("%s (%s)", r->outcome ? r->outcome : "", r->outcome_source ? r->outcome_source : "");
        char *safe_outcome = s_safe(outcome, 80);
        char *title = s_safe(r->title ? r->title : "(no bot in the table)", 2048);
        char *cut = text_truncate(title, 40);
        char *id = s_safe(r->bot_id, 64);
        printf("%-26.26s  %-15s  %7lld  %7s  %-24.24s  %s\n", id, verdict_label(r->verdict), r->rows,
               logged, safe_outcome, cut);
        free(id);
        free(cut);
        free(title);
        free(safe_outcome);
        free(outcome);
    }
    bool header = false;
    for (int i = 0; i < VERDICT_COUNT; i++) {
        enum verdict verdict = (enum verdict)i;
        if (!v->counts[i] || verdict == VERDICT_OK)
            continue;
        if (!header) {
            printf("\nWhat to do:\n");
            header = true;
        }
        printf("  %s (%zu): %s\n", verdict_label(verdict), v->counts[i], verdict_action(verdict));
        if (verdict == VERDICT_NO_VECTORS || verdict == VERDICT_COUNT_DIFFERS) {
            char *ids = verification_ids(v, verdict);
            char *safe = s_safe(ids, 65536);
            printf("    bedrock-chat-migrate run --new-run --bots %s --yes\n", safe);
            free(safe);
            free(ids);
        }
    }
    printf("\nverify counts rows per bot; it does not judge the quality of the answers.\n");
}

int verify_view_print(const struct app_options *o, const struct verify_deployment_result *r)
{
    if (!r->v) {
        if (r->skipped) {
            app_error(o, "verification skipped: %s%s%s", r->message ? r->message : "not permitted",
                      r->hint ? "; " : "", r->hint ? r->hint : "");
        } else {
            app_error(o, "cannot verify: %s%s%s", r->message ? r->message : "unknown error",
                      r->hint ? "; " : "", r->hint ? r->hint : "");
        }
        return EXIT_CONFIG;
    }
    if (o->json) {
        cJSON *out = verification_to_json(r->v);
        if (r->saved_path)
            cJSON_AddStringToObject(out, "saved_to", r->saved_path);
        app_print_json(out);
    } else {
        s_print_table(r->v);
        if (r->saved_path) {
            char *p = s_safe(r->saved_path, 4096);
            printf("Kept in %s (shown by `status` and the report).\n", p);
            free(p);
        }
    }
    if (r->save_error)
        fprintf(stderr, "warning: %s\n", r->save_error);
    return verification_exit_code(r->v) ? EXIT_SOME_FAILED : EXIT_OK;
}
