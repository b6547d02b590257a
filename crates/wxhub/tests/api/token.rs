use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn token_endpoint_answers_the_seed_shape_and_a_verifiable_rs256_jwt() {
    let app = TestApp::new().await;
    let creds = app.client("platform-admin", None).await;
    let resp = app.token_response(&creds, "true").await;
    assert_eq!(resp.status, StatusCode::OK);
    let body = resp.json();
    let token = body["result"]["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        body,
        json!({"success": 1, "messageCode": 200, "message": "操作成功!",
               "result": {"access_token": token, "expires_in": "7200000"},
               "items": null, "totalCount": 0})
    );
    let (header, claims) = jwt_parts(&token);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["typ"], "JWT");
    let kid = header["kid"].as_str().unwrap();
    assert!(!kid.is_empty());
    let keys: Vec<&String> = claims.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 6, "claims are exactly the seed's: {claims}");
    assert_eq!(claims["applicationKey"], "wechatcp");
    assert_eq!(claims["iss"], "cms");
    assert_eq!(claims["userName"], creds.client_id.as_str());
    assert_eq!(claims["grantType"], "clientCredentials");
    assert_eq!(
        claims["exp"].as_i64().unwrap(),
        claims["iat"].as_i64().unwrap() + 7200
    );

    // Verify independently with the published JWKS.
    let jwks = app.get("/.well-known/jwks.json", None).await.json();
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid)
        .expect("kid published");
    assert_eq!(jwk["kty"], "RSA");
    assert_eq!(jwk["alg"], "RS256");
    let key = jsonwebtoken::DecodingKey::from_rsa_components(
        jwk["n"].as_str().unwrap(),
        jwk["e"].as_str().unwrap(),
    )
    .unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.validate_aud = false;
    let decoded =
        jsonwebtoken::decode::<serde_json::Value>(&token, &key, &validation).expect("verifies");
    assert_eq!(decoded.claims, claims);
}

#[tokio::test]
async fn parameters_are_accepted_as_form_json_or_query() {
    let app = TestApp::new().await;
    let creds = app.client("platform-admin", None).await;
    let json_resp = app
        .json(
            Method::POST,
            "/oauth2/ums/oauth2/accessToken",
            None,
            json!({"grant_type": "client_credentials", "autoRefresh": true,
                   "applicationKey": "wechatcp", "client_id": creds.client_id,
                   "client_secret": creds.secret}),
        )
        .await;
    assert_eq!(json_resp.status, StatusCode::OK, "{}", json_resp.text);
    let query = creds.token_form("true");
    let query_resp = app
        .call(
            Method::POST,
            &format!("/oauth2/ums/oauth2/accessToken?{query}"),
            None,
            None,
            "",
        )
        .await;
    assert_eq!(query_resp.status, StatusCode::OK, "{}", query_resp.text);
    assert_eq!(
        json_resp.json()["result"]["access_token"],
        query_resp.json()["result"]["access_token"]
    );
}

#[tokio::test]
async fn auto_refresh_reuses_the_current_token_and_false_always_mints() {
    let app = TestApp::new().await;
    let creds = app.client("platform-admin", None).await;
    let first = app.token(&creds).await;
    assert_eq!(app.tokens_minted(&creds).await, 1);
    let again = app.token(&creds).await;
    assert_eq!(first, again);
    assert_eq!(app.tokens_minted(&creds).await, 1);
    let forced = app.token_response(&creds, "false").await;
    assert_eq!(forced.status, StatusCode::OK);
    assert_eq!(forced.json()["result"]["expires_in"], "7200000");
    assert_eq!(app.tokens_minted(&creds).await, 2);
    app.token_response(&creds, "false").await;
    assert_eq!(app.tokens_minted(&creds).await, 3);
}

#[tokio::test]
async fn auto_refresh_mints_anew_inside_the_margin() {
    let app = TestApp::with(|c| c.auth.refresh_margin_secs = 7199).await;
    let creds = app.client("platform-admin", None).await;
    let first = app.token(&creds).await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let second = app.token(&creds).await;
    assert_ne!(first, second, "less than the margin was left");
    assert_eq!(app.tokens_minted(&creds).await, 2);
    // The reused token reports the time it has left, in milliseconds.
    let resp = app.token_response(&creds, "true").await.json();
    let left: i64 = resp["result"]["expires_in"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(left > 7_199_000 && left <= 7_200_000, "{left}");
}

#[tokio::test]
async fn every_wrong_credential_answers_the_same_401() {
    let app = TestApp::new().await;
    let creds = app.client("platform-admin", None).await;
    let revoked = app.client("platform-admin", None).await;
    wxhub::admin::clients::revoke(&app.state.store, revoked.id)
        .await
        .unwrap();
    let cases: Vec<[(&str, String); 4]> = vec![
        [
            ("grant_type", "client_credentials".into()),
            ("applicationKey", "wechatcp".into()),
            ("client_id", creds.client_id.clone()),
            ("client_secret", "wrong-secret-wrong-secret".into()),
        ],
        [
            ("grant_type", "client_credentials".into()),
            ("applicationKey", "wechatcp".into()),
            ("client_id", "NO-SUCH-CLIENT".into()),
            ("client_secret", creds.secret.clone()),
        ],
        [
            ("grant_type", "client_credentials".into()),
            ("applicationKey", "otherapp".into()),
            ("client_id", creds.client_id.clone()),
            ("client_secret", creds.secret.clone()),
        ],
        [
            ("grant_type", "client_credentials".into()),
            ("applicationKey", "wechatcp".into()),
            ("client_id", revoked.client_id.clone()),
            ("client_secret", revoked.secret.clone()),
        ],
    ];
    for case in cases {
        let pairs: Vec<(&str, &str)> = case.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let resp = app.form("/oauth2/ums/oauth2/accessToken", &pairs).await;
        assert_eq!(resp.status, StatusCode::UNAUTHORIZED);
        assert_eq!(resp.json(), marketing_error(401, "客户端认证失败"));
    }
}

#[tokio::test]
async fn bad_requests_name_what_is_wrong() {
    let app = TestApp::new().await;
    let resp = app
        .form(
            "/oauth2/ums/oauth2/accessToken",
            &[("grant_type", "client_credentials"), ("client_id", "x")],
        )
        .await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert_eq!(resp.json(), marketing_error(400, "缺少参数 applicationKey"));
    let resp = app
        .form(
            "/oauth2/ums/oauth2/accessToken",
            &[
                ("grant_type", "password"),
                ("applicationKey", "wechatcp"),
                ("client_id", "x"),
                ("client_secret", "y"),
            ],
        )
        .await;
    assert_eq!(
        resp.json(),
        marketing_error(400, "grant_type 仅支持 client_credentials")
    );
    let resp = app
        .form(
            "/oauth2/ums/oauth2/accessToken",
            &[
                ("grant_type", "client_credentials"),
                ("autoRefresh", "maybe"),
                ("applicationKey", "wechatcp"),
                ("client_id", "x"),
                ("client_secret", "y"),
            ],
        )
        .await;
    assert_eq!(
        resp.json(),
        marketing_error(400, "参数 autoRefresh 格式错误")
    );
}

#[tokio::test]
async fn repeated_failures_are_throttled_per_client_and_per_address() {
    let app = TestApp::with(|c| {
        c.auth.max_failures_per_client = 3;
        c.auth.max_failures_per_address = 6;
    })
    .await;
    let creds = app.client("platform-admin", None).await;
    let wrong = Creds {
        id: creds.id,
        client_id: creds.client_id.clone(),
        secret: "not-the-secret-at-all".into(),
    };
    for _ in 0..3 {
        assert_eq!(
            app.token_response(&wrong, "true").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    // Further guesses wait; the right secret is still answered.
    let resp = app.token_response(&wrong, "true").await;
    assert_eq!(resp.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        resp.json(),
        marketing_error(429, "认证失败次数过多,请稍后再试")
    );
    assert_eq!(
        app.token_response(&creds, "true").await.status,
        StatusCode::OK
    );
    let resp = app.token_response(&wrong, "true").await;
    assert_eq!(resp.status, StatusCode::TOO_MANY_REQUESTS);
    // Five failures from this address so far; another client id makes the sixth (the
    // address limit), and the next guess of any client id waits.
    for (i, expected) in [
        (0, StatusCode::UNAUTHORIZED),
        (1, StatusCode::TOO_MANY_REQUESTS),
    ] {
        let other = Creds {
            id: 0,
            client_id: format!("OTHER-{i}"),
            secret: "nope-nope-nope-nope".into(),
        };
        assert_eq!(app.token_response(&other, "true").await.status, expected);
    }
    // The address is throttled: guesses from it wait, correct credentials do not.
    let fresh = app.client("platform-admin", None).await;
    assert_eq!(
        app.token_response(&fresh, "true").await.status,
        StatusCode::OK
    );
    let guess = Creds {
        secret: "wrong-wrong-wrong-wrong".into(),
        ..fresh
    };
    assert_eq!(
        app.token_response(&guess, "true").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

/// Failures from one address behind a trusted proxy do not throttle another address behind
/// it; X-Forwarded-For from a peer that is not a trusted proxy is ignored.
#[tokio::test]
async fn the_address_throttle_sees_through_trusted_proxies_only() {
    async fn attempt(base: &str, creds: &Creds, forwarded_for: &str) -> u16 {
        reqwest::Client::new()
            .post(format!("{base}/oauth2/ums/oauth2/accessToken"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-forwarded-for", forwarded_for)
            .body(creds.token_form("true"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }
    let guess = |i: usize| Creds {
        id: 0,
        client_id: format!("GUESS-{i}"),
        secret: "wrong-wrong-wrong-wrong".into(),
    };
    for (trusted, other_address_after) in [(vec!["127.0.0.1".to_string()], 401), (vec![], 429)] {
        let app = TestApp::with(|c| {
            c.auth.max_failures_per_address = 3;
            c.trusted_proxies = trusted.clone();
        })
        .await;
        let base = app.live().await;
        for i in 0..3 {
            assert_eq!(attempt(&base, &guess(i), "203.0.113.7").await, 401);
        }
        assert_eq!(attempt(&base, &guess(9), "203.0.113.7").await, 429);
        assert_eq!(
            attempt(&base, &guess(10), "198.51.100.1").await,
            other_address_after,
            "trusted proxies {trusted:?}"
        );
        // Correct credentials pass either way.
        let creds = app.client("platform-admin", None).await;
        assert_eq!(attempt(&base, &creds, "203.0.113.7").await, 200);
    }
}

#[tokio::test]
async fn fifty_simultaneous_auto_refresh_calls_mint_one_token() {
    let app = TestApp::new().await;
    let creds = app.client("platform-admin", None).await;
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let router = app.router.clone();
        let body = creds.token_form("true");
        tasks.push(tokio::spawn(async move {
            use http_body_util::BodyExt;
            use tower::ServiceExt;
            let req = axum::http::Request::post("/oauth2/ums/oauth2/accessToken")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(axum::body::Body::from(body))
                .unwrap();
            let resp = router.oneshot(req).await.unwrap();
            assert_eq!(resp.status(), StatusCode::OK);
            let bytes = resp.into_body().collect().await.unwrap().to_bytes();
            let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            v["result"]["access_token"].as_str().unwrap().to_string()
        }));
    }
    let mut tokens = Vec::new();
    for t in tasks {
        tokens.push(t.await.unwrap());
    }
    tokens.dedup();
    assert_eq!(tokens.len(), 1, "every caller got the same token");
    assert_eq!(app.tokens_minted(&creds).await, 1);
}

#[tokio::test]
async fn tokens_and_keys_survive_a_restart() {
    let app = TestApp::new().await;
    let creds = app.client("platform-admin", None).await;
    let token = app.token(&creds).await;
    let (header, _) = jwt_parts(&token);
    let app = app.restart().await;
    let info = app.get("/oauth2/ums/oauth2/tokenInfo", Some(&token)).await;
    assert_eq!(info.status, StatusCode::OK, "{}", info.text);
    assert_eq!(info.json()["result"]["clientId"], creds.client_id.as_str());
    assert_eq!(app.token(&creds).await, token, "the current token is kept");
    let again = app.token_response(&creds, "false").await.json();
    let (new_header, _) = jwt_parts(again["result"]["access_token"].as_str().unwrap());
    assert_eq!(new_header["kid"], header["kid"], "the same key signs");
}

#[tokio::test]
async fn the_stored_current_token_is_sealed_and_the_data_files_private() {
    let app = TestApp::new().await;
    let creds = app.client("platform-admin", None).await;
    let token = app.token(&creds).await;
    let row = wxhub::store::clients::get(&app.state.store, creds.id)
        .await
        .unwrap()
        .unwrap();
    let stored = row.current_token.unwrap();
    // Not the JWT (which starts with "eyJ"), nor anything holding it; random base64 may hold
    // "eyJ" anywhere else.
    assert!(
        !stored.contains(&token) && !stored.starts_with("eyJ"),
        "{stored}"
    );
    assert_eq!(app.token(&creds).await, token, "still answered again");
    assert_eq!(app.tokens_minted(&creds).await, 1);

    // A token stored in clear by an older version is not handed out: a fresh one replaces it.
    sqlx::query("UPDATE clients SET current_token = $1 WHERE id = $2")
        .bind(&token)
        .bind(creds.id)
        .execute(app.state.store.writer())
        .await
        .unwrap();
    app.state.auth.invalidate_client(&creds.client_id);
    app.token(&creds).await;
    assert_eq!(
        app.tokens_minted(&creds).await,
        2,
        "a fresh token was minted"
    );
    let row = wxhub::store::clients::get(&app.state.store, creds.id)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(row.current_token.as_deref(), Some(token.as_str()));

    #[cfg(unix)]
    if app.state.store.backend == wxhub::store::Backend::Sqlite {
        use std::os::unix::fs::PermissionsExt;
        let mode = |name: &str| {
            std::fs::metadata(app.dir.path().join(name))
                .unwrap()
                .permissions()
                .mode()
                & 0o777
        };
        for file in ["wxhub.db", "wxhub.db-wal", "secret.key"] {
            assert_eq!(mode(file), 0o600, "{file}");
        }
    }
}

#[cfg(unix)]
#[tokio::test]
async fn a_new_data_directory_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("fresh").join("data");
    let url = format!("sqlite://{}/wxhub.db", data.display());
    let mut config = test_config(&data, &url);
    config.data_dir = data.display().to_string();
    let state = wxhub::build_state(config).await.unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("wxhub.db")), 0o600);
    assert_eq!(mode(&data.join("wxhub.db-wal")), 0o600);
    state.store.close().await;
}

/// A log line per refused request, with the client_id as the client sent it — escaped, so that
/// a client_id with a line break cannot forge a log line.
#[tokio::test(flavor = "current_thread")]
async fn a_refused_client_id_is_logged_escaped() {
    use std::sync::{Arc, Mutex};
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let app = TestApp::new().await;
    let forged = Creds {
        id: 0,
        client_id: "evil\n2026-11-30T00:00:00Z  INFO admin logged in".into(),
        secret: "whatever-whatever".into(),
    };
    assert_eq!(
        app.token_response(&forged, "true").await.status,
        StatusCode::UNAUTHORIZED
    );
    let logs = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("token request refused"), "{logs}");
    assert!(logs.contains("evil\\n2026"), "{logs}");
    assert!(
        !logs.lines().any(|l| l.starts_with("2026-11-30T00:00:00Z")),
        "{logs}"
    );
}
