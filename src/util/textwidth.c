#include "util/textwidth.h"

#include "util/buf.h"
#include "util/mem.h"

#include <locale.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* glibc's wcwidth answers for the calling thread's locale; a private UTF-8 locale object
 * gives the same widths ncursesw will use whatever the process locale is. */
static locale_t s_utf8_locale(void)
{
    static locale_t loc;
    static bool tried;
    if (!tried) {
        tried = true;
        loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
        if (!loc)
            loc = newlocale(LC_CTYPE_MASK, "en_US.UTF-8", (locale_t)0);
    }
    return loc;
}

/* Used only when no UTF-8 locale exists on the machine: the East Asian Wide/Fullwidth
 * blocks and the emoji planes, which is what matters for bot titles. */
static int s_fallback_width(uint32_t cp)
{
    if (cp == 0)
        return 0;
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
        return 0;
    if ((cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x200B && cp <= 0x200F) ||
        (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0x20D0 && cp <= 0x20FF))
        return 0;
    if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) ||
        (cp >= 0x3041 && cp <= 0x33FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
        (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
        (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
        (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
        (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
        (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD))
        return 2;
    return 1;
}

int codepoint_width(uint32_t cp)
{
    locale_t loc = s_utf8_locale();
    if (!loc)
        return s_fallback_width(cp);
    locale_t old = uselocale(loc);
    int w = wcwidth((wchar_t)cp);
    uselocale(old);
    if (w < 0)
        return 0;
    return w;
}

/* Decodes one character; invalid bytes are consumed one at a time as width-1 cells. */
static size_t s_next(const unsigned char *s, uint32_t *cp, bool *valid)
{
    unsigned char c = s[0];
    size_t need;
    uint32_t v;
    *valid = true;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if ((c & 0xE0) == 0xC0) { need = 2; v = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { need = 3; v = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { need = 4; v = c & 0x07; }
    else { *valid = false; *cp = c; return 1; }
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *valid = false;
            *cp = c;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3F);
    }
    *cp = v;
    return need;
}

static int s_char_width(uint32_t cp, bool valid)
{
    return valid ? codepoint_width(cp) : 1;
}

size_t text_width(const char *s)
{
    size_t w = 0;
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        uint32_t cp;
        bool valid;
        p += s_next(p, &cp, &valid);
        w += (size_t)s_char_width(cp, valid);
    }
    return w;
}

static bool s_width_ambiguous_mark(uint32_t cp)
{
    return cp == 0x200D ||                      /* zero-width joiner */
           cp == 0xFE0E || cp == 0xFE0F ||      /* text / emoji presentation selectors */
           (cp >= 0x1F3FB && cp <= 0x1F3FF);    /* skin-tone modifiers */
}

char *text_unambiguous(const char *s)
{
    buf_t out = BUF_INIT;
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        uint32_t cp;
        bool valid;
        size_t n = s_next(p, &cp, &valid);
        if (!valid || !s_width_ambiguous_mark(cp))
            buf_append(&out, p, n);
        p += n;
    }
    return buf_detach(&out);
}

char *text_truncate(const char *s, size_t cols)
{
    if (!s)
        s = "";
    if (text_width(s) <= cols)
        return xstrdup(s);
    buf_t out = BUF_INIT;
    if (cols == 0)
        return buf_detach(&out);
    size_t used = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp;
        bool valid;
        size_t n = s_next(p, &cp, &valid);
        size_t w = (size_t)s_char_width(cp, valid);
        if (used + w > cols - 1)
            break;
        buf_append(&out, p, n);
        used += w;
        p += n;
    }
    buf_puts(&out, "\xE2\x80\xA6");
    return buf_detach(&out);
}

char *text_fit(const char *s, size_t cols, int align_right)
{
    char *cut = text_truncate(s, cols);
    size_t w = text_width(cut);
    buf_t out = BUF_INIT;
    if (align_right)
        for (size_t i = w; i < cols; i++)
            buf_putc(&out, ' ');
    buf_puts(&out, cut);
    if (!align_right)
        for (size_t i = w; i < cols; i++)
            buf_putc(&out, ' ');
    free(cut);
    return buf_detach(&out);
}
