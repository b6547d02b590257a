#!/usr/bin/env bash
# Auto-replies' benchmark (issue 38), release build, fresh database: a port in safe mode holds
# KEYWORDS keyword rules (k0 … answered 回复0 …); the load generator sends RATE safe-mode text
# pushes a second for SECS seconds, each sealed and signed as WeChat does with its own nonce
# and MsgId, every one a keyword's; an answer counts when it is a sealed reply. Beside it, in
# the same run, the bare handler at the same rate. Aim: 2,000 a second with p99 under 50 ms.
#
#   bench/replies.sh                                                          # SQLite
#   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test bench/replies.sh
#   RATE=3000 bench/replies.sh
set -euo pipefail
cd "$(dirname "$0")/.."

KEYWORDS=${KEYWORDS:-1000}
RATE=${RATE:-2000}
SECS=${SECS:-10}
PORT=${PORT:-19987}
APP_ID=wx00000000000bench
CB_TOKEN=benchtoken2026
AES_KEY=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG

. bench/org_server.sh
"$BIN" ports create --app-id "$APP_ID" --name 压测端口 --callback-token "$CB_TOKEN" \
  --encoding-aes-key "$AES_KEY" >/dev/null
ADMIN=$("$BIN" clients create --name bench-admin --scope platform-admin --json)
ADMIN_ID=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["client"]["clientId"])' <<<"$ADMIN")
ADMIN_SECRET=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["clientSecret"])' <<<"$ADMIN")
ADMIN_TOKEN=$(curl -fsS -X POST "$URL/oauth2/ums/oauth2/accessToken" \
  -d "grant_type=client_credentials&autoRefresh=true&applicationKey=wechatcp&client_id=$ADMIN_ID&client_secret=$ADMIN_SECRET" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["access_token"])')
PORT_ID=$(curl -fsS "$URL/admin/api/v1/ports?pageSize=100" -H "Sso-Token: $ADMIN_TOKEN" \
  | python3 -c "import json,sys; print([p['id'] for p in json.load(sys.stdin)['items'] if p['appId']=='$APP_ID'][0])")
python3 - "$URL" "$ADMIN_TOKEN" "$PORT_ID" "$KEYWORDS" <<'PY'
import json, sys, urllib.request
url, token, port, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
for i in range(n):
    body = json.dumps({"on": "keyword", "pattern": f"k{i}",
                       "reply": {"type": "text", "content": f"回复{i}"}}).encode()
    req = urllib.request.Request(f"{url}/admin/api/v1/ports/{port}/reply-rules", data=body,
                                 headers={"Sso-Token": token, "content-type": "application/json"})
    urllib.request.urlopen(req).read()
PY

echo "# $(date -u +%FT%TZ) $(nproc) cores, $(basename "${WXHUB_DATABASE_URL%%:*}")"
echo "## $RATE safe-mode pushes a second for $SECS s, each answered by one of $KEYWORDS keywords"
"$LOAD" replies "$URL" "$APP_ID" "$CB_TOKEN" "$AES_KEY" "$KEYWORDS" "$RATE" "$SECS" | tee "$WORK/replies.json"
python3 - "$WORK/replies.json" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
ok = r["failed_or_unreplied"] == 0 and r["p99_ms"] < 50
print("every push answered with its reply, p99 under 50 ms" if ok else
      f"{r['failed_or_unreplied']} pushes failed or got no reply; p99 {r['p99_ms']} ms")
PY
