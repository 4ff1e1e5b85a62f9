/* Parameters of one query-protocol request (RDS, EC2), built up by name.
 *
 * Owns: the owned name/value strings until aws_call_query has copied them, and their
 * wiping: a value may be a password (ModifyDBCluster's MasterUserPassword). Private to
 * the copy engine. */
#ifndef BCM_ENGINE_COPY_QUERY_PARAMS_H
#define BCM_ENGINE_COPY_QUERY_PARAMS_H

#include "aws/http_request.h"

#include <stddef.h>

struct query_params {
    struct http_kv *kv;
    size_t n;
    size_t cap;
};

void query_params_add(struct query_params *p, const char *name, const char *value);
void query_params_addf(struct query_params *p, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "<list>.<member>.N.Key" / ".Value" for each pair: RDS's Tags.Tag.N, EC2's
 * TagSpecification.1.Tag.N (prefix "TagSpecification.1.Tag"). */
void query_params_add_tags(struct query_params *p, const char *prefix, const char *const (*tags)[2],
                           size_t ntags);
/* Wipes every value, then frees. */
void query_params_free(struct query_params *p);

#endif
