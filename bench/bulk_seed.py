"""Large tables for the benchmarks: bots, aliases and conversations in bulk.

tests/integration/seed.py builds one realistic deployment (stack, table, cluster, task
definition, a few dozen bots of every odd shape). This module adds the bulk on top of such
a deployment so a table holds thousands of bots among hundreds of thousands of items, as
a long-lived Bedrock Claude Chat table does. Seeding time is not measured, so it writes
with BatchWriteItem from several threads; every item is deterministic for the arguments.

Shapes follow the v0 backend: every bot carries LastBotUsed (the backend sets it when the
bot is stored), 70 % have URLs, 20 % have files (with small objects in S3 so the
program's per-bot listing finds them), 10 % have no knowledge at all; one alias per six
bots; the rest of the item budget is conversations of one to four kilobytes.
"""
import concurrent.futures
import json
import random
import threading

BASE_TIME_MS = 1_700_000_000_000
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
WRITERS = 6
BATCH = 25


def _ulid(rng, ms):
    t = "".join(CROCKFORD[(ms >> (5 * i)) & 31] for i in reversed(range(10)))
    return t + "".join(rng.choice(CROCKFORD) for _ in range(16))


def _user(rng):
    h = "%032x" % rng.getrandbits(128)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def _s(v):
    return {"S": v}


def _n(v):
    return {"N": str(v)}


def _strings(values):
    return {"L": [_s(v) for v in values]}


class BulkResult:
    """What was added: counts, and the bots (pk, sk, bot_id, has_knowledge)."""

    def __init__(self):
        self.bots = []
        self.aliases = 0
        self.conversations = 0
        self.s3_objects = 0

    @property
    def items(self):
        return len(self.bots) + self.aliases + self.conversations


def bot_items(rng, count, users, tag):
    """(items, bots, files) for `count` bots spread over `users`."""
    items, bots, files = [], [], []
    for i in range(count):
        user = users[i % len(users)]
        created = BASE_TIME_MS + i * 60_000 + rng.randint(0, 59_999)
        bot_id = _ulid(rng, created)
        kind = i % 10
        if kind < 7:
            knowledge = {"M": {"source_urls": _strings([f"https://example.com/{tag}/{i}/page-{k}.html"
                                                        for k in range(1 + i % 3)]),
                               "sitemap_urls": _strings([]), "filenames": _strings([])}}
            names = []
        elif kind < 9:
            names = [f"manual-{i}.pdf", f"規程_{i}.txt"][: 1 + i % 2]
            knowledge = {"M": {"source_urls": _strings([]), "sitemap_urls": _strings([]),
                               "filenames": _strings(names)}}
        else:
            knowledge = {"M": {"source_urls": _strings([]), "sitemap_urls": _strings([]),
                               "filenames": _strings([])}}
            names = []
        title = f"業務アシスタント {tag}-{i}" if i % 2 else f"Assistant {tag}-{i}"
        item = {
            "PK": _s(user), "SK": _s(f"{user}#BOT#{bot_id}"), "Title": _s(title),
            "Description": _s(f"bulk bot {i}"), "Instruction": _s("You are a helpful assistant."),
            "CreateTime": _n(created), "LastBotUsed": _n(created + rng.randint(0, 90) * 86_400_000),
            "IsPinned": {"BOOL": False}, "Knowledge": knowledge,
            "EmbeddingParams": {"M": {"chunk_size": _n(1000), "chunk_overlap": _n(200),
                                      "enable_partition_pdf": {"BOOL": False}}},
            "GenerationParams": {"M": {"max_tokens": _n(2000), "temperature": _n("0.6")}},
            "SearchParams": {"M": {"max_results": _n(20)}},
            "SyncStatus": _s("SUCCEEDED"), "SyncStatusReason": _s(""),
            "LastExecId": _s("%032x" % rng.getrandbits(128)),
        }
        items.append(item)
        bots.append({"pk": user, "sk": item["SK"]["S"], "bot_id": bot_id, "has_knowledge": kind < 9})
        files += [f"{user}/{bot_id}/documents/{name}" for name in names]
    return items, bots, files


def alias_items(rng, bots, users):
    items = []
    for j, original in enumerate(bots[::6]):
        owner = users[(j * 7 + 3) % len(users)]
        items.append({"PK": _s(owner), "SK": _s(f"{owner}#BOT_ALIAS#{original['bot_id']}"),
                      "Title": _s("alias"), "OriginalBotId": _s(original["bot_id"]),
                      "CreateTime": _n(BASE_TIME_MS + j), "LastBotUsed": _n(BASE_TIME_MS + j),
                      "IsPinned": {"BOOL": True}, "SyncStatus": _s("SUCCEEDED"),
                      "HasKnowledge": {"BOOL": True}})
    return items


def conversation_item(rng, user, c, bot_ids):
    created = BASE_TIME_MS + c * 1_000
    body = ("こんにちは、これは会話の本文です。" if c % 2 else "Hello, this is a conversation message. ")
    messages = {f"m{k}": {"role": "user" if k % 2 else "assistant",
                          "content": [{"content_type": "text", "body": body * rng.randint(3, 12)}],
                          "model": "claude-v3-sonnet", "children": [f"m{k + 1}"], "parent": f"m{k - 1}"}
                for k in range(rng.randint(2, 4))}
    item = {"PK": _s(user), "SK": _s(f"{user}#CONV#{_ulid(rng, created)}"), "Title": _s(f"会話 {c}"),
            "CreateTime": _n(created), "TotalPrice": _n("0.0123"), "LastMessageId": _s("m1"),
            "MessageMap": _s(json.dumps(messages, ensure_ascii=False))}
    if bot_ids and c % 3 == 0:
        item["BotId"] = _s(bot_ids[c % len(bot_ids)])   # contains no "#BOT#" in SK: must not match
    return item


def _write_all(ddb_factory, table, items):
    local = threading.local()

    def client():
        if not hasattr(local, "ddb"):
            local.ddb = ddb_factory()
        return local.ddb

    def write(chunk):
        pending = {table: [{"PutRequest": {"Item": it}} for it in chunk]}
        for _ in range(20):
            left = client().batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            if not left:
                return
            pending = left
        raise RuntimeError("bulk seed: DynamoDB kept items unprocessed")

    chunks = [items[i:i + BATCH] for i in range(0, len(items), BATCH)]
    with concurrent.futures.ThreadPoolExecutor(WRITERS) as pool:
        for future in [pool.submit(write, c) for c in chunks]:
            future.result()


def _put_objects(s3_factory, bucket, keys):
    local = threading.local()

    def put(key):
        if not hasattr(local, "s3"):
            local.s3 = s3_factory()
        local.s3.put_object(Bucket=bucket, Key=key, Body=b"%PDF-1.4\n" + b"x" * (4096 + len(key)))

    with concurrent.futures.ThreadPoolExecutor(WRITERS) as pool:
        for future in [pool.submit(put, k) for k in keys]:
            future.result()


def add_bulk(emu, dep, bots, total_items, tag="bulk", users=None, seed=7):
    """Adds `bots` bots, one alias per six bots and conversations up to `total_items`
    items (the deployment's own seeded items not counted) to dep's table."""
    rng = random.Random(f"{tag}|{bots}|{total_items}|{seed}")
    user_ids = [_user(rng) for _ in range(users or max(4, min(2000, bots // 5)))]
    result = BulkResult()
    items, result.bots, files = bot_items(rng, bots, user_ids, tag)
    aliases = alias_items(rng, result.bots, user_ids)
    result.aliases = len(aliases)
    items += aliases
    bot_ids = [b["bot_id"] for b in result.bots]
    result.conversations = max(0, total_items - len(items))
    items += [conversation_item(rng, user_ids[c % len(user_ids)], c, bot_ids)
              for c in range(result.conversations)]
    _write_all(lambda: emu.client("dynamodb"), dep.table, items)
    _put_objects(lambda: emu.client("s3"), dep.bucket, files)
    result.s3_objects = len(files)
    return result
