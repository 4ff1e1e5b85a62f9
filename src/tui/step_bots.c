/* Step 4, Bots: the deployment's bots read from DynamoDB (with their documents' sizes
 * from S3) in a table — select with Space / a / n, filter with /, sort with s — and a
 * detail pane for the bot under the cursor. Selection goes to the plan (plan_select). */
#include "tui/tui.h"

#include "engine/discover/inventory.h"
#include "engine/estimate/plan.h"
#include "engine/verify/already_migrated.h"
#include "util/mem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { COL_TITLE, COL_OWNER, COL_SOURCES, COL_SIZE, COL_STATUS, COL_ESTIMATE, NCOLS };

static const struct table_column s_columns[NCOLS] = {
    [COL_TITLE] = {"bots.col_title", 12, 4, false, true},
    [COL_OWNER] = {"bots.col_owner", 8, 1, false, true},
    [COL_SOURCES] = {"bots.col_sources", 11, 0, false, false},
    [COL_SIZE] = {"bots.col_size", 9, 0, true, false},
    [COL_STATUS] = {"bots.col_status", 10, 1, false, true},
    [COL_ESTIMATE] = {"bots.col_estimate", 13, 0, true, false},
};

struct bots_step {
    bool loading;
    uint64_t scanned;
    size_t found;
    char *error;
    char *notice;
    struct ui_table table;
    struct wizard *w;
    const struct plan *table_plan; /* the plan the table was set up for */
};

static struct bots_step *s_state(struct wizard *w)
{
    if (!w->step_data[STEP_BOTS]) {
        struct bots_step *st = xcalloc(1, sizeof(*st));
        st->w = w;
        st->table.sort_column = -1;
        w->step_data[STEP_BOTS] = st;
    }
    return w->step_data[STEP_BOTS];
}

static void s_set_notice(struct bots_step *st, char *text)
{
    free(st->notice);
    st->notice = text;
}

static const struct plan_item *s_item(const struct bots_step *st, size_t row)
{
    const struct plan *p = st->w->plan;
    return p && row < p->nitems ? &p->items[row] : NULL;
}

static void s_sources(const struct bot *b, char *buf, size_t n)
{
    snprintf(buf, n, "%zuf %zuu %zus", b->n_files, b->n_source_urls, b->n_sitemap_urls);
}

static const char *s_cell(void *ud, size_t row, size_t col, char *buf, size_t n)
{
    const struct plan_item *it = s_item(ud, row);
    if (!it)
        return "";
    const struct bot *b = it->bot;
    switch (col) {
    case COL_TITLE: return b->title && *b->title ? b->title : b->bot_id;
    case COL_OWNER: return b->pk;
    case COL_SOURCES: s_sources(b, buf, n); return buf;
    case COL_SIZE: ui_format_bytes(buf, n, b->document_bytes); return buf;
    case COL_STATUS: return b->sync_status ? b->sync_status : "—";
    case COL_ESTIMATE:
        if (!it->selected && it->why_not && strcmp(it->why_not, PLAN_WHY_EMPTY) == 0)
            return tr("bots.no_knowledge");
        if (!it->selected && it->why_not && strcmp(it->why_not, PLAN_WHY_MIGRATED) == 0)
            return tr("bots.already_migrated");
        ui_format_usd_range(buf, n, it->est.usd_lo, it->est.usd_hi);
        return buf;
    default: return "";
    }
}

static int s_cmp_u64(uint64_t a, uint64_t b)
{
    return a < b ? -1 : a > b;
}

static int s_compare(void *ud, size_t a, size_t b, size_t col)
{
    const struct plan_item *ia = s_item(ud, a), *ib = s_item(ud, b);
    if (!ia || !ib)
        return 0;
    switch (col) {
    case COL_SOURCES:
        return s_cmp_u64(ia->bot->n_files + ia->bot->n_source_urls + ia->bot->n_sitemap_urls,
                         ib->bot->n_files + ib->bot->n_source_urls + ib->bot->n_sitemap_urls);
    case COL_SIZE: return s_cmp_u64(ia->bot->document_bytes, ib->bot->document_bytes);
    case COL_ESTIMATE: return ia->est.usd_hi < ib->est.usd_hi ? -1 : ia->est.usd_hi > ib->est.usd_hi;
    default: {
        char ba[256], bb[256];
        return strcasecmp(s_cell(ud, a, col, ba, sizeof(ba)), s_cell(ud, b, col, bb, sizeof(bb)));
    }
    }
}

static bool s_marked(void *ud, size_t row)
{
    const struct plan_item *it = s_item(ud, row);
    return it && it->selected;
}

static int s_row_color(void *ud, size_t row)
{
    const struct plan_item *it = s_item(ud, row);
    if (!it)
        return UI_NORMAL;
    if (!bot_has_knowledge(it->bot))
        return UI_DIM;
    if (it->bot->n_missing_files || it->nwarnings)
        return UI_WARN;
    return UI_NORMAL;
}

static void s_setup_table(struct wizard *w, struct bots_step *st)
{
    st->table.columns = s_columns;
    st->table.ncolumns = NCOLS;
    st->table.cell = s_cell;
    st->table.compare = s_compare;
    st->table.marked = s_marked;
    st->table.row_color = s_row_color;
    st->table.ud = st;
    st->table_plan = w->plan;
    ui_table_reset(&st->table, w->plan ? w->plan->nitems : 0);
}

static void s_on_progress(void *ud, uint64_t items_scanned, size_t bots_found)
{
    struct wizard *w = ud;
    struct bots_step *st = s_state(w);
    st->scanned = items_scanned;
    st->found = bots_found;
    wizard_dirty(w);
}

/* The v1 stack's own re-embeddings, seen before spending: unselected with the reason. */
static void s_on_migrated(void *ud, struct migrated_set *set)
{
    struct wizard *w = ud;
    w->inflight--;
    wizard_spinner_release(w);
    if (!w->migrated)
        w->migrated = xcalloc(1, sizeof(*w->migrated));
    else
        migrated_set_free(w->migrated);
    migrated_set_move(w->migrated, set);
    if (w->plan && migrated_apply_to_plan(w->migrated, w->plan) > 0) {
        struct bots_step *st = s_state(w);
        s_setup_table(w, st);
    }
    wizard_dirty(w);
}

static void s_check_migrated(struct wizard *w)
{
    if (w->opts->include_migrated || w->opts->bots || w->migrated || !w->deployment || !w->inventory)
        return;
    w->inflight++;
    wizard_spinner_acquire(w);
    migrated_find(&w->session, w->deployment, w->inventory, s_on_migrated, w);
}

/* The plan needs the bots, the quotas and the image pull's facts: built once all are
 * in, so the operator's selection is never rebuilt under them. */
static void s_plan_when_ready(struct wizard *w)
{
    struct bots_step *st = s_state(w);
    if (!w->inventory || w->plan || w->facts_pending > 0)
        return;
    st->loading = false;
    char *perr = NULL;
    if (wizard_build_plan(w, &perr) != 0) {
        free(st->error);
        st->error = perr;
    }
    s_setup_table(w, st);
    s_check_migrated(w);
    wizard_dirty(w);
}

static void s_on_quotas(void *ud, struct quota_facts *facts)
{
    struct wizard *w = ud;
    w->inflight--;
    w->facts_pending--;
    wizard_spinner_release(w);
    if (!w->quotas)
        w->quotas = xcalloc(1, sizeof(*w->quotas));
    else
        quota_facts_free(w->quotas);
    quota_facts_move(w->quotas, facts);
    s_plan_when_ready(w);
    wizard_dirty(w);
}

static void s_on_pull(void *ud, struct image_pull_facts *facts)
{
    struct wizard *w = ud;
    w->inflight--;
    w->facts_pending--;
    wizard_spinner_release(w);
    if (!w->pull)
        w->pull = xcalloc(1, sizeof(*w->pull));
    else
        image_pull_free(w->pull);
    image_pull_move(w->pull, facts);
    s_plan_when_ready(w);
    wizard_dirty(w);
}

static void s_on_inventory(void *ud, struct inventory *inv, const char *error)
{
    struct wizard *w = ud;
    struct bots_step *st = s_state(w);
    st->loading = false;
    w->inflight--;
    wizard_spinner_release(w);
    free(st->error);
    st->error = NULL;
    if (!inv) {
        st->error = xstrdup(error ? error : "unknown error");
    } else {
        w->inventory = xcalloc(1, sizeof(*w->inventory));
        inventory_move(w->inventory, inv);
        st->loading = w->facts_pending > 0; /* still "loading" until the plan is built */
        s_plan_when_ready(w);
    }
    wizard_dirty(w);
}

static void s_load(struct wizard *w)
{
    struct bots_step *st = s_state(w);
    if (st->loading || w->inventory || !w->deployment || !w->session_open)
        return;
    struct inventory_options io;
    memset(&io, 0, sizeof(io));
    io.force_table_scan = w->opts->scan_table;
    st->loading = true;
    st->scanned = 0;
    st->found = 0;
    w->inflight++;
    wizard_spinner_acquire(w);
    if (!w->quotas && !w->pull && w->facts_pending == 0) {
        /* Quotas and the image pull's facts, read while the bots are. */
        w->inflight += 2;
        w->facts_pending = 2;
        wizard_spinner_acquire(w);
        wizard_spinner_acquire(w);
        quota_facts_read(&w->session, s_on_quotas, w);
        image_pull_read(&w->session, w->deployment, s_on_pull, w);
    }
    inventory_load(&w->session, w->deployment, &io, s_on_progress, s_on_inventory, w);
}

static void s_enter(struct wizard *w)
{
    struct bots_step *st = s_state(w);
    if (st->table_plan != w->plan)
        s_setup_table(w, st);
    if (!w->inventory && !st->loading) {
        free(st->error);
        st->error = NULL;
        s_load(w);
    }
}

static const struct key_help s_keys[] = {
    {"Space", "key.toggle", true},
    {"a", "key.all", true},
    {"n", "key.none", true},
    {"/", "key.filter", true},
    {"s", "key.sort", true},
    {"Enter", "key.next", true},
    {"Esc", "key.back", true},
    {"S", "key.sort_reverse", false},
    {"↑↓ PgUp PgDn", "key.move", false},
    {"F5", "key.reload", false},
    {"F1", "key.help", true},
    {NULL, NULL, false},
};

static const struct key_help s_keys_filter[] = {
    {"Enter", "key.keep_filter", true},
    {"Esc", "key.clear_filter", true},
    {NULL, NULL, false},
};

static const struct key_help *s_keys_fn(const struct wizard *w)
{
    const struct bots_step *st = w->step_data[STEP_BOTS];
    return st && st->table.filter_editing ? s_keys_filter : s_keys;
}

static void s_draw_detail(struct wizard *w, struct bots_step *st, struct rect r)
{
    ui_box(w, r, tr("bots.detail"), ui_attr(w, UI_DIM));
    size_t row = ui_table_current(&st->table);
    const struct plan_item *it = row == SIZE_MAX ? NULL : s_item(st, row);
    if (!it)
        return;
    const struct bot *b = it->bot;
    int x = r.x + 2, width = r.w - 4, y = r.y + 1, end = r.y + r.h - 1;
    char size[32], secs_lo[32], secs_hi[32], usd[64];
    ui_format_bytes(size, sizeof(size), b->document_bytes);
    ui_format_duration(secs_lo, sizeof(secs_lo), it->est.seconds_lo);
    ui_format_duration(secs_hi, sizeof(secs_hi), it->est.seconds_hi);
    ui_format_usd_range(usd, sizeof(usd), it->est.usd_lo, it->est.usd_hi);
    int used = ui_text(y, x, width, ui_attr(w, UI_DIM), "id ");
    used += ui_untrusted(y, x + used, width - used, ui_attr(w, UI_NORMAL), b->bot_id);
    used += ui_text(y, x + used, width - used, ui_attr(w, UI_DIM), "  owner ");
    ui_untrusted(y, x + used, width - used, ui_attr(w, UI_NORMAL), b->pk);
    y++;
    if (y < end && b->description && *b->description)
        ui_untrusted(y++, x, width, ui_attr(w, UI_DIM), b->description);
    if (y < end) {
        char *line = trf("bots.detail_sources", b->n_files, size, b->n_missing_files,
                               b->n_source_urls, b->n_sitemap_urls);
        ui_text(y++, x, width, ui_attr(w, UI_NORMAL), line);
        free(line);
    }
    if (y < end) {
        char *line = trf("bots.detail_estimate", secs_lo, secs_hi, usd,
                               (unsigned long long)it->est.tokens_lo,
                               (unsigned long long)it->est.tokens_hi);
        ui_text(y++, x, width, ui_attr(w, UI_ACCENT), line);
        free(line);
    }
    if (y < end && !it->selected && it->why_not) {
        char *line = xasprintf("%s %s", tr("bots.not_selected"), it->why_not);
        ui_text(y++, x, width, ui_attr(w, UI_DIM), line);
        free(line);
        const struct migrated_bot *m = strcmp(it->why_not, PLAN_WHY_MIGRATED) == 0
                                           ? migrated_lookup(w->migrated, b->bot_id) : NULL;
        if (m && y < end)
            y += ui_wrap(y, x, width, end - y, ui_attr(w, UI_DIM), m->reason);
    }
    if (y < end && b->sync_status_reason && *b->sync_status_reason) {
        int u = ui_text(y, x, width, ui_attr(w, UI_DIM), tr("bots.last_reason"));
        ui_untrusted(y++, x + u + 1, width - u - 1, ui_attr(w, UI_NORMAL), b->sync_status_reason);
    }
    for (size_t i = 0; i < it->nwarnings && y < end; i++) {
        int u = ui_text(y, x, width, ui_attr(w, UI_WARN), "! ");
        ui_untrusted(y++, x + u, width - u, ui_attr(w, UI_WARN), it->warnings[i]);
    }
}

static void s_draw(struct wizard *w, struct rect a)
{
    struct bots_step *st = s_state(w);
    int y = a.y;
    if (st->loading) {
        char *line = trf("bots.loading", wizard_spinner_frame(w),
                               (unsigned long long)st->scanned, st->found);
        ui_text(y, a.x + 1, a.w - 2, ui_attr(w, UI_RUNNING), line);
        free(line);
        return;
    }
    if (st->error) {
        ui_text(y++, a.x + 1, a.w - 2, ui_attr(w, UI_FAIL), tr("bots.failed"));
        y += ui_wrap(y, a.x + 3, a.w - 4, a.h - 4, ui_attr(w, UI_NORMAL), st->error);
        ui_wrap(y + 1, a.x + 1, a.w - 2, 2, ui_attr(w, UI_DIM), tr("bots.failed_hint"));
        return;
    }
    const struct plan *p = w->plan;
    if (!p || !w->inventory)
        return;
    if (st->table_plan != p)
        s_setup_table(w, st);
    char usd[64];
    ui_format_usd_range(usd, sizeof(usd), p->totals.usd_lo, p->totals.usd_hi);
    char *head = trf("bots.summary", p->nselected, p->nitems, usd);
    ui_text(y, a.x + 1, a.w - 2, ui_attr(w, UI_ACCENT), head);
    free(head);
    y++;
    int u = ui_text(y, a.x + 1, a.w - 2, ui_attr(w, UI_DIM), tr("bots.scan_source"));
    ui_untrusted(y, a.x + 2 + u, a.w - 3 - u, ui_attr(w, UI_DIM), w->inventory->scan_source);
    y++;
    int detail_h = a.h >= 22 ? 8 : 6;
    int status_h = 1;
    struct rect tr_ = {y, a.x, a.h - (y - a.y) - detail_h - status_h, a.w};
    ui_table_draw(w, &st->table, tr_);
    s_draw_detail(w, st, (struct rect){tr_.y + tr_.h, a.x, detail_h, a.w});
    if (st->notice)
        ui_text(a.y + a.h - 1, a.x + 1, a.w - 2, ui_attr(w, UI_WARN), st->notice);
}

static void s_select_all(struct wizard *w, bool on)
{
    struct bots_step *st = s_state(w);
    /* a / n act on the rows the filter shows, so "filter then a" selects a subset. */
    for (size_t i = 0; i < st->table.nvisible; i++) {
        size_t row = st->table.order[i];
        const struct plan_item *it = s_item(st, row);
        if (on && it && !bot_has_knowledge(it->bot) && !w->opts->include_empty)
            continue;
        plan_select(w->plan, row, on);
    }
}

static bool s_key(struct wizard *w, wint_t wch, bool is_key_code)
{
    struct bots_step *st = s_state(w);
    if (st->loading) {
        if (!is_key_code && wch == 27)
            wizard_go(w, STEP_OUTPUTS);
        return !is_key_code && wch == 27;
    }
    if (!w->plan) {
        if (is_key_code && wch == KEY_F(5)) {
            free(st->error);
            st->error = NULL;
            s_load(w);
            return true;
        }
        if (!is_key_code && wch == 27) {
            wizard_go(w, STEP_OUTPUTS);
            return true;
        }
        return false;
    }
    if (st->table.filter_editing)
        return ui_table_key(&st->table, wch, is_key_code);
    if (is_key_code && wch == KEY_F(5)) {
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
        s_setup_table(w, st);
        s_load(w);
        return true;
    }
    if (ui_table_key(&st->table, wch, is_key_code))
        return true;
    if (is_key_code) {
        if (wch == KEY_ENTER)
            goto next;
        if (wch == KEY_BACKSPACE) {
            wizard_go(w, STEP_OUTPUTS);
            return true;
        }
        return false;
    }
    switch (wch) {
    case L' ': {
        size_t row = ui_table_current(&st->table);
        const struct plan_item *it = row == SIZE_MAX ? NULL : s_item(st, row);
        if (it) {
            plan_select(w->plan, row, !it->selected);
            s_set_notice(st, NULL);
            if (it->selected && !bot_has_knowledge(it->bot))
                s_set_notice(st, xstrdup(tr("bots.empty_selected")));
        }
        ui_table_key(&st->table, KEY_DOWN, true);
        return true;
    }
    case L'a': s_select_all(w, true); return true;
    case L'n': s_select_all(w, false); return true;
    case 27:
        if (st->table.filter[0]) {
            st->table.filter[0] = '\0';
            ui_table_reset(&st->table, st->table.nrows);
        } else {
            wizard_go(w, STEP_OUTPUTS);
        }
        return true;
    case L'\r':
    case L'\n': goto next;
    default: return false;
    }
next:
    if (w->plan->nselected == 0) {
        s_set_notice(st, xstrdup(tr("bots.none_selected")));
        return true;
    }
    s_set_notice(st, NULL);
    wizard_go(w, w->copy_way ? STEP_COPY : STEP_COST);
    return true;
}

static void s_destroy(struct wizard *w)
{
    struct bots_step *st = w->step_data[STEP_BOTS];
    if (!st)
        return;
    ui_table_free(&st->table);
    free(st->error);
    free(st->notice);
    free(st);
    w->step_data[STEP_BOTS] = NULL;
}

const struct wizard_step step_bots = {
    .name = "step.bots",
    .enter = s_enter,
    .draw = s_draw,
    .key = s_key,
    .keys = s_keys_fn,
    .destroy = s_destroy,
};
