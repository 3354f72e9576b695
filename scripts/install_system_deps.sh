#!/usr/bin/env bash
# Install the system tools the test suite needs, if they are missing:
#   bubblewrap  sandbox for autograding student code (mlhc assign grade); 0.5 or newer
#               (--size, --perms, --clearenv); mlhc assign grade probes the exact command anyway
#   util-linux  prlimit and setpriv, for the per-kernel limits (present on every Debian/Ubuntu)
#   postgresql  a real server for the gradebook-on-PostgreSQL test
#   chromium    a real browser for the website test (tests/test_site_browser.py); no browser download
# Needs root (apt-get). Without root, it says what is missing and how to install it, and carries on:
# the tests that need a missing tool then fail or skip with that same message.
set -euo pipefail

missing=()
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
command -v prlimit >/dev/null 2>&1 || missing+=(util-linux)
if command -v bwrap >/dev/null 2>&1; then
    version=$(bwrap --version | grep -oE '[0-9]+\.[0-9]+' | head -n1)
    if [ "$(printf '%s\n0.5\n' "$version" | sort -V | head -n1)" != "0.5" ]; then
        echo "NOTE: bubblewrap $version is older than 0.5: mlhc assign grade will refuse to run." >&2
    fi
fi
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing+=(postgresql)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "NOTE: missing system packages: ${missing[*]}." >&2
    echo "      Install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 0
fi

echo "Installing system packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
