#!/usr/bin/env bash
# Installs the Debian packages the build, the tests and the benchmark need.
# Idempotent and silent when everything is present; run as root (or via sudo).
set -euo pipefail

packages=(
  build-essential pkg-config clang libclang-rt-14-dev
  libmicrohttpd-dev libjansson-dev libsodium-dev libsqlite3-dev
  libcurl4-openssl-dev libcmocka-dev
  curl wrk sqlite3 ca-certificates openssl dovecot-imapd
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
command -v node >/dev/null 2>&1 || missing+=(nodejs)

[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
