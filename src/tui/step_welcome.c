/* Step 1, Welcome: what the tool will do, what must be true first, the two ways to
 * migrate with their trade-offs, and the operator's choice (re-embed: the cost and run
 * steps follow the bots; copy: the copy steps, step_copy.c and step_copy_run.c). */
#include "tui/tui.h"

#include "util/mem.h"

#include <stdlib.h>

struct welcome {
    int choice;      /* 0 re-embed, 1 copy from the v0 snapshot (w->copy_way once chosen) */
    int scroll;
};

static struct welcome *s_state(struct wizard *w)
{
    if (!w->step_data[STEP_WELCOME])
        w->step_data[STEP_WELCOME] = xcalloc(1, sizeof(struct welcome));
    return w->step_data[STEP_WELCOME];
}

static const struct key_help s_keys[] = {
    {"↑↓", "key.choose", true},
    {"Enter", "key.next", true},
    {"PgUp/PgDn", "key.scroll", true},
    {"F1", "key.help", true},
    {"q", "key.quit", true},
    {NULL, NULL, false},
};

static const struct key_help *s_keys_fn(const struct wizard *w)
{
    (void)w;
    return s_keys;
}

static void s_draw(struct wizard *w, struct rect a)
{
    struct welcome *st = s_state(w);
    const char *sections[] = {"welcome.what", "welcome.prereq", "welcome.ways"};
    const char *titles[] = {"welcome.what_title", "welcome.prereq_title", "welcome.ways_title"};
    int text_w = a.w - 2;
    int choice_rows = 5;
    int room = a.h - choice_rows;
    int y = a.y - st->scroll;
    for (size_t i = 0; i < 3; i++) {
        if (y >= a.y && y < a.y + room)
            ui_text(y, a.x + 1, text_w, ui_attr(w, UI_HEADING), tr(titles[i]));
        y++;
        const char *body = tr(sections[i]);
        int rows = ui_wrap_rows(text_w - 2, body);
        int skip = y < a.y ? a.y - y : 0;
        if (skip < rows && y + skip < a.y + room)
            ui_wrap_skip(y + skip, a.x + 3, text_w - 2, skip, a.y + room - (y + skip),
                         ui_attr(w, UI_NORMAL), body);
        y += rows + 1;
    }
    int max_scroll = y + st->scroll - (a.y + room);
    if (st->scroll > max_scroll && max_scroll >= 0)
        st->scroll = max_scroll;
    if (y > a.y + room)
        ui_text(a.y + room - 1, a.x + a.w - 12, 12, ui_attr(w, UI_DIM), tr("welcome.more"));

    int cy = a.y + room;
    ui_text(cy++, a.x + 1, text_w, ui_attr(w, UI_HEADING), tr("welcome.choose"));
    const char *opts[] = {"welcome.choice_reembed", "welcome.choice_snapshot"};
    for (int i = 0; i < 2; i++) {
        attr_t at = i == st->choice ? ui_attr(w, UI_SELECTED) : ui_attr(w, UI_NORMAL);
        char *line = xasprintf("%s %s", i == st->choice ? "(•)" : "( )", tr(opts[i]));
        ui_text(cy++, a.x + 3, text_w - 2, at, line);
        free(line);
    }
    ui_text(cy, a.x + 3, text_w - 2, ui_attr(w, UI_DIM),
            tr(st->choice == 1 ? "welcome.enter_hint_copy" : "welcome.enter_hint"));
}

static bool s_key(struct wizard *w, wint_t wch, bool is_key_code)
{
    struct welcome *st = s_state(w);
    if (is_key_code) {
        switch (wch) {
        case KEY_UP: st->choice = 0; return true;
        case KEY_DOWN: st->choice = 1; return true;
        case KEY_NPAGE: st->scroll += 5; return true;
        case KEY_PPAGE: st->scroll = st->scroll > 5 ? st->scroll - 5 : 0; return true;
        case KEY_ENTER: break;
        default: return false;
        }
    } else if (wch == L'k') {
        st->choice = 0;
        return true;
    } else if (wch == L'j') {
        st->choice = 1;
        return true;
    } else if (wch != L'\r' && wch != L'\n') {
        return false;
    }
    /* The way decides the steps after the bots (and the breadcrumb); a run already
     * launched keeps its way. */
    if (!w->run_started)
        w->copy_way = st->choice == 1;
    wizard_go(w, STEP_IDENTITY);
    return true;
}

static void s_destroy(struct wizard *w)
{
    free(w->step_data[STEP_WELCOME]);
    w->step_data[STEP_WELCOME] = NULL;
}

const struct wizard_step step_welcome = {
    .name = "step.welcome",
    .draw = s_draw,
    .key = s_key,
    .keys = s_keys_fn,
    .destroy = s_destroy,
};
