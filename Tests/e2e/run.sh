#!/usr/bin/env bash
# Browser tests of the admin dashboard: headless Chromium (Debian packages) driven by Selenium (PyPI)
# against the real server binary. Installs only what is missing; builds nothing unless the binary is absent.
#   Tests/e2e/run.sh [pytest args…]        BILLING_SERVER_BIN=path overrides .build/debug/billing-server
set -euo pipefail
cd "$(dirname "$0")/../.."

SUDO=""
[ "$(id -u)" = "0" ] || SUDO="sudo"
missing=""
for p in chromium chromium-driver; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  echo "installing:$missing"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi

PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import selenium, pytest' >/dev/null 2>&1; then
  "$PYTHON" -m pip install -q -r Tests/e2e/requirements.txt \
    || "$PYTHON" -m pip install -q --break-system-packages -r Tests/e2e/requirements.txt
fi

BIN="${BILLING_SERVER_BIN:-.build/debug/billing-server}"
if [ ! -x "$BIN" ]; then
  swift build --product billing-server
fi
export BILLING_SERVER_BIN="$BIN"

mkdir -p test-output/screenshots
exec "$PYTHON" -m pytest Tests/e2e -q -rs -p no:cacheprovider "$@"
