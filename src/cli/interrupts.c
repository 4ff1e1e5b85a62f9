/* Ctrl-C and SIGTERM for the long headless commands: counted, and the loop woken. */
#include "cli/interrupts.h"

#include "util/ev_loop.h"

#include <string.h>

static volatile sig_atomic_t s_count;
static struct ev_loop *s_loop;

static void s_on_signal(int sig)
{
    (void)sig;
    if (s_count < 100)
        s_count++;
    if (s_loop)
        ev_loop_wakeup(s_loop);
}

void cli_interrupts_install(struct cli_interrupts *ci, struct ev_loop *loop)
{
    s_count = 0;
    s_loop = loop;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = s_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &ci->old[0]);
    sigaction(SIGTERM, &sa, &ci->old[1]);
}

void cli_interrupts_restore(const struct cli_interrupts *ci)
{
    sigaction(SIGINT, &ci->old[0], NULL);
    sigaction(SIGTERM, &ci->old[1], NULL);
    s_loop = NULL;
}

int cli_interrupts_count(void)
{
    return s_count;
}
