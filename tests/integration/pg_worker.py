#!/usr/bin/python3
"""Runs SQL for the tests on a PostgreSQL the test run started (see postgres.py).

Why a separate process: the tests' Python (with moto and botocore) is not the system's,
and the reliable PostgreSQL driver on Debian is python3-psycopg2, built for the system's
/usr/bin/python3. A driver gives what the RDS Data API needs and psql cannot give
cleanly: real bound parameters (never text pasted into SQL), typed columns, and a
transaction that stays open across several calls. So the tests' Python talks to this
worker, which runs under /usr/bin/python3, over one JSON object per line:

  request  {"op": "execute", "sql": "...", "params": {"name": value}, "tx": null|"id"}
           {"op": "begin"} / {"op": "commit", "tx": "id"} / {"op": "rollback", "tx": "id"}
  reply    {"ok": true, "columns": [{"name", "oid", "type"}], "rows": [[...]],
            "rowcount": n, "tx": "id"}  or  {"ok": false, "error": "...", "pgcode": "..."}

SQL uses the Data API's named placeholders (:name). Values arrive typed as JSON
(str, int, float, bool, null, {"blob": base64}, lists); results come back the same way
(bytea as {"blob": base64}, numeric and dates as text).
"""
import base64
import datetime
import decimal
import json
import re
import sys
import uuid

import psycopg2
import psycopg2.extensions

psycopg2.extensions.register_type(psycopg2.extensions.UNICODE)
psycopg2.extensions.register_type(psycopg2.extensions.UNICODEARRAY)

_TOKEN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|::|:([A-Za-z_][A-Za-z0-9_]*)|%|[^'\":%]+|.",
                    re.S)


def to_pyformat(sql):
    """:name → %(name)s outside quotes and casts; a literal % becomes %%."""
    out = []
    for m in _TOKEN.finditer(sql):
        text = m.group(0)
        if m.group(1):
            out.append("%(" + m.group(1) + ")s")
        elif text == "%":
            out.append("%%")
        else:
            out.append(text)
    return "".join(out)


def decode_value(v):
    if isinstance(v, dict) and "blob" in v:
        return psycopg2.Binary(base64.b64decode(v["blob"]))
    if isinstance(v, list):
        return [decode_value(x) for x in v]
    return v


def encode_value(v):
    if isinstance(v, (bytes, memoryview, bytearray)):
        return {"blob": base64.b64encode(bytes(v)).decode()}
    if isinstance(v, (decimal.Decimal, datetime.date, datetime.time, datetime.datetime,
                      datetime.timedelta, uuid.UUID)):
        return str(v)
    if isinstance(v, (list, tuple)):
        return [encode_value(x) for x in v]
    if isinstance(v, dict):
        return json.dumps(v)
    return v


class Worker:
    def __init__(self, dsn):
        self.dsn = dsn
        self.auto = None
        self.tx = {}
        self.next_tx = 1
        self.type_names = {}

    def _connect(self, autocommit):
        conn = psycopg2.connect(self.dsn)
        conn.autocommit = autocommit
        return conn

    def _type_name(self, conn, oid):
        if oid not in self.type_names:
            with conn.cursor() as cur:
                cur.execute("SELECT typname FROM pg_type WHERE oid = %s", (oid,))
                row = cur.fetchone()
                self.type_names[oid] = row[0] if row else "unknown"
        return self.type_names[oid]

    def handle(self, req):
        op = req.get("op")
        if op == "begin":
            tx_id = "tx-%06d" % self.next_tx
            self.next_tx += 1
            self.tx[tx_id] = self._connect(autocommit=False)
            return {"ok": True, "tx": tx_id}
        if op in ("commit", "rollback"):
            conn = self.tx.pop(req.get("tx"), None)
            if conn is None:
                return {"ok": False, "error": "no such transaction", "pgcode": "NOTX"}
            try:
                (conn.commit if op == "commit" else conn.rollback)()
            finally:
                conn.close()
            return {"ok": True}
        if op == "execute":
            if req.get("tx"):
                conn = self.tx.get(req["tx"])
                if conn is None:
                    return {"ok": False, "error": "no such transaction", "pgcode": "NOTX"}
            else:
                if self.auto is None or self.auto.closed:
                    self.auto = self._connect(autocommit=True)
                conn = self.auto
            params = {k: decode_value(v) for k, v in (req.get("params") or {}).items()}
            with conn.cursor() as cur:
                cur.execute(to_pyformat(req["sql"]), params)
                columns, rows = [], []
                if cur.description:
                    columns = [{"name": d.name, "oid": d.type_code,
                                "type": self._type_name(conn, d.type_code)} for d in cur.description]
                    rows = [[encode_value(v) for v in row] for row in cur.fetchall()]
                return {"ok": True, "columns": columns, "rows": rows, "rowcount": cur.rowcount}
        return {"ok": False, "error": f"unknown op {op!r}", "pgcode": "BADOP"}


def main():
    worker = Worker(sys.argv[1])
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            reply = worker.handle(json.loads(line))
        except psycopg2.Error as e:
            conn_tx = json.loads(line).get("tx")
            if not conn_tx and worker.auto is not None and worker.auto.closed:
                worker.auto = None
            reply = {"ok": False, "error": (e.pgerror or str(e)).strip(), "pgcode": e.pgcode or ""}
        except Exception as e:   # reported to the caller, never a dead worker
            reply = {"ok": False, "error": f"{type(e).__name__}: {e}", "pgcode": "WORKER"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
