#!/usr/bin/env bash
# The shake race's benchmark (issue 37), release build, fresh database: PHONES members join a
# shake race, headless Chromium opens its screen, the bare handler is called at PHONES × RATE a
# second for 10 s (the baseline), then a round starts and every phone sends its running total
# RATE times a second for SECS seconds. Prints the updates' rate and p50/p99 beside the bare
# handler's, the screen's frames and state reads per second during the race, whether the
# screen's first ten equal the database's after the stop, and each server's peak memory.
#
#   bench/shake.sh                       # 5,000 phones × 5 a second for 30 s, SQLite
#   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test SPLIT=1 bench/shake.sh
#                                        # PostgreSQL, the phones split over two instances
set -euo pipefail
cd "$(dirname "$0")/.."

PHONES=${PHONES:-5000}
RATE=${RATE:-5}
SECS=${SECS:-30}
PORT=${PORT:-19990}

. bench/org_server.sh
ACTIVITY=$(curl -fsS -X POST "$URL/api/v3/activitys_shake?$Q" -H 'content-type: application/json' \
  -d '{"activity_name": "年会摇一摇"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["activity_id"])')
curl -fsS -X PUT "$URL/api/v3/activitys_shake/$ACTIVITY/settings?$Q" -H 'content-type: application/json' \
  -d "{\"target\": 10000, \"seconds\": $((SECS + 60)), \"places\": 3, \"countdown\": 0}" >/dev/null
KEY=$(curl -fsS -X POST "$URL/api/v3/activitys/$ACTIVITY/screen_key?$Q" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["screen_key"])')
SECOND=()
PIDS=("$PID")
if [ "${SPLIT:-0}" = 1 ]; then
  "$BIN" serve --listen "127.0.0.1:$((PORT + 1))" >"$WORK/serve2.log" 2>&1 &
  PID2=$!
  PIDS+=("$PID2")
  trap 'kill $PID $PID2 2>/dev/null || true; drop_bench_schema; rm -rf "$WORK"' EXIT
  for _ in $(seq 1 50); do curl -fsS "http://127.0.0.1:$((PORT + 1))/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
  SECOND=("http://127.0.0.1:$((PORT + 1))")
fi

echo "# $(date -u +%FT%TZ) $(nproc) cores, $(basename "${WXHUB_DATABASE_URL%%:*}"), ${#PIDS[@]} instance(s)"
echo "## $PHONES phones sending their totals $RATE times a second for $SECS s, the screen open"
"$LOAD" shake "$URL" "$TOKEN" "$ACTIVITY" "$KEY" "$PHONES" "$SECS" "$RATE" "${SECOND[@]}" | tee "$WORK/shake.json"
for p in "${PIDS[@]}"; do
  echo "server $p peak resident memory (VmHWM): $(awk '$1 == "VmHWM:" {printf "%.0f", $2 / 1024}' "/proc/$p/status") MB"
done
python3 - "$WORK/shake.json" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
problems = []
if r["failed"]:
    problems.append(f"{r['failed']} updates failed")
if not r["board_equal"]:
    problems.append("the screen's first ten differ from the database's")
print("every update answered, the screen equal" if not problems else "; ".join(problems))
sys.exit(1 if problems else 0)
PY
