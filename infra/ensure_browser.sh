#!/usr/bin/env bash
# What the browser tests need: Debian's Chromium at /usr/bin/chromium (or $CASETRAIL_CHROMIUM)
# and a Chinese font, so that the pages' screenshots show text rather than empty boxes.
# Idempotent. Installs the Debian packages `chromium` and `fonts-wqy-zenhei` when they are
# missing and we are root; otherwise says what to install and fails. Never downloads a
# browser from anywhere else (no `playwright install`).
set -euo pipefail

CHROMIUM="${CASETRAIL_CHROMIUM:-/usr/bin/chromium}"

has_cjk_font() {
    command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh family 2>/dev/null)" ]
}

missing=()
[ -x "$CHROMIUM" ] || missing+=(chromium)
has_cjk_font || missing+=(fonts-wqy-zenhei)

if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "ensure_browser: installing ${missing[*]} (Debian packages)" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" fontconfig >/dev/null
    else
        echo "ensure_browser: missing ${missing[*]}." >&2
        echo "  Install as root:  apt-get install -y ${missing[*]}" >&2
        echo "  (or point CASETRAIL_CHROMIUM at a Chromium binary)" >&2
        exit 1
    fi
fi

if [ ! -x "$CHROMIUM" ]; then
    echo "ensure_browser: $CHROMIUM is still missing" >&2
    exit 1
fi
"$CHROMIUM" --version 2>/dev/null
