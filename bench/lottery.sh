#!/usr/bin/env bash
# The lottery's and the message wall's benchmark, release build, fresh SQLite database:
#  1. import and export of ROWS lottery participants (.xlsx), beside the format's own cost
#     (calamine reading and rust_xlsxwriter writing the same rows in-process);
#  2. a draw of WINNERS among PARTICIPANTS participants (imported in ROWS-row files): commit
#     (the list sorted, hashed and stored) and draw, beside the algorithm in-process;
#  3. POSTS message-wall posts from CLIENTS callers through the sensitive-word filter (WORDS
#     words, every fourth post hits one), beside GET /bench/bare from the same load generator.
#
#   bench/lottery.sh                      # 100,000 rows; 100 of 1,000,000; 20,000 posts
#   ROWS=10000 PARTICIPANTS=100000 POSTS=5000 bench/lottery.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${ROWS:-100000}
PARTICIPANTS=${PARTICIPANTS:-1000000}
WINNERS=${WINNERS:-100}
POSTS=${POSTS:-20000}
MEMBERS=${MEMBERS:-2000}
CLIENTS=${CLIENTS:-64}
WORDS=${WORDS:-1000}
PORT=${PORT:-19993}

. bench/org_server.sh
XLSX='application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print(d$1)"; }
LOTTERY=$(curl -fsS -X POST "$URL/api/v3/activitys_lottery?$Q" -H 'content-type: application/json' \
  -d '{"activity_name": "年会抽奖"}' | field '["data"]["activity_id"]')
curl -fsS -X PUT "$URL/api/v3/activitys_lottery/$LOTTERY/settings?$Q" -H 'content-type: application/json' \
  -d '{"purpose": "internal"}' >/dev/null

echo "# $(date -u +%FT%TZ) $(nproc) cores, $(basename "${WXHUB_DATABASE_URL%%:*}")"
echo "## participants: import and export of $ROWS rows"
"$LOAD" participants "$WORK/p0.xlsx" "$ROWS" 0
BASELINE=$("$LOAD" xlsx-baseline "$WORK/p0.xlsx")
IMPORT=$(curl -fsS -o "$WORK/import.json" -w '%{time_total}' -X POST "$URL/api/v3/activitys_lottery/$LOTTERY/participants/import?$Q" \
  -H "content-type: $XLSX" --data-binary @"$WORK/p0.xlsx")
EXPORT=$(curl -fsS -o "$WORK/export.xlsx" -w '%{time_total}' "$URL/api/v3/activitys_lottery/$LOTTERY/participants/export?$Q")
python3 - "$BASELINE" "$IMPORT" "$EXPORT" "$WORK/import.json" "$(stat -c %s "$WORK/p0.xlsx")" "$(stat -c %s "$WORK/export.xlsx")" <<'PY'
import json, sys
base = json.loads(sys.argv[1]); imp, exp = float(sys.argv[2]), float(sys.argv[3])
rows = json.load(open(sys.argv[4]))["data"]["imported"]
print("| step | rows | seconds | rows/s | the format alone (in-process) | vs the format alone |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
print(f"| import ({int(sys.argv[5])/1e6:.1f} MB .xlsx) | {rows:,} | {imp:.2f} | {rows/imp:,.0f} | read {base['read_s']:.2f} s | {imp/max(base['read_s'], 0.001):.1f}× |")
print(f"| export ({int(sys.argv[6])/1e6:.1f} MB .xlsx) | {rows:,} | {exp:.2f} | {rows/exp:,.0f} | write {base['write_s']:.2f} s | {exp/max(base['write_s'], 0.001):.1f}× |")
PY

echo "## a draw of $WINNERS among $PARTICIPANTS participants"
FROM=$ROWS
while [ "$FROM" -lt "$PARTICIPANTS" ]; do
  N=$(( PARTICIPANTS - FROM < ROWS ? PARTICIPANTS - FROM : ROWS ))
  "$LOAD" participants "$WORK/p.xlsx" "$N" "$FROM"
  curl -fsS -o /dev/null -X POST "$URL/api/v3/activitys_lottery/$LOTTERY/participants/import?$Q" \
    -H "content-type: $XLSX" --data-binary @"$WORK/p.xlsx"
  FROM=$(( FROM + N ))
done
PRIZE=$(curl -fsS -X POST "$URL/api/v3/activitys_lottery/$LOTTERY/prizes?$Q" -H 'content-type: application/json' \
  -d "{\"name\": \"一等奖\", \"stock\": $WINNERS}" | field '["data"]["prize_id"]')
COMMIT=$(curl -fsS -o "$WORK/commit.json" -w '%{time_total}' -X POST "$URL/api/v3/activitys_lottery/$LOTTERY/rounds?$Q" \
  -H 'content-type: application/json' -d "{\"prize_id\": $PRIZE, \"count\": $WINNERS}")
ROUND=$(field '["data"]["round_id"]' <"$WORK/commit.json")
DRAW=$(curl -fsS -o "$WORK/draw.json" -w '%{time_total}' -X POST "$URL/api/v3/activitys_lottery/$LOTTERY/rounds/$ROUND/draw?$Q")
curl -fsS -o "$WORK/round.json" "$URL/api/v3/activitys_lottery/$LOTTERY/rounds/$ROUND?$Q"
VERIFY=$( { /usr/bin/time -f '%e' "$BIN" lottery verify "$WORK/round.json" >/dev/null; } 2>&1 | tail -1)
ALGO=$("$LOAD" draw-baseline "$PARTICIPANTS" "$WINNERS")
python3 - "$COMMIT" "$DRAW" "$VERIFY" "$ALGO" "$WORK/commit.json" "$WORK/draw.json" <<'PY'
import json, sys
commit, draw, verify = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
algo = json.loads(sys.argv[4])
c = json.load(open(sys.argv[5]))["data"]; d = json.load(open(sys.argv[6]))["data"]
n, k = c["participants_count"], len(d["winners"])
print("| step | seconds | the algorithm alone (in-process) | vs the algorithm |")
print("| --- | ---: | ---: | ---: |")
print(f"| commit: {n:,} participants listed, sorted, hashed, stored | {commit:.2f} | sort + hash + draw {algo['seconds']:.2f} s | {commit/max(algo['seconds'], 0.001):.1f}× |")
print(f"| draw: {k} winners, stock, winners, audit, stream, in one transaction | {draw:.2f} | | |")
print(f"| `wxhub lottery verify` of the published record | {verify:.2f} | | |")
PY

echo "## the message wall: $POSTS posts from $CLIENTS callers through $WORDS sensitive words"
WALL=$(curl -fsS -X POST "$URL/api/v3/activitys_message?$Q" -H 'content-type: application/json' \
  -d '{"activity_name": "留言墙"}' | field '["data"]["activity_id"]')
curl -fsS -X PUT "$URL/api/v3/activitys_message/$WALL/wall/settings?$Q" -H 'content-type: application/json' \
  -d '{"per_minute": 600}' >/dev/null
WORDLIST=$(python3 -c "import json; print(json.dumps({'words': ['敏感词%d号' % i for i in range($WORDS)]}))")
curl -fsS -X POST "$URL/api/v3/sensitive_words?$Q" -H 'content-type: application/json' -d "$WORDLIST" >/dev/null
RESULT=$("$LOAD" wall "$URL" "$TOKEN" "$WALL" "$MEMBERS" "$POSTS" "$CLIENTS")
python3 - "$RESULT" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
print("| load | per second | p50 ms | p99 ms | vs bare |")
print("| --- | ---: | ---: | ---: | ---: |")
print(f"| GET /bench/bare | {r['bare_per_sec']:,} | | {r['bare_p99_ms']} | 100% |")
print(f"| wall posts through the filter | {r['posts_per_sec']:,} | {r['p50_ms']} | {r['p99_ms']} | {r['vs_bare']:.0%} |")
PY
