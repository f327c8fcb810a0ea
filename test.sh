#!/usr/bin/env bash
# Kite Scheduler: install what the tests need and run the whole suite.
#   ./test.sh                 every test (unit, service, end-to-end in headless Chromium)
#   ./test.sh tests/unit -k x  any pytest arguments
# Works without a TTY and with CI=true.
set -euo pipefail
cd "$(dirname "$0")"

./run.sh setup

# Debian packages the tests need: Chromium for the end-to-end tests; PostgreSQL and Redis (the
# service tests run on SQLite and on PostgreSQL, the production-mode tests on PostgreSQL and Redis,
# each server started by the tests on loopback).
CHROMIUM="${KITE_CHROMIUM:-/usr/bin/chromium}"
missing=()
[ -x "$CHROMIUM" ] || missing+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql postgresql-contrib)
command -v redis-server >/dev/null || missing+=(redis-server)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = "0" ]; then
    echo "==> installing ${missing[*]} from Debian"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "Missing Debian packages: ${missing[*]} (or set KITE_CHROMIUM for another Chromium)." >&2
    exit 1
  fi
fi

export REFLEX_TELEMETRY_ENABLED=false
export REFLEX_CHECK_LATEST_VERSION=false
export REFLEX_BUN_PATH="$PWD/.tools/node_modules/bun/bin/bun.exe"
if [ "$#" -eq 0 ]; then
  # Lint and types first (ruff.toml, mypy.ini): a finding fails the run.
  echo "==> ruff"
  .venv/bin/ruff check --no-cache kite_app tests bench
  echo "==> mypy"
  .venv/bin/mypy --no-incremental kite_app
  set -- tests
fi
exec .venv/bin/python -m pytest -p no:cacheprovider -ra "$@"
