/* The wizard's entry point, all main.c needs of tui/: the full-screen wizard over the
 * options main.c parsed. The wizard's own state and screens are in tui/tui.h. */
#ifndef BCM_TUI_WIZARD_H
#define BCM_TUI_WIZARD_H

struct app_options;

/* Runs the wizard on the terminal until the person leaves it; returns the exit code
 * (app/output.h): EXIT_USAGE without a terminal or with an unknown --lang. */
int wizard_main(const struct app_options *o);
/* The curses library's version: running (curses_version()) and the headers'. */
const char *wizard_curses_version(void);
const char *wizard_curses_built_version(void);

#endif
