/* The account's quotas that bound how many embedding tasks may usefully run at once,
 * read from Service Quotas rather than assumed: the Fargate On-Demand vCPU count and
 * the Bedrock on-demand requests and tokens per minute of the embedding model.
 *
 * Owns: the quota codes, the GetServiceQuota → GetAWSDefaultServiceQuota fallback and
 * what "not readable" means (no permission, no such quota, a failed call): a reading
 * then stays unknown with the reason, and the plan assumes (engine/estimate/plan.h).
 *
 * Quota codes (service code / quota code):
 *   fargate / L-3032A538  Fargate On-Demand vCPU resource count (AWS ECS service quotas;
 *                         pricing-sources.md)
 *   bedrock / L-9E5BD0C6  On-demand model inference requests per minute for Cohere
 *                         Embed Multilingual
 *   bedrock / L-C2F86908  On-demand model inference tokens per minute for Cohere Embed
 *                         Multilingual
 * The two Bedrock codes come from a public catalogue of Service Quotas codes (a
 * third-party repository's audit of `list-service-quotas` output, read 2026-12); AWS's
 * pages name the quotas but not their codes. A wrong code only makes the reading
 * unknown (NoSuchResourceException), never a wrong bound. */
#ifndef BCM_ENGINE_QUOTAS_H
#define BCM_ENGINE_QUOTAS_H

#include "engine/message/message.h"

#include <stdbool.h>

struct aws_session;
struct cJSON;

#define QUOTA_FARGATE_SERVICE "fargate"
#define QUOTA_FARGATE_VCPU "L-3032A538"
#define QUOTA_BEDROCK_SERVICE "bedrock"
#define QUOTA_BEDROCK_EMBED_RPM "L-9E5BD0C6"
#define QUOTA_BEDROCK_EMBED_TPM "L-C2F86908"

enum quota_source {
    QUOTA_UNKNOWN,  /* not read: why says so */
    QUOTA_APPLIED,  /* GetServiceQuota: the account's applied value */
    QUOTA_DEFAULT,  /* GetAWSDefaultServiceQuota: AWS's default (no applied value) */
};

struct quota_reading {
    const char *service_code;
    const char *quota_code;
    enum quota_source source;
    double value;           /* valid unless QUOTA_UNKNOWN */
    char *why;              /* QUOTA_UNKNOWN: what went wrong ("no permission …") */
    struct message why_msg; /* the same as a message */
};

struct quota_facts {
    struct quota_reading fargate_vcpu;
    struct quota_reading bedrock_rpm;
    struct quota_reading bedrock_tpm;
};

/* Reads the three quotas concurrently in the session's region; done is called from the
 * loop once every reading has an answer (never inline). The facts are valid during the
 * callback; quota_facts_move keeps them. */
typedef void (*quota_facts_done_fn)(void *ud, struct quota_facts *facts);
void quota_facts_read(struct aws_session *s, quota_facts_done_fn done, void *ud);

void quota_facts_move(struct quota_facts *dst, struct quota_facts *src);
void quota_facts_free(struct quota_facts *f);
/* "applied" / "default" / "unknown" */
const char *quota_source_name(enum quota_source s);
/* {service_code, quota_code, source, value (null when unknown), why} */
struct cJSON *quota_reading_to_json(const struct quota_reading *r);

#endif
