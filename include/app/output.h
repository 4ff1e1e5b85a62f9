/* How the program answers a person or a script, the same from a command and from the
 * wizard: exit codes, error messages (sanitised text on stderr, or {"error": …} with
 * --json) and JSON lines on stdout.
 *
 * Owns: enum app_exit. The exit codes and the JSON error shape are a public interface
 * (README, man page and --help list them): extend, never renumber. */
#ifndef BCM_APP_OUTPUT_H
#define BCM_APP_OUTPUT_H

struct app_options;
struct cJSON;

enum app_exit {
    EXIT_OK = 0,            /* everything succeeded */
    EXIT_SOME_FAILED = 1,   /* the run finished and some bots failed */
    EXIT_USAGE = 2,         /* bad command line */
    EXIT_CONFIG = 3,        /* configuration or AWS error: nothing (more) was launched */
    EXIT_INTERRUPTED = 130, /* Ctrl-C */
};

/* Prints "error: <text>" (sanitised) to stderr, or {"error": …} on stdout with --json. */
void app_error(const struct app_options *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints a cJSON value (consumed) as one line on stdout, its strings sanitised. */
void app_print_json(struct cJSON *value);

#endif
