/* The resources of the Bedrock Chat stack, as CloudFormation lists them: what the
 * outputs do not say (the Aurora cluster when DbConfigHostname is missing, a Step
 * Functions state machine that marks a v1.2.5+ release).
 *
 * Owns: ListStackResources with its paging, and lookups by resource type. The caller
 * needs cloudformation:ListStackResources, which the tool treats as optional: a refusal
 * comes back as an error with denied set, for the caller to skip what depended on it. */
#ifndef BCM_ENGINE_STACK_RESOURCES_H
#define BCM_ENGINE_STACK_RESOURCES_H

#include <stdbool.h>
#include <stddef.h>

struct aws_client;

struct stack_resource {
    char *logical_id;      /* "VectorStoreClusterD1A3C4B5" */
    char *physical_id;     /* the resource's own id or ARN, "" while it is being created */
    char *type;            /* "AWS::RDS::DBCluster" */
    char *status;          /* "CREATE_COMPLETE" */
};

struct stack_resources {
    struct stack_resource *items;
    size_t n;
};

struct stack_resources_error {
    char *message;         /* "CloudFormation ListStackResources on X failed: …" */
    const char *hint;      /* static: what to do, or NULL */
    bool denied;           /* the caller lacks the permission */
};

/* res is NULL when the listing failed (err set); both are valid during the callback only. */
typedef void (*stack_resources_done_fn)(void *ud, const struct stack_resources *res,
                                        const struct stack_resources_error *err);

/* Lists every resource of the stack (all pages, at most 10,000 resources). The callback
 * always runs from the event loop. */
void stack_resources_list(struct aws_client *client, const char *stack_name,
                          stack_resources_done_fn done, void *ud);

/* The first resource of that type, or NULL. */
const struct stack_resource *stack_resources_find_type(const struct stack_resources *res,
                                                       const char *type);
void stack_resources_free(struct stack_resources *res);

#endif
