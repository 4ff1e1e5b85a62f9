/* What every embedding task pays to pull its image: Fargate caches no image, so each
 * task downloads the whole of it, and from private subnets whose default route is a NAT
 * gateway those bytes are billed as NAT data processing, unless an S3 gateway endpoint
 * (free) on the subnets' route tables takes the layer downloads (ECR serves layers from
 * S3) off the NAT.
 *
 * Owns: reading the image size (ecr:DescribeImages, imageSizeInBytes, compressed), the
 * private subnets' routes (ec2:DescribeRouteTables) and S3 gateway endpoints
 * (ec2:DescribeVpcEndpoints), and the fix command. Each reading may be unknown (no
 * permission, not an ECR image, a failed call) with the reason; the plan then assumes
 * the stack's layout (NAT, no endpoint) and a 2–3 GB image, and says so. The price and
 * the arithmetic are the plan's (engine/estimate/plan.h). */
#ifndef BCM_ENGINE_IMAGE_PULL_H
#define BCM_ENGINE_IMAGE_PULL_H

#include "engine/message/message.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct aws_session;
struct deployment;
struct cJSON;

enum pull_route {
    PULL_ROUTE_UNKNOWN,   /* route tables not read: why in route_why */
    PULL_ROUTE_NAT,       /* some private subnet pulls through a NAT gateway */
    PULL_ROUTE_ENDPOINT,  /* NAT routes, but an S3 gateway endpoint covers every one */
    PULL_ROUTE_NO_NAT,    /* no private subnet routes to the internet through a NAT */
};

struct image_pull_facts {
    char *image;                 /* the container's image URI (NULL: unknown) */
    bool size_known;
    uint64_t image_bytes;        /* imageSizeInBytes: compressed layers, what is pulled */
    char *size_why;              /* !size_known: why ("no permission ecr:DescribeImages") */
    struct message size_why_msg; /* the same as a message (so for route_why, endpoint_why) */
    enum pull_route route;
    char *route_why;             /* PULL_ROUTE_UNKNOWN: why */
    struct message route_why_msg;
    size_t subnets;              /* the private subnets looked at */
    size_t subnets_via_nat;      /* of them, routed through a NAT and not covered */
    bool endpoint_checked;       /* DescribeVpcEndpoints answered */
    char *endpoint_why;          /* !endpoint_checked: why (routes still show vpce-…) */
    struct message endpoint_why_msg;
    char *vpc_id;
    char **route_tables;         /* the private subnets' route tables, for the fix */
    size_t nroute_tables;
    char *region;
};

typedef void (*image_pull_done_fn)(void *ud, struct image_pull_facts *facts);
/* Reads what can be read for dep (its image, subnets and VPC); done is called from the
 * loop once every call has answered. Valid during the callback; image_pull_move keeps it. */
void image_pull_read(struct aws_session *s, const struct deployment *dep,
                     image_pull_done_fn done, void *ud);
void image_pull_move(struct image_pull_facts *dst, struct image_pull_facts *src);
void image_pull_free(struct image_pull_facts *f);

/* The share of tasks that pull through a NAT (subnets_via_nat / subnets; tasks are
 * spread over the subnets); 1 when the routes are unknown (the stack's layout). */
double image_pull_nat_share(const struct image_pull_facts *f);
/* `aws ec2 create-vpc-endpoint …` that adds the S3 gateway endpoint to the private
 * subnets' route tables (caller frees), or NULL when the VPC or route tables are unknown. */
char *image_pull_fix_command(const struct image_pull_facts *f);
/* Splits an ECR image URI ("ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO:TAG" or
 * "…/REPO@sha256:…") into its parts (caller frees each). Returns false for anything
 * else (Docker Hub, public ECR, a malformed URI). */
bool image_pull_parse_ecr_uri(const char *uri, char **registry_id, char **region,
                              char **repository, char **tag, char **digest);
const char *pull_route_name(enum pull_route r);
struct cJSON *image_pull_to_json(const struct image_pull_facts *f);

#endif
