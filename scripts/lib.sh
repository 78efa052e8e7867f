# Shared by scripts/demo, scripts/test and .ci/run: set up the venv and the services.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${DIGEST_VENV:-$ROOT/.venv}"
PY="${PYTHON:-python3}"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

apt_install() {
  as_root apt-get update -qq >/dev/null && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_venv() {  # $1: pip extras, e.g. "test"
  local extras="${1:-}"
  if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV" 2>/dev/null || { apt_install python3-venv && "$PY" -m venv "$VENV"; }
  fi
  local stamp="$VENV/.digest-installed-${extras:-base}"
  if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ]; then
    "$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
    "$VENV/bin/python" -m pip install -q -e "$ROOT${extras:+[$extras]}"
    touch "$stamp"
  fi
}

ensure_chromium() {  # headless Chromium for tests/browser (Debian's package; Playwright drives it)
  [ -x /usr/bin/chromium ] && return 0
  apt_install chromium || echo "chromium not installable: the browser tests will be skipped" >&2
}

redis_up() { "$VENV/bin/python" -c "import redis,sys; redis.Redis(socket_timeout=2).ping()" 2>/dev/null; }

ensure_redis() {
  redis_up && return 0
  command -v redis-server >/dev/null || apt_install redis-server || { echo "redis-server missing and not installable" >&2; return 1; }
  mkdir -p /tmp/digest-redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /tmp/digest-redis --logfile /tmp/digest-redis/redis.log
  for _ in $(seq 50); do redis_up && return 0; sleep 0.2; done
  echo "redis-server did not start" >&2; return 1
}

ensure_email_css_checker() {  # the caniemail check of tests/test_email_clients.py (Node.js + one npm package)
  local dir="$ROOT/tools/email-css"
  if ! command -v npm >/dev/null; then
    [ "${CI:-}" = "true" ] || { echo "npm missing: the email client check will be skipped" >&2; return 0; }
    apt_install nodejs npm
  fi
  if [ ! -d "$dir/node_modules/@jsx-email/doiuse-email" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) \
      || echo "npm ci in tools/email-css failed: the email client check will be skipped" >&2
  fi
}
