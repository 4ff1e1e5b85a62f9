"""The base of the harness's small AWS stand-ins (fake_bedrock.py, fake_service_quotas.py):
a threaded HTTP server on loopback that answers every request with JSON. A subclass says
what to answer in answer(method, path, headers, body) -> (status, document) or
(status, document, x-amzn-ErrorType), and which Content-Type its protocol uses."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LoopbackService:
    content_type = "application/json"
    request_id = "fake-0001"

    def __init__(self):
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _serve(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, doc, *error_type = service.answer(method, self.path, dict(self.headers), body)
                data = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", service.content_type)
                self.send_header("x-amzn-RequestId", service.request_id)
                if error_type and error_type[0]:
                    self.send_header("x-amzn-ErrorType", error_type[0])
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._serve("GET")

            def do_POST(self):
                self._serve("POST")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def answer(self, method, path, headers, body):
        raise NotImplementedError

    @property
    def url(self):
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
