//! The big screens in the browser: the sign-in wall counts a burst of 2,000 sign-ins exactly
//! (on the grid and on the sphere), welcomes each arrival and changes layout on a key, and a
//! wrong screen key shows an error page, not data.

use super::browser;
use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::json;
use std::time::Instant;

#[tokio::test]
async fn the_signin_wall_counts_a_burst_exactly_and_refuses_a_wrong_key() {
    let app = TestApp::new().await;
    let org = app.org("会务公司").await;
    let token = app.token(&app.client("org", Some(org)).await).await;
    let id = app
        .activity(&token, "signin", json!({"activity_name": "年度大会签到"}))
        .await;
    let key = app.screen_key(&token, id).await;
    let base = app.live().await;
    let Some(b) = browser(1920, 1080).await else {
        return;
    };

    // A wrong key: the error page, and no stream.
    b.goto(&format!("{base}/screens/{id}/signin?key=wrongkey"))
        .await;
    let text = b.wait_for_text("大屏无法打开").await;
    assert!(text.contains("大屏密钥无效"), "{text}");
    assert!(!text.contains("年度大会签到"));

    b.goto(&format!("{base}/screens/{id}/signin?key={key}"))
        .await;
    b.viewport(1920, 1080).await;
    b.wait_for_text("年度大会签到").await;
    let count = "return document.getElementById('count').textContent";
    b.wait_for_script(count, json!("0")).await;
    // A second screen shows the sphere: everyone must reach it too.
    let Some(sphere) = browser(1920, 1080).await else {
        return;
    };
    sphere
        .goto(&format!(
            "{base}/screens/{id}/signin?key={key}&layout=sphere"
        ))
        .await;
    sphere
        .wait_for_script("return window.WxSignin.layout()", json!("sphere"))
        .await;

    // 2,000 sign-ins as fast as 16 callers send them.
    const PEOPLE: usize = 2_000;
    let app = std::sync::Arc::new(app);
    let started = Instant::now();
    let mut callers = Vec::new();
    for caller in 0..16 {
        let app = app.clone();
        let token = token.clone();
        callers.push(tokio::spawn(async move {
            for n in (caller..PEOPLE).step_by(16) {
                let resp = app
                    .json(
                        Method::POST,
                        &as_org(&format!("/api/v3/activitys_for_wx/{id}/wx/userInfo"), &token),
                        None,
                        json!({"member_id": format!("m{n}"), "member_nickname": format!("来宾{n}")}),
                    )
                    .await;
                assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
            }
        }));
    }
    for c in callers {
        c.await.unwrap();
    }
    let sent = started.elapsed();
    b.wait_for_script(count, json!(PEOPLE.to_string())).await;
    let shown = started.elapsed();
    sphere
        .wait_for_script(
            "return [window.WxSignin.count(), window.WxSignin.onSphere(), document.getElementById('count').textContent]",
            json!([PEOPLE, PEOPLE, PEOPLE.to_string()]),
        )
        .await;
    eprintln!(
        "sign-in wall: {PEOPLE} sign-ins sent in {:.2} s, all counted {:.2} s after the last",
        sent.as_secs_f64(),
        (shown - sent).as_secs_f64()
    );
    // The wall holds a bounded number of people, the newest first.
    let shown_people = b
        .script("return document.querySelectorAll('#wall .person').length")
        .await;
    assert!(shown_people.as_i64().unwrap() <= 120, "{shown_people}");
    assert!(b
        .script("return document.getElementById('reconnecting').hidden")
        .await
        .as_bool()
        .unwrap());
    // Let the last arrivals finish entering before the picture.
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    b.assert_fits("the sign-in wall at 1920×1080").await;
    b.screenshot("screen-signin").await;
    assert_fits_everywhere(&b, "the sign-in wall").await;
    let problems = b.console_problems().await;
    assert!(
        problems.iter().all(|p| p.contains("status of 401")),
        "{problems:?}"
    );
}

/// A screen fits a 4:3 projector and a 4K screen as it fits 1920×1080.
async fn assert_fits_everywhere(b: &super::Browser, what: &str) {
    for (w, h) in [(1024, 768), (3840, 2160)] {
        b.viewport(w, h).await;
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        b.assert_fits(&format!("{what} at {w}×{h}")).await;
    }
}

/// The sign-in wall as a show: history is counted but not welcomed; each live arrival is
/// welcomed by name; the keys switch between the sphere, the large join code, the countdown and
/// the grid, each fitting 1920×1080, 4:3 and 4K.
#[tokio::test]
async fn the_signin_show_welcomes_arrivals_and_changes_layout_on_a_key() {
    let app = TestApp::new().await;
    let org = app.org("会务公司").await;
    let token = app.token(&app.client("org", Some(org)).await).await;
    let id = app
        .activity(
            &token,
            "signin",
            json!({"activity_name": "2026 年度盛典", "name_display": "full"}),
        )
        .await;
    let key = app.screen_key(&token, id).await;
    let surnames = ["林", "王", "张", "李", "赵", "陈", "刘", "杨", "黄", "周"];
    for n in 0..300 {
        let resp = app
            .json(
                Method::POST,
                &as_org(&format!("/api/v3/activitys_for_wx/{id}/wx/userInfo"), &token),
                None,
                json!({"member_id": format!("m{n}"), "member_real_name": format!("{}来宾{n}", surnames[n % 10])}),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    }
    let base = app.live().await;
    let Some(b) = browser(1920, 1080).await else {
        return;
    };
    b.goto(&format!(
        "{base}/screens/{id}/signin?key={key}&layout=sphere"
    ))
    .await;
    b.viewport(1920, 1080).await;
    b.wait_for_script("return window.WxSignin.onSphere()", json!(300))
        .await;
    assert_eq!(
        b.script("return document.getElementById('welcome').hidden")
            .await,
        json!(true),
        "history is not welcomed"
    );

    // A live arrival: welcomed by name, large.
    let resp = app
        .json(
            Method::POST,
            &as_org(
                &format!("/api/v3/activitys_for_wx/{id}/wx/userInfo"),
                &token,
            ),
            None,
            json!({"member_id": "late", "member_real_name": "欧阳小雨"}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    eventually(
        &b,
        "var w = document.getElementById('welcome'); return !w.hidden && w.textContent.indexOf('欧阳小雨') >= 0",
        5,
        "the welcome",
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(350)).await;
    b.screenshot("screen-signin-welcome").await;
    eventually(
        &b,
        "return document.getElementById('welcome').hidden",
        5,
        "the welcome ends",
    )
    .await;
    assert_eq!(b.script("return window.WxSignin.count()").await, json!(301));
    b.assert_fits("the sphere at 1920×1080").await;
    b.screenshot("screen-signin-sphere").await;
    assert_fits_everywhere(&b, "the sphere").await;

    b.viewport(1920, 1080).await;
    b.press("q").await;
    b.wait_for_script("return window.WxSignin.layout()", json!("qr"))
        .await;
    let text = b.text().await;
    assert!(
        text.contains("微信扫一扫") && text.contains("301"),
        "{text}"
    );
    b.assert_fits("the large join code at 1920×1080").await;
    b.screenshot("screen-signin-qr").await;
    assert_fits_everywhere(&b, "the large join code").await;

    b.viewport(1920, 1080).await;
    b.press("t").await;
    b.wait_for_script("return window.WxSignin.layout()", json!("countdown"))
        .await;
    let clock = "return document.getElementById('countdown-clock').textContent";
    eventually(
        &b,
        "return /^(04:[0-5][0-9]|05:00)$/.test(document.getElementById('countdown-clock').textContent)",
        3,
        "five minutes",
    )
    .await;
    b.press("+").await;
    eventually(
        &b,
        "return /^(05:5[0-9]|06:00)$/.test(document.getElementById('countdown-clock').textContent)",
        3,
        "a minute more",
    )
    .await;
    b.assert_fits("the countdown at 1920×1080").await;
    b.screenshot("screen-signin-countdown").await;
    assert_fits_everywhere(&b, "the countdown").await;
    b.press("t").await;
    b.wait_for_script("return window.WxSignin.layout()", json!("qr"))
        .await;
    b.press("g").await;
    b.wait_for_script("return window.WxSignin.layout()", json!("grid"))
        .await;
    assert!(b.script(clock).await.is_string());
    let problems = b.console_problems().await;
    assert!(problems.is_empty(), "{problems:?}");
}

#[tokio::test]
async fn the_lottery_stage_shows_exactly_the_published_winners() {
    let c = crate::lottery::ctx_for(30, "internal").await;
    let prize = c.prize(5).await;
    let designated = c
        .call(
            Method::POST,
            &format!("/api/v3/activitys_lottery/{}/designated", c.id),
            json!({"prize_id": prize, "participant_id": "m007"}),
        )
        .await;
    assert_eq!(designated.status, StatusCode::OK, "{}", designated.text);
    let Some(b) = open_screen(&c.app, &c.org, c.id, "lottery").await else {
        return;
    };
    b.viewport(1920, 1080).await;
    // Before the first round: the prize large with the join code.
    b.wait_for_text("微信扫码参与抽奖").await;
    b.wait_for_text("剩余 5 / 5").await;
    b.wait_for_text("参与 30 人").await;

    // Committed: the commitment is shown and the names roll.
    let record = c.commit(prize, 3, true).await.json()["data"].clone();
    let round = record["round_id"].as_i64().unwrap();
    let text = b.wait_for_text("参与 29 人").await;
    let seed_hash = record["seed_hash"].as_str().unwrap();
    assert!(text.contains(&seed_hash[..12]), "{text}");
    b.wait_for_script(
        "return !document.getElementById('roll').hidden && \
         document.getElementById('roll').textContent.length > 0",
        json!(true),
    )
    .await;

    // Drawn: the winners of the published record, in order, the designated one marked.
    let drawn = c.draw(round).await;
    assert_eq!(drawn.status, StatusCode::OK, "{}", drawn.text);
    b.wait_for_script(
        "return document.getElementById('reveal').getAttribute('data-revealed')",
        json!(round.to_string()),
    )
    .await;
    let published = c.get_data(&format!("/rounds/{round}")).await;
    let mut expected = vec![json!("m007")];
    expected.extend(published["winners"].as_array().unwrap().iter().cloned());
    let shown = b
        .script(
            "return Array.from(document.querySelectorAll('#reveal .winner'))\
             .map(function (w) { return w.getAttribute('data-participant'); })",
        )
        .await;
    assert_eq!(
        shown,
        json!(expected),
        "the stage shows the record's winners"
    );
    let badges = b
        .script(
            "return Array.from(document.querySelectorAll('#reveal .winner'))\
             .map(function (w) { return !!w.querySelector('.badge'); })",
        )
        .await;
    assert_eq!(
        badges,
        json!([true, false, false]),
        "only the designated marked"
    );
    let seed = published["seed"].as_str().unwrap();
    let text = b.wait_for_text("剩余 2 / 5").await;
    assert!(text.contains(&seed[..12]), "the revealed seed: {text}");
    let qr = b
        .script("return document.querySelector('#proof img.qr').getAttribute('src')")
        .await;
    assert!(
        qr.as_str()
            .unwrap()
            .contains(&format!("verify-{round}.svg")),
        "{qr}"
    );
    b.wait_for_script(
        "return document.querySelector('#proof img.qr').naturalWidth > 0",
        json!(true),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    b.assert_fits("the lottery stage at 1920×1080").await;
    b.screenshot("screen-lottery").await;
    assert_fits_everywhere(&b, "the lottery stage").await;
    b.viewport(1920, 1080).await;

    // An absent winner: the redraw is committed on the stage; a reset leaves nothing standing.
    let absent = published["winners"][0].as_str().unwrap();
    let redraw = c
        .call(
            Method::POST,
            &format!("/api/v3/activitys_lottery/{}/rounds/{round}/redraw", c.id),
            json!({"participant_id": absent, "reason": "未到场"}),
        )
        .await;
    assert_eq!(redraw.status, StatusCode::OK, "{}", redraw.text);
    b.wait_for_text("补抽 · 一等奖").await;
    b.wait_for_text("剩余 3 / 5").await;
    let reset = c
        .call(
            Method::POST,
            &format!("/api/v3/activitys_lottery/{}/rounds/{round}/reset", c.id),
            json!({"reason": "设备故障"}),
        )
        .await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.text);
    b.wait_for_text("剩余 5 / 5").await;
    b.wait_for_text("微信扫码参与抽奖").await;
    assert_eq!(
        b.script("return document.querySelectorAll('#board .board-line').length")
            .await,
        json!(0)
    );
    let problems = b.console_problems().await;
    assert!(problems.is_empty(), "{problems:?}");
}

/// Whether a message on the wall's stage can be seen: the element at the middle of its visible
/// part is the message itself (not clipped away by a stage of no height, not covered).
const SEEN_ON_STAGE: &str = "
  var seen = false;
  document.querySelectorAll('#stage .message').forEach(function (m) {
    var r = m.getBoundingClientRect();
    var left = Math.max(r.left, 0), right = Math.min(r.right, innerWidth);
    var top = Math.max(r.top, 0), bottom = Math.min(r.bottom, innerHeight);
    if (right - left < 1 || bottom - top < 1) return;
    var at = document.elementFromPoint((left + right) / 2, (top + bottom) / 2);
    if (at && at.closest('.message') === m) seen = true;
  });
  return seen;";

/// Issue 36, item 6: at 50 messages a second the danmaku lanes never overlap and every message
/// crosses at the same steady speed; what the lanes cannot carry waits in a bounded queue. The
/// page is made busy the way a loaded machine makes it (late animation callbacks).
#[tokio::test]
async fn danmaku_lanes_never_overlap_at_fifty_messages_a_second() {
    let c = crate::wall::ctx().await;
    const MESSAGES: usize = 250;
    for n in 0..MESSAGES {
        let resp = c
            .call(
                Method::POST,
                &format!("/api/v3/activitys_for_wx/{}/wx/userInfo", c.id),
                true,
                json!({"member_id": format!("d{n}"), "member_nickname": format!("观众{n}")}),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    }
    let key = c.app.screen_key(&c.org, c.id).await;
    let base = c.app.live().await;
    let Some(b) = browser(1920, 1080).await else {
        return;
    };
    // A busy page: every animation's finish callback runs 400 ms late, as it can when the
    // machine is loaded (a message whose animation had ended then sprang back to its lane's
    // start, over the lane's newest message, until the callback removed it).
    b.before_each_page(
        "(function () { var animate = Element.prototype.animate; \
           var set = Object.getOwnPropertyDescriptor(Animation.prototype, 'onfinish').set; \
           Element.prototype.animate = function (k, o) { var a = animate.call(this, k, o); \
             Object.defineProperty(a, 'onfinish', { configurable: true, set: function (f) { \
               set.call(a, function (e) { setTimeout(function () { f(e); }, 400); }); } }); \
             return a; }; })();",
    )
    .await;
    b.goto(&format!("{base}/screens/{}/wall?key={key}", c.id))
        .await;
    b.viewport(1920, 1080).await;
    b.wait_for_script("return typeof window.WxWall", json!("object"))
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    // Sampled against the animations' clock (the time each frame is drawn at), not the
    // moment the sampler happens to run, so a busy machine cannot bend the measured speed.
    b.script(
        "window.__samples = []; window.__sampler = setInterval(function () { \
           var items = []; \
           document.querySelectorAll('#stage .message.flying').forEach(function (n) { \
             var r = n.getBoundingClientRect(); \
             items.push([n.getAttribute('data-message'), r.left, r.right, r.top, r.bottom, \
               n.getAttribute('data-lane'), n.offsetWidth]); }); \
           var stage = document.getElementById('stage').getBoundingClientRect(); \
           window.__samples.push([document.timeline.currentTime, window.WxWall.queued(), items, \
             stage.left, stage.right]); }, 100); \
         return document.getElementById('stage').clientWidth",
    )
    .await;
    // 50 a second for five seconds, each from another member (the wall's per-member limit).
    let started = Instant::now();
    for n in 0..MESSAGES {
        let due = std::time::Duration::from_millis(20 * n as u64);
        if let Some(wait) = due.checked_sub(started.elapsed()) {
            tokio::time::sleep(wait).await;
        }
        let words = [
            "新年快乐[庆祝]",
            "讲得真好",
            "前排围观[吃瓜]",
            "抽奖什么时候开始?一等奖是什么",
        ];
        let resp = c
            .call(
                Method::POST,
                &format!("/api/v3/activitys_for_wx/{}/wx/message", c.id),
                true,
                json!({"member_id": format!("d{n}"), "content": words[n % 4]}),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    }
    eprintln!(
        "danmaku: {MESSAGES} messages sent in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let width = b
        .script(
            "clearInterval(window.__sampler); return document.getElementById('stage').clientWidth",
        )
        .await
        .as_f64()
        .unwrap();
    let samples = b.script("return window.__samples").await;
    let samples = samples.as_array().unwrap();
    assert!(samples.len() > 50, "{}", samples.len());
    // No two messages overlap where the stage draws them (it clips what lies past its edges),
    // in any sample; the queue stays bounded.
    let mut most = 0;
    // Where each message was in every sample, and where it was while drawn (for its speed).
    let mut tracks: std::collections::HashMap<String, Vec<(f64, f64)>> = Default::default();
    let mut drawn: std::collections::HashMap<String, Vec<(f64, f64)>> = Default::default();
    for sample in samples {
        let t = sample[0].as_f64().unwrap();
        assert!(sample[1].as_u64().unwrap() <= 16, "queue {}", sample[1]);
        let (stage_left, stage_right) = (sample[3].as_f64().unwrap(), sample[4].as_f64().unwrap());
        let mut items: Vec<(String, f64, f64, f64, f64)> = Vec::new();
        for i in sample[2].as_array().unwrap() {
            let id = i[0].as_str().unwrap().to_string();
            let (left, right) = (i[1].as_f64().unwrap(), i[2].as_f64().unwrap());
            tracks.entry(id.clone()).or_default().push((t, left));
            let (shown_left, shown_right) = (left.max(stage_left), right.min(stage_right));
            if shown_right - shown_left <= 1.0 {
                continue;
            }
            drawn.entry(id.clone()).or_default().push((t, left));
            items.push((
                id,
                shown_left,
                shown_right,
                i[3].as_f64().unwrap(),
                i[4].as_f64().unwrap(),
            ));
        }
        most = most.max(items.len());
        for (n, a) in items.iter().enumerate() {
            for b2 in &items[n + 1..] {
                let apart = a.2 <= b2.1 + 1.0
                    || b2.2 <= a.1 + 1.0
                    || a.4 <= b2.3 + 1.0
                    || b2.4 <= a.3 + 1.0;
                if !apart {
                    // Everything the samples say about the two, to tell how they met.
                    let seen = |id: &str| -> Vec<String> {
                        samples
                            .iter()
                            .flat_map(|s| {
                                let t = s[0].as_f64().unwrap_or(0.0);
                                s[2].as_array()
                                    .unwrap()
                                    .iter()
                                    .filter(|i| i[0] == id)
                                    .map(move |i| format!("{t:.0}: {i}"))
                                    .collect::<Vec<_>>()
                            })
                            .collect()
                    };
                    panic!(
                        "overlap at {t:.0} ms: {a:?} and {b2:?}\n{}: {:?}\n{}: {:?}",
                        a.0,
                        seen(&a.0),
                        b2.0,
                        seen(&b2.0)
                    );
                }
            }
        }
    }
    assert!(most >= 8, "the lanes were used: at most {most} on screen");
    // A message only ever moves left: one whose animation has ended stays out of sight until
    // it is removed, never springing back to its lane's start (where it covered the lane's
    // newest message on a busy machine).
    for (id, track) in &tracks {
        for pair in track.windows(2) {
            assert!(
                pair[1].1 <= pair[0].1 + 1.0,
                "message {id} moved right, from {:.0} px at {:.0} ms to {:.0} px at {:.0} ms",
                pair[0].1,
                pair[0].0,
                pair[1].1,
                pair[1].0
            );
        }
    }
    // Each message drawn for a second or more moved at the wall's one speed (18 % of the
    // width a second), within 5 %.
    let expected = width * 0.18 / 1000.0;
    let mut measured = 0;
    for (id, track) in &drawn {
        let (first, last) = (track[0], track[track.len() - 1]);
        if last.0 - first.0 < 1000.0 {
            continue;
        }
        let speed = (first.1 - last.1) / (last.0 - first.0);
        assert!(
            (speed - expected).abs() < expected * 0.05,
            "message {id}: {speed:.4} px/ms, the wall's speed is {expected:.4}"
        );
        measured += 1;
    }
    assert!(measured >= 20, "{measured} messages measured");
    b.assert_fits("the message wall at 50 a second").await;
    let problems = b.console_problems().await;
    assert!(problems.is_empty(), "{problems:?}");
}

#[tokio::test]
async fn the_message_wall_shows_pins_and_drops_removed_messages() {
    let c = crate::wall::ctx().await;
    let first = c.post("大家好[微笑]").await.json()["data"]["message_id"]
        .as_i64()
        .unwrap();
    let Some(b) = open_screen(&c.app, &c.org, c.id, "wall").await else {
        return;
    };
    b.viewport(1920, 1080).await;
    // A message from before the screen opened goes round; emoji as characters; and it is
    // seen, not only present (no message pinned: the stage must still have its height).
    b.wait_for_text("大家好🙂").await;
    b.wait_for_script(SEEN_ON_STAGE, json!(true)).await;

    let second = c.post("第二条留言").await.json()["data"]["message_id"]
        .as_i64()
        .unwrap();
    b.wait_for_text("第二条留言").await;
    assert_eq!(c.act(second, "pin").await.status, StatusCode::OK);
    b.wait_for_script(
        "return document.querySelector('#pinned').textContent.indexOf('第二条留言') >= 0",
        json!(true),
    )
    .await;
    for text in [
        "新年快乐[庆祝]",
        "抽奖什么时候开始?",
        "讲得真好[强][强]",
        "前排围观[吃瓜]",
    ] {
        c.post(text).await;
    }
    b.wait_for_text("讲得真好👍👍").await;
    b.wait_for_script(SEEN_ON_STAGE, json!(true)).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    b.assert_fits("the message wall at 1920×1080").await;
    b.screenshot("screen-wall").await;

    // Removed: gone from the screen within a second.
    let removed = c
        .call(
            Method::DELETE,
            &format!("/api/v3/activitys_message/{}/wall/{first}", c.id),
            true,
            serde_json::Value::Null,
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.text);
    let started = Instant::now();
    b.wait_for_script(
        &format!("return document.querySelectorAll('[data-message=\"{first}\"]').length"),
        json!(0),
    )
    .await;
    assert!(
        started.elapsed().as_millis() < 1000,
        "{:?}",
        started.elapsed()
    );

    // The column, switched from the settings while the screen is open.
    c.settings(json!({"screen_style": "column", "mode": "approve_first"}))
        .await;
    b.wait_for_script(
        "return document.getElementById('stage').className",
        json!("stage column"),
    )
    .await;
    // Approved later: appears when approved, not before.
    let held = c.post("审核后才显示").await.json()["data"]["message_id"]
        .as_i64()
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(!b.text().await.contains("审核后才显示"));
    assert_eq!(c.act(held, "approve").await.status, StatusCode::OK);
    b.wait_for_text("审核后才显示").await;
    b.wait_for_script(SEEN_ON_STAGE, json!(true)).await;
    // Unpinned, the column still shows its messages.
    assert_eq!(c.act(second, "unpin").await.status, StatusCode::OK);
    b.wait_for_script(
        "return document.getElementById('pinned').hidden",
        json!(true),
    )
    .await;
    b.wait_for_script(SEEN_ON_STAGE, json!(true)).await;
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    b.screenshot("screen-wall-column").await;
    assert_fits_everywhere(&b, "the message wall").await;
    let problems = b.console_problems().await;
    assert!(problems.is_empty(), "{problems:?}");
}

/// The real server as a process on a fixed port, killed when dropped.
struct ServerProcess(std::process::Child);

impl ServerProcess {
    async fn start(app: &TestApp, port: u16) -> ServerProcess {
        let server = ServerProcess(
            std::process::Command::new(env!("CARGO_BIN_EXE_wxhub"))
                .current_dir(&app.config.data_dir)
                .env("WXHUB_DATA_DIR", &app.config.data_dir)
                .env("WXHUB_DATABASE_URL", &app.config.database_url)
                .env("WXHUB_LOG_FORMAT", "json")
                .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap(),
        );
        let http = reqwest::Client::new();
        for _ in 0..100 {
            if let Ok(r) = http
                .get(format!("http://127.0.0.1:{port}/healthz"))
                .send()
                .await
            {
                if r.status().is_success() {
                    return server;
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the server did not start on port {port}");
    }

    /// SIGKILL: no draining, no goodbye to the screens.
    fn kill(mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn a_screen_cut_off_by_a_server_restart_ends_with_the_right_count() {
    let app = TestApp::new().await;
    let org = app.org("会务公司").await;
    let token = app.token(&app.client("org", Some(org)).await).await;
    let id = app
        .activity(&token, "signin", json!({"activity_name": "重启中的签到"}))
        .await;
    let key = app.screen_key(&token, id).await;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let base = format!("http://127.0.0.1:{port}");
    let server = ServerProcess::start(&app, port).await;
    let Some(b) = browser(1920, 1080).await else {
        return;
    };
    b.goto(&format!("{base}/screens/{id}/signin?key={key}"))
        .await;
    let count = "return document.getElementById('count').textContent";
    b.wait_for_script(count, json!("0")).await;

    // 1,000 sign-ins from 8 callers; the server is killed after the first 400 and started
    // again. A caller whose request fails sends it again (a sign-in is idempotent).
    const PEOPLE: usize = 1_000;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut callers = Vec::new();
    for caller in 0..8 {
        let (done, token, base) = (done.clone(), token.clone(), base.clone());
        callers.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            for n in (caller..PEOPLE).step_by(8) {
                let url = format!(
                    "{base}{}",
                    as_org(
                        &format!("/api/v3/activitys_for_wx/{id}/wx/userInfo"),
                        &token
                    )
                );
                let body =
                    json!({"member_id": format!("m{n}"), "member_nickname": format!("来宾{n}")});
                loop {
                    match http.post(&url).json(&body).send().await {
                        Ok(r) if r.status().is_success() => break,
                        _ => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
                    }
                }
                done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        }));
    }
    while done.load(std::sync::atomic::Ordering::SeqCst) < 400 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    server.kill();
    // The screen notices and says so.
    b.wait_for_script(
        "return document.getElementById('reconnecting').hidden",
        json!(false),
    )
    .await;
    let _server = ServerProcess::start(&app, port).await;
    for c in callers {
        c.await.unwrap();
    }
    // Every sign-in counted once, none twice, the mark gone.
    for _ in 0..3 {
        if b.script(count).await == json!(PEOPLE.to_string()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    }
    b.wait_for_script(count, json!(PEOPLE.to_string())).await;
    b.wait_for_script(
        "return document.getElementById('reconnecting').hidden",
        json!(true),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(b.script(count).await, json!(PEOPLE.to_string()));
}

/// Waits up to `secs` for the script to answer true.
async fn eventually(b: &super::Browser, script: &str, secs: u64, what: &str) {
    for _ in 0..secs * 5 {
        if b.script(script).await == json!(true) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!("{what}: not within {secs} s");
}

#[tokio::test]
async fn wxhub_demo_brings_every_screen_to_life() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(dir.path()).await;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_wxhub"))
        .current_dir(dir.path())
        .env("WXHUB_DATA_DIR", dir.path())
        .env("WXHUB_DATABASE_URL", &url)
        .env("WXHUB_LOG_FORMAT", "json")
        .env("WXHUB_AUTH_ARGON2_MEMORY_KIB", "1024")
        .args([
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--people",
            "60",
            "--rate",
            "30",
        ])
        .args(["--draw-every", "2"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _demo = ServerProcess(child);
    let lines = tokio::task::spawn_blocking(move || {
        let mut lines = Vec::new();
        for line in std::io::BufReader::new(stdout).lines() {
            let line = line.unwrap();
            let done = line.contains("simulated:");
            lines.push(line);
            if done {
                break;
            }
        }
        lines
    })
    .await
    .unwrap();
    let printed = lines.join("\n");
    let link = |label: &str| {
        lines
            .iter()
            .find(|l| l.contains(label))
            .and_then(|l| l.split(": ").nth(1))
            .unwrap_or_else(|| panic!("no {label} in {printed}"))
            .trim()
            .to_string()
    };
    assert!(printed.contains("user demo  password "), "{printed}");
    let signin = link("演示:年会签到·签到墙");
    let stage = link("演示:年会抽奖·抽奖舞台");
    let wall = link("演示:留言墙·留言墙");
    let vote = link("演示:最佳节目投票·投票大屏");
    let quiz = link("演示:安全知识竞赛·答题大屏");
    let shake = link("演示:年会摇一摇·摇一摇大屏");
    let console = link("console");
    let login = console.split_whitespace().next().unwrap();
    assert_eq!(reqwest::get(login).await.unwrap().status(), 200);

    let Some(b) = browser(1920, 1080).await else {
        return;
    };
    b.goto(&signin).await;
    eventually(
        &b,
        "return parseInt(document.getElementById('count').textContent, 10) > 0 && \
         document.querySelectorAll('#wall .person').length > 0",
        60,
        "the sign-in wall counts arrivals",
    )
    .await;
    b.goto(&wall).await;
    eventually(
        &b,
        "return document.querySelectorAll('#stage .message').length > 0",
        60,
        "the message wall shows messages",
    )
    .await;
    b.goto(&vote).await;
    eventually(
        &b,
        "return parseInt(document.getElementById('ballots').textContent, 10) > 0 && \
         document.querySelectorAll('.vote-option').length === 4",
        60,
        "the vote screen counts ballots",
    )
    .await;
    b.goto(&quiz).await;
    eventually(
        &b,
        "var s = window.WxQuiz && window.WxQuiz.state(); \
         return !!(s && s.question && s.question.answers > 0)",
        60,
        "the quiz screen shows a question being answered",
    )
    .await;
    b.goto(&shake).await;
    eventually(
        &b,
        "return document.querySelectorAll('.shake-lane').length > 0 || \
         document.querySelectorAll('.shake-winner-name').length > 0",
        60,
        "the shake screen shows runners or winners",
    )
    .await;
    b.goto(&stage).await;
    eventually(
        &b,
        "return document.querySelectorAll('#reveal .winner').length > 0 || \
         !document.getElementById('roll').hidden",
        60,
        "the lottery stage rolls or shows winners",
    )
    .await;
    let problems = b.console_problems().await;
    assert!(problems.is_empty(), "{problems:?}");
}

#[tokio::test]
async fn screens_on_two_instances_keep_up_with_five_thousand_sign_ins() {
    // One org client signs five thousand people in as fast as the machine goes: the per-client
    // rate limit (1,000 a second after a burst of 2,000) is not what this tests, and a fast
    // machine ran into it (429).
    let app = TestApp::with(|c| c.rate_limit_per_client = 0).await;
    let org = app.org("会务公司").await;
    let token = app.token(&app.client("org", Some(org)).await).await;
    let id = app
        .activity(&token, "signin", json!({"activity_name": "五千人大会"}))
        .await;
    let key = app.screen_key(&token, id).await;
    // On PostgreSQL a second instance on the same database, each with its own screen and half
    // of the sign-ins; SQLite is one instance (one writer, one process).
    let first = app.live().await;
    let second = if app.state.store.backend == wxhub::store::Backend::Postgres {
        let other = wxhub::build_state(app.config.clone()).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(wxhub::app::serve(listener, other, std::future::pending()));
        base
    } else {
        first.clone()
    };
    let Some(a) = browser(1920, 1080).await else {
        return;
    };
    let Some(b) = browser(1920, 1080).await else {
        return;
    };
    a.goto(&format!("{first}/screens/{id}/signin?key={key}"))
        .await;
    b.goto(&format!("{second}/screens/{id}/signin?key={key}"))
        .await;
    let count = "return document.getElementById('count').textContent";
    a.wait_for_script(count, json!("0")).await;
    b.wait_for_script(count, json!("0")).await;

    const PEOPLE: usize = 5_000;
    const CALLERS: usize = 32;
    let started = Instant::now();
    let mut callers = Vec::new();
    for caller in 0..CALLERS {
        let base = if caller % 2 == 0 {
            first.clone()
        } else {
            second.clone()
        };
        let token = token.clone();
        callers.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let url = format!(
                "{base}{}",
                as_org(
                    &format!("/api/v3/activitys_for_wx/{id}/wx/userInfo"),
                    &token
                )
            );
            for n in (caller..PEOPLE).step_by(CALLERS) {
                let body =
                    json!({"member_id": format!("m{n}"), "member_nickname": format!("来宾{n}")});
                let resp = http.post(&url).json(&body).send().await.unwrap();
                assert!(resp.status().is_success(), "{}", resp.status());
            }
        }));
    }
    for c in callers {
        c.await.unwrap();
    }
    let sent = started.elapsed();
    a.wait_for_script(count, json!(PEOPLE.to_string())).await;
    b.wait_for_script(count, json!(PEOPLE.to_string())).await;
    eprintln!(
        "two screens: {PEOPLE} sign-ins sent in {:.2} s ({:.0}/s), both counted all {:.2} s after the last",
        sent.as_secs_f64(),
        PEOPLE as f64 / sent.as_secs_f64(),
        (started.elapsed() - sent).as_secs_f64()
    );
    for screen in [&a, &b] {
        let problems = screen.console_problems().await;
        assert!(problems.is_empty(), "{problems:?}");
    }
}

/// Whether every winner's name on the board, and every prize name, can be read: each has
/// width, lies inside its column, and a prize name longer than its column wraps instead of
/// being cut.
const BOARD_READABLE: &str = "
  var problems = [];
  var board = document.querySelector('.board-column');
  var bc = board.getBoundingClientRect();
  if (getComputedStyle(board).display !== 'none') {
    document.querySelectorAll('#board .board-name').forEach(function (n) {
      var r = n.getBoundingClientRect();
      if (r.width < 10) problems.push('a winner name of width ' + r.width);
      if (r.left < bc.left - 1 || r.right > bc.right + 1) problems.push('a winner name outside its column');
      if (n.scrollWidth > n.clientWidth + 1) problems.push('a winner name cut: ' + n.textContent);
    });
    document.querySelectorAll('#board .board-prize').forEach(function (p) {
      var r = p.getBoundingClientRect();
      if (r.right > bc.right + 1) problems.push('a board prize outside its column');
    });
  }
  var column = document.querySelector('section.prizes').getBoundingClientRect();
  document.querySelectorAll('#prizes .prize-name').forEach(function (p) {
    var r = p.getBoundingClientRect();
    var clips = getComputedStyle(p).overflow !== 'visible' || getComputedStyle(p).textOverflow === 'ellipsis';
    if (clips && (p.scrollWidth > p.clientWidth + 1 || p.scrollHeight > p.clientHeight + 1)) problems.push('a prize name cut: ' + p.textContent);
    if (r.right > column.right + 1 || r.bottom > column.bottom + 1) problems.push('a prize name outside its column: ' + p.textContent);
    var line = parseFloat(getComputedStyle(p).lineHeight);
    if (p.textContent.length > 20 && r.height < 1.5 * line) problems.push('a long prize name on one line: ' + p.textContent);
  });
  return problems;";

#[tokio::test]
async fn long_prize_names_wrap_and_winners_names_stay_visible() {
    let c = crate::lottery::ctx_for(12, "internal").await;
    let long = "年度杰出贡献奖超长奖品名称测试一二三四五六七八九十甲乙丙丁"; // 32 characters
    let resp = c
        .call(
            Method::POST,
            &format!("/api/v3/activitys_lottery/{}/prizes", c.id),
            json!({"name": long, "tier": 1, "stock": 6}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let prize = resp.json()["data"]["prize_id"].as_i64().unwrap();
    let record = c.commit(prize, 4, true).await.json()["data"].clone();
    let round = record["round_id"].as_i64().unwrap();
    assert_eq!(c.draw(round).await.status, StatusCode::OK);
    let Some(b) = open_screen(&c.app, &c.org, c.id, "lottery").await else {
        return;
    };
    for (w, h) in [(1920, 1080), (3840, 2160), (1024, 768)] {
        b.viewport(w, h).await;
        b.wait_for_script(
            "return document.querySelectorAll('#prizes .prize-name').length > 0",
            json!(true),
        )
        .await;
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let problems = b.script(BOARD_READABLE).await;
        assert_eq!(problems, json!([]), "at {w}×{h}");
        if w == 1920 {
            let names = b
                .script("return document.querySelectorAll('#board .board-name').length")
                .await;
            assert_eq!(names, json!(4), "every winner on the board");
            b.screenshot("screen-lottery-long-prize").await;
        }
        b.assert_fits(&format!("the lottery stage with a long prize at {w}×{h}"))
            .await;
    }
    let problems = b.console_problems().await;
    assert!(problems.is_empty(), "{problems:?}");
}

/// The reveal's problems: a card outside the box (cut by it), a card whose text overflows it.
const REVEAL_FITS: &str = "
  var box = document.getElementById('reveal').getBoundingClientRect();
  var problems = [];
  document.querySelectorAll('#reveal .winner').forEach(function (card, i) {
    var r = card.getBoundingClientRect();
    if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1)
      problems.push('card ' + i + ' cut by the box');
    if (card.scrollWidth > card.clientWidth + 1 || card.scrollHeight > card.clientHeight + 1)
      problems.push('card ' + i + ' overflows');
  });
  return problems;";

/// Issue 36, items 1 and 3: one winner is announced large; a draw of 150 fits the stage at
/// 1920×1080 (the side columns step aside), every card whole; an internal lottery names its
/// winners in full, and when the organiser switches to masked names the open stage follows.
#[tokio::test]
async fn draws_of_one_to_a_hundred_and_fifty_fit_the_stage_and_names_follow_the_setting() {
    let c = crate::lottery::ctx_for(160, "internal").await;
    let one = c.prize(1).await;
    let many = c.prize(150).await;
    let round = c.commit(one, 1, true).await.json()["data"]["round_id"]
        .as_i64()
        .unwrap();
    assert_eq!(c.draw(round).await.status, StatusCode::OK);
    let Some(b) = open_screen(&c.app, &c.org, c.id, "lottery").await else {
        return;
    };
    b.viewport(1920, 1080).await;
    b.wait_for_script(
        "return document.querySelectorAll('#reveal .winner').length",
        json!(1),
    )
    .await;
    let facts = b
        .script(
            "var name = document.querySelector('#reveal .winner-name');
             return [name.textContent, parseFloat(getComputedStyle(name).fontSize)];",
        )
        .await;
    assert_eq!(
        facts[0], "张三丰",
        "an internal lottery names its winner in full"
    );
    assert!(
        facts[1].as_f64().unwrap() >= 80.0,
        "one winner is announced large: {facts}"
    );
    assert_eq!(b.script(REVEAL_FITS).await, json!([]));
    // The card's entrance (half a second) over, for the picture.
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    b.screenshot("screen-lottery-one-winner").await;

    // 150 at once, drawn while the stage watches.
    let round = c.commit(many, 150, true).await.json()["data"]["round_id"]
        .as_i64()
        .unwrap();
    assert_eq!(c.draw(round).await.status, StatusCode::OK);
    b.wait_for_script(
        "return document.getElementById('reveal').getAttribute('data-revealed')",
        json!(round.to_string()),
    )
    .await;
    let facts = b
        .script(
            "var name = document.querySelector('#reveal .winner-name');
             return [document.querySelectorAll('#reveal .winner').length,
                     document.body.classList.contains('big-draw'),
                     parseFloat(getComputedStyle(name).fontSize)];",
        )
        .await;
    assert_eq!(facts[0], 150);
    assert_eq!(facts[1], true, "the side columns step aside: {facts}");
    assert!(
        facts[2].as_f64().unwrap() >= 18.0,
        "150 names still readable: {facts}"
    );
    assert_eq!(b.script(REVEAL_FITS).await, json!([]));
    b.assert_fits("the stage with 150 winners").await;
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    b.screenshot("screen-lottery-150-winners").await;
    for (w, h) in [(3840, 2160), (1024, 768)] {
        b.viewport(w, h).await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(b.script(REVEAL_FITS).await, json!([]), "at {w}×{h}");
    }
    b.viewport(1920, 1080).await;

    // The organiser masks the names: the open stage reloads and shows them masked.
    let resp = c
        .call(
            Method::PUT,
            &format!("/api/v3/activitys_lottery/{}", c.id),
            json!({"name_display": "masked"}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    b.wait_for_script(
        "return document.body.getAttribute('data-names') === 'masked' &&
                document.querySelectorAll('#reveal .winner').length === 150 &&
                document.querySelector('#reveal .winner-name').textContent",
        json!("张*丰"),
    )
    .await;
    let problems = b.console_problems().await;
    assert!(problems.is_empty(), "{problems:?}");
}

/// A 1920×1080 browser on the activity's screen (`what`: lottery, wall) with a fresh key;
/// `None` without a browser.
async fn open_screen(app: &TestApp, org: &str, id: i64, what: &str) -> Option<super::Browser> {
    let key = app.screen_key(org, id).await;
    let base = app.live().await;
    let b = browser(1920, 1080).await?;
    b.goto(&format!("{base}/screens/{id}/{what}?key={key}"))
        .await;
    Some(b)
}

const PAGE_DOWN: &str = "\u{E00F}";
const ARROW_DOWN: &str = "\u{E015}";
const ARROW_RIGHT: &str = "\u{E014}";

/// Issue 36, item 2: an organiser signed in to the console runs the draw on the stage with the
/// keys a presenter's clicker sends: the prize and the number prepared, Space commits and the
/// names roll, PageDown stops them and draws, and the stage shows exactly the published
/// record's winners; V shows the verification code, B blanks the screen, a refusal is said on
/// the stage.
#[tokio::test]
async fn the_host_runs_the_draw_from_the_stage_with_the_keys_alone() {
    let c = crate::lottery::ctx_for(30, "internal").await;
    let add = |name: &'static str, tier: i64, stock: i64| {
        let c = &c;
        async move {
            let resp = c
                .call(
                    Method::POST,
                    &format!("/api/v3/activitys_lottery/{}/prizes", c.id),
                    json!({"name": name, "tier": tier, "stock": stock}),
                )
                .await;
            assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
            resp.json()["data"]["prize_id"].as_i64().unwrap()
        }
    };
    add("蓝牙音箱", 3, 3).await;
    let first = add("笔记本电脑", 1, 1).await;
    super::account(
        &c.app,
        "host",
        wxhub::auth::accounts::Role::OrgStaff,
        Some(c.org_id),
    )
    .await;
    let base = c.app.live().await;
    let Some(b) = browser(1920, 1080).await else {
        return;
    };
    b.login(&base, "host").await;
    b.goto(&format!("{base}/screens/{}/lottery", c.id)).await;
    b.viewport(1920, 1080).await;
    let facts = "return document.getElementById('prepare').hidden ? null :
        document.getElementById('prepare-prize').textContent + ' | ' +
        document.getElementById('prepare-facts').textContent";
    b.wait_for_script(facts, json!("蓝牙音箱 | 剩余 3 / 3参与 30 人本轮抽取 3 人"))
        .await;
    b.screenshot("screen-lottery-host-prepare").await;
    b.press(ARROW_DOWN).await;
    b.wait_for_script(facts, json!("蓝牙音箱 | 剩余 3 / 3参与 30 人本轮抽取 2 人"))
        .await;

    // Space commits: the round is on record and the names roll.
    b.press(" ").await;
    b.wait_for_script(
        "return !document.getElementById('roll').hidden && document.getElementById('host-step').textContent",
        json!("下一步:停止并开奖"),
    )
    .await;
    let rounds = c.get_data("/rounds").await;
    assert_eq!(rounds.as_array().unwrap().len(), 1);
    assert_eq!(rounds[0]["state"], "committed");
    assert_eq!(rounds[0]["count"], 2);
    let round = rounds[0]["round_id"].as_i64().unwrap();

    // PageDown (a clicker's next) stops them and draws: the stage shows the record's winners.
    let pressed = Instant::now();
    b.press(PAGE_DOWN).await;
    // A key during the reveal shows the rest at once (not the next round).
    b.wait_for_script(
        "return document.querySelectorAll('#reveal .winner').length >= 1",
        json!(true),
    )
    .await;
    // The check and the key in one turn of the page, so that a slow machine, whose reveal may
    // end before a WebDriver key arrives, cannot turn the key into the next step.
    let at_once = b
        .script(
            "if (!window.WxLottery.revealing()) return 'ended before the key'; \
             document.dispatchEvent(new KeyboardEvent('keydown', {key: 'PageDown', bubbles: true})); \
             return document.querySelectorAll('#reveal .winner').length;",
        )
        .await;
    assert!(
        at_once == json!(2) || at_once == json!("ended before the key"),
        "every winner at once: {at_once}"
    );
    b.wait_for_script(
        "return document.getElementById('reveal').getAttribute('data-revealed')",
        json!(round.to_string()),
    )
    .await;
    assert_eq!(
        c.get_data("/rounds").await.as_array().unwrap().len(),
        1,
        "no new round"
    );
    println!(
        "key press to every winner on stage: {:?} (the reveal animates 0.8 s per winner)",
        pressed.elapsed()
    );
    let record = c.get_data(&format!("/rounds/{round}")).await;
    // Read from what the reveal recorded: on a slow machine the stage may already have been
    // drawn again from the public state, whose cards carry no ids.
    let shown = b
        .script(
            "return document.getElementById('reveal').getAttribute('data-participants').split(',')",
        )
        .await;
    assert_eq!(shown, record["winners"], "exactly the published winners");
    assert_eq!(
        b.script("return document.querySelector('#reveal .winner-name').textContent")
            .await,
        "张三丰",
        "an internal lottery names its winners in full"
    );
    b.screenshot("screen-lottery-host-drawn").await;

    // V: the verification code large, and away again.
    b.press("v").await;
    b.wait_for_script(
        "return !document.getElementById('verify-large').hidden &&
                document.getElementById('verify-large-qr').getAttribute('src')",
        json!(format!("/screens/{}/qr/verify-{round}.svg", c.id)),
    )
    .await;
    b.press("v").await;
    // Space: the next prize with something left — 蓝牙音箱 again, its last one.
    b.press(" ").await;
    b.wait_for_script(facts, json!("蓝牙音箱 | 剩余 1 / 3参与 30 人本轮抽取 1 人"))
        .await;
    b.press(ARROW_RIGHT).await;
    b.wait_for_script(
        facts,
        json!("笔记本电脑 | 剩余 1 / 1参与 30 人本轮抽取 1 人"),
    )
    .await;
    // B blanks the screen; B again brings it back.
    b.blank_and_back().await;
    // The prize is deleted from the console meanwhile: the stage says why nothing happened.
    let resp = c
        .call(
            Method::DELETE,
            &format!("/api/v3/activitys_lottery/{}/prizes/{first}", c.id),
            serde_json::Value::Null,
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    b.press(" ").await;
    b.wait_for_script(
        "var t = document.getElementById('host-toast'); return !t.hidden && t.textContent.indexOf('奖品') >= 0",
        json!(true),
    )
    .await;
    b.screenshot("screen-lottery-host-refused").await;
    // The browser notes the refusal's 404 itself; nothing else may go wrong.
    let problems: Vec<String> = b
        .console_problems()
        .await
        .into_iter()
        .filter(|p| !p.contains("/lottery/commit - Failed to load resource: the server responded with a status of 404"))
        .collect();
    assert!(problems.is_empty(), "{problems:?}");
}

/// Issue 36, item 5: every theme renders the lottery stage, the sign-in wall and the message
/// wall at 1920×1080 and 3840×2160 without overflow; the console's edit form previews a theme
/// as it is chosen, and saving it turns the open screens over to it.
#[tokio::test]
async fn every_theme_fits_both_sizes_and_the_console_previews_and_applies_it() {
    let c = crate::lottery::ctx_for(12, "internal").await;
    let prize = c.prize(3).await;
    let round = c.commit(prize, 3, true).await.json()["data"]["round_id"]
        .as_i64()
        .unwrap();
    assert_eq!(c.draw(round).await.status, StatusCode::OK);
    let wall = c
        .app
        .activity(&c.org, "message", json!({"activity_name": "互动留言"}))
        .await;
    for i in 0..6 {
        let body = json!({"member_id": format!("w{i}"), "member_nickname": format!("来宾{i}")});
        assert_eq!(c.app.join(&c.org, wall, body).await.status, StatusCode::OK);
        let resp = c
            .call(
                Method::POST,
                &format!("/api/v3/activitys_for_wx/{wall}/wx/message"),
                json!({"member_id": format!("w{i}"), "content": format!("新年快乐,万事如意 🎉 第 {i} 条")}),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    }
    let base = c.app.live().await;
    let lottery_key = c.app.screen_key(&c.org, c.id).await;
    let wall_key = c.app.screen_key(&c.org, wall).await;
    let Some(b) = browser(1920, 1080).await else {
        return;
    };
    for theme in ["green", "red", "blue", "white"] {
        for (id, screen, key, ready) in [
            (c.id, "lottery", &lottery_key, "#reveal .winner"),
            (c.id, "signin", &lottery_key, ".person"),
            (wall, "wall", &wall_key, ".message"),
        ] {
            b.goto(&format!(
                "{base}/screens/{id}/{screen}?key={key}&theme={theme}"
            ))
            .await;
            for (w, h) in [(1920, 1080), (3840, 2160)] {
                b.viewport(w, h).await;
                b.wait_for_script(
                    &format!("return document.body.getAttribute('data-theme') === '{theme}' && document.querySelectorAll('{ready}').length > 0"),
                    json!(true),
                )
                .await;
                b.assert_fits(&format!("{screen} in {theme} at {w}×{h}"))
                    .await;
                let cut = b.script(super::long_content::TEXT_CUT).await;
                assert_eq!(cut, json!([]), "{screen} in {theme} at {w}×{h}");
            }
            b.viewport(1920, 1080).await;
            tokio::time::sleep(std::time::Duration::from_millis(700)).await;
            b.screenshot(&format!("screen-theme-{theme}-{screen}"))
                .await;
        }
    }
    drop(b);

    // The organiser chooses 年会红: the preview shows it at once, the save turns the open
    // stage over to it.
    super::account(
        &c.app,
        "organiser",
        wxhub::auth::accounts::Role::OrgAdmin,
        Some(c.org_id),
    )
    .await;
    let Some(stage) = open_screen(&c.app, &c.org, c.id, "lottery").await else {
        return;
    };
    stage
        .wait_for_script(
            "return document.body.getAttribute('data-theme')",
            json!("green"),
        )
        .await;
    let Some(b) = browser(1280, 900).await else {
        return;
    };
    b.login(&base, "organiser").await;
    b.goto(&format!("{base}/console/activities/{}", c.id)).await;
    b.wait_for_text("大屏主题").await;
    b.script("var s = document.getElementById('edit-theme'); s.value = 'red'; s.dispatchEvent(new Event('change'));")
        .await;
    b.wait_for_script(
        "var f = document.getElementById('theme-preview');
         return f.getAttribute('src').indexOf('theme=red') > 0 && f.contentDocument &&
                f.contentDocument.body && f.contentDocument.body.getAttribute('data-theme')",
        json!("red"),
    )
    .await;
    b.script("document.getElementById('theme-preview').scrollIntoView({block: 'center'});")
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    b.screenshot("console-theme-preview").await;
    b.script(
        "document.getElementById('edit-theme').form.querySelector('button[type=submit]').click();",
    )
    .await;
    b.wait_for_text("活动已保存").await;
    stage
        .wait_for_script(
            "return document.body.getAttribute('data-theme')",
            json!("red"),
        )
        .await;
    assert_eq!(
        c.get_data("").await["screen_theme"],
        "red",
        "the activity keeps the theme chosen"
    );
    let problems = b.console_problems().await;
    assert!(problems.is_empty(), "{problems:?}");
}
