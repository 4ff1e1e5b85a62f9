/* bedrock-chat-migrate: rebuild a Bedrock Claude Chat deployment's vector store after the
 * v1 upgrade replaced its Aurora cluster. Parses the command line into struct app_options
 * and hands over to a command (cli/), or to the wizard (tui/) when run on a terminal with
 * no command. The one place that knows both views: cli/ and tui/ share only app/ and the
 * engine, never each other. */
#include "app/options.h"
#include "app/output.h"
#include "app/version.h"
#include "cli/cli.h"
#include "cli/demo.h"
#include "tui/wizard.h"

#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


enum {
    OPT_REGION = 256, OPT_PROFILE, OPT_ENDPOINT, OPT_DEBUG, OPT_DEBUG_FILE, OPT_JSON,
    OPT_LANG, OPT_NO_COLOR, OPT_VERSION, OPT_DEMO, OPT_STACK, OPT_OUTPUTS, OPT_INCLUDE_EMPTY,
    OPT_BOTS, OPT_EXCLUDE, OPT_PRICES, OPT_CONCURRENCY, OPT_SCAN_TABLE, OPT_YES, OPT_DETACH,
    OPT_RETRIES, OPT_MAX_EARLY_FAILURES, OPT_JOURNAL, OPT_PUBLIC_IP, OPT_STOP_ON_EXIT,
    OPT_LINES, OPT_CHECK_BUCKET, OPT_RETRY_FAILED, OPT_NEW_RUN, OPT_SNAPSHOT, OPT_KEEP_TEMPORARY, OPT_PILOT, OPT_CALIBRATE,
    OPT_PROBE_WEB, OPT_NO_VERIFY, OPT_INCLUDE_MIGRATED,
};

static const struct option s_long_options[] = {
    {"region", required_argument, NULL, OPT_REGION},
    {"profile", required_argument, NULL, OPT_PROFILE},
    {"endpoint-url", required_argument, NULL, OPT_ENDPOINT},
    {"debug", no_argument, NULL, OPT_DEBUG},
    {"debug-file", required_argument, NULL, OPT_DEBUG_FILE},
    {"json", no_argument, NULL, OPT_JSON},
    {"lang", required_argument, NULL, OPT_LANG},
    {"no-color", no_argument, NULL, OPT_NO_COLOR},
    {"version", no_argument, NULL, OPT_VERSION},
    {"demo", no_argument, NULL, OPT_DEMO},
    {"help", no_argument, NULL, 'h'},
    {"stack", required_argument, NULL, OPT_STACK},
    {"outputs", required_argument, NULL, OPT_OUTPUTS},
    {"include-empty", no_argument, NULL, OPT_INCLUDE_EMPTY},
    {"bots", required_argument, NULL, OPT_BOTS},
    {"exclude", required_argument, NULL, OPT_EXCLUDE},
    {"prices", required_argument, NULL, OPT_PRICES},
    {"concurrency", required_argument, NULL, OPT_CONCURRENCY},
    {"scan-table", no_argument, NULL, OPT_SCAN_TABLE},
    {"check-bucket", no_argument, NULL, OPT_CHECK_BUCKET},
    {"yes", no_argument, NULL, OPT_YES},
    {"detach", no_argument, NULL, OPT_DETACH},
    {"retries", required_argument, NULL, OPT_RETRIES},
    {"max-early-failures", required_argument, NULL, OPT_MAX_EARLY_FAILURES},
    {"journal", required_argument, NULL, OPT_JOURNAL},
    {"assign-public-ip", no_argument, NULL, OPT_PUBLIC_IP},
    {"stop-on-exit", no_argument, NULL, OPT_STOP_ON_EXIT},
    {"lines", required_argument, NULL, OPT_LINES},
    {"retry-failed", no_argument, NULL, OPT_RETRY_FAILED},
    {"new-run", no_argument, NULL, OPT_NEW_RUN},
    {"snapshot", required_argument, NULL, OPT_SNAPSHOT},
    {"keep-temporary", no_argument, NULL, OPT_KEEP_TEMPORARY},
    {"pilot", required_argument, NULL, OPT_PILOT},
    {"calibrate", no_argument, NULL, OPT_CALIBRATE},
    {"probe-web", no_argument, NULL, OPT_PROBE_WEB},
    {"no-verify", no_argument, NULL, OPT_NO_VERIFY},
    {"include-migrated", no_argument, NULL, OPT_INCLUDE_MIGRATED},
    {NULL, 0, NULL, 0},
};

static void s_print_usage(FILE *out)
{
    size_t n;
    const struct cli_command *cmds = cli_commands(&n);
    fputs("Usage: bedrock-chat-migrate [COMMAND] [OPTIONS]\n\n"
          "Rebuilds the vector store of a Bedrock Claude Chat deployment after its v1\n"
          "upgrade replaced the Aurora cluster: one ECS Fargate embedding task per bot,\n"
          "previewed and priced before anything runs, followed to the end, resumable.\n\n"
          "With no command on a terminal, opens the step-by-step wizard.\n\n"
          "Commands:\n", out);
    for (size_t i = 0; i < n; i++)
        fprintf(out, "  %-10s %s\n", cmds[i].name, cmds[i].summary);
    fputs("\nEvery command takes --region REGION, --profile NAME, --endpoint-url URL,\n"
          "--json, --debug and --debug-file FILE. The wizard also takes --lang en|ja,\n"
          "--no-color and --demo (a local emulator seeded with a demo deployment; nothing\n"
          "reaches real AWS; its journal and report stay under\n"
          "$XDG_STATE_HOME/bedrock-chat-migrate/demo/). --help prints this text, --version\n"
          "the version, git revision and the libraries' versions (curl, OpenSSL, ncurses,\n"
          "cJSON, libxml2).\n"
          "\nRun `bedrock-chat-migrate COMMAND --help` for a command's options.\n"
          "Exit status: 0 success, 1 some bots failed, 2 usage error,\n"
          "3 configuration or AWS error, 130 interrupted.\n", out);
}

static int s_parse_int(const char *text, int lo, int hi, int *out)
{
    char *end = NULL;
    long v = strtol(text, &end, 10);
    if (!*text || *end || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

/* Applies one parsed option; returns 0 or EXIT_USAGE. */
static int s_apply_option(struct app_options *o, int c, const char *arg, const char *word)
{
    switch (c) {
    case OPT_REGION: o->aws.region = arg; break;
    case OPT_PROFILE: o->aws.profile = arg; break;
    case OPT_ENDPOINT: o->aws.endpoint_url = arg; break;
    case OPT_DEBUG: o->aws.debug = true; break;
    case OPT_DEBUG_FILE: o->aws.debug_file = arg; break;
    case OPT_JSON: o->json = true; break;
    case OPT_LANG: o->lang = arg; break;
    case OPT_NO_COLOR: o->no_color = true; break;
    case OPT_VERSION: o->version = true; break;
    case OPT_DEMO: o->demo = true; break;
    case 'h': o->help = true; break;
    case OPT_STACK: o->stack = arg; break;
    case OPT_OUTPUTS: o->outputs_file = arg; break;
    case OPT_INCLUDE_EMPTY: o->include_empty = true; break;
    case OPT_BOTS: o->bots = arg; break;
    case OPT_EXCLUDE: o->exclude = arg; break;
    case OPT_PRICES: o->prices_file = arg; break;
    case OPT_SCAN_TABLE: o->scan_table = true; break;
    case OPT_CHECK_BUCKET: o->check_bucket = true; break;
    case OPT_YES: o->yes = true; break;
    case OPT_DETACH: o->detach = true; break;
    case OPT_JOURNAL: o->journal = arg; break;
    case OPT_PUBLIC_IP: o->assign_public_ip = true; break;
    case OPT_STOP_ON_EXIT: o->stop_on_exit = true; break;
    case OPT_RETRY_FAILED: o->retry_failed = true; break;
    case OPT_NEW_RUN: o->new_run = true; break;
    case OPT_SNAPSHOT: o->snapshot = arg; break;
    case OPT_KEEP_TEMPORARY: o->keep_temporary = true; break;
    case OPT_CALIBRATE: o->calibrate = true; break;
    case OPT_PROBE_WEB: o->probe_web = true; break;
    case OPT_PILOT:
        if (s_parse_int(arg, 1, 50, &o->pilot) != 0) {
            fprintf(stderr, "error: --pilot wants a number of bots from 1 to 50, not '%s'\n", arg);
            return EXIT_USAGE;
        }
        break;
    case OPT_NO_VERIFY: o->no_verify = true; break;
    case OPT_INCLUDE_MIGRATED: o->include_migrated = true; break;
    case OPT_CONCURRENCY:
        if (s_parse_int(arg, 1, 1000, &o->concurrency) != 0) {
            fprintf(stderr, "error: --concurrency wants a number from 1 to 1000, not '%s'\n", arg);
            return EXIT_USAGE;
        }
        break;
    case OPT_MAX_EARLY_FAILURES:
        if (s_parse_int(arg, 0, 1000, &o->max_early_failures) != 0) {
            fprintf(stderr, "error: --max-early-failures wants a number from 0 (never stop) to 1000, "
                            "not '%s'\n", arg);
            return EXIT_USAGE;
        }
        break;
    case OPT_RETRIES:
        if (s_parse_int(arg, 0, 10, &o->retries) != 0) {
            fprintf(stderr, "error: --retries wants a number from 0 to 10, not '%s'\n", arg);
            return EXIT_USAGE;
        }
        break;
    case OPT_LINES:
        if (s_parse_int(arg, 1, 10000, &o->lines) != 0) {
            fprintf(stderr, "error: --lines wants a number from 1 to 10000, not '%s'\n", arg);
            return EXIT_USAGE;
        }
        break;
    default:
        fprintf(stderr, "error: unknown option or missing value: '%s'; see bedrock-chat-migrate --help\n",
                word);
        return EXIT_USAGE;
    }
    return 0;
}

/* --demo: the wizard against a local emulator that lives exactly as long as it does. An
 * environment already set up by a caller (BCM_DEMO_ACTIVE, as the tests do) is reused. */
static int s_run_demo(struct app_options *o)
{
    const char *active = getenv("BCM_DEMO_ACTIVE");
    if (active && strcmp(active, "1") == 0)
        return wizard_main(o);
    struct demo_env demo;
    char *error = NULL;
    if (demo_start(&demo, &error) != 0) {
        app_error(o, "%s", error);
        free(error);
        return EXIT_CONFIG;
    }
    int rc = wizard_main(o);
    demo_stop(&demo);
    return rc;
}

/* The command table (cli/) lists the wizard for --help but cannot run it: its entry has
 * no run function, and this is where it meets tui/. */
static int s_run_command(const struct cli_command *cmd, struct app_options *o)
{
    if (cmd->run)
        return cmd->run(o);
    return o->demo ? s_run_demo(o) : wizard_main(o);
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    struct app_options o;
    memset(&o, 0, sizeof(o));
    o.retries = -1;
    o.max_early_failures = -1;
    o.lines = 50;

    /* GNU getopt permutes: options may come before or after the command word. */
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", s_long_options, NULL)) != -1) {
        int rc = s_apply_option(&o, c, optarg, argv[optind - 1]);
        if (rc)
            return rc;
    }
    const char *command = optind < argc ? argv[optind++] : NULL;
    o.args = (const char *const *)&argv[optind];
    o.nargs = argc - optind;

    if (o.version) {
        app_print_version(stdout, wizard_curses_version(), wizard_curses_built_version());
        return EXIT_OK;
    }
    size_t n;
    const struct cli_command *cmds = cli_commands(&n);
    if (!command) {
        if (o.help) {
            s_print_usage(stdout);
            return EXIT_OK;
        }
        if (o.demo || (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)))
            return o.demo ? s_run_demo(&o) : wizard_main(&o);
        s_print_usage(stderr);
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(cmds[i].name, command) == 0) {
            if (o.help) {
                fputs(cmds[i].usage, stdout);
                return EXIT_OK;
            }
            return s_run_command(&cmds[i], &o);
        }
    }
    fprintf(stderr, "error: unknown command '%s'; the commands are listed by bedrock-chat-migrate --help\n",
            command);
    return EXIT_USAGE;
}
