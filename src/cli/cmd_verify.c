/* `verify`: whether every bot's vectors are in the new Aurora cluster, bot by bot. */
#include "cli/cli.h"

#include "cli/verify_view.h"
#include "engine/discover/deployment.h"
#include "util/ev_loop.h"
#include "util/mem.h"

#include <stdlib.h>

struct verify_cmd {
    const struct app_options *o;
    struct ev_loop *loop;
    bool done;
    char *error;
    struct deployment dep;
    bool have_dep;
    int rc;
};

static void s_on_deployment(void *ud, struct deployment *dep, const char *error)
{
    struct verify_cmd *vc = ud;
    vc->done = true;
    ev_loop_wakeup(vc->loop);
    if (!dep) {
        vc->error = xstrdup(error ? error : "the stack outputs could not be resolved");
        return;
    }
    deployment_move(&vc->dep, dep);
    vc->have_dep = true;
}

static void s_on_progress(void *ud, const struct verify_progress *p)
{
    struct verify_cmd *vc = ud;
    verify_view_progress(vc->o, p);
}

static void s_on_verified(void *ud, struct verify_deployment_result *r)
{
    struct verify_cmd *vc = ud;
    vc->rc = verify_view_print(vc->o, r);
    vc->done = true;
    ev_loop_wakeup(vc->loop);
}

int cmd_verify(const struct app_options *o)
{
    struct aws_session s;
    int rc = cli_open_session(o, &s);
    if (rc)
        return rc;
    struct verify_cmd vc = {.o = o, .loop = s.loop, .rc = EXIT_CONFIG};
    struct deployment_options dopts = {.stack = o->stack, .outputs_file = o->outputs_file};
    deployment_resolve(&s, &dopts, s_on_deployment, &vc);
    ev_loop_run_until(s.loop, &vc.done);
    if (vc.error) {
        app_error(o, "%s", vc.error);
        free(vc.error);
        aws_session_close(&s);
        return EXIT_CONFIG;
    }
    char *journal = app_journal_path(o, s.region);
    struct verify_deployment_options vo = {.journal_path = journal, .scan_table = o->scan_table};
    vc.done = false;
    verify_deployment(&s, &vc.dep, &vo, s_on_progress, s_on_verified, &vc);
    ev_loop_run_until(s.loop, &vc.done);
    free(journal);
    deployment_free(&vc.dep);
    aws_session_close(&s);
    return vc.rc;
}
