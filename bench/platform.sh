#!/usr/bin/env bash
# The marketing platform's load benchmark (seed 001 §2–5). Builds release, starts the WeChat
# simulator (`wxhub sim`) and wxhub on a fresh SQLite database pointed at it, and loads with
# wrk (Debian's): the bare baseline handler, getFans, sendMsg end to end through the simulator,
# and addFans of 1,000 fans per request. Reports req/s, p50, p99, the ratio to the bare
# handler in the same run, the token requests the sendMsg load made at the simulator, and
# sendMsg's rate against the `wechat` client's own (bench/wechat.sh's sends) in the same run.
#
#   bench/platform.sh                  # 10 s per endpoint, 64 connections
#   DURATION=30s bench/platform.sh
set -euo pipefail
cd "$(dirname "$0")/.."

command -v wrk >/dev/null || { echo "installing wrk"; DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null; }
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
PORT=${PORT:-19997}
SIM_PORT=${SIM_PORT:-19996}
APP_ID=wx32817247717e7333
APP_SECRET=simsecret0123456789

cargo build --release --quiet
cargo build --release --quiet -p wechat-sim --example wechat_bench
BIN="$PWD/target/release/wxhub"
WECHAT_BENCH="$PWD/target/release/examples/wechat_bench"
WORK=$(mktemp -d)
. bench/database.sh
export WXHUB_LOG_LEVEL=warn WXHUB_BENCH_BASELINE=true WXHUB_RATE_LIMIT_PER_CLIENT=0
export WXHUB_WECHAT_API_BASE="http://127.0.0.1:$SIM_PORT" WXHUB_WECHAT_OAUTH_BASE="http://127.0.0.1:$SIM_PORT"

"$BIN" sim --listen "127.0.0.1:$SIM_PORT" --account "$APP_ID:$APP_SECRET" >"$WORK/sim.log" 2>&1 &
SIM_PID=$!
PORT_ID=$("$BIN" ports create --app-id "$APP_ID" --name bench --app-secret "$APP_SECRET" --redirect-hosts a.com --json \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
CREDS=$("$BIN" clients create --name bench --scope platform-admin --json)
CLIENT_ID=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["client"]["clientId"])' <<<"$CREDS")
SECRET=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["clientSecret"])' <<<"$CREDS")

"$BIN" serve --listen "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
PID=$!
trap 'kill $PID $SIM_PID 2>/dev/null || true; drop_bench_schema; rm -rf "$WORK"' EXIT
for _ in $(seq 1 50); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
URL="http://127.0.0.1:$PORT"
SIM="http://127.0.0.1:$SIM_PORT"
TOKEN=$(curl -fsS -X POST "$URL/oauth2/ums/oauth2/accessToken" \
  -d "grant_type=client_credentials&autoRefresh=true&applicationKey=wechatcp&client_id=$CLIENT_ID&client_secret=$SECRET" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["access_token"])')

# One subscribed fan at WeChat and in wxhub, linked to a unified user.
curl -fsS -X POST "$SIM/sim/accounts/$APP_ID/users" -H 'content-type: application/json' \
  -d '{"openid": "oBenchFan", "unionid": "uBenchUnion", "subscribed": true}' >/dev/null
USER_ID=$(curl -fsS -X PUT "$URL/mpwechat/wx/api/fans/addUser" -H "Sso-Token: $TOKEN" \
  -d unionId=uBenchUnion -d phone=13145738791 | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["userId"])')
curl -fsS -X PUT "$URL/mpwechat/wx/api/fans/addFans" -H "Sso-Token: $TOKEN" -H 'content-type: application/json' \
  -d "{\"appId\": \"$APP_ID\", \"fans\": [{\"openId\": \"oBenchFan\", \"unionId\": \"uBenchUnion\", \"subscribe\": 1}]}" >/dev/null
# Four sets of 1,000 fans (oBulk<set>x<n>): four importers, each with its own followers.
for SET_NO in 0 1 2 3; do SET_NO=$SET_NO python3 - "$APP_ID" >"$WORK/fans$SET_NO.json" <<'PY'
import json, os, sys
s = os.environ["SET_NO"]
fans = [{"openId": f"oBulk{s}x{i:04d}", "unionId": f"uBulk{s}x{i:04d}", "subscribe": 1, "nickname": f"粉丝{i}",
         "sex": i % 3, "city": "guangzhou", "province": "guangdong", "country": "china", "language": "zh_CN",
         "headImgUrl": "http://thirdwx.qlogo.cn/mmopen/x/132", "subscribeTime": "2019-05-29 19:54:46",
         "subscribeScene": "ADD_SCENE_SEARCH", "qrScene": "0"} for i in range(1000)]
print(json.dumps({"appId": sys.argv[1], "fans": fans}, ensure_ascii=False))
PY
done
CONTENT='[{"name":"first","value":"会议提醒"},{"name":"keyword1","value":"张三"},{"name":"remark","value":"请准时参加"}]'
SEND="portId=$PORT_ID&userId=$USER_ID&msgType=1&msgTempId=tmpl-bench&msgContent=$(python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$CONTENT")"

load() { # name method path body content-type token [body file] [connections]
  local line
  line=$(METHOD=$2 BODY=$4 CTYPE=$5 TOKEN=$6 BODY_FILE=${7:-} wrk -t"$THREADS" -c"${8:-$CONNECTIONS}" -d"$DURATION" \
    --timeout 10s -s bench/wrk.lua "$URL$3" | grep '^RESULT')
  echo "$1 $line"
}
# Four importers at once, one connection each, each upserting its own 1,000 fans: one line, the
# rates summed, the p50 averaged, the worst p99.
importers() { # name
  local i
  for i in 0 1 2 3; do
    THREADS=1 load "$1" PUT /mpwechat/wx/api/fans/addFans "" application/json "$TOKEN" "$WORK/fans$i.json" 1 &
  done | awk '{r += $3; p50 += $4; if ($5 > p99) p99 = $5; bad += $6; n += $7}
    END {printf "%s RESULT %.0f %.2f %.2f %d %d\n", $1, r, p50 / NR, p99, bad, n}'
}
tokens() { curl -fsS "$SIM/sim/calls" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("/cgi-bin/stable_token", 0))'; }

echo "# $(date -u +%FT%TZ) $(nproc) cores, wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $(basename "${WXHUB_DATABASE_URL%%:*}")"
RESULTS=$(
  load bare GET /bench/bare "" "" ""
  load get_fans GET "/mpwechat/wx/api/fans/getFans?userId=$USER_ID&portId=$PORT_ID" "" "" "$TOKEN"
  load send_msg POST /mpwechat/wx/api/fans/sendMsg "$SEND" application/x-www-form-urlencoded "$TOKEN"
  # Bulk imports come a few at a time: four importers with their own fans, 1,000 a request;
  # then the worst case, the same 1,000 fans from 4 connections (each waits for the others).
  importers add_fans_1000
  load add_fans_1000_same PUT /mpwechat/wx/api/fans/addFans "" application/json "$TOKEN" "$WORK/fans0.json" 4
)
SENT=$(curl -fsS "$SIM/sim/messages" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
# The `wechat` client's own rate through the simulator, in this run (the aim for sendMsg is a
# share of it): its benchmark, with the simulator in its process, while wxhub idles.
CLIENT=$("$WECHAT_BENCH" sends 20000 "$CONNECTIONS")
WRK_OK=0
python3 bench/wrk_table.py "$RESULTS" || WRK_OK=1
python3 - "$RESULTS" "$(tokens)" "$SENT" "$CLIENT" <<'PY'
import json, sys
rows = [l.split() for l in sys.argv[1].strip().splitlines()]
fans = next(r for r in rows if r[0] == "add_fans_1000")
same = next(r for r in rows if r[0] == "add_fans_1000_same")
print(f"\naddFans: {float(fans[2]) * 1000:,.0f} fans upserted per second (1,000 per request, four importers "
      f"with their own fans); the same 1,000 fans from 4 connections: {float(same[2]) * 1000:,.0f}/s")
print(f"sendMsg: {int(sys.argv[3]):,} template messages reached the simulator; token requests made: {sys.argv[2]}")
client = json.loads(sys.argv[4])["client_per_sec"]
send = float(next(r for r in rows if r[0] == "send_msg")[2])
print(f"sendMsg end to end: {send:,.0f}/s, {send / client:.0%} of the wechat client's own {client:,.0f}/s in this run")
PY
# A wrk row with non-2xx answers has no ratio: the run fails, after its other figures.
exit "$WRK_OK"
