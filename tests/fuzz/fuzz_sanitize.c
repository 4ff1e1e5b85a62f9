/* libFuzzer target: whatever the bytes, the sanitiser's output is bounded, valid UTF-8
 * and free of control characters (so it cannot drive the terminal). */
#include "util/sanitize.h"
#include "util/textwidth.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void s_check(const char *out, size_t max, int multiline)
{
    size_t n = strlen(out);
    if (n > max)
        abort();
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)out[i];
        if ((c < 0x20 && !(multiline && c == '\n')) || c == 0x7F)
            abort();
        if (c == 0xC2 && i + 1 < n && (unsigned char)out[i + 1] >= 0x80 &&
            (unsigned char)out[i + 1] <= 0x9F)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t max = size ? (size_t)(data[0] % 64) + 4 : 16;
    char *a = sanitize_for_terminal((const char *)data, size, max);
    s_check(a, max, 0);
    char *t = text_truncate(a, max / 2);
    if (text_width(t) > max / 2)
        abort();
    free(t);
    free(a);
    char *b = sanitize_multiline((const char *)data, size, 1u << 20);
    s_check(b, 1u << 20, 1);
    free(b);
    return 0;
}
