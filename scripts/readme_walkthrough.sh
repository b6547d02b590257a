#!/usr/bin/env bash
# Runs the README's walkthrough (the block between <!-- walkthrough:start --> and
# <!-- walkthrough:end -->) as written, in a fresh directory, with `cargo run --release --`
# standing for the release binary; then checks that the template message reached the
# simulator. Fails when any command of the walkthrough fails.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

cargo build --release --quiet
BIN="$ROOT/target/release/wxhub"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

for port in 9100 9999; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "FAIL: port $port is taken; the walkthrough uses it as written" >&2
    exit 1
  fi
done

# The block, with its commands as they are, but the binary for `cargo run`.
sed -n '/<!-- walkthrough:start -->/,/<!-- walkthrough:end -->/p' README.md \
  | grep -v -e '^<!--' -e '^```' \
  | sed -e "s#cargo run --release -q --#\"$BIN\"#g" -e "s#cargo run --release --#\"$BIN\"#g" \
  >"$WORK/walkthrough.sh"
grep -q "$BIN" "$WORK/walkthrough.sh" || { echo "FAIL: no walkthrough block in README.md" >&2; exit 1; }

cat >>"$WORK/walkthrough.sh" <<'CHECK'

# --- checks (not part of the README) ---
sleep 1
MESSAGES=$(curl -s http://127.0.0.1:9100/sim/messages)
echo "$MESSAGES" | grep -q oWalkthroughFan || { echo "FAIL: the simulator received no message: $MESSAGES" >&2; exit 1; }
echo "walkthrough: the template message reached the simulator"
CHECK

cd "$WORK"
set +e
WXHUB_LOG_LEVEL=warn bash -euo pipefail -c "trap 'kill \$(jobs -p) 2>/dev/null; wait' EXIT; source ./walkthrough.sh" \
  >"$WORK/out.log" 2>&1
STATUS=$?
set -e
cat "$WORK/out.log"
grep -q '发送成功_' "$WORK/out.log" || { echo "FAIL: sendMsg did not answer 发送成功_<msgid>" >&2; exit 1; }
exit $STATUS
