use crate::helpers::*;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::json;

const GET_ALL: &str = "/mpwechat/wx/application/getAll";

#[tokio::test]
async fn unknown_routes_and_wrong_methods_get_the_familys_envelope() {
    let app = TestApp::new().await;
    let resp = app.get("/mpwechat/wx/api/nothing", None).await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    assert_eq!(resp.json(), marketing_error(404, "接口不存在"));
    assert!(resp.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let resp = app.get("/api/v3/activitys_for_wx/nothing/here", None).await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    assert_eq!(resp.json(), activity_error("接口不存在"));
    let resp = app.get(GET_ALL, None).await;
    assert_eq!(resp.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(resp.json(), marketing_error(405, "请求方法不被允许"));
    let resp = app.get("/oauth2/ums/oauth2/accessToken", None).await;
    assert_eq!(resp.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn malformed_wrong_typed_and_oversized_bodies_are_clear_4xx() {
    let app = TestApp::with(|c| c.body_limit = 2048).await;
    let token = app.admin_token().await;
    let t = Some(token.as_str());
    let cases = [
        (
            "application/json",
            "{\"pageIndex\": ".to_string(),
            400,
            "请求体不是合法的 JSON",
        ),
        (
            "application/json",
            "[1,2,3]".to_string(),
            400,
            "请求体必须是 JSON 对象",
        ),
        (
            "application/json",
            "{\"pageSize\": \"ten\"}".to_string(),
            400,
            "参数 pageSize 格式错误",
        ),
        (
            "application/json",
            "{\"filters\": 5}".to_string(),
            400,
            "filters 格式错误,应为 [{field, operate, value}]",
        ),
        (
            "application/json",
            "{\"filters\": \"[{\\\"field\\\": 1}]\"}".to_string(),
            400,
            "filters 格式错误,应为 [{field, operate, value}]",
        ),
        (
            "text/plain",
            "hello".to_string(),
            415,
            "不支持的请求体格式,请使用 application/json 或 application/x-www-form-urlencoded",
        ),
        (
            "application/json",
            format!("{{\"x\": \"{}\"}}", "a".repeat(4096)),
            413,
            "请求体过大",
        ),
    ];
    for (ct, body, status, message) in cases {
        let resp = app
            .call(Method::POST, GET_ALL, t, Some(ct), body.clone())
            .await;
        assert_eq!(resp.status.as_u16(), status, "{body:.60}: {}", resp.text);
        assert_eq!(resp.json(), marketing_error(status, message), "{body:.60}");
    }
    // A body arriving without a length is limited too.
    let stream = futures_util::stream::iter(
        (0..10).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![b' '; 1024]))),
    );
    let resp = app
        .send(
            Request::post(GET_ALL)
                .header("Sso-Token", &token)
                .header("content-type", "application/json")
                .body(Body::from_stream(stream))
                .unwrap(),
        )
        .await;
    assert_eq!(resp.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn legacy_switch_answers_errors_with_http_200() {
    let app = TestApp::with(|c| c.legacy_http_200 = true).await;
    let resp = app.get("/oauth2/ums/oauth2/tokenInfo", None).await;
    assert_eq!(resp.status, StatusCode::OK);
    assert_eq!(resp.json(), marketing_error(401, "缺少访问凭证 Sso-Token"));
    let resp = app.get("/api/v3/nowhere", None).await;
    assert_eq!(resp.status, StatusCode::OK);
    assert_eq!(resp.json()["code"], 1);
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::new().await;
    let a = app.get("/healthz", None).await;
    let b = app.get("/nope", None).await;
    let ida = a.headers["x-request-id"].to_str().unwrap();
    let idb = b.headers["x-request-id"].to_str().unwrap();
    assert!(!ida.is_empty());
    assert_ne!(ida, idb);
    let echoed = app
        .send(
            Request::get("/healthz")
                .header("x-request-id", "caller-chosen-42")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(echoed.headers["x-request-id"], "caller-chosen-42");
    let unsafe_id = app
        .send(
            Request::get("/healthz")
                .header("x-request-id", "bad id\twith spaces")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_ne!(unsafe_id.headers["x-request-id"], "bad id\twith spaces");
}

#[tokio::test]
async fn internal_errors_answer_a_generic_500_envelope() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    // A statement the database refuses (its table is gone): an internal error, in words
    // that say nothing of it.
    sqlx::query("ALTER TABLE applications RENAME TO applications_gone")
        .execute(app.state.store.writer())
        .await
        .unwrap();
    let resp = app
        .json(Method::POST, GET_ALL, Some(&token), json!({"pageIndex": 1}))
        .await;
    assert_eq!(resp.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(resp.json(), marketing_error(500, "服务器内部错误"));

    // No database at all is not an internal error but an outage: 503 (tests/api/outage.rs).
    app.state.store.close().await;
    // The token is cached, the client row is not fresh: the database is needed and gone.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let resp = app
        .json(Method::POST, GET_ALL, Some(&token), json!({"pageIndex": 1}))
        .await;
    assert_eq!(resp.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        resp.json(),
        marketing_error(503, "数据库暂时不可用,请稍后再试")
    );
    let ready = app.get("/readyz", None).await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.json(), marketing_error(503, "数据库不可用"));
}
