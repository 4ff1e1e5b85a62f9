#!/bin/sh
# `make demo`: the wizard against a local emulator seeded with a Bedrock Chat deployment
# right after the v1 upgrade, with a simulator playing the embedding tasks. The program
# starts and stops the emulator itself (--demo); this only points it at the source tree.
set -eu
prog=${1:-./bedrock-chat-migrate}
here=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -t 0 ] || [ ! -t 1 ]; then
    echo "make demo opens a full-screen wizard: run it in a terminal (at least 80x24)." >&2
    exit 2
fi
BCM_DEMO_DIR="$here/tests/integration" exec "$prog" --demo
