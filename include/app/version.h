/* What `--version` says: the program's version, the git revision it was built from, and
 * the versions of the libraries it uses, both the one running and the one it was built
 * against where the library can tell (a bundled or system library may differ from the
 * headers, which is what an operator reporting a problem needs to know).
 *
 * Owns: the version number and the revision baked in at build time (BCM_REVISION, from
 * `git describe`, or the export-subst line of .git-revision in a `git archive` tarball,
 * or "unknown"). The curses library's version comes from the caller: only tui/ may
 * include curses. */
#ifndef BCM_APP_VERSION_H
#define BCM_APP_VERSION_H

#include <stdio.h>

#define BCM_VERSION "1.0.0"

/* "8982857" or "unknown". */
const char *app_revision(void);
/* The whole --version text. curses_running / curses_built: the running ncurses
 * (curses_version()) and the headers' NCURSES_VERSION. */
void app_print_version(FILE *out, const char *curses_running, const char *curses_built);

#endif
