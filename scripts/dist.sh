#!/bin/sh
# `make dist`: packs the release binary into NAME.tar.gz, a tree that runs where it is
# unpacked on any Linux with glibc >= 2.34 and nothing else installed:
#
#   NAME/bin/bedrock-chat-migrate        run path $ORIGIN/../lib (DT_RPATH, so it also
#                                         serves the libraries' own dependencies)
#   NAME/lib/                             every shared library it loads except glibc's
#   NAME/share/man/man1/…                 the man page
#   NAME/share/locale/ja/LC_MESSAGES/…    the Japanese catalog (found beside the program)
#   NAME/share/terminfo/                  common terminals, for systems without them
#   NAME/README.txt
#
# Usage: scripts/dist.sh BINARY NAME   (writes NAME.tar.gz in the current directory)
set -eu
bin=$1
name=$2
prog=bedrock-chat-migrate
stage=build/dist/stage
root=$stage/$name

rm -rf "$stage"
mkdir -p "$root/bin" "$root/lib" "$root/share/man/man1" "$root/share/locale/ja/LC_MESSAGES" \
         "$root/share/terminfo"
cp "$bin" "$root/bin/$prog"
strip --strip-unneeded "$root/bin/$prog"
cp "man/$prog.1" "$root/share/man/man1/$prog.1"
cp "build/locale/ja/LC_MESSAGES/$prog.mo" "$root/share/locale/ja/LC_MESSAGES/$prog.mo"

# glibc and its loader come from the system; everything else the binary loads is bundled.
is_glibc() {
    case "$1" in
    ld-linux*|libc.so.*|libm.so.*|libresolv.so.*|libpthread.so.*|libdl.so.*|librt.so.*|\
    libutil.so.*|libanl.so.*|libnsl.so.*|libmvec.so.*|libBrokenLocale.so.*|libnss_*|libthread_db.so.*)
        return 0 ;;
    esac
    return 1
}
missing=$(ldd "$bin" | awk '/not found/ { print $1 }')
if [ -n "$missing" ]; then
    echo "dist: the binary needs libraries this machine lacks: $missing" >&2
    exit 1
fi
ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }' | while read -r soname path; do
    is_glibc "$soname" && continue
    cp -L "$path" "$root/lib/$soname"
    chmod 0644 "$root/lib/$soname"
    strip --strip-unneeded "$root/lib/$soname"
done

# Terminal descriptions for the terminals operators use; the system's own are found first
# (the program appends share/terminfo to TERMINFO_DIRS after the system's directories).
for term in xterm xterm-256color xterm-color screen screen-256color tmux tmux-256color \
            vt100 vt220 linux ansi dumb rxvt rxvt-unicode rxvt-unicode-256color putty \
            putty-256color alacritty xterm-kitty; do
    for dir in /etc/terminfo /lib/terminfo /usr/share/terminfo; do
        file=$dir/$(printf %.1s "$term")/$term
        if [ -f "$file" ]; then
            mkdir -p "$root/share/terminfo/$(printf %.1s "$term")"
            cp -L "$file" "$root/share/terminfo/$(printf %.1s "$term")/$term"
            break
        fi
    done
done

cat > "$root/README.txt" <<TEXT
$name

Runs on any Linux with glibc 2.34 or newer (Amazon Linux 2023 and AWS CloudShell,
Ubuntu 22.04+, Debian 12+, RHEL 9+); the other libraries it needs are in lib/.

    ./$name/bin/$prog --version
    ./$name/bin/$prog              # the wizard (a terminal of at least 80x24)
    ./$name/bin/$prog --help

Credentials come from the usual places (environment, ~/.aws, CloudShell's and ECS's
container credentials, instance metadata). The manual: man ./$name/share/man/man1/$prog.1
TEXT

tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner -czf "$name.tar.gz" "$name"
echo "dist: $name.tar.gz ($(du -k "$name.tar.gz" | cut -f1) KiB, $(ls "$root/lib" | wc -l) libraries)"
