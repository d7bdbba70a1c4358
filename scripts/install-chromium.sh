#!/usr/bin/env bash
# Installs Debian's headless-capable Chromium at /usr/bin/chromium, which the HTML digest
# test (shared/tests/digest_html.rs) renders the report in.
#
#   scripts/install-chromium.sh
#
# Idempotent: exits at once when /usr/bin/chromium is already there. Otherwise runs
# `apt-get update` and `apt-get install -y --no-install-recommends chromium`, as root or
# through sudo. Needs a Debian or Ubuntu machine (Ubuntu's `chromium` is a snap shim:
# use Debian, as CI does).
set -euo pipefail

readonly CHROMIUM=/usr/bin/chromium

die() {
    printf 'install-chromium: error: %s\n' "$*" >&2
    exit 1
}

if [[ -x "$CHROMIUM" ]]; then
    exit 0
fi

command -v apt-get >/dev/null 2>&1 ||
    die "apt-get not found: install the Debian package 'chromium' (so that $CHROMIUM exists) by other means"

if [[ "$(id -u)" -eq 0 ]]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    die "not root and sudo is missing: run this script as root to install 'chromium'"
fi

export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update
"${as_root[@]}" apt-get install -y --no-install-recommends chromium

[[ -x "$CHROMIUM" ]] || die "apt-get installed 'chromium' but $CHROMIUM is still missing"
printf 'install-chromium: %s\n' "$("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
