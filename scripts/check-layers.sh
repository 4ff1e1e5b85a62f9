#!/bin/sh
# The source tree's layers, checked from the #include lines (run by `make check`).
#
#   util  <  aws  <  engine/*  <  app  <  cli, tui  <  main.c
#
# A folder includes only its own headers and those of lower layers; cli/ and tui/ are two
# views of the engine and never include each other (main.c wires them); engine folders
# may use one another but never in a circle; only tui/ includes curses.
#
#   scripts/check-layers.sh           check; prints each violation, exits 1 on any
#   scripts/check-layers.sh --graph   print the folder-level include graph and check
set -eu
cd "$(dirname "$0")/.."

edges=$(
    find src include -name '*.[ch]' | sort | while read -r file; do
        case "$file" in
        src/main.c) from=main.c ;;
        *) from=$(dirname "$file" | sed 's|^include/||; s|^src/||') ;;
        esac
        sed -n 's/^#include "\([^"]*\)".*/\1/p' "$file" | while read -r inc; do
            to=$(dirname "$inc")
            [ "$to" = . ] && to=$from   # a private header beside its .c file
            printf '%s %s %s\n' "$from" "$to" "$file"
        done
    done
)

if [ "${1:-}" = --graph ]; then
    printf '%s\n' "$edges" | awk '$1 != $2 { n[$1 " -> " $2]++ }
        END { for (e in n) printf "%4d  %s\n", n[e], e }' | sort -k2
fi

status=0
violations=$(printf '%s\n' "$edges" | awk '
    function rank(f) {
        if (f == "util") return 0
        if (f == "aws") return 1
        if (f ~ /^engine\//) return 2
        if (f == "app") return 3
        if (f == "cli" || f == "tui") return 4
        if (f == "main.c") return 5
        return -1
    }
    $1 == $2 { next }
    {
        if (rank($1) < 0 || rank($2) < 0)
            printf "%s: folder %s has no place in the layers (add it to scripts/check-layers.sh)\n", $3, (rank($1) < 0 ? $1 : $2)
        else if (rank($2) > rank($1) || (rank($2) == rank($1) && rank($1) != 2))
            printf "%s: %s must not include %s/ (layers: util < aws < engine < app < cli, tui < main.c)\n", $3, $1, $2
        else if (rank($1) == 2) {
            reach[$1, $2] = 1; node[$1] = 1; node[$2] = 1; via[$1, $2] = $3
        }
    }
    END {
        # Transitive closure (Floyd-Warshall) over the engine folders: a folder that
        # reaches itself is in a circle.
        for (k in node) for (i in node) for (j in node)
            if (((i, k) in reach) && ((k, j) in reach)) reach[i, j] = 1
        for (i in node)
            if ((i, i) in reach) {
                printf "%s is in an include circle between engine folders:", i
                for (j in node) if (((i, j) in reach) && ((j, i) in reach) && ((i, j) in via))
                    printf " %s includes %s;", via[i, j], j
                printf "\n"
            }
    }')
if [ -n "$violations" ]; then
    printf '%s\n' "$violations"
    status=1
fi

curses=$(grep -rlE '^#include <(ncursesw?/)?n?curses\.h>' src include | grep -vE '^(src|include)/tui/' || true)
if [ -n "$curses" ]; then
    printf '%s: only tui/ may include curses\n' $curses
    status=1
fi
exit $status
