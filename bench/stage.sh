#!/usr/bin/env bash
# The host's stage (issue 36), release build, fresh database: a lottery of PEOPLE members with
# ROUNDS prizes; a console account drives the stage in headless Chromium with the keys a
# presenter's clicker sends (Space commits, PageDown stops the names and draws). Each round is
# timed in the page from the PageDown to the first winner on stage, beside the page's own bare
# round trip to the server (GET /healthz) measured in the same run.
#
#   bench/stage.sh                      # 500 people, 5 rounds of 10 winners
#   PEOPLE=2000 ROUNDS=10 WINNERS=30 bench/stage.sh
#   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1/test bench/stage.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /usr/bin/chromedriver ] || { echo "installing chromium"; DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver fonts-noto-cjk >/dev/null; }
PEOPLE=${PEOPLE:-500}
ROUNDS=${ROUNDS:-5}
WINNERS=${WINNERS:-10}
PORT=${PORT:-19989}

. bench/org_server.sh
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print(d$1)"; }
LOTTERY=$(curl -fsS -X POST "$URL/api/v3/activitys_lottery?$Q" -H 'content-type: application/json' \
  -d '{"activity_name": "年会抽奖"}' | field '["data"]["activity_id"]')
curl -fsS -X PUT "$URL/api/v3/activitys_lottery/$LOTTERY/settings?$Q" -H 'content-type: application/json' \
  -d '{"purpose": "internal"}' >/dev/null
for r in $(seq 1 "$ROUNDS"); do
  curl -fsS -X POST "$URL/api/v3/activitys_lottery/$LOTTERY/prizes?$Q" -H 'content-type: application/json' \
    -d "{\"name\": \"第 $r 个奖品\", \"tier\": $r, \"stock\": $WINNERS}" >/dev/null
done
"$LOAD" signins "$URL" "$TOKEN" "$LOTTERY" "$PEOPLE" 50 0 none >/dev/null
printf 'Stage-Bench-2026!\n' | "$BIN" users create --username host --role org_staff --org "$ORG" >/dev/null

echo "# $(date -u +%FT%TZ) $(nproc) cores, $(basename "${WXHUB_DATABASE_URL%%:*}")"
echo "## $ROUNDS rounds of $WINNERS among $PEOPLE, driven by keys on the host's stage"
"$LOAD" stage "$URL" host Stage-Bench-2026! "$LOTTERY" "$ROUNDS"
