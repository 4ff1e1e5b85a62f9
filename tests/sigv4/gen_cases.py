#!/usr/bin/env python3
"""Generates the SigV4 differential cases: requests signed by botocore's own signer.

Each case is a request (method, scheme, host, wire path, decoded query parameters,
headers, body), credentials, region, service and a frozen clock, together with every
intermediate botocore computes for it: canonical request, string to sign, signed headers,
scope, payload hash, signature, the Authorization header and the headers the signer adds.
tests/unit/test_sigv4.c signs the same requests with src/aws/sigv4.c and compares each
field; tests/integration/test_sigv4_botocore.py regenerates this file with the installed
botocore and checks it is identical to the committed one.

The cases are random but seeded, so the output is byte-for-byte reproducible. Large
bodies are written as a generator spec ({"repeat": text, "length": n}: the text repeated
and cut to n bytes) instead of inline; small binary bodies as hex.

Usage: gen_cases.py [--output FILE] [--count N] [--seed S]
"""
import argparse
import datetime
import json
import os
import random
import sys
from unittest import mock
from urllib.parse import quote

import botocore.auth
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

DEFAULT_SEED = 20150830
DEFAULT_COUNT = 300
DEFAULT_OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases.json")

REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1",
           "ap-south-1", "sa-east-1", "cn-north-1", "us-gov-west-1", "me-south-1"]
SERVICES = ["s3", "dynamodb", "ecs", "sts", "logs", "cloudformation", "pricing"]

# Path segment material: plain, unreserved, sub-delims sent raw, already-encoded bytes
# (space, unicode, "%2F", lower-case hex), raw unicode and raw spaces.
SEGMENTS = ["a", "bucket", "my-bucket", "key.txt", "runs", "2024", "~user", "a_b", "x-y.z",
            "A", "Z9", "!", "$", "&", "'", "(", ")", "*", "+", ",", ";", "=", ":", "@",
            "%20", "a%20b", "%2F", "a%2Fb", "%2f", "%25", "%E3%81%82", "%E6%97%A5%E6%9C%AC",
            "%F0%9F%98%80", "%7E", "%3A", "%40", "%2B", "%3D", "日本語", "データ", "é",
            "with space", "a+b", "a=b", "a:b", "a@b", "%", "%zz", "-", "_", "..a", ".a", "a."]
SPECIAL_SEGMENTS = ["", ".", ".."]

QUERY_WORDS = ["list-type", "prefix", "delimiter", "max-keys", "continuation-token",
               "encoding-type", "Action", "Version", "a", "A", "b", "B", "aa", "a b", "a-b",
               "a.b", "a_b", "a~b", "a/b", "a+b", "a=b", "a&b", "a%b", "a?b", "a#b", "日本",
               "é", "aé", "ü", "x-id", "uploads", "versionId", "💾", "[x]", "(y)", "*", "!",
               "'", ";", ":", "@", "$", ",", "~", "0", "9", "Z"]
QUERY_VALUES = ["", "1", "2", "10", "url", "runs/a b", "1/abc+def==", "a/b/", "日本語のタイトル",
                "emoji 😀", "space  two", "tab\there", "100%", "%2F", "a+b", "x=y&z=w",
                "?#[]@!$&'()*+,;=", "~-._", "ÄÖÜß", "\u00a0nbsp", "/", "//", ".", "..",
                "CamelCase", "lower", "UPPER", "with\nnewline", "quote\"d", "back\\slash",
                "<xml>", "{json}", "|pipe|", "^caret", "`tick`"]

HEADER_NAMES = ["X-Amz-Target", "Content-Type", "X-Amz-Meta-Title", "x-amz-meta-owner",
                "X-Custom", "Accept", "Cache-Control", "Content-MD5", "X-Amz-Acl",
                "If-None-Match", "Range", "X-Amz-Copy-Source", "X-Amz-Client-Context",
                "x-amz-user-agent", "X-Api-Version", "Origin"]
UNSIGNED_HEADER_NAMES = ["User-Agent", "Expect", "Connection", "X-Amzn-Trace-Id",
                         "Transfer-Encoding", "Keep-Alive", "Proxy-Authorization", "TE",
                         "Trailer", "Upgrade", "Proxy-Authenticate", "Authorization"]
HEADER_VALUES = ["application/x-amz-json-1.0", "application/x-amz-json-1.1",
                 "application/x-www-form-urlencoded; charset=utf-8", "text/plain",
                 "DynamoDB_20120810.GetItem", "AmazonEC2ContainerServiceV20141113.RunTask",
                 "Logs_20140328.GetLogEvents", "bytes=0-99", "*", "max-age=0", "private",
                 "\"etag\"", "x", "1", "", "a,b", "a, b", "value with words",
                 "1B2M2Y8AsgTpgAmY7PhCfg=="]
WHITESPACE = [" ", "  ", "\t", " \t ", "   ", "\t\t", "\x0b", "\x0c"]

TEXT_BODIES = ["", "{}", '{"TableName": "T", "Key": {"pk": {"S": "a"}}}',
               "Action=GetCallerIdentity&Version=2011-06-15",
               "Action=DescribeStacks&Version=2010-05-15&StackName=my%20stack",
               '{"cluster":"c","taskDefinition":"td:1","count":1}',
               '{"title":"日本語のボット","emoji":"😀"}', "plain text\nwith lines\n",
               "<CreateBucketConfiguration/>", " ", "\n"]
LARGE_PATTERNS = ["0123456789abcdef", "The quick brown fox jumps over the lazy dog. ",
                  "{\"k\":\"日本\"}", "x"]

HOSTS = {
    "s3": ["s3.{r}.amazonaws.com", "mybucket.s3.{r}.amazonaws.com", "s3.amazonaws.com",
           "127.0.0.1:5000", "localhost:4566"],
    "other": ["{s}.{r}.amazonaws.com", "{s}.{r}.amazonaws.com.cn", "127.0.0.1:5000",
              "localhost:8000", "{s}.amazonaws.com", "[::1]:5000"],
}


class _Recorder:
    """Keeps what botocore computes along the way of add_auth."""

    def canonical_request(self, request):
        cr = super().canonical_request(request)
        self.recorded["canonical_request"] = cr
        self.recorded["signed_headers"] = self.signed_headers(self.headers_to_sign(request))
        self.recorded["scope"] = self.credential_scope(request)
        self.recorded["payload_hash"] = cr.rsplit("\n", 1)[1]
        return cr

    def string_to_sign(self, request, canonical_request):
        sts = super().string_to_sign(request, canonical_request)
        self.recorded["string_to_sign"] = sts
        return sts

    def signature(self, string_to_sign, request):
        sig = super().signature(string_to_sign, request)
        self.recorded["signature"] = sig
        return sig


class RecordingSigV4Auth(_Recorder, SigV4Auth):
    pass


class RecordingS3SigV4Auth(_Recorder, S3SigV4Auth):
    pass


def body_bytes(spec):
    if "text" in spec:
        return spec["text"].encode("utf-8")
    if "hex" in spec:
        return bytes.fromhex(spec["hex"])
    pattern = spec["repeat"].encode("utf-8")
    n = spec["length"]
    return (pattern * (n // len(pattern) + 1))[:n]


def sign_with_botocore(case):
    creds = Credentials(case["access_key"], case["secret_key"], case["token"])
    cls = RecordingS3SigV4Auth if case["s3"] else RecordingSigV4Auth
    auth = cls(creds, case["service"], case["region"])
    auth.recorded = {}
    url = f'{case["scheme"]}://{case["host"]}{case["path"]}'
    request = AWSRequest(method=case["method"], url=url, data=body_bytes(case["body"]),
                         params=[tuple(q) for q in case["query"]])
    for name, value in case["headers"]:
        request.headers[name] = value  # appends: repeated names stay repeated
    now = datetime.datetime.fromtimestamp(case["time"], datetime.timezone.utc)
    with mock.patch.object(botocore.auth, "get_current_datetime",
                           return_value=now.replace(tzinfo=None)):
        auth.add_auth(request)
    expected = dict(auth.recorded)
    expected["authorization"] = request.headers["Authorization"]
    expected["x_amz_date"] = request.headers["X-Amz-Date"]
    expected["x_amz_security_token"] = request.headers.get("X-Amz-Security-Token")
    expected["x_amz_content_sha256"] = request.headers.get("X-Amz-Content-SHA256")
    return expected


def random_path(rng, s3):
    style = rng.random()
    if style < 0.08:
        return "/"
    nseg = rng.randint(1, 6)
    segs = []
    for _ in range(nseg):
        if rng.random() < 0.2:
            segs.append(rng.choice(SPECIAL_SEGMENTS))
        else:
            segs.append("".join(rng.choice(SEGMENTS) for _ in range(rng.randint(1, 3))))
    path = "/" + "/".join(segs)
    if rng.random() < 0.25:
        path += "/"
    if rng.random() < 0.1:
        path = path.replace("/", "//", 1)
    if s3 and rng.random() < 0.3:
        # What the client sends for an S3 key: each byte encoded once, '/' kept.
        key = "/".join(rng.choice(SEGMENTS + ["日本/語", "a b", "x?y", "#frag"])
                       for _ in range(rng.randint(1, 4)))
        path = "/mybucket/" + quote(key, safe="/~")
    return path


def random_word(rng, words):
    if rng.random() < 0.15:
        return "".join(rng.choice(words) for _ in range(rng.randint(2, 3)))
    return rng.choice(words)


def random_query(rng):
    r = rng.random()
    if r < 0.3:
        return []
    params = []
    for _ in range(rng.randint(1, 8)):
        name = random_word(rng, QUERY_WORDS)
        value = random_word(rng, QUERY_VALUES)
        params.append([name, value])
        if rng.random() < 0.2:  # the same name again, to exercise the value ordering
            params.append([name, random_word(rng, QUERY_VALUES)])
    rng.shuffle(params)
    return params


def padded(rng, value):
    """A header value with random leading, trailing and inner whitespace."""
    if rng.random() < 0.5:
        return value
    words = value.split(" ") if value else [""]
    inner = [w + (rng.choice(WHITESPACE) if i < len(words) - 1 else "")
             for i, w in enumerate(words)]
    return rng.choice(WHITESPACE) + "".join(inner) + rng.choice(WHITESPACE)


def random_headers(rng, service):
    headers = []
    if service == "dynamodb":
        headers.append(["Content-Type", "application/x-amz-json-1.0"])
        headers.append(["X-Amz-Target", "DynamoDB_20120810." +
                        rng.choice(["GetItem", "Scan", "Query", "DescribeTable"])])
    elif service in ("ecs", "logs"):
        headers.append(["Content-Type", "application/x-amz-json-1.1"])
    elif service in ("sts", "cloudformation"):
        headers.append(["Content-Type", "application/x-www-form-urlencoded; charset=utf-8"])
    for _ in range(rng.randint(0, 5)):
        name = rng.choice(HEADER_NAMES)
        if rng.random() < 0.3:
            name = "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in name)
        headers.append([name, padded(rng, rng.choice(HEADER_VALUES))])
        if rng.random() < 0.15:  # repeated header: values joined with ','
            headers.append([name.lower() if rng.random() < 0.5 else name,
                            padded(rng, rng.choice(HEADER_VALUES))])
    if rng.random() < 0.35:
        headers.append([rng.choice(UNSIGNED_HEADER_NAMES), "should-not-be-signed"])
    if rng.random() < 0.08:
        headers.append(["X-Amz-Date", "19990101T000000Z"])  # stale; replaced
    if rng.random() < 0.05:
        headers.append(["Host", padded(rng, "override.example.com")])
    if rng.random() < 0.05:
        headers.append(["X-Amz-Security-Token", "stale-token"])
    if rng.random() < 0.05:
        headers.append(["X-Amz-Content-SHA256", rng.choice(
            ["UNSIGNED-PAYLOAD", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"])])
    rng.shuffle(headers)
    return headers


def random_body(rng, method):
    r = rng.random()
    if method in ("GET", "HEAD", "DELETE") and r < 0.8:
        return {"text": ""}
    if r < 0.06:
        length = rng.choice([1024 * 1024, 1024 * 1024 + 1, 1024 * 1024 - 1, 3 * 1024 * 1024 // 2])
        return {"repeat": rng.choice(LARGE_PATTERNS), "length": length}
    if r < 0.15:
        return {"hex": bytes(rng.randrange(256) for _ in range(rng.randint(1, 64))).hex()}
    return {"text": rng.choice(TEXT_BODIES)}


def random_key(rng, alphabet, n):
    return "".join(rng.choice(alphabet) for _ in range(n))


def random_time(rng):
    fixed = [1440938160,   # 2015-08-30T12:36:00Z, the AWS test suite's clock
             951782400,    # 2000-02-29T00:00:00Z
             1704067199,   # 2023-12-31T23:59:59Z
             1709164800,   # 2024-02-29T00:00:00Z
             0, 2147483647, 4102444800]
    if rng.random() < 0.3:
        return rng.choice(fixed)
    return rng.randint(946684800, 4102444799)


def make_case(rng, index):
    service = SERVICES[index % len(SERVICES)] if index < 40 else rng.choice(SERVICES)
    s3 = service == "s3"
    region = rng.choice(REGIONS)
    method = rng.choice(["GET", "GET", "POST", "POST", "PUT", "DELETE", "HEAD"])
    if not s3 and service != "pricing" and rng.random() < 0.6:
        method = "POST"
    if rng.random() < 0.03:
        method = method.lower()
    scheme = "http" if rng.random() < 0.3 else "https"
    host = rng.choice(HOSTS["s3" if s3 else "other"]).format(s=service, r=region)
    has_port = host.rsplit("]", 1)[-1].count(":") > 0
    if has_port:
        pass
    elif rng.random() < 0.05:
        host += ":443" if scheme == "https" else ":80"
    elif rng.random() < 0.03:
        host += ":443" if scheme == "http" else ":80"
    if rng.random() < 0.05:
        host = host.upper()
    path = random_path(rng, s3) if (s3 or rng.random() < 0.6) else "/"
    token = None
    if rng.random() < 0.45:
        token = random_key(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=",
                           rng.randint(16, 400))
    akid = rng.choice(["AKIA", "ASIA"]) + random_key(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
    secret = random_key(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 40)
    case = {
        "name": f"case-{index:03d}-{service}-{method.lower()}",
        "service": service,
        "region": region,
        "s3": s3,
        "time": random_time(rng),
        "access_key": akid,
        "secret_key": secret,
        "token": token,
        "method": method,
        "scheme": scheme,
        "host": host,
        "path": path,
        "query": random_query(rng) if (s3 or rng.random() < 0.5) else [],
        "headers": random_headers(rng, service),
        "body": random_body(rng, method.upper()),
    }
    case["expected"] = sign_with_botocore(case)
    return case


def fixed_cases():
    """Known requests, so a reader can check a few by hand."""
    base = {"access_key": "AKIDEXAMPLE", "secret_key": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "region": "us-east-1", "time": 1440938160, "token": None, "scheme": "https",
            "query": [], "headers": [], "body": {"text": ""}}
    cases = [
        dict(base, name="fixed-get-vanilla", service="service", s3=False, method="GET",
             host="example.amazonaws.com", path="/"),
        dict(base, name="fixed-s3-list-objects-v2", service="s3", s3=True, method="GET",
             host="s3.us-east-1.amazonaws.com", path="/mybucket",
             query=[["list-type", "2"], ["prefix", "runs/a b"],
                    ["continuation-token", "1/abc+def=="], ["encoding-type", "url"]]),
        dict(base, name="fixed-dynamodb-getitem-token", service="dynamodb", s3=False,
             method="POST", host="dynamodb.us-east-1.amazonaws.com", path="/",
             token="SESSIONTOKEN",
             headers=[["Content-Type", "application/x-amz-json-1.0"],
                      ["X-Amz-Target", "DynamoDB_20120810.GetItem"]],
             body={"text": '{"TableName": "T", "Key": {"pk": {"S": "a"}}}'}),
        dict(base, name="fixed-sts-get-caller-identity", service="sts", s3=False,
             method="POST", host="sts.us-east-1.amazonaws.com", path="/",
             headers=[["Content-Type", "application/x-www-form-urlencoded; charset=utf-8"]],
             body={"text": "Action=GetCallerIdentity&Version=2011-06-15"}),
        dict(base, name="fixed-moto-port", service="ecs", s3=False, method="POST",
             scheme="http", host="127.0.0.1:5000", path="/",
             headers=[["Content-Type", "application/x-amz-json-1.1"],
                      ["X-Amz-Target", "AmazonEC2ContainerServiceV20141113.ListClusters"]],
             body={"text": "{}"}),
        dict(base, name="fixed-normalize-path", service="service", s3=False, method="GET",
             host="example.amazonaws.com", path="/a/./b/../c//d%2Fe/%E3%81%82/"),
        dict(base, name="fixed-s3-path-unnormalized", service="s3", s3=True, method="GET",
             host="s3.us-east-1.amazonaws.com", path="/b/./k//x/../%E3%81%82%20y"),
    ]
    for c in cases:
        c["expected"] = sign_with_botocore(c)
    return cases


def generate(count, seed):
    rng = random.Random(seed)
    cases = fixed_cases()
    for i in range(count - len(cases)):
        cases.append(make_case(rng, i))
    return cases


def render(cases, seed):
    """One case per line: small diffs when botocore's behaviour changes."""
    lines = ["{", f' "generator": "tests/sigv4/gen_cases.py", "seed": {seed},',
             f' "count": {len(cases)},', ' "cases": [']
    for i, c in enumerate(cases):
        sep = "," if i < len(cases) - 1 else ""
        lines.append("  " + json.dumps(c, ensure_ascii=False, separators=(",", ":")) + sep)
    lines.append(" ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--output", default=DEFAULT_OUTPUT)
    ap.add_argument("--count", type=int, default=DEFAULT_COUNT)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = ap.parse_args()
    text = render(generate(args.count, args.seed), args.seed)
    with open(args.output, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    print(f"{args.output}: {args.count} cases", file=sys.stderr)


if __name__ == "__main__":
    main()
