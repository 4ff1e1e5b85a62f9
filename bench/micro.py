"""Builds bench/micro.c against the program's release library and runs it on a Scan page
of realistic items (bulk_seed's shapes, about 1 MB like DynamoDB's own page limit)."""
import json
import os
import random
import subprocess
import tempfile

import bulk_seed

PKGS = ["ncursesw", "libcurl", "libcrypto", "libcjson", "libxml-2.0"]


def _scan_page(path, target_bytes=1_000_000):
    rng = random.Random(11)
    users = [bulk_seed._user(rng) for _ in range(50)]
    items, bots, _files = bulk_seed.bot_items(rng, 400, users, "micro")
    ids = [b["bot_id"] for b in bots]
    page, size, c = [], 0, 0
    pool = items + [bulk_seed.conversation_item(rng, users[i % 50], i, ids) for i in range(4000)]
    rng.shuffle(pool)
    while size < target_bytes and c < len(pool):
        text = json.dumps(pool[c], ensure_ascii=False)
        page.append(pool[c])
        size += len(text.encode())
        c += 1
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"Count": len(page), "ScannedCount": len(page), "Items": page,
                   "LastEvaluatedKey": {"PK": page[-1]["PK"], "SK": page[-1]["SK"]}}, f, ensure_ascii=False)


def measure(root, seconds=2.0):
    lib = os.path.join(root, "build", "librel.a")
    if not os.path.exists(lib):
        subprocess.run(["make", "-C", root, "build/librel.a"], check=True, capture_output=True)
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", *PKGS], capture_output=True,
                           text=True, check=True).stdout.split()
    with tempfile.TemporaryDirectory(prefix="bcm-micro-") as tmp:
        exe, page = os.path.join(tmp, "micro"), os.path.join(tmp, "scan-page.json")
        subprocess.run(["cc", "-std=c11", "-D_GNU_SOURCE", "-O2", "-I" + os.path.join(root, "include"),
                        "-o", exe, os.path.join(root, "bench", "micro.c"), lib, *flags, "-lm"],
                       check=True, capture_output=True, text=True)
        _scan_page(page)
        out = subprocess.run([exe, page, str(seconds)], check=True, capture_output=True, text=True)
        return json.loads(out.stdout)
