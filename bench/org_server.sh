# Sourced by the activity benchmarks (activities.sh, lottery.sh) with PORT set: builds release
# (and the activity load generator), starts wxhub on a fresh database in a temporary directory
# with an org and an org client, and sets BIN, LOAD, WORK, URL, TOKEN and Q (the org token's
# query string). The server and the directory go away on exit.
cargo build --release --quiet
cargo build --release --quiet -p wxhub --example activity_bench
BIN="$PWD/target/release/wxhub"
LOAD="$PWD/target/release/examples/activity_bench"
WORK=$(mktemp -d)
. bench/database.sh
export WXHUB_LOG_LEVEL=warn WXHUB_BENCH_BASELINE=true WXHUB_RATE_LIMIT_PER_CLIENT=0
ulimit -n 65536 2>/dev/null || true

ORG=$("$BIN" orgs create --name 会务 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
CREDS=$("$BIN" clients create --name bench --scope org --org "$ORG" --json)
CLIENT_ID=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["client"]["clientId"])' <<<"$CREDS")
SECRET=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["clientSecret"])' <<<"$CREDS")
"$BIN" serve --listen "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; drop_bench_schema; rm -rf "$WORK"' EXIT
for _ in $(seq 1 50); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
URL="http://127.0.0.1:$PORT"
TOKEN=$(curl -fsS -X POST "$URL/oauth2/ums/oauth2/accessToken" \
  -d "grant_type=client_credentials&autoRefresh=true&applicationKey=wechatcp&client_id=$CLIENT_ID&client_secret=$SECRET" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["access_token"])')
Q="access_token=$TOKEN&access_type=org"
