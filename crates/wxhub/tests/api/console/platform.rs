//! The platform console through the router: only platform admins; a port set up with what to
//! paste into WeChat's console (and the callback then answering WeChat's handshake with that
//! token); orgs granted a port; an API client's secret shown once, then revoked; the send
//! record's search refusing a bad time; a new signing key.

use super::{account, hidden_csrf, ConsoleSession, PASSWORD};
use crate::helpers::*;
use axum::http::StatusCode;
use wxhub::auth::accounts::Role;

fn code_of(html: &str, id: &str) -> String {
    let marker = format!("<code id=\"{id}\">");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {id} in {html}"))
        + marker.len();
    html[at..at + html[at..].find('<').unwrap()].to_string()
}

fn input_value(html: &str, id: &str) -> String {
    let at = html.find(&format!("id=\"{id}\"")).unwrap();
    let at = at + html[at..].find("value=\"").unwrap() + 7;
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

#[tokio::test]
async fn a_platform_admin_sets_up_an_official_account_an_org_and_a_client() {
    let app = &TestApp::new().await;
    let org = app.org("会务公司").await;
    account(app, "root", Role::PlatformAdmin, None).await;
    account(app, "organiser", Role::OrgAdmin, Some(org)).await;

    // Org accounts have no platform pages.
    let mut organiser = ConsoleSession::new(app);
    organiser.login("organiser", PASSWORD).await;
    for path in [
        "/console/platform/orgs",
        "/console/platform/ports",
        "/console/platform/clients",
        "/console/platform/sends",
        "/console/platform/keys",
    ] {
        assert_eq!(
            organiser.get(path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let csrf = hidden_csrf(&organiser.get("/console").await.text);
    let refused = organiser
        .act("/console/platform/orgs", &csrf, &[("name", "偷建的机构")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let mut root = ConsoleSession::new(app);
    root.login("root", PASSWORD).await;
    let page = root.get("/console/platform/ports").await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = hidden_csrf(&page.text);
    let token = input_value(&page.text, "port-token");
    let aes = input_value(&page.text, "port-aes");
    assert_eq!((token.len(), aes.len()), (32, 43), "generated for the form");

    // A bad appId: the reason, and what was typed kept.
    let bad = root
        .act(
            "/console/platform/ports",
            &csrf,
            &[
                ("app_id", "gh_123"),
                ("name", "服务号"),
                ("callback_token", &token),
                ("encoding_aes_key", &aes),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text.contains("appId 格式错误"));
    assert!(bad.text.contains("value=\"gh_123\""));
    let made = root
        .act(
            "/console/platform/ports",
            &csrf,
            &[
                ("app_id", "wx1234567890abcdef"),
                ("name", "会务服务号"),
                ("app_secret", "0123456789abcdef0123"),
                ("callback_token", &token),
                ("encoding_aes_key", &aes),
                ("redirect_hosts", "h5.example.com"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.text);
    // Without public_base_url, the address the browser used.
    let expected_base = match app.config.public_base_url.trim_end_matches('/') {
        "" => "http://console.test",
        configured => configured,
    };
    assert_eq!(
        code_of(&made.text, "paste-url"),
        format!("{expected_base}/wx/callback/wx1234567890abcdef")
    );
    assert_eq!(code_of(&made.text, "paste-token"), token);
    assert_eq!(code_of(&made.text, "paste-aes"), aes);
    assert!(
        !made.text.contains("0123456789abcdef0123"),
        "the appSecret is never shown"
    );
    // WeChat's handshake with that token is answered.
    let timestamp = (wxhub::time::now_ms() / 1000).to_string();
    let nonce = "n0nce";
    let signature = wechat::crypto::signature(&[&token, &timestamp, nonce]);
    let echo = app
        .get(
            &format!(
                "/wx/callback/wx1234567890abcdef?signature={signature}&timestamp={timestamp}&nonce={nonce}&echostr=hello"
            ),
            None,
        )
        .await;
    assert_eq!((echo.status, echo.text.as_str()), (StatusCode::OK, "hello"));
    // The list shows the URL, and never the token again.
    let list = root.get("/console/platform/ports").await.text;
    assert!(list.contains("/wx/callback/wx1234567890abcdef"));
    assert!(!list.contains(&token));
    let port_id = wxhub::store::ports::get_by_app_id(&app.state.store, "wx1234567890abcdef")
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string();

    // A new org, allowed to use the account.
    let created = root
        .act("/console/platform/orgs", &csrf, &[("name", "新机构")])
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text);
    let orgs = wxhub::admin::orgs::list(
        &app.state.store,
        wxhub::checks::Page {
            offset: 0,
            limit: 10,
        },
    )
    .await
    .unwrap()
    .0;
    let new_org = orgs.iter().find(|o| o.name == "新机构").unwrap().id;
    let granted = root
        .act(
            &format!("/console/platform/orgs/{new_org}/grant"),
            &csrf,
            &[("port_id", &port_id)],
        )
        .await;
    assert_eq!(granted.status, StatusCode::SEE_OTHER);
    let page = root.get("/console/platform/orgs?done=grant").await.text;
    assert!(page.contains("已允许该机构使用此公众号"));
    assert!(page.contains("会务服务号(wx1234567890abcdef)"));
    // The platform admin's first page: the parts of the platform, with what each holds.
    let home = root.get("/console").await.text;
    for tile in [
        "<a href=\"/console/platform/ports\"><span class=\"tile-title\">公众号</span><span class=\"tile-count\">1</span>",
        "<a href=\"/console/platform/orgs\"><span class=\"tile-title\">机构</span><span class=\"tile-count\">2</span>",
        "<a href=\"/console/platform/campaigns\"><span class=\"tile-title\">群发</span>",
        "<a href=\"/console/audit\"><span class=\"tile-title\">操作记录</span>",
    ] {
        assert!(home.contains(tile), "{tile}\n{home}");
    }
    // The granted port is not offered to it again.
    let select = &page[page
        .find(&format!(
            "action=\"/console/platform/orgs/{new_org}/grant\""
        ))
        .map_or(page.len(), |at| at)..];
    let select = &select[..select.find("</form>").unwrap_or(select.len())];
    assert!(
        !select.contains(&format!("<option value=\"{port_id}\">")),
        "{select}"
    );
    assert_eq!(
        wxhub::store::org_ports::of_org(&app.state.store, new_org)
            .await
            .unwrap(),
        vec![port_id.parse::<i64>().unwrap()]
    );

    // An org client: its secret once; it gets tokens until revoked.
    let made = root
        .act(
            "/console/platform/clients",
            &csrf,
            &[
                ("name", "新机构后台"),
                ("application_key", "wechatcp"),
                ("scope", "org"),
                ("org_id", &new_org.to_string()),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.text);
    let creds = Creds {
        id: 0,
        client_id: code_of(&made.text, "client-id"),
        secret: code_of(&made.text, "client-secret"),
    };
    assert_eq!(
        app.token_response(&creds, "true").await.status,
        StatusCode::OK
    );
    let list = root.get("/console/platform/clients").await.text;
    assert!(!list.contains(&creds.secret), "shown once");
    let row_id = {
        let at = list
            .find(&format!("<code>{}</code>", creds.client_id))
            .unwrap();
        let before = &list[..at];
        let at = before.rfind("id=\"client-").unwrap() + 11;
        before[at..at + before[at..].find('"').unwrap()].to_string()
    };
    let revoked = root
        .act(
            &format!("/console/platform/clients/{row_id}/revoke"),
            &csrf,
            &[],
        )
        .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.token_response(&creds, "true").await.status,
        StatusCode::UNAUTHORIZED
    );
    // An org client without an org: the reason.
    let orgless = root
        .act(
            "/console/platform/clients",
            &csrf,
            &[
                ("name", "x"),
                ("application_key", "wechatcp"),
                ("scope", "org"),
            ],
        )
        .await;
    assert_eq!(orgless.status, StatusCode::BAD_REQUEST);
    assert!(orgless.text.contains("org 范围的客户端需要 orgId"));

    // The send record's search: a bad time is said, an empty result too.
    let bad = root.get("/console/platform/sends?from=yesterday").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text.contains("开始时间 时间格式错误"));
    let none = root
        .get(&format!(
            "/console/platform/sends?port_id={port_id}&status=failed&from=2026-01-01T00%3A00"
        ))
        .await;
    assert_eq!(none.status, StatusCode::OK, "{}", none.text);
    assert!(none.text.contains("没有符合条件的发送记录"));
    assert_eq!(
        root.get("/console/platform/sends/999999").await.status,
        StatusCode::NOT_FOUND
    );

    // A new signing key.
    let before = wxhub::auth::keys::list(&app.state.store)
        .await
        .unwrap()
        .len();
    let rotated = root.act("/console/platform/keys/rotate", &csrf, &[]).await;
    assert_eq!(rotated.status, StatusCode::SEE_OTHER);
    let keys = wxhub::auth::keys::list(&app.state.store).await.unwrap();
    assert_eq!(keys.len(), before + 1);
    assert!(root
        .get("/console/platform/keys")
        .await
        .text
        .contains("签发中"));

    // The record names each step.
    let record = root.get("/console/audit").await.text;
    for what in [
        "添加公众号",
        "新建机构",
        "授权公众号",
        "新建 API 客户端",
        "吊销 API 客户端",
        "启用新签名密钥",
    ] {
        assert!(
            record.contains(&format!("<td>root</td><td>{what}</td>")),
            "{what}"
        );
    }
}

#[tokio::test]
async fn a_platform_admin_sets_up_applications_and_message_settings() {
    let app = &TestApp::new().await;
    let port = app.port("wx32817247717e7333").await;
    account(app, "root", Role::PlatformAdmin, None).await;
    let mut root = ConsoleSession::new(app);
    root.login("root", PASSWORD).await;
    let csrf = hidden_csrf(&root.get("/console/platform/applications").await.text);

    // An application; a bad entry URL is said.
    let bad = root
        .act(
            "/console/platform/applications",
            &csrf,
            &[
                ("name", "培训"),
                ("app_type", "1"),
                ("enter_url", "javascript:alert(1)"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text.contains("enterUrl"), "{}", bad.text);
    let made = root
        .act(
            "/console/platform/applications",
            &csrf,
            &[
                ("name", "培训系统"),
                ("app_type", "3"),
                ("enter_url", "https://train.example.com"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.text);
    let page = root.get("/console/platform/applications").await.text;
    assert!(
        page.contains("培训系统") && page.contains("网页应用"),
        "{page}"
    );
    let at = page.find("id=\"application-").unwrap() + 16;
    let application = page[at..at + page[at..].find('"').unwrap()].to_string();
    let off = root
        .act(
            &format!("/console/platform/applications/{application}/toggle"),
            &csrf,
            &[("state", "1")],
        )
        .await;
    assert_eq!(off.status, StatusCode::SEE_OTHER);
    assert!(root
        .get("/console/platform/applications")
        .await
        .text
        .contains("停用</td>"));

    // A content from `name: value` lines, a default, a training message.
    let bad = root
        .act(
            "/console/platform/messages/content",
            &csrf,
            &[("name", "提醒"), ("fields", "no colon")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text.contains("第 1 行应为"));
    let made = root
        .act(
            "/console/platform/messages/content",
            &csrf,
            &[
                ("name", "会议提醒"),
                ("fields", "first: 您好\nkeyword1: 年会 #173177"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.text);
    let admin = app.admin_token().await;
    let contents = app
        .get("/admin/api/v1/message-contents", Some(&admin))
        .await
        .json();
    let content = &contents["items"][0];
    assert_eq!(
        content["fields"],
        serde_json::json!([{"name": "first", "value": "您好"}, {"name": "keyword1", "value": "年会", "color": "#173177"}])
    );
    let content_id = content["id"].to_string();
    let set = root
        .act(
            "/console/platform/messages/default",
            &csrf,
            &[
                ("app_app_id", &application),
                ("port_id", &port.to_string()),
                ("template_id", "tmpl-1"),
                ("content_id", &content_id),
            ],
        )
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.text);
    let defaults = app
        .get("/admin/api/v1/send-defaults", Some(&admin))
        .await
        .json();
    assert_eq!(defaults["items"][0]["templateId"], "tmpl-1");
    let training = root
        .act(
            "/console/platform/messages/training",
            &csrf,
            &[("msg_id", "T-100"), ("template_id", "tmpl-2")],
        )
        .await;
    assert_eq!(training.status, StatusCode::SEE_OTHER, "{}", training.text);
    let page = root.get("/console/platform/messages").await.text;
    assert!(page.contains("T-100") && page.contains("tmpl-2") && page.contains("会议提醒"));
    // A content a default uses cannot go.
    let used = root
        .act(
            "/console/platform/messages/content_delete",
            &csrf,
            &[("id", &content_id)],
        )
        .await;
    assert_eq!(used.status, StatusCode::CONFLICT, "{}", used.text);
}
