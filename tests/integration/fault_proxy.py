"""A fault-injecting HTTP proxy on loopback, between the program and the emulator.

The program is pointed at the proxy (AWS_ENDPOINT_URL=http://127.0.0.1:PROXY); the
proxy forwards every request unchanged (same Host header, so SigV4 still verifies at
the emulator) unless a rule says to fail it. Rules match on the operation (the
X-Amz-Target suffix or the query Action) and can:

  throttle   answer 400 ThrottlingException without forwarding (so nothing happened)
  error5xx   answer 503 without forwarding
  reset      forward, then cut the connection after part of the reply (the call DID happen)
  delay      forward, then hold the reply for `seconds` (past the client's timeout)

Also (additive): `ssl_context` serves the proxy over TLS (an https endpoint with a
certificate the test controls), and `add_rewrite(operation, fn)` passes each forwarded
reply body through fn(body) -> body (hostile bytes the emulator itself cannot store,
such as invalid UTF-8 in a DynamoDB string).

Each rule has a probability (seeded RNG, so a scenario is repeatable) or a `first` count
(fail the first N matching requests). Counters per operation and per outcome are kept
so tests can assert on them, and every request is logged (`requests`, `json_bodies`) so
tests can check what the program sent (e.g. RunTask's networkConfiguration, or that no
write to DynamoDB ever left it).
"""
import http.client
import json
import random
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Rule:
    def __init__(self, operation, action, probability=0.0, first=0, seconds=0.0, when=None):
        self.operation = operation
        self.when = when          # optional predicate on the request headers (dict)
        self.action = action
        self.probability = probability
        self.first = first
        self.seconds = seconds
        self.matched = 0


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
    def __init__(self, upstream_port, seed=1, ssl_context=None):
        self.upstream_port = upstream_port
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
        if ssl_context is not None:
            self.server.socket = ssl_context.wrap_socket(self.server.socket, server_side=True,
                                                         do_handshake_on_connect=False)
            plain_get_request = self.server.get_request

            def get_request():
                conn, addr = plain_get_request()
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

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def add_rule(self, operation, action, probability=0.0, first=0, seconds=0.0, when=None):
        """`when(headers)`, if given, narrows the rule to matching requests (e.g. one
        caller's access key in the Authorization header)."""
        with self.lock:
            self.rules.append(Rule(operation, action, probability, first, seconds, when))

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

    def _decide(self, operation, headers=None):
        with self.lock:
            for rule in self.rules:
                if rule.operation not in (operation, "*"):
                    continue
                if rule.when is not None and not rule.when(headers or {}):
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
        rule = self._decide(operation, dict(handler.headers.items()))
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
