#!/usr/bin/env bash
# The activities' benchmark (seed 000), release build, fresh SQLite database:
#  1. a conference opening: MEMBERS members sign in through userInfo from CLIENTS concurrent
#     callers while SCREENS big screens watch the event stream — sign-ins per second, p50/p99,
#     how many screens received every event, and the server's peak resident memory;
#  2. GET activity info (the H5 page's first call) under wrk beside the bare handler;
#  3. a roster import of ROWS rows (.xlsx).
#
#   bench/activities.sh                                   # 5,000 / 200 / 500, 100,000 rows
#   MEMBERS=1000 SCREENS=50 ROWS=10000 bench/activities.sh
#   SPLIT=1 BENCH_DATABASE_URL=postgres://… bench/activities.sh   # screens split over two instances
set -euo pipefail
cd "$(dirname "$0")/.."

command -v wrk >/dev/null || { echo "installing wrk"; DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null; }
MEMBERS=${MEMBERS:-5000}
CLIENTS=${CLIENTS:-200}
SCREENS=${SCREENS:-500}
ROWS=${ROWS:-100000}
DURATION=${DURATION:-10s}
PORT=${PORT:-19994}

. bench/org_server.sh
ACTIVITY=$(curl -fsS -X POST "$URL/api/v3/activitys_signin?$Q" -H 'content-type: application/json' \
  -d '{"activity_name": "年度大会签到", "collect_info": "name"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["activity_id"])')
KEY=$(curl -fsS -X POST "$URL/api/v3/activitys/$ACTIVITY/screen_key?$Q" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["screen_key"])')

echo "# $(date -u +%FT%TZ) $(nproc) cores, $(basename "${WXHUB_DATABASE_URL%%:*}")"
echo "## sign-ins: $MEMBERS members, $CLIENTS callers, $SCREENS screens"
rss() { awk -v k="$1:" '$1 == k {printf "%.0f", $2 / 1024}' "/proc/$PID/status"; }
echo "server resident memory before the screens connect: $(rss VmRSS) MB"
SECOND=()
if [ "${SPLIT:-0}" = 1 ]; then
  # A second instance on the same database; every other screen watches through it.
  "$BIN" serve --listen "127.0.0.1:$((PORT + 1))" >"$WORK/serve2.log" 2>&1 &
  PID2=$!
  trap 'kill $PID $PID2 2>/dev/null || true; drop_bench_schema; rm -rf "$WORK"' EXIT
  for _ in $(seq 1 50); do curl -fsS "http://127.0.0.1:$((PORT + 1))/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
  SECOND=("http://127.0.0.1:$((PORT + 1))")
  echo "screens split over two instances ($URL and ${SECOND[0]})"
fi
"$LOAD" signins "$URL" "$TOKEN" "$ACTIVITY" "$MEMBERS" "$CLIENTS" "$SCREENS" "$KEY" "${SECOND[@]}"
echo "server peak resident memory (VmHWM) after the burst: $(rss VmHWM) MB"

echo "## GET activity info beside the bare handler (wrk -t2 -c64 -d$DURATION)"
load() {
  local line
  line=$(METHOD=GET wrk -t2 -c64 -d"$DURATION" -s bench/wrk.lua "$URL$2" | grep '^RESULT')
  echo "$1 $line"
}
RESULTS=$(
  load bare /bench/bare
  load activity_info "/api/v3/activitys_for_wx/$ACTIVITY?$Q"
)
WRK_OK=0
python3 bench/wrk_table.py "$RESULTS" || WRK_OK=1

echo "## roster import: $ROWS rows"
MEETING=$(curl -fsS -X POST "$URL/api/v3/meetings?$Q" -H 'content-type: application/json' -d '{"name": "大会"}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])')
"$LOAD" roster "$WORK/roster.xlsx" "$ROWS"
SIZE=$(stat -c %s "$WORK/roster.xlsx")
curl -fsS -o "$WORK/import.json" -w '%{time_total}\n' -X POST "$URL/api/v3/meetings/$MEETING/members/import?$Q" \
  -H 'content-type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' \
  --data-binary @"$WORK/roster.xlsx" >"$WORK/import.time"
python3 - "$WORK/import.json" "$(cat "$WORK/import.time")" "$SIZE" <<'PY'
import json, sys
answer = json.load(open(sys.argv[1]))
secs = float(sys.argv[2])
rows = answer["data"]["imported"]
print(f"imported {rows:,} rows ({int(sys.argv[3]) / 1e6:.1f} MB .xlsx) in {secs:.2f} s: {rows / secs:,.0f} rows/s")
PY
# A wrk row with non-2xx answers has no ratio: the run fails, after its other figures.
exit "$WRK_OK"
