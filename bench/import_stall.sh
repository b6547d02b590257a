#!/usr/bin/env bash
# Does a large import stall other writers? Release build, fresh database: sign-ins of another
# org's activity, one at a time, first alone (the baseline), then while one org imports a
# ROWS-row roster; reports each phase's sign-in p50 / p99 / max latency and the ratio of the
# worst during the import to the baseline's p99. (Before imports were written in 1,000-row
# transactions, a 200,000-row import held a sign-in on SQLite for 6.8 s.)
#
#   bench/import_stall.sh                 # 200,000 rows
#   ROWS=50000 bench/import_stall.sh
#   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test bench/import_stall.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-200000}
PORT=${PORT:-19993}

. bench/org_server.sh
ACTIVITY=$(curl -fsS -X POST "$URL/api/v3/activitys_signin?$Q" -H 'content-type: application/json' \
  -d '{"activity_name": "另一场签到"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["activity_id"])')
MEETING=$(curl -fsS -X POST "$URL/api/v3/meetings?$Q" -H 'content-type: application/json' -d '{"name": "大会"}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])')
"$LOAD" roster "$WORK/roster.xlsx" "$ROWS"

signin() { # $1: member id → seconds
  curl -fsS -o /dev/null -w '%{time_total}\n' -X POST \
    "$URL/api/v3/activitys_for_wx/$ACTIVITY/wx/userInfo?$Q" -H 'content-type: application/json' \
    -d "{\"member_id\": \"$1\", \"member_nickname\": \"n\"}"
}

echo "# $(date -u +%FT%TZ) $(nproc) cores, $(basename "${WXHUB_DATABASE_URL%%:*}"), $ROWS-row import"
for i in $(seq 1 200); do signin "base$i"; done >"$WORK/baseline.txt"

curl -fsS -o "$WORK/import.json" -w '%{time_total}\n' -X POST "$URL/api/v3/meetings/$MEETING/members/import?$Q" \
  -H 'content-type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' \
  --data-binary @"$WORK/roster.xlsx" >"$WORK/import.time" &
IMPORT=$!
: >"$WORK/during.txt"
i=0
while kill -0 "$IMPORT" 2>/dev/null; do
  i=$((i + 1))
  signin "during$i" >>"$WORK/during.txt"
done
wait "$IMPORT"

python3 - "$WORK/baseline.txt" "$WORK/during.txt" "$WORK/import.json" "$(cat "$WORK/import.time")" <<'PY'
import json, sys
def stats(path):
    xs = sorted(float(l) * 1000 for l in open(path) if l.strip())
    pick = lambda q: xs[min(len(xs) - 1, int(q * len(xs)))]
    return len(xs), pick(0.5), pick(0.99), xs[-1]
base = stats(sys.argv[1])
during = stats(sys.argv[2])
imported = json.load(open(sys.argv[3]))["data"]["imported"]
print(f"import: {imported:,} rows in {float(sys.argv[4]):.2f} s")
print("| sign-ins | count | p50 ms | p99 ms | max ms |")
print("| --- | ---: | ---: | ---: | ---: |")
for name, (n, p50, p99, mx) in (("alone", base), ("during the import", during)):
    print(f"| {name} | {n} | {p50:.1f} | {p99:.1f} | {mx:.1f} |")
print(f"worst sign-in during the import: {during[3] / base[2]:.1f}x the baseline's p99")
PY
