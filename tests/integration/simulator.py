"""Plays the embedding container for the tasks the program launches in the emulator.

Moto runs no containers, so a background thread does what backend/embedding/main.py does
for each new task in the deployment's cluster, as the release it plays (`contract`):
  "v1.4" (default; v1.2.5 – v1.4.0, what `git checkout v1` deploys today): the keys come
       ONLY from the container override's environment variable EVENT; the command is
       ignored. Without EVENT the real task dies in json.loads(None) before writing
       anything: the simulator logs that traceback and stops the task (exit code 1 in the
       record; moto always reports container exit code 0) with no SyncStatus written.
  "v1.0" (v1.0.0 – v1.2.4): the keys come ONLY from the command override
       ["-u", "embedding/main.py", "{\"PK\": {\"S\": …}, \"SK\": {\"S\": …}}"];
       EVENT is ignored.
Then, with the keys:
  2. writes SyncStatus=RUNNING, SyncStatusReason="", LastExecId=<task id> (never QUEUED);
  3. writes log events to <log_group> stream <prefix>/Container/<task id>;
  4. after a random duration writes SUCCEEDED (reason "No contents to embed." for a bot
     without knowledge) or FAILED with SyncStatusReason (fail_bot_ids), then stops the task
     so ECS shows it STOPPED. crash_bot_ids: the task stops without a final status.
     fail_first_attempts {bot id: n}: that bot's first n tasks fail, later ones succeed.
It records what it saw (`tasks_by_bot`, `max_alive`) so tests can assert one task per bot
and the concurrency the program kept to.

With `db` (a postgres.PgClient on the v1 `items` table) a succeeding task also writes its
vectors as the v1 task does: in one transaction `DELETE FROM items WHERE botid = …` then
one INSERT per chunk (a new ULID id, botid, content, source, a stand-in embedding), and
logs `Number of chunks: N` and `Successfully inserted N records.` with the count it wrote.
Seeded faults: `no_rows_bot_ids` succeed and log N records but write none (the vectors
went missing); `short_rows_bot_ids` {bot id: k} log N but write N - k.

ECS tasks in moto advance a lifecycle step on every describe; the simulator sets the
transition to "manual" with an enormous count, so tasks stay RUNNING until it stops them,
and nobody's describes (the program's or its own) move them along.
"""
import dataclasses
import json
import random
import threading
import time

import botocore.exceptions

DEFAULT_FAIL_REASON = ("botocore.errorfactory.NoSuchKey: An error occurred (NoSuchKey) when "
                       "calling the GetObject operation: The specified key does not exist.")
NO_CONTENTS = "No contents to embed."
STOP_REASON_DONE = "Essential container in task exited"
STOP_REASON_CRASH = "OutOfMemoryError: Container killed due to memory usage"
NEVER = 10 ** 9
CONTRACTS = ("v1.4", "v1.0")
# What v1.2.5+'s main.py prints when EVENT is missing (json.loads(os.getenv("EVENT"))).
NO_EVENT_TRACEBACK = [
    "Traceback (most recent call last):",
    '  File "/src/embedding/main.py", line 213, in <module>',
    '    event = json.loads(os.environ.get("EVENT"))',
    "TypeError: the JSON object must be str, bytes or bytearray, not NoneType",
]


class SimulatorError(RuntimeError):
    pass


TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".csv", ".tsv", ".json", ".html", ".htm", ".xml")
CHUNK_SIZE, CHUNK_OVERLAP = 1000, 200


def _strings(value):
    if not value:
        return []
    if "L" in value:
        return [v.get("S", "") for v in value["L"] if v.get("S")]
    if "SS" in value:
        return list(value["SS"])
    if "S" in value and value["S"]:
        return [value["S"]]
    return []


def _chunk_lengths(chars):
    """The lengths the task's splitter makes of a text of `chars` characters:
    CHUNK_SIZE-character chunks overlapping by CHUNK_OVERLAP, the last one shorter."""
    if chars <= 0:
        return []
    stride = CHUNK_SIZE - CHUNK_OVERLAP
    n = max(1, -(-(chars - CHUNK_OVERLAP) // stride))
    return [CHUNK_SIZE] * (n - 1) + [max(1, chars - stride * (n - 1))]


def embedding_log(rng, item, documents, japanese):
    """What backend/embedding/main.py logs for a bot (the lines the program measures):
    per split document (chunk) its metadata, `{i}th document content length: N` and head
    of content, then `Number of chunks: N` and `Successfully inserted N records.`, from
    the bot's real documents (text files all text, PDFs and office files 20-50 % of their
    size, Japanese text 3 bytes a character) and crawled pages of 3-30 KB (a sitemap
    3-12 pages). Returns (lines, total characters embedded)."""
    knowledge = (item.get("Knowledge") or {}).get("M") or {}
    texts = []
    for name, size in sorted((documents or {}).items()):
        if size is None:
            continue
        ratio = 1.0 if name.lower().endswith(TEXT_SUFFIXES) else rng.uniform(0.2, 0.5)
        texts.append((name, int(size * ratio / (3 if japanese else 1))))
    for url in _strings(knowledge.get("source_urls")):
        texts.append((url, rng.randint(3_000, 30_000)))
    for url in _strings(knowledge.get("sitemap_urls")):
        for page in range(rng.randint(3, 12)):
            texts.append((f"{url}#page{page}", rng.randint(3_000, 30_000)))
    head = "就業規則の第一条は、この規則の目的を定める。" if japanese else "Section 1. This policy describes how"
    lines, i, total = [], 0, 0
    for source, chars in texts:
        for length in _chunk_lengths(chars):
            lines.append(f"{i}th document metadata: {{'source': '{source}'}}")
            lines.append(f"{i}th document content length: {length}")
            lines.append(f"{i}th document head of content: {head[:30]}")
            total += length
            i += 1
    lines.insert(0, f"Number of chunks: {i}")
    lines.append(f"Successfully inserted {i} records.")
    return lines, total


@dataclasses.dataclass
class TaskRecord:
    arn: str
    task_id: str
    pk: str
    sk: str
    bot_id: str
    command: list
    overrides: dict
    started_by: str
    group: str
    launch_type: str
    task_definition_arn: str
    subnet: str
    security_groups: list
    seen_at: float
    finish_at: float
    has_knowledge: bool = True
    item: dict = None
    outcome: str = "running"   # running | succeeded | failed | crashed | stopped_by_other | unknown_bot
    #                            | no_keys (the release's contract found no keys: no status written)
    reason: str = ""
    keys_from: str = ""        # "EVENT" or "command": where this release read the keys
    exit_code: int = 0         # what the real container would exit with


def _has_knowledge(item):
    """Lenient, like the real task would need to be: any non-empty source counts."""
    knowledge = item.get("Knowledge")
    if not knowledge or "M" not in knowledge:
        return False
    for field in ("source_urls", "sitemap_urls", "filenames"):
        value = knowledge["M"].get(field) or {}
        if value.get("L") or value.get("SS") or value.get("S"):
            return True
    return False


def _parse_keys(text):
    try:
        keys = json.loads(text)
        return keys["PK"]["S"], keys["SK"]["S"]
    except (ValueError, KeyError, TypeError):
        return None, None


def _bot_keys(overrides, container, contract="v1.4"):
    """(pk, sk, command, keys_from) as the release `contract` reads them. pk/sk are None
    when that release finds no usable keys; keys_from is "" when it finds none at all."""
    for override in overrides.get("containerOverrides", []):
        if override.get("name") != container:
            continue
        command = override.get("command") or []
        if contract == "v1.0":
            if len(command) == 3 and command[:2] == ["-u", "embedding/main.py"]:
                pk, sk = _parse_keys(command[2])
                return pk, sk, command, "command"
            # The real container would die on this; the task is recorded as "unknown_bot".
            return None, None, command, "command" if command else ""
        event = next((v.get("value") for v in override.get("environment") or []
                      if v.get("name") == "EVENT"), None)
        if event is None:
            return None, None, command, ""
        pk, sk = _parse_keys(event)
        return pk, sk, command, "EVENT"
    return None, None, None, ""


class Simulator:
    def __init__(self, emu, dep, duration=(0.5, 1.5), fail_bot_ids=(), fail_reason=DEFAULT_FAIL_REASON,
                 crash_bot_ids=(), poll_interval=0.1, seed=1, contract="v1.4", db=None,
                 no_rows_bot_ids=(), short_rows_bot_ids=None, fail_first_attempts=None):
        if contract not in CONTRACTS:
            raise ValueError(f"simulator: contract {contract!r} is not one of {CONTRACTS}")
        self.emu = emu
        self.dep = dep
        self.contract = contract
        self.duration = duration
        self.fail_bot_ids = set(fail_bot_ids)
        # bot id -> how many of its first tasks fail with fail_reason (later ones succeed)
        self.fail_first_attempts = dict(fail_first_attempts or {})
        self.fail_reason = fail_reason
        self.crash_bot_ids = set(crash_bot_ids)
        self.db = db
        self.no_rows_bot_ids = set(no_rows_bot_ids)
        self.short_rows_bot_ids = dict(short_rows_bot_ids or {})
        self.rows_written = {}     # bot id -> rows its latest task wrote
        self.logged_rows = {}      # bot id -> the count its latest task logged
        self.poll_interval = poll_interval
        self.rng = random.Random(seed)
        self.seed = seed
        self.lock = threading.Lock()
        self.tasks = {}            # arn -> TaskRecord, every task ever seen in the cluster
        self.tasks_by_bot = {}     # bot SK -> [TaskRecord] in launch order
        self.max_alive = 0
        self.alive = 0
        self.errors = []
        self.polls = 0
        self.embedded_chars = {}   # bot id -> characters its task logged as embedded
        self._stop = threading.Event()
        self._thread = None
        self._ignored = set()

    # -- lifecycle --------------------------------------------------------------------

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, *exc):
        self.stop(raise_errors=exc_type is None)

    def start(self):
        self.emu.set_ecs_transition(progression="manual", times=NEVER)
        self._ecs = self.emu.client("ecs")
        self._ddb = self.emu.client("dynamodb")
        self._logs = self.emu.client("logs", region=getattr(self.dep, "log_region", None))
        self._ec2 = self.emu.client("ec2")
        # Tasks that ended before this simulator started are history, not its business;
        # tasks still running (a previous simulator's, say) are adopted and finished.
        self._ignored = set(self._list(desiredStatus="STOPPED"))
        self._thread = threading.Thread(target=self._run, name="embedding-simulator", daemon=True)
        self._thread.start()
        return self

    def stop(self, raise_errors=True):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        if raise_errors and self.errors:
            raise SimulatorError("the simulator hit errors:\n" + "\n".join(self.errors))

    # -- what tests ask ---------------------------------------------------------------

    def records(self):
        with self.lock:
            return list(self.tasks.values())

    def task_count(self):
        with self.lock:
            return len(self.tasks)

    def outcomes(self):
        """bot SK -> outcome of its latest task."""
        with self.lock:
            return {sk: recs[-1].outcome for sk, recs in self.tasks_by_bot.items()}

    def wait_for(self, predicate, timeout=30.0, what="condition"):
        """Poll predicate(self) until true; raises with the state seen on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.errors:
                raise SimulatorError("\n".join(self.errors))
            if predicate(self):
                return
            time.sleep(0.02)
        raise AssertionError(f"simulator: {what} not reached within {timeout}s; "
                             f"tasks={self.task_count()} alive={self.alive} outcomes={self.outcomes()}")

    def wait_idle(self, timeout=30.0):
        """Until at least one task was seen and none is still running."""
        self.wait_for(lambda s: s.task_count() > 0 and all(r.outcome != "running" for r in s.records()),
                      timeout, "all tasks finished")

    # -- the thread -------------------------------------------------------------------

    def _run(self):
        while not self._stop.is_set():
            try:
                self._poll()
            except Exception as e:   # recorded, surfaced by stop()/wait_for()
                self.errors.append(f"{type(e).__name__}: {e}")
                if len(self.errors) > 20:
                    return
            self._stop.wait(self.poll_interval)

    def _list(self, **filters):
        arns, token = [], None
        while True:
            kwargs = dict(cluster=self.dep.cluster, **filters)
            if token:
                kwargs["nextToken"] = token
            page = self._ecs.list_tasks(**kwargs)
            arns += page.get("taskArns", [])
            token = page.get("nextToken")
            if not token:
                return arns

    def _poll(self):
        everything = self._list()
        running = set(self._list(desiredStatus="RUNNING"))
        with self.lock:
            new = [a for a in everything if a not in self.tasks and a not in self._ignored]
        for start in range(0, len(new), 100):
            described = self._ecs.describe_tasks(cluster=self.dep.cluster, tasks=new[start:start + 100])
            tasks = described.get("tasks", [])
            groups = self._security_groups(tasks)
            for task in tasks:
                self._begin(task, groups)
        now = time.monotonic()
        with self.lock:
            self.polls += 1
            self.alive = len(running)
            self.max_alive = max(self.max_alive, self.alive)
            active = [r for r in self.tasks.values() if r.outcome == "running"]
        for record in active:
            if record.arn not in running:
                record.outcome = "stopped_by_other"   # someone called StopTask first
            elif now >= record.finish_at:
                self._finish(record)

    @staticmethod
    def _attachment(task):
        for attachment in task.get("attachments", []):
            details = {d["name"]: d["value"] for d in attachment.get("details", [])}
            if "networkInterfaceId" in details:
                return details
        return {}

    def _security_groups(self, tasks):
        """ENI id -> security group ids. DescribeTasks does not echo the network
        configuration, but moto gives each awsvpc task an ENI in the requested groups."""
        enis = [self._attachment(t)["networkInterfaceId"] for t in tasks if self._attachment(t)]
        if not enis:
            return {}
        nics = self._ec2.describe_network_interfaces(NetworkInterfaceIds=enis)["NetworkInterfaces"]
        return {n["NetworkInterfaceId"]: [g["GroupId"] for g in n.get("Groups", [])] for n in nics}

    def _begin(self, task, groups_by_eni):
        arn = task["taskArn"]
        task_id = arn.rsplit("/", 1)[-1]
        overrides = task.get("overrides") or {}
        pk, sk, command, keys_from = _bot_keys(overrides, self.dep.container, self.contract)
        details = self._attachment(task)
        subnet = details.get("subnetId", "")
        groups = groups_by_eni.get(details.get("networkInterfaceId"), [])
        lo, hi = self.duration
        record = TaskRecord(
            arn=arn, task_id=task_id, pk=pk or "", sk=sk or "",
            bot_id=(sk or "").rsplit("#", 1)[-1], command=command or [], overrides=overrides,
            started_by=task.get("startedBy", ""), group=task.get("group", ""),
            launch_type=task.get("launchType", ""), task_definition_arn=task.get("taskDefinitionArn", ""),
            subnet=subnet, security_groups=groups, seen_at=time.monotonic(),
            finish_at=time.monotonic() + self.rng.uniform(lo, hi), keys_from=keys_from)
        with self.lock:
            self.tasks[arn] = record
            self.tasks_by_bot.setdefault(record.sk, []).append(record)
        if task.get("lastStatus") == "STOPPED" or task.get("desiredStatus") == "STOPPED":
            record.outcome = "stopped_by_other"
            return
        if not keys_from and self.contract == "v1.4":
            # v1.2.5+: json.loads(None) before anything else; no status, exit code 1.
            record.outcome, record.exit_code, record.reason = "no_keys", 1, NO_EVENT_TRACEBACK[-1]
            self._log(record, NO_EVENT_TRACEBACK)
            self._ecs.stop_task(cluster=self.dep.cluster, task=arn, reason=STOP_REASON_DONE)
            return
        if not pk or not sk:
            record.outcome = "unknown_bot"
            self._ecs.stop_task(cluster=self.dep.cluster, task=arn, reason=STOP_REASON_DONE)
            return
        item = self._ddb.get_item(TableName=self.dep.table, Key={"PK": {"S": pk}, "SK": {"S": sk}},
                                  ConsistentRead=True).get("Item")
        if item is None:
            # The real task dies on a missing bot; it must not create an item by updating it.
            record.outcome = "unknown_bot"
            self._log(record, [f"Bot not found: {sk}"])
            self._ecs.stop_task(cluster=self.dep.cluster, task=arn, reason=STOP_REASON_DONE)
            return
        record.has_knowledge = _has_knowledge(item)
        record.item = item
        self._update(record, "RUNNING", "")
        self._log(record, [
            f"Start embedding for bot {record.bot_id}",
            "Loading documents: sources={}".format("yes" if record.has_knowledge else "none"),
            "進捗: ドキュメントを読み込み中… \x1b[32mok\x1b[0m",
        ])

    def _finish(self, record):
        if record.bot_id in self.crash_bot_ids:
            record.outcome, record.reason = "crashed", STOP_REASON_CRASH
            self._ecs.stop_task(cluster=self.dep.cluster, task=record.arn, reason=STOP_REASON_CRASH)
            return
        with self.lock:
            attempt = self.tasks_by_bot.get(record.sk, []).index(record) + 1
        if record.bot_id in self.fail_bot_ids or attempt <= self.fail_first_attempts.get(record.bot_id, 0):
            status, reason, lines = "FAILED", self.fail_reason, [
                "Traceback (most recent call last):", f"  {self.fail_reason}", "Embedding failed."]
        elif not record.has_knowledge:
            status, reason, lines = "SUCCEEDED", NO_CONTENTS, [NO_CONTENTS]
        else:
            bot = next((b for b in getattr(self.dep, "bots", []) if b.get("sk") == record.sk), {})
            japanese = any(ord(c) > 0x3000 for c in bot.get("title", ""))
            rng = random.Random(f"{record.bot_id}|{self.seed}")   # the same bot, the same text
            body, chars = embedding_log(rng, getattr(record, "item", {}) or {}, bot.get("documents"),
                                        japanese)
            with self.lock:
                self.embedded_chars[record.bot_id] = chars
            chunks = next(int(line.split()[2]) for line in body if line.startswith("Successfully inserted "))
            self._write_vectors(record.bot_id, chunks)
            status, reason, lines = "SUCCEEDED", "", [*body, "Done."]
        self._log(record, lines)
        self._update(record, status, reason)
        record.outcome, record.reason = status.lower(), reason
        self._ecs.stop_task(cluster=self.dep.cluster, task=record.arn, reason=STOP_REASON_DONE)

    def _write_vectors(self, bot_id, chunks):
        """DELETE then INSERT in one transaction, as the v1 task does (seeded faults aside)."""
        written = chunks
        if bot_id in self.no_rows_bot_ids:
            written = 0
        elif bot_id in self.short_rows_bot_ids:
            written = max(0, chunks - self.short_rows_bot_ids[bot_id])
        with self.lock:
            self.logged_rows[bot_id] = chunks
            self.rows_written[bot_id] = written
        if self.db is None:
            return
        write_vectors(self.db, bot_id, written, self.rng)

    def _update(self, record, status, reason):
        try:
            self._ddb.update_item(
                TableName=self.dep.table, Key={"PK": {"S": record.pk}, "SK": {"S": record.sk}},
                UpdateExpression="SET SyncStatus = :s, SyncStatusReason = :r, LastExecId = :e",
                ConditionExpression="attribute_exists(PK)",
                ExpressionAttributeValues={":s": {"S": status}, ":r": {"S": reason},
                                           ":e": {"S": record.task_id}})
        except botocore.exceptions.ClientError as e:
            if e.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def _log(self, record, lines):
        stream = f"{self.dep.log_prefix}/{self.dep.container}/{record.task_id}"
        try:
            self._logs.create_log_stream(logGroupName=self.dep.log_group, logStreamName=stream)
        except botocore.exceptions.ClientError as e:
            if e.response["Error"]["Code"] != "ResourceAlreadyExistsException":
                raise
        now_ms = int(time.time() * 1000)
        self._logs.put_log_events(logGroupName=self.dep.log_group, logStreamName=stream,
                                  logEvents=[{"timestamp": now_ms + i, "message": line}
                                             for i, line in enumerate(lines)])


def write_vectors(db, bot_id, rows, rng):
    """One bot's vectors, replaced in one transaction: what backend/embedding/main.py does."""
    tx = db.begin()
    try:
        db.execute("DELETE FROM items WHERE botid = :bot", {"bot": bot_id}, tx=tx)
        if rows:
            # One statement for every chunk (the worker round trip per row would dominate).
            db.execute("INSERT INTO items (id, botid, content, source, embedding) "
                       "SELECT unnest(CAST(:ids AS text[])), :bot, unnest(CAST(:contents AS text[])), "
                       "unnest(CAST(:sources AS text[])), CAST(:embedding AS float8[])",
                       {"ids": ["".join(rng.choice("0123456789ABCDEFGHJKMNPQRSTVWXYZ") for _ in range(26))
                                for _ in range(rows)],
                        "bot": bot_id,
                        "contents": [f"SECRET-ROW-CONTENT chunk {i} of {bot_id}" for i in range(rows)],
                        "sources": [f"s3://documents/{bot_id}/{i}.pdf" for i in range(rows)],
                        "embedding": [rng.random() for _ in range(8)]}, tx=tx)
        db.commit(tx)
    except BaseException:
        db.rollback(tx)
        raise
