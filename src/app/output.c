/* Errors and JSON lines as both views print them (see app/output.h). */
#include "app/output.h"

#include "app/options.h"
#include "util/buf.h"
#include "util/sanitize.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void app_error(const struct app_options *o, const char *fmt, ...)
{
    buf_t b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (o && o->json) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "error", buf_cstr(&b));
        app_print_json(e);
    } else {
        char *safe = sanitize_multiline(buf_cstr(&b), b.len, 16384);
        fprintf(stderr, "error: %s\n", safe);
        free(safe);
    }
    buf_free(&b);
}

void app_print_json(cJSON *value)
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
