#!/usr/bin/env bash
# Installs the Debian packages the build, the tests and the benchmark need.
# Idempotent and silent when everything is present; run as root (or via sudo).
set -euo pipefail

packages=(
  build-essential pkg-config clang libclang-rt-14-dev
  libmicrohttpd-dev libjansson-dev libsodium-dev libsqlite3-dev libpq-dev postgresql
  libcurl4-openssl-dev libcmocka-dev libssl-dev libargon2-dev
  curl wrk sqlite3 ca-certificates cppcheck nginx openssl dovecot-imapd chromium
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

install_npm_peers() {
    # Test peers (oidc-provider, playwright-core driving Debian's chromium): exact versions from the committed lock file.
    local dir
    dir="$(dirname "$0")/../tests/peers"
    # Again when the lock file changed since (a new peer such as playwright-core).
    if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
        echo "install-deps: npm ci in tests/peers" >&2
        (cd "$dir" && npm ci --no-audit --no-fund --silent >/dev/null)
    fi
}

if [ ${#missing[@]} -eq 0 ]; then
    install_npm_peers
    exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
install_npm_peers
