"""A certificate authority made by the test run, for the suite's HTTPS pass.

`make check` runs the integration suite with BCM_TEST_TLS=1 (tests/runner.py's default
transport): every emulator endpoint the program is given is then https (a TLS front or a
FaultProxy speaking TLS) with a server certificate for 127.0.0.1 / localhost signed by
this CA, and the program trusts it only through AWS_CA_BUNDLE, exactly as an operator
behind a private CA would.
`other_ca_file()` is a second, unrelated CA: a bundle that does not sign the server.

The keys are made with the `openssl` command (EC P-256: quick) once per process, in a
temporary directory removed at exit; nothing is written to the source tree.
"""
import atexit
import os
import shutil
import ssl
import subprocess
import tempfile
import threading

_lock = threading.Lock()
_dir = None


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def _make_ca(d, name, cn):
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "2", "-subj", f"/CN={cn}",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)


def _make():
    d = tempfile.mkdtemp(prefix="bcm-test-ca-")
    atexit.register(shutil.rmtree, d, True)
    _make_ca(d, "ca", "bedrock-chat-migrate test CA")
    _make_ca(d, "other-ca", "an unrelated CA")
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1", cwd=d)
    with open(os.path.join(d, "server.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext", cwd=d)
    return d


def directory():
    global _dir
    with _lock:
        if _dir is None:
            _dir = _make()
        return _dir


def ca_file():
    """The bundle that trusts the test servers (AWS_CA_BUNDLE)."""
    return os.path.join(directory(), "ca.pem")


def other_ca_file():
    """A bundle of an unrelated CA: the test servers' certificate does not chain to it."""
    return os.path.join(directory(), "other-ca.pem")


def server_context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    d = directory()
    ctx.load_cert_chain(os.path.join(d, "server.pem"), os.path.join(d, "server.key"))
    return ctx


def enabled():
    """True in the suite's HTTPS pass (tests/runner.py sets BCM_TEST_TLS=1 unless --transport plain)."""
    return os.environ.get("BCM_TEST_TLS") == "1"
