/* The checklist widget: one row per check with ✓ ✗ ! marks in state colours, what was
 * found, and an indented fix hint for anything not OK. */
#include "tui/tui.h"

#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

const char *ui_check_mark(enum ui_check c)
{
    switch (c) {
    case UI_CHECK_OK: return "✓";
    case UI_CHECK_FAIL: return "✗";
    case UI_CHECK_WARN: return "!";
    case UI_CHECK_SKIP: return "-";
    case UI_CHECK_PENDING: break;
    }
    return "…";
}

static enum ui_color s_color(enum ui_check c)
{
    switch (c) {
    case UI_CHECK_OK: return UI_OK;
    case UI_CHECK_FAIL: return UI_FAIL;
    case UI_CHECK_WARN: return UI_WARN;
    case UI_CHECK_SKIP:
    case UI_CHECK_PENDING: break;
    }
    return UI_DIM;
}

int ui_checklist_draw(const struct wizard *w, const struct ui_check_item *items, size_t n,
                      struct rect r, int first_row)
{
    int row = 0; /* rows produced so far, counting those scrolled away */
    int label_w = 0;
    for (size_t i = 0; i < n; i++) {
        int lw = (int)strlen(items[i].label);
        if (lw > label_w)
            label_w = lw;
    }
    if (label_w > r.w / 3)
        label_w = r.w / 3;
    for (size_t i = 0; i < n; i++) {
        const struct ui_check_item *it = &items[i];
        int y = r.y + row - first_row;
        if (y >= r.y && y < r.y + r.h) {
            ui_text(y, r.x, 2, ui_attr(w, s_color(it->state)), ui_check_mark(it->state));
            ui_cell(y, r.x + 2, label_w, ui_attr(w, UI_NORMAL), it->label, false);
            if (it->detail)
                ui_untrusted(y, r.x + 3 + label_w, r.w - 3 - label_w, ui_attr(w, UI_NORMAL), it->detail);
        }
        row++;
        if (it->hint && it->state != UI_CHECK_OK) {
            char *safe = ui_sanitize(it->hint, strlen(it->hint), 2048);
            char *text = xasprintf("→ %s", safe);
            int need = ui_wrap_rows(r.w - 4, text);
            int top = r.y + row - first_row;
            /* Draw the rows of the hint that fall in the rectangle. */
            if (top >= r.y && top < r.y + r.h)
                ui_wrap(top, r.x + 4, r.w - 4, r.y + r.h - top, ui_attr(w, UI_DIM), text);
            row += need;
            free(text);
            free(safe);
        }
    }
    return row;
}
