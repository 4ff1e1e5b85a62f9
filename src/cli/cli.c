#include "cli/cli.h"

#include "engine/run/journal.h"
#include "util/buf.h"
#include "util/mem.h"
#include "util/sanitize.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void cli_error(const struct cli_options *o, const char *fmt, ...)
{
    buf_t b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (o && o->json) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "error", buf_cstr(&b));
        cli_print_json(e);
    } else {
        char *safe = sanitize_multiline(buf_cstr(&b), b.len, 16384);
        fprintf(stderr, "error: %s\n", safe);
        free(safe);
    }
    buf_free(&b);
}

int cli_open_session(const struct cli_options *o, struct aws_session *s)
{
    char *error = NULL;
    if (aws_session_open(s, &o->aws, &error) != 0) {
        cli_error(o, "%s", error ? error : "could not set up the AWS session");
        free(error);
        return EXIT_CONFIG;
    }
    return 0;
}

void cli_print_json(cJSON *value)
{
    char *text = cJSON_PrintUnformatted(value);
    if (text) {
        char *safe = sanitize_json_text(text);
        fputs(safe, stdout);
        fputc('\n', stdout);
        fflush(stdout);
        free(safe);
        cJSON_free(text);
    }
    cJSON_Delete(value);
}

char *cli_journal_path(const struct cli_options *o, const char *region)
{
    if (o->journal)
        return xstrdup(o->journal);
    return journal_default_path(o->stack ? o->stack : "BedrockChatStack", region ? region : "unknown");
}
