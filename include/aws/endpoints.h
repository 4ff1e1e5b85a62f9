/* Where each AWS service answers when nobody configured an endpoint: partitions (aws,
 * aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc), their DNS
 * suffixes, FIPS and dual-stack variants (AWS_USE_FIPS_ENDPOINT,
 * AWS_USE_DUALSTACK_ENDPOINT or the profile's use_fips_endpoint / use_dualstack_endpoint),
 * and whether configured endpoint URLs are ignored (AWS_IGNORE_CONFIGURED_ENDPOINT_URLS or
 * the profile's ignore_configured_endpoint_urls).
 *
 * Owns: the default hostname rules, as botocore resolves them for the services this
 * program calls (tests/endpoints/cases.json is generated from botocore and checked by
 * tests/unit/test_endpoints.c). The client (aws/client.c) owns the overrides. */
#ifndef BCM_AWS_ENDPOINTS_H
#define BCM_AWS_ENDPOINTS_H

#include <stdbool.h>

struct aws_config;

struct aws_partition {
    const char *name;              /* "aws-us-gov": the ARN partition */
    const char *dns_suffix;        /* "amazonaws.com" */
    const char *dualstack_suffix;  /* "api.aws"; NULL where AWS offers no dual-stack endpoints */
};

/* The partition a region belongs to (by its name, like botocore's regionRegex); "aws"
 * for names no other partition claims. Never NULL. */
const struct aws_partition *aws_partition_for_region(const char *region);

struct aws_endpoint_variant {
    bool fips;
    bool dualstack;
};

/* The variant asked for by the environment, else the profile (profile may be NULL). */
struct aws_endpoint_variant aws_endpoint_variant_configured(const struct aws_config *cfg,
                                                            const char *profile);
/* AWS_IGNORE_CONFIGURED_ENDPOINT_URLS / ignore_configured_endpoint_urls: true means the
 * AWS_ENDPOINT_URL* variables and the profile's endpoint_url are not used (--endpoint-url
 * on the command line still is). */
bool aws_endpoint_urls_ignored(const struct aws_config *cfg, const char *profile);

/* "https://ecs-fips.us-gov-west-1.amazonaws.com" for endpoint prefix "ecs"; NULL with
 * *error (caller frees both) when the partition offers no such variant. */
char *aws_endpoint_default(const char *endpoint_prefix, const char *region,
                           struct aws_endpoint_variant v, char **error);

#endif
