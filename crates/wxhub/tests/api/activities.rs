//! Seed 000's H5 endpoints and the org back office: the exact envelopes, joining rules, rosters,
//! the course sync, and org isolation.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

const USER: &str = "692672045669941256";

struct Ctx {
    app: TestApp,
    org: String,
    other_org: String,
    user: String,
}

async fn ctx() -> Ctx {
    let app = TestApp::new().await;
    let org_id = app.org("机构甲").await;
    let other_id = app.org("机构乙").await;
    let org = app.token(&app.client("org", Some(org_id)).await).await;
    let other_org = app.token(&app.client("org", Some(other_id)).await).await;
    let user = app
        .state
        .auth
        .mint_user_token(USER, "wx32817247717e7333")
        .unwrap();
    Ctx {
        app,
        org,
        other_org,
        user,
    }
}

impl Ctx {
    async fn call(&self, method: Method, path: &str, token: &str, kind: &str, body: Value) -> Resp {
        let sep = if path.contains('?') { '&' } else { '?' };
        let uri = format!("{path}{sep}access_token={token}&access_type={kind}");
        if body.is_null() {
            self.app
                .call(method, &uri, None, None, axum::body::Body::empty())
                .await
        } else {
            self.app.json(method, &uri, None, body).await
        }
    }

    async fn org(&self, method: Method, path: &str, body: Value) -> Resp {
        self.call(method, path, &self.org, "org", body).await
    }

    async fn user(&self, method: Method, path: &str, body: Value) -> Resp {
        self.call(method, path, &self.user, "user", body).await
    }

    async fn create(&self, kind: &str, body: Value) -> i64 {
        let resp = self
            .org(Method::POST, &format!("/api/v3/activitys_{kind}"), body)
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        resp.json()["data"]["activity_id"].as_i64().unwrap()
    }

    async fn meeting(&self, name: &str) -> i64 {
        let resp = self
            .org(Method::POST, "/api/v3/meetings", json!({"name": name}))
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        resp.json()["data"]["id"].as_i64().unwrap()
    }
}

fn ok(msg: &str, data: Value) -> Value {
    json!({"code": 0, "msg": msg, "data": data})
}

#[tokio::test]
async fn the_seeds_h5_endpoints_answer_exactly() {
    let c = ctx().await;
    let meeting = c.meeting("年会").await;
    let id = c
        .create(
            "signin",
            json!({"activity_name": "年会签到", "background": "http://a.com/bg.png", "logo": "http://a.com/logo.png",
                   "music": "http://a.com/m.mp3", "permission": meeting, "collect_info": "phone,name",
                   "close_time": "2099-12-31 18:00:00"}),
        )
        .await;
    for prefix in ["/api/v3", ""] {
        let base = format!("{prefix}/activitys_for_wx/{id}");
        let resp = c
            .user(Method::GET, &format!("{base}/wx/auth_meeting"), Value::Null)
            .await;
        assert_eq!(resp.json(), ok("成功获取", json!(meeting)));
        let resp = c
            .org(Method::GET, &format!("{base}/wx/collect_info"), Value::Null)
            .await;
        assert_eq!(resp.json(), ok("成功获取", json!("phone,name")));
        let resp = c
            .org(Method::POST, &format!("{base}/exist"), Value::Null)
            .await;
        assert_eq!(resp.json(), ok("查询活动是否存在成功", json!(true)));
        let resp = c.org(Method::GET, &base, Value::Null).await;
        assert_eq!(
            resp.json(),
            ok(
                "查询成功",
                json!({"activity_id": id.to_string(), "activity_name": "年会签到",
                "background": "http://a.com/bg.png", "logo": "http://a.com/logo.png",
                "music": "http://a.com/m.mp3", "permission": meeting.to_string(),
                "collect_info": "phone,name", "close_time": "2099-12-31 18:00:00"})
            )
        );
        let resp = c
            .org(Method::GET, &format!("{base}/wx/hasJoin/m-1"), Value::Null)
            .await;
        assert_eq!(resp.json(), ok("成功获取", json!(0)));
    }
    // Open activity: the seed's userInfo sample, then hasJoin as the seed calls it (query).
    let open = c
        .create("message", json!({"activity_name": "留言墙"}))
        .await;
    let resp = c
        .org(
            Method::POST,
            &format!("/api/v3/activitys_for_wx/{open}/wx/userInfo"),
            json!({"member_icon": "xxx", "member_nickname": "abc", "member_id": "xxxx"}),
        )
        .await;
    assert_eq!(resp.json(), ok("提交用户微信信息成功", json!("xxxx")));
    let resp = c
        .org(
            Method::GET,
            &format!("/activitys_for_wx/{open}/wx/hasJoin?member_id=xxxx"),
            Value::Null,
        )
        .await;
    assert_eq!(resp.json(), ok("成功获取", json!(1)));
    // Unknown and foreign activities.
    let resp = c
        .org(
            Method::POST,
            "/api/v3/activitys_for_wx/99999/exist",
            Value::Null,
        )
        .await;
    assert_eq!(resp.json(), ok("查询活动是否存在成功", json!(false)));
    let resp = c
        .call(
            Method::POST,
            &format!("/api/v3/activitys_for_wx/{open}/exist"),
            &c.other_org,
            "org",
            Value::Null,
        )
        .await;
    assert_eq!(
        resp.json(),
        ok("查询活动是否存在成功", json!(false)),
        "another org's is as good as missing"
    );
    let resp = c
        .call(
            Method::GET,
            &format!("/api/v3/activitys_for_wx/{open}"),
            &c.other_org,
            "org",
            Value::Null,
        )
        .await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    assert_eq!(resp.json(), activity_error("活动不存在"));
    let resp = c
        .org(Method::GET, "/api/v3/activitys_for_wx/abc", Value::Null)
        .await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    // Wrong access_type for the token.
    let resp = c
        .call(
            Method::GET,
            &format!("/api/v3/activitys_for_wx/{open}"),
            &c.org,
            "user",
            Value::Null,
        )
        .await;
    assert_eq!(resp.status, StatusCode::UNAUTHORIZED);
    let resp = c
        .call(
            Method::GET,
            &format!("/api/v3/activitys_for_wx/{open}"),
            &c.org,
            "admin",
            Value::Null,
        )
        .await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn joining_follows_the_activitys_rules() {
    let c = ctx().await;
    let meeting = c.meeting("股东大会").await;
    for body in [
        json!({"name": "张三", "phone": "13145738791"}),
        json!({"name": "李四", "member_no": "E-007"}),
    ] {
        let resp = c
            .org(
                Method::POST,
                &format!("/api/v3/meetings/{meeting}/members"),
                body,
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    }
    let id = c
        .create(
            "signin",
            json!({"activity_name": "签到", "permission": meeting, "collect_info": "name,phone"}),
        )
        .await;
    let join = |member: &str, name: &str, phone: &str| json!({"member_id": member, "member_nickname": "昵称", "member_real_name": name, "member_phone": phone});
    let path = format!("/api/v3/activitys_for_wx/{id}/wx/userInfo");
    for (body, status, msg) in [
        (
            join("m1", "", "13145738791"),
            400,
            "请填写姓名(member_real_name)",
        ),
        (join("m1", "张三", ""), 400, "请填写手机号码(member_phone)"),
        (
            join("m1", "张三", "12345"),
            400,
            "member_phone 格式错误,应为 11 位中国大陆手机号码",
        ),
        (
            join("m1", &"名".repeat(33), "13145738791"),
            400,
            "member_real_name 最长 32 个字符",
        ),
        (
            join("m1", "王五", "13900000000"),
            403,
            "您不在本次会议的名单中,无法参与",
        ),
        (
            join("bad id", "张三", "13145738791"),
            400,
            "member_id 应为 1 到 64 个可见字符(不含空格)",
        ),
    ] {
        let resp = c.org(Method::POST, &path, body.clone()).await;
        assert_eq!(resp.status.as_u16(), status, "{body}: {}", resp.text);
        assert_eq!(resp.json(), activity_error(msg), "{body}");
    }
    // On the roster by phone, and by member number.
    let resp = c
        .org(Method::POST, &path, join("m1", "张三", "13145738791"))
        .await;
    assert_eq!(resp.json(), ok("提交用户微信信息成功", json!("m1")));
    let resp = c
        .org(Method::POST, &path, join("E-007", "李四", "13900000001"))
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    // Joining again updates, never duplicates — also 30 at once.
    let app = std::sync::Arc::new(c);
    let mut tasks = Vec::new();
    for i in 0..30 {
        let c = app.clone();
        let path = path.clone();
        tasks.push(tokio::spawn(async move {
            c.org(Method::POST, &path, json!({"member_id": "m1", "member_nickname": format!("新昵称{i}"),
                                               "member_real_name": "张三", "member_phone": "13145738791"}))
                .await
                .status
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::OK);
    }
    let c = app;
    let counts = c
        .org(
            Method::GET,
            &format!("/api/v3/activitys/{id}/counts"),
            Value::Null,
        )
        .await;
    assert_eq!(
        counts.json(),
        ok("查询成功", json!({"joined": 2, "signed_in": 2})),
        "joining a signin activity signs in"
    );
    let members = c
        .org(
            Method::GET,
            &format!("/api/v3/activitys/{id}/members?search=张&page=1&page_size=10"),
            Value::Null,
        )
        .await
        .json();
    assert_eq!(members["data"]["total_count"], 1);
    let m = &members["data"]["items"][0];
    assert_eq!(m["member_id"], "m1");
    assert_eq!(
        m["member_phone"], "13145738791",
        "the back office sees it whole"
    );
    assert!(m["member_nickname"].as_str().unwrap().starts_with("新昵称"));
    assert_ne!(m["signin_time"], "");

    // Closed: by time or by state.
    let closed = c
        .create(
            "signin",
            json!({"activity_name": "已截止", "close_time": "2020-01-01 00:00:00"}),
        )
        .await;
    let resp = c
        .org(
            Method::POST,
            &format!("/api/v3/activitys_for_wx/{closed}/wx/userInfo"),
            json!({"member_id": "m9"}),
        )
        .await;
    assert_eq!(resp.json(), activity_error("活动已截止,无法参与"));
    // A user token acts only as its own user.
    let open = c.create("lottery", json!({"activity_name": "抽奖"})).await;
    let path = format!("/api/v3/activitys_for_wx/{open}/wx/userInfo");
    let resp = c
        .user(Method::POST, &path, json!({"member_id": "someone-else"}))
        .await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);
    let resp = c
        .user(Method::POST, &path, json!({"member_nickname": "我"}))
        .await;
    assert_eq!(resp.json(), ok("提交用户微信信息成功", json!(USER)));
    let resp = c
        .user(
            Method::GET,
            &format!("/api/v3/activitys_for_wx/{open}/wx/hasJoin"),
            Value::Null,
        )
        .await;
    assert_eq!(resp.json(), ok("成功获取", json!(1)));
    let counts = c
        .org(
            Method::GET,
            &format!("/api/v3/activitys/{open}/counts"),
            Value::Null,
        )
        .await;
    assert_eq!(
        counts.json()["data"],
        json!({"joined": 1, "signed_in": 0}),
        "joining a lottery is not signing in"
    );
}

#[tokio::test]
async fn the_course_sync_signs_in_to_the_courses_signin_activities() {
    let c = ctx().await;
    let course = c
        .org(
            Method::POST,
            "/api/v3/courses",
            json!({"name": "Rust 入门"}),
        )
        .await
        .json()["data"]["id"]
        .as_i64()
        .unwrap();
    let s1 = c
        .create(
            "signin",
            json!({"activity_name": "第一课", "course_id": course}),
        )
        .await;
    let s2 = c
        .create(
            "signin",
            json!({"activity_name": "第二课", "course_id": course}),
        )
        .await;
    let lottery = c
        .create(
            "lottery",
            json!({"activity_name": "课后抽奖", "course_id": course}),
        )
        .await;
    for _ in 0..2 {
        let resp = c
            .org(
                Method::POST,
                &format!("/activitys_for_wx/course/{course}/signinInfo"),
                json!({"member_id": "1", "member_icon": "xxx", "member_nickname": "xxx"}),
            )
            .await;
        assert_eq!(resp.json(), ok("查询成功", json!("1")));
    }
    for (id, signed) in [(s1, 1), (s2, 1), (lottery, 0)] {
        let counts = c
            .org(
                Method::GET,
                &format!("/api/v3/activitys/{id}/counts"),
                Value::Null,
            )
            .await;
        assert_eq!(
            counts.json()["data"],
            json!({"joined": signed, "signed_in": signed}),
            "{id}"
        );
    }
    let list = c
        .org(
            Method::GET,
            &format!("/api/v3/activitys_signin?course_id={course}"),
            Value::Null,
        )
        .await
        .json();
    assert_eq!(list["data"]["total_count"], 2);
    let resp = c
        .call(
            Method::POST,
            &format!("/activitys_for_wx/course/{course}/signinInfo"),
            &c.other_org,
            "org",
            json!({"member_id": "1"}),
        )
        .await;
    assert_eq!(resp.json(), activity_error("课程不存在"));

    // A user token cannot sync itself in (a closed, roster-only activity that collects a
    // name would be bypassed): the sync is the course server's, with the org's token.
    let closed = c
        .create(
            "signin",
            json!({"activity_name": "名单内", "course_id": course, "collect_info": "name"}),
        )
        .await;
    let resp = c
        .user(
            Method::POST,
            &format!("/activitys_for_wx/course/{course}/signinInfo"),
            json!({"member_icon": "xxx", "member_nickname": "xxx"}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);
    assert_eq!(
        resp.json(),
        activity_error("课程签到同步仅限机构凭证(access_type=org),参与者请通过 userInfo 参与活动")
    );
    let counts = c
        .org(
            Method::GET,
            &format!("/api/v3/activitys/{closed}/counts"),
            Value::Null,
        )
        .await;
    assert_eq!(counts.json()["data"], json!({"joined": 0, "signed_in": 0}));

    let resp = c
        .org(
            Method::DELETE,
            &format!("/api/v3/courses/{course}"),
            Value::Null,
        )
        .await;
    assert_eq!(resp.status, StatusCode::CONFLICT, "{}", resp.text);
}

#[tokio::test]
async fn the_back_office_manages_an_orgs_own_activities() {
    let c = ctx().await;
    let id = c
        .create(
            "signin",
            json!({"activity_name": "晨会签到", "collect_info": "name"}),
        )
        .await;
    c.create("signin", json!({"activity_name": "晚会签到"}))
        .await;
    c.create("lottery", json!({"activity_name": "晨会抽奖"}))
        .await;
    let list = c
        .org(
            Method::GET,
            "/api/v3/activitys_signin?name=晨会",
            Value::Null,
        )
        .await
        .json();
    assert_eq!(list["data"]["total_count"], 1);
    assert_eq!(list["data"]["items"][0]["activity_type"], "signin");
    let resp = c
        .org(
            Method::PUT,
            &format!("/api/v3/activitys_signin/{id}"),
            json!({"state": "closed", "close_time": ""}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(resp.json()["data"]["state"], "closed");
    assert_eq!(
        resp.json()["data"]["activity_name"],
        "晨会签到",
        "absent fields are kept"
    );
    let list = c
        .org(
            Method::GET,
            "/api/v3/activitys_signin?state=closed",
            Value::Null,
        )
        .await
        .json();
    assert_eq!(list["data"]["total_count"], 1);
    // A signin activity is not found under the lottery path, nor by another org.
    let resp = c
        .org(
            Method::GET,
            &format!("/api/v3/activitys_lottery/{id}"),
            Value::Null,
        )
        .await;
    assert_eq!(resp.json(), activity_error("活动不存在"));
    let resp = c
        .call(
            Method::DELETE,
            &format!("/api/v3/activitys_signin/{id}"),
            &c.other_org,
            "org",
            Value::Null,
        )
        .await;
    assert_eq!(resp.json(), activity_error("活动不存在"));
    let resp = c
        .user(Method::GET, "/api/v3/activitys_signin", Value::Null)
        .await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);
    let other_meeting = {
        let resp = c
            .call(
                Method::POST,
                "/api/v3/meetings",
                &c.other_org,
                "org",
                json!({"name": "别人的会"}),
            )
            .await;
        resp.json()["data"]["id"].as_i64().unwrap()
    };
    for (body, msg) in [
        (json!({}), "缺少参数 activity_name".to_string()),
        (
            json!({"activity_name": "x".repeat(65)}),
            "activity_name 最长 64 个字符".into(),
        ),
        (
            json!({"activity_name": "x", "collect_info": "email"}),
            "collect_info 只能包含 name、phone 和 department,用逗号隔开".into(),
        ),
        (
            json!({"activity_name": "x", "close_time": "明天"}),
            "close_time 格式错误,应为 yyyy-MM-dd HH:mm:ss".into(),
        ),
        (
            json!({"activity_name": "x", "logo": "javascript:alert(1)"}),
            "logo 应为 http 或 https 链接".into(),
        ),
        (
            json!({"activity_name": "x", "permission": other_meeting}),
            format!("会议 {other_meeting} 不存在"),
        ),
        (
            json!({"activity_name": "x", "state": "paused"}),
            "state 只能是 open 或 closed".into(),
        ),
    ] {
        let resp = c
            .org(Method::POST, "/api/v3/activitys_message", body.clone())
            .await;
        assert_eq!(resp.json(), activity_error(&msg), "{body}");
    }
    let resp = c
        .org(
            Method::DELETE,
            &format!("/api/v3/activitys_signin/{id}"),
            Value::Null,
        )
        .await;
    assert_eq!(resp.json(), ok("删除成功", json!(true)));
    let resp = c
        .org(
            Method::GET,
            &format!("/api/v3/activitys_signin/{id}"),
            Value::Null,
        )
        .await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn rosters_are_an_orgs_own_and_refuse_duplicates() {
    let c = ctx().await;
    let meeting = c.meeting("董事会").await;
    let path = format!("/api/v3/meetings/{meeting}/members");
    let resp = c
        .org(
            Method::POST,
            &path,
            json!({"name": "张三", "phone": "13145738791", "member_no": "A1"}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let member = resp.json()["data"]["id"].as_i64().unwrap();
    for (body, status, msg) in [
        (
            json!({"name": "张三", "phone": "13145738791"}),
            409,
            "名单中已有相同的手机号或编号",
        ),
        (
            json!({"name": "赵六"}),
            400,
            "phone 与 member_no 至少提供一个",
        ),
        (
            json!({"phone": "13145738799"}),
            400,
            "name 需要 1 到 32 个字符",
        ),
        (
            json!({"name": "钱七", "phone": "110"}),
            400,
            "phone 格式错误,应为 11 位中国大陆手机号码",
        ),
    ] {
        let resp = c.org(Method::POST, &path, body.clone()).await;
        assert_eq!(resp.status.as_u16(), status, "{body}: {}", resp.text);
        assert_eq!(resp.json(), activity_error(msg), "{body}");
    }
    let list = c.org(Method::GET, &path, Value::Null).await.json();
    assert_eq!(list["data"]["total_count"], 1);
    assert_eq!(list["data"]["items"][0]["phone"], "13145738791");
    let resp = c
        .call(Method::GET, &path, &c.other_org, "org", Value::Null)
        .await;
    assert_eq!(resp.json(), activity_error("会议不存在"));
    let resp = c
        .org(Method::DELETE, &format!("{path}/{member}"), Value::Null)
        .await;
    assert_eq!(resp.json(), ok("删除成功", json!(true)));
    let resp = c
        .org(Method::DELETE, &format!("{path}/{member}"), Value::Null)
        .await;
    assert_eq!(resp.json(), activity_error("名单中没有该成员"));
}

#[tokio::test]
async fn the_back_office_answers_without_the_api_prefix_too() {
    let c = ctx().await;
    // As the sibling documents' titles name it: POST /activitys_signin, /activitys_message.
    for kind in ["signin", "message"] {
        let resp = c
            .org(
                Method::POST,
                &format!("/activitys_{kind}"),
                json!({"activity_name": "无前缀"}),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        assert_eq!(resp.json()["code"], 0);
        let id = resp.json()["data"]["activity_id"].as_i64().unwrap();
        let same = c
            .org(
                Method::GET,
                &format!("/api/v3/activitys_{kind}/{id}"),
                Value::Null,
            )
            .await;
        assert_eq!(same.status, StatusCode::OK, "{}", same.text);
        let listed = c
            .org(Method::GET, &format!("/activitys_{kind}"), Value::Null)
            .await;
        assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    }
    // Another org's activity is as unknown there as under /api/v3; bad tokens the same 401.
    let other = c
        .call(Method::GET, "/meetings", &c.other_org, "org", Value::Null)
        .await;
    assert_eq!(other.status, StatusCode::OK, "{}", other.text);
    let unknown = c.org(Method::GET, "/meetings/999999", Value::Null).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.json()["code"], 1);
    let wrong_method = c.org(Method::PATCH, "/activitys_signin", Value::Null).await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(wrong_method.json()["code"], 1);
    let nothing = c.app.get("/activitys_nothing", None).await;
    assert_eq!(nothing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn access_token_and_type_may_come_in_the_body() {
    let c = ctx().await;
    // JSON body.
    let resp = c
        .app
        .json(
            Method::POST,
            "/api/v3/activitys_signin",
            None,
            json!({"activity_name": "令牌在体内", "access_token": c.org, "access_type": "org"}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let id = resp.json()["data"]["activity_id"].as_i64().unwrap();
    // Form body.
    let resp = c
        .app
        .form(
            &format!("/activitys_for_wx/{id}/wx/userInfo"),
            &[
                ("access_token", c.user.as_str()),
                ("access_type", "user"),
                ("member_nickname", "表单"),
            ],
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(resp.json()["data"], USER);
    // Multipart body.
    let (ct, body) = crate::fans::multipart(
        &[
            ("access_token", c.org.as_str()),
            ("access_type", "org"),
            ("activity_name", "多部分"),
        ],
        None,
    );
    let resp = c
        .app
        .call(
            Method::POST,
            "/api/v3/activitys_message",
            None,
            Some(&ct),
            body,
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    // A wrong token in the body is refused as in the query; none at all is 401 too.
    let resp = c
        .app
        .json(
            Method::POST,
            "/api/v3/activitys_signin",
            None,
            json!({"activity_name": "x", "access_token": "forged", "access_type": "org"}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::UNAUTHORIZED);
    let resp = c
        .app
        .json(
            Method::POST,
            "/api/v3/activitys_signin",
            None,
            json!({"activity_name": "x"}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::UNAUTHORIZED);
    assert_eq!(resp.json(), activity_error("缺少访问凭证 access_token"));
}

#[tokio::test]
async fn avatar_links_must_be_http() {
    let c = ctx().await;
    let id = c.create("signin", json!({"activity_name": "头像"})).await;
    for bad in [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,x",
        "vbscript:x",
    ] {
        let resp = c
            .user(
                Method::POST,
                &format!("/activitys_for_wx/{id}/wx/userInfo"),
                json!({"member_icon": bad}),
            )
            .await;
        assert_eq!(
            resp.json(),
            activity_error("member_icon 应为 http:// 或 https:// 开头的链接"),
            "{bad}"
        );
    }
    for good in ["https://thirdwx.qlogo.cn/a/132", "http://x.cn/a.png", "xxx"] {
        let resp = c
            .user(
                Method::POST,
                &format!("/activitys_for_wx/{id}/wx/userInfo"),
                json!({"member_icon": good}),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{good}: {}", resp.text);
    }
}
