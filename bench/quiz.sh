#!/usr/bin/env bash
# The quiz's benchmark (issue 37), release build, fresh database: MEMBERS members join a quiz,
# headless Chromium opens the quiz's screen, the bare handler is called at the pace of MEMBERS
# in SECS seconds plus the phones' reads (the baseline), then the host opens a question (open
# for SECS + 10 s) and every member answers it at that pace while every phone reads the quiz
# every 2 s (MEMBERS / 2 reads a second). Prints the answers' and the reads' rates and p50/p99
# beside the bare handler's, how many answers the database counted, and how long after the last
# answer the screen showed that count.
#
#   bench/quiz.sh                                     # 5,000 answers within 10 s, SQLite
#   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test bench/quiz.sh
set -euo pipefail
cd "$(dirname "$0")/.."

MEMBERS=${MEMBERS:-5000}
SECS=${SECS:-10}
PORT=${PORT:-19988}

. bench/org_server.sh
ACTIVITY=$(curl -fsS -X POST "$URL/api/v3/activitys_quiz?$Q" -H 'content-type: application/json' \
  -d '{"activity_name": "安全知识竞赛"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["activity_id"])')
curl -fsS -X POST "$URL/api/v3/activitys_quiz/$ACTIVITY/questions?$Q" -H 'content-type: application/json' \
  -d "{\"text\": \"发生火灾时应拨打哪个电话?\", \"choices\": [\"110\", \"119\", \"120\", \"122\"], \"correct\": \"B\", \"seconds\": $((SECS + 10))}" >/dev/null
KEY=$(curl -fsS -X POST "$URL/api/v3/activitys/$ACTIVITY/screen_key?$Q" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["screen_key"])')

echo "# $(date -u +%FT%TZ) $(nproc) cores, $(basename "${WXHUB_DATABASE_URL%%:*}")"
echo "## $MEMBERS answers to one question within $SECS s, every phone reading every 2 s, the quiz's screen open"
"$LOAD" quiz "$URL" "$TOKEN" "$ACTIVITY" "$KEY" "$MEMBERS" "$SECS" | tee "$WORK/quiz.json"
python3 - "$WORK/quiz.json" "$MEMBERS" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
members = int(sys.argv[2])
problems = []
if r["failed"] or r["counted"] != members:
    problems.append(f"{r['failed']} answers failed, {r['counted']} of {members} counted")
if r["screen_equal_after_ms"] is None:
    problems.append("the screen never showed the database's count")
if r["reads_failed"]:
    problems.append(f"{r['reads_failed']} of {r['reads']} phone reads failed")
print("every answer counted" if not problems else "; ".join(problems))
sys.exit(1 if problems else 0)
PY
