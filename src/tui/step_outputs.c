/* Step 3, Outputs: the deployment's stack outputs, discovered from CloudFormation with a
 * spinner or pasted into a box (bracketed paste), then the validation checklist with a
 * fix hint for every check that is not OK. */
#include "tui/tui.h"

#include "aws/session.h"
#include "engine/discover/aurora_cluster.h"
#include "engine/discover/deployment.h"
#include "util/ev_loop.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

enum outputs_mode { MODE_RESULT, MODE_PASTE };

struct outputs_step {
    enum outputs_mode mode;
    bool resolving;
    bool from_paste;     /* the running/last resolution used the paste box */
    char *error;         /* deployment_resolve's error */
    char *notice;
    struct ui_textbox box;
    char *submitted;     /* the paste given to deployment_resolve (kept until it answers) */
    int scroll;
    /* starting a stopped Aurora cluster (explicitly confirmed) */
    bool aurora_offered;
    bool aurora_starting;
    bool aurora_call;    /* a StartDBCluster / DescribeDBClusters answer is awaited */
    char *aurora_id;
    char *aurora_status;
    uint64_t aurora_timer;
    uint64_t aurora_since_ms;
};

static void s_aurora_offer(struct wizard *w);

static struct outputs_step *s_state(struct wizard *w)
{
    if (!w->step_data[STEP_OUTPUTS]) {
        struct outputs_step *st = xcalloc(1, sizeof(*st));
        ui_textbox_init(&st->box, STACK_OUTPUTS_MAX_INPUT);
        w->step_data[STEP_OUTPUTS] = st;
    }
    return w->step_data[STEP_OUTPUTS];
}

static void s_on_resolved(void *ud, struct deployment *dep, const char *error)
{
    struct wizard *w = ud;
    struct outputs_step *st = s_state(w);
    st->resolving = false;
    w->inflight--;
    wizard_spinner_release(w);
    free(st->submitted);
    st->submitted = NULL;
    free(st->error);
    st->error = NULL;
    if (!dep) {
        st->error = xstrdup(error ? error : "unknown error");
    } else {
        if (w->deployment) {
            deployment_free(w->deployment);
            free(w->deployment);
        }
        w->deployment = xcalloc(1, sizeof(*w->deployment));
        deployment_move(w->deployment, dep);
        st->mode = MODE_RESULT;
        st->scroll = 0;
        if (deployment_ok(w->deployment) && w->resume == WIZARD_RESUME_CONTINUE && w->step == STEP_OUTPUTS)
            wizard_go(w, STEP_RUN);
        else
            s_aurora_offer(w);
    }
    wizard_dirty(w);
}

static void s_resolve(struct wizard *w, bool from_paste)
{
    struct outputs_step *st = s_state(w);
    if (st->resolving || !w->session_open)
        return;
    struct deployment_options opts;
    memset(&opts, 0, sizeof(opts));
    opts.stack = w->opts->stack; /* NULL: the default stack, else discovery */
    opts.check_bucket = w->opts->check_bucket;
    if (from_paste) {
        st->submitted = xstrndup(st->box.text, st->box.len);
        opts.paste_text = st->submitted;
        opts.paste_len = st->box.len;
    } else {
        opts.outputs_file = w->opts->outputs_file;
    }
    /* A new resolution replaces what the later steps were built on. */
    wizard_forget_from_deployment(w);
    if (!st->aurora_starting)
        st->aurora_offered = false; /* a fresh look may offer the start again */
    st->resolving = true;
    st->from_paste = from_paste;
    w->inflight++;
    wizard_spinner_acquire(w);
    deployment_resolve(&w->session, &opts, s_on_resolved, w);
}

/* ---- a stopped Aurora cluster: offered, started on confirmation, followed until available */

static uint64_t s_aurora_poll_ms(void)
{
    const char *v = getenv("BCM_POLL_MS"); /* the tests' knob for every poll */
    long ms = v ? strtol(v, NULL, 10) : 0;
    return ms > 0 && ms <= 60000 ? (uint64_t)ms : 10000;
}

static void s_aurora_poll(void *ud);

static void s_aurora_answer(void *ud, const struct aurora_result *r)
{
    struct wizard *w = ud;
    struct outputs_step *st = w->step_data[STEP_OUTPUTS];
    w->inflight--;
    if (!st)
        return;
    st->aurora_call = false;
    if (r->lookup != AURORA_FOUND) {
        st->aurora_starting = false;
        wizard_spinner_release(w);
        char *msg = trf("outputs.aurora.failed", r->message ? r->message : "unknown error");
        free(st->notice);
        st->notice = msg;
        wizard_dirty(w);
        return;
    }
    free(st->aurora_status);
    st->aurora_status = xstrdup(r->cluster->status);
    if (w->deployment)
        deployment_set_aurora(w->deployment, r, w->session.region);
    if (aurora_cluster_is_available(r->cluster)) {
        st->aurora_starting = false;
        wizard_spinner_release(w);
        free(st->notice);
        st->notice = xstrdup(tr("outputs.aurora.available"));
        if (w->deployment && deployment_ok(w->deployment) && w->step == STEP_OUTPUTS && !w->modal)
            wizard_go(w, STEP_BOTS);
    } else {
        st->aurora_timer = ev_timer_add(w->session.loop, s_aurora_poll_ms(), s_aurora_poll, w);
    }
    wizard_dirty(w);
}

static void s_aurora_poll(void *ud)
{
    struct wizard *w = ud;
    struct outputs_step *st = w->step_data[STEP_OUTPUTS];
    st->aurora_timer = 0;
    st->aurora_call = true;
    w->inflight++;
    aurora_cluster_describe(w->session.client, st->aurora_id, s_aurora_answer, w);
}

static void s_aurora_confirmed(struct wizard *w, void *ud, bool yes)
{
    (void)ud;
    struct outputs_step *st = w->step_data[STEP_OUTPUTS];
    if (!yes || !st || st->aurora_starting || !st->aurora_id)
        return;
    st->aurora_starting = true;
    st->aurora_call = true;
    st->aurora_since_ms = ev_now_ms();
    free(st->aurora_status);
    st->aurora_status = xstrdup("starting");
    free(st->notice);
    st->notice = NULL;
    w->inflight++;
    wizard_spinner_acquire(w);
    aurora_cluster_start(w->session.client, st->aurora_id, s_aurora_answer, w);
    wizard_dirty(w);
}

/* Offered once per resolution, only for a cluster RDS says is stopped. */
static void s_aurora_offer(struct wizard *w)
{
    struct outputs_step *st = s_state(w);
    const struct deployment *dep = w->deployment;
    const struct deployment_check *ch = dep ? deployment_check_by_id(dep, "aurora_cluster") : NULL;
    if (!ch || ch->state != CHECK_FAIL || !dep->have_aurora || !dep->aurora.status ||
        strcmp(dep->aurora.status, "stopped") != 0 || st->aurora_offered || st->aurora_starting || w->modal)
        return;
    st->aurora_offered = true;
    free(st->aurora_id);
    st->aurora_id = xstrdup(dep->aurora.identifier);
    char *body = trf("outputs.aurora.body", dep->aurora.identifier);
    ui_confirm(w, tr("outputs.aurora.title"), body, tr("outputs.aurora.yes"), tr("outputs.aurora.no"),
               s_aurora_confirmed, NULL);
    free(body);
}

static void s_enter(struct wizard *w)
{
    struct outputs_step *st = s_state(w);
    if (!w->deployment && !st->resolving && !st->error && st->mode == MODE_RESULT)
        s_resolve(w, false);
}

static const struct key_help s_keys_result[] = {
    {"Enter", "key.next", true},
    {"Esc", "key.back", true},
    {"p", "key.paste", true},
    {"F5", "key.rediscover", true},
    {"↑↓", "key.scroll", false},
    {"F1", "key.help", true},
    {"q", "key.quit", true},
    {NULL, NULL, false},
};

static const struct key_help s_keys_paste[] = {
    {"Ctrl-D/F2", "key.validate", true},
    {"Esc", "key.cancel", true},
    {"Ctrl-U", "key.clear", true},
    {"Enter", "key.newline", false},
    {NULL, NULL, false},
};

static const struct key_help *s_keys_fn(const struct wizard *w)
{
    const struct outputs_step *st = w->step_data[STEP_OUTPUTS];
    return st && st->mode == MODE_PASTE ? s_keys_paste : s_keys_result;
}

static enum ui_check s_check_state(enum check_state s)
{
    switch (s) {
    case CHECK_OK: return UI_CHECK_OK;
    case CHECK_WARN: return UI_CHECK_WARN;
    case CHECK_FAIL: return UI_CHECK_FAIL;
    case CHECK_SKIPPED: return UI_CHECK_SKIP;
    case CHECK_PENDING: break;
    }
    return UI_CHECK_PENDING;
}

static void s_draw_paste(struct wizard *w, struct outputs_step *st, struct rect a)
{
    int y = a.y;
    y += ui_wrap(y, a.x + 1, a.w - 2, 3, ui_attr(w, UI_NORMAL), tr("outputs.paste_intro"));
    y++;
    struct rect box = {y, a.x, a.h - (y - a.y) - 1, a.w};
    st->box.focused = !st->resolving;
    ui_textbox_draw(w, &st->box, box, tr("outputs.paste_title"));
    char *count = trf("outputs.paste_count", ui_textbox_lines(&st->box), st->box.len);
    ui_text(a.y + a.h - 1, a.x + 1, a.w - 2, ui_attr(w, UI_DIM), count);
    free(count);
}

static void s_draw_result(struct wizard *w, struct outputs_step *st, struct rect a)
{
    int y = a.y;
    if (st->resolving) {
        char *line = xasprintf("%s %s", wizard_spinner_frame(w),
                               st->from_paste ? tr("outputs.validating")
                                              : tr("outputs.discovering"));
        ui_text(y++, a.x + 1, a.w - 2, ui_attr(w, UI_RUNNING), line);
        free(line);
        return;
    }
    if (st->aurora_starting) {
        int secs = (int)((ev_now_ms() - st->aurora_since_ms) / 1000);
        char *line = trf("outputs.aurora.starting", wizard_spinner_frame(w), st->aurora_id,
                         st->aurora_status ? st->aurora_status : "starting", secs);
        ui_text(y++, a.x + 1, a.w - 2, ui_attr(w, UI_RUNNING), line);
        free(line);
    }
    if (st->error) {
        ui_text(y++, a.x + 1, a.w - 2, ui_attr(w, UI_FAIL), tr("outputs.failed"));
        y += ui_wrap(y, a.x + 3, a.w - 4, a.h - 4, ui_attr(w, UI_NORMAL), st->error);
        y++;
        ui_wrap(y, a.x + 1, a.w - 2, 2, ui_attr(w, UI_DIM), tr("outputs.failed_hint"));
        return;
    }
    const struct deployment *dep = w->deployment;
    if (!dep)
        return;
    char *src = xasprintf("%s ", tr("outputs.source"));
    int used = ui_text(y, a.x + 1, a.w - 2, ui_attr(w, UI_DIM), src);
    char *source = dep->source_msg.id != MSG_NONE ? tr_message(&dep->source_msg)
                                                  : xstrdup(dep->source ? dep->source : "");
    ui_untrusted(y++, a.x + 1 + used, a.w - 2 - used, ui_attr(w, UI_ACCENT), source);
    free(source);
    free(src);
    bool ok = deployment_ok(dep);
    ui_text(y++, a.x + 1, a.w - 2, ui_attr(w, ok ? UI_OK : UI_FAIL),
            ok ? tr("outputs.ok") : tr("outputs.not_ok"));
    /* What was deployed and what every launch satisfies, whatever the release. */
    char *contracts = trf("outputs.contracts", dep->release_family ? dep->release_family
                                                                   : tr("outputs.release_unknown"));
    y += ui_wrap(y, a.x + 1, a.w - 2, 2, ui_attr(w, UI_DIM), contracts);
    free(contracts);
    y++;
    struct ui_check_item *items = dep->nchecks ? xcalloc(dep->nchecks, sizeof(*items)) : NULL;
    char **labels = dep->nchecks ? xcalloc(dep->nchecks, sizeof(char *)) : NULL;
    /* Summaries and hints in the wizard's language (2 per check). */
    char **texts = dep->nchecks ? xcalloc(dep->nchecks * 2, sizeof(char *)) : NULL;
    for (size_t i = 0; i < dep->nchecks; i++) {
        const struct deployment_check *ch = &dep->checks[i];
        texts[2 * i] = ch->summary_msg.id != MSG_NONE ? tr_message(&ch->summary_msg)
                       : ch->summary ? xstrdup(ch->summary) : NULL;
        texts[2 * i + 1] = ch->hint_msg.id != MSG_NONE ? tr_message(&ch->hint_msg)
                           : ch->hint ? xstrdup(ch->hint) : NULL;
        char *key = xasprintf("check.%s", dep->checks[i].id);
        const char *label = tr(key);
        labels[i] = xstrdup(label == key ? dep->checks[i].id : label);
        free(key);
        items[i] = (struct ui_check_item){s_check_state(dep->checks[i].state), labels[i],
                                          texts[2 * i], texts[2 * i + 1]};
    }
    struct rect list = {y, a.x + 1, a.h - (y - a.y), a.w - 2};
    int need = ui_checklist_draw(w, items, dep->nchecks, list, st->scroll);
    if (st->scroll > 0 && need - st->scroll < list.h)
        st->scroll = need > list.h ? need - list.h : 0;
    for (size_t i = 0; i < dep->nchecks; i++) {
        free(labels[i]);
        free(texts[2 * i]);
        free(texts[2 * i + 1]);
    }
    free(labels);
    free(texts);
    free(items);
}

static void s_draw(struct wizard *w, struct rect a)
{
    struct outputs_step *st = s_state(w);
    if (st->mode == MODE_PASTE)
        s_draw_paste(w, st, (struct rect){a.y, a.x, a.h - 1, a.w});
    else
        s_draw_result(w, st, (struct rect){a.y, a.x, a.h - 1, a.w});
    if (st->notice)
        ui_text(a.y + a.h - 1, a.x + 1, a.w - 2, ui_attr(w, UI_WARN), st->notice);
}

static void s_set_notice(struct outputs_step *st, const char *text)
{
    free(st->notice);
    st->notice = text ? xstrdup(text) : NULL;
}

static bool s_key_paste(struct wizard *w, struct outputs_step *st, wint_t wch, bool is_key_code)
{
    if (st->resolving)
        return true;
    if ((is_key_code && wch == KEY_F(2)) || (!is_key_code && wch == 4)) { /* Ctrl-D */
        if (st->box.len == 0) {
            s_set_notice(st, tr("outputs.paste_empty"));
            return true;
        }
        s_set_notice(st, NULL);
        st->mode = MODE_RESULT;
        s_resolve(w, true);
        return true;
    }
    if (!is_key_code && wch == 27) {
        st->mode = MODE_RESULT;
        if (!w->deployment && !st->error)
            s_resolve(w, false);
        return true;
    }
    if (!is_key_code && wch == 21) { /* Ctrl-U */
        ui_textbox_clear(&st->box);
        return true;
    }
    ui_textbox_key(&st->box, wch, is_key_code);
    return true; /* the box takes every other key: typing `q` must not quit */
}

static bool s_key(struct wizard *w, wint_t wch, bool is_key_code)
{
    struct outputs_step *st = s_state(w);
    if (st->mode == MODE_PASTE)
        return s_key_paste(w, st, wch, is_key_code);
    if (is_key_code) {
        switch (wch) {
        case KEY_ENTER: goto next;
        case KEY_F(5):
            s_set_notice(st, NULL);
            s_resolve(w, false);
            return true;
        case KEY_UP: st->scroll = st->scroll > 0 ? st->scroll - 1 : 0; return true;
        case KEY_DOWN: st->scroll++; return true;
        case KEY_BACKSPACE: wizard_go(w, STEP_IDENTITY); return true;
        default: return false;
        }
    }
    switch (wch) {
    case 27:
        wizard_go(w, STEP_IDENTITY);
        return true;
    case L'p':
        if (!st->resolving) {
            st->mode = MODE_PASTE;
            s_set_notice(st, NULL);
        }
        return true;
    case L'\r':
    case L'\n':
        goto next;
    default: return false;
    }
next:
    if (st->resolving)
        return true;
    if (w->deployment && deployment_ok(w->deployment)) {
        s_set_notice(st, NULL);
        wizard_go(w, STEP_BOTS);
    } else {
        s_set_notice(st, tr("outputs.fix_first"));
    }
    return true;
}

static void s_paste(struct wizard *w, const char *text, size_t len)
{
    struct outputs_step *st = s_state(w);
    if (st->resolving)
        return;
    st->mode = MODE_PASTE;
    ui_textbox_insert(&st->box, text, len);
    s_set_notice(st, st->box.truncated ? tr("textbox.too_long") : NULL);
    wizard_dirty(w);
}

static void s_destroy(struct wizard *w)
{
    struct outputs_step *st = w->step_data[STEP_OUTPUTS];
    if (!st)
        return;
    ui_textbox_free(&st->box);
    free(st->error);
    free(st->notice);
    free(st->submitted);
    if (st->aurora_timer)
        ev_timer_cancel(w->session.loop, st->aurora_timer);
    free(st->aurora_id);
    free(st->aurora_status);
    free(st);
    w->step_data[STEP_OUTPUTS] = NULL;
}

const struct wizard_step step_outputs = {
    .name = "step.outputs",
    .enter = s_enter,
    .draw = s_draw,
    .key = s_key,
    .keys = s_keys_fn,
    .destroy = s_destroy,
    .paste = s_paste,
};
