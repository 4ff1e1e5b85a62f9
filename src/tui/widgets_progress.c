/* The progress bar widget: a bar, a percentage and a label on one row. */
#include "tui/tui.h"

#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>

void ui_progress(const struct wizard *w, int y, int x, int width, double done, double total,
                 const char *label)
{
    double f = total > 0 ? done / total : 0;
    char pct[16];
    snprintf(pct, sizeof(pct), "%3d%%", (int)(f * 100 + 0.5 > 100 ? 100 : f * 100));
    int label_w = label ? width / 3 : 0;
    int bar_w = width - 7 - label_w;
    if (bar_w < 4)
        bar_w = 4;
    ui_text(y, x, 1, ui_attr(w, UI_DIM), "[");
    ui_bar(y, x + 1, bar_w, f, ui_attr(w, UI_OK), ui_attr(w, UI_DIM));
    ui_text(y, x + 1 + bar_w, 1, ui_attr(w, UI_DIM), "]");
    ui_text(y, x + 3 + bar_w, 4, ui_attr(w, UI_ACCENT), pct);
    if (label)
        ui_text(y, x + 8 + bar_w, width - 8 - bar_w, ui_attr(w, UI_NORMAL), label);
}
