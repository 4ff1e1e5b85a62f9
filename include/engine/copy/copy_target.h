/* Where the copy writes and where its temporary cluster goes: the v1 cluster's ARN (the
 * Data API's resourceArn), its DB subnet group and VPC (the temporary cluster is
 * restored into the same subnets).
 *
 * Owns: RDS DescribeDBClusters of the v1 cluster and DescribeDBSubnetGroups of its
 * subnet group. The cluster's identity (the first label of DbConfigHostname) and its
 * state checks belong to discover/aurora_cluster; this reads the two facts the copy
 * needs beyond them. */
#ifndef BCM_ENGINE_COPY_TARGET_H
#define BCM_ENGINE_COPY_TARGET_H

struct aws_client;

struct copy_target {
    char *cluster_id;
    char *cluster_arn;
    char *status;
    char *subnet_group;
    char *vpc;
};

typedef void (*copy_target_done_fn)(void *ud, const struct copy_target *t, const char *error);

/* cluster_id: the v1 cluster's identifier. t is valid during the callback. */
void copy_target_find(struct aws_client *client, const char *cluster_id, copy_target_done_fn done,
                      void *ud);
void copy_target_copy(struct copy_target *dst, const struct copy_target *src);
void copy_target_free(struct copy_target *t);

#endif
