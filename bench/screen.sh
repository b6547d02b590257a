#!/usr/bin/env bash
# How many events per second one big screen renders, release build, fresh database: EVENTS
# sign-ins are made first (200 callers), then a plain stream client reads them all from the
# replay (the baseline: what the server delivers), then headless Chromium opens the sign-in
# wall and the time until its count shows EVENTS is taken (page load included).
#
#   bench/screen.sh                    # 20,000 events, SQLite
#   EVENTS=50000 bench/screen.sh
#   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1/test bench/screen.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /usr/bin/chromedriver ] || { echo "installing chromium"; DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver fonts-noto-cjk >/dev/null; }
EVENTS=${EVENTS:-20000}
PORT=${PORT:-19996}

. bench/org_server.sh
ACTIVITY=$(curl -fsS -X POST "$URL/api/v3/activitys_signin?$Q" -H 'content-type: application/json' \
  -d '{"activity_name": "年度大会签到"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["activity_id"])')
KEY=$(curl -fsS -X POST "$URL/api/v3/activitys/$ACTIVITY/screen_key?$Q" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["screen_key"])')

echo "# $(date -u +%FT%TZ) $(nproc) cores, $(basename "${WXHUB_DATABASE_URL%%:*}")"
echo "## $EVENTS sign-ins made first"
"$LOAD" signins "$URL" "$TOKEN" "$ACTIVITY" "$EVENTS" 200 0 "$KEY"
echo "## one screen reads them: the stream alone, then the sign-in wall in Chromium"
"$LOAD" screen "$URL" "$ACTIVITY" "$KEY" "$EVENTS"
