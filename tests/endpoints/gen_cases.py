#!/usr/bin/env python3
"""Generates the endpoint cases: where botocore sends each service this program calls,
for regions of every partition, with and without FIPS and dual-stack.

Each case is {service (endpoint prefix), region, fips, dualstack, partition, url}; url is
null where the program refuses the combination: dual-stack in the aws-iso* partitions,
where botocore either refuses too (EndpointVariantError) or falls back to a hostname
outside the partition (api.aws, amazonaws.com), which the generator checks so that a real answer in a
later botocore fails here instead of being missed. tests/unit/test_endpoints.c resolves
every case with src/aws/endpoints.c; tests/integration/test_endpoints_botocore.py
regenerates this file with the installed botocore and checks it matches.

Usage: gen_cases.py [--output FILE]
"""
import argparse
import json
import os
import sys

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import EndpointVariantError

DEFAULT_OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases.json")
# botocore service name -> endpoint prefix, for every service the program calls
SERVICES = {"sts": "sts", "cloudformation": "cloudformation", "dynamodb": "dynamodb",
            "ecs": "ecs", "logs": "logs", "s3": "s3", "ec2": "ec2", "rds-data": "rds-data",
            "rds": "rds", "secretsmanager": "secretsmanager", "bedrock": "bedrock"}
REGIONS_PER_PARTITION = 3
EXTRA_REGIONS = {"aws": ["ap-northeast-1", "eu-west-1", "us-east-1", "us-west-2"]}


def regions():
    data = os.path.join(os.path.dirname(botocore.__file__), "data", "partitions.json")
    with open(data) as f:
        partitions = json.load(f)["partitions"]
    out = []
    for p in partitions:
        names = sorted(r for r in p.get("regions", {}) if not r.startswith("aws-"))
        names = names[:REGIONS_PER_PARTITION] + EXTRA_REGIONS.get(p["id"], [])
        out += [(p["id"], p["outputs"]["dnsSuffix"], r) for r in names]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--output", default=DEFAULT_OUTPUT)
    args = ap.parse_args()
    session = boto3.session.Session(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="x")
    cases = []
    for partition, suffix, region in regions():
        for service, prefix in sorted(SERVICES.items()):
            for fips in (False, True):
                for dualstack in (False, True):
                    cfg = Config(use_fips_endpoint=fips, use_dualstack_endpoint=dualstack,
                                 # the regional us-east-1 name, as this program uses (the
                                 # legacy global s3.amazonaws.com works too)
                                 s3={"addressing_style": "path", "us_east_1_regional_endpoint": "regional"})
                    try:
                        url = session.client(service, region_name=region, config=cfg).meta.endpoint_url
                    except EndpointVariantError:
                        url = None
                    if dualstack and partition.startswith("aws-iso"):
                        if url is not None and url.endswith("." + suffix):
                            sys.exit(f"botocore now resolves {service} {region} dual-stack to {url}: "
                                     "teach src/aws/endpoints.c the iso partition's dual-stack suffix")
                        url = None
                    cases.append({"service": prefix, "region": region, "fips": fips,
                                  "dualstack": dualstack, "partition": partition, "url": url})
    with open(args.output, "w") as f:
        json.dump({"botocore": botocore.__version__, "cases": cases}, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"{len(cases)} cases -> {args.output}")


if __name__ == "__main__":
    main()
