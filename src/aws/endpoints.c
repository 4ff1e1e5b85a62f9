#include "aws/endpoints.h"

#include "aws/config_file.h"
#include "util/mem.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* botocore's partitions.json: the region prefixes stand for each regionRegex. The iso
 * partitions list a dual-stack suffix there, but no service this program calls resolves
 * to it (botocore refuses or falls back to api.aws, inconsistently): treated as none. */
static const struct {
    const char *prefix;
    struct aws_partition p;
} s_partitions[] = {
    {"cn-", {"aws-cn", "amazonaws.com.cn", "api.amazonwebservices.com.cn"}},
    {"us-gov-", {"aws-us-gov", "amazonaws.com", "api.aws"}},
    {"us-iso-", {"aws-iso", "c2s.ic.gov", NULL}},
    {"us-isob-", {"aws-iso-b", "sc2s.sgov.gov", NULL}},
    {"eu-isoe-", {"aws-iso-e", "cloud.adc-e.uk", NULL}},
    {"us-isof-", {"aws-iso-f", "csp.hci.ic.gov", NULL}},
    {"eusc-", {"aws-eusc", "amazonaws.eu", "api.amazonwebservices.eu"}},
};
static const struct aws_partition s_aws = {"aws", "amazonaws.com", "api.aws"};

const struct aws_partition *aws_partition_for_region(const char *region)
{
    for (size_t i = 0; region && i < sizeof s_partitions / sizeof *s_partitions; i++)
        if (strncmp(region, s_partitions[i].prefix, strlen(s_partitions[i].prefix)) == 0)
            return &s_partitions[i].p;
    return &s_aws;
}

static bool s_true(const char *v)
{
    return v && strcasecmp(v, "true") == 0;
}

/* The environment wins over the profile, as in botocore's config chain. */
static bool s_setting(const struct aws_config *cfg, const char *profile, const char *env,
                      const char *key)
{
    const char *v = getenv(env);
    if (v && *v)
        return s_true(v);
    return cfg && profile && s_true(aws_config_get(cfg, profile, key));
}

struct aws_endpoint_variant aws_endpoint_variant_configured(const struct aws_config *cfg,
                                                            const char *profile)
{
    struct aws_endpoint_variant v = {
        s_setting(cfg, profile, "AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint"),
        s_setting(cfg, profile, "AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint"),
    };
    return v;
}

bool aws_endpoint_urls_ignored(const struct aws_config *cfg, const char *profile)
{
    return s_setting(cfg, profile, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
                     "ignore_configured_endpoint_urls");
}

char *aws_endpoint_default(const char *endpoint_prefix, const char *region,
                           struct aws_endpoint_variant v, char **error)
{
    const struct aws_partition *p = aws_partition_for_region(region);
    const char *fips = v.fips ? "-fips" : "";
    if (v.dualstack && !p->dualstack_suffix) {
        *error = xasprintf("AWS offers no dual-stack endpoints in partition %s (region %s): unset "
                           "AWS_USE_DUALSTACK_ENDPOINT / use_dualstack_endpoint", p->name, region);
        return NULL;
    }
    /* S3 keeps its older dual-stack names (s3.dualstack.<region>.<suffix>) in the aws,
     * aws-us-gov and aws-cn partitions (not for FIPS in China, which follows the common
     * rule). */
    bool legacy_s3 = strcmp(p->name, "aws") == 0 || strcmp(p->name, "aws-us-gov") == 0 ||
                     (strcmp(p->name, "aws-cn") == 0 && !v.fips);
    if (v.dualstack && strcmp(endpoint_prefix, "s3") == 0 && legacy_s3)
        return xasprintf("https://s3%s.dualstack.%s.%s", fips, region, p->dns_suffix);
    /* In GovCloud, CloudFormation, STS, CloudWatch Logs, EC2 and RDS are FIPS endpoints
     * under their plain names; so is RDS in three aws-iso regions (botocore's endpoint data). */
    static const char *const gov_plain_fips[] = {"cloudformation", "sts", "logs", "ec2", "rds"};
    for (size_t i = 0; v.fips && !v.dualstack && strcmp(p->name, "aws-us-gov") == 0 &&
                       i < sizeof gov_plain_fips / sizeof *gov_plain_fips; i++)
        if (strcmp(endpoint_prefix, gov_plain_fips[i]) == 0)
            fips = "";
    static const char *const rds_plain_fips_regions[] = {"us-iso-east-1", "us-iso-west-1", "us-isob-east-1"};
    for (size_t i = 0; v.fips && !v.dualstack && strcmp(endpoint_prefix, "rds") == 0 &&
                       i < sizeof rds_plain_fips_regions / sizeof *rds_plain_fips_regions; i++)
        if (strcmp(region, rds_plain_fips_regions[i]) == 0)
            fips = "";
    return xasprintf("https://%s%s.%s.%s", endpoint_prefix, fips, region,
                     v.dualstack ? p->dualstack_suffix : p->dns_suffix);
}
