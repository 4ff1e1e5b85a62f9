/* Snapshots of the replaced v0 Aurora cluster: the source of the copy way.
 *
 * Owns: RDS DescribeDBClusterSnapshots (manual and automated, every page), matching a
 * snapshot to the stack (its aws:cloudformation:stack-name tag, copied from the cluster
 * by CDK's copyTagsToSnapshot, or a cluster identifier CloudFormation derived from the
 * stack's name), leaving out the live v1 cluster's own snapshots, and the operator's
 * choice by identifier or ARN (--snapshot). Knows nothing of terminals. */
#ifndef BCM_ENGINE_COPY_SNAPSHOTS_H
#define BCM_ENGINE_COPY_SNAPSHOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct aws_client;
struct cJSON;

struct copy_snapshot {
    char *id;                  /* DBClusterSnapshotIdentifier */
    char *arn;                 /* DBClusterSnapshotArn */
    char *cluster_id;          /* DBClusterIdentifier of the cluster it was taken from */
    char *type;                /* "manual" / "automated" */
    char *status;              /* "available", "creating", … */
    char *engine;              /* "aurora-postgresql" */
    char *engine_version;
    char *master_username;
    int64_t created_ms;        /* SnapshotCreateTime; 0 when unknown */
    int allocated_gb;          /* AllocatedStorage */
    bool encrypted;
    bool matched_by_tag;       /* the stack-name tag matched (else the identifier did) */
};

struct copy_snapshots {
    struct copy_snapshot *items;   /* newest first */
    size_t n;
    size_t considered;             /* snapshots RDS listed before matching */
};

struct copy_snapshot_query {
    const char *stack;             /* stack name to match (default BedrockChatStack) */
    const char *exclude_cluster;   /* the live v1 cluster's identifier: not a source */
    const char *only;              /* --snapshot: identifier or ARN, taken as named */
};

/* list is valid during the callback; error (for people, with what to do) when the
 * listing failed or --snapshot names nothing usable. */
typedef void (*copy_snapshots_done_fn)(void *ud, const struct copy_snapshots *list,
                                       const char *error);

void copy_snapshots_find(struct aws_client *client, const struct copy_snapshot_query *q,
                         copy_snapshots_done_fn done, void *ud);

/* Whether a snapshot belongs to the stack by its identifier or tags (exposed for tests). */
bool copy_snapshot_matches_stack(const char *stack, const char *cluster_id,
                                 const char *stack_tag);

void copy_snapshot_copy(struct copy_snapshot *dst, const struct copy_snapshot *src);
void copy_snapshot_free(struct copy_snapshot *s);
void copy_snapshots_free(struct copy_snapshots *l);
struct cJSON *copy_snapshot_to_json(const struct copy_snapshot *s);

/* RDS time text ("2024-05-29T10:11:12.345Z") → ms since the epoch; 0 when unreadable. */
int64_t copy_parse_rds_time(const char *text);

#endif
