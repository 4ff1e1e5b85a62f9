/* `plan`: which bots a run would rebuild and what it would cost, as ranges, with the
 * assumptions in view. Reads only; launches nothing. */
#include "cli/cli.h"

#include "app/options.h"
#include "cli/calibrate_view.h"
#include "engine/run/runner.h"

#include "engine/discover/deployment.h"
#include "engine/discover/inventory.h"
#include "engine/estimate/plan.h"
#include "engine/verify/already_migrated.h"
#include "engine/estimate/pricing.h"
#include "util/buf.h"
#include "util/ev_loop.h"
#include "util/mem.h"
#include "util/sanitize.h"
#include "util/textwidth.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct plan_cmd {
    const struct app_options *o;
    struct ev_loop *loop;
    bool done;
    char *error;
    struct deployment dep;
    bool have_dep;
    struct inventory inv;
    bool have_inv;
    struct quota_facts quotas;
    bool quotas_done;
    struct image_pull_facts pull;
    bool pull_done;
    bool all_done;
    char *calibration_text;    /* plan --calibrate's text view, printed after the plan */
    struct web_probe probe;    /* plan --probe-web */
    bool probe_done, probed;
    char *calibrated_from;     /* the journals it read */
    struct migrated_set migrated;
};

static void s_check_all(struct plan_cmd *pc)
{
    pc->all_done = pc->done && pc->quotas_done && pc->pull_done;
    if (pc->all_done)
        ev_loop_wakeup(pc->loop);
}

static void s_on_quotas(void *ud, struct quota_facts *facts)
{
    struct plan_cmd *pc = ud;
    quota_facts_move(&pc->quotas, facts);
    pc->quotas_done = true;
    s_check_all(pc);
}

static void s_on_pull(void *ud, struct image_pull_facts *facts)
{
    struct plan_cmd *pc = ud;
    image_pull_move(&pc->pull, facts);
    pc->pull_done = true;
    s_check_all(pc);
}

static void s_on_deployment(void *ud, struct deployment *dep, const char *error)
{
    struct plan_cmd *pc = ud;
    pc->done = true;
    ev_loop_wakeup(pc->loop); /* the loop may be about to wait with nothing in flight */
    if (!dep) {
        pc->error = xstrdup(error ? error : "the stack outputs could not be resolved");
        return;
    }
    deployment_move(&pc->dep, dep);
    pc->have_dep = true;
}

static void s_on_migrated(void *ud, struct migrated_set *set)
{
    struct plan_cmd *pc = ud;
    pc->done = true;
    ev_loop_wakeup(pc->loop);
    migrated_set_move(&pc->migrated, set);
}

static void s_on_inventory(void *ud, struct inventory *inv, const char *error)
{
    struct plan_cmd *pc = ud;
    pc->done = true;
    ev_loop_wakeup(pc->loop); /* the loop may be about to wait with nothing in flight */
    if (!inv) {
        pc->error = xstrdup(error ? error : "the bots could not be read");
        s_check_all(pc);
        return;
    }
    inventory_move(&pc->inv, inv);
    pc->have_inv = true;
    s_check_all(pc);
}

/* ---- formatting ---- */

/* Sanitised, and without the emoji joiners terminals disagree on, so columns line up. */
static char *s_safe(const char *s, size_t max)
{
    char *safe = sanitize_for_terminal(s ? s : "", s ? strlen(s) : 0, max);
    char *plain = text_unambiguous(safe);
    free(safe);
    return plain;
}

static void s_usd(buf_t *b, double v)
{
    if (v < 0.01)
        buf_printf(b, "$%.4f", v);
    else
        buf_printf(b, "$%.2f", v);
}

static void s_usd_range(buf_t *b, double lo, double hi)
{
    if (lo < 0 || hi < 0) {
        buf_puts(b, "price unknown");
        return;
    }
    s_usd(b, lo);
    buf_puts(b, "–");
    s_usd(b, hi);
}

static void s_duration(buf_t *b, double seconds)
{
    if (seconds < 90)
        buf_printf(b, "%.0f s", seconds);
    else if (seconds < 5400)
        buf_printf(b, "%.0f min", seconds / 60);
    else
        buf_printf(b, "%.1f h", seconds / 3600);
}

static void s_duration_range(buf_t *b, double lo, double hi)
{
    s_duration(b, lo);
    buf_puts(b, "–");
    s_duration(b, hi);
}

static void s_bytes(buf_t *b, uint64_t n)
{
    if (n < 1000)
        buf_printf(b, "%llu B", (unsigned long long)n);
    else if (n < 1000000)
        buf_printf(b, "%.1f KB", (double)n / 1e3);
    else if (n < 1000000000)
        buf_printf(b, "%.1f MB", (double)n / 1e6);
    else
        buf_printf(b, "%.1f GB", (double)n / 1e9);
}

/* A cell of exactly cols columns from untrusted text. */
static void s_cell(buf_t *line, const char *raw, size_t cols, int right)
{
    char *safe = s_safe(raw, 1024);
    char *fit = text_fit(safe, cols, right);
    buf_puts(line, fit);
    buf_putc(line, ' ');
    free(fit);
    free(safe);
}

static const struct migrated_set *s_migrated;   /* for the table rows (one plan per process) */

static const struct migrated_bot *s_migrated_of(const struct plan_item *it)
{
    return it->why_not && strcmp(it->why_not, PLAN_WHY_MIGRATED) == 0
               ? migrated_lookup(s_migrated, it->bot->bot_id) : NULL;
}

static void s_print_table(const struct plan *p)
{
    printf("    %-26s %-12s %-24s %-12s %9s  %-17s %s\n", "BOT ID", "OWNER", "TITLE", "SOURCES",
           "DOCUMENTS", "COST", "TASK TIME");
    for (size_t i = 0; i < p->nitems; i++) {
        const struct plan_item *it = &p->items[i];
        const struct bot *b = it->bot;
        buf_t line = BUF_INIT, tmp = BUF_INIT;
        buf_puts(&line, it->selected ? "[x] " : "[ ] ");
        s_cell(&line, b->bot_id, 26, 0);
        s_cell(&line, b->pk, 12, 0);
        s_cell(&line, *b->title ? b->title : "(untitled)", 24, 0);
        buf_printf(&tmp, "%zuu %zus %zuf", b->n_source_urls, b->n_sitemap_urls, b->n_files);
        s_cell(&line, buf_cstr(&tmp), 12, 0);
        buf_reset(&tmp);
        s_bytes(&tmp, b->document_bytes);
        s_cell(&line, buf_cstr(&tmp), 9, 1);
        buf_putc(&line, ' ');
        if (it->selected) {
            buf_reset(&tmp);
            s_usd_range(&tmp, it->est.usd_lo, it->est.usd_hi);
            if (it->est.open_ended)
                buf_puts(&tmp, "+");
            s_cell(&line, buf_cstr(&tmp), 17, 0);
            buf_reset(&tmp);
            s_duration_range(&tmp, it->est.seconds_lo, it->est.seconds_hi);
            buf_puts(&line, buf_cstr(&tmp));
        } else {
            buf_printf(&line, "not selected: %s", it->why_not ? it->why_not : "");
            const struct migrated_bot *m = s_migrated_of(it);
            if (m)
                buf_printf(&line, ": %s", m->reason);
        }
        /* Trailing spaces from padding are noise in logs. */
        while (line.len && line.data[line.len - 1] == ' ')
            line.data[--line.len] = '\0';
        printf("%s\n", buf_cstr(&line));
        buf_free(&line);
        buf_free(&tmp);
    }
}

/* Warnings about the bots that will run, one line each; those about bots left out cost
 * nothing and are summed up in one line (--json lists every one). */
static void s_print_warnings(const struct plan *p)
{
    size_t n = 0, skipped = 0, skipped_bots = 0;
    for (size_t i = 0; i < p->nitems; i++) {
        const struct plan_item *it = &p->items[i];
        if (it->selected) {
            n += it->nwarnings;
        } else if (it->nwarnings) {
            skipped += it->nwarnings;
            skipped_bots++;
        }
    }
    if (!n && !skipped)
        return;
    printf("\nWarnings:\n");
    for (size_t i = 0; i < p->nitems; i++) {
        const struct plan_item *it = &p->items[i];
        if (!it->selected)
            continue;
        for (size_t w = 0; w < it->nwarnings; w++) {
            char *id = s_safe(it->bot->bot_id, 64);
            char *text = s_safe(it->warnings[w], 400);
            printf("  ! %s: %s\n", *id ? id : "(no id)", text);
            free(id);
            free(text);
        }
    }
    if (!n)
        printf("  none about the selected bots.\n");
    if (skipped)
        printf("  (%zu more about %zu bot%s that will not run, so cost nothing; --json lists them)\n",
               skipped, skipped_bots, skipped_bots == 1 ? "" : "s");
}

/* The image pull through NAT: its line, and the free fix when it is worth making. */
static void s_print_nat(const struct plan *p)
{
    const struct plan_nat *n = &p->nat;
    buf_t b = BUF_INIT;
    if (!n->price_known) {
        printf("Image pull: through NAT, price unknown for %s (nat_per_gb in --prices FILE)\n",
               p->prices.region);
    } else if (n->usd_hi <= 0) {
        printf("Image pull: $0 through NAT%s\n",
               p->pull.route == PULL_ROUTE_ENDPOINT ? " (an S3 gateway endpoint carries it)"
               : p->pull.route == PULL_ROUTE_NO_NAT ? " (no NAT gateway on the private subnets' routes)"
                                                    : "");
    } else {
        s_usd_range(&b, n->usd_lo, n->usd_hi);
        printf("Image pull: %s through NAT: %zu task%s x ", buf_cstr(&b), p->totals.selected,
               p->totals.selected == 1 ? "" : "s");
        if (n->image_gb_lo == n->image_gb_hi)
            printf("%.2f GB", n->image_gb_lo);
        else
            printf("%.0f-%.0f GB", n->image_gb_lo, n->image_gb_hi);
        if (n->share < 1)
            printf(" x %.0f%% via NAT", n->share * 100);
        printf(" x $%.3f/GB%s\n", n->usd_per_gb, n->assumed ? " (assumed; see the assumptions)" : "");
    }
    if (n->large && n->usd_hi > 0) {
        buf_reset(&b);
        s_usd_range(&b, n->saving_lo, n->saving_hi);
        printf("            An S3 gateway endpoint (free) on the private subnets' route tables "
               "takes the image layers off the NAT gateway and saves %s on this run.\n",
               buf_cstr(&b));
        if (n->fix_command) {
            char *cmd = s_safe(n->fix_command, 1000);
            printf("            Create it (the program does not):\n              %s\n", cmd);
            free(cmd);
        } else {
            printf("            Create it with `aws ec2 create-vpc-endpoint --vpc-endpoint-type "
                   "Gateway --service-name com.amazonaws.%s.s3` on the stack's VPC and the "
                   "private subnets' route tables.\n", p->prices.region);
        }
    }
    buf_free(&b);
}

static void s_print_bounds(const struct plan *p)
{
    printf("Concurrency bounds (the default is the smallest):\n");
    for (int i = 0; i < BOUND_COUNT; i++) {
        const struct concurrency_bound *cb = &p->bounds[i];
        char *reason = s_safe(cb->reason, 400);
        if (cb->known)
            printf("  %-28s %6d  %s%s\n", concurrency_bound_name(cb->kind), cb->tasks, reason,
                   cb->assumed && cb->kind != BOUND_AURORA ? " [assumed]" : "");
        else
            printf("  %-28s %6s  %s\n", concurrency_bound_name(cb->kind), "-", reason);
        free(reason);
    }
}

static void s_print_human(const struct plan_cmd *pc, const struct plan *p)
{
    const struct plan_totals *t = &p->totals;
    char *table = s_safe(pc->dep.outputs.table, 256);
    char *source = s_safe(p->scan.source, 256);
    printf("Bots in %s (read from the %s: %llu items, %.1f read units, %llu requests)\n\n",
           table, source, (unsigned long long)p->scan.items_read, p->scan.read_units,
           (unsigned long long)p->scan.requests);
    free(table);
    free(source);
    if (p->nitems)
        s_print_table(p);
    else
        printf("  No bots were found.\n");
    s_print_warnings(p);
    printf("\n");
    cli_print_deployment_facts(&pc->dep);
    if (pc->inv.bucket_error) {
        char *e = s_safe(pc->inv.bucket_error, 600);
        printf("\nDocument sizes are not known: %s\n", e);
        free(e);
    }

    buf_t b = BUF_INIT;
    printf("\nSelected %zu of %zu bot%s", t->selected, t->bots, t->bots == 1 ? "" : "s");
    if (t->skipped_empty)
        printf("; %zu without knowledge left out (--include-empty adds them)", t->skipped_empty);
    if (t->skipped_knowledge_base)
        printf("; %zu Bedrock Knowledge Base bot%s skipped (no embedding task)", t->skipped_knowledge_base,
               t->skipped_knowledge_base == 1 ? "" : "s");
    if (t->excluded)
        printf("; %zu excluded", t->excluded);
    if (t->already_migrated)
        printf("; %zu already migrated left out (--include-migrated adds them)", t->already_migrated);
    printf(".\n");
    if (!pc->migrated.checked && pc->migrated.note) {
        char *note = s_safe(pc->migrated.note, 600);
        printf("Already-migrated bots were not looked for: %s\n", note);
        free(note);
    }
    s_bytes(&b, t->document_bytes);
    printf("Documents:  %s in S3", buf_cstr(&b));
    if (t->missing_files)
        printf(", %zu listed file%s missing (those tasks will fail)", t->missing_files,
               t->missing_files == 1 ? "" : "s");
    printf("\n");
    buf_reset(&b);
    s_usd_range(&b, t->usd_lo, t->usd_hi);
    buf_puts(&b, "  (Fargate ");
    s_usd_range(&b, t->fargate_usd_lo, t->fargate_usd_hi);
    buf_puts(&b, ", Bedrock ");
    s_usd_range(&b, t->bedrock_usd_lo, t->bedrock_usd_hi);
    buf_puts(&b, ", image pull through NAT ");
    s_usd_range(&b, t->nat_usd_lo, t->nat_usd_hi);
    buf_puts(&b, ", this scan ");
    if (t->scan_usd < 0)
        buf_puts(&b, "price unknown");
    else
        s_usd(&b, t->scan_usd);
    buf_puts(&b, ")");
    printf("Cost:       %s\n", buf_cstr(&b));
    s_print_nat(p);
    if (t->usd_lo < 0 || t->usd_hi < 0)
        printf("            a price for %s is not in the built-in table; give it with "
               "--prices FILE (see the notes below)\n", p->prices.region);
    printf("Tokens:     %llu–%llu\n", (unsigned long long)t->tokens_lo,
           (unsigned long long)t->tokens_hi);
    buf_reset(&b);
    s_duration_range(&b, t->wall_seconds_lo, t->wall_seconds_hi);
    char *why = s_safe(p->concurrency_why, 200);
    printf("Wall clock: %s with %d task%s at once (%s)\n", buf_cstr(&b), p->concurrency,
           p->concurrency == 1 ? "" : "s", why);
    free(why);
    s_print_bounds(p);
    char *psrc = s_safe(p->prices.source, 300);
    char *pdate = s_safe(p->prices.source_date, 40);
    printf("Prices:     %s, %s, %s\n", p->prices.region, psrc, pdate);
    free(psrc);
    free(pdate);
    for (size_t i = 0; i < p->prices.nnotes; i++) {
        char *n = s_safe(p->prices.notes[i], 300);
        printf("            note: %s\n", n);
        free(n);
    }
    printf("\nAssumptions:\n");
    for (size_t i = 0; i < p->nassumptions; i++)
        printf("  - %s\n", p->assumptions[i]);
    buf_free(&b);
}

/* A JSON fragment, made inert for a terminal like everything app_print_json prints. */
static void s_put_json(const char *text)
{
    char *safe = sanitize_json_text(text);
    fputs(safe, stdout);
    free(safe);
}

/* The same document as plan_to_json plus table and bucket_error, on one line, printed a
 * bot at a time: the whole tree and its text for 10,000 bots would take tens of MB. */
static void s_print_json(const struct plan_cmd *pc, const struct plan *p, cJSON *extra)
{
    fputs("{\"bots\":[", stdout);
    for (size_t i = 0; i < p->nitems; i++) {
        cJSON *item = plan_item_to_json(&p->items[i]);
        const struct migrated_bot *m = s_migrated_of(&p->items[i]);
        if (m) {
            cJSON *jm = cJSON_AddObjectToObject(item, "already_migrated");
            cJSON_AddNumberToObject(jm, "vector_rows", (double)m->rows);
            cJSON_AddNumberToObject(jm, "embedded_at_ms", (double)m->embedded_at_ms);
            cJSON_AddStringToObject(jm, "reason", m->reason);
        }
        char *text = cJSON_PrintUnformatted(item);
        cJSON_Delete(item);
        if (i)
            fputc(',', stdout);
        s_put_json(text ? text : "null");
        cJSON_free(text);
    }
    fputc(']', stdout);
    cJSON *rest = plan_summary_to_json(p);
    if (pc->probed)
        cJSON_AddItemToObject(rest, "web_probe", web_probe_to_json(&pc->probe));
    /* plan --calibrate: "measured" and "calibration" join the summary. */
    while (extra && extra->child) {
        cJSON *field = cJSON_DetachItemViaPointer(extra, extra->child);
        char *name = xstrdup(field->string);
        cJSON_AddItemToObject(rest, name, field);
        free(name);
    }
    deployment_facts_to_json(&pc->dep, rest);
    cJSON_AddStringToObject(rest, "table", pc->dep.outputs.table ? pc->dep.outputs.table : "");
    if (pc->inv.bucket_error)
        cJSON_AddStringToObject(rest, "bucket_error", pc->inv.bucket_error);
    else
        cJSON_AddNullToObject(rest, "bucket_error");
    cJSON *am = cJSON_AddObjectToObject(rest, "already_migrated");
    cJSON_AddBoolToObject(am, "checked", pc->migrated.checked);
    cJSON_AddBoolToObject(am, "included", pc->o->include_migrated);
    if (pc->migrated.note)
        cJSON_AddStringToObject(am, "note", pc->migrated.note);
    else
        cJSON_AddNullToObject(am, "note");
    cJSON_AddNumberToObject(am, "bots", (double)pc->migrated.n);
    char *text = cJSON_PrintUnformatted(rest);
    cJSON_Delete(rest);
    /* rest is "{…}" with at least one field: continue the object after its brace. */
    if (text && text[0] == '{' && text[1] != '}') {
        fputc(',', stdout);
        s_put_json(text + 1);
    } else {
        fputc('}', stdout);
    }
    cJSON_free(text);
    fputc('\n', stdout);
    fflush(stdout);
}

static void s_cleanup(struct plan_cmd *pc)
{
    free(pc->error);
    migrated_set_free(&pc->migrated);
    if (pc->have_inv)
        inventory_free(&pc->inv);
    if (pc->have_dep)
        deployment_free(&pc->dep);
    quota_facts_free(&pc->quotas);
    image_pull_free(&pc->pull);
    free(pc->calibration_text);
    web_probe_free(&pc->probe);
    free(pc->calibrated_from);
}

/* Checks what can be checked before any AWS call: id lists (usage) and the prices file
 * (configuration). */
static int s_check_arguments(const struct app_options *o)
{
    const char *lists[2][2] = {{"--bots", o->bots}, {"--exclude", o->exclude}};
    for (int i = 0; i < 2; i++) {
        if (!lists[i][1])
            continue;
        char **ids = NULL, *error = NULL;
        size_t n = 0;
        if (plan_parse_id_list(lists[i][1], &ids, &n, &error) != 0) {
            app_error(o, "%s: %s", lists[i][0], error);
            free(error);
            return EXIT_USAGE;
        }
        plan_free_id_list(ids, n);
    }
    if (o->concurrency < 0) {
        app_error(o, "--concurrency must be a positive number of tasks");
        return EXIT_USAGE;
    }
    if (o->prices_file) {
        struct price_table t;
        price_table_builtin(NULL, NULL, &t);
        char *error = NULL;
        int rc = price_table_apply_file(&t, o->prices_file, &error);
        price_table_free(&t);
        if (rc != 0) {
            app_error(o, "%s", error);
            free(error);
            return EXIT_CONFIG;
        }
    }
    return EXIT_OK;
}

/* The journal's finished bots (and its pilot's): measured, and the plan refitted. The
 * text view is kept to print after the plan. */
static void s_on_probe(void *ud, struct web_probe *probe)
{
    struct plan_cmd *pc = ud;
    web_probe_move(&pc->probe, probe);
    pc->probe_done = true;
    ev_loop_wakeup(pc->loop);
}

/* plan --probe-web: the selected bots' source URLs and sitemaps, each once. */
static void s_probe_web(struct aws_session *s, struct plan_cmd *pc, struct plan *p)
{
    const char **urls = NULL;
    bool *sitemap = NULL;
    size_t n = plan_web_sources(p, &urls, &sitemap);
    pc->probe_done = false;
    web_probe_run(s->http, s->loop, urls, sitemap, n, NULL, s_on_probe, pc);
    ev_loop_run_until(s->loop, &pc->probe_done);
    free(urls);
    free(sitemap);
    plan_apply_web_probe(p, &pc->probe);
    pc->probed = true;
}

static void s_print_probe(const struct plan_cmd *pc)
{
    size_t ok = 0;
    for (size_t i = 0; i < pc->probe.n; i++)
        ok += pc->probe.results[i].ok;
    printf("\nWeb sources probed from here: %zu of %zu answered", ok, pc->probe.n);
    printf(ok == pc->probe.n ? ".\n" : "; the others keep the guess:\n");
    for (size_t i = 0; i < pc->probe.n; i++) {
        const struct web_probe_result *r = &pc->probe.results[i];
        char *url = s_safe(r->url, 300);
        if (r->ok && r->sitemap)
            printf("    %s: sitemap of %zu page%s%s\n", url, r->pages, r->pages == 1 ? "" : "s",
                   r->child_sitemaps ? " (and child sitemaps, not followed)" : "");
        else if (r->ok)
            printf("    %s: %llu bytes%s\n", url, (unsigned long long)r->bytes,
                   r->truncated ? " or more" : "");
        else {
            char *why = s_safe(r->error ? r->error : "failed", 300);
            printf("  ! %s: %s\n", url, why);
            free(why);
        }
        free(url);
    }
}

static int s_calibrate(const struct app_options *o, struct aws_session *s, struct plan_cmd *pc,
                       const struct plan *p, cJSON **out)
{
    char *journal = app_journal_path(o, s->region);
    char *paths[2] = {app_pilot_journal_path(journal), journal};
    struct run_bot *bots = NULL;
    size_t nbots = 0;
    buf_t from = BUF_INIT;
    for (int k = 0; k < 2; k++) {
        struct journal_view v;
        char *error = NULL;
        FILE *f = fopen(paths[k], "r");
        if (!f)
            continue;
        fclose(f);
        if (journal_view_load(paths[k], &v, &error) != 0) {
            free(error);
            continue;
        }
        bots = xrealloc(bots, (nbots + v.nbots + 1) * sizeof *bots);
        for (size_t i = 0; i < v.nbots; i++)
            run_bot_copy(&bots[nbots++], &v.bots[i]);
        journal_view_free(&v);
        buf_printf(&from, "%s%s", from.len ? " and " : "", paths[k]);
    }
    int rc = EXIT_OK;
    char *error = NULL;
    if (nbots == 0) {
        app_error(o, "--calibrate: no run journal at %s (nor its pilot's, %s): run a pilot first "
                     "(`bedrock-chat-migrate run --pilot 3`) or give the run's --journal", paths[1], paths[0]);
        rc = EXIT_CONFIG;
    } else {
        /* The text view goes to a buffer: the plan prints first. */
        char *text = NULL;
        size_t len = 0;
        FILE *mem = o->json ? NULL : open_memstream(&text, &len);
        int crc = calibrate_view(s, &pc->dep, p, bots, nbots, mem, out, &error);
        if (mem)
            fclose(mem);
        pc->calibration_text = text;
        if (crc != 0) {
            app_error(o, "--calibrate: %s", error);
            rc = EXIT_CONFIG;
        }
        pc->calibrated_from = buf_detach(&from);
    }
    free(error);
    buf_free(&from);
    for (size_t i = 0; i < nbots; i++)
        run_bot_free(&bots[i]);
    free(bots);
    free(paths[0]);
    free(paths[1]);
    return rc;
}

int cmd_plan(const struct app_options *o)
{
    int rc = s_check_arguments(o);
    if (rc)
        return rc;
    struct aws_session s;
    rc = cli_open_session(o, &s);
    if (rc)
        return rc;
    struct plan_cmd pc = {.o = o, .loop = s.loop};

    struct deployment_options dopts = {.stack = o->stack, .outputs_file = o->outputs_file};
    deployment_resolve(&s, &dopts, s_on_deployment, &pc);
    ev_loop_run_until(s.loop, &pc.done);
    if (pc.error) {
        app_error(o, "%s", pc.error);
        rc = EXIT_CONFIG;
        goto out;
    }
    if (!deployment_ok(&pc.dep) && !o->json)
        fprintf(stderr, "warning: some deployment checks failed; `bedrock-chat-migrate "
                        "outputs` shows them. A run would refuse to start.\n");

    struct inventory_options iopts = {.force_table_scan = o->scan_table};
    pc.done = false;
    /* The quotas and the image pull's facts are read while the bots are. */
    quota_facts_read(&s, s_on_quotas, &pc);
    image_pull_read(&s, &pc.dep, s_on_pull, &pc);
    inventory_load(&s, &pc.dep, &iopts, NULL, s_on_inventory, &pc);
    ev_loop_run_until(s.loop, &pc.all_done);
    if (pc.error) {
        app_error(o, "%s", pc.error);
        rc = EXIT_CONFIG;
        goto out;
    }

    struct plan_options popts = {
        .include_empty = o->include_empty, .bots_csv = o->bots, .exclude_csv = o->exclude,
        .concurrency = o->concurrency, .region = s.region, .prices_file = o->prices_file,
        .quotas = &pc.quotas, .pull = &pc.pull,
    };
    struct plan p;
    char *error = NULL;
    if (plan_build(&pc.inv, &pc.dep, &popts, &p, &error) != 0) {
        /* Syntax and the prices file were checked above: this is an unknown bot id. */
        app_error(o, "%s", error ? error : "the plan could not be built");
        free(error);
        rc = EXIT_USAGE;
        goto out;
    }
    if (o->probe_web)
        s_probe_web(&s, &pc, &p);
    cJSON *calibration = NULL;
    if (o->calibrate && (rc = s_calibrate(o, &s, &pc, &p, &calibration)) != EXIT_OK) {
        plan_free(&p);
        goto out;
    }
    /* Bots the v1 stack already re-embedded cost nothing more to leave out. */
    if (!o->include_migrated && !o->bots) {   /* --bots names them on purpose */
        pc.done = false;
        migrated_find(&s, &pc.dep, &pc.inv, s_on_migrated, &pc);
        ev_loop_run_until(s.loop, &pc.done);
        migrated_apply_to_plan(&pc.migrated, &p);
    }
    s_migrated = &pc.migrated;
    if (o->json) {
        s_print_json(&pc, &p, calibration);
    } else {
        s_print_human(&pc, &p);
        if (pc.probed)
            s_print_probe(&pc);
        if (calibration) {
            printf("\nCalibrated from the finished bots of %s:\n", pc.calibrated_from);
            fputs(pc.calibration_text ? pc.calibration_text : "", stdout);
        }
    }
    cJSON_Delete(calibration);
    s_migrated = NULL;
    plan_free(&p);
    rc = EXIT_OK;
out:
    s_cleanup(&pc);
    aws_session_close(&s);
    return rc;
}
