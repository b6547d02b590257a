"""wechatpy's decrypt-and-verify (and parse) of the message wechat_bench measured
(bench/wechat.sh)."""
import json
import sys
import time

from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto

spec = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
crypto = WeChatCrypto(spec["token"], spec["key"], spec["appid"])
args = (spec["envelope"], spec["msg_signature"], spec["timestamp"], spec["nonce"])
for _ in range(max(1, n // 10)):
    crypto.decrypt_message(*args)

started = time.perf_counter()
for _ in range(n):
    plain = crypto.decrypt_message(*args)
unseal = n / (time.perf_counter() - started)
assert len(plain.encode()) == spec["message_bytes"], len(plain)

started = time.perf_counter()
for _ in range(n):
    message = parse_message(crypto.decrypt_message(*args))
opened = n / (time.perf_counter() - started)
assert message.id == 23637352235060880, message.id
print(json.dumps({"ops": n, "unseal_per_sec": round(unseal), "open_per_sec": round(opened)}))
