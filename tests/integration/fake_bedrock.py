"""A small Bedrock (control plane) server on loopback for the model access check: the
emulator has no GetFoundationModelAvailability, so the program is pointed here with
AWS_ENDPOINT_URL_BEDROCK. Wire shapes are botocore's (rest-json, GET
/foundation-model-availability/{modelId}; the reply's members and enums as in the model, and
every reply is itself checked against the output shape). Every request is held against
botocore's model (botocore_model.check_request) and its SigV4 credential scope is checked
(service "bedrock", the expected access key and region); anything wrong is answered with a
400 and recorded in `problems`, which tests assert empty.

    with FakeBedrock(region, access_key) as fake:
        fake.set("cohere.embed-multilingual-v3", authorization="NOT_AUTHORIZED")
        fake.deny()                                    # AccessDeniedException (403)
        env = {"AWS_ENDPOINT_URL_BEDROCK": fake.url}

harness.Emulator runs one for every test (access_key None: any caller), answering that the
embedding model is accessible, as in an account where model access was enabled.
"""
import threading
import urllib.parse

import botocore_model
from loopback_service import LoopbackService

OPERATION = "GetFoundationModelAvailability"
PREFIX = "/foundation-model-availability/"


class _Record:
    def __init__(self, method, path, headers, body):
        self.method, self.path, self.headers, self.body = method, path, headers, body


class FakeBedrock(LoopbackService):
    request_id = "fake-bedrock-0001"

    def __init__(self, region, access_key):
        self.region = region
        self.access_key = access_key
        self.models = {}          # model id -> the reply's members
        self.denied = False
        self.status_override = None   # (status, error type) for every request
        self.requests = []        # _Record per request
        self.problems = []
        self._lock = threading.Lock()
        super().__init__()

    def answer(self, method, path, headers, body):
        return self._answer(method, path, headers, body)

    def set(self, model_id, agreement="AVAILABLE", authorization="AUTHORIZED", entitlement="AVAILABLE",
            region="AVAILABLE", agreement_error=None):
        agreement_doc = {"status": agreement}
        if agreement_error is not None:
            agreement_doc["errorMessage"] = agreement_error
        reply = {"modelId": model_id, "agreementAvailability": agreement_doc,
                 "authorizationStatus": authorization, "entitlementAvailability": entitlement,
                 "regionAvailability": region}
        errors = []
        shape = botocore_model.service_model("bedrock").operation_model(OPERATION).output_shape
        botocore_model._check_value(shape, reply, OPERATION, errors)
        if errors:
            raise ValueError(f"not a reply botocore's model allows: {errors}")
        self.models[model_id] = reply

    def deny(self, denied=True):
        self.denied = denied

    def fail_with(self, status, error_type):
        self.status_override = (status, error_type)

    def sent(self):
        with self._lock:
            return list(self.requests)

    def _problem(self, text):
        with self._lock:
            self.problems.append(text)
        return 400, {"message": text}, "ValidationException"

    def _answer(self, method, raw_path, headers, body):
        record = _Record(method, raw_path, headers, body)
        with self._lock:
            self.requests.append(record)
        lower = {k.lower(): v for k, v in headers.items()}
        auth = lower.get("authorization", "")
        # access_key None: any caller (the emulator's shared instance serves every test user)
        scope = f"Credential={self.access_key}/" if self.access_key else "Credential="
        # region None: any region (tests that pass --region elsewhere)
        region = f"/{self.region}/bedrock/aws4_request" if self.region else "/bedrock/aws4_request"
        if not auth.startswith("AWS4-HMAC-SHA256 ") or scope not in auth or region not in auth:
            return self._problem(f"SigV4 scope is not {self.access_key}/…/{self.region}/bedrock: {auth[:120]!r}")
        if "x-amz-date" not in lower:
            return self._problem("no X-Amz-Date header")
        errors = botocore_model.check_request("bedrock", record, OPERATION)
        if errors:
            return self._problem("; ".join(errors))
        if self.status_override:
            status, error_type = self.status_override
            return status, {"message": f"fake Bedrock answers {error_type}"}, error_type
        if self.denied:
            return 403, {"message": "User: arn:aws:iam::123456789012:user/bcm-tester is not authorized to "
                                    f"perform: bedrock:{OPERATION} because no identity-based policy allows "
                                    f"the bedrock:{OPERATION} action"}, "AccessDeniedException"
        model_id = urllib.parse.unquote(urllib.parse.urlsplit(raw_path).path[len(PREFIX):])
        reply = self.models.get(model_id)
        if reply is None:
            return 404, {"message": f"The model {model_id} does not exist."}, "ResourceNotFoundException"
        return 200, reply, None
