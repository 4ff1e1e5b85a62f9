"""An RDS Data API test server: REST-JSON on loopback, running statements on a real PostgreSQL.

moto's rds-data runs no SQL (it replays canned results), so this stands in for the one
service the emulator cannot do. Its wire shapes come from botocore's `rds-data` model:

  * operations POST /Execute, /BatchExecute, /BeginTransaction, /CommitTransaction,
    /RollbackTransaction, with the model's request and reply members;
  * every request body is validated against the model (members, types, required, enums,
    lengths, unions); a violation is answered BadRequestException and recorded in
    `violations`, so a test can assert that the program sent none;
  * SigV4 is checked like the emulator checks it: the signature is recomputed with
    botocore's signer from the key the access key id names, for service rds-data and the
    server's region; a wrong signature is 403 InvalidSignatureException, an unknown key
    403 UnrecognizedClientException;
  * `resourceArn` picks which PostgreSQL (`add_cluster(arn, postgres)`), unknown ones are
    BadRequestException; `secretArn` must name a secret of the emulator's Secrets Manager,
    read with the caller's own key (so IAM on secretsmanager:GetSecretValue is enforced
    by the emulator); rds-data:<Operation> is checked against the caller's IAM policy;
  * errors are the model's: status code from the shape, `x-amzn-ErrorType` header,
    {"message": ...} body; SQL errors are DatabaseErrorException;
  * replies over 1 MiB are refused (BadRequestException), like the real service;
  * `resuming_calls = N` answers DatabaseResumingException to the next N calls (a
    Serverless v2 cluster waking up).

Every request is kept in `requests` ((operation, body) pairs) for tests to inspect, e.g.
that the SQL never selects content or embedding.
"""
import base64
import fnmatch
import gzip
import json
import os
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import botocore
import botocore.auth
import botocore.credentials
import botocore.exceptions
from botocore.awsrequest import AWSRequest

import harness

REPLY_LIMIT = 1024 * 1024
SERVICE = "rds-data"
ROUTES = {
    "/Execute": "ExecuteStatement",
    "/BatchExecute": "BatchExecuteStatement",
    "/BeginTransaction": "BeginTransaction",
    "/CommitTransaction": "CommitTransaction",
    "/RollbackTransaction": "RollbackTransaction",
}
RESUMING_MESSAGE = ("The database is resuming after being auto-paused. "
                    "Please wait a few seconds and try again.")
# PostgreSQL type oid → the Field member the Data API answers with.
LONG_TYPES = {20, 21, 23, 26}          # int8, int2, int4, oid
DOUBLE_TYPES = {700, 701}              # float4, float8
BOOL_TYPES = {16}
BLOB_TYPES = {17}


def load_model():
    root = os.path.join(os.path.dirname(botocore.__file__), "data", SERVICE)
    version = sorted(os.listdir(root))[-1]
    path = os.path.join(root, version, "service-2.json")
    if os.path.exists(path + ".gz"):
        with gzip.open(path + ".gz", "rt", encoding="utf-8") as f:
            return json.load(f)
    with open(path, encoding="utf-8") as f:
        return json.load(f)


# The model caps Arn at 100 characters, but the service takes longer ones: a CDK-named
# Aurora cluster's ARN (the v1 stack's, "bedrockchatstack-vectorstorecluster<hash>-<id>")
# and a secret's are longer, and SDKs that enforce the cap client-side had to drop it
# (soto-project/soto#471). botocore never checks a maximum length itself.
MAX_LENGTH_NOT_ENFORCED = {"Arn"}


class ModelValidator:
    """Checks a JSON body against a botocore shape; returns a list of problems."""

    def __init__(self, model):
        self.shapes = model["shapes"]
        self.operations = model["operations"]

    def request_shape(self, operation):
        return self.operations[operation]["input"]["shape"]

    def validate(self, shape_name, value, path="body"):
        problems = []
        self._check(shape_name, value, path, problems)
        return problems

    def _check(self, name, value, path, out):
        shape = self.shapes[name]
        kind = shape["type"]
        if kind == "structure":
            if not isinstance(value, dict):
                out.append(f"{path}: expected an object for {name}")
                return
            members = shape.get("members", {})
            for key in value:
                if key not in members:
                    out.append(f"{path}.{key}: not a member of {name}")
            for key in shape.get("required", []):
                if key not in value:
                    out.append(f"{path}.{key}: required by {name}")
            if shape.get("union") and len([k for k in value if value[k] is not None]) != 1:
                out.append(f"{path}: the union {name} needs exactly one member, got {sorted(value)}")
            for key, member in members.items():
                if key in value:
                    self._check(member["shape"], value[key], f"{path}.{key}", out)
        elif kind == "list":
            if not isinstance(value, list):
                out.append(f"{path}: expected a list for {name}")
                return
            self._length(shape, len(value), path, name, out)
            for i, item in enumerate(value):
                self._check(shape["member"]["shape"], item, f"{path}[{i}]", out)
        elif kind == "map":
            if not isinstance(value, dict):
                out.append(f"{path}: expected a map for {name}")
                return
            for k, v in value.items():
                self._check(shape["key"]["shape"], k, f"{path} key", out)
                self._check(shape["value"]["shape"], v, f"{path}.{k}", out)
        elif kind == "string":
            if not isinstance(value, str):
                out.append(f"{path}: expected a string for {name}")
                return
            self._length(shape, len(value), path, name, out, check_max=name not in MAX_LENGTH_NOT_ENFORCED)
            if "enum" in shape and value not in shape["enum"]:
                out.append(f"{path}: {value!r} is not one of {shape['enum']}")
        elif kind in ("integer", "long"):
            if not isinstance(value, int) or isinstance(value, bool):
                out.append(f"{path}: expected an integer for {name}")
                return
            if "min" in shape and value < shape["min"] or "max" in shape and value > shape["max"]:
                out.append(f"{path}: {value} outside {shape.get('min')}..{shape.get('max')}")
        elif kind == "boolean":
            if not isinstance(value, bool):
                out.append(f"{path}: expected a boolean for {name}")
        elif kind in ("double", "float"):
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                out.append(f"{path}: expected a number for {name}")
        elif kind == "blob":
            try:
                base64.b64decode(value, validate=True)
            except (TypeError, ValueError):
                out.append(f"{path}: expected base64 for {name}")
        elif kind == "timestamp":
            if not isinstance(value, (int, float, str)):
                out.append(f"{path}: expected a timestamp for {name}")

    @staticmethod
    def _length(shape, n, path, name, out, check_max=True):
        if "min" in shape and n < shape["min"]:
            out.append(f"{path}: length {n} below the minimum {shape['min']} of {name}")
        if check_max and "max" in shape and n > shape["max"]:
            out.append(f"{path}: length {n} above the maximum {shape['max']} of {name}")


def policy_allows(policies, action, resource):
    """A small IAM evaluation: an explicit Deny wins, else any matching Allow."""
    allowed = False
    for doc in policies:
        for st in doc.get("Statement", []):
            actions = st.get("Action", [])
            actions = [actions] if isinstance(actions, str) else actions
            resources = st.get("Resource", "*")
            resources = [resources] if isinstance(resources, str) else resources
            if not any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in actions):
                continue
            if not any(fnmatch.fnmatchcase(resource, r) for r in resources):
                continue
            if st.get("Effect") == "Deny":
                return False
            allowed = True
    return allowed


class ApiError(Exception):
    def __init__(self, code, message, status=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


class DataApiServer:
    """Serves the Data API for an Emulator; `add_cluster(arn, postgres)` per cluster."""

    def __init__(self, emu, region=None):
        self.emu = emu
        self.region = region or emu.region
        self.model = load_model()
        self.validator = ModelValidator(self.model)
        self.clusters = {}                 # arn -> PgClient
        self.patterns = []                 # (fnmatch pattern, Postgres) for restored clusters
        self.keys = {emu.access_key: emu.secret_key}
        self.policies = {emu.access_key: [emu.policy]}
        self.lock = threading.Lock()
        self.requests = []                 # [(operation, body)]
        self.violations = []               # model violations seen
        self.reply_violations = []         # this server's own replies off the model (a bug here)
        self.signature_failures = 0
        self.resuming_calls = 0
        self.resuming_answered = 0
        self.reply_limit = REPLY_LIMIT
        self.transactions = {}             # Data API transaction id -> (arn, worker tx)
        self._server = None
        self._thread = None

    # -- lifecycle --------------------------------------------------------------------

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                server._handle(self)

            def do_GET(self):
                server._reply(self, 404, {"message": "not found"}, "UnknownOperationException")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="data-api", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def add_cluster(self, arn, postgres):
        self.clusters[arn] = postgres.client()

    def add_restored_cluster(self, pattern, postgres):
        """Serves clusters whose ARN matches the fnmatch pattern from postgres, but only once
        the emulator's RDS knows the cluster with its Data API enabled: a restored snapshot
        appears only after RestoreDBClusterFromSnapshot and EnableHttpEndpoint, and is gone
        again once deleted."""
        # The client is made here, on the caller's long-lived thread: a worker started from a
        # request thread would die with that thread (harness._die_with_parent).
        self.patterns.append((pattern, postgres.client()))

    def add_user(self, access_key, secret_key, policies):
        self.keys[access_key] = secret_key
        self.policies[access_key] = list(policies)

    def env(self):
        """The variable that sends the program's Data API calls here."""
        return {"AWS_ENDPOINT_URL_RDS_DATA": self.endpoint}

    def sql_sent(self):
        return [body.get("sql", "") for _, body in self.requests]

    # -- one request --------------------------------------------------------------------

    def _reply(self, handler, status, body, error_type=None):
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        if error_type:
            handler.send_header("x-amzn-ErrorType", error_type)
        handler.end_headers()
        handler.wfile.write(data)

    def _error(self, handler, err):
        status = err.status
        if status is None:
            status = self.model["shapes"].get(err.code, {}).get("error", {}).get("httpStatusCode", 400)
        self._reply(handler, status, {"message": err.message}, err.code)

    def _handle(self, handler):
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        path = handler.path.split("?", 1)[0]
        try:
            access_key = self._check_signature(handler, path, raw)
            operation = ROUTES.get(path)
            if operation is None:
                raise ApiError("UnknownOperationException", f"no operation at {path}", 404)
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                raise ApiError("SerializationException", "the body is not JSON")
            with self.lock:
                self.requests.append((operation, body))
            problems = self.validator.validate(self.validator.request_shape(operation), body)
            if problems:
                with self.lock:
                    self.violations += [f"{operation}: {p}" for p in problems]
                raise ApiError("BadRequestException", "; ".join(problems))
            self._authorize(access_key, operation, body)
            with self.lock:
                if self.resuming_calls > 0:
                    self.resuming_calls -= 1
                    self.resuming_answered += 1
                    raise ApiError("DatabaseResumingException", RESUMING_MESSAGE)
            reply = getattr(self, "_op_" + operation)(body)
            out_shape = self.model["operations"][operation]["output"]["shape"]
            wrong = self.validator.validate(out_shape, reply, "reply")
            if wrong:
                with self.lock:
                    self.reply_violations += [f"{operation}: {p}" for p in wrong]
            data = json.dumps(reply)
            if len(data) > self.reply_limit:
                raise ApiError("BadRequestException",
                               "Database returned more than the allowed response size limit")
            self._reply(handler, 200, reply)
        except ApiError as e:
            self._error(handler, e)
        except Exception as e:   # a bug here must show, not hang the client
            self._reply(handler, 500, {"message": f"{type(e).__name__}: {e}"}, "InternalServerErrorException")

    def _check_signature(self, handler, path, raw):
        auth = handler.headers.get("Authorization") or ""
        if not auth.startswith("AWS4-HMAC-SHA256 "):
            raise ApiError("MissingAuthenticationTokenException", "Missing Authentication Token", 403)
        fields = dict(part.strip().split("=", 1) for part in auth[len("AWS4-HMAC-SHA256 "):].split(","))
        key_id, date, region, service, _ = fields["Credential"].split("/")
        secret = self.keys.get(key_id)
        if secret is None:
            raise ApiError("UnrecognizedClientException", "The security token included in the request is invalid.", 403)
        signed = fields["SignedHeaders"].split(";")
        headers = {h: handler.headers.get(h, "") for h in signed}
        amz_date = handler.headers.get("X-Amz-Date", "")
        request = AWSRequest(method="POST", url=f"http://{handler.headers.get('Host')}{handler.path}",
                             data=raw, headers=headers)
        request.context["timestamp"] = amz_date
        signer = botocore.auth.SigV4Auth(botocore.credentials.Credentials(key_id, secret), SERVICE, self.region)
        expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
        if service != SERVICE or region != self.region or not amz_date.startswith(date) \
                or "host" not in signed or expected != fields["Signature"]:
            with self.lock:
                self.signature_failures += 1
            raise ApiError("InvalidSignatureException",
                           "The request signature we calculated does not match the signature you provided.", 403)
        return key_id

    def _authorize(self, access_key, operation, body):
        arn = body.get("resourceArn", "")
        if not policy_allows(self.policies.get(access_key, []), f"rds-data:{operation}", arn):
            raise ApiError("AccessDeniedException",
                           f"User is not authorized to perform: rds-data:{operation} on resource: {arn}")
        secrets = self.emu.client("secretsmanager", access_key=access_key, secret_key=self.keys[access_key])
        try:
            secrets.get_secret_value(SecretId=body["secretArn"])
        except botocore.exceptions.ClientError as e:
            code = e.response["Error"]["Code"]
            if code in ("AccessDeniedException", "AccessDenied"):
                raise ApiError("BadRequestException",
                               "Error fetching secret: not authorized to perform secretsmanager:GetSecretValue")
            raise ApiError("BadRequestException", "Error fetching secret: Secrets Manager can't find the specified secret.")
        self._resolve_restored(arn)
        if arn not in self.clusters:
            raise ApiError("BadRequestException", f"HttpEndpoint is not enabled for resource {arn}")
        if body.get("database") not in (None, "", "postgres"):
            raise ApiError("DatabaseErrorException", f'FATAL: database "{body["database"]}" does not exist')

    def _resolve_restored(self, arn):
        for pattern, client in self.patterns:
            if not fnmatch.fnmatchcase(arn, pattern):
                continue
            identifier = arn.rsplit(":", 1)[-1]
            try:
                found = self.emu.client("rds").describe_db_clusters(DBClusterIdentifier=identifier)["DBClusters"]
            except botocore.exceptions.ClientError:
                found = []
            live = bool(found) and found[0].get("HttpEndpointEnabled") and found[0].get("Status") != "deleting"
            with self.lock:
                if live and arn not in self.clusters:
                    self.clusters[arn] = client
                elif not live:
                    self.clusters.pop(arn, None)
            return

    # -- operations -------------------------------------------------------------------------

    @staticmethod
    def _param_value(field, hint=None):
        if field.get("isNull"):
            return None
        for key in ("stringValue", "longValue", "doubleValue", "booleanValue"):
            if key in field:
                return field[key]
        if "blobValue" in field:
            return {"blob": field["blobValue"]}
        if "arrayValue" in field:
            arr = field["arrayValue"]
            for key in ("stringValues", "longValues", "doubleValues", "booleanValues"):
                if key in arr:
                    return arr[key]
        raise ApiError("BadRequestException", "unsupported parameter value")

    def _params(self, parameters):
        out = {}
        for p in parameters or []:
            if "name" not in p or "value" not in p:
                raise ApiError("BadRequestException", "every parameter needs a name and a value")
            out[p["name"]] = self._param_value(p["value"], p.get("typeHint"))
        return out

    def _tx(self, body):
        tx_id = body.get("transactionId")
        if not tx_id:
            return None
        with self.lock:
            found = self.transactions.get(tx_id)
        if found is None or found[0] != body["resourceArn"]:
            raise ApiError("NotFoundException", f"Transaction {tx_id} is not found")
        return found[1]

    def _run(self, body, sql, params, tx):
        reply = self.clusters[body["resourceArn"]].call(
            {"op": "execute", "sql": sql, "params": params, "tx": tx})
        if not reply["ok"]:
            raise ApiError("DatabaseErrorException", reply["error"])
        return reply

    @staticmethod
    def _field(value, oid):
        if value is None:
            return {"isNull": True}
        if isinstance(value, dict) and "blob" in value:
            return {"blobValue": value["blob"]}
        if isinstance(value, list):
            if all(isinstance(v, bool) for v in value):
                return {"arrayValue": {"booleanValues": value}}
            if all(isinstance(v, int) for v in value):
                return {"arrayValue": {"longValues": value}}
            if all(isinstance(v, (int, float)) for v in value):
                return {"arrayValue": {"doubleValues": [float(v) for v in value]}}
            return {"arrayValue": {"stringValues": [str(v) for v in value]}}
        if oid in BOOL_TYPES:
            return {"booleanValue": bool(value)}
        if oid in LONG_TYPES:
            return {"longValue": int(value)}
        if oid in DOUBLE_TYPES:
            return {"doubleValue": float(value)}
        return {"stringValue": str(value)}

    def _op_ExecuteStatement(self, body):
        tx = self._tx(body)
        reply = self._run(body, body["sql"], self._params(body.get("parameters")), tx)
        columns = reply["columns"]
        result = {"numberOfRecordsUpdated": 0 if columns else max(reply["rowcount"], 0)}
        if body.get("formatRecordsAs") == "JSON":
            if columns:
                result["formattedRecords"] = json.dumps(
                    [{c["name"]: v for c, v in zip(columns, row)} for row in reply["rows"]])
        elif columns:
            result["records"] = [[self._field(v, c["oid"]) for c, v in zip(columns, row)]
                                 for row in reply["rows"]]
        if body.get("includeResultMetadata") and columns:
            result["columnMetadata"] = [{"name": c["name"], "label": c["name"], "typeName": c["type"],
                                         "nullable": 1} for c in columns]
        return result

    def _op_BatchExecuteStatement(self, body):
        tx = self._tx(body)
        worker = self.clusters[body["resourceArn"]]
        own = tx is None
        if own:
            tx = worker.call({"op": "begin"})["tx"]
        results = []
        try:
            for parameters in body.get("parameterSets") or [[]]:
                self._run(body, body["sql"], self._params(parameters), tx)
                results.append({"generatedFields": []})
        except ApiError:
            if own:
                worker.call({"op": "rollback", "tx": tx})
            raise
        if own:
            worker.call({"op": "commit", "tx": tx})
        return {"updateResults": results}

    def _op_BeginTransaction(self, body):
        tx = self.clusters[body["resourceArn"]].call({"op": "begin"})["tx"]
        tx_id = base64.b64encode(uuid.uuid4().bytes * 2).decode()
        with self.lock:
            self.transactions[tx_id] = (body["resourceArn"], tx)
        return {"transactionId": tx_id}

    def _end(self, body, op, status):
        tx = self._tx(body)
        with self.lock:
            self.transactions.pop(body["transactionId"], None)
        reply = self.clusters[body["resourceArn"]].call({"op": op, "tx": tx})
        if not reply["ok"]:
            raise ApiError("DatabaseErrorException", reply["error"])
        return {"transactionStatus": status}

    def _op_CommitTransaction(self, body):
        return self._end(body, "commit", "Transaction Committed")

    def _op_RollbackTransaction(self, body):
        return self._end(body, "rollback", "Rollback Complete")


def cluster_arn(region, account, identifier):
    return f"arn:aws:rds:{region}:{account}:cluster:{identifier}"


__all__ = ["DataApiServer", "ModelValidator", "load_model", "policy_allows", "cluster_arn", "harness"]
