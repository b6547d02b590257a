#!/usr/bin/env bash
# The foundation's load benchmark. Builds release, starts wxhub on a fresh SQLite database with
# the bare baseline handler mounted, and loads each endpoint with wrk (from Debian), reporting
# req/s, p50, p99 and the ratio to the bare handler measured in the same run.
#
#   bench/run.sh            # 10 s per endpoint, 64 connections
#   DURATION=30s CONNECTIONS=128 bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."

command -v wrk >/dev/null || { echo "installing wrk"; DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null; }
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
PORT=${PORT:-19998}

cargo build --release --quiet
BIN="$PWD/target/release/wxhub"
WORK=$(mktemp -d)
. bench/database.sh
export WXHUB_LOG_LEVEL=warn WXHUB_BENCH_BASELINE=true WXHUB_RATE_LIMIT_PER_CLIENT=0

CREDS=$("$BIN" clients create --name bench --scope platform-admin --json)
CLIENT_ID=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["client"]["clientId"])' <<<"$CREDS")
SECRET=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["clientSecret"])' <<<"$CREDS")
for i in $(seq 1 50); do
  "$BIN" apps create --name "应用 $i" --type 3 --type-name 亮健好药网 --app-type 1 \
    --enter-url "http://ue.360lj.com/app/$i" --content "qaq $i" >/dev/null
done

"$BIN" serve --listen "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; drop_bench_schema; rm -rf "$WORK"' EXIT
for _ in $(seq 1 50); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
URL="http://127.0.0.1:$PORT"
FORM="grant_type=client_credentials&applicationKey=wechatcp&client_id=$CLIENT_ID&client_secret=$SECRET"
TOKEN=$(curl -fsS -X POST "$URL/oauth2/ums/oauth2/accessToken" -d "$FORM&autoRefresh=true" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["access_token"])')

load() { # name method path body content-type token
  local line
  line=$(METHOD=$2 BODY=$4 CTYPE=$5 TOKEN=$6 wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" \
    -s bench/wrk.lua "$URL$3" | grep '^RESULT')
  echo "$1 $line"
}

echo "# $(date -u +%FT%TZ) $(nproc) cores, wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $(basename "${WXHUB_DATABASE_URL%%:*}")"
RESULTS=$(
  load bare GET /bench/bare "" "" ""
  load sso_get GET /oauth2/ums/oauth2/tokenInfo "" "" "$TOKEN"
  load token_auto_refresh_true POST /oauth2/ums/oauth2/accessToken "$FORM&autoRefresh=true" application/x-www-form-urlencoded ""
  load token_auto_refresh_false POST /oauth2/ums/oauth2/accessToken "$FORM&autoRefresh=false" application/x-www-form-urlencoded ""
  load get_all POST /mpwechat/wx/application/getAll '{"filters":[{"field":"name","operate":"contains","value":"应用"}],"pageIndex":1,"pageSize":10,"sortDirection":1,"sortField":"id","sumFields":[]}' application/json "$TOKEN"
)
python3 bench/wrk_table.py "$RESULTS"
