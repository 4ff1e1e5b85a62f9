#!/usr/bin/env bash
# Installs whatever the build (and, on Debian, the tests) need and the machine lacks, with
# the system's own package manager. Idempotent and silent when everything is present.
#
#   Debian/Ubuntu (apt)           build, tests and lint tools (what CI installs)
#   Amazon Linux 2023, Fedora     the build's libraries and tools (dnf); cJSON is not in
#                                 Amazon Linux's repositories: it says so and what to do
#   macOS (Homebrew)              the build's libraries and tools (brew)
#   anything else                 checks with pkg-config and names what is missing
set -euo pipefail

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)

# What the program links against (pkg-config names) and the tools the build runs.
pc_modules=(ncursesw libcurl libcrypto libcjson libxml-2.0)
tools=(cc make pkg-config msgfmt)

# Names what is still missing after installing: pkg-config modules and tools.
report_missing() {
  local missing=() m
  for m in "${pc_modules[@]}"; do
    pkg-config --exists "$m" 2>/dev/null || missing+=("$m (pkg-config)")
  done
  for m in "${tools[@]}"; do
    command -v "$m" >/dev/null 2>&1 || missing+=("$m")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "deps: still missing for the build: ${missing[*]}" >&2
    case " ${missing[*]} " in
      *libcjson*) echo "deps: cJSON is not packaged here: build it from https://github.com/DaveGamble/cJSON" \
                       "(cmake -DENABLE_CJSON_TEST=Off . && make && sudo make install)," \
                       "or use the release tarball (make dist), which carries it" >&2 ;;
    esac
    return 1
  fi
}

install_apt() {
  local packages=(
    build-essential pkg-config
    libncurses-dev libcurl4-openssl-dev libssl-dev libcjson-dev libxml2-dev
    libcmocka-dev
    tmux valgrind cppcheck clang clang-tidy gettext
    python3 time openssl
    postgresql python3-psycopg2
  )
  local missing=() p
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo_cmd[@]}" apt-get update -qq
    "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  # The emulator and the AWS SDK used by the test harness ship with the machine image;
  # nothing can be fetched from PyPI, so say clearly when they are absent.
  if ! python3 -c 'import moto, boto3, botocore' 2>/dev/null; then
    echo "deps: python3 with moto, boto3 and botocore is required for the integration tests" >&2
    echo "deps: (they come with the machine image; PyPI is not reachable from here)" >&2
    exit 1
  fi
  if ! command -v moto_server >/dev/null 2>&1; then
    echo "deps: moto_server not on PATH (python3 -m moto.server is used instead)" >&2
  fi
}

install_dnf() {
  # Amazon Linux 2023 and Fedora. cjson-devel exists in Fedora only.
  local packages=(gcc make pkgconf-pkg-config ncurses-devel libcurl-devel openssl-devel
                  libxml2-devel cjson-devel gettext)
  local missing=() p
  for p in "${packages[@]}"; do
    rpm -q "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "deps: installing ${missing[*]}"
    # Packages a release does not have (cjson-devel on Amazon Linux) are skipped here and
    # named by report_missing below.
    "${sudo_cmd[@]}" dnf install -y -q --setopt=strict=0 "${missing[@]}" >/dev/null || true
  fi
  report_missing
  echo "deps: the tests also need cmocka, tmux, valgrind, cppcheck, clang-tidy and python3 with" \
       "moto/boto3; \`make check\` is supported on Debian" >&2
}

install_brew() {
  local packages=(pkg-config ncurses curl openssl@3 cjson libxml2 gettext)
  local missing=() p
  for p in "${packages[@]}"; do
    brew list --versions "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "deps: installing ${missing[*]}"
    brew install -q "${missing[@]}"
  fi
  # ncurses, curl, openssl@3, libxml2 and gettext are keg-only: the Makefile adds their
  # pkg-config directories on macOS.
  local prefix
  prefix=$(brew --prefix)
  local k
  for k in ncurses curl openssl@3 libxml2; do
    PKG_CONFIG_PATH="$prefix/opt/$k/lib/pkgconfig:${PKG_CONFIG_PATH:-}"
  done
  export PKG_CONFIG_PATH
  PATH="$prefix/opt/gettext/bin:$PATH"
  report_missing
}

if command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1; then
  install_apt
elif command -v dnf >/dev/null 2>&1; then
  install_dnf
elif [ "$(uname -s)" = Darwin ] && command -v brew >/dev/null 2>&1; then
  install_brew
else
  echo "deps: no known package manager (apt, dnf or Homebrew); install these yourself:" >&2
  echo "deps:   a C11 compiler, make, pkg-config, gettext (msgfmt) and the development files" \
       "of ncursesw, libcurl, OpenSSL (libcrypto), cJSON and libxml2" >&2
  report_missing
fi
