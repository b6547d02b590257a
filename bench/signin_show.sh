#!/usr/bin/env bash
# The sign-in wall's frame rate (issue 36), release build, fresh database: the activity is
# filled with HOLDING sign-ins, then headless Chromium at 1920×1080 opens the wall and records
# every frame for SECS seconds. The baseline, same run: an empty page, what this machine's
# headless Chromium draws at all. Then the wall with nobody arriving, then while RATE sign-ins a
# second arrive — on the grid, then on the sphere of everyone.
#
#   bench/signin_show.sh                          # 5,000 held, 500 a second for 10 s
#   HOLDING=2000 RATE=200 SECS=10 bench/signin_show.sh
#   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1/test bench/signin_show.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /usr/bin/chromedriver ] || { echo "installing chromium"; DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver fonts-noto-cjk >/dev/null; }
HOLDING=${HOLDING:-5000}
RATE=${RATE:-500}
SECS=${SECS:-10}
PORT=${PORT:-19987}

. bench/org_server.sh
ACTIVITY=$(curl -fsS -X POST "$URL/api/v3/activitys_signin?$Q" -H 'content-type: application/json' \
  -d '{"activity_name": "年度盛典签到", "name_display": "full"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["activity_id"])')
KEY=$(curl -fsS -X POST "$URL/api/v3/activitys/$ACTIVITY/screen_key?$Q" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["screen_key"])')
"$LOAD" signins "$URL" "$TOKEN" "$ACTIVITY" "$HOLDING" 50 0 none >/dev/null

echo "# $(date -u +%FT%TZ) $(nproc) cores, $(basename "${WXHUB_DATABASE_URL%%:*}")"
echo "## the wall holds $HOLDING; $RATE sign-ins a second arrive for $SECS s; frames recorded in the page"
FROM=$HOLDING
for LAYOUT in blank grid sphere; do
  "$LOAD" show "$URL" "$TOKEN" "$ACTIVITY" "$KEY" "$LAYOUT" "$FROM" 0 "$SECS"
done
"$LOAD" show "$URL" "$TOKEN" "$ACTIVITY" "$KEY" blank "$FROM" "$RATE" "$SECS"
FROM=$((FROM + RATE * SECS))
for LAYOUT in grid sphere; do
  "$LOAD" show "$URL" "$TOKEN" "$ACTIVITY" "$KEY" "$LAYOUT" "$FROM" "$RATE" "$SECS"
  FROM=$((FROM + RATE * SECS))
done
