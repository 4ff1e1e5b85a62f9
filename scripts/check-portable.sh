#!/bin/sh
# Linux-only calls stay in one guarded place (run by `make check`): src/util/platform.c
# wraps them (pipe2, getrandom, /proc/self/exe, prctl) with a macOS/BSD branch; every
# other source file must do without them so the program builds on macOS.
#
#   scripts/check-portable.sh     prints each use outside the guarded file, exits 1 on any
set -eu
cd "$(dirname "$0")/.."
pattern='\<(pipe2|accept4|getrandom|prctl|epoll_[a-z_]+|signalfd|timerfd_[a-z_]+|eventfd|inotify_[a-z_]+|sendfile|memfd_create|get_nprocs|sched_getaffinity)[[:space:]]*\(|/proc/|<(sys/prctl|sys/epoll|sys/random|sys/signalfd|sys/timerfd|sys/eventfd|sys/inotify|sys/sendfile|linux/[a-z_/]+)\.h>'
found=$(grep -rnE "$pattern" src include --include='*.c' --include='*.h' | grep -v '^src/util/platform\.c:' |
        grep -vE '^[^:]+:[0-9]+:[[:space:]]*(/?\*|//)' || true)
if [ -n "$found" ]; then
    printf '%s\n' "$found"
    echo "check-portable: Linux-only calls outside src/util/platform.c (wrap them there)" >&2
    exit 1
fi
