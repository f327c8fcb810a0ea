#!/usr/bin/env bash
# Kite Scheduler: install what the tests need and run the whole suite.
#   ./test.sh                 every test (unit, service, end-to-end in headless Chromium)
#   ./test.sh tests/unit -k x  any pytest arguments
# Works without a TTY and with CI=true.
set -euo pipefail
cd "$(dirname "$0")"

./run.sh setup

CHROMIUM="${KITE_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  if [ "$(id -u)" = "0" ]; then
    echo "==> installing Chromium from Debian"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq chromium >/dev/null
  else
    echo "Chromium is missing: install Debian's 'chromium' package (or set KITE_CHROMIUM)." >&2
    exit 1
  fi
fi

export REFLEX_TELEMETRY_ENABLED=false
export REFLEX_CHECK_LATEST_VERSION=false
export REFLEX_BUN_PATH="$PWD/.tools/node_modules/bun/bin/bun.exe"
if [ "$#" -eq 0 ]; then set -- tests; fi
exec .venv/bin/python -m pytest -p no:cacheprovider -ra "$@"
