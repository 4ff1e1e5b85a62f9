/* Fuzzes the stack-outputs paste parser: any bytes must give either a resolved set or an
 * error, never a crash, a leak or a partial result. */
#include "engine/discover/stack_outputs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct stack_outputs out;
    enum outputs_paste_format fmt;
    char *error = NULL;
    int rc = outputs_paste_parse((const char *)data, size, &out, &fmt, &error);
    if (rc == 0) {
        /* A success carries every required value and no error. */
        if (error || !out.table || !out.cluster || !out.task_definition || !out.security_group ||
            !out.nsubnets)
            abort();
        stack_outputs_free(&out);
    } else {
        if (!error || out.table || out.nsubnets)
            abort();
        free(error);
    }
    return 0;
}
