//! WeChat's pushes to each port (`/wx/callback/{appId}`): the GET handshake, POSTs in plain and
//! safe mode, each push processed once whatever WeChat's retries (deduplicated durably), fans
//! kept in step with subscribe and unsubscribe, scans of an activity's sign-in code answered
//! with a passive reply, and everything else with the port's auto-replies ([`super::replies`]).

use crate::crypto::SecretBox;
use crate::error::{Error, Result};
use crate::store::callbacks::{self as sql, PushRecord};
use crate::store::channel_codes;
use crate::store::ports::PortRow;
use crate::store::{ports, Store, StoreError};
use std::time::Duration;
use wechat::{CallbackError, CallbackQuery, Event, MessageKind, Verifier};

/// WeChat waits 5 seconds for an answer: the user-info look-up of a subscribe gets this long,
/// after which the fan is stored without it.
const USER_INFO_BUDGET: Duration = Duration::from_millis(2000);

async fn port(store: &Store, app_id: &str) -> Result<PortRow> {
    ports::get_by_app_id(store, app_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("公众号 {app_id} 未配置为端口")))
}

fn verifier(port: &PortRow, secrets: &SecretBox, window_secs: i64) -> Result<Verifier> {
    let open = |sealed: &Option<Vec<u8>>, context| {
        sealed
            .as_ref()
            .and_then(|s| secrets.open_string(context, s))
    };
    let token = open(
        &port.callback_token,
        crate::admin::ports::SEAL_CALLBACK_TOKEN,
    )
    .ok_or_else(|| Error::conflict(format!("端口 {} 未配置回调 token", port.id)))?;
    let aes_key = open(&port.encoding_aes_key, crate::admin::ports::SEAL_AES_KEY);
    Verifier::new(&token, aes_key.as_deref(), &port.app_id, window_secs)
        .map_err(|_| Error::conflict(format!("端口 {} 的 EncodingAESKey 无效", port.id)))
}

fn refused(e: CallbackError) -> Error {
    match e {
        CallbackError::BadSignature => Error::Unauthorized("签名校验失败".into()),
        CallbackError::StaleTimestamp => Error::Unauthorized("时间戳超出允许范围".into()),
        CallbackError::BadKey => Error::bad_request("端口未配置安全模式密钥,无法解密"),
        CallbackError::Decrypt | CallbackError::AppIdMismatch => Error::bad_request("消息解密失败"),
        CallbackError::Xml(detail) => Error::bad_request(format!("消息格式错误: {detail}")),
    }
}

/// The GET handshake: echostr, when the signature is the port's.
pub async fn handshake(
    store: &Store,
    secrets: &SecretBox,
    window_secs: i64,
    app_id: &str,
    query: &CallbackQuery,
) -> Result<String> {
    let port = port(store, app_id).await?;
    verifier(&port, secrets, window_secs)?
        .handshake(query, crate::time::now_secs())
        .map_err(refused)
}

/// What wxhub answers a push: "success", or a passive reply (the XML, sealed in safe mode).
pub const SUCCESS: &str = "success";

/// A POSTed push: checked, processed once, answered "success" — or, for a scan of an
/// activity's sign-in code, the passive reply that tells the person how it went. `base` is
/// wxhub's public base (for links in replies).
pub async fn receive(
    state: &crate::AppState,
    base: &str,
    app_id: &str,
    query: &CallbackQuery,
    body: &str,
) -> Result<String> {
    let (store, secrets, client) = (&state.store, &*state.secrets, &state.wechat);
    let window_secs = state.config.wechat.callback_window_secs;
    let port = port(store, app_id).await?;
    let verifier = verifier(&port, secrets, window_secs)?;
    let opened = verifier
        .open(query, body, crate::time::now_secs())
        .map_err(refused)?;
    // In safe mode only encrypted pushes: the query's signature of a plaintext push does not
    // cover its body.
    if port.encoding_aes_key.is_some() && !opened.encrypted {
        return Err(Error::bad_request(
            "安全模式的端口只接受加密消息(encrypt_type=aes)",
        ));
    }
    // A (timestamp, nonce) carries one body: a captured query replayed with another is refused.
    let now = crate::time::now_ms();
    let nonce = sql::Nonce {
        app_id: port.app_id.clone(),
        timestamp: query.timestamp.trim().parse().unwrap_or_default(),
        nonce: query.nonce.clone(),
        body_hash: crate::crypto::hex(&crate::crypto::sha256(body.as_bytes())),
        received_at: now,
        forget_before: now - 2 * window_secs.max(1) * 1000,
    };
    let replayed = || Error::Unauthorized("重复使用的签名(nonce)".into());
    let message = opened.message;
    let kind = message
        .event_name()
        .map(str::to_string)
        .unwrap_or_else(|| match &message.kind {
            MessageKind::Text { .. } => "text".into(),
            MessageKind::Image { .. } => "image".into(),
            MessageKind::Voice { .. } => "voice".into(),
            MessageKind::Video { .. } => "video".into(),
            MessageKind::Location { .. } => "location".into(),
            MessageKind::Link { .. } => "link".into(),
            MessageKind::Other { msg_type } => msg_type.clone(),
            MessageKind::Event(_) => "event".into(),
        });
    let event_key = match &message.kind {
        MessageKind::Event(Event::Subscribe { scene, .. }) => scene.clone().unwrap_or_default(),
        MessageKind::Event(Event::Scan { scene, .. }) => scene.clone(),
        MessageKind::Event(Event::Click { key }) => key.clone(),
        MessageKind::Event(Event::View { url }) => url.clone(),
        _ => String::new(),
    };
    let record = PushRecord {
        app_id: port.app_id.clone(),
        dedup_key: message.dedup_key(),
        open_id: message.from_user.clone(),
        kind,
        event_key,
        create_time: message.create_time,
        received_at: now,
    };
    if is_plain(&message) {
        // Its nonce and record in one transaction, shared with the plain pushes beside it.
        return match state
            .push_writer
            .write(sql::PlainPush { nonce, record })
            .await?
        {
            sql::PlainRecorded::Replayed => Err(replayed()),
            sql::PlainRecorded::Retry => Ok(SUCCESS.into()),
            sql::PlainRecorded::First => {
                Ok(auto_reply(state, base, &port, &message, &verifier).await)
            }
        };
    }
    // Its nonce first, on its own: a forged body must not cost a look-up at WeChat.
    let mut tx = store.writer().begin().await.map_err(StoreError::from)?;
    let seen = sql::remember_nonce(&mut tx, &nonce).await?;
    tx.commit().await.map_err(StoreError::from)?;
    if seen == sql::NonceSeen::OtherBody {
        return Err(replayed());
    }
    if sql::recorded(store, &port.app_id, &record.dedup_key).await? {
        // A retry of a push already processed: no user-info look-up for it.
        return Ok(SUCCESS.into());
    }
    // A scan of an activity's sign-in code (a follower's SCAN, or a new follower's subscribe
    // from the code).
    let (scanned_activity, scanned_ticket) = match &message.kind {
        MessageKind::Event(Event::Scan { scene, ticket })
        | MessageKind::Event(Event::Subscribe {
            scene: Some(scene),
            ticket,
        }) => (
            crate::activity::scan::activity_of_scene(scene),
            ticket.as_deref(),
        ),
        _ => (None, None),
    };
    let scan_needs_user = match scanned_activity {
        Some(_) => crate::store::fans::by_open_id(store, &port.app_id, &message.from_user)
            .await?
            .is_none_or(|f| f.user_id.is_none()),
        None => false,
    };
    // The network look-up happens before the transaction, so no lock waits on WeChat.
    let union_id = match &message.kind {
        MessageKind::Event(Event::Scan { .. }) if !scan_needs_user => None,
        MessageKind::Event(Event::Subscribe { .. } | Event::Scan { .. }) => {
            match super::ports::wechat_app(&port, secrets) {
                Some(app) => {
                    match tokio::time::timeout(
                        USER_INFO_BUDGET,
                        client.user_info(&app, &message.from_user),
                    )
                    .await
                    {
                        Ok(Ok(info)) => info.unionid,
                        Ok(Err(e)) => {
                            tracing::warn!(app_id, error = %e, "user info of a new follower unavailable");
                            None
                        }
                        Err(_) => {
                            tracing::warn!(app_id, "user info of a new follower timed out");
                            None
                        }
                    }
                }
                None => None,
            }
        }
        _ => None,
    };
    let mut tx = store.writer().begin().await.map_err(StoreError::from)?;
    let first = sql::record(&mut tx, &record).await?;
    if !first {
        // A retry of a push already processed.
        return Ok(SUCCESS.into());
    }
    // The day a channel code's counts go to (the configured zone's).
    let day = &crate::time::format_local(now, &state.tz)[..10];
    let channel = |scans, follows, unfollows| channel_codes::Counts {
        scans,
        follows,
        unfollows,
    };
    match &message.kind {
        MessageKind::Event(Event::Scan { scene, .. }) => {
            channel_codes::count(&mut tx, port.id, scene, day, &channel(1, 0, 0)).await?;
        }
        MessageKind::Event(Event::Subscribe { scene, .. }) => {
            if let Some(scene) = scene {
                channel_codes::count(&mut tx, port.id, scene, day, &channel(1, 1, 0)).await?;
            }
            let (scene_name, qr_scene, qr_scene_str) = match scene {
                None => ("ADD_SCENE_SEARCH", "0".to_string(), String::new()),
                Some(s) if s.parse::<i64>().is_ok() => {
                    ("ADD_SCENE_QR_CODE", s.clone(), String::new())
                }
                Some(s) => ("ADD_SCENE_QR_CODE", "0".to_string(), s.clone()),
            };
            sql::subscribe(
                &mut tx,
                port.id,
                &port.app_id,
                &message.from_user,
                union_id.as_deref(),
                message.create_time * 1000,
                scene_name,
                &qr_scene,
                &qr_scene_str,
                now,
            )
            .await?;
        }
        MessageKind::Event(Event::Unsubscribe) => {
            // A follower a channel code brought leaves: its unfollow, today.
            if let Some(scene) =
                sql::subscribed_scene(&mut tx, &port.app_id, &message.from_user).await?
            {
                channel_codes::count(&mut tx, port.id, &scene, day, &channel(0, 0, 1)).await?;
            }
            sql::unsubscribe(
                &mut tx,
                &port.app_id,
                &message.from_user,
                message.create_time * 1000,
                now,
            )
            .await?;
        }
        MessageKind::Event(Event::TemplateSendJobFinish { msg_id, status }) => {
            // WeChat's words: "success", "failed:user block", "failed: system failed".
            let delivery = match status.as_str() {
                "success" => "success",
                s if s.contains("block") => "user_block",
                _ => "system_failed",
            };
            crate::store::campaigns::set_delivery(&mut tx, *msg_id, delivery, now).await?;
        }
        _ => {}
    }
    tx.commit().await.map_err(StoreError::from)?;
    store.caches.fans_of_users.invalidate();
    if let MessageKind::Event(Event::Subscribe {
        scene: Some(scene), ..
    }) = &message.kind
    {
        // A channel code's tags, for a follow from one (not from a sign-in code).
        if scanned_activity.is_none() {
            super::channels::tag_follower(state, &port, scene, &message.from_user);
        }
    }

    let Some(activity_id) = scanned_activity else {
        return Ok(auto_reply(state, base, &port, &message, &verifier).await);
    };
    let scanned = crate::activity::scan::Scanned {
        port: &port,
        open_id: &message.from_user,
        union_id: union_id.as_deref(),
        ticket: scanned_ticket,
        base,
    };
    match crate::activity::scan::sign_in(state, &scanned, activity_id).await {
        Some(text) => Ok(sealed(
            &verifier,
            &message,
            &wechat::Reply::Text { content: text },
        )),
        None => Ok(SUCCESS.into()),
    }
}

/// Whether the push changes nothing but its own record: not a follow, an unfollow, a scan or
/// a template message's delivery report.
fn is_plain(message: &wechat::Message) -> bool {
    !matches!(
        &message.kind,
        MessageKind::Event(
            Event::Subscribe { .. }
                | Event::Unsubscribe
                | Event::Scan { .. }
                | Event::TemplateSendJobFinish { .. }
        )
    )
}

/// The passive reply as WeChat takes it: the XML, sealed in safe mode.
fn sealed(verifier: &Verifier, message: &wechat::Message, reply: &wechat::Reply) -> String {
    let now = crate::time::now_secs();
    let xml = reply.to_xml(message, now);
    verifier.seal(&xml, now, &wechat::crypto::random_alnum(10))
}

/// The port's auto-reply to a recorded push, else "success". A failure to read the rules
/// costs the follower the reply, not the push (recorded already): "success", and a warning.
async fn auto_reply(
    state: &crate::AppState,
    base: &str,
    port: &PortRow,
    message: &wechat::Message,
    verifier: &Verifier,
) -> String {
    match super::replies::reply_to(state, base, port, message).await {
        Ok(Some(reply)) => sealed(verifier, message, &reply),
        Ok(None) => SUCCESS.into(),
        Err(e) => {
            tracing::warn!(app_id = %port.app_id, error = %e, "auto-reply unavailable");
            SUCCESS.into()
        }
    }
}
