#!/usr/bin/env bash
# Installs, from Debian's packages, whatever the build and the tests need and the
# machine lacks. Idempotent and silent when everything is present.
set -euo pipefail

packages=(
  build-essential pkg-config
  libncurses-dev libcurl4-openssl-dev libssl-dev libcjson-dev libxml2-dev
  libcmocka-dev
  tmux valgrind cppcheck clang clang-tidy gettext
  python3 time openssl
  postgresql python3-psycopg2
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
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
