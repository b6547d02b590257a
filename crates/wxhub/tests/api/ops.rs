use crate::helpers::*;
use axum::http::StatusCode;

#[tokio::test]
async fn health_readiness_and_metrics() {
    let app = TestApp::new().await;
    assert_eq!(app.get("/healthz", None).await.json()["status"], "ok");
    assert_eq!(app.get("/readyz", None).await.json()["status"], "ready");
    app.get("/oauth2/ums/oauth2/tokenInfo", None).await;
    let metrics = app.get("/metrics", None).await;
    assert!(metrics.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    assert!(
        metrics.text.contains(
            "wxhub_http_requests_total{route=\"/oauth2/ums/oauth2/tokenInfo\",method=\"GET\",status=\"401\"} 1"
        ),
        "{}",
        metrics.text
    );
    assert!(metrics
        .text
        .contains("wxhub_http_request_duration_seconds_bucket{route=\"/healthz\""));
}

#[tokio::test]
async fn odd_methods_do_not_grow_the_metrics() {
    let app = TestApp::new().await;
    for i in 0..300 {
        let method = axum::http::Method::from_bytes(format!("ODD{i}").as_bytes()).unwrap();
        let resp = app
            .call(method, "/healthz", None, None, axum::body::Body::empty())
            .await;
        assert!(resp.status.is_client_error(), "{}", resp.status);
    }
    let metrics = app.get("/metrics", None).await.text;
    assert!(!metrics.contains("ODD"), "{metrics}");
    assert!(
        metrics.contains("method=\"other\",status=\"405\"} 300"),
        "{metrics}"
    );
}

#[tokio::test]
async fn openapi_documents_every_route_and_docs_work_offline() {
    let app = TestApp::new().await;
    let doc = app.get("/openapi.json", None).await.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/oauth2/ums/oauth2/accessToken",
        "/oauth2/ums/oauth2/tokenInfo",
        "/.well-known/jwks.json",
        "/api/v3/whoami",
        "/mpwechat/wx/application/getAll",
        "/admin/api/v1/orgs",
        "/admin/api/v1/orgs/{id}",
        "/admin/api/v1/orgs/{id}/ports",
        "/admin/api/v1/orgs/{id}/ports/{port_id}",
        "/admin/api/v1/clients/{id}/revoke",
        "/admin/api/v1/clients/{id}/secret",
        "/admin/api/v1/ports/{id}",
        "/admin/api/v1/applications/{id}",
        "/admin/api/v1/keys/rotate",
        "/admin/api/v1/keys/{kid}/retire",
        "/admin/api/v1/fans",
        "/admin/api/v1/users",
        "/api/v3/activitys/{id}/desk",
        "/api/v3/activitys_lottery/{id}/rounds",
        "/api/v3/images",
        "/media/{name}",
        "/healthz",
        "/readyz",
        "/metrics",
    ] {
        assert!(
            paths.contains_key(p),
            "{p} missing from the OpenAPI document"
        );
    }
    let docs = app.get("/docs", None).await;
    assert_eq!(docs.status, StatusCode::OK);
    assert!(docs.text.contains("/openapi.json"));
    assert!(!docs.text.contains("https://"), "no external assets");
}

#[tokio::test]
async fn the_bare_baseline_is_mounted_only_for_benchmarks() {
    let app = TestApp::new().await;
    assert_eq!(
        app.get("/bench/bare", None).await.status,
        StatusCode::NOT_FOUND
    );
    let app = TestApp::with(|c| c.bench_baseline = true).await;
    assert_eq!(app.get("/bench/bare", None).await.status, StatusCode::OK);
}

/// Issue 19: one client past its rate gets 429 in its family's envelope; the others go on.
#[tokio::test]
async fn one_client_past_its_rate_gets_429_and_the_others_go_on() {
    use axum::http::Method;
    // One request a second after a burst of ten: the eleventh is refused unless a whole second
    // passed since the first (not 200 ms, which a loaded machine can take for ten requests).
    let app = TestApp::with(|c| {
        c.rate_limit_per_client = 1;
        c.rate_limit_burst = 10;
    })
    .await;
    let greedy = app.token(&app.client("platform", None).await).await;
    let other = app.token(&app.client("platform", None).await).await;
    let get_all = |token: &str| {
        let token = token.to_string();
        let app = &app;
        async move {
            app.call(
                Method::POST,
                "/mpwechat/wx/application/getAll",
                Some(&token),
                None,
                axum::body::Body::empty(),
            )
            .await
        }
    };
    for _ in 0..10 {
        assert_eq!(get_all(&greedy).await.status, 200);
    }
    let refused = get_all(&greedy).await;
    assert_eq!(refused.status, 429);
    assert_eq!(
        refused.json(),
        marketing_error(429, "请求过于频繁:每个客户端每秒最多 1 次请求,请稍后再试")
    );
    assert_eq!(
        get_all(&other).await.status,
        200,
        "another client is not starved"
    );
    // The bucket refills: waited for, not slept on.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while get_all(&greedy).await.status != 200 {
        assert!(
            std::time::Instant::now() < deadline,
            "the bucket never refilled"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    // The activity API's org clients alike, in its envelope.
    let org = app.org("限流机构").await;
    let org_token = app.token(&app.client("org", Some(org)).await).await;
    let list = as_org("/api/v3/activitys_signin", &org_token);
    for _ in 0..10 {
        assert_eq!(app.get(&list, None).await.status, 200);
    }
    let refused = app.get(&list, None).await;
    assert_eq!(refused.status, 429);
    assert_eq!(
        refused.json(),
        activity_error("请求过于频繁:每个客户端每秒最多 1 次请求,请稍后再试")
    );
}
