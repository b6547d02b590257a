//! Issue 34: every page with long content, at every size people use — the big screens on a
//! 1920×1080 projector, a 3840×2160 one and a 4:3 one (1024×768), the H5 page on a 375×667
//! and a 320×568 phone, the console at 1920×1080 and on a 1280×800 laptop. Names, prize names
//! and messages as long as wxhub accepts them: nothing is wider than the window, and no text
//! is cut where a person needs to read it. The pictures are in target/screenshots (and, with
//! WXHUB_SAVE_SCREENSHOTS=1, in docs/).

use super::{account, browser, phone, Browser, WECHAT_UA};
use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use wxhub::auth::accounts::Role;

/// Text a person must read, cut or outside the window: each visible element holding text is
/// inside the window's width, and one that hides its overflow (or ends in an ellipsis) shows
/// all of it (a danmaku message in flight aside).
pub(crate) const TEXT_CUT: &str = "
  var problems = [];
  var vw = document.documentElement.clientWidth;
  document.querySelectorAll('body *').forEach(function (e) {
    var s = getComputedStyle(e);
    if (s.display === 'none' || s.visibility === 'hidden' || e.closest('[hidden]')) return;
    var own = Array.prototype.some.call(e.childNodes, function (n) {
      return n.nodeType === 3 && n.textContent.trim();
    });
    if (!own) return;
    var r = e.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) return;
    var label = e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
      (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ')[0] : '') +
      ' \"' + e.textContent.trim().slice(0, 30) + '\"';
    // A danmaku message flies in from the right edge and out at the left: only one at rest
    // must be inside the window.
    if ((r.right > vw + 1 || r.left < -1) && !e.closest('.flying')) problems.push('outside the window: ' + label);
    var clips = s.overflow !== 'visible' || s.textOverflow === 'ellipsis';
    if (clips && (e.scrollWidth > e.clientWidth + 1)) problems.push('cut: ' + label);
    // Hidden by a box around it that hides what overflows (a card pushed out of its row).
    if (e.closest('.flying')) return;
    for (var a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      var as = getComputedStyle(a);
      if (as.overflowX !== 'hidden' && as.overflowX !== 'clip' && as.overflowY !== 'hidden' && as.overflowY !== 'clip') continue;
      var ar = a.getBoundingClientRect();
      if (r.left < ar.left - 1 || r.right > ar.right + 1 || r.top < ar.top - 1 || r.bottom > ar.bottom + 1) {
        problems.push('hidden by ' + a.tagName.toLowerCase() + (a.id ? '#' + a.id : '') +
          (a.className && typeof a.className === 'string' ? '.' + a.className.split(' ')[0] : '') + ': ' + label);
        break;
      }
    }
  });
  return problems;";

/// On a screen: text reaching below the window's bottom edge (a message half cut).
const BELOW_THE_SCREEN: &str = "
  var vh = document.documentElement.clientHeight;
  var problems = [];
  document.querySelectorAll('.message, .person, .board-name, .prize-name').forEach(function (e) {
    if (e.closest('[hidden]') || getComputedStyle(e).display === 'none') return;
    var r = e.getBoundingClientRect();
    if (r.height > 0 && r.bottom > vh + 1) problems.push('cut by the bottom edge: ' + e.textContent.trim().slice(0, 30));
  });
  return problems;";

const LONG_ORG: &str = "华东区域客户服务与市场推广联合工作委员会";
const LONG_ACTIVITY: &str =
    "2026 年度华东区域客户答谢大会暨新产品发布会与合作伙伴颁奖典礼现场互动环节(上午场)";
const LONG_NICK: &str = "一位名字特别特别长的微信用户昵称用来测试换行是否正常显示ABCDEFGHIJ";
const LONG_NAME: &str = "欧阳诸葛司马上官长名字测试";
const LONG_PRIZE: &str = "年度杰出贡献奖超长奖品名称测试一二三四五六七八九十甲乙丙丁";

async fn check(b: &Browser, what: &str) -> Vec<String> {
    let problems = b.script(TEXT_CUT).await;
    let mut problems = problems.as_array().unwrap().clone();
    if what.starts_with("screen") {
        // A screen does not scroll: text cut by its bottom edge is cut.
        let below = b.script(BELOW_THE_SCREEN).await;
        problems.extend(below.as_array().unwrap().iter().cloned());
    }
    let mut out: Vec<String> = problems
        .iter()
        .map(|p| format!("{what}: {}", p.as_str().unwrap()))
        .collect();
    let sizes = b
        .script("var d = document.documentElement; return [d.scrollWidth, d.clientWidth]")
        .await;
    if sizes[0].as_i64() > sizes[1].as_i64() {
        out.push(format!("{what}: wider than the window {sizes}"));
    }
    out
}

#[tokio::test]
async fn every_page_with_long_content_fits_at_every_size() {
    // Live on the WeChat simulator with an official account, so that the H5 pages can be
    // entered: the join form and the joined state are checked too.
    let c = super::h5::h5_for(LONG_ORG).await;
    let (app, org_id, org) = (&c.app, c.org_id, c.org.clone());
    account(app, "organiser", Role::OrgAdmin, Some(org_id)).await;
    let call = |method: Method, path: String, body: Value| {
        let org = &org;
        async move { app.json(method, &as_org(&path, org), None, body).await }
    };

    // A sign-in with long names, a message wall with long posts, a lottery with a long prize
    // drawn among people with long names.
    let signin = app
        .activity(
            &org,
            "signin",
            json!({"activity_name": LONG_ACTIVITY, "collect_info": "name,phone"}),
        )
        .await;
    let wall = app
        .activity(&org, "message", json!({"activity_name": LONG_ACTIVITY}))
        .await;
    let lottery = app
        .activity(&org, "lottery", json!({"activity_name": LONG_ACTIVITY}))
        .await;
    for i in 0..12 {
        for id in [signin, wall, lottery] {
            let resp = call(
                Method::POST,
                format!("/api/v3/activitys_for_wx/{id}/wx/userInfo"),
                json!({"member_id": format!("m{i:02}"), "member_nickname": format!("{LONG_NICK}{i}"),
                       "member_real_name": LONG_NAME, "member_phone": format!("139000000{i:02}")}),
            )
            .await;
            assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        }
        let resp = call(
            Method::POST,
            format!("/api/v3/activitys_for_wx/{wall}/wx/message"),
            json!({"member_id": format!("m{i:02}"),
                   "content": format!("{}{i}", "这是一条很长的留言,用来看留言墙在投影上能不能完整显示而不被截断或者挤出屏幕。".repeat(4))}),
        )
        .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    }
    // The newest message pinned: the pinned bar holds a long message too.
    let resp = call(
        Method::POST,
        format!("/api/v3/activitys_message/{wall}/wall/12/pin"),
        Value::Null,
    )
    .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let resp = call(
        Method::PUT,
        format!("/api/v3/activitys_lottery/{lottery}/settings"),
        json!({"purpose": "internal"}),
    )
    .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let resp = call(
        Method::POST,
        format!("/api/v3/activitys_lottery/{lottery}/prizes"),
        json!({"name": LONG_PRIZE, "tier": 1, "stock": 6}),
    )
    .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let prize = resp.json()["data"]["prize_id"].as_i64().unwrap();
    let resp = call(
        Method::POST,
        format!("/api/v3/activitys_lottery/{lottery}/rounds"),
        json!({"prize_id": prize, "count": 6, "exclude_winners": true}),
    )
    .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let round = resp.json()["data"]["round_id"].as_i64().unwrap();
    let resp = call(
        Method::POST,
        format!("/api/v3/activitys_lottery/{lottery}/rounds/{round}/draw"),
        Value::Null,
    )
    .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);

    let base = c.base.clone();
    let mut problems = Vec::new();

    // The big screens.
    let Some(b) = browser(1920, 1080).await else {
        return;
    };
    for (id, screen, ready) in [
        (signin, "signin", "#count"),
        (wall, "wall", ".content"),
        (wall, "wall-column", ".column-message .content"),
        (lottery, "lottery", "#prizes .prize-name"),
    ] {
        if screen == "wall-column" {
            let path = format!("/api/v3/activitys_message/{wall}/wall/settings");
            let mut settings = app.get(&as_org(&path, &org), None).await.json()["data"].clone();
            settings["screen_style"] = json!("column");
            let resp = call(Method::PUT, path, settings).await;
            assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        }
        let screen_path = screen.trim_end_matches("-column");
        let key = app.screen_key(&org, id).await;
        b.goto(&format!("{base}/screens/{id}/{screen_path}?key={key}"))
            .await;
        for (w, h) in [(1920, 1080), (3840, 2160), (1024, 768)] {
            b.viewport(w, h).await;
            b.wait_for_script(
                &format!("return document.querySelectorAll('{ready}').length > 0"),
                json!(true),
            )
            .await;
            tokio::time::sleep(std::time::Duration::from_millis(600)).await;
            problems.extend(check(&b, &format!("screen {screen} at {w}×{h}")).await);
            let sizes = b
                .script("var d = document.documentElement; return [d.scrollHeight, d.clientHeight]")
                .await;
            if sizes[0].as_i64() > sizes[1].as_i64() {
                problems.push(format!(
                    "screen {screen} at {w}×{h}: taller than the screen {sizes}"
                ));
            }
            b.screenshot(&format!("long-screen-{screen}-{w}x{h}")).await;
        }
    }

    // The console, on a projector-sized window and on a laptop.
    b.login(&base, "organiser").await;
    for (w, h) in [(1920, 1080), (1280, 800)] {
        b.viewport(w, h).await;
        for (path, name) in [
            ("/console/activities".to_string(), "activities"),
            (format!("/console/activities/{signin}"), "activity"),
            (format!("/console/lottery/{lottery}"), "lottery"),
            (format!("/console/wall/{wall}"), "wall"),
            ("/console/privacy".to_string(), "privacy"),
            ("/console/audit".to_string(), "audit"),
        ] {
            b.goto(&format!("{base}{path}")).await;
            b.wait_for_text("退出登录").await;
            problems.extend(check(&b, &format!("console {name} at {w}×{h}")).await);
            b.screenshot(&format!("long-console-{name}-{w}x{h}")).await;
        }
    }
    drop(b);

    // The H5 page on two phones: entered, the sign-in's join form and its notice, filled with
    // a long name, then the signed-in state; the lottery's results and the wall.
    for (w, h) in [(375, 667), (320, 568)] {
        let Some(p) = phone(WECHAT_UA).await else {
            return;
        };
        p.viewport(w, h).await;
        if w == 375 {
            super::h5::enter(&p, &base, signin, "微信签到").await;
            p.wait_for_text("填写信息").await;
            p.fill("#real-name", LONG_NAME).await;
            p.fill("#phone", "13912345600").await;
            p.click("#join-button").await;
            p.wait_for_text("请先阅读并同意").await;
            problems.extend(check(&p, &format!("h5 join form and notice at {w}×{h}")).await);
            p.screenshot(&format!("long-h5-join-{w}x{h}")).await;
            p.type_into("#consent", " ").await;
            p.click("#join-button").await;
            p.wait_for_text("签到成功").await;
        }
        for (id, name) in [(signin, "signin"), (lottery, "lottery"), (wall, "wall")] {
            p.goto(&format!("{base}/h5/{id}")).await;
            p.wait_for_text("2026 年度华东").await;
            problems.extend(check(&p, &format!("h5 {name} at {w}×{h}")).await);
            p.screenshot(&format!("long-h5-{name}-{w}x{h}")).await;
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}
