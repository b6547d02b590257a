#!/usr/bin/env bash
# The vote's benchmark (issue 37), release build, fresh database: MEMBERS members join a vote of
# four options, headless Chromium opens the vote's screen, then at the pace of MEMBERS in SECS
# seconds the bare handler is called (the baseline) and then every member votes once. Prints the
# ballots' rate and p50/p99 beside the bare handler's, how many ballots the database counted,
# and how long after the last answer the screen showed the database's totals.
#
#   bench/vote.sh                                     # 5,000 members within 10 s, SQLite
#   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test bench/vote.sh
#   MEMBERS=1000 SECS=5 bench/vote.sh
set -euo pipefail
cd "$(dirname "$0")/.."

MEMBERS=${MEMBERS:-5000}
SECS=${SECS:-10}
PORT=${PORT:-19989}

. bench/org_server.sh
ACTIVITY=$(curl -fsS -X POST "$URL/api/v3/activitys_vote?$Q" -H 'content-type: application/json' \
  -d '{"activity_name": "最佳节目评选"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["activity_id"])')
for label in "《春暖花开》合唱" "相声《年终总结》" "魔术《消失的年终奖》" "舞蹈《追光》"; do
  curl -fsS -X POST "$URL/api/v3/activitys_vote/$ACTIVITY/options?$Q" -H 'content-type: application/json' \
    -d "{\"label\": \"$label\"}" >/dev/null
done
curl -fsS -X POST "$URL/api/v3/activitys_vote/$ACTIVITY/open?$Q" >/dev/null
KEY=$(curl -fsS -X POST "$URL/api/v3/activitys/$ACTIVITY/screen_key?$Q" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["screen_key"])')

echo "# $(date -u +%FT%TZ) $(nproc) cores, $(basename "${WXHUB_DATABASE_URL%%:*}")"
echo "## $MEMBERS ballots within $SECS s, the vote's screen open"
"$LOAD" vote "$URL" "$TOKEN" "$ACTIVITY" "$KEY" "$MEMBERS" "$SECS" | tee "$WORK/vote.json"
python3 - "$WORK/vote.json" "$MEMBERS" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
members = int(sys.argv[2])
problems = []
if r["failed"] or r["counted"] != members:
    problems.append(f"{r['failed']} ballots failed, {r['counted']} of {members} counted")
if r["screen_equal_after_ms"] is None:
    problems.append("the screen never showed the database's totals")
print("every ballot counted" if not problems else "; ".join(problems))
sys.exit(1 if problems else 0)
PY
