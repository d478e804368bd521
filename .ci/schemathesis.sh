#!/usr/bin/env bash
# The spec is the truth: run schemathesis with every check over /openapi.json of a freshly started
# debug node (dev mode, mock WeChat, a throw-away SQLite database), once with a user's token over
# the user routes and once with an admin's token over the admin routes. Fails on any server error,
# undocumented status, or response that does not match its schema.
#
#   .ci/schemathesis.sh                 bounded run for CI (a few minutes)
#   SCHEMATHESIS_MAX_EXAMPLES=100 SCHEMATHESIS_MAX_TIME=1200 .ci/schemathesis.sh   a fuller run
#
# Needs python3 (with venv); installs a pinned schemathesis into a virtualenv if missing.
set -euo pipefail
cd "$(dirname "$0")/.."

max_examples=${SCHEMATHESIS_MAX_EXAMPLES:-10}
max_time=${SCHEMATHESIS_MAX_TIME:-150}
version=4.32.5
venv=${SCHEMATHESIS_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/minibase-schemathesis-$version}
bin=${MINIBASE_BIN:-$PWD/target/debug/minibase}

if [ ! -x "$venv/bin/schemathesis" ]; then
  echo "installing schemathesis $version into $venv"
  if ! python3 -m venv "$venv" >/dev/null 2>&1; then
    # Debian ships venv's ensurepip separately.
    rm -rf "$venv"
    as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$venv"
  fi
  "$venv/bin/pip" install -q "schemathesis==$version"
fi
[ -x "$bin" ] || cargo build -p minibase

work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
export MINIBASE_MODE=dev
export MINIBASE_LISTEN="127.0.0.1:$port"
export MINIBASE_DATABASE_URL="sqlite://$work/minibase.db"
export MINIBASE_FILES_DIR="$work/files"
export MINIBASE_LOG_LEVEL=error
export MINIBASE_PUBLIC_URL="$base"
unset MINIBASE_REDIS_URL MINIBASE_WECHAT_APPID MINIBASE_WECHAT_SECRET

node=""
cleanup() {
  if [ -n "$node" ]; then kill "$node" 2>/dev/null || true; wait "$node" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$bin" migrate >/dev/null
printf 'schemathesis password\n' | "$bin" admin create --username st-admin --role admin --password-stdin >/dev/null
"$bin" serve >"$work/server.log" 2>&1 &
node=$!
for _ in $(seq 1 100); do
  curl -fs "$base/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fs "$base/readyz" >/dev/null

token_of() { # path, JSON body
  curl -fs -H 'content-type: application/json' -d "$2" "$base$1" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["token"])'
}
user_token=$(token_of /api/v1/auth/login '{"code":"schemathesis-user"}')
admin_token=$(token_of /api/v1/admin/auth/login '{"username":"st-admin","password":"schemathesis password"}')

# Logout, revoke-sessions and account deletion end the token the run works with; they are covered
# by tests/. The realtime WebSocket and SSE endpoints hold their connection open (an SSE stream
# never ends), which no request-response check can judge; tests/realtime*.rs cover them. Routes merged after the spec
# was brought in line (the console's admin pages) are not yet described to this standard; each
# joins when it is. (schemathesis keeps only the last --exclude-path-regex, so each pass gets one.)
skip='/logout$|/revoke-sessions$|/users/me/deletion$|^/api/v1/realtime/(ws|sse)$|^/api/v1/admin/(accounts|audit|console|dashboard|files|jobs|me)(/|$)'
common=(
  --checks all
  --max-examples "$max_examples"
  --phases "${SCHEMATHESIS_PHASES:-examples,coverage,fuzzing}"
  --max-time "$max_time"
  --max-response-time 5
  --request-timeout 10
  --seed 17
  --suppress-health-check all
  --report junit --report-dir "${SCHEMATHESIS_REPORT_DIR:-$work/report}"
)
status=0
echo "==> schemathesis: user routes with a user's token"
"$venv/bin/schemathesis" --config-file .ci/schemathesis.toml run "$base/openapi.json" "${common[@]}" \
  -H "Authorization: Bearer $user_token" --exclude-path-regex "$skip|^/api/v1/admin/" || status=1
echo "==> schemathesis: admin routes with an admin's token"
"$venv/bin/schemathesis" --config-file .ci/schemathesis.toml run "$base/openapi.json" "${common[@]}" \
  -H "Authorization: Bearer $admin_token" --include-path-regex '^/api/v1/admin/' --exclude-path-regex "$skip" || status=1
if [ "$status" != 0 ]; then
  echo "--- server log (errors) ---"
  tail -n 50 "$work/server.log"
fi
exit "$status"
