//! The participant's H5 pages in Chromium emulating a phone (375×667, WeChat's user agent),
//! against a live server whose WeChat is the simulator: entering through the simulator's
//! OAuth, joining with a collected phone, a roster refusal, posting to the wall, the lottery's
//! results and the public verification page (a real round matches; an altered one does not).

use super::{phone, Browser, WECHAT_UA};
use crate::helpers::*;
use axum::http::Method;
use serde_json::{json, Value};
use wechat_sim::{AccountSpec, Simulator, UserSpec};

const APP_ID: &str = "wx5a6b7c8d9e0f1a2b";
const SECRET: &str = "simsecret0123456789";
const OPEN_ID: &str = "oH5user-0000000000000000001";
const UNION_ID: &str = "oZh5unionAAAAAAAAAAAAAAAAA01";
const PLAIN_MOBILE_UA: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) \
    AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";

pub struct H5 {
    pub app: TestApp,
    pub _sim: Simulator,
    pub base: String,
    pub org: String,
    pub org_id: i64,
}

/// wxhub live on the simulator, an org with one official account (its default) and one
/// WeChat user the simulator's authorize page consents for.
pub async fn h5() -> H5 {
    h5_for("会务公司").await
}

/// [`h5`] for an org of this name.
pub async fn h5_for(org_name: &str) -> H5 {
    let sim = Simulator::new();
    sim.add_account(AccountSpec::new(APP_ID, SECRET));
    sim.add_user(
        APP_ID,
        UserSpec {
            unionid: Some(UNION_ID.into()),
            nickname: "小林".into(),
            headimgurl: "http://thirdwx.qlogo.cn/mmopen/lin/132".into(),
            ..UserSpec::new(OPEN_ID)
        },
    );
    let sim_base = sim.spawn("127.0.0.1:0").await.unwrap();
    let app = TestApp::with(|c| {
        c.wechat.api_base = sim_base.clone();
        c.wechat.oauth_base = sim_base.clone();
    })
    .await;
    let org_id = app.org(org_name).await;
    let org = app.token(&app.client("org", Some(org_id)).await).await;
    let port = app.port(APP_ID).await;
    app.grant(org_id, port).await;
    let base = app.live().await;
    H5 {
        app,
        _sim: sim,
        base,
        org,
        org_id,
    }
}

impl H5 {
    async fn members(&self, id: i64) -> Value {
        self.app
            .get(
                &as_org(&format!("/api/v3/activitys/{id}/members"), &self.org),
                None,
            )
            .await
            .json()["data"]
            .clone()
    }
}

/// Opens the activity's page, presses the enter button and comes back from WeChat.
pub(crate) async fn enter(b: &Browser, base: &str, id: i64, label: &str) {
    b.goto(&format!("{base}/h5/{id}")).await;
    b.wait_for_text(label).await;
    b.click("#enter-button").await;
    // Back on the page with the token, which the page takes out of the address bar.
    b.wait_for_script(
        "return location.hash === '' && location.search === '' && location.pathname",
        json!(format!("/h5/{id}")),
    )
    .await;
}

fn assert_clean(problems: Vec<String>) {
    assert!(problems.is_empty(), "console: {problems:?}");
}

#[tokio::test]
async fn a_participant_enters_joins_with_a_phone_and_sees_the_sign_in() {
    let c = h5().await;
    let id = c
        .app
        .activity(
            &c.org,
            "signin",
            json!({"activity_name": "2026 年度客户大会", "collect_info": "name,phone,department"}),
        )
        .await;
    let Some(b) = phone(WECHAT_UA).await else {
        return;
    };
    b.goto(&format!("{}/h5/{id}", c.base)).await;
    let text = b.wait_for_text("微信签到").await;
    assert!(text.contains("2026 年度客户大会"), "{text}");
    b.assert_fits_width("h5 entry").await;
    b.screenshot("h5-entry").await;

    enter(&b, &c.base, id, "微信签到").await;
    b.wait_for_text("填写信息").await;
    // A wrong phone is refused in the page, before any request.
    b.fill("#real-name", "林小雨").await;
    b.fill("#phone", "1234").await;
    b.click("#join-button").await;
    b.wait_for_text("请填写正确的 11 位手机号码").await;
    // The department, when the activity asks for it, is required in the page too.
    b.fill("#phone", "13912345678").await;
    b.click("#join-button").await;
    b.wait_for_text("请填写部门").await;
    b.fill("#department", "市场部").await;
    b.fill("#phone", "1234").await;
    b.click("#join-button").await;
    b.wait_for_text("请填写正确的 11 位手机号码").await;
    assert_eq!(c.members(id).await["total_count"], 0);
    b.screenshot("h5-join-form").await;
    // Correcting the field takes its message away at once, before the next try.
    b.fill("#phone", "13912345678").await;
    assert_eq!(
        b.script(
            "return [document.getElementById('join-error').hidden, \
             document.getElementById('phone').getAttribute('aria-invalid')]"
        )
        .await,
        json!([true, null])
    );

    // Without agreeing to the privacy notice nothing is sent: the notice opens and says why.
    b.click("#join-button").await;
    b.wait_for_text("请先阅读并同意《个人信息收集说明》").await;
    assert_eq!(
        b.script("return document.getElementById('privacy-notice').open")
            .await,
        json!(true)
    );
    let notice = b
        .script("return document.getElementById('privacy-notice').innerText")
        .await;
    assert!(
        notice.as_str().unwrap().contains("「会务公司」"),
        "{notice}"
    );
    assert_eq!(c.members(id).await["total_count"], 0);
    b.assert_fits_width("h5 privacy notice").await;
    b.screenshot("h5-privacy-notice").await;
    // The box is reached and ticked from the keyboard as well.
    b.type_into("#consent", " ").await;
    assert_eq!(
        b.script("return document.getElementById('consent').checked")
            .await,
        json!(true)
    );
    b.click("#join-button").await;
    let text = b.wait_for_text("签到成功").await;
    assert!(text.contains("签到时间:"), "{text}");
    assert!(text.contains("林小雨"), "{text}");
    b.assert_fits_width("h5 signed in").await;
    b.screenshot("h5-signed-in").await;
    let members = c.members(id).await;
    assert_eq!(members["total_count"], 1);
    let member = &members["items"][0];
    assert_eq!(member["member_real_name"], "林小雨");
    assert_eq!(member["member_phone"], "13912345678");
    assert_eq!(member["member_department"], "市场部");
    assert_ne!(member["signin_time"], "");
    let notice = wxhub::privacy::notice::of_org(&c.app.state.store, c.org_id)
        .await
        .unwrap();
    assert_eq!(member["consent_version"], json!(notice.version));
    assert_ne!(member["consent_time"], "");

    // Coming back later: the member's state, not the form.
    b.goto(&format!("{}/h5/{id}", c.base)).await;
    b.wait_for_text("签到成功").await;
    assert_eq!(
        b.script("return document.getElementById('join-form').hidden")
            .await,
        json!(true)
    );
    assert_clean(b.console_problems().await);
}

#[tokio::test]
async fn someone_off_the_roster_is_told_why_in_words() {
    let c = h5().await;
    let meeting = c.app.meeting(&c.org, "股东大会").await;
    let resp = c
        .app
        .json(
            Method::POST,
            &as_org(&format!("/api/v3/meetings/{meeting}/members"), &c.org),
            None,
            json!({"name": "张三", "phone": "13145738791"}),
        )
        .await;
    assert_eq!(resp.status.as_u16(), 200, "{}", resp.text);
    let id = c
        .app
        .activity(
            &c.org,
            "signin",
            json!({"activity_name": "股东签到", "permission": meeting, "collect_info": "phone"}),
        )
        .await;
    let Some(b) = phone(WECHAT_UA).await else {
        return;
    };
    enter(&b, &c.base, id, "微信签到").await;
    b.fill("#phone", "13900000000").await;
    b.click("#consent").await;
    b.click("#join-button").await;
    let text = b.wait_for_text("您不在本次会议的名单中,无法参与").await;
    assert!(text.contains("请联系活动主办方"), "{text}");
    b.screenshot("h5-roster-refused").await;
    assert_eq!(c.members(id).await["total_count"], 0);
    // The roster's phone gets in.
    b.fill("#phone", "13145738791").await;
    b.click("#join-button").await;
    b.wait_for_text("签到成功").await;
    assert_eq!(c.members(id).await["total_count"], 1);
}

#[tokio::test]
async fn a_participant_posts_to_the_wall_and_sees_their_posts() {
    let c = h5().await;
    let id = c
        .app
        .activity(&c.org, "message", json!({"activity_name": "互动留言"}))
        .await;
    let resp = c
        .app
        .json(
            Method::PUT,
            &as_org(
                &format!("/api/v3/activitys_message/{id}/wall/settings"),
                &c.org,
            ),
            None,
            json!({"max_length": 20, "per_minute": 2}),
        )
        .await;
    assert_eq!(resp.status.as_u16(), 200, "{}", resp.text);
    let Some(b) = phone(WECHAT_UA).await else {
        return;
    };
    // Nothing to fill in: back from WeChat the page joins at once (with the WeChat profile).
    enter(&b, &c.base, id, "参与互动").await;
    let text = b.wait_for_text("已加入互动").await;
    // The wall shows posts at once (show_then_remove): no talk of review.
    assert!(text.contains("会立即出现在现场大屏上"), "{text}");
    assert!(!text.contains("审核通过后"), "{text}");
    let members = c.members(id).await;
    assert_eq!(members["items"][0]["member_nickname"], "小林");

    b.type_into("#content", "大家好,祝大会圆满成功!").await;
    b.wait_for_script(
        "return document.getElementById('counter').textContent",
        json!("12/20"),
    )
    .await;
    b.click("#post-button").await;
    b.wait_for_text("已发送").await;
    let text = b.wait_for_text("已上墙").await;
    assert!(text.contains("大家好,祝大会圆满成功!"), "{text}");
    b.screenshot("h5-wall").await;

    // The box takes no more than the wall's longest message.
    b.fill("#content", &"长".repeat(21)).await;
    b.wait_for_script(
        "return [document.getElementById('counter').textContent, document.getElementById('post-button').disabled]",
        json!(["20/20", false]),
    )
    .await;
    // The rate limit's answer is shown.
    b.fill("#content", "第二条").await;
    b.click("#post-button").await;
    b.wait_for_script(
        "return document.querySelectorAll('#post-list li').length",
        json!(2),
    )
    .await;
    b.fill("#content", "第三条").await;
    b.click("#post-button").await;
    b.wait_for_script(
        "return !document.getElementById('post-error').hidden",
        json!(true),
    )
    .await;
    let error = b
        .script("return document.getElementById('post-error').textContent")
        .await;
    assert!(error.as_str().unwrap().contains("频繁"), "{error}");
    // The browser logs the refused request itself; nothing else.
    let problems = b.console_problems().await;
    assert_clean(
        problems
            .into_iter()
            .filter(|p| !p.contains("status of 429"))
            .collect(),
    );
}

/// A lottery of the org (purpose internal): `others` members m000, m001, … joined through the
/// API, and one prize of `stock`. Answers (activity, prize).
pub(crate) async fn lottery(app: &TestApp, org: &str, others: usize, stock: i64) -> (i64, i64) {
    let id = app
        .activity(org, "lottery", json!({"activity_name": "年会抽奖"}))
        .await;
    for i in 0..others {
        let resp = app
            .join(
                org,
                id,
                json!({"member_id": format!("m{i:03}"), "member_real_name": "张三丰"}),
            )
            .await;
        assert_eq!(resp.status.as_u16(), 200, "{}", resp.text);
    }
    let call = |method: Method, path: String, body: Value| async move {
        let resp = app.json(method, &as_org(&path, org), None, body).await;
        assert_eq!(resp.status.as_u16(), 200, "{}", resp.text);
        resp.json()
    };
    call(
        Method::PUT,
        format!("/api/v3/activitys_lottery/{id}/settings"),
        json!({"purpose": "internal"}),
    )
    .await;
    let prize = call(
        Method::POST,
        format!("/api/v3/activitys_lottery/{id}/prizes"),
        json!({"name": "扫地机器人", "tier": 1, "stock": stock}),
    )
    .await["data"]["prize_id"]
        .as_i64()
        .unwrap();
    (id, prize)
}

/// Commits a round of `count` for the prize and, when `draw`, draws it. Answers the round.
pub(crate) async fn round(
    app: &TestApp,
    org: &str,
    (id, prize): (i64, i64),
    count: i64,
    draw: bool,
) -> i64 {
    let resp = app
        .json(
            Method::POST,
            &as_org(&format!("/api/v3/activitys_lottery/{id}/rounds"), org),
            None,
            json!({"prize_id": prize, "count": count, "exclude_winners": true}),
        )
        .await;
    assert_eq!(resp.status.as_u16(), 200, "{}", resp.text);
    let round = resp.json()["data"]["round_id"].as_i64().unwrap();
    if draw {
        let path = format!("/api/v3/activitys_lottery/{id}/rounds/{round}/draw");
        let resp = app
            .json(Method::POST, &as_org(&path, org), None, Value::Null)
            .await;
        assert_eq!(resp.status.as_u16(), 200, "{}", resp.text);
    }
    round
}

#[tokio::test]
async fn a_participant_sees_the_results_and_their_own_win() {
    let c = h5().await;
    let (id, prize) = lottery(&c.app, &c.org, 0, 5).await;
    let Some(b) = phone(WECHAT_UA).await else {
        return;
    };
    enter(&b, &c.base, id, "参与抽奖").await;
    b.wait_for_text("已参与抽奖").await;
    b.wait_for_text("暂未中奖").await;
    // The only participant wins the round.
    let round = round(&c.app, &c.org, (id, prize), 1, true).await;
    b.goto(&format!("{}/h5/{id}", c.base)).await;
    let text = b.wait_for_text("第 1 轮 · 扫地机器人").await;
    assert!(text.contains("验证本轮抽奖是否公正"), "{text}");
    // The member's own result comes from wx/me, after the page.
    b.wait_for_script(
        "return document.getElementById('win-list').textContent",
        json!("第 1 轮 · 扫地机器人中奖"),
    )
    .await;
    b.assert_fits_width("h5 lottery").await;
    b.screenshot("h5-lottery").await;
    b.click(&format!("a[href='/h5/{id}/lottery/rounds/{round}']"))
        .await;
    b.wait_for_text("验证通过:结果一致").await;
    assert_clean(b.console_problems().await);
}

#[tokio::test]
async fn the_verification_page_recomputes_a_draw_and_catches_an_altered_one() {
    let c = h5().await;
    let (id, prize) = lottery(&c.app, &c.org, 40, 10).await;
    let round = round(&c.app, &c.org, (id, prize), 3, true).await;
    // Anyone, without WeChat or a token.
    let Some(b) = phone(PLAIN_MOBILE_UA).await else {
        return;
    };
    let page = format!("{}/h5/{id}/lottery/rounds/{round}", c.base);
    b.goto(&page).await;
    let text = b.wait_for_text("验证通过:结果一致").await;
    assert!(!text.contains("✗"), "{text}");
    assert!(
        text.contains("名单人数与公布的参与人数一致(40 人)"),
        "{text}"
    );
    // The winners are shown by id and by their masked name.
    let first = b
        .script("return document.querySelector('#winner-rows td:nth-child(2)').textContent")
        .await;
    assert!(first.as_str().unwrap().ends_with("(张*丰)"), "{first}");
    b.assert_fits_width("h5 verify").await;
    b.screenshot("h5-verify-match").await;
    let published: Vec<String> = serde_json::from_value(
        c.app
            .get(
                &format!("/h5/{id}/lottery/rounds/{round}/record.json"),
                None,
            )
            .await
            .json()["winners"]
            .clone(),
    )
    .unwrap();
    assert_eq!(published.len(), 3);

    // A winner swapped in the database for someone the draw did not pick.
    let outsider = (0..40)
        .map(|i| format!("m{i:03}"))
        .find(|m| !published.contains(m))
        .unwrap();
    sqlx::query("UPDATE lottery_winners SET member_id = $1 WHERE round_id = $2 AND member_id = $3")
        .bind(&outsider)
        .bind(round)
        .bind(&published[1])
        .execute(c.app.state.store.writer())
        .await
        .unwrap();
    b.goto(&page).await;
    let text = b.wait_for_text("验证未通过:结果不一致").await;
    assert!(
        text.contains("✗ 按公开算法重新抽取的 3 位中奖者与公布的一致"),
        "{text}"
    );
    assert!(text.contains(&outsider), "{text}");
    b.screenshot("h5-verify-mismatch").await;
    assert_clean(b.console_problems().await);
}

#[tokio::test]
async fn outside_wechat_and_on_a_snapshot_page_the_page_explains() {
    let c = h5().await;
    let id = c
        .app
        .activity(&c.org, "signin", json!({"activity_name": "客户大会"}))
        .await;
    let Some(b) = phone(PLAIN_MOBILE_UA).await else {
        return;
    };
    b.goto(&format!("{}/h5/{id}", c.base)).await;
    b.wait_for_text("请在微信中打开").await;
    b.wait_for_script(
        "var q = document.querySelector('#outside-notice img.qr'); return q.complete && q.naturalWidth > 0",
        json!(true),
    )
    .await;
    b.screenshot("h5-outside-wechat").await;

    // Back from a snapshot page: no identity, an explanation, no error and no login forced.
    let Some(w) = phone(WECHAT_UA).await else {
        return;
    };
    w.goto(&format!(
        "{}/h5/{id}?snapshot=1&openid=o_snapshot_x&portid=1",
        c.base
    ))
    .await;
    let text = w.wait_for_text("当前是快照页").await;
    assert!(!text.contains("微信签到"), "{text}");
    assert_clean(w.console_problems().await);

    // A missing activity: a page in words, 404.
    let resp = c.app.get("/h5/999999", None).await;
    assert_eq!(resp.status.as_u16(), 404);
    assert!(resp.text.contains("活动不存在"), "{}", resp.text);
    let _ = c.org_id;
}

/// WeChat's in-app bridge as the JS-SDK sees it: every call is recorded and answered ok.
const FAKE_BRIDGE: &str = "window.__wx = []; window.WeixinJSBridge = { \
    invoke: function (name, args, cb) { window.__wx.push([name, args]); \
      if (cb) { setTimeout(function () { cb({ err_msg: name + ':ok' }); }, 0); } }, \
    on: function () {}, call: function () {} };";

#[tokio::test]
async fn the_page_sets_its_share_card_with_a_valid_signature() {
    let c = h5().await;
    let logo = format!("{}{}", c.base, wxhub::web::assets::urls().icon);
    let id = c
        .app
        .activity(
            &c.org,
            "lottery",
            json!({"activity_name": "年会抽奖", "logo": logo}),
        )
        .await;
    let Some(b) = phone(WECHAT_UA).await else {
        return;
    };
    b.before_each_page(FAKE_BRIDGE).await;
    let page = format!("{}/h5/{id}", c.base);
    b.goto(&page).await;
    b.wait_for_script(
        "return window.__wx.some(function (c) { return c[0] === 'updateAppMessageShareData'; })",
        json!(true),
    )
    .await;
    let calls = b.script("return window.__wx").await;
    let calls = calls.as_array().unwrap();
    let call = |name: &str| {
        calls
            .iter()
            .find(|c| c[0] == name)
            .unwrap_or_else(|| panic!("no {name}: {calls:?}"))[1]
            .clone()
    };
    // wx.config first (the SDK also asks for the network type, for its own report).
    assert_eq!(calls[0][0], "preVerifyJSAPI");
    let config = call("preVerifyJSAPI");
    assert_eq!(
        config["verifyJsApiList"],
        json!(["updateAppMessageShareData", "updateTimelineShareData"])
    );
    assert_eq!(config["verifyAppId"], APP_ID);
    let ticket = c._sim.current_ticket(APP_ID).expect("a ticket was fetched");
    let expected = wechat::crypto::jssdk_signature(
        &ticket,
        config["verifyNonceStr"].as_str().unwrap(),
        config["verifyTimestamp"].as_str().unwrap().parse().unwrap(),
        &page,
    );
    assert_eq!(config["verifySignature"], expected.as_str());
    let share = call("updateAppMessageShareData");
    assert_eq!(share["title"], "年会抽奖");
    assert_eq!(share["desc"], "点击进入,参与抽奖、查看开奖结果");
    assert_eq!(share["link"], page.as_str());
    assert_eq!(share["imgUrl"], logo.as_str());
    assert_eq!(share["verifySignature"], expected.as_str());
    assert_eq!(call("updateTimelineShareData")["title"], "年会抽奖");
    assert_eq!(c._sim.calls("/cgi-bin/ticket/getticket"), 1);
    assert_clean(b.console_problems().await);
}

#[tokio::test]
async fn long_names_fit_a_small_phone_and_a_win_is_said_large() {
    let c = h5().await;
    let title = "2026 年度全国渠道合作伙伴大会暨新品发布会 Grand Opening Ceremony 现场互动抽奖环节";
    let id = c
        .app
        .activity(&c.org, "lottery", json!({"activity_name": title}))
        .await;
    let call = |method: Method, path: String, body: Value| {
        let app = &c.app;
        let org = c.org.clone();
        async move {
            let resp = app.json(method, &as_org(&path, &org), None, body).await;
            assert_eq!(resp.status.as_u16(), 200, "{}", resp.text);
            resp.json()
        }
    };
    call(
        Method::PUT,
        format!("/api/v3/activitys_lottery/{id}/settings"),
        json!({"purpose": "internal"}),
    )
    .await;
    let prize = call(
        Method::POST,
        format!("/api/v3/activitys_lottery/{id}/prizes"),
        json!({"name": "Bluetooth 降噪耳机与便携充电宝超值礼包", "tier": 1, "stock": 1}),
    )
    .await["data"]["prize_id"]
        .as_i64()
        .unwrap();
    let Some(b) = phone(WECHAT_UA).await else {
        return;
    };
    b.viewport(320, 568).await;
    enter(&b, &c.base, id, "参与抽奖").await;
    b.wait_for_text("暂未中奖").await;
    // The only participant wins.
    round(&c.app, &c.org, (id, prize), 1, true).await;
    b.goto(&format!("{}/h5/{id}", c.base)).await;
    b.wait_for_script(
        "return !document.getElementById('win-banner').hidden",
        json!(true),
    )
    .await;
    let facts = b
        .script(
            "var count = document.querySelector('#prizes li > :last-child');
             var range = document.createRange();
             range.selectNodeContents(count);
             var h1 = document.querySelector('.hero h1').getBoundingClientRect();
             var banner = document.getElementById('win-banner');
             return {
               count_lines: range.getClientRects().length,
               title_share: h1.height / innerHeight,
               banner_text: banner.textContent,
               banner_font: parseFloat(getComputedStyle(banner.querySelector('.win-title')).fontSize),
               wide: document.documentElement.scrollWidth > innerWidth
             };",
        )
        .await;
    assert_eq!(facts["count_lines"], 1, "「共 1 份」 on one line: {facts}");
    assert!(
        facts["title_share"].as_f64().unwrap() < 0.25,
        "a long title takes a quarter of the first screen at most: {facts}"
    );
    let banner = facts["banner_text"].as_str().unwrap();
    assert!(
        banner.contains("恭喜你中奖了")
            && banner.contains("Bluetooth 降噪耳机")
            && banner.contains("领取"),
        "{banner}"
    );
    assert!(facts["banner_font"].as_f64().unwrap() >= 22.0, "{facts}");
    assert_eq!(
        facts["wide"], false,
        "nothing wider than the phone: {facts}"
    );
    // No Latin word broken in the middle: "Bluetooth" stays on one line in the prize list.
    let split = b
        .script(
            "var li = document.querySelector('#prizes li > :first-child');
             var text = li.firstChild;
             var at = text.textContent.indexOf('Bluetooth');
             var range = document.createRange();
             range.setStart(text, at);
             range.setEnd(text, at + 9);
             return range.getClientRects().length;",
        )
        .await;
    assert_eq!(split, json!(1), "a Latin word broken mid-word");
    b.screenshot("h5-win-320").await;
    assert_clean(b.console_problems().await);
}
