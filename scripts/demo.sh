#!/bin/sh
# `make demo`: the wizard against a local emulator seeded with a Bedrock Chat deployment
# right after the v1 upgrade, with a simulator playing the embedding tasks. The program
# starts and stops the emulator itself (--demo); this only points it at the source tree.
#
# Exit status: 0 when the demo ran as designed. The demo's deployment has bots that fail
# on purpose, so the program's "some bots failed" (1) is the expected ending, not a broken
# demo; any other status (a configuration error, an interruption, a crash) is passed on.
set -eu
prog=${1:-./bedrock-chat-migrate}
here=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -t 0 ] || [ ! -t 1 ]; then
    echo "make demo opens a full-screen wizard: run it in a terminal (at least 80x24)." >&2
    exit 2
fi
rc=0
BCM_DEMO_DIR="$here/tests/integration" "$prog" --demo || rc=$?
if [ "$rc" -eq 1 ]; then
    echo "The demo finished: the bots that failed were made to fail (the demo shows how failures look)." >&2
    rc=0
fi
exit "$rc"
