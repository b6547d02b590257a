//! The big screens' pages and data through the router: what a screen key opens, the state a
//! screen starts from, the QR codes, the console's links; the events the stage and the wall
//! rely on (the commitment, the wall's screen style).

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn screens_open_with_their_key_and_only_for_their_kind() {
    let c = crate::lottery::ctx_for(4, "internal").await;
    let key = c.app.screen_key(&c.org, c.id).await;
    let id = c.id;

    let page = c
        .app
        .get(&format!("/screens/{id}/lottery?key={key}"), None)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("年会抽奖"));
    assert!(page.text.contains(&format!(
        "data-state=\"/screens/{id}/lottery/state?key={key}\""
    )));
    // The stage shows the present and streams from here on: after the four joins.
    let latest: i64 = page
        .text
        .split("data-after=\"")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(latest > 0);
    assert_eq!(page.headers["referrer-policy"], "no-referrer");
    assert!(page.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("media-src 'self' https: http:"));

    // Wrong, rotated, malformed keys: the error page or the activity envelope, never data.
    for path in [
        format!("/screens/{id}/lottery?key=wrong"),
        format!("/screens/{id}/lottery"),
        format!("/screens/{id}/lottery?key=a%27b"),
        format!("/screens/9999/lottery?key={key}"),
    ] {
        let resp = c.app.get(&path, None).await;
        assert_eq!(resp.status, StatusCode::UNAUTHORIZED, "{path}");
        assert!(resp.text.contains("大屏密钥无效或已更换"), "{path}");
    }
    let state = c
        .app
        .get(&format!("/screens/{id}/lottery/state?key=wrong"), None)
        .await;
    assert_eq!(state.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        state.json(),
        activity_error("大屏密钥无效或已更换,请从控制台重新打开大屏链接")
    );
    // A lottery has no message wall.
    let wall = c
        .app
        .get(&format!("/screens/{id}/wall?key={key}"), None)
        .await;
    assert_eq!(wall.status, StatusCode::BAD_REQUEST);
    assert!(wall.text.contains("该活动不是留言活动"));

    // The state: prizes, rounds, and while a round waits, the names that roll.
    let prize = c.prize(2).await;
    let round = c.commit(prize, 1, true).await.json()["data"]["round_id"]
        .as_i64()
        .unwrap();
    let state = c
        .app
        .get(&format!("/screens/{id}/lottery/state?key={key}"), None)
        .await;
    assert_eq!(state.status, StatusCode::OK, "{}", state.text);
    let s = state.json();
    assert_eq!(s["prizes"][0]["stock"], 2);
    assert_eq!(s["rounds"][0]["round_id"], round);
    assert_eq!(s["rounds"][0]["state"], "committed");
    // An internal lottery: full names (activity::names).
    assert_eq!(s["names"], json!(["张三丰", "张三丰", "张三丰", "张三丰"]));
    c.draw(round).await;
    let s = c
        .app
        .get(&format!("/screens/{id}/lottery/state?key={key}"), None)
        .await
        .json();
    assert_eq!(s["names"], json!([]), "nothing rolls once drawn");
    assert_eq!(s["rounds"][0]["winners"][0]["name"], "张三丰");
    assert_eq!(s["rounds"][0]["winners"][0].get("participant_id"), None);

    // A new key: the old one stops at once.
    let newer = c.app.screen_key(&c.org, id).await;
    assert_eq!(
        c.app
            .get(&format!("/screens/{id}/lottery?key={key}"), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        c.app
            .get(&format!("/screens/{id}/lottery?key={newer}"), None)
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn qr_codes_are_svg_of_the_links_they_name() {
    let c = crate::lottery::ctx_for(1, "internal").await;
    let key = c.app.screen_key(&c.org, c.id).await;
    let id = c.id;
    for what in ["join", "signin", "lottery", "wall", "verify-7"] {
        let resp = c
            .app
            .get(&format!("/screens/{id}/qr/{what}.svg?key={key}"), None)
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{what}: {}", resp.text);
        assert_eq!(resp.headers["content-type"], "image/svg+xml");
        assert!(resp.text.contains("<svg"), "{what}");
        assert!(resp.text.contains("<path"), "{what}");
    }
    for what in ["nothing.svg", "verify-x.svg", "join.png"] {
        let resp = c
            .app
            .get(&format!("/screens/{id}/qr/{what}?key={key}"), None)
            .await;
        assert_eq!(resp.status, StatusCode::NOT_FOUND, "{what}");
        assert_eq!(resp.json(), activity_error("二维码不存在"), "{what}");
    }
    let resp = c
        .app
        .get(&format!("/screens/{id}/qr/join.svg?key=nope"), None)
        .await;
    assert_eq!(resp.status, StatusCode::UNAUTHORIZED);
    // The links the codes hold.
    assert_eq!(
        wxhub::web::screens::join_link("https://hd.example.com", id),
        format!("https://hd.example.com/h5/{id}")
    );
    assert_eq!(
        wxhub::web::screens::verify_link("https://hd.example.com", id, 7),
        format!("https://hd.example.com/h5/{id}/lottery/rounds/7")
    );
    let svg = wxhub::qr::svg("https://hd.example.com/h5/1").unwrap();
    assert!(svg.starts_with("<?xml"));
    assert!(
        wxhub::qr::svg(&"x".repeat(5000)).is_none(),
        "too long for a QR code"
    );
}

#[tokio::test]
async fn the_wall_screen_starts_from_the_shown_messages_and_hears_its_style() {
    let c = crate::wall::ctx().await;
    let key = c.app.screen_key(&c.org, c.id).await;
    let id = c.id;
    let first = c.post("你好").await.json()["data"]["message_id"]
        .as_i64()
        .unwrap();
    let second = c.post("再见").await.json()["data"]["message_id"]
        .as_i64()
        .unwrap();
    let third = c.post("删掉").await.json()["data"]["message_id"]
        .as_i64()
        .unwrap();
    assert_eq!(c.act(second, "pin").await.status, StatusCode::OK);
    let removed = c
        .call(
            Method::DELETE,
            &format!("/api/v3/activitys_message/{id}/wall/{third}"),
            true,
            Value::Null,
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.text);

    let page = c
        .app
        .get(&format!("/screens/{id}/wall?key={key}"), None)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("data-style=\"danmaku\""));
    let s = c
        .app
        .get(&format!("/screens/{id}/wall/state?key={key}"), None)
        .await
        .json();
    let shown: Vec<i64> = s["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["message_id"].as_i64().unwrap())
        .collect();
    assert_eq!(shown, [first, second], "oldest first, the removed one gone");
    assert_eq!(s["pinned"][0]["message_id"], second);
    assert_eq!(s["pinned"][0]["pinned"], true);
    assert_eq!(s["messages"][0]["nickname"], "小明");
    assert_eq!(s["screen_style"], "danmaku");

    let mut screen = crate::events::Screen::open(
        &c.app.live().await,
        &format!("/api/v3/activitys/{id}/events?screen_key={key}"),
        None,
    )
    .await
    .1;
    let bad = c
        .call(
            Method::PUT,
            &format!("/api/v3/activitys_message/{id}/wall/settings"),
            true,
            json!({"screen_style": "marquee"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        bad.json(),
        activity_error("screen_style 只能是 danmaku 或 column")
    );
    c.settings(json!({"screen_style": "column"})).await;
    let events = screen.wait_for(7).await; // the join, 3 shown, the pin, the removal, the style
    let last: &(i64, String, Value) = &events[6];
    assert_eq!(last.1, "wall_settings");
    assert_eq!(last.2["screen_style"], "column");
    let page = c
        .app
        .get(&format!("/screens/{id}/wall?key={key}"), None)
        .await;
    assert!(page.text.contains("data-style=\"column\""));
}

#[tokio::test]
async fn the_console_shows_each_screen_link_with_its_qr_code() {
    let c = crate::wall::ctx().await;
    let links = wxhub::web::screens::links(c.id, "message", "K");
    let shown: Vec<(&str, &str, &str)> = links
        .iter()
        .map(|l| (l.label, l.link.as_str(), l.qr.as_str()))
        .collect();
    let id = c.id;
    assert_eq!(
        shown,
        [
            (
                "留言墙",
                format!("/screens/{id}/wall?key=K").as_str(),
                format!("/screens/{id}/qr/wall.svg?key=K").as_str()
            ),
            (
                "签到墙",
                format!("/screens/{id}/signin?key=K").as_str(),
                format!("/screens/{id}/qr/signin.svg?key=K").as_str()
            ),
        ]
    );
}

#[tokio::test]
async fn avatars_are_kept_from_wechat_hosts_only_and_placeholders_stand_in() {
    let sim = wechat_sim::Simulator::new();
    let sim_base = sim.spawn("127.0.0.1:0").await.unwrap();
    let sim_host = sim_base.trim_start_matches("http://").to_string();
    let app = TestApp::with(|c| {
        c.wechat.avatar_hosts = vec!["thirdwx.qlogo.cn".into(), sim_host.clone()];
        c.wechat.timeout_ms = 1000;
    })
    .await;
    let org = app.org("会务公司").await;
    let token = app.token(&app.client("org", Some(org)).await).await;
    let id = app
        .activity(&token, "signin", json!({"activity_name": "头像"}))
        .await;
    let key = app.screen_key(&token, id).await;
    let icon = format!("{sim_base}/mmopen/zhangsan/132");
    let joined = app
        .join(
            &token,
            id,
            json!({"member_id": "m1", "member_nickname": "张三", "member_icon": icon}),
        )
        .await;
    assert_eq!(joined.status, StatusCode::OK, "{}", joined.text);

    // The screen's event names wxhub's path for the avatar, not WeChat's URL alone.
    let mut screen = crate::events::Screen::open(
        &app.live().await,
        &format!("/api/v3/activitys/{id}/events?screen_key={key}"),
        None,
    )
    .await
    .1;
    let events = screen.wait_for(1).await;
    let path = events[0].2["avatar"].as_str().unwrap().to_string();
    let avatar_key = wxhub::activity::avatars::key_of(&icon);
    assert!(
        path.starts_with(&format!("/avatars/{avatar_key}?src=")),
        "{path}"
    );

    // First asked for: the placeholder, and the copy fetched in the background.
    let first = app.get(&path, None).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.headers["content-type"], "image/svg+xml");
    assert_eq!(first.headers["cache-control"], "no-store");
    assert!(first.text.contains(">张</text>"), "{}", first.text);
    let mut kept = None;
    for _ in 0..50 {
        let resp = app.get(&path, None).await;
        if resp.headers["content-type"] == "image/png" {
            kept = Some(resp);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let kept = kept.expect("the avatar is kept");
    assert_eq!(kept.headers["cache-control"], "public, max-age=86400");
    let served = app
        .call(
            Method::GET,
            &format!("/avatars/{avatar_key}"),
            None,
            None,
            axum::body::Body::empty(),
        )
        .await;
    assert_eq!(
        served.headers["content-type"], "image/png",
        "by its key alone too"
    );
    let bytes = wxhub::store::avatars::get(&app.state.store, &avatar_key)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        bytes.bytes,
        wechat_sim::api::AVATAR_PNG.to_vec(),
        "the simulator's bytes"
    );

    // What is never kept: other hosts, redirects, huge or non-image bodies, slow hosts, 404s.
    for (name, reason) in [
        ("redirect", "redirected"),
        ("huge", "larger than 1 MiB"),
        ("html", "not a PNG, JPEG or WebP image"),
        ("slow", "timed out"),
        ("gone", "answered 404"),
    ] {
        let url = format!("{sim_base}/mmopen/{name}/132");
        let path = wxhub::activity::avatars::path_for(&url, "李");
        let resp = app.get(&path, None).await;
        assert_eq!(resp.headers["content-type"], "image/svg+xml", "{name}");
        let k = wxhub::activity::avatars::key_of(&url);
        let mut row = None;
        for _ in 0..40 {
            row = wxhub::store::avatars::get(&app.state.store, &k)
                .await
                .unwrap();
            if row.is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let row = row.unwrap_or_else(|| panic!("{name}: no outcome recorded"));
        assert_eq!(row.state, "failed", "{name}");
        assert!(row.error.contains(reason), "{name}: {}", row.error);
        let again = app.get(&path, None).await;
        assert_eq!(again.headers["content-type"], "image/svg+xml", "{name}");
    }
    // A host off the list is not even asked: the simulator, reached as `localhost` (not on
    // the list), counts no request for it — checked once an avatar asked for after it was
    // fetched, so that the fetcher had its chance.
    let port = sim_host.rsplit(':').next().unwrap();
    let elsewhere = format!("http://localhost:{port}/mmopen/elsewhere/132");
    let resp = app
        .get(&wxhub::activity::avatars::path_for(&elsewhere, "王"), None)
        .await;
    assert_eq!(resp.headers["content-type"], "image/svg+xml");
    let after = format!("{sim_base}/mmopen/lisi/132");
    let after_path = wxhub::activity::avatars::path_for(&after, "李");
    let mut fetched = false;
    for _ in 0..100 {
        if app.get(&after_path, None).await.headers["content-type"] == "image/png" {
            fetched = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        fetched,
        "the allowed avatar asked for after it was never fetched"
    );
    assert_eq!(sim.calls("/mmopen/lisi/132"), 1);
    assert_eq!(
        sim.calls("/mmopen/elsewhere/132"),
        0,
        "a host off the list was asked"
    );
    let k = wxhub::activity::avatars::key_of(&elsewhere);
    assert!(wxhub::store::avatars::get(&app.state.store, &k)
        .await
        .unwrap()
        .is_none());
    // A src that is not the key's URL fetches nothing; a bad key is only a placeholder.
    let resp = app
        .get(
            &format!(
                "/avatars/{}?src={}",
                "0".repeat(32),
                url::form_urlencoded::byte_serialize(icon.as_bytes()).collect::<String>()
            ),
            None,
        )
        .await;
    assert_eq!(resp.headers["content-type"], "image/svg+xml");
    let resp = app
        .get("/avatars/..%2F..%2Fetc?initial=%3Cb%3E", None)
        .await;
    assert_eq!(resp.status, StatusCode::OK);
    assert!(resp.text.contains(">&lt;</text>"), "{}", resp.text);
}
