/* `whoami`: the account, caller, region and credential source, before anything else. */
#include "cli/cli.h"

#include "engine/discover/identity.h"
#include "util/ev_loop.h"
#include "util/mem.h"
#include "util/sanitize.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

struct whoami_state {
    const struct app_options *o;
    bool done;
    int exit_code;
};

static void s_print_field(const char *label, const char *value)
{
    char *safe = sanitize_for_terminal(value ? value : "", value ? strlen(value) : 0, 1024);
    printf("%-12s %s\n", label, safe);
    free(safe);
}

static void s_on_identity(void *ud, const struct identity *id, const char *error)
{
    struct whoami_state *st = ud;
    st->done = true;
    if (!id) {
        app_error(st->o, "%s", error);
        st->exit_code = EXIT_CONFIG;
        return;
    }
    if (st->o->json) {
        app_print_json(identity_to_json(id));
        return;
    }
    s_print_field("Account", id->account);
    s_print_field("Caller", id->arn);
    char *region = xasprintf("%s (from %s)", id->region, id->region_source);
    s_print_field("Region", region);
    free(region);
    s_print_field("Credentials", id->credential_source);
}

int cmd_whoami(const struct app_options *o)
{
    struct aws_session s;
    int rc = cli_open_session(o, &s);
    if (rc)
        return rc;
    struct whoami_state st = {o, false, EXIT_OK};
    identity_fetch(&s, s_on_identity, &st);
    ev_loop_run_until(s.loop, &st.done);
    aws_session_close(&s);
    return st.exit_code;
}
