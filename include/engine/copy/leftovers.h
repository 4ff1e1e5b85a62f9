/* What earlier copies left behind: every instance, cluster, security group and secret
 * that carries the copy's run tag, grouped by run id, whatever journal (if any) knows
 * about them.
 *
 * Owns: the tag sweep (RDS DescribeDBInstances and DescribeDBClusters with their
 * TagLists, Secrets Manager ListSecrets filtered by tag key, EC2 DescribeSecurityGroups
 * filtered by tag key, every page), turned into one copy_view per run that
 * temp_cluster_remove() can delete. */
#ifndef BCM_ENGINE_COPY_LEFTOVERS_H
#define BCM_ENGINE_COPY_LEFTOVERS_H

#include "engine/copy/copy_journal.h"

#include <stddef.h>

struct aws_client;

struct copy_leftovers {
    struct copy_view *runs;    /* run_id and res[] (state CREATED, name, id) filled */
    size_t n;
};

typedef void (*copy_leftovers_done_fn)(void *ud, struct copy_leftovers *found, const char *error);

/* found is the caller's to free (copy_leftovers_free), NULL on error. */
void copy_leftovers_find(struct aws_client *client, copy_leftovers_done_fn done, void *ud);
void copy_leftovers_free(struct copy_leftovers *l);

#endif
