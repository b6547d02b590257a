//! Seed 001 §2–4: addFans, getFans, addUser, addAppPortAccessLog — the seed's samples, the
//! exact wire format, bad input, and concurrency.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

const APP_ID: &str = "wx32817247717e7333";
const UNION_ID: &str = "oZh4guLRAQKmsaXjkn4rEmIkMh3g";
const OPEN_ID: &str = "oIXH1t-sGaDdgpTWGsMPgqmKwWrQ";

/// The fan of the seed's addFans sample, with `userId` as given.
fn seed_fan(user_id: Value) -> Value {
    json!({
        "openId": OPEN_ID,
        "subscribe": 1,
        "nickname": "成功",
        "sex": 1,
        "sexDesc": 0,
        "city": "guangzhou",
        "country": "china",
        "province": "guangdong",
        "language": "zh_CN",
        "headImgUrl": "http://thirdwx.qlogo.cn/mmopen/dWYcndbpDnaX98dIhhknt1FjMEcS8Xoq5vx0O4c1xvjTYenIlb63ibRuFpXASUFGMvAgvDF42QibpvkN0JpjpK6AnSTNg0vDqLJnicmPHs1MHw/132",
        "subscribeTime": "May 29, 2020 7:54:44 PM",
        "unionId": UNION_ID,
        "remark": "",
        "subscribeScene": "ADD_SCENE_SEARCH",
        "qrScene": "0",
        "qrSceneStr": "",
        "appId": APP_ID,
        "group": "",
        "userId": user_id,
        "fansUpdateTime": "2019-05-29 19:54:46"
    })
}

struct Ctx {
    app: TestApp,
    token: String,
    port_id: i64,
}

async fn ctx() -> Ctx {
    let app = TestApp::new().await;
    let port_id = app.port(APP_ID).await;
    // Seed 001's callers are the platform's internal applications (tenant scoping of org
    // clients: tenants.rs).
    let creds = app.client("platform", None).await;
    let token = app.token(&creds).await;
    Ctx {
        app,
        token,
        port_id,
    }
}

impl Ctx {
    /// A form-encoded PUT, as the seed says ("统一 x_www-form-urlencoded 格式提交参数").
    async fn put_form(&self, path: &str, pairs: &[(&str, &str)]) -> Resp {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        self.app
            .call(
                Method::PUT,
                path,
                Some(&self.token),
                Some("application/x-www-form-urlencoded"),
                body,
            )
            .await
    }

    async fn add_user(&self, union_id: &str, phone: &str) -> Resp {
        self.put_form(
            "/mpwechat/wx/api/fans/addUser",
            &[("unionId", union_id), ("phone", phone)],
        )
        .await
    }

    async fn add_fans(&self, fans: &Value) -> Resp {
        self.put_form(
            "/mpwechat/wx/api/fans/addFans",
            &[("appId", APP_ID), ("fans", &fans.to_string())],
        )
        .await
    }

    async fn fan_count(&self) -> i64 {
        wxhub::store::fans::count_for_app(&self.app.state.store, APP_ID)
            .await
            .unwrap()
    }
}

fn assert_utc_millis(v: &Value) {
    let s = v.as_str().unwrap_or_else(|| panic!("not a string: {v}"));
    assert_eq!(s.len(), 28, "{s}");
    assert!(
        s.ends_with("+0000") && s.as_bytes()[10] == b'T' && s.as_bytes()[19] == b'.',
        "{s}"
    );
}

/// The keys of the object at `text`'s top-level `result`, in the order they appear.
fn key_order(text: &str, keys: &[&str]) {
    let mut last = 0;
    for key in keys {
        let at = text
            .find(&format!("\"{key}\":"))
            .unwrap_or_else(|| panic!("no {key} in {text}"));
        assert!(at > last, "{key} out of the seed's order in {text}");
        last = at;
    }
}

#[tokio::test]
async fn the_seed_samples_round_trip() {
    let c = ctx().await;
    // 3,添加统一用户
    let resp = c.add_user(UNION_ID, "13145738791").await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let body = resp.json();
    let user_id = body["result"]["userId"].as_i64().unwrap();
    assert!(user_id > 1 << 53, "a snowflake id: {user_id}");
    assert_utc_millis(&body["result"]["createTime"]);
    assert_eq!(body["result"]["createTime"], body["result"]["updateTime"]);
    assert_eq!(
        body,
        json!({"success": 1, "messageCode": 200, "message": "操作成功!",
               "result": {"userId": user_id, "unionId": UNION_ID, "secretPhone": "13145738791",
                          "createTime": body["result"]["createTime"], "updateTime": body["result"]["updateTime"],
                          "appHostId": null, "appId": null, "appPortId": null, "appAppId": null},
               "items": null, "totalCount": 0})
    );
    key_order(
        &resp.text,
        &[
            "success",
            "messageCode",
            "message",
            "result",
            "userId",
            "unionId",
            "secretPhone",
            "createTime",
            "updateTime",
            "appHostId",
            "appId",
            "appPortId",
            "appAppId",
            "items",
            "totalCount",
        ],
    );

    // 添加粉丝, with the userId the seed passes
    let resp = c.add_fans(&json!([seed_fan(json!(user_id))])).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(
        resp.json(),
        json!({"success": 1, "messageCode": 200, "message": "成功", "result": true, "items": null, "totalCount": 0})
    );

    // 获取粉丝, as the seed calls it: the service's own path, without a gateway prefix
    let resp = c
        .app
        .get(
            &format!("/wx/api/fans/getFans?userId={user_id}&portId={}", c.port_id),
            Some(&c.token),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let body = resp.json();
    let r = &body["result"];
    assert_utc_millis(&r["fansUpdateTime"]);
    assert_utc_millis(&r["fansCreateTime"]);
    assert_eq!(
        body,
        json!({"success": 1, "messageCode": 200, "message": "成功", "result": {
            "fansId": r["fansId"], "openId": OPEN_ID, "subscribe": 1, "nickname": "成功", "sex": 1,
            "sexDesc": 0, "city": "guangzhou", "country": "china", "province": "guangdong",
            "language": "zh_CN", "headImgUrl": seed_fan(json!(null))["headImgUrl"],
            "subscribeTime": "2020-05-29T11:54:44.000+0000", "unionId": UNION_ID, "remark": "",
            "groupid": null, "tagidList": null, "subscribeScene": "ADD_SCENE_SEARCH", "qrScene": "0",
            "qrSceneStr": "", "appId": APP_ID, "createTime": null, "appHostId": null,
            "appPortId": c.port_id, "group": "", "groups": null, "userId": user_id,
            "fansUpdateTime": r["fansUpdateTime"], "fansCreateTime": r["fansCreateTime"]},
            "items": null, "totalCount": 0})
    );
    assert!(r["fansId"].as_i64().unwrap() > 0);
    key_order(
        &resp.text,
        &[
            "fansId",
            "openId",
            "subscribe",
            "nickname",
            "sex",
            "sexDesc",
            "city",
            "country",
            "province",
            "language",
            "headImgUrl",
            "subscribeTime",
            "unionId",
            "remark",
            "groupid",
            "tagidList",
            "subscribeScene",
            "qrScene",
            "qrSceneStr",
            "appId",
            "createTime",
            "appHostId",
            "appPortId",
            "group",
            "groups",
            "userId",
            "fansUpdateTime",
            "fansCreateTime",
        ],
    );
    // By appId instead of portId, and under every gateway prefix.
    for prefix in ["/mpwechat", "/mp"] {
        let resp = c
            .app
            .get(
                &format!("{prefix}/wx/api/fans/getFans?userId={user_id}&appId={APP_ID}"),
                Some(&c.token),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    }
}

#[tokio::test]
async fn fans_take_every_seed_form_and_link_by_union_id() {
    let c = ctx().await;
    // Fans before their user: no link yet; the user's creation links them.
    let mut fan = seed_fan(json!(null));
    fan["subscribeTime"] = json!("2019-05-29 19:54:46");
    let resp = c
        .app
        .json(
            Method::PUT,
            "/mpwechat/wx/api/fans/addFans",
            Some(&c.token),
            json!({"appId": APP_ID, "fans": [fan]}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let stored = wxhub::store::fans::by_open_id(&c.app.state.store, APP_ID, OPEN_ID)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.user_id, None);
    assert_eq!(
        wxhub::time::format_utc_millis(stored.subscribe_time.unwrap()),
        "2019-05-29T11:54:46.000+0000"
    );
    let user_id = c.add_user(UNION_ID, "13145738791").await.json()["result"]["userId"]
        .as_i64()
        .unwrap();
    let resp = c
        .app
        .get(
            &format!(
                "/mp/wx/api/fans/getFans?userId={user_id}&portId={}",
                c.port_id
            ),
            Some(&c.token),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(resp.json()["result"]["secretPhone"], Value::Null);

    // A second fan of the same person on the same port, added later with ISO time and no
    // userId: linked at once by unionId; updates keep one row per (appId, openId).
    let mut other = seed_fan(json!(null));
    other["openId"] = json!("oSecondFan");
    other["subscribeTime"] = json!("2020-05-29T11:54:44Z");
    other["nickname"] = json!("第二");
    assert_eq!(
        c.add_fans(&json!([other.clone()])).await.status,
        StatusCode::OK
    );
    other["nickname"] = json!("改名");
    assert_eq!(c.add_fans(&json!([other])).await.status, StatusCode::OK);
    assert_eq!(c.fan_count().await, 2);
    let second = wxhub::store::fans::by_open_id(&c.app.state.store, APP_ID, "oSecondFan")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(second.user_id, Some(user_id));
    assert_eq!(second.nickname, "改名");
}

/// A re-sync updates a fan whose keys are unchanged without naming them (SQLite), and one
/// whose unionId or user changed with them: both come out as sent, in one request.
#[tokio::test]
async fn a_resync_changes_the_keys_that_changed_and_keeps_the_rest() {
    let c = ctx().await;
    let fan = |open_id: &str, union_id: &str, nickname: &str| {
        let mut f = seed_fan(json!(null));
        f["openId"] = json!(open_id);
        f["unionId"] = json!(union_id);
        f["nickname"] = json!(nickname);
        f
    };
    let first = json!([
        fan("oKeep", "uKeep", "一"),
        fan("oMove", "uOld", "一"),
        fan("oLink", "uLink", "一")
    ]);
    assert_eq!(c.add_fans(&first).await.status, StatusCode::OK);
    let keep_user = c.add_user("uKeep", "13145738791").await.json()["result"]["userId"]
        .as_i64()
        .unwrap();
    let other_user = c.add_user("uOther", "13145738792").await.json()["result"]["userId"]
        .as_i64()
        .unwrap();
    // oKeep: same keys, no userId (keeps its link); oMove: a new unionId; oLink: an explicit
    // user; oNew: a fan not seen before.
    let mut link = fan("oLink", "uLink", "二");
    link["userId"] = json!(other_user);
    let second = json!([
        fan("oKeep", "uKeep", "二"),
        fan("oMove", "uNew", "二"),
        link,
        fan("oNew", "uKeep", "二")
    ]);
    let resp = c.add_fans(&second).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let stored = |open_id: &'static str| {
        let store = c.app.state.store.clone();
        async move {
            wxhub::store::fans::by_open_id(&store, APP_ID, open_id)
                .await
                .unwrap()
                .unwrap()
        }
    };
    let keep = stored("oKeep").await;
    assert_eq!(
        (keep.union_id.as_str(), keep.user_id, keep.nickname.as_str()),
        ("uKeep", Some(keep_user), "二")
    );
    let moved = stored("oMove").await;
    assert_eq!(
        (
            moved.union_id.as_str(),
            moved.user_id,
            moved.nickname.as_str()
        ),
        ("uNew", None, "二")
    );
    let linked = stored("oLink").await;
    assert_eq!(
        (
            linked.union_id.as_str(),
            linked.user_id,
            linked.nickname.as_str()
        ),
        ("uLink", Some(other_user), "二")
    );
    let new = stored("oNew").await;
    assert_eq!(
        (new.union_id.as_str(), new.user_id, new.nickname.as_str()),
        ("uKeep", Some(keep_user), "二")
    );
    assert_eq!(c.fan_count().await, 4);
    // Moved back to a unionId with a user: linked to it.
    let resp = c.add_fans(&json!([fan("oMove", "uOther", "三")])).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let moved = stored("oMove").await;
    assert_eq!(
        (moved.union_id.as_str(), moved.user_id),
        ("uOther", Some(other_user))
    );
}

#[tokio::test]
async fn one_bad_fan_refuses_the_whole_request() {
    let c = ctx().await;
    let good = seed_fan(json!(null));
    let mut no_union = seed_fan(json!(null));
    no_union["openId"] = json!("oNoUnion");
    no_union.as_object_mut().unwrap().remove("unionId");
    let resp = c.add_fans(&json!([good.clone(), no_union])).await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        resp.json(),
        marketing_error(400, "第 2 个粉丝(oNoUnion): 缺少参数 unionId")
    );
    assert_eq!(c.fan_count().await, 0, "nothing written");

    let mut ghost = seed_fan(json!(692672045669941256_i64));
    ghost["openId"] = json!("oGhost");
    let resp = c.add_fans(&json!([good.clone(), ghost])).await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    assert_eq!(
        resp.json()["message"],
        "第 2 个粉丝(oGhost): 统一用户 692672045669941256 不存在"
    );
    assert_eq!(c.fan_count().await, 0, "nothing written");

    let cases: Vec<(Value, &str)> = vec![
        (
            json!([{"openId": "o1", "unionId": "u1", "subscribeTime": "yesterday"}]),
            "第 1 个粉丝(o1): subscribeTime 格式错误",
        ),
        (
            json!([{"openId": "o1", "unionId": "u1", "subscribe": 7}]),
            "第 1 个粉丝(o1): subscribe 应为 0..=1 之间的整数",
        ),
        (
            json!([{"openId": "o 1", "unionId": "u1"}]),
            "第 1 个粉丝(o 1): openId 格式错误",
        ),
        (
            json!([{"openId": "o1", "unionId": "u1", "appId": "wx0000000000000000"}]),
            "第 1 个粉丝(o1): appId wx0000000000000000 与请求的 appId",
        ),
        (
            json!([{"openId": "o1", "unionId": "u1", "nickname": "长".repeat(101)}]),
            "第 1 个粉丝(o1): nickname 最长 100 个字符",
        ),
        (
            json!([{"openId": "o1", "unionId": "u1"}, {"openId": "o1", "unionId": "u1"}]),
            "第 2 个粉丝(o1): openId 在本次请求中重复",
        ),
        (json!(["text"]), "第 1 个粉丝: 格式错误,应为对象"),
        (json!([]), "fans 不能为空"),
        (json!({"openId": "o1"}), "fans 应为 JSON 数组"),
    ];
    for (fans, message) in cases {
        let resp = c.add_fans(&fans).await;
        assert_eq!(
            resp.status,
            StatusCode::BAD_REQUEST,
            "{fans}: {}",
            resp.text
        );
        let got = resp.json()["message"].as_str().unwrap().to_string();
        assert!(got.starts_with(message), "{fans}: {got}");
    }
    let resp = c
        .put_form(
            "/mpwechat/wx/api/fans/addFans",
            &[("appId", APP_ID), ("fans", "[{")],
        )
        .await;
    assert_eq!(resp.json(), marketing_error(400, "参数 fans 格式错误"));
    let resp = c
        .put_form("/mpwechat/wx/api/fans/addFans", &[("fans", "[]")])
        .await;
    assert_eq!(resp.json(), marketing_error(400, "缺少参数 appId"));
    let resp = c
        .put_form(
            "/mpwechat/wx/api/fans/addFans",
            &[
                ("appId", "wx0000000000000000"),
                ("fans", &json!([good]).to_string()),
            ],
        )
        .await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    assert_eq!(
        resp.json(),
        marketing_error(404, "公众号 wx0000000000000000 未配置为端口")
    );
    assert_eq!(c.fan_count().await, 0);
    let resp = c
        .app
        .call(
            Method::PUT,
            "/mpwechat/wx/api/fans/addFans",
            None,
            Some("application/x-www-form-urlencoded"),
            "appId=x",
        )
        .await;
    assert_eq!(resp.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn concurrent_identical_add_fans_leave_one_row_per_fan() {
    let c = ctx().await;
    let fans: Vec<Value> = (0..3)
        .map(|i| {
            let mut f = seed_fan(json!(null));
            f["openId"] = json!(format!("oConcurrent{i}"));
            f
        })
        .collect();
    let fans = json!(fans);
    let c = std::sync::Arc::new(c);
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let (c, fans) = (c.clone(), fans.clone());
        tasks.push(tokio::spawn(async move { c.add_fans(&fans).await.status }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::OK);
    }
    assert_eq!(c.fan_count().await, 3);
}

#[tokio::test]
async fn get_fans_says_what_is_missing() {
    let c = ctx().await;
    let user_id = c.add_user(UNION_ID, "13145738791").await.json()["result"]["userId"]
        .as_i64()
        .unwrap();
    let get = |q: String| {
        let c = &c;
        async move {
            c.app
                .get(
                    &format!("/mpwechat/wx/api/fans/getFans?{q}"),
                    Some(&c.token),
                )
                .await
        }
    };
    let resp = get(format!("userId={user_id}&portId={}", c.port_id)).await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    assert_eq!(
        resp.json(),
        marketing_error(
            404,
            &format!("统一用户 {user_id} 在端口 {} 下没有粉丝记录", c.port_id)
        )
    );
    let resp = get(format!("userId={user_id}&portId=999")).await;
    assert_eq!(resp.json(), marketing_error(404, "端口 999 不存在"));
    let resp = get("portId=1".into()).await;
    assert_eq!(resp.json(), marketing_error(400, "缺少参数 userId"));
    let resp = get(format!("userId={user_id}")).await;
    assert_eq!(resp.json(), marketing_error(400, "缺少参数 portId"));
    let resp = get("userId=abc&portId=1".into()).await;
    assert_eq!(resp.json(), marketing_error(400, "参数 userId 格式错误"));
}

#[tokio::test]
async fn add_user_is_idempotent_under_concurrency_and_seals_the_phone() {
    let c = std::sync::Arc::new(ctx().await);
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let c = c.clone();
        tasks.push(tokio::spawn(async move {
            let resp = c.add_user(UNION_ID, "13145738791").await;
            assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
            resp.json()["result"]["userId"].as_i64().unwrap()
        }));
    }
    let mut ids = std::collections::HashSet::new();
    for t in tasks {
        ids.insert(t.await.unwrap());
    }
    assert_eq!(ids.len(), 1, "one user for one unionId");
    let user_id = *ids.iter().next().unwrap();
    let first = wxhub::store::users::get(&c.app.state.store, user_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        first.created_at, first.updated_at,
        "the same phone changes nothing"
    );
    let sealed = first.phone.unwrap();
    assert!(
        !sealed.windows(11).any(|w| w == b"13145738791"),
        "sealed at rest"
    );

    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let resp = c.add_user(UNION_ID, "+86 139-0000-0001").await;
    let body = resp.json();
    assert_eq!(body["result"]["userId"], user_id);
    assert_eq!(body["result"]["secretPhone"], "13900000001");
    assert_ne!(body["result"]["updateTime"], body["result"]["createTime"]);

    for (union_id, phone, message) in [
        ("", "13145738791", "缺少参数 unionId"),
        (UNION_ID, "", "缺少参数 phone"),
        (UNION_ID, "   ", "缺少参数 phone"),
        (
            UNION_ID,
            "12345",
            "phone 格式错误,应为 11 位中国大陆手机号码",
        ),
        (
            UNION_ID,
            "23145738791",
            "phone 格式错误,应为 11 位中国大陆手机号码",
        ),
        (
            "bad union",
            "13145738791",
            "unionId 格式错误,应为 1 到 64 位字母、数字、- 或 _",
        ),
    ] {
        let resp = c.add_user(union_id, phone).await;
        assert_eq!(resp.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            resp.json(),
            marketing_error(400, message),
            "{union_id} {phone}"
        );
    }
}

#[tokio::test]
async fn access_logs_name_what_does_not_exist() {
    let c = ctx().await;
    let app_app_id = c.app.application("亮健好药网").await;
    let user_id = c.add_user(UNION_ID, "13145738791").await.json()["result"]["userId"]
        .as_i64()
        .unwrap();
    let user = user_id.to_string();
    let app_app = app_app_id.to_string();
    let port = c.port_id.to_string();
    let path = "/mpwechat/wx/api/fans/addAppPortAccessLog";
    let resp = c
        .put_form(
            path,
            &[("portId", &port), ("appAppId", &app_app), ("userId", &user)],
        )
        .await;
    assert_eq!(
        resp.json(),
        json!({"success": 1, "messageCode": 200, "message": "操作成功!", "result": true, "items": null, "totalCount": 0})
    );
    // appId instead of portId; and portId wins over a wrong appId.
    for pairs in [
        vec![("appId", APP_ID), ("appAppId", &app_app), ("userId", &user)],
        vec![
            ("portId", &port),
            ("appId", "wx0000000000000000"),
            ("appAppId", &app_app),
            ("userId", &user),
        ],
    ] {
        let resp = c.put_form(path, &pairs).await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    }
    let latest = wxhub::store::access_logs::latest_port(&c.app.state.store, user_id, app_app_id)
        .await
        .unwrap();
    assert_eq!(latest, Some(c.port_id));
    for (pairs, status, message) in [
        (
            vec![
                ("portId", "999"),
                ("appAppId", app_app.as_str()),
                ("userId", user.as_str()),
            ],
            404,
            "端口 999 不存在".to_string(),
        ),
        (
            vec![
                ("appId", "wx0000000000000000"),
                ("appAppId", &app_app),
                ("userId", &user),
            ],
            404,
            "公众号 wx0000000000000000 未配置为端口".into(),
        ),
        (
            vec![("portId", &port), ("appAppId", "999"), ("userId", &user)],
            404,
            "应用 999 不存在".into(),
        ),
        (
            vec![("portId", &port), ("appAppId", &app_app), ("userId", "5")],
            404,
            "统一用户 5 不存在".into(),
        ),
        (
            vec![("appAppId", &app_app), ("userId", &user)],
            400,
            "缺少参数 portId 或 appId".into(),
        ),
        (
            vec![("portId", &port), ("userId", &user)],
            400,
            "缺少参数 appAppId".into(),
        ),
        (
            vec![("portId", &port), ("appAppId", &app_app)],
            400,
            "缺少参数 userId".into(),
        ),
    ] {
        let resp = c.put_form(path, &pairs).await;
        assert_eq!(resp.json(), marketing_error(status, &message), "{pairs:?}");
    }
}

/// A multipart/form-data body of text fields (and optionally one file), as Spring clients send.
pub(crate) fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let files: Vec<(&str, &str, &[u8])> = file.map(|(n, b)| ("file", n, b)).into_iter().collect();
    multipart_files(fields, &files)
}

/// A multipart/form-data body of text fields and files `(field, filename, bytes)`.
pub(crate) fn multipart_files(
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> (String, Vec<u8>) {
    let boundary = "----wxhubBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    for (field, name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn multipart_bodies_and_a_bare_fans_array_are_accepted() {
    let c = ctx().await;
    // addUser as a multipart form.
    let (ct, body) = multipart(&[("unionId", UNION_ID), ("phone", "13145738791")], None);
    let resp = c
        .app
        .call(
            Method::PUT,
            "/mpwechat/wx/api/fans/addUser",
            Some(&c.token),
            Some(&ct),
            body,
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(resp.json()["result"]["secretPhone"], "13145738791");

    // addFans with appId in the query and the fans as a bare JSON array.
    let fans = json!([seed_fan(json!(null))]);
    let resp = c
        .app
        .call(
            Method::PUT,
            &format!("/mpwechat/wx/api/fans/addFans?appId={APP_ID}"),
            Some(&c.token),
            Some("application/json"),
            fans.to_string(),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(c.fan_count().await, 1);
    // A bare array anywhere else is still not a parameter object.
    let resp = c
        .app
        .call(
            Method::PUT,
            "/mpwechat/wx/api/fans/addUser",
            Some(&c.token),
            Some("application/json"),
            "[1,2]",
        )
        .await;
    assert_eq!(resp.json(), marketing_error(400, "请求体必须是 JSON 对象"));

    // A broken multipart body is a 400, not a 500.
    let resp = c
        .app
        .call(
            Method::PUT,
            "/mpwechat/wx/api/fans/addUser",
            Some(&c.token),
            Some("multipart/form-data; boundary=x"),
            "--x\r\nno headers end",
        )
        .await;
    assert_eq!(
        resp.json(),
        marketing_error(400, "multipart 请求体格式错误")
    );
}

#[tokio::test]
async fn nul_characters_and_broken_utf8_are_refused_everywhere() {
    let c = ctx().await;
    let nul = marketing_error(400, "参数不能包含 NUL 字符");
    // Form, query and JSON (nested in the fans too): 400 on both backends, nothing written.
    let resp = c.add_user("u\u{0}1", "13145738791").await;
    assert_eq!(resp.json(), nul);
    let resp = c
        .app
        .call(
            Method::PUT,
            "/mpwechat/wx/api/fans/addUser?unionId=u%00x&phone=13145738791",
            Some(&c.token),
            None,
            "",
        )
        .await;
    assert_eq!(resp.json(), nul);
    let mut fan = seed_fan(json!(null));
    fan["nickname"] = json!("坏\u{0}名");
    let resp = c.add_fans(&json!([fan])).await;
    assert_eq!(
        resp.json(),
        marketing_error(
            400,
            &format!("第 1 个粉丝({OPEN_ID}): nickname 含有控制字符")
        )
    );
    assert_eq!(c.fan_count().await, 0);
    // A form whose percent-escapes are not UTF-8 is refused, not stored with U+FFFD.
    let resp = c
        .app
        .call(
            Method::PUT,
            "/mpwechat/wx/api/fans/addUser",
            Some(&c.token),
            Some("application/x-www-form-urlencoded"),
            "unionId=%C3%28&phone=13145738791",
        )
        .await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        resp.json(),
        marketing_error(400, "参数不是合法的 UTF-8 文本")
    );
}

#[tokio::test]
async fn nul_in_a_path_segment_is_a_400_too() {
    let c = ctx().await;
    let admin = c.app.admin_token().await;
    for (method, path, token) in [
        (
            Method::POST,
            "/admin/api/v1/keys/a%00b/retire",
            admin.as_str(),
        ),
        (
            Method::GET,
            "/wx/callback/wx%00evil?signature=x&timestamp=1&nonce=n&echostr=e",
            "",
        ),
    ] {
        let token = (!token.is_empty()).then_some(token);
        let resp = c
            .app
            .call(method, path, token, None, axum::body::Body::empty())
            .await;
        assert_eq!(
            resp.status,
            StatusCode::BAD_REQUEST,
            "{path}: {}",
            resp.text
        );
        assert_eq!(
            resp.json(),
            marketing_error(400, "路径参数不能包含 NUL 字符")
        );
    }
}

#[tokio::test]
async fn a_thousand_fans_in_one_request_are_written_in_chunks_all_or_nothing() {
    let c = ctx().await;
    let user_id = c.add_user(UNION_ID, "13145738791").await.json()["result"]["userId"]
        .as_i64()
        .unwrap();
    // 1,001 fans: many statements' worth (20 per statement), the last in a statement of its
    // own; fan 600 linked by unionId, fan 700 by userId, the others to nobody.
    let fans = |nickname: &str, ghost_at: Option<usize>| {
        let list: Vec<Value> = (0..1001)
            .map(|i| {
                let mut fan = seed_fan(json!(null));
                fan["openId"] = json!(format!("oBulk{i:04}"));
                fan["nickname"] = json!(format!("{nickname}{i}"));
                fan["unionId"] = json!(format!("oBulkUnion{i:018}"));
                if i == 600 {
                    fan["unionId"] = json!(UNION_ID);
                }
                if i == 700 {
                    fan["userId"] = json!(user_id);
                }
                if Some(i) == ghost_at {
                    fan["userId"] = json!(692672045669941256_i64);
                }
                fan
            })
            .collect();
        Value::Array(list)
    };
    // A missing user in the last chunk refuses everything, the chunks before it included.
    let resp = c.add_fans(&fans("粉丝", Some(1000))).await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND, "{}", resp.text);
    assert_eq!(
        resp.json()["message"],
        "第 1001 个粉丝(oBulk1000): 统一用户 692672045669941256 不存在"
    );
    assert_eq!(c.fan_count().await, 0, "nothing written");

    let resp = c.add_fans(&fans("粉丝", None)).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(c.fan_count().await, 1001);
    // Sent again with new nicknames: updated in place, still one row per fan.
    let resp = c.add_fans(&fans("改名", None)).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(c.fan_count().await, 1001);
    for (i, linked) in [
        (0, None),
        (249, None),
        (250, None),
        (600, Some(user_id)),
        (700, Some(user_id)),
        (1000, None),
    ] {
        let fan =
            wxhub::store::fans::by_open_id(&c.app.state.store, APP_ID, &format!("oBulk{i:04}"))
                .await
                .unwrap()
                .unwrap();
        assert_eq!(fan.nickname, format!("改名{i}"));
        assert_eq!(fan.user_id, linked, "fan {i}");
        assert_eq!(fan.port_id, c.port_id);
    }
}
