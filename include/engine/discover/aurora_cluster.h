/* The v1 Aurora cluster (the pgvector store the embedding tasks write to): which one it
 * is, its state, and starting it when the stack's rdbSchedules stopped it.
 *
 * Owns: identifying the cluster (the first label of the DbConfigHostname output, else the
 * stack's AWS::RDS::DBCluster resource), RDS DescribeDBClusters and StartDBCluster, and
 * struct aurora_cluster with the facts later steps need (status, ARN for the Data API,
 * engine, Serverless v2 capacity, whether the Data API is on, creation time). It knows
 * nothing of checks or terminals: the deployment checklist, the wizard's start offer,
 * verification and the snapshot copy all build on it. */
#ifndef BCM_ENGINE_AURORA_CLUSTER_H
#define BCM_ENGINE_AURORA_CLUSTER_H

#include <stdbool.h>
#include <time.h>

struct aws_client;

struct aurora_cluster {
    char *identifier;          /* DBClusterIdentifier (lower case, as RDS keeps it) */
    char *identified_by;       /* "DbConfigHostname" or "stack resource <logical id>" */
    char *status;              /* "available", "stopped", "starting", … */
    char *arn;                 /* DBClusterArn: the Data API's resourceArn */
    char *engine;              /* "aurora-postgresql" */
    char *engine_version;      /* "15.3" */
    char *endpoint;            /* writer endpoint */
    bool serverless_v2;        /* ServerlessV2ScalingConfiguration present */
    double min_acu, max_acu;   /* its capacity range, 0 when not Serverless v2 */
    bool http_endpoint_enabled;/* the RDS Data API is on (v1 enables it) */
    char *create_time;         /* ClusterCreateTime as RDS wrote it, or NULL */
    time_t created;            /* the same, parsed; 0 when unknown */
};

enum aurora_lookup {
    AURORA_FOUND,              /* cluster filled in */
    AURORA_UNIDENTIFIED,       /* no DbConfigHostname and no stack resource to name it */
    AURORA_NOT_FOUND,          /* named, but RDS does not know it (DBClusterNotFoundFault) */
    AURORA_DENIED,             /* the caller may not call the operation */
    AURORA_FAILED,             /* anything else: network, throttling past retries, … */
};

struct aurora_result {
    enum aurora_lookup lookup;
    const struct aurora_cluster *cluster;  /* AURORA_FOUND only */
    const char *identifier;    /* the identifier asked about, when known */
    const char *message;       /* what went wrong (not AURORA_FOUND), for people */
    const char *hint;          /* what to do about it, or NULL */
};

/* The result is valid during the callback only (aurora_cluster_copy keeps the cluster).
 * Callbacks always run from the event loop, never inside the call that started them. */
typedef void (*aurora_done_fn)(void *ud, const struct aurora_result *r);

/* The cluster identifier in an Aurora endpoint hostname ("name.cluster-xyz.region.rds…"
 * → "name", lower-cased), or NULL when the text is not such a hostname. */
char *aurora_cluster_id_from_hostname(const char *hostname);

/* Identifies the cluster (db_hostname first; else, when stack_name is given, the stack's
 * AWS::RDS::DBCluster resource through ListStackResources) and describes it. */
void aurora_cluster_find(struct aws_client *client, const char *db_hostname,
                         const char *stack_name, aurora_done_fn done, void *ud);

/* DescribeDBClusters for one identifier (also how a caller polls while it starts). */
void aurora_cluster_describe(struct aws_client *client, const char *identifier,
                             aurora_done_fn done, void *ud);

/* StartDBCluster. On success the cluster is what RDS answered (status "starting");
 * poll aurora_cluster_describe until it is "available". A cluster that is not stopped
 * comes back as AURORA_FAILED with RDS's InvalidDBClusterStateFault message. */
void aurora_cluster_start(struct aws_client *client, const char *identifier,
                          aurora_done_fn done, void *ud);

/* The AWS CLI command that starts it: "aws rds start-db-cluster --db-cluster-identifier X
 * --region R". Caller frees. */
char *aurora_cluster_start_command(const char *identifier, const char *region);

/* "available" is the only state tasks can write to. */
bool aurora_cluster_is_available(const struct aurora_cluster *c);
/* A state that becomes "available" on its own (starting, modifying, backing-up, …),
 * as opposed to stopped / stopping / deleting / failed ones. */
bool aurora_cluster_status_transient(const char *status);

void aurora_cluster_copy(struct aurora_cluster *dst, const struct aurora_cluster *src);
void aurora_cluster_free(struct aurora_cluster *c);

#endif
