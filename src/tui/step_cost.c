/* Step 5, Cost preview: per-bot and total ranges, the assumptions behind them, where the
 * prices come from, the concurrency (+/-), the launch confirmation, and (p) a pilot of a few
 * bots first: after it, the rest's estimate refitted to what they measured beside the first. A stray Enter can
 * never launch: the operator must Tab to the Launch button and then type the number of
 * selected bots (and Enter) or `y`. */
#include "tui/tui.h"

#include "engine/discover/inventory.h"
#include "engine/estimate/plan.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CONCURRENCY 100
/* A pilot's bots (issue 16): three span text files, other files and web sources. */
#define PILOT_BOTS 3

struct cost_step {
    bool launch_focused;
    bool pilot_focused;       /* the launch confirmation is for the pilot's bots */
    char typed[12];
    char *notice;
    enum ui_color notice_color;
    int scroll;               /* rows of the lower part (per-bot list, assumptions) */
};

static struct cost_step *s_state(struct wizard *w)
{
    if (!w->step_data[STEP_COST])
        w->step_data[STEP_COST] = xcalloc(1, sizeof(struct cost_step));
    return w->step_data[STEP_COST];
}

/* Bots the Launch button starts: every selected one, or after a pilot the rest. */
static size_t s_rest_count(const struct wizard *w)
{
    if (w->pilot != WIZARD_PILOT_DONE)
        return w->plan->nselected;
    return w->plan->nselected > w->npilot ? w->plan->nselected - w->npilot : 0;
}

/* The number the confirmation asks to be typed. */
static size_t s_confirm_count(const struct wizard *w, const struct cost_step *st)
{
    return st->pilot_focused ? w->npilot : s_rest_count(w);
}

static void s_notice(struct cost_step *st, char *text, enum ui_color c)
{
    free(st->notice);
    st->notice = text;
    st->notice_color = c;
}

static void s_enter(struct wizard *w)
{
    struct cost_step *st = s_state(w);
    st->launch_focused = false;
    st->pilot_focused = false;
    st->typed[0] = '\0';
    st->scroll = 0;
    s_notice(st, NULL, UI_NORMAL);
}

static const struct key_help s_keys[] = {
    {"Tab", "key.focus_launch", true},
    {"+/-", "key.concurrency", true},
    {"e", "key.edit_prices", true},
    {"w", "key.probe_web", false},   /* F1 lists it: the bar has no room at 80 columns */
    {"p", "key.pilot", false},

    {"↑↓", "key.scroll", true},
    {"Esc", "key.back", true},
    {"F1", "key.help", true},
    {"q", "key.quit", true},
    {NULL, NULL, false},
};

/* After a pilot the selection is the pilot's and cannot change: no Esc back to it. */
static const struct key_help s_keys_after_pilot[] = {
    {"Tab", "key.focus_launch", true},
    {"+/-", "key.concurrency", true},
    {"e", "key.edit_prices", true},
    {"w", "key.probe_web", false},
    {"↑↓", "key.scroll", true},
    {"F1", "key.help", true},
    {"q", "key.quit", true},
    {NULL, NULL, false},
};

static const struct key_help s_keys_launch[] = {
    {"0-9 Enter", "key.type_count", true},
    {"y", "key.launch_now", true},
    {"Tab/Esc", "key.leave_launch", true},
    {NULL, NULL, false},
};

static const struct key_help *s_keys_fn(const struct wizard *w)
{
    const struct cost_step *st = w->step_data[STEP_COST];
    if (st && st->launch_focused)
        return s_keys_launch;
    return w->pilot != WIZARD_PILOT_NONE ? s_keys_after_pilot : s_keys;
}

static void s_money_row(struct wizard *w, int y, int x, int width, const char *label,
                        double lo, double hi)
{
    char usd[64];
    ui_format_usd_range(usd, sizeof(usd), lo, hi);
    ui_cell(y, x, 24, ui_attr(w, UI_DIM), tr(label), false);
    ui_text(y, x + 25, width - 25, ui_attr(w, UI_ACCENT), usd);
}

static void s_price_text(char *buf, size_t n, const struct price_value *v)
{
    if (v->known)
        snprintf(buf, n, "%.8g", v->usd);
    else
        snprintf(buf, n, "%s", tr("cost.unknown"));
}

/* "• " and the assumption in the wizard's language. */
static char *s_assumption_line(const struct plan *p, size_t i)
{
    char *text = p->assumption_msgs ? tr_message(&p->assumption_msgs[i]) : xstrdup(p->assumptions[i]);
    char *line = xasprintf("• %s", text);
    free(text);
    return line;
}

/* The image pull through NAT, when large: what an S3 gateway endpoint saves and the
 * command that creates it (NULL when not worth saying). Caller frees. */
static char *s_nat_fix_text(const struct plan *p)
{
    if (!p->nat.large)
        return NULL;
    char saving[64];
    ui_format_usd_range(saving, sizeof(saving), p->nat.saving_lo, p->nat.saving_hi);
    char *head = trf("cost.nat_fix", saving);
    char *text = xasprintf("%s %s", head, p->nat.fix_command ? p->nat.fix_command
                                                             : tr("cost.nat_fix_see_plan"));
    free(head);
    return text;
}

/* After a pilot: what it measured and the rest's estimate refitted to it, beside the
 * first one (NULL-terminated lines, caller frees each and the array). */
#define PILOT_LINES 4
static void s_pilot_lines(const struct wizard *w, char *lines[PILOT_LINES + 1])
{
    memset(lines, 0, sizeof(char *) * (PILOT_LINES + 1));
    if (w->pilot != WIZARD_PILOT_DONE)
        return;
    const struct wizard_pilot_result *r = &w->pilot_result;
    char measured[32], rest[64], first[64], lo[32], hi[32];
    ui_format_usd_range(measured, sizeof measured, r->measured_usd, r->measured_usd);
    ui_format_usd_range(rest, sizeof rest, r->rest_lo, r->rest_hi);
    ui_format_usd_range(first, sizeof first, r->rest_model_lo, r->rest_model_hi);
    ui_format_duration(lo, sizeof lo, r->wall_lo);
    ui_format_duration(hi, sizeof hi, r->wall_hi);
    lines[0] = xstrdup(tr("cost.pilot_heading"));
    lines[1] = trf("cost.pilot_measured", r->measured, measured);
    lines[2] = trf("cost.pilot_rest", s_rest_count(w), rest, first);
    lines[3] = trf("cost.pilot_time", lo, hi);
}

static int s_pilot_rows(const struct wizard *w)
{
    return w && w->pilot == WIZARD_PILOT_DONE ? PILOT_LINES + 1 : 0;
}

/* Rows of the scrolling part: the NAT fix (wrapped, and a gap) when there is one, "Per
 * bot", one per selected bot, a gap, "Assumptions", the wrapped assumptions and the price
 * notes (as s_draw lays them out). */
static int s_lower_rows(const struct plan *p, const struct web_probe *w_probe, const struct wizard *w_pilot,
                        int width)
{
    int rows = 1 + (int)p->nselected + 1 + 1 + s_pilot_rows(w_pilot);
    for (size_t i = 0; w_probe && i < w_probe->n; i++)
        rows += !w_probe->results[i].ok;
    char *fix = s_nat_fix_text(p);
    if (fix)
        rows += ui_wrap_rows(width - 2, fix) + 1;
    free(fix);
    for (size_t i = 0; i < p->nassumptions; i++) {
        char *line = s_assumption_line(p, i);
        rows += ui_wrap_rows(width - 2, line);
        free(line);
    }
    return rows + (int)p->prices.nnotes;
}

static void s_draw(struct wizard *w, struct rect a)
{
    struct cost_step *st = s_state(w);
    const struct plan *p = w->plan;
    if (!p)
        return;
    int x = a.x + 1, width = a.w - 2;
    int y = a.y;
    char *head = trf("cost.heading", p->nselected);
    ui_text(y++, x, width, ui_attr(w, UI_HEADING), head);
    free(head);

    /* Totals on the left, time and concurrency on the right. */
    int half = width / 2;
    int ty = y;
    s_money_row(w, ty++, x, half, "cost.fargate", p->totals.fargate_usd_lo, p->totals.fargate_usd_hi);
    s_money_row(w, ty++, x, half, "cost.bedrock", p->totals.bedrock_usd_lo, p->totals.bedrock_usd_hi);
    s_money_row(w, ty++, x, half, p->nat.assumed ? "cost.nat_assumed" : "cost.nat",
                p->totals.nat_usd_lo, p->totals.nat_usd_hi);
    s_money_row(w, ty++, x, half, "cost.scan", p->totals.scan_usd, p->totals.scan_usd);
    s_money_row(w, ty++, x, half, "cost.total", p->totals.usd_lo, p->totals.usd_hi);
    int ry = y;
    char lo[32], hi[32];
    ui_format_duration(lo, sizeof(lo), p->totals.wall_seconds_lo);
    ui_format_duration(hi, sizeof(hi), p->totals.wall_seconds_hi);
    char *wall = trf("cost.wall", lo, hi);
    ui_text(ry++, x + half, width - half, ui_attr(w, UI_NORMAL), wall);
    free(wall);
    char *conc = trf("cost.concurrency", p->concurrency);
    ui_text(ry++, x + half, width - half, ui_attr(w, UI_ACCENT), conc);
    free(conc);
    if (p->concurrency_why) {
        char *why = p->concurrency_why_msg.id != MSG_NONE ? tr_message(&p->concurrency_why_msg)
                                                          : xstrdup(p->concurrency_why);
        ui_untrusted(ry++, x + half + 2, width - half - 2, ui_attr(w, UI_DIM), why);
        free(why);
    }
    struct message source_msg = price_table_source_message(&p->prices);
    char *source = tr_message(&source_msg);
    message_free(&source_msg);
    char *prices = trf("cost.prices", p->prices.region ? p->prices.region : "?", source,
                       p->prices.source_date ? p->prices.source_date : "?");
    free(source);
    ui_text(ry++, x + half, width - half, ui_attr(w, UI_DIM), prices);
    free(prices);
    char vcpu[24], gb[24], embed[24];
    s_price_text(vcpu, sizeof(vcpu), &p->prices.fargate_vcpu_hour);
    s_price_text(gb, sizeof(gb), &p->prices.fargate_gb_hour);
    s_price_text(embed, sizeof(embed), &p->prices.embed_per_1k_tokens);
    char *values = trf("cost.price_values", vcpu, gb, embed);
    ui_text(ry++, x + half + 2, width - half - 2, ui_attr(w, UI_DIM), values);
    free(values);
    y = (ty > ry ? ty : ry) + 1;

    /* The lower part scrolls: per-bot ranges, then the assumptions. */
    int launch_h = 4;
    int lower_h = a.h - (y - a.y) - launch_h;
    /* Clamp the scroll before drawing: a frame drawn past the end would stay blank until
     * the next key. */
    int total = s_lower_rows(p, w->web_probe, w, width);
    if (st->scroll > total - lower_h)
        st->scroll = total > lower_h ? total - lower_h : 0;
    int row = 0;
    int first = st->scroll;
#define LOWER_ROW(attr_, text_)                                                                 \
    do {                                                                                       \
        if (row >= first && row - first < lower_h)                                             \
            ui_text(y + row - first, x, width, (attr_), (text_));                              \
        row++;                                                                                 \
    } while (0)
    /* After a pilot: both estimates of the rest, side by side, before the confirmation. */
    char *pilot_lines[PILOT_LINES + 1];
    s_pilot_lines(w, pilot_lines);
    for (int i = 0; pilot_lines[i]; i++) {
        LOWER_ROW(ui_attr(w, i == 0 ? UI_HEADING : i == 2 ? UI_ACCENT : UI_NORMAL), pilot_lines[i]);
        free(pilot_lines[i]);
    }
    if (pilot_lines[0])
        row++;
    /* Before the confirmation: the image pull through NAT and its free fix. */
    char *fix = s_nat_fix_text(p);
    if (fix) {
        int need = ui_wrap_rows(width - 2, fix);
        for (int r = 0; r < need; r++) {
            if (row >= first && row - first < lower_h)
                ui_wrap_skip(y + row - first, x, width - 2, r, 1, ui_attr(w, UI_WARN), fix);
            row++;
        }
        row++;
        free(fix);
    }
    /* URLs the probe could not reach from here, each with why. */
    for (size_t i = 0; w->web_probe && i < w->web_probe->n; i++) {
        const struct web_probe_result *r = &w->web_probe->results[i];
        if (r->ok)
            continue;
        if (row >= first && row - first < lower_h) {
            int u = ui_text(y + row - first, x, width, ui_attr(w, UI_WARN), "! ");
            char *line = xasprintf("%s: %s", r->url, r->error ? r->error : "");
            ui_untrusted(y + row - first, x + u, width - u, ui_attr(w, UI_WARN), line);
            free(line);
        }
        row++;
    }
    LOWER_ROW(ui_attr(w, UI_HEADING), tr("cost.per_bot"));
    for (size_t i = 0; i < p->nitems; i++) {
        const struct plan_item *it = &p->items[i];
        if (!it->selected)
            continue;
        char usd[64], slo[32], shi[32];
        ui_format_usd_range(usd, sizeof(usd), it->est.usd_lo, it->est.usd_hi);
        ui_format_duration(slo, sizeof(slo), it->est.seconds_lo);
        ui_format_duration(shi, sizeof(shi), it->est.seconds_hi);
        if (row >= first && row - first < lower_h) {
            int ry2 = y + row - first;
            const char *title = it->bot->title && *it->bot->title ? it->bot->title : it->bot->bot_id;
            char *tail = xasprintf("%s  %s–%s%s", usd, slo, shi, it->est.open_ended ? " +" : "  ");
            int tw = 34;
            ui_untrusted(ry2, x + 2, width - tw - 3, ui_attr(w, UI_NORMAL), title);
            ui_cell(ry2, x + width - tw, tw, ui_attr(w, UI_ACCENT), tail, true);
            free(tail);
        }
        row++;
    }
    row++;
    LOWER_ROW(ui_attr(w, UI_HEADING), tr("cost.assumptions"));
    for (size_t i = 0; i < p->nassumptions; i++) {
        char *line = s_assumption_line(p, i);
        int need = ui_wrap_rows(width - 2, line);
        for (int r = 0; r < need; r++) {
            if (row >= first && row - first < lower_h)
                ui_wrap_skip(y + row - first, x + 2, width - 2, r, 1, ui_attr(w, UI_DIM), line);
            row++;
        }
        free(line);
    }
    for (size_t i = 0; i < p->prices.nnotes; i++) {
        char *note = p->prices.note_msgs ? tr_message(&p->prices.note_msgs[i]) : xstrdup(p->prices.notes[i]);
        char *line = xasprintf("! %s", note);
        free(note);
        LOWER_ROW(ui_attr(w, UI_WARN), line);
        free(line);
    }
#undef LOWER_ROW

    /* Launch area. */
    int ly = a.y + a.h - launch_h;
    for (int i = 0; i < a.w; i++)
        ui_text(ly, a.x + i, 1, ui_attr(w, UI_DIM), "─");
    const char *labels[1] = {tr(st->pilot_focused ? "cost.pilot_launch"
                                : w->pilot == WIZARD_PILOT_DONE ? "cost.launch_rest" : "cost.launch")};
    int bw = ui_buttons(w, ly + 1, x, labels, 1, st->launch_focused ? 0 : -1);
    if (st->launch_focused) {
        char *prompt = trf("cost.type_prompt", s_confirm_count(w, st), st->typed);
        ui_text(ly + 1, x + bw + 1, width - bw - 1, ui_attr(w, UI_ACCENT), prompt);
        free(prompt);
    } else {
        ui_text(ly + 1, x + bw + 1, width - bw - 1, ui_attr(w, UI_DIM), tr("cost.tab_hint"));
    }
    if (st->notice) {
        ui_wrap(ly + 2, x, width, 2, ui_attr(w, st->notice_color), st->notice);
    } else if (!st->launch_focused && w->pilot == WIZARD_PILOT_NONE && p->nselected > PILOT_BOTS) {
        char *hint = trf("cost.pilot_hint", (size_t)PILOT_BOTS);
        ui_text(ly + 2, x, width, ui_attr(w, UI_DIM), hint);
        free(hint);
    }
}

static void s_set_concurrency(struct wizard *w, struct cost_step *st, int delta)
{
    int n = w->plan->concurrency + delta;
    if (n < 1 || n > MAX_CONCURRENCY)
        return;
    w->concurrency = n;
    plan_set_concurrency_message(w->plan, n, MESSAGE0(MSG_CONCURRENCY_WIZARD));
    s_notice(st, NULL, UI_NORMAL);
}

static void s_launch(struct wizard *w, struct cost_step *st)
{
    bool pilot = st->pilot_focused;
    st->launch_focused = false;
    st->pilot_focused = false;
    st->typed[0] = '\0';
    s_notice(st, NULL, UI_NORMAL);
    w->concurrency = w->plan->concurrency;
    if (pilot)
        w->pilot = WIZARD_PILOT_RUNNING; /* the run step opens only the pilot's bots */
    wizard_go(w, STEP_RUN);
}

/* p: a pilot first — its bots chosen now (the engine's pick, as `run --pilot`), then the
 * same confirmation as a full launch, for their number. */
static void s_offer_pilot(struct wizard *w, struct cost_step *st)
{
    if (w->pilot != WIZARD_PILOT_NONE) {
        s_notice(st, xstrdup(tr("cost.pilot_done_already")), UI_WARN);
        return;
    }
    if (w->plan->nselected <= PILOT_BOTS) {
        s_notice(st, trf("cost.pilot_too_few", (size_t)PILOT_BOTS), UI_WARN);
        return;
    }
    free(w->pilot_items);
    w->pilot_items = xcalloc(PILOT_BOTS, sizeof *w->pilot_items);
    w->npilot = plan_pick_pilot(w->plan, PILOT_BOTS, w->pilot_items);
    st->launch_focused = true;
    st->pilot_focused = true;
    st->typed[0] = '\0';
    s_notice(st, trf("cost.pilot_chosen", w->npilot), UI_NORMAL);
}

static bool s_key_launch(struct wizard *w, struct cost_step *st, wint_t wch, bool is_key_code)
{
    size_t len = strlen(st->typed);
    if (is_key_code) {
        if (wch == KEY_BTAB) {
            st->launch_focused = false;
            st->pilot_focused = false;
            return true;
        }
        if (wch == KEY_BACKSPACE) {
            if (len)
                st->typed[len - 1] = '\0';
            return true;
        }
        if (wch != KEY_ENTER)
            return true;
        wch = L'\r';
    }
    if (wch == L'\t' || wch == 27) {
        st->launch_focused = false;
        st->pilot_focused = false;
        st->typed[0] = '\0';
        s_notice(st, NULL, UI_NORMAL);
        return true;
    }
    if (wch == 127 || wch == 8) {
        if (len)
            st->typed[len - 1] = '\0';
        return true;
    }
    if (wch == L'y' || wch == L'Y') {
        s_launch(w, st);
        return true;
    }
    if (wch >= L'0' && wch <= L'9' && len + 1 < sizeof(st->typed)) {
        st->typed[len] = (char)wch;
        st->typed[len + 1] = '\0';
        return true;
    }
    if (wch == L'\r' || wch == L'\n') {
        char expected[24];
        size_t count = s_confirm_count(w, st);
        snprintf(expected, sizeof(expected), "%zu", count);
        if (len > 0 && strcmp(st->typed, expected) == 0) {
            s_launch(w, st);
        } else {
            s_notice(st, trf("cost.type_mismatch", count), UI_WARN);
            st->typed[0] = '\0';
        }
        return true;
    }
    return true; /* every other key is ignored while the button has focus */
}

/* The probe's answer: applied to the plan it was asked for (a plan rebuilt meanwhile has
 * its own sources; the answer is then only kept for its list). */
struct probe_ask {
    struct wizard *w;
    const struct plan *plan;
};

static void s_on_probe(void *ud, struct web_probe *probe)
{
    struct probe_ask *ask = ud;
    struct wizard *w = ask->w;
    w->inflight--;
    w->web_probing = false;
    wizard_spinner_release(w);
    if (!w->web_probe)
        w->web_probe = xcalloc(1, sizeof *w->web_probe);
    else
        web_probe_free(w->web_probe);
    web_probe_move(w->web_probe, probe);
    if (w->plan && w->plan == ask->plan)
        plan_apply_web_probe(w->plan, w->web_probe);
    size_t ok = 0;
    for (size_t i = 0; i < w->web_probe->n; i++)
        ok += w->web_probe->results[i].ok;
    s_notice(s_state(w), trf("cost.probed", ok, w->web_probe->n), ok == w->web_probe->n ? UI_OK : UI_WARN);
    free(ask);
    wizard_dirty(w);
}

/* w: with the operator's consent (this key), size the web sources from this machine. */
static void s_probe_web(struct wizard *w, struct cost_step *st)
{
    if (w->web_probing || !w->session_open)
        return;
    const char **urls = NULL;
    bool *sitemap = NULL;
    size_t n = plan_web_sources(w->plan, &urls, &sitemap);
    if (n == 0) {
        s_notice(st, xstrdup(tr("cost.probe_none")), UI_NORMAL);
    } else {
        struct probe_ask *ask = xcalloc(1, sizeof *ask);
        ask->w = w;
        ask->plan = w->plan;
        w->web_probing = true;
        w->inflight++;
        wizard_spinner_acquire(w);
        s_notice(st, trf("cost.probing", n), UI_NORMAL);
        web_probe_run(w->session.http, w->session.loop, urls, sitemap, n, NULL, s_on_probe, ask);
    }
    free(urls);
    free(sitemap);
}

static bool s_key(struct wizard *w, wint_t wch, bool is_key_code)
{
    struct cost_step *st = s_state(w);
    if (!w->plan) {
        if (!is_key_code && wch == 27)
            wizard_go(w, STEP_BOTS);
        return false;
    }
    if (st->launch_focused)
        return s_key_launch(w, st, wch, is_key_code);
    if (is_key_code) {
        switch (wch) {
        case KEY_UP: st->scroll = st->scroll > 0 ? st->scroll - 1 : 0; return true;
        case KEY_DOWN: st->scroll++; return true;
        case KEY_PPAGE: st->scroll = st->scroll > 10 ? st->scroll - 10 : 0; return true;
        case KEY_NPAGE: st->scroll += 10; return true;
        case KEY_HOME: st->scroll = 0; return true;
        case KEY_END: st->scroll = 1 << 20; return true; /* clamped when drawn */
        case KEY_BACKSPACE:
            if (w->pilot == WIZARD_PILOT_NONE)
                wizard_go(w, STEP_BOTS);
            return true;
        case KEY_ENTER: goto enter;
        default: return false;
        }
    }
    switch (wch) {
    case L'\t':
        st->launch_focused = true;
        st->typed[0] = '\0';
        s_notice(st, NULL, UI_NORMAL);
        return true;
    case L'+':
    case L'=':
        s_set_concurrency(w, st, 1);
        return true;
    case L'-':
        s_set_concurrency(w, st, -1);
        return true;
    case L'e':
        s_notice(st, NULL, UI_NORMAL);
        price_editor_open(w);
        return true;
    case L'w':
        s_probe_web(w, st);
        return true;
    case L'p':
        s_offer_pilot(w, st);
        return true;
    case 27:
        if (w->pilot != WIZARD_PILOT_NONE) { /* the pilot ran against this selection */
            s_notice(st, xstrdup(tr("cost.selection_fixed")), UI_WARN);
            return true;
        }
        wizard_go(w, STEP_BOTS);
        return true;
    case L'\r':
    case L'\n':
        goto enter;
    default: return false;
    }
enter:
    /* Enter alone never launches; say how to. */
    s_notice(st, xstrdup(tr("cost.enter_hint")), UI_WARN);
    return true;
}

static void s_destroy(struct wizard *w)
{
    struct cost_step *st = w->step_data[STEP_COST];
    if (!st)
        return;
    free(st->notice);
    free(st);
    w->step_data[STEP_COST] = NULL;
}

const struct wizard_step step_cost = {
    .name = "step.cost",
    .enter = s_enter,
    .draw = s_draw,
    .key = s_key,
    .keys = s_keys_fn,
    .destroy = s_destroy,
};
