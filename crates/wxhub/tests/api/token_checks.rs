use crate::helpers::*;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::json;
use wxhub::auth::tokens::{self, Claims};

const INFO: &str = "/oauth2/ums/oauth2/tokenInfo";

fn refused() -> serde_json::Value {
    marketing_error(401, "凭证无效或已过期")
}

fn claims_for(client_id: &str, app_key: &str, iat: i64, exp: i64) -> Claims {
    Claims {
        application_key: app_key.into(),
        iss: "cms".into(),
        user_name: client_id.into(),
        grant_type: "clientCredentials".into(),
        exp,
        iat,
    }
}

#[tokio::test]
async fn sso_token_or_bearer_is_required() {
    let app = TestApp::new().await;
    let creds = app.client("platform-admin", None).await;
    let token = app.token(&creds).await;
    let resp = app.get(INFO, None).await;
    assert_eq!(resp.status, StatusCode::UNAUTHORIZED);
    assert_eq!(resp.json(), marketing_error(401, "缺少访问凭证 Sso-Token"));
    assert_eq!(app.get(INFO, Some(&token)).await.status, StatusCode::OK);
    let bearer = app
        .send(
            Request::get(INFO)
                .header("Authorization", format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(bearer.status, StatusCode::OK);
    assert_eq!(
        bearer.json()["result"],
        json!({"clientId": creds.client_id, "scope": "platform-admin", "orgId": null})
    );
}

#[tokio::test]
async fn forged_tampered_and_foreign_tokens_are_refused() {
    let app = TestApp::new().await;
    let creds = app.client("platform-admin", None).await;
    let token = app.token(&creds).await;
    let parts: Vec<&str> = token.split('.').collect();
    let (header, claims) = jwt_parts(&token);

    // alg none, with and without a signature.
    let none_header = URL_SAFE_NO_PAD
        .encode(json!({"kid": header["kid"], "typ": "JWT", "alg": "none"}).to_string());
    for forged in [
        format!("{none_header}.{}.", parts[1]),
        format!("{none_header}.{}.{}", parts[1], parts[2]),
    ] {
        let resp = app.get(INFO, Some(&forged)).await;
        assert_eq!(resp.status, StatusCode::UNAUTHORIZED);
        assert_eq!(resp.json(), refused());
    }

    // HS256 keyed with the public key (the classic algorithm-confusion attack).
    let jwks = app.get("/.well-known/jwks.json", None).await.json();
    let n = jwks["keys"][0]["n"].as_str().unwrap().to_string();
    let mut hs_header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    hs_header.kid = header["kid"].as_str().map(String::from);
    for secret in [n.as_bytes().to_vec(), URL_SAFE_NO_PAD.decode(&n).unwrap()] {
        let forged = jsonwebtoken::encode(
            &hs_header,
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(&secret),
        )
        .unwrap();
        assert_eq!(
            app.get(INFO, Some(&forged)).await.status,
            StatusCode::UNAUTHORIZED
        );
    }

    // A tampered payload under the original signature.
    let mut tampered_claims = claims.clone();
    tampered_claims["exp"] = json!(claims["exp"].as_i64().unwrap() + 86400);
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(tampered_claims.to_string()),
        parts[2]
    );
    assert_eq!(
        app.get(INFO, Some(&tampered)).await.status,
        StatusCode::UNAUTHORIZED
    );

    // A real RS256 signature by a key wxhub does not know, under a known and an unknown kid.
    let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
    for kid in [header["kid"].as_str().unwrap(), "unknown-kid"] {
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(json!({"kid": kid, "typ": "JWT", "alg": "RS256"}).to_string()),
            parts[1]
        );
        let mut sig = vec![0u8; pair.public_modulus_len()];
        pair.sign(
            &aws_lc_rs::signature::RSA_PKCS1_SHA256,
            &aws_lc_rs::rand::SystemRandom::new(),
            signing_input.as_bytes(),
            &mut sig,
        )
        .unwrap();
        let foreign = format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig));
        assert_eq!(
            app.get(INFO, Some(&foreign)).await.status,
            StatusCode::UNAUTHORIZED
        );
    }

    for junk in ["", "abc", "a.b.c", "....", &"x".repeat(10_000)] {
        assert_eq!(
            app.get(INFO, Some(junk)).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    // The genuine token still works after all that.
    assert_eq!(app.get(INFO, Some(&token)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn expired_tokens_are_refused_even_when_cached() {
    let app = TestApp::new().await;
    let creds = app.client("platform-admin", None).await;
    let now = wxhub::time::now_secs();
    let keys = app.state.auth.keys.snapshot();
    let expired = tokens::mint(
        &keys,
        &claims_for(&creds.client_id, "wechatcp", now - 7300, now - 100),
    )
    .unwrap();
    assert_eq!(app.get(INFO, Some(&expired)).await.json(), refused());
    let short = tokens::mint(
        &keys,
        &claims_for(&creds.client_id, "wechatcp", now, now + 2),
    )
    .unwrap();
    assert_eq!(app.get(INFO, Some(&short)).await.status, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    assert_eq!(
        app.get(INFO, Some(&short)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn revoked_clients_and_mismatched_application_keys_are_refused() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    let creds = app.client("platform-admin", None).await;
    let token = app.token(&creds).await;
    assert_eq!(app.get(INFO, Some(&token)).await.status, StatusCode::OK);

    // A token whose applicationKey is not its client's.
    let now = wxhub::time::now_secs();
    let other_key = tokens::mint(
        &app.state.auth.keys.snapshot(),
        &claims_for(&creds.client_id, "someoneelse", now, now + 7200),
    )
    .unwrap();
    assert_eq!(
        app.get(INFO, Some(&other_key)).await.status,
        StatusCode::UNAUTHORIZED
    );

    // Changing the client's applicationKey invalidates its earlier tokens.
    let resp = app
        .json(
            Method::PUT,
            &format!("/admin/api/v1/clients/{}", creds.id),
            Some(&admin),
            json!({"applicationKey": "renamed"}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(
        app.get(INFO, Some(&token)).await.status,
        StatusCode::UNAUTHORIZED
    );

    let creds2 = app.client("platform-admin", None).await;
    let token2 = app.token(&creds2).await;
    let resp = app
        .call(
            Method::POST,
            &format!("/admin/api/v1/clients/{}/revoke", creds2.id),
            Some(&admin),
            None,
            "",
        )
        .await;
    assert_eq!(resp.json()["result"]["revoked"], true);
    assert_eq!(app.get(INFO, Some(&token2)).await.json(), refused());
    assert_eq!(
        app.token_response(&creds2, "true").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn rotated_keys_sign_and_old_keys_verify_until_retired() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    let creds = app.client("platform-admin", None).await;
    let old = app.token(&creds).await;
    let (old_header, _) = jwt_parts(&old);

    let rotated = app
        .call(
            Method::POST,
            "/admin/api/v1/keys/rotate",
            Some(&admin),
            None,
            "",
        )
        .await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.text);
    let new_kid = rotated.json()["result"]["kid"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(new_kid, old_header["kid"].as_str().unwrap());

    let fresh = app.token_response(&creds, "false").await.json();
    let fresh = fresh["result"]["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(jwt_parts(&fresh).0["kid"], new_kid.as_str());
    assert_eq!(app.get(INFO, Some(&old)).await.status, StatusCode::OK);
    let jwks = app.get("/.well-known/jwks.json", None).await.json();
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 2);

    let old_kid = old_header["kid"].as_str().unwrap();
    let retired = app
        .call(
            Method::POST,
            &format!("/admin/api/v1/keys/{old_kid}/retire"),
            Some(&admin),
            None,
            "",
        )
        .await;
    assert_eq!(retired.status, StatusCode::OK, "{}", retired.text);
    assert_eq!(
        app.get(INFO, Some(&old)).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.get(INFO, Some(&fresh)).await.status, StatusCode::OK);
    let jwks = app.get("/.well-known/jwks.json", None).await.json();
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 1);

    // The current token was signed by the retired key: autoRefresh hands out a new one.
    let renewed = app.token(&creds).await;
    assert_eq!(jwt_parts(&renewed).0["kid"], new_kid.as_str());
    assert_eq!(app.get(INFO, Some(&renewed)).await.status, StatusCode::OK);
    let admin = app.admin_token().await;
    // The last signing key cannot be retired.
    let last = app
        .call(
            Method::POST,
            &format!("/admin/api/v1/keys/{new_kid}/retire"),
            Some(&admin),
            None,
            "",
        )
        .await;
    assert_eq!(last.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn another_instance_picks_up_a_rotated_key_when_it_sees_its_kid() {
    let app = TestApp::new().await;
    let creds = app.client("platform-admin", None).await;
    // A second instance on the same database (as after `wxhub keys rotate` from the CLI).
    let other = wxhub::build_state(app.config.clone()).await.unwrap();
    let rotated = wxhub::auth::keys::rotate(&other.store, &other.secrets)
        .await
        .unwrap();
    other.auth.reload_keys().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let token = other
        .auth
        .grant(
            wxhub::auth::TokenRequest {
                grant_type: "client_credentials".into(),
                auto_refresh: false,
                application_key: "wechatcp".into(),
                client_id: creds.client_id.clone(),
                client_secret: creds.secret.clone(),
            },
            "test",
        )
        .await
        .unwrap()
        .access_token;
    // Signed with the rotated key, which this instance has not loaded yet.
    assert_eq!(jwt_parts(&token).0["kid"], rotated.kid.as_str());
    assert_eq!(app.get(INFO, Some(&token)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn activity_tokens_must_match_access_type() {
    let app = TestApp::new().await;
    let org = app.org("机构A").await;
    let org_creds = app.client("org", Some(org)).await;
    let org_token = app.token(&org_creds).await;
    let admin_token = app.admin_token().await;
    let user_token = app
        .state
        .auth
        .mint_user_token("692672045669941256", "wx32817247717e7333")
        .unwrap();

    let ok = app
        .get(
            &format!("/api/v3/whoami?access_token={org_token}&access_type=org"),
            None,
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(
        ok.json(),
        json!({"code": 0, "msg": "成功获取", "data": {"access_type": "org", "org_id": org, "user_id": null}})
    );
    let ok = app
        .get(
            &format!("/api/v3/whoami?access_token={user_token}&access_type=user"),
            None,
        )
        .await;
    assert_eq!(ok.json()["data"]["user_id"], "692672045669941256");

    for (token, kind) in [
        (&org_token, "user"),
        (&user_token, "org"),
        (&admin_token, "org"),
        (&admin_token, "user"),
    ] {
        let resp = app
            .get(
                &format!("/api/v3/whoami?access_token={token}&access_type={kind}"),
                None,
            )
            .await;
        assert_eq!(resp.status, StatusCode::UNAUTHORIZED, "{kind}");
        assert_eq!(resp.json(), activity_error("access_type 与凭证类型不符"));
    }
    let resp = app
        .get(
            &format!("/api/v3/whoami?access_token={org_token}&access_type=admin"),
            None,
        )
        .await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        resp.json(),
        activity_error("access_type 只能是 org 或 user")
    );
    let resp = app.get("/api/v3/whoami?access_type=org", None).await;
    assert_eq!(resp.json(), activity_error("缺少访问凭证 access_token"));
    // A user token is not an Sso-Token for the marketing API.
    assert_eq!(
        app.get(INFO, Some(&user_token)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_stored_token_of_a_retired_key_is_replaced_not_refused() {
    let app = TestApp::new().await;
    let creds = app.client("platform-admin", None).await;
    // The client's current token (autoRefresh=true only) is signed by the first key.
    let old = app.token(&creds).await;
    let old_kid = jwt_parts(&old).0["kid"].as_str().unwrap().to_string();
    let new_kid = wxhub::auth::keys::rotate(&app.state.store, &app.state.secrets)
        .await
        .unwrap()
        .kid;
    wxhub::auth::keys::retire(&app.state.store, &old_kid)
        .await
        .unwrap();
    app.state.auth.reload_keys().await.unwrap();
    let resp = app.token_response(&creds, "true").await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let renewed = resp.json()["result"]["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(jwt_parts(&renewed).0["kid"], new_kid.as_str());
    assert_eq!(app.get(INFO, Some(&renewed)).await.status, StatusCode::OK);
    // And it is the one handed out from now on.
    assert_eq!(app.token(&creds).await, renewed);
}

#[tokio::test]
async fn a_rotated_secret_never_gets_the_token_minted_under_the_old_one() {
    let app = TestApp::new().await;
    let creds = app.client("platform-admin", None).await;
    let before = app.token(&creds).await;
    let rotated = wxhub::admin::clients::rotate_secret(
        &app.state.store,
        creds.id,
        app.config.auth.argon2_memory_kib,
    )
    .await
    .unwrap();
    app.state.auth.invalidate_client(&creds.client_id);
    let creds = Creds {
        secret: rotated.client_secret,
        ..creds
    };
    // A token is minted anew. Minted within the same second as the first it would read the
    // same (same claims, a deterministic signature): wait for the next second, then it must
    // differ.
    let issued = jwt_parts(&before).1["iat"].as_i64().unwrap();
    while wxhub::time::now_secs() <= issued {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let after = app.token(&creds).await;
    assert_eq!(app.tokens_minted(&creds).await, 2);
    assert_ne!(
        after, before,
        "the token of the old secret was handed out again"
    );
    assert!(jwt_parts(&after).1["iat"].as_i64().unwrap() > issued);
}

#[tokio::test]
async fn a_revocation_survives_a_concurrent_rotation_or_update() {
    let app = TestApp::new().await;
    for _ in 0..10 {
        let creds = app.client("platform-admin", None).await;
        let store = app.state.store.clone();
        let (a, b, c) = tokio::join!(
            wxhub::admin::clients::rotate_secret(
                &store,
                creds.id,
                app.config.auth.argon2_memory_kib
            ),
            wxhub::admin::clients::revoke(&store, creds.id),
            wxhub::admin::clients::update(
                &store,
                creds.id,
                serde_json::from_value(json!({"name": "renamed"})).unwrap()
            ),
        );
        a.unwrap();
        b.unwrap();
        c.unwrap();
        let row = wxhub::store::clients::get(&store, creds.id)
            .await
            .unwrap()
            .unwrap();
        assert!(row.revoked_at.is_some(), "the revocation was lost");
        assert_eq!(row.name, "renamed");
    }
}

#[tokio::test]
async fn concurrent_retires_leave_one_signing_key() {
    let app = TestApp::new().await;
    let (store, secrets) = (&app.state.store, &app.state.secrets);
    for _ in 0..5 {
        wxhub::auth::keys::rotate(store, secrets).await.unwrap();
        let active: Vec<String> = wxhub::auth::keys::list(store)
            .await
            .unwrap()
            .into_iter()
            .filter(|k| k.retired_at.is_none())
            .map(|k| k.kid)
            .collect();
        assert_eq!(active.len(), 2);
        let (a, b) = tokio::join!(
            wxhub::auth::keys::retire(store, &active[0]),
            wxhub::auth::keys::retire(store, &active[1]),
        );
        assert!(a.is_ok() != b.is_ok(), "exactly one retire succeeds");
        let left = wxhub::auth::keys::list(store)
            .await
            .unwrap()
            .into_iter()
            .filter(|k| k.retired_at.is_none())
            .count();
        assert_eq!(left, 1);
    }
}
