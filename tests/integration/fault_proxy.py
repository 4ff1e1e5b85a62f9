"""A fault-injecting HTTP proxy on loopback, between the program and the emulator.

The program is pointed at the proxy (AWS_ENDPOINT_URL=http://127.0.0.1:PROXY); the
proxy forwards every request unchanged (same Host header, so SigV4 still verifies at
the emulator) unless a rule says to fail it. Rules match on the operation (the
X-Amz-Target suffix or the query Action) and can:

  throttle   answer 400 ThrottlingException without forwarding (so nothing happened)
  error5xx   answer 503 without forwarding
  reset      forward, then cut the connection after part of the reply (the call DID happen)
  delay      forward, then hold the reply for `seconds` (past the client's timeout)
  answer     reply `status` with `body` (JSON-encoded when not bytes) without forwarding,
             e.g. a RunTask 200 that carries only failures[] (nothing started)

Also (additive): `ssl_context` serves the proxy over TLS (an https endpoint with a
certificate the test controls), and `add_rewrite(operation, fn)` passes each forwarded
reply body through fn(body) -> body (hostile bytes the emulator itself cannot store,
such as invalid UTF-8 in a DynamoDB string).

Real-AWS mode (`real_aws=RealAws(...)`): what the emulator forgives and AWS does not.
Each request waits `latency` seconds before it is forwarded; documented token buckets per
account and region (RunTask 20/s burst and sustained, the Fargate task-launch bucket of
100 refilling 20/s, ECS reads, CloudWatch Logs, DynamoDB and CloudFormation at documented
or conservative rates) answer `ThrottlingException` / `Throttling` ("Rate exceeded")
without forwarding when empty; DescribeTasks answers `failures[{reason: MISSING}]` for a
task during its first `missing_seconds` after RunTask (ECS is eventually consistent) and
for ids it does not know (moto drops them silently); ListTasks(desiredStatus=STOPPED)
forgets a task `forget_stopped_after` seconds after it stopped (its stop first seen by
the proxy, else its launch), and DescribeTasks answers MISSING for it after
`describe_retention`. Ages run on the proxy clock (`now()`), which tests move forward
with `advance(seconds)` ("two hours later") instead of waiting.

Each rule has a probability (seeded RNG, so a scenario is repeatable) or a `first` count
(fail the first N matching requests). Counters per operation and per outcome are kept
so tests can assert on them, and every request is logged (`requests`, `json_bodies`) so
tests can check what the program sent (e.g. RunTask's networkConfiguration, or that no
write to DynamoDB ever left it).
"""
import http.client
import json
import os
import random
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Rule:
    def __init__(self, operation, action, probability=0.0, first=0, seconds=0.0, when=None,
                 body=None, status=200):
        self.operation = operation
        self.body = body
        self.status = status
        self.when = when          # optional predicate on the request headers (dict)
        self.action = action
        self.probability = probability
        self.first = first
        self.seconds = seconds
        self.matched = 0


class TokenBucket:
    """A token bucket on the proxy clock: `capacity` tokens, refilled `rate` per second."""

    def __init__(self, capacity, rate):
        self.capacity = float(capacity)
        self.rate = float(rate)
        self.tokens = float(capacity)
        self.at = None

    def take(self, now, n=1):
        if self.at is not None:
            self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= n:
            self.tokens -= n
            return True
        return False


# Buckets per account and region: (capacity, refill per second). RunTask and the Fargate
# task-launch bucket are AWS's documented figures (aws-api.md, "Rate limits"); the ECS
# reads use the documented cluster-read bucket (50) with a conservative 20/s refill;
# GetLogEvents is CloudWatch Logs' documented 25 requests/s; DynamoDB has no per-call
# rate (capacity units instead), so a conservative 100/50; CloudFormation and STS are
# conservative.
REAL_AWS_BUCKETS = {
    "RunTask": (20, 20),
    "DescribeTasks": (50, 20), "ListTasks": (50, 20), "DescribeTaskDefinition": (50, 20),
    "DescribeClusters": (50, 20), "StopTask": (50, 20),
    "BatchGetItem": (100, 50), "GetItem": (100, 50), "Scan": (100, 50), "DescribeTable": (100, 50),
    "GetLogEvents": (25, 25),
    "DescribeStacks": (10, 5), "ListStacks": (10, 5),
    "GetCallerIdentity": (50, 20),
}
FARGATE_LAUNCH_BUCKET = (100, 20)


class RealAws:
    """Settings of FaultProxy's real-AWS mode (see the module's docstring)."""

    def __init__(self, latency=0.03, buckets=None, launch_bucket=FARGATE_LAUNCH_BUCKET,
                 missing_seconds=3.0, forget_stopped_after=3600.0, describe_retention=3600.0):
        self.latency = latency
        self.buckets = dict(REAL_AWS_BUCKETS if buckets is None else buckets)
        self.launch_bucket = launch_bucket
        self.missing_seconds = missing_seconds
        self.forget_stopped_after = forget_stopped_after
        self.describe_retention = describe_retention


class RequestRecord:
    def __init__(self, operation, method, path, headers, body):
        self.operation = operation
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body or b"{}")


class FaultProxy:
    def __init__(self, upstream_port, seed=1, ssl_context=None, real_aws=None, handshake_failures=0):
        self.upstream_port = upstream_port
        if ssl_context is None and os.environ.get("BCM_TEST_TLS") == "1":
            import tls_ca  # the suite's HTTPS pass: every proxy speaks TLS with the test CA
            ssl_context = tls_ca.server_context()
        self.scheme = "https" if ssl_context is not None else "http"
        self.real_aws = real_aws
        self.clock_offset = 0.0
        self.buckets = {}
        if real_aws is not None:
            self.buckets = {op: TokenBucket(*cr) for op, cr in real_aws.buckets.items()}
            if real_aws.launch_bucket:
                self.buckets["(fargate launches)"] = TokenBucket(*real_aws.launch_bucket)
        self.launched_at = {}     # task ARN -> proxy time its RunTask reply came back
        self.stopped_seen = {}    # task ARN -> proxy time the proxy first saw it STOPPED
        self.missing_answers = 0  # DescribeTasks entries answered MISSING
        # TLS handshakes to cut in the middle (after the ClientHello: nothing was sent)
        self.handshake_failures = handshake_failures
        self.rules = []
        self.rewrites = []        # [(operation, fn)] applied to forwarded reply bodies
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.counts = {}          # (operation, outcome) -> n
        self.down = False         # refuse every request (connection reset at once)
        self.requests = []        # [RequestRecord] in arrival order
        self.active = 0           # requests being handled (forwarded or held) right now
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                proxy._handle(self)

            def do_POST(self):
                proxy._handle(self)

            def do_PUT(self):
                proxy._handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.tls_failures = 0     # TLS handshakes the client abandoned (certificate refused)
        self.handshakes_cut = 0
        if ssl_context is not None:
            self.server.socket = ssl_context.wrap_socket(self.server.socket, server_side=True,
                                                         do_handshake_on_connect=False)
            plain_get_request = self.server.get_request

            def get_request():
                conn, addr = plain_get_request()
                with self.lock:
                    cut = self.handshake_failures > 0
                    if cut:
                        self.handshake_failures -= 1
                        self.handshakes_cut += 1
                if cut:
                    # Read the ClientHello, then hang up: the handshake fails before any
                    # request could be sent (CURLE_SSL_CONNECT_ERROR on the client).
                    try:
                        conn.settimeout(5)
                        socket.socket.recv(conn, 1024)   # the raw bytes, not TLS records
                    except OSError:
                        pass
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    socket.socket.close(conn)
                    raise OSError("handshake cut by the test")
                conn.settimeout(10)
                try:
                    conn.do_handshake()
                except (OSError, ValueError):
                    with self.lock:
                        self.tls_failures += 1
                    conn.close()
                    raise
                conn.settimeout(None)
                return conn, addr
            self.server.get_request = get_request
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    @property
    def url(self):
        """The endpoint URL to give the program (https in the suite's TLS pass)."""
        return f"{self.scheme}://127.0.0.1:{self.port}"

    # -- the real-AWS mode's clock ------------------------------------------------------

    def now(self):
        return time.monotonic() + self.clock_offset

    def advance(self, seconds):
        """Moves the proxy clock forward: ages (MISSING window, forgotten stopped tasks)
        jump; the buckets just refill."""
        with self.lock:
            self.clock_offset += seconds

    def throttled(self, operation):
        return self.count(operation, "throttle")

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def add_rule(self, operation, action, probability=0.0, first=0, seconds=0.0, when=None,
                 body=None, status=200):
        """`when(headers)`, if given, narrows the rule to matching requests (e.g. one
        caller's access key in the Authorization header); a `when` taking two arguments
        gets the request body too."""
        with self.lock:
            self.rules.append(Rule(operation, action, probability, first, seconds, when, body, status))

    def clear_rules(self):
        with self.lock:
            self.rules = []
            self.rewrites = []

    def add_rewrite(self, operation, fn):
        """Forwarded replies to `operation` ("*" for all) have their body replaced by fn(body)."""
        with self.lock:
            self.rewrites.append((operation, fn))

    def count(self, operation, outcome):
        with self.lock:
            return self.counts.get((operation, outcome), 0)

    def operations(self):
        """Every operation name the program sent, in order."""
        with self.lock:
            return [r.operation for r in self.requests]

    def json_bodies(self, operation):
        """Parsed JSON bodies of every request for `operation` (JSON-protocol services)."""
        with self.lock:
            return [r.json() for r in self.requests if r.operation == operation]

    def _bump(self, operation, outcome):
        with self.lock:
            self.counts[(operation, outcome)] = self.counts.get((operation, outcome), 0) + 1

    @staticmethod
    def _operation(handler, body):
        target = handler.headers.get("X-Amz-Target")
        if target:
            return target.rsplit(".", 1)[-1]
        if body.startswith(b"Action="):
            return body.split(b"&", 1)[0][7:].decode(errors="replace")
        return handler.command + " " + handler.path.split("?", 1)[0]

    def _decide(self, operation, headers=None, body=b""):
        with self.lock:
            for rule in self.rules:
                if rule.operation not in (operation, "*"):
                    continue
                if rule.when is not None:
                    two = rule.when.__code__.co_argcount - (1 if hasattr(rule.when, "__self__") else 0) >= 2
                    if not (rule.when(headers or {}, body) if two else rule.when(headers or {})):
                        continue
                rule.matched += 1
                if rule.first and rule.matched <= rule.first:
                    return rule
                if rule.probability and self.rng.random() < rule.probability:
                    return rule
        return None

    @staticmethod
    def _abort(handler):
        # RST instead of FIN: the client sees "connection reset by peer".
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.close_connection = True
        try:
            handler.connection.close()
        except OSError:
            pass

    def _reply(self, handler, status, body, headers=()):
        handler.send_response(status)
        for k, v in headers:
            handler.send_header(k, v)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def in_flight(self):
        """Requests still being handled: after killing the program, wait for 0 before
        asking the emulator what happened, so a forwarded call cannot land later."""
        with self.lock:
            return self.active

    def _handle(self, handler):
        with self.lock:
            self.active += 1
        try:
            self._handle_one(handler)
        finally:
            with self.lock:
                self.active -= 1

    def _bucket_refuses(self, operation, body):
        """Real-AWS mode: takes this request's tokens, or says it is throttled."""
        with self.lock:
            bucket = self.buckets.get(operation)
            now = self.now()
            if bucket is not None and not bucket.take(now):
                return True
            launches = self.buckets.get("(fargate launches)")
            if operation == "RunTask" and launches is not None:
                try:
                    count = int(json.loads(body or b"{}").get("count", 1))
                except (ValueError, AttributeError, TypeError):
                    count = 1
                if not launches.take(now, count):
                    return True
        return False

    def _throttle_reply(self, handler, operation):
        self._bump(operation, "throttle")
        json_proto = "X-Amz-Target" in handler.headers
        if json_proto:
            payload = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()
            self._reply(handler, 400, payload, [("Content-Type", "application/x-amz-json-1.1")])
        else:
            payload = (b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded"
                       b"</Message></Error><RequestId>proxy</RequestId></ErrorResponse>")
            self._reply(handler, 400, payload, [("Content-Type", "text/xml")])

    def _real_aws_reply(self, operation, request_body, data, status):
        """Real-AWS mode: what ECS would have answered instead of the emulator's reply."""
        if status != 200 or operation not in ("RunTask", "DescribeTasks", "ListTasks"):
            return data
        try:
            doc = json.loads(data)
            req = json.loads(request_body or b"{}")
        except ValueError:
            return data
        cfg = self.real_aws
        with self.lock:
            now = self.now()
            if operation == "RunTask":
                for task in doc.get("tasks", []):
                    self.launched_at.setdefault(task.get("taskArn"), now)
                return data
            if operation == "DescribeTasks":
                kept, failures = [], list(doc.get("failures", []))
                for task in doc.get("tasks", []):
                    arn = task.get("taskArn")
                    if task.get("lastStatus") == "STOPPED":
                        self.stopped_seen.setdefault(arn, now)
                    launched = self.launched_at.get(arn)
                    stopped = self.stopped_seen.get(arn)
                    if launched is not None and now - launched < cfg.missing_seconds:
                        failures.append({"arn": arn, "reason": "MISSING"})
                    elif stopped is not None and now - stopped > cfg.describe_retention:
                        failures.append({"arn": arn, "reason": "MISSING"})
                    else:
                        kept.append(task)
                answered = {t.get("taskArn") for t in doc.get("tasks", [])}
                for wanted in req.get("tasks", []):
                    if wanted not in answered and not any(wanted.endswith("/" + a.rsplit("/", 1)[-1])
                                                          for a in answered):
                        failures.append({"arn": wanted, "reason": "MISSING"})
                self.missing_answers += len(failures) - len(doc.get("failures", []))
                doc["tasks"], doc["failures"] = kept, failures
                return json.dumps(doc).encode()
            if req.get("desiredStatus") == "STOPPED":
                kept = []
                for arn in doc.get("taskArns", []):
                    since = self.stopped_seen.get(arn, self.launched_at.get(arn))
                    if since is None:
                        self.stopped_seen[arn] = since = now
                    if now - since <= cfg.forget_stopped_after:
                        kept.append(arn)
                doc["taskArns"] = kept
                return json.dumps(doc).encode()
        return data

    def _handle_one(self, handler):
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        operation = self._operation(handler, body)
        with self.lock:
            self.requests.append(RequestRecord(operation, handler.command, handler.path,
                                               dict(handler.headers.items()), body))
        if self.down:
            self._bump(operation, "refused")
            self._abort(handler)
            return
        if self.real_aws is not None:
            if self.real_aws.latency:
                time.sleep(self.real_aws.latency)
            if self._bucket_refuses(operation, body):
                self._throttle_reply(handler, operation)
                return
        rule = self._decide(operation, dict(handler.headers.items()), body)
        if rule and rule.action == "answer":
            self._bump(operation, "answer")
            payload = rule.body if isinstance(rule.body, bytes) else json.dumps(rule.body).encode()
            self._reply(handler, rule.status, payload, [("Content-Type", "application/x-amz-json-1.1")])
            return
        if rule and rule.action == "throttle":
            self._bump(operation, "throttle")
            json_proto = "X-Amz-Target" in handler.headers
            if json_proto:
                payload = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()
                self._reply(handler, 400, payload, [("Content-Type", "application/x-amz-json-1.1")])
            else:
                payload = (b"<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded"
                           b"</Message></Error><RequestId>proxy</RequestId></ErrorResponse>")
                self._reply(handler, 400, payload, [("Content-Type", "text/xml")])
            return
        if rule and rule.action == "error5xx":
            self._bump(operation, "error5xx")
            self._reply(handler, 503, b"Service Unavailable", [("Content-Type", "text/plain")])
            return

        conn = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=120)
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in ("connection",)}
        conn.request(handler.command, handler.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        with self.lock:
            rewrites = [fn for op, fn in self.rewrites if op in (operation, "*")]
        if self.real_aws is not None:
            data = self._real_aws_reply(operation, body, data, resp.status)
        for fn in rewrites:
            data = fn(data)
        if rule and rule.action == "reset":
            self._bump(operation, "reset")
            handler.send_response(resp.status)
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data[: max(1, len(data) // 3)])
            handler.wfile.flush()
            self._abort(handler)
            return
        if rule and rule.action == "delay":
            self._bump(operation, "delay")
            time.sleep(rule.seconds)
        else:
            self._bump(operation, "forwarded")
        passthrough = [(k, v) for k, v in resp.getheaders()
                       if k.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date")]
        try:
            self._reply(handler, resp.status, data, passthrough)
        except (BrokenPipeError, ConnectionResetError):
            pass
