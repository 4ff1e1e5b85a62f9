/* The resume offer: when the wizard starts and the journal for this stack and region holds
 * a run with unfinished or failed bots, say so and let the operator resume it, start a
 * new run, or ignore it for now.
 *
 * Focus starts on "Ignore": resuming launches the run's remaining bots, so a stray Enter
 * must not choose it. Nothing is moved or launched here; step_run acts on the answer. */
#include "tui/tui.h"

#include "engine/run/runner.h"
#include "util/mem.h"
#include "util/textwidth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { CHOICE_RESUME, CHOICE_NEW, CHOICE_IGNORE, NCHOICES };

struct resume_modal {
    char *body;
    int focused;
};

static const struct key_help s_keys[] = {
    {"Tab", "resume.key.switch", true},
    {"Enter", "resume.key.press", true},
    {"r", "resume.key.resume", true},
    {"n", "resume.key.new", true},
    {"i/Esc", "resume.key.ignore", true},
    {NULL, NULL, false},
};

static void s_free(void *ud)
{
    struct resume_modal *m = ud;
    free(m->body);
    free(m);
}

static void s_draw(struct wizard *w, void *ud, struct rect screen)
{
    (void)screen;
    struct resume_modal *m = ud;
    int width = w->cols - 6 < 76 ? w->cols - 6 : 76;
    int body_rows = ui_wrap_rows(width - 4, m->body);
    struct rect r = ui_center(w, body_rows + 6, width);
    if (body_rows > r.h - 6)
        body_rows = r.h - 6;
    ui_fill(r, ui_attr(w, UI_NORMAL));
    ui_box(w, r, tr("resume.title"), ui_attr(w, UI_ACCENT));
    ui_wrap(r.y + 2, r.x + 2, r.w - 4, body_rows, ui_attr(w, UI_NORMAL), m->body);
    const char *labels[NCHOICES] = {tr("resume.btn.resume"), tr("resume.btn.new"), tr("resume.btn.ignore")};
    int bw = 0;
    for (int i = 0; i < NCHOICES; i++)
        bw += (int)text_width(labels[i]) + 6;
    ui_buttons(w, r.y + r.h - 2, r.x + (r.w - bw) / 2, labels, NCHOICES, m->focused);
}

static void s_choose(struct wizard *w, int choice)
{
    wizard_pop_modal(w); /* frees the modal's state */
    switch (choice) {
    case CHOICE_RESUME: w->resume = WIZARD_RESUME_CONTINUE; break;
    case CHOICE_NEW: w->resume = WIZARD_RESUME_NEW; break;
    default: w->resume = WIZARD_RESUME_NONE; break;
    }
    wizard_dirty(w);
}

static bool s_key(struct wizard *w, void *ud, wint_t wch, bool is_key_code)
{
    struct resume_modal *m = ud;
    if (is_key_code) {
        if (wch == KEY_RIGHT) {
            m->focused = (m->focused + 1) % NCHOICES;
        } else if (wch == KEY_LEFT || wch == KEY_BTAB) {
            m->focused = (m->focused + NCHOICES - 1) % NCHOICES;
        } else if (wch == KEY_ENTER) {
            s_choose(w, m->focused);
            return true;
        }
        wizard_dirty(w);
        return true;
    }
    switch (wch) {
    case L'\t':
        m->focused = (m->focused + 1) % NCHOICES;
        wizard_dirty(w);
        break;
    case L'\n':
    case L'\r':
        s_choose(w, m->focused);
        break;
    case L'r':
    case L'R':
        s_choose(w, CHOICE_RESUME);
        break;
    case L'n':
    case L'N':
        s_choose(w, CHOICE_NEW);
        break;
    case L'i':
    case L'I':
    case 27:
        s_choose(w, CHOICE_IGNORE);
        break;
    default: break;
    }
    return true; /* a modal swallows every key */
}

/* Text from the journal file (which a person may have edited) is made inert first. */
static char *s_safe(const char *raw)
{
    return ui_sanitize(raw ? raw : "", raw ? strlen(raw) : 0, 256);
}

void resume_offer_check(struct wizard *w)
{
    if (w->resume != WIZARD_RESUME_UNASKED)
        return;
    w->resume = WIZARD_RESUME_NONE;
    if (!w->journal_path || access(w->journal_path, F_OK) != 0)
        return;
    struct journal_view v;
    char *error = NULL;
    if (journal_view_load(w->journal_path, &v, &error) != 0) {
        /* Not a run we can offer; launching a new run will set the file aside. */
        free(error);
        return;
    }
    size_t succeeded = 0, failed = 0, unfinished = 0;
    for (size_t i = 0; i < v.nbots; i++) {
        enum bot_state s = v.bots[i].state;
        succeeded += s == BOT_SUCCEEDED;
        failed += s == BOT_FAILED || s == BOT_CANCELLED;
        unfinished += !bot_state_final(s);
    }
    if (failed + unfinished == 0) {
        journal_view_free(&v);
        return;
    }
    char *run_id = s_safe(v.run_id), *stack = s_safe(v.stack), *path = s_safe(w->journal_path);
    struct resume_modal *m = xcalloc(1, sizeof(*m));
    m->focused = CHOICE_IGNORE;
    m->body = xasprintf(tr("resume.body"), run_id, stack, path, v.nbots, succeeded, failed, unfinished);
    free(run_id);
    free(stack);
    free(path);
    journal_view_free(&v);
    struct wizard_modal modal = {s_draw, s_key, s_free, s_keys, m, NULL};
    wizard_push_modal(w, &modal);
    wizard_dirty(w);
}
