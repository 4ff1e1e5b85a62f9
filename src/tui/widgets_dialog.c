/* The confirm dialog: a modal box whose focus starts on the "no" button, so a stray Enter
 * never says yes. */
#include "tui/tui.h"

#include "util/mem.h"
#include "util/textwidth.h"

#include <stdlib.h>
#include <string.h>

struct confirm {
    char *title, *body, *yes, *no;
    int focused; /* 0 yes, 1 no */
    ui_confirm_fn fn;
    void *ud;
};

static const struct key_help s_confirm_keys[] = {
    {"Tab", "key.switch", true},
    {"Enter", "key.press", true},
    {"y", "key.yes", true},
    {"n/Esc", "key.no", true},
    {NULL, NULL, false},
};

static void s_free(void *ud)
{
    struct confirm *c = ud;
    free(c->title);
    free(c->body);
    free(c->yes);
    free(c->no);
    free(c);
}

static void s_draw(struct wizard *w, void *ud, struct rect screen)
{
    (void)screen;
    struct confirm *c = ud;
    int width = w->cols - 10 < 70 ? w->cols - 10 : 70;
    int body_rows = ui_wrap_rows(width - 4, c->body);
    struct rect r = ui_center(w, body_rows + 6, width);
    if (body_rows > r.h - 6)
        body_rows = r.h - 6;
    ui_fill(r, ui_attr(w, UI_NORMAL));
    ui_box(w, r, c->title, ui_attr(w, UI_ACCENT));
    ui_wrap(r.y + 2, r.x + 2, r.w - 4, body_rows, ui_attr(w, UI_NORMAL), c->body);
    const char *labels[2] = {c->yes, c->no};
    int bw = (int)text_width(c->yes) + (int)text_width(c->no) + 10;
    ui_buttons(w, r.y + r.h - 2, r.x + (r.w - bw) / 2, labels, 2, c->focused);
}

static void s_answer(struct wizard *w, struct confirm *c, bool yes)
{
    ui_confirm_fn fn = c->fn;
    void *fud = c->ud;
    wizard_pop_modal(w); /* frees c */
    if (fn)
        fn(w, fud, yes);
}

static bool s_key(struct wizard *w, void *ud, wint_t wch, bool is_key_code)
{
    struct confirm *c = ud;
    if (is_key_code) {
        if (wch == KEY_LEFT || wch == KEY_RIGHT || wch == KEY_BTAB) {
            c->focused = !c->focused;
            wizard_dirty(w);
        } else if (wch == KEY_ENTER) {
            s_answer(w, c, c->focused == 0);
        }
        return true; /* a modal swallows every key */
    }
    switch (wch) {
    case L'\t':
        c->focused = !c->focused;
        wizard_dirty(w);
        break;
    case L'\n':
    case L'\r':
        s_answer(w, c, c->focused == 0);
        break;
    case L'y':
    case L'Y':
        s_answer(w, c, true);
        break;
    case L'n':
    case L'N':
    case 27:
        s_answer(w, c, false);
        break;
    default: break;
    }
    return true;
}

void ui_confirm(struct wizard *w, const char *title, const char *body, const char *yes_label,
                const char *no_label, ui_confirm_fn fn, void *ud)
{
    struct confirm *c = xcalloc(1, sizeof(*c));
    c->title = xstrdup(title);
    c->body = xstrdup(body);
    c->yes = xstrdup(yes_label);
    c->no = xstrdup(no_label);
    c->focused = 1;
    c->fn = fn;
    c->ud = ud;
    struct wizard_modal m = {s_draw, s_key, s_free, s_confirm_keys, c, NULL};
    wizard_push_modal(w, &m);
}
