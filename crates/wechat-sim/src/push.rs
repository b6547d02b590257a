//! Pushing callback events to an account's server URL, in plain or safe mode, signed as WeChat
//! signs them; the simulator's users change as the events say (a subscribe subscribes them).

use crate::Simulator;
use serde::{Deserialize, Serialize};
use wechat::crypto::{random_alnum, signature, MsgCrypt};
use wechat::xml::{push_cdata, push_number};

#[derive(Debug, Clone, Deserialize)]
pub struct PushRequest {
    pub appid: String,
    pub openid: String,
    /// subscribe, unsubscribe, SCAN, text, image, CLICK, VIEW, LOCATION, TEMPLATESENDJOBFINISH
    pub event: String,
    #[serde(default)]
    pub content: Option<String>,
    /// The QR scene (subscribe from a QR code, SCAN) or the menu key (CLICK, VIEW).
    #[serde(default)]
    pub key: Option<String>,
    /// Safe mode; by default whenever the account has an EncodingAESKey.
    #[serde(default)]
    pub safe: Option<bool>,
    /// Instead of the account's callback URL.
    #[serde(default)]
    pub url: Option<String>,
    /// Deliveries of the same body, as WeChat's retries (default 1).
    #[serde(default)]
    pub times: Option<u32>,
    #[serde(default)]
    pub create_time: Option<i64>,
    /// The signed timestamp (default now), to test the replay window.
    #[serde(default)]
    pub timestamp: Option<i64>,
    #[serde(default)]
    pub msg_id: Option<i64>,
    /// Sign with this token instead of the account's (a forged push).
    #[serde(default)]
    pub sign_token: Option<String>,
    /// The QR code's ticket (subscribe from a QR code, SCAN); random by default.
    #[serde(default)]
    pub ticket: Option<String>,
    /// TEMPLATESENDJOBFINISH's Status: "success" (default), "failed:user block",
    /// "failed: system failed".
    #[serde(default)]
    pub status: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub status: u16,
    pub body: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PushResult {
    /// The message XML before encryption.
    pub xml: String,
    pub deliveries: Vec<Delivery>,
}

/// Builds the message, updates the simulated user, delivers it `times` times.
pub async fn push(sim: &Simulator, req: PushRequest) -> Result<PushResult, String> {
    let (spec, xml) = {
        let mut world = sim.world();
        let now_ms = world.now_ms();
        let account = world
            .accounts
            .get(&req.appid)
            .ok_or("no such account")?
            .spec
            .clone();
        let create_time = req.create_time.unwrap_or(now_ms / 1000);
        if !world.accounts[&req.appid].users.contains_key(&req.openid) {
            let mut spec = crate::world::UserSpec::new(&req.openid);
            spec.subscribed = false;
            world.add_user(&req.appid, spec);
        }
        let user = world.user_mut(&req.appid, &req.openid).expect("just added");
        let mut xml = String::from("<xml>");
        push_cdata(&mut xml, "ToUserName", &account.original_id);
        push_cdata(&mut xml, "FromUserName", &req.openid);
        push_number(&mut xml, "CreateTime", create_time);
        let key = req.key.clone().unwrap_or_default();
        let ticket = req.ticket.clone().unwrap_or_else(|| random_alnum(32));
        match req.event.as_str() {
            "text" => {
                user.last_interaction_ms = Some(now_ms);
                push_cdata(&mut xml, "MsgType", "text");
                push_cdata(&mut xml, "Content", req.content.as_deref().unwrap_or(""));
                let msg_id = req.msg_id.unwrap_or_else(|| {
                    (1i64 << 54) + (u32::from_le_bytes(wechat::crypto::random_bytes::<4>()) as i64)
                });
                push_number(&mut xml, "MsgId", msg_id);
            }
            "image" => {
                user.last_interaction_ms = Some(now_ms);
                push_cdata(&mut xml, "MsgType", "image");
                push_cdata(&mut xml, "PicUrl", "http://mmbiz.qpic.cn/sim/photo.jpg");
                push_cdata(&mut xml, "MediaId", &random_alnum(24));
                let msg_id = req.msg_id.unwrap_or_else(|| {
                    (1i64 << 54) + (u32::from_le_bytes(wechat::crypto::random_bytes::<4>()) as i64)
                });
                push_number(&mut xml, "MsgId", msg_id);
            }
            event => {
                push_cdata(&mut xml, "MsgType", "event");
                push_cdata(&mut xml, "Event", event);
                match event {
                    "subscribe" => {
                        user.spec.subscribed = true;
                        user.subscribe_time = create_time;
                        user.last_interaction_ms = Some(now_ms);
                        if key.is_empty() {
                            user.subscribe_scene = "ADD_SCENE_SEARCH".into();
                        } else {
                            user.subscribe_scene = "ADD_SCENE_QR_CODE".into();
                            match key.parse::<i64>() {
                                Ok(n) => user.qr_scene = n,
                                Err(_) => user.qr_scene_str = key.clone(),
                            }
                            push_cdata(&mut xml, "EventKey", &format!("qrscene_{key}"));
                            push_cdata(&mut xml, "Ticket", &ticket);
                        }
                    }
                    "unsubscribe" => {
                        user.spec.subscribed = false;
                        push_cdata(&mut xml, "EventKey", "");
                    }
                    "SCAN" => {
                        user.last_interaction_ms = Some(now_ms);
                        push_cdata(&mut xml, "EventKey", &key);
                        push_cdata(&mut xml, "Ticket", &ticket);
                    }
                    "LOCATION" => {
                        xml.push_str(
                            "<Latitude>23.137466</Latitude><Longitude>113.352425</Longitude>\
                             <Precision>119.385040</Precision>",
                        );
                    }
                    "TEMPLATESENDJOBFINISH" => {
                        push_number(&mut xml, "MsgID", req.msg_id.unwrap_or_default());
                        push_cdata(
                            &mut xml,
                            "Status",
                            req.status.as_deref().unwrap_or("success"),
                        );
                    }
                    _ => {
                        user.last_interaction_ms = Some(now_ms);
                        push_cdata(&mut xml, "EventKey", &key);
                    }
                }
            }
        }
        xml.push_str("</xml>");
        (account, xml)
    };
    let url = req.url.clone().unwrap_or(spec.callback_url.clone());
    if url.is_empty() {
        return Err("the account has no callback_url".into());
    }
    let safe = req.safe.unwrap_or(!spec.encoding_aes_key.is_empty());
    let token = req.sign_token.clone().unwrap_or(spec.token.clone());
    let timestamp = req
        .timestamp
        .unwrap_or_else(|| sim.world().now_ms() / 1000)
        .to_string();
    let nonce = random_alnum(10);
    let mut target = url::Url::parse(&url).map_err(|e| e.to_string())?;
    target
        .query_pairs_mut()
        .append_pair("signature", &signature(&[&token, &timestamp, &nonce]))
        .append_pair("timestamp", &timestamp)
        .append_pair("nonce", &nonce)
        .append_pair("openid", &req.openid);
    let body = if safe {
        let crypt =
            MsgCrypt::new(&spec.encoding_aes_key, &spec.appid).map_err(|e| e.to_string())?;
        let encrypt = crypt.encrypt(&xml);
        target
            .query_pairs_mut()
            .append_pair("encrypt_type", "aes")
            .append_pair(
                "msg_signature",
                &signature(&[&token, &timestamp, &nonce, &encrypt]),
            );
        let mut body = String::from("<xml>");
        push_cdata(&mut body, "ToUserName", &spec.original_id);
        push_cdata(&mut body, "Encrypt", &encrypt);
        body.push_str("</xml>");
        body
    } else {
        xml.clone()
    };
    let mut deliveries = Vec::new();
    for _ in 0..req.times.unwrap_or(1).clamp(1, 10) {
        let answer = sim
            .http()
            .post(target.as_str())
            .header("content-type", "text/xml")
            .body(body.clone())
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = answer.status().as_u16();
        let text = answer.text().await.map_err(|e| e.to_string())?;
        deliveries.push(Delivery { status, body: text });
    }
    Ok(PushResult { xml, deliveries })
}

/// A person scans a parametric QR code (by its ticket) with WeChat: a follower's scan pushes
/// SCAN with the code's scene, anyone else follows the account and pushes subscribe with
/// `qrscene_` and the scene, as WeChat does. An unknown or expired ticket pushes nothing.
pub async fn scan(
    sim: &Simulator,
    appid: &str,
    openid: &str,
    ticket: &str,
    times: u32,
) -> Result<PushResult, String> {
    let (scene, follows) = {
        let world = sim.world();
        let scene = world
            .scene_of(appid, ticket)
            .ok_or("no such QR code, or it expired")?;
        (scene, world.follows(appid, openid))
    };
    push(
        sim,
        PushRequest {
            appid: appid.into(),
            openid: openid.into(),
            event: if follows { "SCAN" } else { "subscribe" }.into(),
            content: None,
            key: Some(scene),
            safe: None,
            url: None,
            times: Some(times),
            create_time: None,
            timestamp: None,
            msg_id: None,
            sign_token: None,
            ticket: Some(ticket.into()),
            status: None,
        },
    )
    .await
}
