/* Step 2, Identity: which account, caller, region and credentials the run would use, so
 * nobody spends money in the wrong account; a profile picker (from the shared config
 * files) and a region prompt, each reopening the session. */
#include "tui/tui.h"

#include "app/options.h"
#include "aws/config_file.h"
#include "engine/discover/identity.h"
#include "util/mem.h"
#include "util/textwidth.h"

#include <stdlib.h>
#include <string.h>

struct identity_step {
    bool fetching;
    char *notice;        /* result of the last profile/region change */
};

static struct identity_step *s_state(struct wizard *w)
{
    if (!w->step_data[STEP_IDENTITY])
        w->step_data[STEP_IDENTITY] = xcalloc(1, sizeof(struct identity_step));
    return w->step_data[STEP_IDENTITY];
}

static char *s_dup(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static void s_on_identity(void *ud, const struct identity *id, const char *error)
{
    struct wizard *w = ud;
    struct identity_step *st = s_state(w);
    st->fetching = false;
    w->inflight--;
    wizard_spinner_release(w);
    free(w->identity_error);
    w->identity_error = NULL;
    if (!id) {
        w->identity_error = xstrdup(error ? error : "unknown error");
    } else {
        struct identity *copy = xcalloc(1, sizeof(*copy));
        copy->account = s_dup(id->account);
        copy->arn = s_dup(id->arn);
        copy->user_id = s_dup(id->user_id);
        copy->credential_source = s_dup(id->credential_source);
        copy->region = s_dup(id->region);
        copy->region_source = id->region_source;
        copy->profile = s_dup(id->profile);
        w->identity = copy;
        if (!w->journal_path) {
            w->journal_path = app_journal_path(w->opts, w->session.region);
            /* The copy way has its own journal, looked at by the copy step. */
            if (w->resume == WIZARD_RESUME_UNASKED && !w->copy_way)
                resume_offer_check(w);
        }
    }
    wizard_dirty(w);
}

static void s_fetch(struct wizard *w)
{
    struct identity_step *st = s_state(w);
    if (st->fetching || w->identity || !w->session_open)
        return;
    st->fetching = true;
    w->inflight++;
    wizard_spinner_acquire(w);
    identity_fetch(&w->session, s_on_identity, w);
}

static void s_enter(struct wizard *w)
{
    s_fetch(w);
}

static void s_notice(struct wizard *w, char *text)
{
    struct identity_step *st = s_state(w);
    free(st->notice);
    st->notice = text;
}

static void s_reopen(struct wizard *w, const char *profile, const char *region)
{
    if (w->inflight > 0) {
        s_notice(w, xstrdup(tr("identity.busy")));
        return;
    }
    if (wizard_reopen_session(w, profile, region) != 0) {
        s_notice(w, xasprintf("%s", w->session_error ? w->session_error : tr("identity.reopen_failed")));
        return;
    }
    s_notice(w, trf("identity.switched", w->session.profile ? w->session.profile : "default",
                          w->session.region ? w->session.region : "?"));
    s_fetch(w);
}

/* --- profile picker (modal) ------------------------------------------------------- */

struct picker {
    char **names;
    size_t n;
    size_t cursor;
};

static void s_picker_free(void *ud)
{
    struct picker *p = ud;
    for (size_t i = 0; i < p->n; i++)
        free(p->names[i]);
    free(p->names);
    free(p);
}

static void s_picker_draw(struct wizard *w, void *ud, struct rect screen)
{
    (void)screen;
    struct picker *p = ud;
    int h = (int)p->n + 4;
    if (h > w->rows - 4)
        h = w->rows - 4;
    struct rect r = ui_center(w, h, 50);
    ui_fill(r, ui_attr(w, UI_NORMAL));
    ui_box(w, r, tr("identity.pick_profile"), ui_attr(w, UI_ACCENT));
    int rows = r.h - 3;
    size_t top = p->cursor >= (size_t)rows ? p->cursor - (size_t)rows + 1 : 0;
    for (int i = 0; i < rows && top + (size_t)i < p->n; i++) {
        size_t k = top + (size_t)i;
        attr_t a = k == p->cursor ? ui_attr(w, UI_SELECTED) : ui_attr(w, UI_NORMAL);
        ui_fill((struct rect){r.y + 1 + i, r.x + 1, 1, r.w - 2}, a);
        ui_untrusted(r.y + 1 + i, r.x + 2, r.w - 4, a, p->names[k]);
    }
    if (p->n == 0)
        ui_wrap(r.y + 1, r.x + 2, r.w - 4, 2, ui_attr(w, UI_DIM), tr("identity.no_profiles"));
}

static const struct key_help s_picker_keys[] = {
    {"↑↓", "key.move", true},
    {"Enter", "key.pick", true},
    {"Esc", "key.cancel", true},
    {NULL, NULL, false},
};

static bool s_picker_key(struct wizard *w, void *ud, wint_t wch, bool is_key_code)
{
    struct picker *p = ud;
    if (is_key_code && wch == KEY_UP && p->cursor > 0)
        p->cursor--;
    else if (is_key_code && wch == KEY_DOWN && p->cursor + 1 < p->n)
        p->cursor++;
    else if ((!is_key_code && (wch == L'\r' || wch == L'\n')) || (is_key_code && wch == KEY_ENTER)) {
        char *name = p->n ? xstrdup(p->names[p->cursor]) : NULL;
        wizard_pop_modal(w);
        if (name)
            s_reopen(w, name, NULL);
        free(name);
    } else if (!is_key_code && (wch == 27 || wch == L'q')) {
        wizard_pop_modal(w);
    }
    wizard_dirty(w);
    return true;
}

static void s_open_picker(struct wizard *w)
{
    struct picker *p = xcalloc(1, sizeof(*p));
    size_t n = 0;
    const char *const *names = w->session_open && w->session.config
                                   ? aws_config_profiles(w->session.config, &n) : NULL;
    p->names = n ? xcalloc(n, sizeof(char *)) : NULL;
    for (size_t i = 0; i < n; i++) {
        p->names[i] = xstrdup(names[i]);
        if (w->session.profile && strcmp(names[i], w->session.profile) == 0)
            p->cursor = i;
    }
    p->n = n;
    struct wizard_modal m = {s_picker_draw, s_picker_key, s_picker_free, s_picker_keys, p, NULL};
    wizard_push_modal(w, &m);
}

/* --- region prompt (modal) -------------------------------------------------------- */

struct prompt {
    char text[32];
};

static void s_prompt_draw(struct wizard *w, void *ud, struct rect screen)
{
    (void)screen;
    struct prompt *p = ud;
    struct rect r = ui_center(w, 6, 56);
    ui_fill(r, ui_attr(w, UI_NORMAL));
    ui_box(w, r, tr("identity.region_prompt"), ui_attr(w, UI_ACCENT));
    ui_text(r.y + 2, r.x + 2, r.w - 4, ui_attr(w, UI_DIM), tr("identity.region_example"));
    char *line = xasprintf("> %s▏", p->text);
    ui_text(r.y + 3, r.x + 2, r.w - 4, ui_attr(w, UI_ACCENT), line);
    free(line);
}

static const struct key_help s_prompt_keys[] = {
    {"Enter", "key.apply", true},
    {"Esc", "key.cancel", true},
    {NULL, NULL, false},
};

static bool s_prompt_key(struct wizard *w, void *ud, wint_t wch, bool is_key_code)
{
    struct prompt *p = ud;
    size_t len = strlen(p->text);
    wizard_dirty(w);
    if ((!is_key_code && (wch == L'\r' || wch == L'\n')) || (is_key_code && wch == KEY_ENTER)) {
        char region[32];
        memcpy(region, p->text, sizeof(region));
        wizard_pop_modal(w);
        if (region[0])
            s_reopen(w, NULL, region);
        return true;
    }
    if (!is_key_code && wch == 27) {
        wizard_pop_modal(w);
        return true;
    }
    if ((is_key_code && wch == KEY_BACKSPACE) || (!is_key_code && (wch == 127 || wch == 8))) {
        if (len)
            p->text[len - 1] = '\0';
        return true;
    }
    /* Region names are lowercase letters, digits and dashes. */
    if (!is_key_code && len + 1 < sizeof(p->text) &&
        ((wch >= L'a' && wch <= L'z') || (wch >= L'0' && wch <= L'9') || wch == L'-')) {
        p->text[len] = (char)wch;
        p->text[len + 1] = '\0';
    }
    return true;
}

static void s_open_prompt(struct wizard *w)
{
    struct prompt *p = xcalloc(1, sizeof(*p));
    struct wizard_modal m = {s_prompt_draw, s_prompt_key, free, s_prompt_keys, p, NULL};
    wizard_push_modal(w, &m);
}

/* --- screen ------------------------------------------------------------------------ */

static const struct key_help s_keys[] = {
    {"Enter", "key.next", true},
    {"Esc", "key.back", true},
    {"p", "key.profile", true},
    {"r", "key.region", true},
    {"F5", "key.refresh", true},
    {"F1", "key.help", true},
    {"q", "key.quit", true},
    {NULL, NULL, false},
};

static const struct key_help *s_keys_fn(const struct wizard *w)
{
    (void)w;
    return s_keys;
}

static void s_row(struct wizard *w, int y, int x, int label_w, int width, const char *label,
                  const char *value, enum ui_color c)
{
    ui_cell(y, x, label_w, ui_attr(w, UI_DIM), tr(label), false);
    ui_untrusted(y, x + label_w + 1, width - label_w - 1, ui_attr(w, c), value ? value : "—");
}

static void s_draw(struct wizard *w, struct rect a)
{
    struct identity_step *st = s_state(w);
    int y = a.y;
    ui_wrap(y, a.x + 1, a.w - 2, 2, ui_attr(w, UI_NORMAL), tr("identity.intro"));
    y += 3;
    int lw = 20;
    const struct identity *id = w->identity;
    if (st->fetching) {
        char *line = xasprintf("%s %s", wizard_spinner_frame(w), tr("identity.fetching"));
        ui_text(y++, a.x + 1, a.w - 2, ui_attr(w, UI_RUNNING), line);
        free(line);
        y++;
    }
    if (!w->session_open) {
        ui_text(y++, a.x + 1, a.w - 2, ui_attr(w, UI_FAIL), tr("identity.no_session"));
        y += ui_wrap(y, a.x + 3, a.w - 4, 4, ui_attr(w, UI_NORMAL), w->session_error ? w->session_error : "");
    } else {
        s_row(w, y++, a.x + 1, lw, a.w - 2, "identity.account", id ? id->account : NULL, UI_ACCENT);
        s_row(w, y++, a.x + 1, lw, a.w - 2, "identity.arn", id ? id->arn : NULL, UI_NORMAL);
        s_row(w, y++, a.x + 1, lw, a.w - 2, "identity.user_id", id ? id->user_id : NULL, UI_NORMAL);
        char *region = xasprintf("%s (%s)", w->session.region ? w->session.region : "—",
                                 w->session.region_source ? w->session.region_source : "?");
        s_row(w, y++, a.x + 1, lw, a.w - 2, "identity.region", region, UI_ACCENT);
        free(region);
        s_row(w, y++, a.x + 1, lw, a.w - 2, "identity.profile", w->session.profile, UI_NORMAL);
        s_row(w, y++, a.x + 1, lw, a.w - 2, "identity.credentials", id ? id->credential_source : NULL,
              UI_NORMAL);
        if (w->opts->aws.endpoint_url)
            s_row(w, y++, a.x + 1, lw, a.w - 2, "identity.endpoint", w->opts->aws.endpoint_url, UI_WARN);
        y++;
        if (w->identity_error) {
            ui_text(y++, a.x + 1, a.w - 2, ui_attr(w, UI_FAIL), tr("identity.failed"));
            y += ui_wrap(y, a.x + 3, a.w - 4, 4, ui_attr(w, UI_NORMAL), w->identity_error);
            ui_wrap(y++, a.x + 3, a.w - 4, 2, ui_attr(w, UI_DIM), tr("identity.failed_hint"));
            y++;
        } else if (id) {
            ui_wrap(y, a.x + 1, a.w - 2, 3, ui_attr(w, UI_OK), tr("identity.ok_hint"));
            y += 3;
        }
    }
    if (st->notice && y < a.y + a.h)
        ui_wrap(y, a.x + 1, a.w - 2, a.y + a.h - y, ui_attr(w, UI_WARN), st->notice);
}

static bool s_key(struct wizard *w, wint_t wch, bool is_key_code)
{
    if (is_key_code) {
        if (wch == KEY_ENTER)
            goto next;
        if (wch == KEY_F(5)) {
            if (w->inflight == 0 && !w->identity) {
                free(w->identity_error);
                w->identity_error = NULL;
                s_fetch(w);
            } else if (w->inflight == 0) {
                s_reopen(w, NULL, NULL);
            }
            return true;
        }
        if (wch == KEY_BACKSPACE) {
            wizard_go(w, STEP_WELCOME);
            return true;
        }
        return false;
    }
    switch (wch) {
    case 27:
        wizard_go(w, STEP_WELCOME);
        return true;
    case L'p':
        s_open_picker(w);
        return true;
    case L'r':
        s_open_prompt(w);
        return true;
    case L'\r':
    case L'\n':
        goto next;
    default: return false;
    }
next:
    if (w->identity && w->modal == NULL)
        wizard_go(w, STEP_OUTPUTS);
    return true;
}

static void s_destroy(struct wizard *w)
{
    struct identity_step *st = w->step_data[STEP_IDENTITY];
    if (!st)
        return;
    free(st->notice);
    free(st);
    w->step_data[STEP_IDENTITY] = NULL;
}

const struct wizard_step step_identity = {
    .name = "step.identity",
    .enter = s_enter,
    .draw = s_draw,
    .key = s_key,
    .keys = s_keys_fn,
    .destroy = s_destroy,
};
