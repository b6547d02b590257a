"""wechatpy's side of the cross-checks (crates/wechat-sim/tests/wechatpy.rs).

    crosscheck.py decrypt TOKEN KEY APPID MSG_SIGNATURE TIMESTAMP NONCE  < envelope.xml
    crosscheck.py encrypt TOKEN KEY APPID NONCE TIMESTAMP                 < message.xml
    crosscheck.py client  BASE APPID SECRET OPENID TEMPLATE_ID
    crosscheck.py jssdk   BASE APPID SECRET NONCE TIMESTAMP URL...

Each prints its result as JSON on stdout.
"""
import json
import sys

from wechatpy import WeChatClient
from wechatpy.crypto import WeChatCrypto


def decrypt(token, key, appid, msg_signature, timestamp, nonce):
    crypto = WeChatCrypto(token, key, appid)
    plain = crypto.decrypt_message(sys.stdin.read(), msg_signature, timestamp, nonce)
    print(json.dumps({"plain": plain}, ensure_ascii=False))


def encrypt(token, key, appid, nonce, timestamp):
    crypto = WeChatCrypto(token, key, appid)
    print(json.dumps({"envelope": crypto.encrypt_message(sys.stdin.read(), nonce, timestamp)}))


class SimClient(WeChatClient):
    """wechatpy's client with its hard-coded token URL pointed at the simulator too."""

    def __init__(self, base, appid, secret):
        super().__init__(appid, secret)
        self.API_BASE_URL = base + "/cgi-bin/"
        self._base = base

    def fetch_access_token(self):
        return self._fetch_access_token(
            url=self._base + "/cgi-bin/token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )


def client(base, appid, secret, openid, template_id):
    c = SimClient(base, appid, secret)
    user = c.user.get(openid)
    sent = c.message.send_template(
        openid,
        template_id,
        {"first": {"value": "首部内容", "color": "#173177"}, "remark": {"value": "尾部内容"}},
        url="http://mem.360lj.com/x",
        mini_program={"appid": "wxmini", "pagepath": "index?foo=bar"},
    )
    print(json.dumps({"token": c.access_token, "user": user, "sent": sent}, ensure_ascii=False))


def jssdk(base, appid, secret, nonce, timestamp, *urls):
    """wechatpy's client fetches the jsapi_ticket and signs each URL."""
    c = SimClient(base, appid, secret)
    ticket = c.jsapi.get_jsapi_ticket()
    signatures = [c.jsapi.get_jsapi_signature(nonce, ticket, timestamp, url) for url in urls]
    print(json.dumps({"ticket": ticket, "signatures": signatures}, ensure_ascii=False))


if __name__ == "__main__":
    commands = {"decrypt": decrypt, "encrypt": encrypt, "client": client, "jssdk": jssdk}
    commands[sys.argv[1]](*sys.argv[2:])
