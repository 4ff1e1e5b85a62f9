/* The log viewer: a bounded ring of sanitised lines, scrolling, and "follow" that sticks
 * to the newest line until the operator scrolls up. */
#include "tui/tui.h"

#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

void ui_logview_init(struct ui_logview *lv, size_t max_lines)
{
    memset(lv, 0, sizeof(*lv));
    lv->max_lines = max_lines ? max_lines : 1000;
    lv->follow = true;
}

void ui_logview_clear(struct ui_logview *lv)
{
    for (size_t i = 0; i < lv->n; i++)
        free(lv->lines[i]);
    lv->n = 0;
    lv->top = 0;
}

void ui_logview_free(struct ui_logview *lv)
{
    ui_logview_clear(lv);
    free(lv->lines);
    memset(lv, 0, sizeof(*lv));
}

static void s_push(struct ui_logview *lv, const char *s, size_t len)
{
    if (lv->n == lv->max_lines) {
        free(lv->lines[0]);
        memmove(lv->lines, lv->lines + 1, (lv->n - 1) * sizeof(*lv->lines));
        lv->n--;
        if (lv->top > 0)
            lv->top--;
    }
    if (lv->n == lv->cap) {
        lv->cap = lv->cap ? lv->cap * 2 : 64;
        lv->lines = xrealloc(lv->lines, lv->cap * sizeof(*lv->lines));
    }
    lv->lines[lv->n++] = ui_sanitize(s, len, 4096);
}

void ui_logview_append(struct ui_logview *lv, const char *raw)
{
    if (!raw)
        return;
    const char *p = raw;
    for (;;) {
        const char *eol = strpbrk(p, "\r\n");
        size_t n = eol ? (size_t)(eol - p) : strlen(p);
        if (n > 0 || eol)
            s_push(lv, p, n);
        if (!eol)
            break;
        p = eol + 1;
        if (*eol == '\r' && *p == '\n')
            p++;
        if (!*p)
            break;
    }
}

static size_t s_max_top(const struct ui_logview *lv)
{
    size_t page = lv->page_rows > 0 ? (size_t)lv->page_rows : 1;
    return lv->n > page ? lv->n - page : 0;
}

bool ui_logview_key(struct ui_logview *lv, wint_t wch, bool is_key_code)
{
    size_t page = lv->page_rows > 1 ? (size_t)lv->page_rows - 1 : 1;
    if (lv->follow)
        lv->top = s_max_top(lv);
    if (!is_key_code) {
        if (wch == L'f') {
            lv->follow = !lv->follow;
            return true;
        }
        return false;
    }
    switch (wch) {
    case KEY_UP: lv->top = lv->top > 0 ? lv->top - 1 : 0; lv->follow = false; return true;
    case KEY_PPAGE: lv->top = lv->top > page ? lv->top - page : 0; lv->follow = false; return true;
    case KEY_HOME: lv->top = 0; lv->follow = false; return true;
    case KEY_DOWN: lv->top++; break;
    case KEY_NPAGE: lv->top += page; break;
    case KEY_END: lv->follow = true; return true;
    default: return false;
    }
    if (lv->top >= s_max_top(lv)) {
        lv->top = s_max_top(lv);
        lv->follow = true;
    }
    return true;
}

void ui_logview_draw(const struct wizard *w, struct ui_logview *lv, struct rect r)
{
    lv->page_rows = r.h;
    if (lv->follow || lv->top > s_max_top(lv))
        lv->top = s_max_top(lv);
    for (int i = 0; i < r.h; i++) {
        size_t li = lv->top + (size_t)i;
        if (li >= lv->n)
            break;
        ui_text(r.y + i, r.x, r.w, ui_attr(w, UI_NORMAL), lv->lines[li]);
    }
    if (lv->n == 0)
        ui_text(r.y, r.x, r.w, ui_attr(w, UI_DIM), tr("log.empty"));
}
