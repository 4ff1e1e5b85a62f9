/* Reading RDS and EC2 query replies for the copy engine: an element's own subtree, its
 * TagList, and error text for people. Private to src/engine/copy/. */
#ifndef BCM_ENGINE_COPY_RDS_REPLY_H
#define BCM_ENGINE_COPY_RDS_REPLY_H

#include <libxml/tree.h>
#include <stdbool.h>

struct aws_error;

/* The text of node's direct child element of that name (never a nested one: a cluster's
 * VpcSecurityGroups have a Status of their own). */
char *rds_child_text(xmlNodePtr node, const char *name);
xmlNodePtr rds_child(xmlNodePtr node, const char *name);
bool rds_is_element(xmlNodePtr n, const char *name);
/* The value of tag `key` in the node's TagList (RDS) or tagSet (EC2), or NULL. */
char *rds_tag_value(xmlNodePtr node, const char *key);
/* "<what> failed: <AWS's error>[. <hint>]" (caller frees). */
char *rds_error_text(const char *what, const struct aws_error *e);
/* The error's code is one of these (NULL-terminated). */
bool rds_error_is(const struct aws_error *e, const char *const *codes);

#endif
