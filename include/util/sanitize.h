/* Making untrusted text safe for a terminal.
 *
 * Owns: the one rule for text that came from AWS, files or pastes before it is printed or
 * drawn. Invalid UTF-8 becomes U+FFFD; C0/C1 controls and DEL never pass through; whole
 * escape sequences (CSI, OSC such as OSC 52 clipboard writes, DCS, APC, PM, SOS) are
 * dropped rather than defanged so no half of one reaches the screen; bidi embedding,
 * override and isolate characters are removed so text cannot reorder what follows it.
 * Output is cut, on a character boundary, to at most max bytes with "…" appended. */
#ifndef BCM_UTIL_SANITIZE_H
#define BCM_UTIL_SANITIZE_H

#include <stddef.h>

/* One line: tabs, newlines and carriage returns become single spaces. Never NULL. */
char *sanitize_for_terminal(const char *s, size_t len, size_t max);
/* Several lines: "\n" kept ("\r\n" and lone "\r" become "\n"), tabs become a space. */
char *sanitize_multiline(const char *s, size_t len, size_t max);

/* JSON text (as cJSON prints it) made safe to print: invalid UTF-8 becomes U+FFFD, and
 * DEL, C1 controls and bidi controls inside strings become \uXXXX escapes, so a
 * consumer still gets the exact characters while a terminal showing the line gets none. */
char *sanitize_json_text(const char *json);

#endif
