/* The cost step's price editor: a modal with the three prices that drive the estimate
 * (Fargate per vCPU-hour, per GB-hour, Bedrock embedding per 1K tokens), edited in place
 * and validated as numbers before they replace the plan's prices. The edits live in the
 * wizard, so a plan built again (another selection, another deployment) keeps them. */
#include "tui/tui.h"

#include "engine/estimate/plan.h"
#include "engine/estimate/pricing.h"
#include "util/mem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* No public price is anywhere near this; a bigger number is a typo (a missing dot). */
#define PRICE_MAX_USD 100.0

enum { FIELD_VCPU, FIELD_GB, FIELD_EMBED, FIELD_COUNT };

static const char *const s_field_labels[FIELD_COUNT] = {
    "prices.vcpu_hour", "prices.gb_hour", "prices.embed_1k",
};

struct price_editor {
    char text[FIELD_COUNT][24];
    int focus;
    char *error;                 /* why the last Enter was refused */
};

static struct price_value *s_edit_slot(struct wizard *w, int field)
{
    switch (field) {
    case FIELD_VCPU: return &w->price_edits.fargate_vcpu_hour;
    case FIELD_GB: return &w->price_edits.fargate_gb_hour;
    default: return &w->price_edits.embed_per_1k_tokens;
    }
}

static const struct price_value *s_plan_value(const struct plan *p, int field)
{
    switch (field) {
    case FIELD_VCPU: return &p->prices.fargate_vcpu_hour;
    case FIELD_GB: return &p->prices.fargate_gb_hour;
    default: return &p->prices.embed_per_1k_tokens;
    }
}

void wizard_apply_price_edits(struct wizard *w)
{
    struct plan *p = w->plan;
    if (!p)
        return;
    bool any = false;
    for (int f = 0; f < FIELD_COUNT; f++)
        any = any || s_edit_slot(w, f)->known;
    if (!any)
        return;
    struct price_table t;
    price_table_copy(&t, &p->prices);
    if (w->price_edits.fargate_vcpu_hour.known)
        t.fargate_vcpu_hour = w->price_edits.fargate_vcpu_hour;
    if (w->price_edits.fargate_gb_hour.known)
        t.fargate_gb_hour = w->price_edits.fargate_gb_hour;
    if (w->price_edits.embed_per_1k_tokens.known)
        t.embed_per_1k_tokens = w->price_edits.embed_per_1k_tokens;
    /* Say where the numbers came from, once. */
    if (t.source_msg.id != MSG_PRICES_EDITED) {
        struct message base = price_table_source_message(&t);
        struct message edited = MESSAGE(MSG_PRICES_EDITED, MSG_M("source", &base));
        message_free(&base);
        message_free(&t.source_msg);
        free(t.source);
        t.source_msg = edited;
        t.source = message_english(&edited);
    }
    plan_set_prices(p, &t);
    price_table_free(&t);
}

/* Parses a price typed by the operator: a plain non-negative decimal number. Returns 0,
 * or -1 with *why (an i18n key). */
static int s_parse_price(const char *text, double *out, const char **why)
{
    if (!*text) {
        *why = "prices.err_empty";
        return -1;
    }
    for (const char *c = text; *c; c++) {
        if (!((*c >= '0' && *c <= '9') || *c == '.')) {
            *why = "prices.err_number";
            return -1;
        }
    }
    char *end = NULL;
    double v = strtod(text, &end);
    if (!end || *end || !isfinite(v)) {
        *why = "prices.err_number";
        return -1;
    }
    if (v > PRICE_MAX_USD) {
        *why = "prices.err_large";
        return -1;
    }
    *out = v;
    return 0;
}

static void s_free(void *ud)
{
    struct price_editor *e = ud;
    free(e->error);
    free(e);
}

static void s_draw(struct wizard *w, void *ud, struct rect screen)
{
    (void)screen;
    struct price_editor *e = ud;
    int width = w->cols - 8 < 72 ? w->cols - 8 : 72;
    struct rect r = ui_center(w, 13, width);
    ui_fill(r, ui_attr(w, UI_NORMAL));
    ui_box(w, r, tr("prices.title"), ui_attr(w, UI_ACCENT));
    int x = r.x + 2, inner = r.w - 4;
    ui_wrap(r.y + 1, x, inner, 2, ui_attr(w, UI_DIM), tr("prices.intro"));
    int label_w = 38;
    for (int f = 0; f < FIELD_COUNT; f++) {
        int y = r.y + 4 + f;
        bool focused = f == e->focus;
        ui_cell(y, x, label_w, ui_attr(w, focused ? UI_HEADING : UI_NORMAL), tr(s_field_labels[f]),
                false);
        char *field = xasprintf("$ %s%s", e->text[f], focused ? "▏" : "");
        ui_cell(y, x + label_w + 1, 16, ui_attr(w, focused ? UI_SELECTED : UI_ACCENT), field, false);
        free(field);
    }
    if (e->error)
        ui_wrap(r.y + 8, x, inner, 2, ui_attr(w, UI_FAIL), e->error);
    else
        ui_wrap(r.y + 8, x, inner, 2, ui_attr(w, UI_DIM), tr("prices.hint"));
    const struct plan *p = w->plan;
    if (p && p->prices.region) {
        char *region = trf("prices.region", p->prices.region,
                           p->prices.architecture ? p->prices.architecture : "?");
        ui_wrap(r.y + 10, x, inner, 2, ui_attr(w, UI_DIM), region);
        free(region);
    }
}

static void s_set_error(struct price_editor *e, int field, const char *why_key, const char *text)
{
    free(e->error);
    e->error = trf(why_key, tr(s_field_labels[field]), text, PRICE_MAX_USD);
}

static void s_apply(struct wizard *w, struct price_editor *e)
{
    double v[FIELD_COUNT];
    bool set[FIELD_COUNT];
    for (int f = 0; f < FIELD_COUNT; f++) {
        set[f] = false;
        const char *why = NULL;
        /* An empty field for a price the table does not know leaves it unknown. */
        if (!e->text[f][0] && w->plan && !s_plan_value(w->plan, f)->known)
            continue;
        if (s_parse_price(e->text[f], &v[f], &why) != 0) {
            s_set_error(e, f, why, e->text[f]);
            e->focus = f;
            return;
        }
        set[f] = true;
    }
    for (int f = 0; f < FIELD_COUNT; f++) {
        if (!set[f] || !w->plan)
            continue;
        const struct price_value *now = s_plan_value(w->plan, f);
        /* Only prices the operator changed count as edits (the source says "edited"). */
        if (now->known && fabs(now->usd - v[f]) < 1e-12)
            continue;
        struct price_value *slot = s_edit_slot(w, f);
        slot->known = true;
        slot->usd = v[f];
    }
    wizard_pop_modal(w); /* frees e */
    wizard_apply_price_edits(w);
    wizard_dirty(w);
}

static const struct key_help s_keys[] = {
    {"↑↓ Tab", "key.move", true},
    {"0-9 .", "prices.key_type", true},
    {"Enter", "key.apply", true},
    {"Esc", "key.cancel", true},
    {NULL, NULL, false},
};

static bool s_key(struct wizard *w, void *ud, wint_t wch, bool is_key_code)
{
    struct price_editor *e = ud;
    char *text = e->text[e->focus];
    size_t len = strlen(text);
    wizard_dirty(w);
    if (is_key_code) {
        switch (wch) {
        case KEY_UP:
        case KEY_BTAB: e->focus = (e->focus + FIELD_COUNT - 1) % FIELD_COUNT; break;
        case KEY_DOWN: e->focus = (e->focus + 1) % FIELD_COUNT; break;
        case KEY_BACKSPACE:
            if (len)
                text[len - 1] = '\0';
            break;
        case KEY_DC: text[0] = '\0'; break;
        case KEY_ENTER: s_apply(w, e); break;
        default: break;
        }
        return true; /* a modal swallows every key */
    }
    if (wch == L'\r' || wch == L'\n') {
        s_apply(w, e);
    } else if (wch == 27) {
        wizard_pop_modal(w);
    } else if (wch == L'\t') {
        e->focus = (e->focus + 1) % FIELD_COUNT;
    } else if (wch == 127 || wch == 8) {
        if (len)
            text[len - 1] = '\0';
    } else if (wch == 21) { /* Ctrl-U */
        text[0] = '\0';
    } else if (((wch >= L'0' && wch <= L'9') || wch == L'.') && len + 1 < sizeof(e->text[0])) {
        text[len] = (char)wch;
        text[len + 1] = '\0';
        free(e->error);
        e->error = NULL;
    }
    return true;
}

void price_editor_open(struct wizard *w)
{
    if (!w->plan)
        return;
    struct price_editor *e = xcalloc(1, sizeof(*e));
    for (int f = 0; f < FIELD_COUNT; f++) {
        const struct price_value *v = s_plan_value(w->plan, f);
        if (v->known)
            snprintf(e->text[f], sizeof(e->text[f]), "%.8g", v->usd);
    }
    struct wizard_modal m = {s_draw, s_key, s_free, s_keys, e, NULL};
    wizard_push_modal(w, &m);
}
