//! The callback path: the signature check, safe mode's AES envelope and the XML parser, fed
//! what a hostile sender controls (the query and the body). Half the inputs are signed with
//! the account's token by the harness, so the fuzzer also reaches the decryption and the
//! parser behind the signature check.
#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use wechat::callback::{CallbackQuery, Message, Verifier};
use wechat::crypto::{signature, MsgCrypt};

const TOKEN: &str = "fuzztoken";
const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const APPID: &str = "wx0123456789abcdef";
const NOW: i64 = 1_700_000_000;

#[derive(Arbitrary, Debug)]
enum Input {
    /// A raw POST: the query and body as sent.
    Raw {
        signature: String,
        timestamp: String,
        nonce: String,
        aes: bool,
        msg_signature: String,
        body: String,
    },
    /// A plain-mode body under a correct signature: the parser's input is the fuzzer's.
    SignedPlain { nonce: String, body: String },
    /// A safe-mode body under a correct msg_signature: `encrypt` is decrypted (bad base64,
    /// padding, lengths and appids), or the plaintext is sealed properly and then parsed.
    SignedSafe {
        nonce: String,
        encrypt: String,
        seal: bool,
        envelope_prefix: String,
    },
    /// The parsers alone.
    Xml(String),
}

fuzz_target!(|input: Input| {
    let verifier = Verifier::new(TOKEN, Some(AES_KEY), APPID, 300).unwrap();
    let ts = NOW.to_string();
    match input {
        Input::Raw {
            signature,
            timestamp,
            nonce,
            aes,
            msg_signature,
            body,
        } => {
            let q = CallbackQuery {
                signature,
                timestamp,
                nonce,
                encrypt_type: aes.then(|| "aes".to_string()),
                msg_signature: Some(msg_signature),
                echostr: Some("e".into()),
                ..Default::default()
            };
            let _ = verifier.handshake(&q, NOW);
            let _ = verifier.open(&q, &body, NOW);
        }
        Input::SignedPlain { nonce, body } => {
            let q = CallbackQuery {
                signature: signature(&[TOKEN, &ts, &nonce]),
                timestamp: ts.clone(),
                nonce,
                ..Default::default()
            };
            if let Ok(opened) = verifier.open(&q, &body, NOW) {
                let _ = opened.message.event_name();
                let _ = opened.message.dedup_key();
            }
        }
        Input::SignedSafe {
            nonce,
            encrypt,
            seal,
            envelope_prefix,
        } => {
            let encrypt = if seal {
                MsgCrypt::new(AES_KEY, APPID).unwrap().encrypt(&encrypt)
            } else {
                encrypt
            };
            let body = format!(
                "<xml>{envelope_prefix}<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
            );
            let q = CallbackQuery {
                signature: signature(&[TOKEN, &ts, &nonce]),
                timestamp: ts.clone(),
                msg_signature: Some(signature(&[TOKEN, &ts, &nonce, &encrypt])),
                nonce,
                encrypt_type: Some("aes".into()),
                ..Default::default()
            };
            if let Ok(opened) = verifier.open(&q, &body, NOW) {
                let _ = opened.message.dedup_key();
            }
        }
        Input::Xml(text) => {
            let _ = wechat::xml::parse(&text);
            if let Ok(m) = Message::parse(&text) {
                let _ = m.event_name();
                let _ = m.dedup_key();
            }
        }
    }
});
