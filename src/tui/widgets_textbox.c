/* The multi-line text box used for pasting stack outputs: keeps the bytes as given
 * (bounded), shows them sanitised line by line, scrolls, and follows the end. */
#include "tui/tui.h"

#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

void ui_textbox_init(struct ui_textbox *tb, size_t max_bytes)
{
    memset(tb, 0, sizeof(*tb));
    tb->max_bytes = max_bytes;
    tb->cap = 256;
    tb->text = xcalloc(1, tb->cap);
}

void ui_textbox_free(struct ui_textbox *tb)
{
    free(tb->text);
    memset(tb, 0, sizeof(*tb));
}

void ui_textbox_clear(struct ui_textbox *tb)
{
    tb->len = 0;
    tb->text[0] = '\0';
    tb->truncated = false;
    tb->top_line = 0;
}

static void s_append_byte(struct ui_textbox *tb, char c)
{
    if (tb->len >= tb->max_bytes) {
        tb->truncated = true;
        return;
    }
    if (tb->len + 2 > tb->cap) {
        tb->cap *= 2;
        tb->text = xrealloc(tb->text, tb->cap);
    }
    tb->text[tb->len++] = c;
    tb->text[tb->len] = '\0';
}

void ui_textbox_insert(struct ui_textbox *tb, const char *bytes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = bytes[i];
        if (c == '\r') {
            s_append_byte(tb, '\n');
            if (i + 1 < n && bytes[i + 1] == '\n')
                i++;
            continue;
        }
        if (c == '\0')
            continue;
        s_append_byte(tb, c);
    }
}

size_t ui_textbox_lines(const struct ui_textbox *tb)
{
    size_t lines = 1;
    for (size_t i = 0; i < tb->len; i++)
        if (tb->text[i] == '\n')
            lines++;
    return lines;
}

bool ui_textbox_key(struct ui_textbox *tb, wint_t wch, bool is_key_code)
{
    if (is_key_code) {
        switch (wch) {
        case KEY_BACKSPACE:
            break;
        case KEY_UP:
            if (tb->top_line > 0)
                tb->top_line--;
            return true;
        case KEY_DOWN:
            tb->top_line++;
            return true;
        case KEY_ENTER:
            s_append_byte(tb, '\n');
            return true;
        default:
            return false;
        }
    }
    if (wch == KEY_BACKSPACE || wch == 127 || wch == 8) {
        while (tb->len > 0 && (tb->text[tb->len - 1] & 0xC0) == 0x80)
            tb->len--;
        if (tb->len > 0)
            tb->len--;
        tb->text[tb->len] = '\0';
        tb->truncated = false;
        return true;
    }
    if (wch == L'\n' || wch == L'\r') {
        s_append_byte(tb, '\n');
        return true;
    }
    if (wch == L'\t' || wch >= 32) {
        char mb[8];
        mbstate_t st;
        memset(&st, 0, sizeof(st));
        size_t n = wcrtomb(mb, (wchar_t)wch, &st);
        if (n == (size_t)-1)
            return true;
        ui_textbox_insert(tb, mb, n);
        return true;
    }
    return false;
}

void ui_textbox_draw(const struct wizard *w, struct ui_textbox *tb, struct rect r, const char *title)
{
    ui_box(w, r, title, tb->focused ? ui_attr(w, UI_ACCENT) : ui_attr(w, UI_DIM));
    int inner_h = r.h - 2, inner_w = r.w - 4;
    if (inner_h <= 0 || inner_w <= 0)
        return;
    size_t lines = ui_textbox_lines(tb);
    /* Follow the end while typing; allow scrolling back up. */
    if (tb->top_line + (size_t)inner_h > lines)
        tb->top_line = lines > (size_t)inner_h ? lines - (size_t)inner_h : 0;
    if (tb->focused && lines > (size_t)inner_h && tb->top_line + (size_t)inner_h < lines &&
        tb->len > 0 && tb->text[tb->len - 1] == '\n')
        tb->top_line = lines - (size_t)inner_h;
    const char *p = tb->text;
    size_t line = 0;
    int row = 0;
    while (row < inner_h) {
        const char *eol = strchr(p, '\n');
        size_t n = eol ? (size_t)(eol - p) : strlen(p);
        if (line >= tb->top_line) {
            char *safe = ui_sanitize(p, n, 4096);
            ui_text(r.y + 1 + row, r.x + 2, inner_w, ui_attr(w, UI_NORMAL), safe);
            free(safe);
            row++;
        }
        line++;
        if (!eol)
            break;
        p = eol + 1;
    }
    if (tb->len == 0)
        ui_text(r.y + 1, r.x + 2, inner_w, ui_attr(w, UI_DIM), tr("textbox.empty"));
    if (tb->truncated)
        ui_text(r.y + r.h - 1, r.x + 2, inner_w, ui_attr(w, UI_FAIL), tr("textbox.too_long"));
}
