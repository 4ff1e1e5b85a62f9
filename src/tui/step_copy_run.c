/* The copy way after the confirmation. For now this screen says how to run the copy
 * confirmed on the choice screen (the headless `copy` command, which journals, verifies
 * and cleans up); the wizard's own copy dashboard, driven by the engine's copy session,
 * replaces it. */
#include "tui/copy_screens.h"
#include "tui/tui.h"

#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

struct copy_run {
    char *snapshot_id;
    bool resume;
};

void copy_run_begin(struct wizard *w, const char *snapshot_id, bool resume)
{
    struct copy_run *cr = w->step_data[STEP_COPY_RUN];
    if (!cr)
        cr = w->step_data[STEP_COPY_RUN] = xcalloc(1, sizeof(*cr));
    free(cr->snapshot_id);
    cr->snapshot_id = xstrdup(snapshot_id ? snapshot_id : "");
    cr->resume = resume;
    wizard_go(w, STEP_COPY_RUN);
}

static void s_draw(struct wizard *w, struct rect a)
{
    const struct copy_run *cr = w->step_data[STEP_COPY_RUN];
    if (!cr)
        return;
    int x = a.x + 1, width = a.w - 2;
    char *id = ui_sanitize(cr->snapshot_id, strlen(cr->snapshot_id), 256);
    char *body = trf(cr->resume ? "copy.headless_resume" : "copy.headless", id);
    free(id);
    ui_wrap(a.y, x, width, a.h, ui_attr(w, UI_NORMAL), body);
    free(body);
}

static bool s_key(struct wizard *w, wint_t wch, bool is_key_code)
{
    if ((!is_key_code && wch == 27) || (is_key_code && wch == KEY_BACKSPACE)) {
        wizard_go(w, STEP_COPY);
        return true;
    }
    return false;
}

static const struct key_help s_keys[] = {
    {"Esc", "key.back", true},
    {"F1", "key.help", true},
    {"q", "key.quit", true},
    {NULL, NULL, false},
};

static const struct key_help *s_keys_fn(const struct wizard *w)
{
    (void)w;
    return s_keys;
}

static void s_destroy(struct wizard *w)
{
    struct copy_run *cr = w->step_data[STEP_COPY_RUN];
    if (!cr)
        return;
    free(cr->snapshot_id);
    free(cr);
    w->step_data[STEP_COPY_RUN] = NULL;
}

const struct wizard_step step_copy_run = {
    .name = "step.copy_run",
    .draw = s_draw,
    .key = s_key,
    .keys = s_keys_fn,
    .destroy = s_destroy,
};
