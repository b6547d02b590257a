//! An operator builds the account's media library in the console: a file WeChat does not take
//! is refused (the name kept), an image is uploaded to WeChat and shown from wxhub's copy, the
//! auto-replies page offers it for an image reply, and it is deleted.

use super::port_console;
use serde_json::json;

#[tokio::test]
async fn an_operator_uploads_an_image_offers_it_to_replies_and_deletes_it() {
    let Some((p, base, b)) = port_console().await else {
        return;
    };
    let (c, port_id) = (&p.c, p.port_id);
    let dir = tempfile::tempdir().unwrap();
    let webp = dir.path().join("poster.webp");
    std::fs::write(&webp, b"RIFF\0\0\0\0WEBPVP8 ").unwrap();
    let png = dir.path().join("poster.png");
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/console/platform-replies.png"
        ),
        &png,
    )
    .unwrap();
    b.click(&format!("#port-{port_id} a[href$='/materials']"))
        .await;
    b.wait_for_text("素材库还没有图片").await;
    // WebP: refused with the reason, the name kept, nothing asked of WeChat.
    b.type_into("#material-file", webp.to_str().unwrap()).await;
    b.type_into("#material-name", "活动海报").await;
    b.click("#material-form button").await;
    b.wait_for_text("素材图片只支持 PNG、JPEG 或 GIF").await;
    assert_eq!(
        b.script("return document.getElementById('material-name').value")
            .await,
        json!("活动海报")
    );
    assert_eq!(c.sim.calls("/cgi-bin/material/add_material"), 0);
    // A PNG: uploaded to WeChat, shown from wxhub's copy.
    b.type_into("#material-file", png.to_str().unwrap()).await;
    b.click("#material-form button").await;
    b.wait_for_text("图片已上传到微信素材库").await;
    let image = wxhub::platform::materials::list(&c.app.state, port_id)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(image.name, "活动海报");
    b.wait_for_script(
        &format!(
            "var i = document.querySelector('#material-{} img'); \
             return !!i && i.complete && i.naturalWidth > 100",
            image.id
        ),
        json!(true),
    )
    .await;
    b.assert_fits_width("the media library").await;
    b.screenshot("platform-materials").await;
    // The auto-replies page offers it for an image reply.
    b.goto(&format!("{base}/console/platform/ports/{port_id}/replies"))
        .await;
    assert_eq!(
        b.script("return document.querySelector('#library-images option').value")
            .await,
        json!(image.media_id)
    );
    // Deleted (the question answered yes).
    b.goto(&format!(
        "{base}/console/platform/ports/{port_id}/materials"
    ))
    .await;
    b.script("window.confirm = () => true; return 1").await;
    b.click(&format!("#material-{} form button", image.id))
        .await;
    b.wait_for_text("图片已从微信素材库删除").await;
    b.wait_for_text("素材库还没有图片").await;
    assert_eq!(c.sim.calls("/cgi-bin/material/del_material"), 1);
    let problems = b.console_problems().await;
    assert!(
        problems.iter().all(|p| p.contains(
            "/materials - Failed to load resource: the server responded with a status of 400"
        )),
        "{problems:?}"
    );
}
