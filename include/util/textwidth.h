/* Display width of UTF-8 text in terminal columns.
 *
 * Owns: measuring and cutting text the way the terminal will draw it (CJK and emoji are
 * two columns, combining marks none), independent of the process locale, so the headless
 * commands and the wizard lay out the same text the same way. Input is expected to be
 * sanitised already (util/sanitize.h); invalid bytes count as one column each. */
#ifndef BCM_UTIL_TEXTWIDTH_H
#define BCM_UTIL_TEXTWIDTH_H

#include <stddef.h>
#include <stdint.h>

/* Columns of one code point: 0, 1 or 2 (control characters count 0). */
int codepoint_width(uint32_t cp);
/* Columns of a NUL-terminated string. */
size_t text_width(const char *s);
/* Emoji sequences whose width terminals disagree on, rewritten into what every terminal
 * draws at the same width: zero-width joiners, skin-tone modifiers (U+1F3FB–U+1F3FF) and
 * variation selectors (U+FE0E, U+FE0F) are dropped, so "👩‍💻" shows as "👩💻" (4 columns
 * in xterm, VTE, tmux and grapheme-aware terminals alike) and "❤️" as "❤" (1 column).
 * Measured by wcwidth, a ZWJ sequence is the sum of its parts, tmux draws it as wide as
 * its first emoji and kitty/WezTerm as one 2-column glyph, so no single width is right
 * for the joined form; a regional-indicator pair (a flag) is 2 columns in all of them
 * and is kept. Use on sanitised text before measuring and drawing it. */
char *text_unambiguous(const char *s);
/* A new string of at most cols columns; "…" marks a cut. */
char *text_truncate(const char *s, size_t cols);
/* A new string of exactly cols columns: truncated as above, then padded with spaces
 * (on the right, or on the left when align_right). */
char *text_fit(const char *s, size_t cols, int align_right);

#endif
