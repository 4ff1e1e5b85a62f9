"""A real PostgreSQL for the tests, started and always stopped by the test run itself.

`Postgres()` runs Debian's PostgreSQL binaries (package `postgresql`, installed by
scripts/deps.sh) with no system service: initdb in a fresh temporary directory, the
server on a free loopback port with its unix socket inside that directory, trust
authentication for loopback only. Several can run at once (the snapshot copy needs a
"snapshot" database beside the v1 one). As root (PostgreSQL refuses to run as root) the
server runs as the `postgres` user through setpriv. It is stopped by stop(), by the
context manager, at interpreter exit, on SIGTERM/SIGINT/SIGHUP (harness.py's cleanup),
and by the kernel when the test process dies (parent-death signal).

`create_v1_items_table()` makes v1's `items` table (cdk setup-pgvector): pgvector is not
packaged for PostgreSQL 15 in Debian bookworm, so `embedding` is a float8[] standing in
for vector(1024); nothing the tool does reads that column.

SQL goes through `PgClient` (pg_worker.py under the system Python with psycopg2):

    with postgres.Postgres() as pg:
        pg.create_v1_items_table()
        db = pg.client()
        db.execute("SELECT count(*) FROM items WHERE botid = :b", {"b": bot_id})
        tx = db.begin(); db.execute("DELETE ...", {...}, tx=tx); db.commit(tx)
"""
import glob
import json
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import harness

HERE = os.path.dirname(os.path.abspath(__file__))
WORKER = os.path.join(HERE, "pg_worker.py")
SYSTEM_PYTHON = "/usr/bin/python3"
READY_TIMEOUT = 60.0
DATABASE = "postgres"
SUPERUSER = "postgres"

V1_ITEMS_DDL = [
    "CREATE TABLE items (id CHAR(26) PRIMARY KEY, botid CHAR(26), content text, source text,"
    " embedding float8[])",
    "CREATE INDEX items_botid_idx ON items (botid)",
]


class PostgresError(RuntimeError):
    pass


def bin_dir():
    """The newest installed PostgreSQL's bin directory (Debian keeps them versioned)."""
    override = os.environ.get("BCM_PG_BIN")
    if override:
        return override
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"),
                   key=lambda p: int(p.split("/")[-3]) if p.split("/")[-3].isdigit() else 0)
    if not found:
        raise PostgresError("PostgreSQL is not installed: run make deps (Debian package postgresql)")
    return os.path.dirname(found[-1])


def available():
    """Why the real database cannot be used here, or None when it can."""
    try:
        bin_dir()
    except PostgresError as e:
        return str(e)
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import psycopg2"], capture_output=True)
    if probe.returncode != 0:
        return "python3-psycopg2 is not installed for /usr/bin/python3: run make deps"
    return None


class Postgres:
    def __init__(self, name="pg"):
        self.name = name
        self.tmpdir = None
        self.port = None
        self.proc = None
        self._lock = threading.RLock()
        self._clients = []

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def dsn(self):
        return f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname={DATABASE}"

    def _as_postgres_user(self):
        """setpriv arguments when running as root, else none."""
        if os.geteuid() != 0:
            return []
        return ["setpriv", "--reuid", SUPERUSER, "--regid", SUPERUSER, "--init-groups",
                "--pdeathsig", "KILL", "--"]

    def start(self):
        harness._install_handlers()
        with harness._live_lock:
            harness._live.add(self)
        try:
            self.tmpdir = tempfile.mkdtemp(prefix=f"bcm-{self.name}-")
            data = os.path.join(self.tmpdir, "data")
            if os.geteuid() == 0:
                pw = pwd.getpwnam(SUPERUSER)
                os.chown(self.tmpdir, pw.pw_uid, pw.pw_gid)
            init = subprocess.run(
                self._as_postgres_user() + [os.path.join(bin_dir(), "initdb"), "-D", data,
                                            "-U", SUPERUSER, "--auth=trust", "-E", "UTF8",
                                            "--locale=C.UTF-8", "--no-sync"],
                capture_output=True, text=True, timeout=120)
            if init.returncode != 0:
                raise PostgresError(f"initdb failed ({init.returncode}):\n{init.stderr[-3000:]}")
            for attempt in range(3):
                self.port = harness.free_port()
                if self._spawn(data):
                    break
                if attempt == 2:
                    raise PostgresError(f"PostgreSQL did not start:\n{self.log_tail()}")
        except BaseException:
            self.stop()
            raise
        return self

    def _spawn(self, data):
        log = open(os.path.join(self.tmpdir, "postgres.log"), "ab")
        try:
            self.proc = subprocess.Popen(
                self._as_postgres_user() + [
                    os.path.join(bin_dir(), "postgres"), "-D", data, "-p", str(self.port),
                    "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.tmpdir}",
                    "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                    "-c", "max_connections=40", "-c", "shared_buffers=16MB"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, preexec_fn=harness._die_with_parent)
        finally:
            log.close()
        deadline = time.monotonic() + READY_TIMEOUT
        ready = os.path.join(bin_dir(), "pg_isready")
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.proc = None
                return False
            probe = subprocess.run([ready, "-q", "-h", "127.0.0.1", "-p", str(self.port), "-U", SUPERUSER],
                                   capture_output=True)
            if probe.returncode == 0:
                return True
            time.sleep(0.1)
        self._kill()
        return False

    def _kill(self):
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            os.killpg(proc.pid, signal.SIGQUIT)    # immediate shutdown, children included
            proc.wait(timeout=15)
        except (ProcessLookupError, PermissionError):
            pass
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=10)

    def stop(self):
        with self._lock:
            for client in self._clients:
                client.close()
            self._clients = []
            self._kill()
            if self.tmpdir and os.path.isdir(self.tmpdir):
                shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None
        with harness._live_lock:
            harness._live.discard(self)

    def log_tail(self, limit=3000):
        try:
            with open(os.path.join(self.tmpdir, "postgres.log"), "rb") as f:
                return f.read()[-limit:].decode(errors="replace")
        except (OSError, TypeError):
            return ""

    def client(self):
        """A new PgClient on this server (closed by stop())."""
        c = PgClient(self.dsn)
        with self._lock:
            self._clients.append(c)
        return c

    def create_v1_items_table(self):
        db = self.client()
        for statement in V1_ITEMS_DDL:
            db.execute(statement)
        return db


class PgClient:
    """One pg_worker process; thread-safe (one request at a time)."""

    def __init__(self, dsn):
        self._lock = threading.Lock()
        self.proc = subprocess.Popen([SYSTEM_PYTHON, WORKER, dsn], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     encoding="utf-8", preexec_fn=harness._die_with_parent)

    def call(self, request):
        """The worker's reply as a dict (ok false on a database error)."""
        with self._lock:
            if self.proc is None:
                raise PostgresError("the database client is closed")
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
        if not line:
            raise PostgresError(f"pg_worker died: {self.proc.stderr.read()[-2000:]}")
        return json.loads(line)

    def execute(self, sql, params=None, tx=None):
        """Rows of a statement; raises PostgresError on a database error."""
        reply = self.call({"op": "execute", "sql": sql, "params": params or {}, "tx": tx})
        if not reply["ok"]:
            raise PostgresError(f"{reply['pgcode']}: {reply['error']}")
        return reply["rows"]

    def begin(self):
        return self.call({"op": "begin"})["tx"]

    def commit(self, tx):
        reply = self.call({"op": "commit", "tx": tx})
        if not reply["ok"]:
            raise PostgresError(reply["error"])

    def rollback(self, tx):
        self.call({"op": "rollback", "tx": tx})

    def counts_by_bot(self):
        return {botid: n for botid, n in self.execute("SELECT botid, count(*) FROM items GROUP BY botid")}

    def close(self):
        with self._lock:
            proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            proc.stdin.close()
            proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait(timeout=10)
        for stream in (proc.stdout, proc.stderr):
            stream.close()
