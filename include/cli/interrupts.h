/* Ctrl-C and SIGTERM for the long headless commands (run, copy).
 *
 * Owns: the two signal handlers while such a command runs. The handler only counts the
 * interrupt and wakes the event loop; the command decides in the loop what an interrupt
 * means (the first: stop launching or stop and clean; the second: leave at once). No
 * SA_RESTART, so a confirmation prompt blocked in read() sees the interrupt too. */
#ifndef BCM_CLI_INTERRUPTS_H
#define BCM_CLI_INTERRUPTS_H

#include <signal.h>

struct ev_loop;

struct cli_interrupts {
    struct sigaction old[2]; /* SIGINT, SIGTERM as they were before */
};

/* Counts from zero and wakes loop on every interrupt, until cli_interrupts_restore. */
void cli_interrupts_install(struct cli_interrupts *ci, struct ev_loop *loop);
void cli_interrupts_restore(const struct cli_interrupts *ci);

/* Interrupts since the install (at most 100). */
int cli_interrupts_count(void);

#endif
