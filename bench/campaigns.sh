#!/usr/bin/env bash
# Campaign throughput (issue 18): builds release, starts the WeChat simulator (`wxhub sim`) with
# N followers and wxhub (INSTANCES servers) on a fresh database, creates a campaign to all N by
# openId at the highest rate a port may have, and times it from creation to finished (the
# campaign's own createdAt and finishedAt). Then the `wechat` client's own send rate through a
# simulator (bench/wechat.sh's sends, CONCURRENCY calls in flight) in the same run, and the
# ratio. Checks that the simulator received exactly one message per recipient.
#
#   bench/campaigns.sh                                    # 20,000 recipients, SQLite, 1 server
#   N=50000 INSTANCES=2 BENCH_DATABASE_URL=postgres://postgres@127.0.0.1/test bench/campaigns.sh
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-20000}
INSTANCES=${INSTANCES:-1}
CONCURRENCY=${CONCURRENCY:-64}
PORT=${PORT:-19987}
SIM_PORT=${SIM_PORT:-19986}
APP_ID=wx32817247717e7333
APP_SECRET=simsecret0123456789

cargo build --release --quiet
cargo build --release --quiet -p wechat-sim --example wechat_bench
BIN="$PWD/target/release/wxhub"
WECHAT_BENCH="$PWD/target/release/examples/wechat_bench"
WORK=$(mktemp -d)
. bench/database.sh
export WXHUB_LOG_LEVEL=warn WXHUB_RATE_LIMIT_PER_CLIENT=0
export WXHUB_WECHAT_API_BASE="http://127.0.0.1:$SIM_PORT"
export WXHUB_CAMPAIGNS_RATE=100000 WXHUB_CAMPAIGNS_CONCURRENCY="$CONCURRENCY"

"$BIN" sim --listen "127.0.0.1:$SIM_PORT" --account "$APP_ID:$APP_SECRET" >"$WORK/sim.log" 2>&1 &
PIDS=$!
trap 'kill $PIDS 2>/dev/null || true; drop_bench_schema; rm -rf "$WORK"' EXIT
"$BIN" migrate >/dev/null
PORT_ID=$("$BIN" ports create --app-id "$APP_ID" --name bench --app-secret "$APP_SECRET" --redirect-hosts a.com --json \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
CREDS=$("$BIN" clients create --name bench --scope platform --json)
CLIENT_ID=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["client"]["clientId"])' <<<"$CREDS")
SECRET=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["clientSecret"])' <<<"$CREDS")
for i in $(seq 1 "$INSTANCES"); do
  WXHUB_NODE_ID=$i "$BIN" serve --listen "127.0.0.1:$((PORT + i - 1))" >"$WORK/serve$i.log" 2>&1 &
  PIDS="$PIDS $!"
done
URL="http://127.0.0.1:$PORT"
SIM="http://127.0.0.1:$SIM_PORT"
for _ in $(seq 1 50); do curl -fsS "$URL/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
TOKEN=$(curl -fsS -X POST "$URL/oauth2/ums/oauth2/accessToken" \
  -d "grant_type=client_credentials&autoRefresh=true&applicationKey=wechatcp&client_id=$CLIENT_ID&client_secret=$SECRET" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["access_token"])')

# N followers at WeChat (one kept-alive connection), and the campaign's body naming them.
python3 - "$SIM_PORT" "$APP_ID" "$N" "$PORT_ID" >"$WORK/campaign.json" <<'PY'
import http.client, json, sys
port, appid, n, port_id = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
conn = http.client.HTTPConnection("127.0.0.1", int(port))
ids = [f"oCampaignBench{i:07d}" for i in range(n)]
for openid in ids:
    conn.request("POST", f"/sim/accounts/{appid}/users", json.dumps({"openid": openid}),
                 {"content-type": "application/json"})
    conn.getresponse().read()
print(json.dumps({"portId": port_id, "msgTempId": "tmpl-bench",
                  "msgContent": [{"name": "first", "value": "{nickname},您好"},
                                 {"name": "remark", "value": "年终答谢会将于周五举行"}],
                  "segment": {"type": "openIds", "openIds": ids}}))
PY

ID=$(curl -fsS -X POST "$URL/mpwechat/wx/api/campaigns" -H "Sso-Token: $TOKEN" -H 'content-type: application/json' \
  --data-binary "@$WORK/campaign.json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["id"])')
while :; do
  curl -fsS "$URL/mpwechat/wx/api/campaigns/$ID" -H "Sso-Token: $TOKEN" >"$WORK/progress.json"
  STATE=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["result"]["state"])' "$WORK/progress.json")
  [ "$STATE" = finished ] && break
  case "$STATE" in paused|waiting|cancelled) echo "the campaign stopped: $(cat "$WORK/progress.json")"; exit 1 ;; esac
  sleep 0.2
done
RECEIVED=$(curl -fsS "$SIM/sim/messages" | python3 -c '
import json, sys, collections
by = collections.Counter(m["body"]["touser"] for m in json.load(sys.stdin))
print(len(by), max(by.values()))')
# The `wechat` client's own rate, with the simulator in its process, while wxhub idles.
CLIENT=$("$WECHAT_BENCH" sends "$N" "$CONCURRENCY")
python3 - "$WORK/progress.json" "$RECEIVED" "$CLIENT" "$N" "$INSTANCES" "$(basename "${WXHUB_DATABASE_URL%%:*}")" <<'PY'
import json, sys, datetime
c = json.load(open(sys.argv[1]))["result"]
received, most = map(int, sys.argv[2].split())
client = json.loads(sys.argv[3])["client_per_sec"]
n, instances, db = int(sys.argv[4]), sys.argv[5], sys.argv[6]
t = lambda s: datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
secs = (t(c["finishedAt"]) - t(c["createdAt"])).total_seconds()
rate = c["counts"]["sent"] / secs
print(f"# {datetime.datetime.utcnow():%Y-%m-%dT%H:%M:%SZ}, {db}, {instances} server(s)")
print(f"campaign of {n:,}: {c['counts']['sent']:,} sent in {secs:.2f} s = {rate:,.0f}/s; "
      f"the simulator received {received:,} distinct recipients, at most {most} each")
print(f"the wechat client's own rate in this run: {client:,.0f}/s; the campaign ran at {rate / client:.0%} of it")
if received != c["counts"]["sent"] or most != 1:
    sys.exit("MISMATCH between the campaign's sent count and the simulator's record")
PY
