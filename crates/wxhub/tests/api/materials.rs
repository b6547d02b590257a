//! The media library through the real server and the simulator: images uploaded as WeChat's
//! permanent material (multipart or raw), their copies served for previews, an image reply
//! from one, bad uploads refused before WeChat is asked, deletion at WeChat (and of one WeChat
//! no longer has).

use crate::callbacks::{delivered, PortAdmin, APP_ID};
use crate::fans::multipart;
use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

/// A small PNG (the signature and an IHDR are all the checks read).
fn png(seed: u8) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    bytes.extend(std::iter::repeat_n(seed, 64));
    bytes
}

/// The port's media library.
struct Library(PortAdmin);

impl std::ops::Deref for Library {
    type Target = PortAdmin;
    fn deref(&self) -> &PortAdmin {
        &self.0
    }
}

impl Library {
    async fn new() -> Library {
        Library(PortAdmin::new().await)
    }

    fn path(&self, rest: &str) -> String {
        format!("/admin/api/v1/ports/{}/materials{rest}", self.port_id)
    }

    async fn upload(&self, query: &str, content_type: &str, body: Vec<u8>) -> Resp {
        self.c
            .app
            .call(
                Method::POST,
                &self.path(query),
                Some(&self.admin),
                Some(content_type),
                body,
            )
            .await
    }

    async fn list(&self) -> Vec<Value> {
        let listed = self.ok(Method::GET, "/materials", Value::Null).await;
        listed.as_array().unwrap().clone()
    }

    async fn delete(&self, id: i64) -> Resp {
        self.call(Method::DELETE, &format!("/materials/{id}"), Value::Null)
            .await
    }
}

#[tokio::test]
async fn images_are_uploaded_to_wechat_kept_for_previews_and_replied_with() {
    let lib = Library::new().await;
    let poster = png(7);
    let (content_type, body) = multipart(&[], Some(("海报.png", &poster)));
    let resp = lib.upload("", &content_type, body).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let made = resp.json()["result"].clone();
    assert_eq!(made["name"], "海报.png");
    assert_eq!(made["size"], poster.len());
    let media_id = made["mediaId"].as_str().unwrap().to_string();
    assert!(media_id.starts_with('M'), "{made}");
    assert!(
        made["url"].as_str().unwrap().contains("mmbiz.qpic.cn"),
        "{made}"
    );
    // The preview is the very bytes.
    let (status, ctype, bytes) =
        bytes_as(&lib.c.app, made["preview"].as_str().unwrap(), None).await;
    assert_eq!((status, ctype.as_str()), (StatusCode::OK, "image/png"));
    assert_eq!(bytes, poster);
    // A raw JPEG with its name in the query; a GIF.
    let jpeg = [&[0xFF, 0xD8, 0xFF, 0xE0][..], &[1; 32]].concat();
    let resp = lib
        .upload("?name=%E6%A8%AA%E5%B9%85", "image/jpeg", jpeg)
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(resp.json()["result"]["name"], "横幅");
    let resp = lib
        .upload("", "image/gif", b"GIF89a\x01\0\x01\0".to_vec())
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert!(resp.json()["result"]["name"]
        .as_str()
        .unwrap()
        .starts_with("图片 "));
    assert_eq!(lib.c.sim.calls("/cgi-bin/material/add_material"), 3);
    let names: Vec<Value> = lib.list().await.iter().map(|m| m["name"].clone()).collect();
    assert_eq!(
        names[1..],
        [json!("横幅"), json!("海报.png")],
        "the newest first"
    );

    // An image reply from the library.
    let rule = lib
        .c
        .app
        .json(
            Method::POST,
            &format!("/admin/api/v1/ports/{}/reply-rules", lib.port_id),
            Some(&lib.admin),
            json!({"on": "keyword", "pattern": "海报",
                   "reply": {"type": "image", "mediaId": media_id}}),
        )
        .await;
    assert_eq!(rule.status, StatusCode::OK, "{}", rule.text);
    let answer = lib
        .c
        .push(json!({"appid": APP_ID, "openid": "oFan", "event": "text", "content": "海报"}))
        .await;
    let (status, xml) = delivered(&answer).remove(0);
    assert_eq!(status, 200);
    let xml = wechat::xml::parse(&xml).unwrap();
    assert_eq!(xml.child_text("MsgType"), Some("image"));
    assert_eq!(
        xml.child("Image").and_then(|i| i.child_text("MediaId")),
        Some(media_id.as_str())
    );

    // Deleted at WeChat and from the library; again: unknown.
    let id = made["id"].as_i64().unwrap();
    let resp = lib.delete(id).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(lib.c.sim.calls("/cgi-bin/material/del_material"), 1);
    let resp = lib.delete(id).await;
    assert_eq!(
        resp.json(),
        marketing_error(404, &format!("素材 {id} 不存在"))
    );
    // One deleted in WeChat's own back office: it leaves the library too.
    let newest = lib.list().await[0].clone();
    let app = wechat::App::new(APP_ID.to_string(), crate::callbacks::SECRET.to_string());
    lib.c
        .app
        .state
        .wechat
        .delete_material(&app, newest["mediaId"].as_str().unwrap())
        .await
        .unwrap();
    let resp = lib.delete(newest["id"].as_i64().unwrap()).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(lib.list().await.len(), 1);
}

#[tokio::test]
async fn bad_uploads_are_refused_before_wechat_is_asked() {
    let lib = Library::new().await;
    let mut big = png(1);
    big.resize(10 * 1024 * 1024 + 1, 0);
    let webp = b"RIFF\0\0\0\0WEBPVP8 ".to_vec();
    let long_name = "名".repeat(65);
    for (query, body, message) in [
        ("", vec![], "图片文件为空"),
        ("", big, "素材图片最大 10 MB(微信的限制)"),
        (
            "",
            webp,
            "素材图片只支持 PNG、JPEG 或 GIF(微信不收 WebP 等其他格式)",
        ),
        (
            "",
            b"<svg onload=alert(1)>".to_vec(),
            "素材图片只支持 PNG、JPEG 或 GIF(微信不收 WebP 等其他格式)",
        ),
        (
            &*format!("?name={long_name}"),
            png(2),
            "素材名称最长 64 个字符,且不能含控制字符",
        ),
    ] {
        let resp = lib.upload(query, "application/octet-stream", body).await;
        assert_eq!(resp.json(), marketing_error(400, message), "{message}");
    }
    let resp = lib
        .c
        .app
        .call(
            Method::POST,
            "/admin/api/v1/ports/999999/materials",
            Some(&lib.admin),
            Some("image/png"),
            png(3),
        )
        .await;
    assert_eq!(resp.json(), marketing_error(404, "端口 999999 不存在"));
    // Past the body limit altogether: 413, nothing read.
    let resp = lib.upload("", "image/png", vec![0; 11 * 1024 * 1024]).await;
    assert_eq!(resp.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(lib.c.sim.calls("/cgi-bin/material/add_material"), 0);
    assert!(lib.list().await.is_empty());
}
