//! Scan to sign in, end to end: wxhub creates a signin activity's parametric QR code through
//! the simulator, the simulator's people scan it (a follower's SCAN, a new follower's
//! subscribe with qrscene_), its signed pushes reach the live server's callback, and the
//! person is signed in and answered with a passive reply — in plain and safe mode, once
//! whatever WeChat's retries, under the activity's rules.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use wechat_sim::{AccountSpec, Simulator, UserSpec};

pub(crate) const APP_ID: &str = "wx5c5c5c5c5c5c5c5c";
const SECRET: &str = "simsecret0123456789";
const TOKEN: &str = "cbtoken2026";
const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

pub(crate) struct Ctx {
    pub app: TestApp,
    pub sim: Simulator,
    pub org: String,
    pub org_id: i64,
    pub base: String,
}

pub(crate) async fn ctx(safe: bool) -> Ctx {
    let sim = Simulator::new();
    let sim_base = sim.spawn("127.0.0.1:0").await.unwrap();
    let app = TestApp::with(|c| {
        c.wechat.api_base = sim_base.clone();
        c.wechat.oauth_base = sim_base.clone();
    })
    .await;
    let port = wxhub::admin::ports::create(
        &app.state.store,
        &app.state.secrets,
        wxhub::admin::ports::PortInput {
            app_id: Some(APP_ID.into()),
            name: Some("会务公众号".into()),
            app_secret: Some(SECRET.into()),
            callback_token: Some(TOKEN.into()),
            encoding_aes_key: safe.then(|| AES_KEY.to_string()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id;
    let org_id = app.org("会务公司").await;
    let org = app.token(&app.client("org", Some(org_id)).await).await;
    app.grant(org_id, port).await;
    let base = app.live().await;
    sim.add_account(AccountSpec {
        token: TOKEN.into(),
        encoding_aes_key: if safe { AES_KEY.into() } else { String::new() },
        callback_url: format!("{base}/wx/callback/{APP_ID}"),
        ..AccountSpec::new(APP_ID, SECRET)
    });
    Ctx {
        app,
        sim,
        org,
        org_id,
        base,
    }
}

pub(crate) fn person(openid: &str, unionid: Option<&str>, subscribed: bool) -> UserSpec {
    UserSpec {
        unionid: unionid.map(str::to_string),
        subscribed,
        ..UserSpec::new(openid)
    }
}

impl Ctx {
    async fn signin(&self, body: Value) -> i64 {
        self.app.activity(&self.org, "signin", body).await
    }

    async fn code(&self, id: i64, body: Value) -> Resp {
        self.app
            .json(
                Method::POST,
                &as_org(
                    &format!("/api/v3/activitys_signin/{id}/scan_code"),
                    &self.org,
                ),
                None,
                body,
            )
            .await
    }

    /// The code's ticket, as WeChat gave it to wxhub.
    async fn ticket(&self, id: i64) -> String {
        sqlx::query_scalar("SELECT ticket FROM scan_codes WHERE activity_id = $1")
            .bind(id)
            .fetch_one(self.app.state.store.reader())
            .await
            .unwrap()
    }

    /// `openid` scans the code of `id`, delivered `times` times: the answers' bodies.
    pub(crate) async fn scan(&self, id: i64, openid: &str, times: u32) -> Vec<String> {
        let ticket = self.ticket(id).await;
        // WeChat tells pushes apart by sender and second: each scan happens in its own second.
        self.sim.advance_clock(1);
        let result = self.sim.scan(APP_ID, openid, &ticket, times).await.unwrap();
        result
            .deliveries
            .into_iter()
            .map(|d| {
                assert_eq!(d.status, 200, "{}", d.body);
                d.body
            })
            .collect()
    }

    async fn counts(&self, id: i64) -> Value {
        self.app
            .get(
                &as_org(&format!("/api/v3/activitys/{id}/counts"), &self.org),
                None,
            )
            .await
            .json()["data"]
            .clone()
    }
}

/// The activity's members, as the back office lists them.
async fn members(c: &Ctx, id: i64) -> Vec<Value> {
    let items = c
        .app
        .get(
            &as_org(&format!("/api/v3/activitys/{id}/members"), &c.org),
            None,
        )
        .await
        .json()["data"]["items"]
        .clone();
    items.as_array().unwrap().clone()
}

/// The text of a plain passive reply, checked to be addressed to `openid`.
fn reply_text(xml: &str, openid: &str) -> String {
    let root = wechat::xml::parse(xml).unwrap_or_else(|_| panic!("not a reply: {xml}"));
    assert_eq!(root.child_text("ToUserName"), Some(openid));
    assert_eq!(root.child_text("MsgType"), Some("text"));
    root.child_text("Content").unwrap().to_string()
}

#[tokio::test]
async fn followers_and_new_followers_sign_in_by_scanning_once() {
    let c = ctx(false).await;
    c.sim.add_user(
        APP_ID,
        person("oFollower", Some("oUnionFollower00000000000001"), true),
    );
    c.sim.add_user(
        APP_ID,
        person("oNewcomer", Some("oUnionNewcomer00000000000001"), false),
    );
    let id = c.signin(json!({"activity_name": "2026 客户大会"})).await;
    let resp = c.code(id, json!({})).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let code = resp.json()["data"].clone();
    assert_eq!(resp.json()["msg"], "创建成功");
    assert!(
        code["url"]
            .as_str()
            .unwrap()
            .starts_with("http://weixin.qq.com/q/"),
        "{code}"
    );
    assert_eq!(code["permanent"], false);
    assert_eq!(code["expired"], false);
    assert_eq!(
        code["image"],
        format!("/api/v3/activitys_signin/{id}/scan_code.svg")
    );
    assert_eq!(c.sim.calls("/cgi-bin/qrcode/create"), 1);

    // A follower scans: SCAN. WeChat delivers it three times; one sign-in, one reply.
    let answers = c.scan(id, "oFollower", 3).await;
    let text = reply_text(&answers[0], "oFollower");
    assert!(
        text.starts_with("签到成功!\n活动:2026 客户大会\n签到时间:"),
        "{text}"
    );
    assert_eq!(&answers[1..], ["success", "success"]);
    assert_eq!(c.counts(id).await, json!({"joined": 1, "signed_in": 1}));

    // A new follower scans: subscribe with qrscene_; followed and signed in.
    let answers = c.scan(id, "oNewcomer", 1).await;
    assert!(reply_text(&answers[0], "oNewcomer").starts_with("签到成功!"));
    assert_eq!(c.counts(id).await, json!({"joined": 2, "signed_in": 2}));
    // Both are their unified users, the member ids the H5 pages would use; without a WeChat
    // profile they are shown as WeChat shows such users.
    let members = members(&c, id).await;
    let nicknames: Vec<&Value> = members.iter().map(|m| &m["member_nickname"]).collect();
    assert_eq!(nicknames, [&json!("微信用户"), &json!("微信用户")]);
    for union_id in [
        "oUnionFollower00000000000001",
        "oUnionNewcomer00000000000001",
    ] {
        let user: i64 = sqlx::query_scalar("SELECT id FROM unified_users WHERE union_id = $1")
            .bind(union_id)
            .fetch_one(c.app.state.store.reader())
            .await
            .unwrap();
        assert!(
            members
                .iter()
                .any(|m| m["member_id"].as_str() == Some(&user.to_string())),
            "{members:?}"
        );
    }
    let subscribed: i64 = sqlx::query_scalar(
        "SELECT subscribe FROM fans WHERE app_id = $1 AND open_id = 'oNewcomer'",
    )
    .bind(APP_ID)
    .fetch_one(c.app.state.store.reader())
    .await
    .unwrap();
    assert_eq!(subscribed, 1);

    // Scanning again later: told again, still one member.
    let answers = c.scan(id, "oFollower", 1).await;
    assert!(reply_text(&answers[0], "oFollower").starts_with("签到成功!"));
    assert_eq!(c.counts(id).await, json!({"joined": 2, "signed_in": 2}));

    // Someone WeChat gives no unionid for: the link to the H5 page instead.
    c.sim.add_user(APP_ID, person("oNoUnion", None, true));
    let answers = c.scan(id, "oNoUnion", 1).await;
    let text = reply_text(&answers[0], "oNoUnion");
    assert!(
        text.contains(&format!("<a href=\"{}/h5/{id}\">", c.base)),
        "{text}"
    );
    assert_eq!(c.counts(id).await["joined"], 2);

    // The screens heard each sign-in.
    let kinds: Vec<String> =
        sqlx::query_scalar("SELECT kind FROM activity_events WHERE activity_id = $1 ORDER BY id")
            .bind(id)
            .fetch_all(c.app.state.store.reader())
            .await
            .unwrap();
    assert_eq!(
        kinds.iter().filter(|k| *k == "signin").count(),
        2,
        "{kinds:?}"
    );
}

#[tokio::test]
async fn the_activitys_rules_hold_and_replies_are_sealed_in_safe_mode() {
    let c = ctx(true).await;
    c.sim.add_user(
        APP_ID,
        person("oGuest", Some("oUnionGuest0000000000000001"), true),
    );
    // Needs a phone: the reply links to the H5 form, nobody is signed in.
    let needs_phone = c
        .signin(json!({"activity_name": "实名签到", "collect_info": "phone"}))
        .await;
    c.code(needs_phone, json!({"permanent": true})).await;
    let answers = c.scan(needs_phone, "oGuest", 1).await;
    let crypt = wechat::crypto::MsgCrypt::new(AES_KEY, APP_ID).unwrap();
    let open = |sealed: &str| {
        let envelope = wechat::xml::parse(sealed).unwrap_or_else(|_| panic!("{sealed}"));
        assert!(envelope.child_text("MsgSignature").is_some(), "{sealed}");
        crypt
            .decrypt(envelope.child_text("Encrypt").unwrap())
            .unwrap()
    };
    let text = reply_text(&open(&answers[0]), "oGuest");
    assert!(
        text.contains(&format!(
            "/h5/{needs_phone}\">这里</a>填写信息,完成「实名签到」签到"
        )),
        "{text}"
    );
    assert_eq!(c.counts(needs_phone).await["joined"], 0);

    // A roster activity: someone off the roster is told so.
    let meeting = c.app.meeting(&c.org, "股东大会").await;
    let roster = c
        .signin(json!({"activity_name": "股东签到", "permission": meeting}))
        .await;
    c.code(roster, json!({})).await;
    let answers = c.scan(roster, "oGuest", 1).await;
    assert_eq!(
        reply_text(&open(&answers[0]), "oGuest"),
        "您不在本次会议的名单中,无法参与"
    );

    // A closed activity.
    let closed = c.signin(json!({"activity_name": "已结束"})).await;
    c.code(closed, json!({"permanent": true})).await;
    c.app
        .json(
            Method::PUT,
            &as_org(&format!("/api/v3/activitys_signin/{closed}"), &c.org),
            None,
            json!({"state": "closed"}),
        )
        .await;
    let answers = c.scan(closed, "oGuest", 1).await;
    assert_eq!(
        reply_text(&open(&answers[0]), "oGuest"),
        "活动已截止,无法参与"
    );
}

#[tokio::test]
async fn codes_are_made_for_signin_activities_with_a_port_and_last_until_closing() {
    let c = ctx(false).await;
    let close = "2030-01-01 10:00:00";
    let id = c
        .signin(json!({"activity_name": "签到", "close_time": close}))
        .await;
    // No code yet.
    let path = as_org(&format!("/api/v3/activitys_signin/{id}/scan_code"), &c.org);
    let resp = c.app.get(&path, None).await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    assert_eq!(resp.json(), activity_error("尚未生成扫码签到二维码"));
    // Temporary: WeChat's 30 days at most, since closing is further away.
    let code = c.code(id, json!({})).await.json()["data"].clone();
    assert_eq!(code["permanent"], false);
    assert!(code["expire_time"].as_str().unwrap() < close, "{code}");
    // Permanent on request; reading it back.
    let code = c.code(id, json!({"permanent": "true"})).await.json()["data"].clone();
    assert_eq!(code["permanent"], true);
    assert_eq!(code["expire_time"], "");
    assert_eq!(c.app.get(&path, None).await.json()["data"], code);
    let svg = c
        .app
        .get(
            &as_org(
                &format!("/api/v3/activitys_signin/{id}/scan_code.svg"),
                &c.org,
            ),
            None,
        )
        .await;
    assert_eq!(svg.headers["content-type"], "image/svg+xml");
    assert!(
        svg.text.starts_with("<?xml") || svg.text.contains("<svg"),
        "{}",
        svg.text
    );

    // Not for other kinds, closed activities, or an org without a port.
    let lottery = c
        .app
        .activity(&c.org, "lottery", json!({"activity_name": "抽奖"}))
        .await;
    let resp = c.code(lottery, json!({})).await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    assert_eq!(resp.json(), activity_error("活动不存在"));
    let past = c
        .signin(json!({"activity_name": "过去", "close_time": "2020-01-01 10:00:00"}))
        .await;
    let resp = c.code(past, json!({})).await;
    assert_eq!(resp.json(), activity_error("活动已截止,无需生成二维码"));
    let other_org = c.app.org("没有公众号的机构").await;
    let other = c
        .app
        .token(&c.app.client("org", Some(other_org)).await)
        .await;
    let theirs = c
        .app
        .activity(&other, "signin", json!({"activity_name": "签到"}))
        .await;
    let resp = c
        .app
        .json(
            Method::POST,
            &as_org(
                &format!("/api/v3/activitys_signin/{theirs}/scan_code"),
                &other,
            ),
            None,
            json!({}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        resp.json(),
        activity_error("活动尚未设置公众号,无法生成扫码签到二维码")
    );
    // Another org's activity is missing.
    let resp = c
        .app
        .json(
            Method::POST,
            &as_org(&format!("/api/v3/activitys_signin/{id}/scan_code"), &other),
            None,
            json!({}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    let _ = c.org_id;
}

#[tokio::test]
async fn a_replaced_code_signs_nobody_in() {
    let c = ctx(false).await;
    c.sim.add_user(
        APP_ID,
        person("oFollower", Some("oUnionFollower00000000000001"), true),
    );
    let id = c.signin(json!({"activity_name": "2026 客户大会"})).await;
    assert_eq!(c.code(id, json!({})).await.status, StatusCode::OK);
    let old = c.ticket(id).await;
    // The code is replaced (a new one printed): the old one has the same scene.
    assert_eq!(c.code(id, json!({})).await.status, StatusCode::OK);
    assert_ne!(c.ticket(id).await, old);
    c.sim.advance_clock(1);
    let result = c.sim.scan(APP_ID, "oFollower", &old, 1).await.unwrap();
    let text = reply_text(&result.deliveries[0].body, "oFollower");
    assert_eq!(text, "这个签到二维码已更换,请扫描现场大屏上的最新二维码");
    assert_eq!(c.counts(id).await, json!({"joined": 0, "signed_in": 0}));
    // The current code signs in.
    let answers = c.scan(id, "oFollower", 1).await;
    assert!(reply_text(&answers[0], "oFollower").starts_with("签到成功!"));
    assert_eq!(c.counts(id).await, json!({"joined": 1, "signed_in": 1}));
}
