//! Callbacks (WeChat pushing to the account's server URL): the signature check and echostr
//! handshake, plain and safe mode, parsing into typed messages and events, the deduplication
//! key, and passive reply XML.

use crate::crypto::{signature, signature_matches, MsgCrypt};
use crate::error::CallbackError;
use crate::xml::{self, Element};

/// The query string WeChat adds to each callback.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct CallbackQuery {
    pub signature: String,
    pub timestamp: String,
    pub nonce: String,
    pub echostr: Option<String>,
    pub encrypt_type: Option<String>,
    pub msg_signature: Option<String>,
    pub openid: Option<String>,
}

/// Checks and opens one account's callbacks.
///
/// ```
/// use wechat::callback::{CallbackQuery, Verifier};
/// let v = Verifier::new("token", None, "wx1", 300).unwrap();
/// let q = CallbackQuery {
///     signature: wechat::crypto::signature(&["token", "1700000000", "n"]),
///     timestamp: "1700000000".into(),
///     nonce: "n".into(),
///     echostr: Some("hello".into()),
///     ..Default::default()
/// };
/// assert_eq!(v.handshake(&q, 1_700_000_010).unwrap(), "hello");
/// ```
#[derive(Clone)]
pub struct Verifier {
    token: String,
    crypt: Option<MsgCrypt>,
    window_secs: i64,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("token", &"********")
            .field("safe_mode", &self.crypt.is_some())
            .field("window_secs", &self.window_secs)
            .finish()
    }
}

/// A callback body that passed every check.
#[derive(Debug, Clone)]
pub struct Opened {
    pub message: Message,
    /// The message XML (decrypted in safe mode).
    pub xml: String,
    /// It arrived encrypted, so the reply must be encrypted too.
    pub encrypted: bool,
}

impl Verifier {
    /// `encoding_aes_key` enables safe mode; `window_secs` bounds how far the callback's
    /// timestamp may be from now (replays of old pushes are refused).
    pub fn new(
        token: &str,
        encoding_aes_key: Option<&str>,
        appid: &str,
        window_secs: i64,
    ) -> Result<Verifier, CallbackError> {
        let crypt = match encoding_aes_key {
            Some(key) if !key.trim().is_empty() => Some(MsgCrypt::new(key, appid)?),
            _ => None,
        };
        Ok(Verifier {
            token: token.to_string(),
            crypt,
            window_secs,
        })
    }

    fn check_time(&self, q: &CallbackQuery, now_secs: i64) -> Result<(), CallbackError> {
        let ts: i64 = q
            .timestamp
            .trim()
            .parse()
            .map_err(|_| CallbackError::StaleTimestamp)?;
        if (now_secs - ts).abs() > self.window_secs {
            return Err(CallbackError::StaleTimestamp);
        }
        Ok(())
    }

    fn check_signature(&self, q: &CallbackQuery) -> Result<(), CallbackError> {
        if signature_matches(&[&self.token, &q.timestamp, &q.nonce], &q.signature) {
            Ok(())
        } else {
            Err(CallbackError::BadSignature)
        }
    }

    /// The GET handshake: answers `echostr` when the signature is WeChat's.
    pub fn handshake(&self, q: &CallbackQuery, now_secs: i64) -> Result<String, CallbackError> {
        self.check_signature(q)?;
        self.check_time(q, now_secs)?;
        Ok(q.echostr.clone().unwrap_or_default())
    }

    /// Checks a POSTed body (plain or safe mode) and parses it.
    pub fn open(
        &self,
        q: &CallbackQuery,
        body: &str,
        now_secs: i64,
    ) -> Result<Opened, CallbackError> {
        let (xml, encrypted) = self.unseal(q, body, now_secs)?;
        let message = Message::parse(&xml)?;
        Ok(Opened {
            message,
            xml,
            encrypted,
        })
    }

    /// Checks a POSTed body and returns its message XML (decrypted in safe mode) and whether
    /// it was encrypted, without parsing the message.
    pub fn unseal(
        &self,
        q: &CallbackQuery,
        body: &str,
        now_secs: i64,
    ) -> Result<(String, bool), CallbackError> {
        if body.len() > xml::MAX_XML_BYTES {
            return Err(CallbackError::Xml("body too large".into()));
        }
        if q.encrypt_type.as_deref() != Some("aes") {
            self.check_signature(q)?;
            self.check_time(q, now_secs)?;
            return Ok((body.to_string(), false));
        }
        let crypt = self.crypt.as_ref().ok_or(CallbackError::BadKey)?;
        let envelope = xml::parse(body)?;
        let encrypt = envelope
            .child_text("Encrypt")
            .ok_or_else(|| CallbackError::Xml("no Encrypt element".into()))?;
        let msg_signature = q.msg_signature.as_deref().unwrap_or_default();
        if !signature_matches(
            &[&self.token, &q.timestamp, &q.nonce, encrypt],
            msg_signature,
        ) {
            return Err(CallbackError::BadSignature);
        }
        self.check_time(q, now_secs)?;
        Ok((crypt.decrypt(encrypt)?, true))
    }

    /// Wraps a reply (or a pushed message) for safe mode: `<xml><Encrypt/><MsgSignature/>
    /// <TimeStamp/><Nonce/></xml>`. Without a key, the XML is returned unchanged.
    pub fn seal(&self, xml_text: &str, timestamp: i64, nonce: &str) -> String {
        let Some(crypt) = &self.crypt else {
            return xml_text.to_string();
        };
        let encrypt = crypt.encrypt(xml_text);
        let ts = timestamp.to_string();
        let msg_signature = signature(&[&self.token, &ts, nonce, &encrypt]);
        let mut out = String::from("<xml>");
        xml::push_cdata(&mut out, "Encrypt", &encrypt);
        xml::push_cdata(&mut out, "MsgSignature", &msg_signature);
        xml::push_number(&mut out, "TimeStamp", timestamp);
        xml::push_cdata(&mut out, "Nonce", nonce);
        out.push_str("</xml>");
        out
    }

    /// The signature WeChat puts in the query for `timestamp` and `nonce`.
    pub fn query_signature(&self, timestamp: &str, nonce: &str) -> String {
        signature(&[&self.token, timestamp, nonce])
    }

    /// The `msg_signature` of an encrypted body.
    pub fn msg_signature(&self, timestamp: &str, nonce: &str, encrypt: &str) -> String {
        signature(&[&self.token, timestamp, nonce, encrypt])
    }
}

/// A message or event pushed by WeChat.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// The account (its original id, gh_…).
    pub to_user: String,
    /// The fan's openid.
    pub from_user: String,
    pub create_time: i64,
    /// Set for user messages; events have none.
    pub msg_id: Option<i64>,
    pub kind: MessageKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum MessageKind {
    Text {
        content: String,
    },
    Image {
        pic_url: String,
        media_id: String,
    },
    Voice {
        media_id: String,
        format: String,
        recognition: Option<String>,
    },
    Video {
        media_id: String,
        thumb_media_id: String,
    },
    Location {
        latitude: f64,
        longitude: f64,
        scale: i64,
        label: String,
    },
    Link {
        title: String,
        description: String,
        url: String,
    },
    Event(Event),
    /// A message type this crate does not model; the XML is in [`Opened::xml`].
    Other {
        msg_type: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A follow; from a parametric QR code `scene` is the key after `qrscene_`.
    Subscribe {
        scene: Option<String>,
        ticket: Option<String>,
    },
    Unsubscribe,
    /// A follower scanned a parametric QR code.
    Scan {
        scene: String,
        ticket: Option<String>,
    },
    /// The periodic location report.
    Location {
        latitude: f64,
        longitude: f64,
        precision: f64,
    },
    Click {
        key: String,
    },
    View {
        url: String,
    },
    /// The result of a template send (`status`: success, failed:user block, failed: system failed).
    TemplateSendJobFinish {
        msg_id: i64,
        status: String,
    },
    Other {
        event: String,
    },
}

fn text(root: &Element, name: &str) -> String {
    root.child_text(name).unwrap_or_default().trim().to_string()
}

fn opt_text(root: &Element, name: &str) -> Option<String> {
    root.child_text(name)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn number<T: std::str::FromStr + Default>(root: &Element, name: &str) -> T {
    root.child_text(name)
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_default()
}

impl Message {
    /// Parses a plain message XML.
    pub fn parse(xml_text: &str) -> Result<Message, CallbackError> {
        let root = xml::parse(xml_text)?;
        let msg_type = text(&root, "MsgType");
        if msg_type.is_empty() {
            return Err(CallbackError::Xml("no MsgType".into()));
        }
        let kind = match msg_type.as_str() {
            "text" => MessageKind::Text {
                content: root.child_text("Content").unwrap_or_default().to_string(),
            },
            "image" => MessageKind::Image {
                pic_url: text(&root, "PicUrl"),
                media_id: text(&root, "MediaId"),
            },
            "voice" => MessageKind::Voice {
                media_id: text(&root, "MediaId"),
                format: text(&root, "Format"),
                recognition: opt_text(&root, "Recognition"),
            },
            "video" | "shortvideo" => MessageKind::Video {
                media_id: text(&root, "MediaId"),
                thumb_media_id: text(&root, "ThumbMediaId"),
            },
            "location" => MessageKind::Location {
                latitude: number(&root, "Location_X"),
                longitude: number(&root, "Location_Y"),
                scale: number(&root, "Scale"),
                label: text(&root, "Label"),
            },
            "link" => MessageKind::Link {
                title: text(&root, "Title"),
                description: text(&root, "Description"),
                url: text(&root, "Url"),
            },
            "event" => MessageKind::Event(parse_event(&root)?),
            _ => MessageKind::Other { msg_type },
        };
        Ok(Message {
            to_user: text(&root, "ToUserName"),
            from_user: text(&root, "FromUserName"),
            create_time: number(&root, "CreateTime"),
            msg_id: opt_text(&root, "MsgId").and_then(|s| s.parse().ok()),
            kind,
        })
    }

    /// The event name as WeChat spells it (`subscribe`, `SCAN`…), for events.
    pub fn event_name(&self) -> Option<&str> {
        match &self.kind {
            MessageKind::Event(e) => Some(match e {
                Event::Subscribe { .. } => "subscribe",
                Event::Unsubscribe => "unsubscribe",
                Event::Scan { .. } => "SCAN",
                Event::Location { .. } => "LOCATION",
                Event::Click { .. } => "CLICK",
                Event::View { .. } => "VIEW",
                Event::TemplateSendJobFinish { .. } => "TEMPLATESENDJOBFINISH",
                Event::Other { event } => event,
            }),
            _ => None,
        }
    }

    /// What identifies one push across WeChat's retries: `MsgId` for messages,
    /// `FromUserName + CreateTime + Event` for events (the account is the caller's to add).
    pub fn dedup_key(&self) -> String {
        match (self.msg_id, self.event_name()) {
            (Some(id), _) => format!("msg:{id}"),
            (None, Some(event)) => {
                format!("event:{}:{}:{}", self.from_user, self.create_time, event)
            }
            (None, None) => format!("other:{}:{}", self.from_user, self.create_time),
        }
    }
}

fn parse_event(root: &Element) -> Result<Event, CallbackError> {
    let event = text(root, "Event");
    let key = text(root, "EventKey");
    Ok(match event.to_ascii_lowercase().as_str() {
        "subscribe" => Event::Subscribe {
            scene: key.strip_prefix("qrscene_").map(str::to_string),
            ticket: opt_text(root, "Ticket"),
        },
        "unsubscribe" => Event::Unsubscribe,
        "scan" => Event::Scan {
            scene: key,
            ticket: opt_text(root, "Ticket"),
        },
        "location" => Event::Location {
            latitude: number(root, "Latitude"),
            longitude: number(root, "Longitude"),
            precision: number(root, "Precision"),
        },
        "click" => Event::Click { key },
        "view" => Event::View { url: key },
        "templatesendjobfinish" => Event::TemplateSendJobFinish {
            msg_id: number(root, "MsgID"),
            status: text(root, "Status"),
        },
        "" => return Err(CallbackError::Xml("an event without Event".into())),
        _ => Event::Other { event },
    })
}

/// A passive reply.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Text { content: String },
    Image { media_id: String },
    News { articles: Vec<Article> },
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Article {
    pub title: String,
    pub description: String,
    pub url: String,
    #[serde(rename = "picurl")]
    pub pic_url: String,
}

impl Reply {
    /// The reply XML to `message` (to its sender, from its account).
    pub fn to_xml(&self, message: &Message, create_time: i64) -> String {
        let mut out = String::from("<xml>");
        xml::push_cdata(&mut out, "ToUserName", &message.from_user);
        xml::push_cdata(&mut out, "FromUserName", &message.to_user);
        xml::push_number(&mut out, "CreateTime", create_time);
        match self {
            Reply::Text { content } => {
                xml::push_cdata(&mut out, "MsgType", "text");
                xml::push_cdata(&mut out, "Content", content);
            }
            Reply::Image { media_id } => {
                xml::push_cdata(&mut out, "MsgType", "image");
                out.push_str("<Image>");
                xml::push_cdata(&mut out, "MediaId", media_id);
                out.push_str("</Image>");
            }
            Reply::News { articles } => {
                xml::push_cdata(&mut out, "MsgType", "news");
                xml::push_number(&mut out, "ArticleCount", articles.len() as i64);
                out.push_str("<Articles>");
                for a in articles {
                    out.push_str("<item>");
                    xml::push_cdata(&mut out, "Title", &a.title);
                    xml::push_cdata(&mut out, "Description", &a.description);
                    xml::push_cdata(&mut out, "PicUrl", &a.pic_url);
                    xml::push_cdata(&mut out, "Url", &a.url);
                    out.push_str("</item>");
                }
                out.push_str("</Articles>");
            }
        }
        out.push_str("</xml>");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    const APPID: &str = "wxb11529c136998cb6";

    fn query(v: &Verifier, ts: i64) -> CallbackQuery {
        let ts = ts.to_string();
        CallbackQuery {
            signature: v.query_signature(&ts, "nonce1"),
            timestamp: ts,
            nonce: "nonce1".into(),
            ..Default::default()
        }
    }

    #[test]
    fn plain_mode_checks_signature_and_time() {
        let v = Verifier::new("tok", None, APPID, 300).unwrap();
        let body = "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName>\
                    <CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>\
                    <Content><![CDATA[你好]]></Content><MsgId>23637352235060880</MsgId></xml>";
        let q = query(&v, 1_700_000_000);
        let opened = v.open(&q, body, 1_700_000_100).unwrap();
        assert!(!opened.encrypted);
        assert_eq!(
            opened.message.kind,
            MessageKind::Text {
                content: "你好".into()
            }
        );
        assert_eq!(opened.message.dedup_key(), "msg:23637352235060880");
        assert_eq!(
            v.open(&q, body, 1_700_000_301).unwrap_err(),
            CallbackError::StaleTimestamp
        );
        let mut bad = q.clone();
        bad.signature = "0".repeat(40);
        assert_eq!(
            v.open(&bad, body, 1_700_000_000).unwrap_err(),
            CallbackError::BadSignature
        );
    }

    #[test]
    fn safe_mode_round_trip() {
        let v = Verifier::new("tok", Some(KEY), APPID, 300).unwrap();
        let inner = "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName>\
                     <CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType>\
                     <Event><![CDATA[subscribe]]></Event><EventKey><![CDATA[qrscene_42]]></EventKey>\
                     <Ticket><![CDATA[T]]></Ticket></xml>";
        let sealed = v.seal(inner, 1_700_000_000, "n2");
        let envelope = xml::parse(&sealed).unwrap();
        let encrypt = envelope.child_text("Encrypt").unwrap().to_string();
        let mut q = query(&v, 1_700_000_000);
        q.nonce = "n2".into();
        q.signature = v.query_signature("1700000000", "n2");
        q.encrypt_type = Some("aes".into());
        q.msg_signature = Some(v.msg_signature("1700000000", "n2", &encrypt));
        let opened = v.open(&q, &sealed, 1_700_000_000).unwrap();
        assert!(opened.encrypted);
        assert_eq!(
            opened.message.kind,
            MessageKind::Event(Event::Subscribe {
                scene: Some("42".into()),
                ticket: Some("T".into())
            })
        );
        assert_eq!(opened.message.dedup_key(), "event:o1:1700000000:subscribe");
        q.msg_signature = Some("f".repeat(40));
        assert_eq!(
            v.open(&q, &sealed, 1_700_000_000).unwrap_err(),
            CallbackError::BadSignature
        );
    }

    #[test]
    fn events_parse_into_types() {
        let ev = |body: &str| {
            Message::parse(&format!(
                "<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime>\
                 <MsgType>event</MsgType>{body}</xml>"
            ))
            .unwrap()
            .kind
        };
        assert_eq!(
            ev("<Event>unsubscribe</Event>"),
            MessageKind::Event(Event::Unsubscribe)
        );
        assert_eq!(
            ev("<Event>SCAN</Event><EventKey>7</EventKey>"),
            MessageKind::Event(Event::Scan {
                scene: "7".into(),
                ticket: None
            })
        );
        assert_eq!(
            ev("<Event>TEMPLATESENDJOBFINISH</Event><MsgID>1365740038713294848</MsgID><Status>success</Status>"),
            MessageKind::Event(Event::TemplateSendJobFinish {
                msg_id: 1365740038713294848,
                status: "success".into()
            })
        );
        assert_eq!(
            ev("<Event>CLICK</Event><EventKey>K</EventKey>"),
            MessageKind::Event(Event::Click { key: "K".into() })
        );
        assert!(matches!(
            ev("<Event>LOCATION</Event><Latitude>23.1</Latitude><Longitude>113.3</Longitude><Precision>119</Precision>"),
            MessageKind::Event(Event::Location { .. })
        ));
    }

    #[test]
    fn replies_go_back_to_the_sender() {
        let msg = Message::parse(
            "<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>1</CreateTime>\
             <MsgType>text</MsgType><Content>hi</Content></xml>",
        )
        .unwrap();
        let xml_text = Reply::Text {
            content: "收到".into(),
        }
        .to_xml(&msg, 2);
        let root = xml::parse(&xml_text).unwrap();
        assert_eq!(root.child_text("ToUserName"), Some("o1"));
        assert_eq!(root.child_text("FromUserName"), Some("gh"));
        assert_eq!(root.child_text("Content"), Some("收到"));
    }
}
