"""A small Service Quotas server on loopback: the emulator has no Fargate or Bedrock
quotas (moto serves only VPC's), so the program is pointed here with
AWS_ENDPOINT_URL_SERVICE_QUOTAS. Wire shapes are botocore's (awsJson1_1, target
ServiceQuotasV20190624.*; Quota members as in the model); every request body is
validated against the model and its SigV4 credential scope is checked (service
"servicequotas", the expected access key and region); anything wrong is answered with
a 400 and recorded in `problems`, which tests assert empty.

    with FakeServiceQuotas(region, access_key) as fake:
        fake.set("fargate", "L-3032A538", applied=40)          # GetServiceQuota answers 40
        fake.set("bedrock", "L-9E5BD0C6", default=2000)        # only the default is known
        fake.deny("GetServiceQuota")                           # AccessDeniedException
        env = {"AWS_ENDPOINT_URL_SERVICE_QUOTAS": fake.url}
"""
import json
import threading

import botocore_shapes
from loopback_service import LoopbackService

TARGET_PREFIX = "ServiceQuotasV20190624."


class FakeServiceQuotas(LoopbackService):
    content_type = "application/x-amz-json-1.1"
    request_id = "fake-sq-0001"

    def __init__(self, region, access_key):
        self.region = region
        self.access_key = access_key
        self.quotas = {}          # (service, code) -> {"applied": v, "default": v, "name": ...}
        self.denied = set()       # operations answered AccessDeniedException
        self.requests = []        # (operation, body dict)
        self.problems = []        # validation failures (a test asserts this is empty)
        self._lock = threading.Lock()
        super().__init__()

    def answer(self, method, path, headers, body):
        return self._answer(headers, body)

    def set(self, service, code, applied=None, default=None, name=None):
        self.quotas[(service, code)] = {"applied": applied, "default": default, "name": name or code}

    def deny(self, operation):
        self.denied.add(operation)

    def operations(self):
        with self._lock:
            return [op for op, _ in self.requests]

    def _problem(self, text):
        with self._lock:
            self.problems.append(text)
        return 400, {"__type": "ValidationException", "message": text}

    def _answer(self, headers, raw):
        target = headers.get("X-Amz-Target") or headers.get("x-amz-target") or ""
        if not target.startswith(TARGET_PREFIX):
            return self._problem(f"unexpected X-Amz-Target {target!r}")
        operation = target[len(TARGET_PREFIX):]
        ctype = headers.get("Content-Type") or headers.get("content-type") or ""
        if ctype != "application/x-amz-json-1.1":
            return self._problem(f"Content-Type {ctype!r} is not application/x-amz-json-1.1")
        auth = headers.get("Authorization") or headers.get("authorization") or ""
        scope = f"Credential={self.access_key}/"
        if not auth.startswith("AWS4-HMAC-SHA256 ") or scope not in auth or \
                f"/{self.region}/servicequotas/aws4_request" not in auth:
            return self._problem(f"SigV4 scope is not {self.access_key}/…/{self.region}/servicequotas: {auth[:120]!r}")
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            return self._problem("the body is not JSON")
        with self._lock:
            self.requests.append((operation, body))
        if operation not in ("GetServiceQuota", "GetAWSDefaultServiceQuota"):
            return self._problem(f"operation {operation} is not served here")
        errors = botocore_shapes.validate_json("service-quotas", operation, body)
        if errors:
            return self._problem(f"{operation}: " + "; ".join(errors))
        if operation in self.denied:
            return 400, {"__type": "AccessDeniedException",
                         "Message": f"User is not authorized to perform: servicequotas:{operation}"}
        key = (body["ServiceCode"], body["QuotaCode"])
        q = self.quotas.get(key)
        value = None if q is None else q["applied" if operation == "GetServiceQuota" else "default"]
        if value is None:
            return 400, {"__type": "NoSuchResourceException",
                         "Message": f"The request failed because the specified service quota {key[1]} does not exist."}
        return 200, {"Quota": {
            "ServiceCode": key[0], "ServiceName": key[0], "QuotaCode": key[1],
            "QuotaArn": f"arn:aws:servicequotas:{self.region}:123456789012:{key[0]}/{key[1]}",
            "QuotaName": q["name"], "Value": float(value), "Unit": "None", "Adjustable": True,
            "GlobalQuota": False}}
