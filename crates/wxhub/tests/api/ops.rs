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
