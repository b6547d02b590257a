use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn only_platform_admin_tokens_reach_the_admin_api() {
    let app = TestApp::new().await;
    let org = app.org("机构A").await;
    let org_creds = app.client("org", Some(org)).await;
    let org_token = app.token(&org_creds).await;
    let resp = app.get("/admin/api/v1/orgs", None).await;
    assert_eq!(resp.status, StatusCode::UNAUTHORIZED);
    let resp = app.get("/admin/api/v1/orgs", Some(&org_token)).await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);
    assert_eq!(resp.json(), marketing_error(403, "需要平台管理员权限"));
    let admin = app.admin_token().await;
    let resp = app.get("/admin/api/v1/orgs", Some(&admin)).await;
    assert_eq!(resp.status, StatusCode::OK);
    assert_eq!(resp.json()["totalCount"], 1);
}

#[tokio::test]
async fn orgs_crud_with_conflicts_and_not_found() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    let t = Some(admin.as_str());
    let created = app
        .json(
            Method::POST,
            "/admin/api/v1/orgs",
            t,
            json!({"name": "华南医院"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    let id = created.json()["result"]["id"].as_i64().unwrap();
    let dup = app
        .json(
            Method::POST,
            "/admin/api/v1/orgs",
            t,
            json!({"name": "华南医院"}),
        )
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert_eq!(dup.json(), marketing_error(409, "机构名称已存在"));
    let empty = app
        .json(Method::POST, "/admin/api/v1/orgs", t, json!({"name": "  "}))
        .await;
    assert_eq!(
        empty.json(),
        marketing_error(400, "name 需要 1 到 100 个字符")
    );
    let renamed = app
        .json(
            Method::PUT,
            &format!("/admin/api/v1/orgs/{id}"),
            t,
            json!({"name": "华南"}),
        )
        .await;
    assert_eq!(renamed.json()["result"]["name"], "华南");
    assert_eq!(
        app.get("/admin/api/v1/orgs/999999", t).await.json(),
        marketing_error(404, "机构不存在")
    );
    assert_eq!(
        app.get("/admin/api/v1/orgs/abc", t).await.json(),
        marketing_error(400, "路径参数格式错误")
    );
    let list = app
        .get("/admin/api/v1/orgs?page=1&pageSize=1", t)
        .await
        .json();
    assert_eq!(list["totalCount"], 1);
    assert_eq!(list["items"][0]["name"], "华南");
    assert_eq!(
        app.get("/admin/api/v1/orgs?pageSize=101", t).await.status,
        StatusCode::BAD_REQUEST
    );

    // An org with clients cannot be deleted.
    let c = app
        .json(
            Method::POST,
            "/admin/api/v1/clients",
            t,
            json!({"name": "后台", "scope": "org", "orgId": id, "applicationKey": "wechatcp"}),
        )
        .await;
    assert_eq!(c.status, StatusCode::OK, "{}", c.text);
    let client_id = c.json()["result"]["client"]["id"].as_i64().unwrap();
    let del = app
        .call(
            Method::DELETE,
            &format!("/admin/api/v1/orgs/{id}"),
            t,
            None,
            "",
        )
        .await;
    assert_eq!(del.status, StatusCode::CONFLICT);
    app.call(
        Method::DELETE,
        &format!("/admin/api/v1/clients/{client_id}"),
        t,
        None,
        "",
    )
    .await;
    let del = app
        .call(
            Method::DELETE,
            &format!("/admin/api/v1/orgs/{id}"),
            t,
            None,
            "",
        )
        .await;
    assert_eq!(del.status, StatusCode::OK, "{}", del.text);
    assert_eq!(
        app.get(&format!("/admin/api/v1/orgs/{id}"), t).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn client_secrets_are_shown_once_and_stored_hashed() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    let t = Some(admin.as_str());
    // The seed's own credentials can be carried over from the old service.
    let seed_secret = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDL9NmMe2imMfzfQ54ol+v+qdQ0By9F8j+a1Ub3wdqKYhsky44EOkMFrb+o0QGz1pCUB59WIch8HpFvZ8DgmP1GfLGgTfK4TYZIzj5a+6jXeIRE4Kp0nEWOPf89nG0ktjl3Z4H2PdlDRNBXGF/xqbj3NjhoFrQAwuz9Lj10n2YBCwIDAQAB";
    let created = app
        .json(
            Method::POST,
            "/admin/api/v1/clients",
            t,
            json!({"name": "wechatcp", "scope": "platform-admin", "applicationKey": "wechatcp",
                   "clientId": "B966BFB4-493C-441A-BF02-8E3750644DE8", "clientSecret": seed_secret}),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    let body = created.json();
    assert_eq!(body["result"]["clientSecret"], seed_secret);
    let id = body["result"]["client"]["id"].as_i64().unwrap();
    let resp = app
        .form(
            "/oauth2/ums/oauth2/accessToken",
            &[
                ("grant_type", "client_credentials"),
                ("autoRefresh", "true"),
                ("applicationKey", "wechatcp"),
                ("client_id", "B966BFB4-493C-441A-BF02-8E3750644DE8"),
                ("client_secret", seed_secret),
            ],
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);

    for uri in [
        format!("/admin/api/v1/clients/{id}"),
        "/admin/api/v1/clients".to_string(),
    ] {
        let text = app.get(&uri, t).await.text;
        assert!(
            !text.contains(seed_secret) && !text.contains("argon2"),
            "{text}"
        );
    }
    let row = wxhub::store::clients::get(&app.state.store, id)
        .await
        .unwrap()
        .unwrap();
    assert!(row.secret_hash.starts_with("$argon2id$"));
    assert!(!row.secret_hash.contains(seed_secret));

    let dup = app
        .json(
            Method::POST,
            "/admin/api/v1/clients",
            t,
            json!({"name": "again", "scope": "platform-admin", "applicationKey": "wechatcp",
                   "clientId": "B966BFB4-493C-441A-BF02-8E3750644DE8"}),
        )
        .await;
    assert_eq!(dup.json(), marketing_error(409, "clientId 已存在"));

    // Rotating the secret: the old one fails, the new one works.
    let rotated = app
        .call(
            Method::POST,
            &format!("/admin/api/v1/clients/{id}/secret"),
            t,
            None,
            "",
        )
        .await
        .json();
    let new_secret = rotated["result"]["clientSecret"]
        .as_str()
        .unwrap()
        .to_string();
    let old = Creds {
        id,
        client_id: "B966BFB4-493C-441A-BF02-8E3750644DE8".into(),
        secret: seed_secret.into(),
    };
    assert_eq!(
        app.token_response(&old, "true").await.status,
        StatusCode::UNAUTHORIZED
    );
    let new = Creds {
        secret: new_secret,
        ..old
    };
    assert_eq!(
        app.token_response(&new, "true").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn client_scopes_are_validated() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    let t = Some(admin.as_str());
    let org = app.org("机构").await;
    let cases = [
        (
            json!({"name": "a", "scope": "org", "applicationKey": "k"}),
            "org 范围的客户端需要 orgId",
        ),
        (
            json!({"name": "a", "scope": "org", "orgId": 424242, "applicationKey": "k"}),
            "orgId 对应的机构不存在",
        ),
        (
            json!({"name": "a", "scope": "platform-admin", "orgId": org, "applicationKey": "k"}),
            "platform 与 platform-admin 客户端不属于任何机构,不能设置 orgId",
        ),
        (
            json!({"name": "a", "scope": "root", "applicationKey": "k"}),
            "参数 scope 格式错误",
        ),
        (
            json!({"name": "a", "scope": "org", "orgId": org}),
            "缺少参数 applicationKey",
        ),
        (
            json!({"name": "a", "scope": "org", "orgId": org, "applicationKey": "bad key!"}),
            "applicationKey 只能由 1 到 64 个字母、数字、-、_、. 组成",
        ),
        (
            json!({"name": "a", "scope": "org", "orgId": org, "applicationKey": "k", "clientSecret": "short"}),
            "clientSecret 需要 16 到 1024 个可见字符",
        ),
    ];
    for (body, message) in cases {
        let resp = app
            .json(Method::POST, "/admin/api/v1/clients", t, body.clone())
            .await;
        assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(resp.json(), marketing_error(400, message), "{body}");
    }
}

#[tokio::test]
async fn port_secrets_are_write_only_and_sealed_at_rest() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    let t = Some(admin.as_str());
    let aes = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    let created = app
        .json(
            Method::POST,
            "/admin/api/v1/ports",
            t,
            json!({"appId": "wx32817247717e7333", "name": "亮健好药", "appSecret": "0123456789abcdef0123456789abcdef",
                   "callbackToken": "tokentoken", "encodingAesKey": aes,
                   "redirectHosts": ["mem.360lj.com", "ue.360lj.com"]}),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    let body = created.json();
    let id = body["result"]["id"].as_i64().unwrap();
    assert_eq!(
        body["result"]["redirectHosts"],
        json!(["mem.360lj.com", "ue.360lj.com"])
    );
    assert_eq!(body["result"]["hasAppSecret"], true);
    for text in [
        created.text.clone(),
        app.get(&format!("/admin/api/v1/ports/{id}"), t).await.text,
    ] {
        assert!(!text.contains("0123456789abcdef0123456789abcdef"));
        assert!(!text.contains(aes));
        assert!(!text.contains("tokentoken"));
    }
    let row = wxhub::store::ports::get(&app.state.store, id)
        .await
        .unwrap()
        .unwrap();
    let sealed = row.app_secret.unwrap();
    assert!(!sealed.windows(8).any(|w| w == b"01234567"));
    assert_eq!(
        app.state
            .secrets
            .open_string(wxhub::admin::ports::SEAL_APP_SECRET, &sealed)
            .unwrap(),
        "0123456789abcdef0123456789abcdef"
    );

    let cases = [
        (
            json!({"appId": "wx123", "name": "x"}),
            "appId 格式错误,应为 wx 开头的 18 位字符",
        ),
        (
            json!({"appId": "wx32817247717e7334", "name": "x", "encodingAesKey": "short"}),
            "encodingAesKey 需要 43 位字母或数字",
        ),
        (
            json!({"appId": "wx32817247717e7334", "name": "x", "redirectHosts": ["evil.com/path"]}),
            "redirectHosts 中的主机名无效: evil.com/path",
        ),
        (
            json!({"appId": "wx32817247717e7334"}),
            "name 需要 1 到 100 个字符",
        ),
    ];
    for (body, message) in cases {
        let resp = app
            .json(Method::POST, "/admin/api/v1/ports", t, body.clone())
            .await;
        assert_eq!(resp.json(), marketing_error(400, message), "{body}");
    }
    let dup = app
        .json(
            Method::POST,
            "/admin/api/v1/ports",
            t,
            json!({"appId": "wx32817247717e7333", "name": "x"}),
        )
        .await;
    assert_eq!(dup.json(), marketing_error(409, "appId 已存在"));
    // Updating without secrets keeps them.
    let updated = app
        .json(
            Method::PUT,
            &format!("/admin/api/v1/ports/{id}"),
            t,
            json!({"name": "新名字"}),
        )
        .await
        .json();
    assert_eq!(updated["result"]["name"], "新名字");
    assert_eq!(updated["result"]["hasEncodingAesKey"], true);
    let del = app
        .call(
            Method::DELETE,
            &format!("/admin/api/v1/ports/{id}"),
            t,
            None,
            "",
        )
        .await;
    assert_eq!(del.status, StatusCode::OK);
    assert_eq!(
        app.get(&format!("/admin/api/v1/ports/{id}"), t)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}
