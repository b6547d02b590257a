//! Issue 37, the shake race seen in Chromium: a participant on a phone (375×667) counts down,
//! taps where no motion sensor reports, shakes (devicemotion events) after granting the
//! motion permission as iOS asks, and learns the place; the screen moves the first ten along
//! their lanes and names the winners, fitting 1920×1080, 4:3 and 4K; an organiser runs a
//! round from the console.

use super::h5::{enter, h5};
use super::{browser, phone, WECHAT_UA};
use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

async fn host(app: &TestApp, org: &str, id: i64, method: Method, tail: &str, body: Value) {
    let resp = app
        .as_org_call(
            org,
            method,
            &format!("/api/v3/activitys_shake/{id}{tail}"),
            body,
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
}

/// The round started `ms` earlier, as the clock would have it later (so that totals are not
/// clamped): waits until this instance's race has read it back.
async fn started_earlier(app: &TestApp, org: &str, id: i64, ms: i64) {
    let path = format!("/api/v3/activitys_shake/{id}/state");
    let before = app
        .as_org_call(org, Method::GET, &path, Value::Null)
        .await
        .json()["data"]["starts_at"]
        .as_i64()
        .unwrap();
    sqlx::query("UPDATE shake_races SET starts_at = $1 WHERE activity_id = $2")
        .bind(before - ms)
        .bind(id)
        .execute(app.state.store.writer())
        .await
        .unwrap();
    for _ in 0..100 {
        let now = app
            .as_org_call(org, Method::GET, &path, Value::Null)
            .await
            .json()["data"]["starts_at"]
            .as_i64();
        if now == Some(before - ms) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the race never read its earlier start");
}

/// Shakes the phone `n` times: strong jolts, 130 ms apart (under the server's 12 a second).
const SHAKE: &str = "var n = arguments[0] || 0; var done = arguments[arguments.length - 1]; \
    var i = 0; (function one() { if (i >= n) { done(true); return; } \
    window.dispatchEvent(new DeviceMotionEvent('devicemotion', \
      {accelerationIncludingGravity: {x: i % 2 ? -22 : 22, y: 3, z: 9.8}, interval: 16})); \
    i += 1; setTimeout(one, 130); })();";

async fn shake(b: &super::Browser, times: u32) {
    b.script_async(SHAKE, json!([times])).await;
}

#[tokio::test]
async fn a_participant_taps_then_shakes_and_learns_the_place() {
    let c = h5().await;
    let id = c
        .app
        .activity(
            &c.org,
            "shake",
            json!({"activity_name": "年会摇一摇 · 冲刺终点"}),
        )
        .await;
    host(
        &c.app,
        &c.org,
        id,
        Method::PUT,
        "/settings",
        json!({"target": 10, "places": 1, "countdown": 2, "seconds": 60}),
    )
    .await;
    let Some(b) = phone(WECHAT_UA).await else {
        return;
    };
    enter(&b, &c.base, id, "参与摇一摇").await;
    b.wait_for_text("已参与摇一摇").await;
    b.wait_for_text("等待开始").await;
    b.assert_fits_width("the shake race before its start at 375×667")
        .await;
    host(&c.app, &c.org, id, Method::POST, "/start", Value::Null).await;
    // The countdown, read within a second, then the race.
    b.wait_for_text("准备").await;
    b.wait_for_text("用力摇!").await;
    // No motion sensor reports on this computer: after a second, taps count instead.
    b.wait_for_script(
        "return !document.getElementById('shake-tap').hidden",
        json!(true),
    )
    .await;
    for _ in 0..10 {
        b.click("#shake-tap").await;
    }
    let text = b.wait_for_text("恭喜你获得第 1 名").await;
    assert!(text.contains("本轮结束"), "{text}");
    assert_eq!(
        b.script("return document.getElementById('shake-count').textContent")
            .await,
        json!("10")
    );
    b.assert_fits_width("the won shake race at 375×667").await;

    // Round 2 on a phone that asks for the motion permission (as iOS does): granted on a tap,
    // then shakes count.
    b.before_each_page(
        "window.DeviceMotionEvent && (DeviceMotionEvent.requestPermission = function () { \
           window.permissionAsked = true; return Promise.resolve('granted'); });",
    )
    .await;
    host(
        &c.app,
        &c.org,
        id,
        Method::PUT,
        "/settings",
        json!({"countdown": 0}),
    )
    .await;
    host(&c.app, &c.org, id, Method::POST, "/start", Value::Null).await;
    b.goto(&format!("{}/h5/{id}", c.base)).await;
    b.wait_for_text("用力摇!").await;
    b.wait_for_script(
        "return !document.getElementById('shake-permission').hidden",
        json!(true),
    )
    .await;
    b.click("#shake-permission").await;
    b.wait_for_script("return window.permissionAsked === true", json!(true))
        .await;
    shake(&b, 6).await;
    b.wait_for_script(
        "return document.getElementById('shake-count').textContent",
        json!("6"),
    )
    .await;
    assert_eq!(
        b.script("return document.getElementById('shake-tap').hidden")
            .await,
        json!(true),
        "a phone whose sensor reports shows no tap button"
    );
    b.screenshot("h5-shake").await;
    // The server counted what the phone sent.
    let mut counted = 0;
    for _ in 0..50 {
        let state = c
            .app
            .as_org_call(
                &c.org,
                Method::GET,
                &format!("/api/v3/activitys_shake/{id}/state"),
                Value::Null,
            )
            .await
            .json();
        counted = state["data"]["board"][0]["total"].as_i64().unwrap_or(0);
        if counted == 6 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(counted, 6);
    let problems = b.console_problems().await;
    assert!(problems.is_empty(), "console: {problems:?}");
}

#[tokio::test]
async fn the_shake_screen_moves_the_runners_and_names_the_winners() {
    let app = TestApp::new().await;
    let org_id = app.org("会务公司").await;
    let org = app.token(&app.client("org", Some(org_id)).await).await;
    let id = app
        .activity(
            &org,
            "shake",
            json!({"activity_name": "2026 年会 · 摇一摇冲刺"}),
        )
        .await;
    host(
        &app,
        &org,
        id,
        Method::PUT,
        "/settings",
        json!({"target": 200, "places": 3, "countdown": 3, "seconds": 120}),
    )
    .await;
    let names = [
        "林小雨",
        "王大明",
        "张伟",
        "李娜",
        "陈静",
        "欧阳娜娜",
        "赵磊",
        "孙丽",
        "周杰",
        "吴敏",
        "郑晓东",
        "冯程程",
    ];
    for (n, name) in names.iter().enumerate() {
        let resp = app
            .as_org_call(
                &org,
                Method::POST,
                &format!("/api/v3/activitys_for_wx/{id}/wx/userInfo"),
                json!({"member_id": format!("m{n}"), "member_nickname": "选手", "member_real_name": name}),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK);
    }
    let key = app.screen_key(&org, id).await;
    let base = app.live().await;
    let Some(b) = browser(1920, 1080).await else {
        return;
    };
    b.goto(&format!("{base}/screens/{id}/shake?key={key}"))
        .await;
    b.wait_for_text("摇一摇即将开始").await;
    b.assert_fits("the shake screen before the start at 1920×1080")
        .await;
    host(&app, &org, id, Method::POST, "/start", Value::Null).await;
    b.wait_for_script(
        "return !document.getElementById('countdown').hidden",
        json!(true),
    )
    .await;
    started_earlier(&app, &org, id, 20_000).await;
    let send = |n: usize, total: i64| {
        let app = &app;
        let org = &org;
        async move {
            let resp = app
                .as_org_call(
                    org,
                    Method::POST,
                    &format!("/api/v3/activitys_for_wx/{id}/shake"),
                    json!({"member_id": format!("m{n}"), "total": total}),
                )
                .await;
            assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        }
    };
    for n in 0..names.len() {
        send(n, 10 + 13 * n as i64).await;
    }
    // The first ten on their lanes, the most shaken first, named as the display says (masked).
    b.wait_for_script(
        "return document.querySelectorAll('.shake-lane').length",
        json!(10),
    )
    .await;
    b.wait_for_script(
        "var top = Array.from(document.querySelectorAll('.shake-lane')) \
           .find(l => l.style.getPropertyValue('--place') === '0'); \
         return top && top.querySelector('.shake-total').textContent",
        json!("153"),
    )
    .await;
    let first = b
        .script(
            "return Array.from(document.querySelectorAll('.shake-lane')) \
               .find(l => l.style.getPropertyValue('--place') === '0') \
               .querySelector('.shake-name').textContent",
        )
        .await;
    assert_eq!(first, json!("冯*程"));
    // Lanes do not overlap once they have glided to their places.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let overlaps = b
        .script(
            "var r = Array.from(document.querySelectorAll('.shake-lane')).map(l => l.getBoundingClientRect()); \
             var bad = 0; for (var i = 0; i < r.length; i++) for (var j = i + 1; j < r.length; j++) \
               if (r[i].bottom > r[j].top + 1 && r[j].bottom > r[i].top + 1) bad++; return bad",
        )
        .await;
    assert_eq!(overlaps, json!(0));
    b.assert_fits("the race at 1920×1080").await;
    b.screenshot("screen-shake").await;
    // An overtaking: the last becomes the first.
    send(0, 190).await;
    b.wait_for_script(
        "var top = Array.from(document.querySelectorAll('.shake-lane')) \
           .find(l => l.style.getPropertyValue('--place') === '0'); \
         return top && top.querySelector('.shake-name').textContent",
        json!("林*雨"),
    )
    .await;
    // Three reach the finish: the round ends and the winners are named.
    for n in [3, 0, 7] {
        send(n, 200).await;
        // Apart by the server's clock: the places go by the time each reached the finish.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    b.wait_for_script(
        "return document.getElementById('podium').hidden",
        json!(false),
    )
    .await;
    b.wait_for_script(
        "return Array.from(document.querySelectorAll('.shake-winner-name')).map(e => e.textContent)",
        json!(["李*", "林*雨", "孙*"]),
    )
    .await;
    let places = b
        .script(
            "return Array.from(document.querySelectorAll('.shake-place')).map(e => e.textContent)",
        )
        .await;
    assert_eq!(places, json!(["冠军", "亚军", "季军"]));
    b.assert_fits("the winners at 1920×1080").await;
    b.screenshot("screen-shake-winners").await;
    for (w, h) in [(1024, 768), (3840, 2160)] {
        b.viewport(w, h).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        b.assert_fits(&format!("the winners at {w}×{h}")).await;
    }
    let problems = b.console_problems().await;
    assert!(problems.is_empty(), "console: {problems:?}");
}

#[tokio::test]
async fn an_organiser_runs_a_shake_race_from_the_console() {
    use wxhub::auth::accounts::Role;
    let app = TestApp::new().await;
    let org_id = app.org("会务公司").await;
    super::account(&app, "organiser", Role::OrgAdmin, Some(org_id)).await;
    let org = app.token(&app.client("org", Some(org_id)).await).await;
    let id = app
        .activity(&org, "shake", json!({"activity_name": "答谢晚宴摇一摇"}))
        .await;
    let lottery = app
        .activity(&org, "lottery", json!({"activity_name": "获奖者加抽"}))
        .await;
    for (m, name) in [("m1", "周杰"), ("m2", "吴敏")] {
        let resp = app
            .as_org_call(
                &org,
                Method::POST,
                &format!("/api/v3/activitys_for_wx/{id}/wx/userInfo"),
                json!({"member_id": m, "member_nickname": "来宾", "member_real_name": name}),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK);
    }
    let base = app.live().await;
    let Some(b) = browser(1920, 1080).await else {
        return;
    };
    b.login(&base, "organiser").await;
    b.goto(&format!("{base}/console/activities/{id}")).await;
    b.click(&format!("a[href='/console/shake/{id}']")).await;
    b.wait_for_text("未开始").await;
    // A setting out of range is refused in words.
    b.script("document.getElementById('s-places').removeAttribute('max'); return 1")
        .await;
    b.fill("#s-places", "20").await;
    b.click("#settings button").await;
    b.wait_for_text("获奖名额应在 1 到 10 之间").await;
    b.fill("#s-places", "2").await;
    b.fill("#s-countdown", "0").await;
    b.click("#settings button").await;
    b.wait_for_text("设置已保存").await;
    b.click("#live form button").await;
    b.wait_for_text("已开始").await;
    b.wait_for_text("进行中").await;
    started_earlier(&app, &org, id, 10_000).await;
    for (m, total) in [("m1", 42), ("m2", 37)] {
        let resp = app
            .as_org_call(
                &org,
                Method::POST,
                &format!("/api/v3/activitys_for_wx/{id}/shake"),
                json!({"member_id": m, "total": total}),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    }
    // The live part refreshes by itself.
    b.wait_for_script(
        "return document.getElementById('runner-count').textContent",
        json!("2"),
    )
    .await;
    b.wait_for_text("周杰").await;
    b.script("window.confirm = () => true; return 1").await;
    b.click("#live form button").await;
    b.wait_for_text("本轮已结束").await;
    b.wait_for_text("本轮排行").await;
    b.screenshot("shake").await;
    // The winners join the lottery.
    b.click("#to-lottery button").await;
    b.wait_for_text("已加入抽奖").await;
    let members = app
        .as_org_call(
            &org,
            Method::GET,
            &format!("/api/v3/activitys/{lottery}/members"),
            Value::Null,
        )
        .await
        .json();
    assert_eq!(members["data"]["total_count"], 2);
    b.goto(&format!("{base}/console/audit")).await;
    let text = b.wait_for_text("开始摇一摇").await;
    for label in ["结束摇一摇", "修改摇一摇设置", "把摇一摇获奖者加入抽奖"] {
        assert!(text.contains(label), "{label}: {text}");
    }
    let problems = b.console_problems().await;
    assert!(
        problems.iter().all(|p| p.contains("status of 400")),
        "console: {problems:?}"
    );
}
