#!/usr/bin/env bash
# The `wechat` crate's benchmarks, release build:
#  1. decrypt-and-verify of one 1 KB safe-mode push, ours against wechatpy's (PyPI, in a venv
#     under target/), the same message in the same run;
#  2. template sends through the simulator from 64 concurrent callers: messages per second of
#     the client against a bare HTTP baseline in the same run, and the token requests made.
#
#   bench/wechat.sh                   # 20,000 opens, 20,000 sends
#   OPENS=100000 SENDS=50000 bench/wechat.sh
set -euo pipefail
cd "$(dirname "$0")/.."
OPENS=${OPENS:-20000}
SENDS=${SENDS:-20000}
CONCURRENCY=${CONCURRENCY:-64}

VENV=target/bench-venv
if ! "$VENV/bin/python" -c 'import wechatpy, cryptography' 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check wechatpy==1.8.18 cryptography
fi
cargo build --release --quiet -p wechat-sim --example wechat_bench
BIN=target/release/examples/wechat_bench
SPEC=$(mktemp)
trap 'rm -f "$SPEC"' EXIT

OURS=$("$BIN" crypto "$OPENS" "$SPEC")
THEIRS=$("$VENV/bin/python" bench/wechatpy_decrypt.py "$SPEC" "$OPENS")
SENT=$("$BIN" sends "$SENDS" "$CONCURRENCY")
python3 - "$OURS" "$THEIRS" "$SENT" <<'PY'
import json, sys
ours, theirs, sent = (json.loads(a) for a in sys.argv[1:])
print(f"safe-mode push of {ours['message_bytes']} B, {ours['ops']} times   wechat (Rust)     wechatpy   ratio")
for key, label in (("unseal_per_sec", "verify + decrypt        "), ("open_per_sec", "verify + decrypt + parse")):
    print(f"  {label}           {ours[key]:>10,.0f}/s {theirs[key]:>10,.0f}/s {ours[key] / theirs[key]:>6.1f}x")
print(f"template sends through the simulator, {sent['messages']} messages, {sent['concurrency']} callers")
print(f"  bare HTTP      {sent['bare_per_sec']:>10,.0f}/s")
print(f"  wechat client  {sent['client_per_sec']:>10,.0f}/s  ({sent['ratio']:.0%} of bare)")
print(f"  token requests {sent['token_requests']:>10}")
print(f"  received       {sent['received'] - sent['messages']:>10} by the client run (and {sent['messages']} by the baseline)")
PY
