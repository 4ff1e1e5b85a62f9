#include "util/sanitize.h"

#include "util/buf.h"
#include "util/mem.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */
#define ELLIPSIS "\xE2\x80\xA6"   /* U+2026 */

/* Decodes one UTF-8 sequence at s (n bytes available). Returns its length and sets *cp, or
 * 0 when the bytes are not valid UTF-8 (overlong, surrogate, beyond U+10FFFF, truncated). */
static size_t s_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t need;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        need = 2; v = c & 0x1F; min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        need = 3; v = c & 0x0F; min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        need = 4; v = c & 0x07; min = 0x10000;
    } else {
        return 0;
    }
    if (n < need)
        return 0;
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return need;
}

static bool s_is_bidi_control(uint32_t cp)
{
    return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
           cp == 0x200E || cp == 0x200F || cp == 0x061C;
}

/* Length of the escape sequence starting with ESC (or a C1 introducer) at s, so all of it
 * can be dropped. String sequences (OSC, DCS, SOS, PM, APC) run to BEL or ST; an
 * unterminated one swallows the rest of the text, which is what a terminal would do. */
static size_t s_escape_length(const unsigned char *s, size_t n, uint32_t introducer, size_t intro_len)
{
    size_t i = intro_len;
    uint32_t kind = introducer;
    if (introducer == 0x1B) {
        if (i >= n)
            return i;
        unsigned char c = s[i];
        if (c == '[') kind = 0x9B;
        else if (c == ']') kind = 0x9D;
        else if (c == 'P') kind = 0x90;
        else if (c == 'X') kind = 0x98;
        else if (c == '^') kind = 0x9E;
        else if (c == '_') kind = 0x9F;
        else {
            /* ESC with intermediates then a final byte (e.g. ESC ( B, ESC c). */
            while (i < n && s[i] >= 0x20 && s[i] <= 0x2F)
                i++;
            return i < n ? i + 1 : i;
        }
        i++;
    }
    if (kind == 0x9B) {
        while (i < n && s[i] >= 0x20 && s[i] <= 0x3F)
            i++;
        return i < n ? i + 1 : i;
    }
    if (kind == 0x9D || kind == 0x90 || kind == 0x98 || kind == 0x9E || kind == 0x9F) {
        while (i < n) {
            if (s[i] == 0x07)
                return i + 1;
            if (s[i] == 0x1B && i + 1 < n && s[i + 1] == '\\')
                return i + 2;
            if (s[i] == 0xC2 && i + 1 < n && s[i + 1] == 0x9C)
                return i + 2;
            i++;
        }
        return n;
    }
    return i;
}

static char *s_sanitize(const char *text, size_t len, size_t max, bool multiline)
{
    buf_t out = BUF_INIT;
    const unsigned char *s = (const unsigned char *)(text ? text : "");
    if (!text)
        len = 0;
    size_t ellipsis = strlen(ELLIPSIS);
    if (max < ellipsis + 1)
        max = ellipsis + 1;
    size_t i = 0;
    bool cut = false;
    size_t fits = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = s_utf8_decode(s + i, len - i, &cp);
        const char *emit;
        size_t emit_len;
        char single[5];
        if (n == 0) {
            n = 1;
            emit = REPLACEMENT;
            emit_len = 3;
        } else if (cp == 0x1B || cp == 0x90 || cp == 0x98 || cp == 0x9B || cp == 0x9D ||
                   cp == 0x9E || cp == 0x9F) {
            i += s_escape_length(s + i, len - i, cp, n);
            continue;
        } else if (cp == '\r') {
            if (multiline && !(i + 1 < len && s[i + 1] == '\n')) {
                emit = "\n";
                emit_len = 1;
            } else if (multiline) {
                i += 1;
                continue;
            } else {
                emit = " ";
                emit_len = 1;
            }
        } else if (cp == '\n') {
            emit = multiline ? "\n" : " ";
            emit_len = 1;
        } else if (cp == '\t') {
            emit = " ";
            emit_len = 1;
        } else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F)) {
            emit = REPLACEMENT;
            emit_len = 3;
        } else if (s_is_bidi_control(cp)) {
            i += n;
            continue;
        } else {
            memcpy(single, s + i, n);
            emit = single;
            emit_len = n;
        }
        buf_append(&out, emit, emit_len);
        i += n;
        if (out.len <= max - ellipsis)
            fits = out.len;
        if (out.len > max) {
            cut = true;
            break;
        }
    }
    if (cut) {
        /* Cut back to the last character boundary that leaves room for the ellipsis. */
        out.len = fits;
        buf_append(&out, ELLIPSIS, ellipsis);
    }
    return buf_detach(&out);
}

char *sanitize_for_terminal(const char *s, size_t len, size_t max)
{
    return s_sanitize(s, len, max, false);
}

char *sanitize_multiline(const char *s, size_t len, size_t max)
{
    return s_sanitize(s, len, max, true);
}

char *sanitize_json_text(const char *json)
{
    buf_t out = BUF_INIT;
    const unsigned char *s = (const unsigned char *)(json ? json : "");
    size_t len = strlen((const char *)s);
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = s_utf8_decode(s + i, len - i, &cp);
        if (n == 0) {
            buf_append(&out, REPLACEMENT, 3);
            i++;
            continue;
        }
        if (cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || s_is_bidi_control(cp))
            buf_printf(&out, "\\u%04x", (unsigned)cp);
        else
            buf_append(&out, s + i, n);
        i += n;
    }
    return buf_detach(&out);
}
