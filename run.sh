#!/usr/bin/env bash
# Kite Scheduler: set up everything and serve the production build on http://localhost:3000.
#   ./run.sh          set up (idempotent), migrate, serve
#   ./run.sh setup    only set up: virtual environment, pinned packages, bun
#   ./run.sh migrate  set up and apply database migrations
#   ./run.sh demo     set up, migrate, and fill an empty database with demo data
# Works without a TTY and with CI=true. Every setting is an environment variable (README.md).
set -euo pipefail
cd "$(dirname "$0")"

PYTHON="${PYTHON:-python3}"
VENV=.venv
BUN_VERSION=1.4.5
export REFLEX_TELEMETRY_ENABLED=false
export REFLEX_CHECK_LATEST_VERSION=false
export REFLEX_BUN_PATH="$PWD/.tools/node_modules/bun/bin/bun.exe"
export PIP_DISABLE_PIP_VERSION_CHECK=1
# urllib3-future (under caldav's niquests) installs beside urllib3, never over it (see requirements.txt)
export URLLIB3_NO_OVERRIDE=1

setup() {
  if [ ! -x "$VENV/bin/python" ]; then
    echo "==> creating $VENV"
    "$PYTHON" -m venv "$VENV"
  fi
  local stamp="$VENV/.installed"
  if [ ! -f "$stamp" ] || [ requirements.txt -nt "$stamp" ] || [ requirements-dev.txt -nt "$stamp" ]; then
    echo "==> installing pinned packages"
    "$VENV/bin/pip" install --quiet --no-input -r requirements.txt -r requirements-dev.txt
    touch "$stamp"
  fi
  if [ ! -x "$REFLEX_BUN_PATH" ] || ! "$REFLEX_BUN_PATH" --version 2>/dev/null | grep -qx "$BUN_VERSION"; then
    echo "==> installing bun $BUN_VERSION from the npm registry"
    npm install --silent --no-audit --no-fund --prefix .tools "bun@$BUN_VERSION" >/dev/null
  fi
}

check_settings() {
  # Every setting is read once here, so a wrong value stops us with its own message, not a traceback.
  "$VENV/bin/python" - <<'PY'
import sys
from pydantic import ValidationError
try:
    import kite_app.config  # noqa: F401
except ValidationError as exc:
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"])
        print(f"Configuration error: {where + ': ' if where else ''}{error['msg'].removeprefix('Value error, ')}",
              file=sys.stderr)
    sys.exit(2)
PY
}

migrate() {
  check_settings
  echo "==> applying database migrations"
  "$VENV/bin/reflex" db migrate
}

# Guests reach the app where it is served unless told otherwise: its pages may only talk to their own origin.
export KITE_PUBLIC_URL="${KITE_PUBLIC_URL:-http://localhost:${KITE_PORT:-3000}}"

case "${1:-run}" in
  setup) setup ;;
  migrate) setup; migrate ;;
  demo) setup; migrate; "$VENV/bin/python" -m kite_app.demo ;;
  run)
    setup
    migrate
    echo "==> serving Kite Scheduler on http://localhost:${KITE_PORT:-3000}"
    "$VENV/bin/reflex" run --env prod --frontend-port "${KITE_PORT:-3000}" --backend-port "${KITE_PORT:-3000}" \
      --loglevel "${KITE_LOGLEVEL:-info}" &
    server=$!
    # On TERM or INT, stop gunicorn (which stops its workers) as well as Reflex, which leaves it running.
    trap 'pkill -TERM -P "$server" 2>/dev/null; kill -TERM "$server" 2>/dev/null' TERM INT
    status=0
    wait "$server" || status=$?
    while kill -0 "$server" 2>/dev/null; do wait "$server" || status=$?; done
    exit "$status"
    ;;
  *) echo "usage: ./run.sh [run|setup|migrate|demo]" >&2; exit 2 ;;
esac
