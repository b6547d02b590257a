#!/usr/bin/env bash
# Runs schemathesis (from PyPI) against a release wxhub on a fresh SQLite database: every
# operation of /openapi.json — the marketing and admin APIs with a platform-admin token (the
# Sso-Token header), the activity API with an org token (its access_token query parameter) —
# checking for 5xx answers and answers that break their own schema.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=target/schemathesis-venv
if [ ! -x "$VENV/bin/schemathesis" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check 'schemathesis>=4,<5'
fi

cargo build --release --quiet
BIN="$PWD/target/release/wxhub"
WORK=$(mktemp -d)
PORT=${SCHEMATHESIS_PORT:-19999}
export WXHUB_DATA_DIR="$WORK" WXHUB_DATABASE_URL="sqlite://$WORK/wxhub.db" WXHUB_LOG_LEVEL=warn WXHUB_RATE_LIMIT_PER_CLIENT=0
# Many requests come from one address; let the throttle see them as what they are.
export WXHUB_AUTH_MAX_FAILURES_PER_ADDRESS=1000000 WXHUB_AUTH_MAX_FAILURES_PER_CLIENT=1000000

# Data for the operations on ids to find (ids 1..3), and clients ahead of ours so that the ids
# schemathesis tries first revoke someone else's client.
for i in 1 2 3; do
  ORG=$("$BIN" orgs create --name "机构$i" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  FIRST_ORG=${FIRST_ORG:-$ORG}
  "$BIN" clients create --name "dummy$i" --scope org --org "$ORG" --json >/dev/null
  "$BIN" ports create --app-id "wx3281724771700$i$i$i" --name "端口$i" --redirect-hosts a.com >/dev/null
  "$BIN" apps create --name "应用$i" --enter-url "http://a.com/$i" >/dev/null
done
CREDS=$("$BIN" clients create --name schemathesis --scope platform-admin --json)
CLIENT_ID=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["client"]["clientId"])' <<<"$CREDS")
SECRET=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["clientSecret"])' <<<"$CREDS")
ORG_CREDS=$("$BIN" clients create --name schemathesis-org --scope org --org "$FIRST_ORG" --json)
ORG_CLIENT_ID=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["client"]["clientId"])' <<<"$ORG_CREDS")
ORG_SECRET=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["clientSecret"])' <<<"$ORG_CREDS")

"$BIN" serve --listen "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 50); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.2; done

token() {
  curl -fsS -X POST "http://127.0.0.1:$PORT/oauth2/ums/oauth2/accessToken" \
    -d grant_type=client_credentials -d autoRefresh=true -d applicationKey=wechatcp \
    --data-urlencode "client_id=$1" --data-urlencode "client_secret=$2" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["access_token"])'
}
TOKEN=$(token "$CLIENT_ID" "$SECRET")
ORG_TOKEN=$(token "$ORG_CLIENT_ID" "$ORG_SECRET")
# An activity of each kind for the org, so that operations on ids find one.
for kind in signin lottery message vote quiz shake; do
  curl -fsS -X POST "http://127.0.0.1:$PORT/api/v3/activitys_$kind?access_token=$ORG_TOKEN&access_type=org" \
    -H 'content-type: application/json' -d '{"activity_name": "活动"}' >/dev/null
done

run() {
  "$VENV/bin/schemathesis" run "http://127.0.0.1:$PORT/openapi.json" \
    --header "Sso-Token: $TOKEN" \
    --checks not_a_server_error,response_schema_conformance \
    --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-30}" \
    --no-color "$@"
}
# Every operation is covered, in two passes: first all that leave the caller's own client and
# keys alone, then the destructive ones (which may well revoke the very token they run with;
# their 401s are checked against the schema too).
DESTRUCTIVE='^/admin/api/v1/(clients/\{id\}(/revoke|/secret)?|keys/.*|[a-z]+/\{id\})$'
ACTIVITY_API='^/(api/v3/|activitys_for_wx/)'
run --exclude-path-regex "$DESTRUCTIVE|$ACTIVITY_API"
# The activity API takes its token in the query (access_token, access_type): a pass of its own
# with the org's token in those two parameters and everything else generated.
cat >"$WORK/schemathesis.toml" <<TOML
[parameters]
"query.access_token" = "$ORG_TOKEN"
"query.access_type" = "org"
TOML
"$VENV/bin/schemathesis" --config-file "$WORK/schemathesis.toml" run \
  "http://127.0.0.1:$PORT/openapi.json" \
  --checks not_a_server_error,response_schema_conformance \
  --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-30}" \
  --no-color --include-path-regex "$ACTIVITY_API"
run --include-path-regex "$DESTRUCTIVE"
# What the server logged while it was fuzzed holds no phone number (issue 39).
scripts/scan_logs.py "$WORK/serve.log"
