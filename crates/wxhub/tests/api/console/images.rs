//! Images for activities: uploaded through the API (type decided by the bytes, size-limited),
//! served from the database to anyone with a year-long cache, and set as an activity's
//! background from the console's edit form.

use super::{account, hidden_csrf, ConsoleSession, PASSWORD};
use crate::fans::multipart_files;
use crate::helpers::*;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::json;
use wxhub::auth::accounts::Role;

/// A tiny PNG (its signature and a header chunk are what the type check reads).
fn png() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0".to_vec();
    bytes.extend_from_slice(b"wxhub test image");
    bytes
}

#[tokio::test]
async fn images_are_checked_stored_and_served() {
    let app = &TestApp::new().await;
    let org = app.org("会务公司").await;
    let token = app.token(&app.client("org", Some(org)).await).await;
    let upload = |bytes: Vec<u8>| {
        let uri = as_org("/api/v3/images", &token);
        async move {
            app.call(
                Method::POST,
                &uri,
                None,
                Some("application/octet-stream"),
                bytes,
            )
            .await
        }
    };
    let resp = upload(png()).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let data = resp.json()["data"].clone();
    let hash = wxhub::crypto::hex(&wxhub::crypto::sha256(&png()));
    assert_eq!(data["path"], format!("/media/{hash}.png"));
    assert!(data["url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/media/{hash}.png")));
    assert_eq!(data["content_type"], "image/png");
    // Served to anyone, as it was uploaded, cached for good and never sniffed.
    let req = Request::get(format!("/media/{hash}.png"))
        .body(Body::empty())
        .unwrap();
    let resp = app.send(req).await;
    assert_eq!(resp.status, StatusCode::OK);
    assert_eq!(resp.headers[header::CONTENT_TYPE], "image/png");
    assert_eq!(
        resp.headers[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(resp.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(
        resp.text.as_bytes(),
        String::from_utf8_lossy(&png()).as_bytes()
    );
    // The same bytes twice: one row.
    assert_eq!(upload(png()).await.status, StatusCode::OK);
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM images")
        .fetch_one(app.state.store.reader())
        .await
        .unwrap();
    assert_eq!(rows, 1);
    // Refused: what is not PNG, JPEG or WebP whatever it claims, too large, empty.
    for (bytes, reason) in [
        (
            b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>".to_vec(),
            "只支持 PNG、JPEG 或 WebP 图片",
        ),
        (b"GIF89a....".to_vec(), "只支持 PNG、JPEG 或 WebP 图片"),
        (Vec::new(), "图片文件为空"),
        (
            {
                let mut b = png();
                b.resize(2 * 1024 * 1024 + 1, 0);
                b
            },
            "图片最大 2 MB",
        ),
    ] {
        let resp = upload(bytes).await;
        assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{reason}");
        assert_eq!(resp.json()["msg"], reason);
    }
    let mut huge = png();
    huge.resize(3 * 1024 * 1024, 0);
    assert_eq!(upload(huge).await.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Names that are not an image here: not found.
    for name in [
        format!("{hash}.jpg"),
        hash.clone(),
        "../../etc/passwd".into(),
        format!("{}.png", "0".repeat(64)),
    ] {
        let req = Request::get(format!("/media/{name}"))
            .body(Body::empty())
            .unwrap();
        assert_eq!(app.send(req).await.status, StatusCode::NOT_FOUND, "{name}");
    }
    // A user token does not upload.
    let user = app
        .state
        .auth
        .mint_user_token("u1", "wx32817247717e7333")
        .unwrap();
    let resp = app
        .call(
            Method::POST,
            &format!("/api/v3/images?access_token={user}&access_type=user"),
            None,
            Some("application/octet-stream"),
            png(),
        )
        .await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_org_admin_edits_an_activity_with_an_uploaded_background() {
    let app = &TestApp::new().await;
    let org = app.org("会务公司").await;
    account(app, "organiser", Role::OrgAdmin, Some(org)).await;
    account(app, "deskstaff", Role::OrgStaff, Some(org)).await;
    let token = app.token(&app.client("org", Some(org)).await).await;
    let id = app
        .activity(&token, "signin", json!({"activity_name": "年会签到"}))
        .await;
    let path = format!("/console/activities/{id}");
    let mut admin = ConsoleSession::new(app);
    admin.login("organiser", PASSWORD).await;
    let page = admin.get(&path).await;
    assert!(page.text.contains("修改活动"));
    let csrf = hidden_csrf(&page.text);
    let post = |cookies: String,
                fields: Vec<(&'static str, String)>,
                files: Vec<(&'static str, Vec<u8>)>| {
        let path = path.clone();
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let files: Vec<(&str, &str, &[u8])> = files
                .iter()
                .map(|(k, b)| (*k, "图片.png", b.as_slice()))
                .collect();
            let (ct, body) = multipart_files(&fields, &files);
            let req = Request::post(format!("{path}/edit"))
                .header(header::COOKIE, cookies)
                .header(header::HOST, "console.test")
                .header(header::ORIGIN, "http://console.test")
                .header(header::CONTENT_TYPE, ct)
                .body(Body::from(body))
                .unwrap();
            app.send(req).await
        }
    };
    let form = |name: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("activity_name", name.to_string()),
            ("permission", "0".to_string()),
            ("close_time", "2030-12-31T18:00".to_string()),
            ("state", "open".to_string()),
            ("collect_name", "1".to_string()),
            ("logo", "https://img.example.com/logo.png".to_string()),
        ]
    };
    // A GIF: refused with the reason, nothing changed.
    let resp = post(
        admin.cookie_header(),
        form("新名字"),
        vec![("background_file", b"GIF89a....".to_vec())],
    )
    .await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{}", resp.text);
    assert!(resp.text.contains("只支持 PNG、JPEG 或 WebP 图片"));
    let row = wxhub::store::activities::get(&app.state.store, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.name, "年会签到");
    // A script link for the logo: refused.
    let mut bad = form("新名字");
    bad.retain(|(k, _)| *k != "logo");
    bad.push(("logo", "javascript:alert(1)".into()));
    let resp = post(admin.cookie_header(), bad, vec![]).await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    // A PNG background and the rest of the form.
    let resp = post(
        admin.cookie_header(),
        form("年度大会签到"),
        vec![("background_file", png())],
    )
    .await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER, "{}", resp.text);
    let row = wxhub::store::activities::get(&app.state.store, id)
        .await
        .unwrap()
        .unwrap();
    let hash = wxhub::crypto::hex(&wxhub::crypto::sha256(&png()));
    assert_eq!(row.name, "年度大会签到");
    assert_eq!(
        row.background,
        format!("http://console.test/media/{hash}.png")
    );
    assert_eq!(row.logo, "https://img.example.com/logo.png");
    assert_eq!(row.collect_info, "name");
    assert!(row.close_time.is_some());
    let page = admin.get(&format!("{path}?done=edited")).await.text;
    assert!(page.contains("活动已保存"));
    assert!(
        page.contains("value=\"2030-12-31T18:00\""),
        "the time back in the picker"
    );
    // The API sees the same.
    let info = app
        .get(
            &as_org(&format!("/api/v3/activitys_signin/{id}"), &token),
            None,
        )
        .await
        .json();
    assert_eq!(info["data"]["background"], row.background);

    // Music, uploaded: not a sound file is refused in words; an MP3 is kept and served like
    // images, and the page lets one listen to it.
    let resp = post(
        admin.cookie_header(),
        form("年度大会签到"),
        vec![("music_file", b"<html>not music</html>".to_vec())],
    )
    .await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert!(resp.text.contains("只支持 MP3、M4A、Ogg 或 WAV 音乐文件"));
    let mut mp3 = b"ID3\x04\x00\x00\x00\x00\x00\x00".to_vec();
    mp3.extend_from_slice(&[0xFF, 0xFB, 0x90, 0x64]);
    mp3.resize(4096, 0);
    let resp = post(
        admin.cookie_header(),
        form("年度大会签到"),
        vec![("music_file", mp3.clone())],
    )
    .await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER, "{}", resp.text);
    let music_hash = wxhub::crypto::hex(&wxhub::crypto::sha256(&mp3));
    let row = wxhub::store::activities::get(&app.state.store, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        row.music,
        format!("http://console.test/media/{music_hash}.mp3")
    );
    let served = app.get(&format!("/media/{music_hash}.mp3"), None).await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.headers["content-type"], "audio/mpeg");
    let page = admin.get(&path).await.text;
    assert!(
        page.contains(&format!("<audio class=\"music-preview\" id=\"music-preview\" controls preload=\"none\" src=\"{}\"", row.music)),
        "{page}"
    );
    // Staff may not edit.
    let mut staff = ConsoleSession::new(app);
    staff.login("deskstaff", PASSWORD).await;
    let staff_csrf = hidden_csrf(&staff.get(&path).await.text);
    let mut staff_form = form("员工改名");
    staff_form[0].1 = staff_csrf;
    let resp = post(staff.cookie_header(), staff_form, vec![]).await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);
}
