/* libFuzzer target: the journal reader takes any bytes (a torn or hostile file) without
 * crashing, and the runner's replay of them (journal_view_load) neither. */
#include "engine/run/journal.h"
#include "engine/run/runner.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int s_count(void *ud, const cJSON *rec, size_t line)
{
    (void)rec;
    (void)line;
    (*(size_t *)ud)++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t n = 0;
    struct journal_read_stats stats;
    journal_read_buffer((const char *)data, size, s_count, &n, &stats);
    if (stats.records != n)
        abort();

    char path[] = "/tmp/bcm-fuzz-journal-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) == (ssize_t)size) {
        struct journal_view v;
        char *error = NULL;
        if (journal_view_load(path, &v, &error) == 0)
            journal_view_free(&v);
        free(error);
    }
    close(fd);
    unlink(path);
    return 0;
}
