/* The temporary cluster the copy reads from: v0's snapshot restored next to v1.
 *
 * Owns: creating, in order and each journaled before and after, the temporary Secrets
 * Manager secret holding a new random master password (OpenSSL RAND_bytes; never
 * printed, logged or journaled), an EC2 security group without ingress rules (the Data
 * API needs no network path), the cluster restored from the snapshot (Serverless v2, a
 * small ACU range, v1's subnet group), its db.serverless instance, the new password set
 * on it and the Data API enabled; waiting for each to be available; and removing them
 * all again (instance, cluster without a final snapshot, security group, secret). Every
 * resource carries the run id and the program's name as tags and a name derived from
 * the run id, so a create that was sent before a crash is found and adopted, never
 * repeated: one run never makes a second temporary cluster. */
#ifndef BCM_ENGINE_COPY_TEMP_CLUSTER_H
#define BCM_ENGINE_COPY_TEMP_CLUSTER_H

#include <stdbool.h>
#include <stdint.h>

struct aws_client;
struct journal;
struct copy_view;

/* The tag every created resource carries (value: the run id), and the program tag. */
#define COPY_TAG_RUN "bedrock-chat-migrate:run"
#define COPY_TAG_PROGRAM "created-by"
#define COPY_TAG_PROGRAM_VALUE "bedrock-chat-migrate"

struct temp_cluster_options {
    double min_acu;            /* 0: 0.5 */
    double max_acu;            /* 0: 4 */
    uint64_t poll_min_ms;      /* 0: 2 s (first look at a resource's state) */
    uint64_t poll_max_ms;      /* 0: 15 s */
    uint64_t wait_limit_ms;    /* 0: 90 minutes for any one resource to become ready/gone */
};

/* What is being done, for people (MSG_COPY_CREATING_SECRET … MSG_COPY_DELETING_INSTANCE;
 * MSG_COPY_CLUSTER_STATUS / _INSTANCE_STATUS carry AWS's status as "status"). Valid during
 * the call only. */
struct message;
typedef void (*temp_cluster_progress_fn)(void *ud, const struct message *m);
/* error NULL: done. Otherwise what went wrong and what to do (the journal keeps what
 * exists; running the same command again resumes). Called from the event loop. */
typedef void (*temp_cluster_done_fn)(void *ud, const char *error);

struct temp_cluster_job;

/* Brings the temporary cluster of v's run to "ready for the Data API" (v's header
 * names the snapshot, subnet group and VPC). j may be NULL (nothing journaled). */
struct temp_cluster_job *temp_cluster_ensure(struct aws_client *client, struct journal *j,
                                             struct copy_view *v,
                                             const struct temp_cluster_options *o,
                                             temp_cluster_progress_fn progress,
                                             temp_cluster_done_fn done, void *ud);

/* Deletes whatever v says may exist (intended or created, not yet deleted), in the order
 * AWS allows: instance, cluster (SkipFinalSnapshot; waits until it is gone), security
 * group, secret. Something already gone counts as deleted. */
struct temp_cluster_job *temp_cluster_remove(struct aws_client *client, struct journal *j,
                                             struct copy_view *v,
                                             const struct temp_cluster_options *o,
                                             temp_cluster_progress_fn progress,
                                             temp_cluster_done_fn done, void *ud);

/* Stops at the next step boundary: done is called with "stopped". */
void temp_cluster_cancel(struct temp_cluster_job *job);

/* 32 characters RDS accepts in a master password (no '/', '@', '"', ' '), from
 * RAND_bytes. Caller frees with free_secret. NULL if the random source failed. */
char *temp_cluster_new_password(void);

#endif
