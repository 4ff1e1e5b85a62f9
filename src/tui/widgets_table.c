/* The table widget: columns laid out by display width, a cursor, scrolling, sorting by a
 * column, a `/` filter over every cell, and an optional selection-mark column. The rows
 * stay in the caller's model; the table keeps only the visible order. */
#include "tui/tui.h"

#include "util/mem.h"
#include "util/textwidth.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *s_cell(const struct ui_table *t, size_t row, size_t col, char *buf, size_t n)
{
    buf[0] = '\0';
    const char *s = t->cell(t->ud, row, col, buf, n);
    return s ? s : "";
}

static bool s_matches(const struct ui_table *t, size_t row)
{
    if (!t->filter[0])
        return true;
    char buf[256];
    for (size_t c = 0; c < t->ncolumns; c++) {
        /* Match what the operator sees: the cell as drawn, not its raw bytes. */
        const char *raw = s_cell(t, row, c, buf, sizeof(buf));
        char *shown = ui_sanitize(raw, strlen(raw), 1024);
        bool hit = strcasestr(shown, t->filter) != NULL;
        free(shown);
        if (hit)
            return true;
    }
    return false;
}

/* qsort has no context argument: sort an array of (table, row) pairs instead. */
struct sort_entry {
    const struct ui_table *t;
    size_t row;
};

static int s_compare(const void *pa, const void *pb)
{
    const struct sort_entry *a = pa, *b = pb;
    const struct ui_table *t = a->t;
    size_t col = (size_t)t->sort_column;
    int r;
    if (t->compare) {
        r = t->compare(t->ud, a->row, b->row, col);
    } else {
        char ba[256], bb[256];
        r = strcasecmp(s_cell(t, a->row, col, ba, sizeof(ba)), s_cell(t, b->row, col, bb, sizeof(bb)));
    }
    if (t->sort_descending)
        r = -r;
    if (r == 0)
        r = a->row < b->row ? -1 : a->row > b->row;
    return r;
}

static void s_rebuild(struct ui_table *t)
{
    size_t keep = ui_table_current(t);
    free(t->order);
    t->order = t->nrows ? xcalloc(t->nrows, sizeof(*t->order)) : NULL;
    t->nvisible = 0;
    for (size_t i = 0; i < t->nrows; i++)
        if (s_matches(t, i))
            t->order[t->nvisible++] = i;
    if (t->sort_column >= 0 && (size_t)t->sort_column < t->ncolumns && t->nvisible > 1) {
        struct sort_entry *e = xcalloc(t->nvisible, sizeof(*e));
        for (size_t i = 0; i < t->nvisible; i++)
            e[i] = (struct sort_entry){t, t->order[i]};
        qsort(e, t->nvisible, sizeof(*e), s_compare);
        for (size_t i = 0; i < t->nvisible; i++)
            t->order[i] = e[i].row;
        free(e);
    }
    t->cursor = 0;
    for (size_t i = 0; keep != SIZE_MAX && i < t->nvisible; i++)
        if (t->order[i] == keep)
            t->cursor = i;
    if (t->top > t->cursor)
        t->top = t->cursor;
}

void ui_table_reset(struct ui_table *t, size_t nrows)
{
    t->nrows = nrows;
    if (t->nvisible > nrows)
        t->nvisible = 0;
    s_rebuild(t);
}

void ui_table_free(struct ui_table *t)
{
    free(t->order);
    t->order = NULL;
    t->nvisible = 0;
}

void ui_table_sort(struct ui_table *t, int column)
{
    if (t->sort_column == column)
        t->sort_descending = !t->sort_descending;
    else {
        t->sort_column = column;
        t->sort_descending = false;
    }
    s_rebuild(t);
}

void ui_table_sort_next(struct ui_table *t)
{
    t->sort_column++;
    if (t->sort_column >= (int)t->ncolumns)
        t->sort_column = -1;
    t->sort_descending = false;
    s_rebuild(t);
}

size_t ui_table_current(const struct ui_table *t)
{
    if (!t->order || t->cursor >= t->nvisible)
        return SIZE_MAX;
    return t->order[t->cursor];
}

static void s_move(struct ui_table *t, long delta)
{
    if (t->nvisible == 0)
        return;
    long c = (long)t->cursor + delta;
    if (c < 0)
        c = 0;
    if (c >= (long)t->nvisible)
        c = (long)t->nvisible - 1;
    t->cursor = (size_t)c;
}

bool ui_table_key(struct ui_table *t, wint_t wch, bool is_key_code)
{
    int page = t->page_rows > 1 ? t->page_rows - 1 : 1;
    if (t->filter_editing) {
        size_t len = strlen(t->filter);
        if (!is_key_code && (wch == L'\n' || wch == L'\r')) {
            t->filter_editing = false;
        } else if (!is_key_code && wch == 27) {
            t->filter[0] = '\0';
            t->filter_editing = false;
            s_rebuild(t);
        } else if ((is_key_code && wch == KEY_BACKSPACE) || (!is_key_code && (wch == 127 || wch == 8))) {
            while (len > 0 && (t->filter[len - 1] & 0xC0) == 0x80)
                len--;
            if (len > 0)
                len--;
            t->filter[len] = '\0';
            s_rebuild(t);
        } else if (!is_key_code && wch >= 32) {
            char mb[8];
            mbstate_t st;
            memset(&st, 0, sizeof(st));
            size_t n = wcrtomb(mb, (wchar_t)wch, &st);
            if (n != (size_t)-1 && len + n < sizeof(t->filter)) {
                memcpy(t->filter + len, mb, n);
                t->filter[len + n] = '\0';
                s_rebuild(t);
            }
        } else if (is_key_code) {
            t->filter_editing = false;
            return ui_table_key(t, wch, is_key_code);
        }
        return true;
    }
    if (is_key_code) {
        switch (wch) {
        case KEY_UP: s_move(t, -1); return true;
        case KEY_DOWN: s_move(t, 1); return true;
        case KEY_PPAGE: s_move(t, -page); return true;
        case KEY_NPAGE: s_move(t, page); return true;
        case KEY_HOME: s_move(t, -(long)t->nvisible); return true;
        case KEY_END: s_move(t, (long)t->nvisible); return true;
        default: return false;
        }
    }
    switch (wch) {
    case L'k': s_move(t, -1); return true;
    case L'j': s_move(t, 1); return true;
    case L'/':
        t->filter_editing = true;
        return true;
    case L's':
        ui_table_sort_next(t);
        return true;
    case L'S':
        if (t->sort_column >= 0) {
            t->sort_descending = !t->sort_descending;
            s_rebuild(t);
        }
        return true;
    default: return false;
    }
}

/* Column widths: minimums first, then the spare width shared by weight. */
static void s_layout(const struct ui_table *t, int avail, int *widths)
{
    int used = 0, weights = 0;
    for (size_t c = 0; c < t->ncolumns; c++) {
        widths[c] = t->columns[c].min_width;
        used += widths[c] + (c ? 1 : 0);
        weights += t->columns[c].weight;
    }
    int spare = avail - used;
    if (spare > 0 && weights > 0) {
        int given = 0;
        size_t last = 0;
        for (size_t c = 0; c < t->ncolumns; c++) {
            if (!t->columns[c].weight)
                continue;
            int add = spare * t->columns[c].weight / weights;
            widths[c] += add;
            given += add;
            last = c;
        }
        widths[last] += spare - given;
    }
    while (spare < 0) { /* too narrow: shrink the widest column */
        size_t widest = 0;
        for (size_t c = 1; c < t->ncolumns; c++)
            if (widths[c] > widths[widest])
                widest = c;
        if (widths[widest] <= 1)
            break;
        widths[widest]--;
        spare++;
    }
}

void ui_table_draw(const struct wizard *w, struct ui_table *t, struct rect r)
{
    if (r.h < 2 || r.w < 4 || t->ncolumns == 0 || t->ncolumns > 16)
        return;
    int mark_w = t->marked ? 2 : 0;
    int widths[16];
    s_layout(t, r.w - mark_w, widths);

    /* Header with the sort arrow; the filter line takes the last row when in use. */
    int x = r.x + mark_w;
    attr_t head = ui_attr(w, UI_HEADING);
    for (size_t c = 0; c < t->ncolumns; c++) {
        const char *title = tr(t->columns[c].title);
        char *h = (int)c == t->sort_column ? xasprintf("%s%s", title, t->sort_descending ? "▼" : "▲")
                                           : xstrdup(title);
        ui_cell(r.y, x, widths[c], head, h, t->columns[c].align_right);
        free(h);
        x += widths[c] + 1;
    }
    int body_rows = r.h - 1;
    bool show_filter = t->filter_editing || t->filter[0];
    if (show_filter)
        body_rows--;
    t->page_rows = body_rows;
    if (t->cursor >= t->nvisible)
        t->cursor = t->nvisible ? t->nvisible - 1 : 0;
    if (t->cursor < t->top)
        t->top = t->cursor;
    if (body_rows > 0 && t->cursor >= t->top + (size_t)body_rows)
        t->top = t->cursor - (size_t)body_rows + 1;

    char buf[256];
    for (int i = 0; i < body_rows; i++) {
        size_t vi = t->top + (size_t)i;
        int y = r.y + 1 + i;
        if (vi >= t->nvisible) {
            if (t->nvisible == 0 && i == 0)
                ui_text(y, r.x, r.w, ui_attr(w, UI_DIM),
                        t->filter[0] ? tr("table.no_match") : tr("table.empty"));
            continue;
        }
        size_t row = t->order[vi];
        bool cur = vi == t->cursor;
        attr_t a = t->row_color ? ui_attr(w, (enum ui_color)t->row_color(t->ud, row)) : ui_attr(w, UI_NORMAL);
        if (cur)
            a = ui_attr(w, UI_SELECTED);
        if (cur)
            ui_fill((struct rect){y, r.x, 1, r.w}, a);
        if (t->marked)
            ui_cell(y, r.x, 2, cur ? a : ui_attr(w, UI_OK), t->marked(t->ud, row) ? "✓" : " ", false);
        x = r.x + mark_w;
        for (size_t c = 0; c < t->ncolumns; c++) {
            const char *text = s_cell(t, row, c, buf, sizeof(buf));
            if (t->columns[c].untrusted) {
                char *safe = ui_sanitize(text, strlen(text), 1024);
                ui_cell(y, x, widths[c], a, safe, t->columns[c].align_right);
                free(safe);
            } else {
                ui_cell(y, x, widths[c], a, text, t->columns[c].align_right);
            }
            x += widths[c] + 1;
        }
    }
    if (show_filter) {
        int y = r.y + r.h - 1;
        char *safe = ui_sanitize(t->filter, strlen(t->filter), 256);
        char *line = xasprintf("/%s%s  (%zu/%zu)", safe, t->filter_editing ? "▏" : "", t->nvisible,
                               t->nrows);
        ui_text(y, r.x, r.w, ui_attr(w, UI_ACCENT), line);
        free(line);
        free(safe);
    }
}
