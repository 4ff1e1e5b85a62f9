/* `outputs`: the resolved stack outputs and the checklist, for a person or as JSON. */
#include "cli/cli.h"

#include "engine/discover/deployment.h"
#include "util/buf.h"
#include "util/ev_loop.h"
#include "util/mem.h"
#include "util/sanitize.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

struct outputs_state {
    const struct app_options *o;
    bool done;
    int exit_code;
};

static void s_print_value(const char *label, const char *value, const char *origin)
{
    if (!value)
        return;
    char *safe = sanitize_for_terminal(value, strlen(value), 512);
    if (origin) {
        char *from = sanitize_for_terminal(origin, strlen(origin), 160);
        printf("  %-16s %s  (from %s)\n", label, safe, from);
        free(from);
    } else {
        printf("  %-16s %s\n", label, safe);
    }
    free(safe);
}

static const char *s_mark(enum check_state s)
{
    switch (s) {
    case CHECK_OK: return "✓";
    case CHECK_WARN: return "!";
    case CHECK_FAIL: return "✗";
    case CHECK_SKIPPED: return "-";
    default: return "?";
    }
}

static void s_print_human(const struct deployment *d)
{
    const struct stack_outputs *o = &d->outputs;
    char *source = sanitize_for_terminal(d->source ? d->source : "", d->source ? strlen(d->source) : 0, 256);
    printf("Stack outputs from %s\n", source);
    free(source);
    s_print_value("Table", o->table, o->origin[SO_TABLE]);
    s_print_value("Cluster", o->cluster, o->origin[SO_CLUSTER]);
    s_print_value("Task definition", o->task_definition, o->origin[SO_TASK_DEFINITION]);
    s_print_value("  revision", d->task_definition_arn, NULL);
    s_print_value("Container", d->container_name ? d->container_name : o->container,
                  d->container_name && !o->container ? "the task definition" : o->origin[SO_CONTAINER]);
    s_print_value("Security group", o->security_group, o->origin[SO_SECURITY_GROUP]);
    buf_t subnets = BUF_INIT;
    for (size_t i = 0; i < o->nsubnets; i++)
        buf_printf(&subnets, "%s%s", i ? ", " : "", o->subnets[i]);
    s_print_value("Subnets", o->nsubnets ? buf_cstr(&subnets) : NULL, o->origin[SO_PRIVATE_SUBNET]);
    buf_free(&subnets);
    s_print_value("Document bucket", o->document_bucket, o->origin[SO_DOCUMENT_BUCKET]);
    if (d->task_cpu_units || d->task_memory_mib) {
        char *size = xasprintf("%g vCPU / %d MiB%s%s", d->task_cpu_units / 1024.0, d->task_memory_mib,
                               d->cpu_architecture ? ", " : "", d->cpu_architecture ? d->cpu_architecture : "");
        s_print_value("Task size", size, NULL);
        free(size);
    }
    if (d->log_group) {
        char *logs = xasprintf("%s, streams %s/%s/<task id>", d->log_group,
                               d->log_stream_prefix ? d->log_stream_prefix : "?",
                               d->container_name ? d->container_name : "?");
        s_print_value("Logs", logs, NULL);
        free(logs);
    }

    printf("\nChecks\n");
    size_t failed = 0, warned = 0;
    for (size_t i = 0; i < d->nchecks; i++) {
        const struct deployment_check *c = &d->checks[i];
        failed += c->state == CHECK_FAIL;
        warned += c->state == CHECK_WARN;
        char *summary = sanitize_for_terminal(c->summary ? c->summary : "", c->summary ? strlen(c->summary) : 0, 1024);
        printf("  %s %-16s %s\n", s_mark(c->state), c->id, summary);
        free(summary);
        if (c->hint && c->state != CHECK_OK) {
            char *hint = sanitize_for_terminal(c->hint, strlen(c->hint), 1024);
            printf("    → %s\n", hint);
            free(hint);
        }
    }
    if (failed)
        printf("\n%zu check%s failed: fix %s before `plan` or `run`.\n", failed, failed == 1 ? "" : "s",
               failed == 1 ? "it" : "them");
    else if (warned)
        printf("\nUsable, with %zu warning%s: read %s before `run`.\n", warned, warned == 1 ? "" : "s",
               warned == 1 ? "it" : "them");
    else
        printf("\nAll checks passed.\n");
}

static void s_on_deployment(void *ud, struct deployment *d, const char *error)
{
    struct outputs_state *st = ud;
    st->done = true;
    if (!d) {
        app_error(st->o, "%s", error ? error : "the stack outputs could not be resolved");
        st->exit_code = EXIT_CONFIG;
        return;
    }
    st->exit_code = deployment_ok(d) ? EXIT_OK : EXIT_CONFIG;
    if (st->o->json)
        app_print_json(deployment_to_json(d));
    else
        s_print_human(d);
}

int cmd_outputs(const struct app_options *o)
{
    struct aws_session s;
    int rc = cli_open_session(o, &s);
    if (rc)
        return rc;
    struct outputs_state st = {o, false, EXIT_OK};
    struct deployment_options opts = {
        .stack = o->stack,
        .outputs_file = o->outputs_file,
        .check_bucket = o->check_bucket,
    };
    deployment_resolve(&s, &opts, s_on_deployment, &st);
    ev_loop_run_until(s.loop, &st.done);
    aws_session_close(&s);
    return st.exit_code;
}
