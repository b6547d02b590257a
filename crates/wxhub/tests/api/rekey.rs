//! Issue 19, part 6: `wxhub secrets rekey` moves every sealed secret to a new secrets key in one
//! transaction: afterwards the server starts on the new key and everything opens (signing keys,
//! port secrets, client tokens, phones and their fingerprints, lottery seeds); a value that does
//! not open stops it with nothing changed; a run cut off after its commit is finished by running
//! it again.

use crate::cli::wxhub;
use crate::helpers::*;
use axum::http::{Method, StatusCode};
use base64::Engine;
use serde_json::{json, Value};
use wechat_sim::{AccountSpec, Simulator, UserSpec};
use wxhub::crypto::SecretBox;
use wxhub::store::reseal;

const APP_ID: &str = "wx2e0a1b2c3d4e5f62";
const SECRET: &str = "simsecret0123456789";
const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const PHONE: &str = "13145738791";

fn key_of(path: &std::path::Path) -> SecretBox {
    let text = std::fs::read_to_string(path).unwrap();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .unwrap();
    SecretBox::from_key(&bytes).unwrap()
}

struct Filled {
    platform: Creds,
    token: String,
    org: String,
    lottery: i64,
    round: i64,
    user_id: i64,
}

/// One row in every sealed column.
async fn fill(app: &TestApp) -> Filled {
    wxhub::admin::ports::create(
        &app.state.store,
        &app.state.secrets,
        wxhub::admin::ports::PortInput {
            app_id: Some(APP_ID.into()),
            name: Some("加密端口".into()),
            app_secret: Some(SECRET.into()),
            callback_token: Some("cbtoken".into()),
            encoding_aes_key: Some(AES_KEY.into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let platform = app.client("platform", None).await;
    // autoRefresh keeps the client's current token, sealed.
    let resp = app.token_response(&platform, "true").await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let token = app.token(&platform).await;
    let user_id = app
        .user_with_fan(&token, "uRekey", PHONE, APP_ID, "oRekey")
        .await;
    let org_id = app.org("换钥机构").await;
    let org = app.token(&app.client("org", Some(org_id)).await).await;
    let lottery = app
        .activity(
            &org,
            "lottery",
            json!({"activity_name": "换钥抽奖", "collect_info": "name,phone"}),
        )
        .await;
    for i in 0..3 {
        let resp = app
            .join(
                &org,
                lottery,
                json!({"member_id": format!("m{i}"), "member_real_name": "张三",
                       "member_phone": format!("1390000000{i}")}),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    }
    let prize = app.lottery_prize(&org, lottery, 1).await;
    let resp = app
        .json(
            Method::POST,
            &as_org(&format!("/api/v3/activitys_lottery/{lottery}/rounds"), &org),
            None,
            json!({"prize_id": prize, "count": 1, "exclude_winners": false}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let round = resp.json()["data"]["round_id"].as_i64().unwrap();
    Filled {
        platform,
        token,
        org,
        lottery,
        round,
        user_id,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rekey_reseals_everything_and_the_server_runs_on_the_new_key() {
    let sim = Simulator::new();
    sim.add_account(AccountSpec::new(APP_ID, SECRET));
    sim.add_user(
        APP_ID,
        UserSpec {
            unionid: Some("uRekey".into()),
            ..UserSpec::new("oRekey")
        },
    );
    let sim_base = sim.spawn("127.0.0.1:0").await.unwrap();
    let app = TestApp::with(|c| c.wechat.api_base = sim_base.clone()).await;
    let filled = fill(&app).await;
    let send = json!({"userId": filled.user_id, "appId": APP_ID, "msgTempId": "TPL",
                      "msgContent": json!([{"name": "first", "value": "换钥前"}]).to_string()});
    let resp = app
        .json(
            Method::POST,
            "/mpwechat/wx/api/fans/sendMsg",
            Some(&filled.token),
            send.clone(),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let old_key = std::fs::read_to_string(app.dir.path().join("secret.key")).unwrap();
    if app.state.store.backend == wxhub::store::Backend::Sqlite {
        // Every BLOB column of the schema is sealed and re-sealed, or holds no secret.
        let blobs: Vec<String> = sqlx::query_scalar(
            "SELECT m.name || '.' || p.name FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND p.type = 'BLOB' AND m.name NOT LIKE '\\_sqlx%' ESCAPE '\\' ORDER BY 1",
        )
        .fetch_all(app.state.store.reader())
        .await
        .unwrap();
        let mut expected = reseal::columns();
        expected.retain(|c| c != "clients.current_token"); // base64 text
        expected.extend(["avatars.bytes", "images.bytes", "wechat_tokens.token"].map(String::from));
        expected.sort();
        assert_eq!(
            blobs, expected,
            "a sealed column missing from store/reseal.rs?"
        );
    }
    let (_, total) = reseal::count_opening(&app.state.store, &app.state.secrets)
        .await
        .unwrap();
    // signing key, 3 port secrets, the client's token, a user's, 3 members' phones, a seed.
    assert!(total >= 10, "{total} sealed values");

    // A value that does not open stops the re-seal with nothing changed.
    let url = app.config.database_url.clone();
    let dir = app.dir.path().to_path_buf();
    let seed: Vec<u8> = sqlx::query_scalar("SELECT seed_sealed FROM lottery_rounds WHERE id = $1")
        .bind(filled.round)
        .fetch_one(app.state.store.reader())
        .await
        .unwrap();
    sqlx::query("UPDATE lottery_rounds SET seed_sealed = $1 WHERE id = $2")
        .bind(vec![7u8; 40])
        .bind(filled.round)
        .execute(app.state.store.writer())
        .await
        .unwrap();
    app.state.store.close().await;
    let new_file = dir.join("new.key");
    let (ok, _, err) = wxhub(
        &dir,
        &url,
        &["secrets", "rekey", "--new-key-file", "new.key"],
    );
    assert!(!ok);
    assert!(
        err.contains("nothing was changed") && err.contains("lottery_rounds.seed_sealed"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("secret.key")).unwrap(),
        old_key
    );
    let app = app.restart().await;
    let (open, _) = reseal::count_opening(&app.state.store, &app.state.secrets)
        .await
        .unwrap();
    assert_eq!(open, total - 1, "the failed run changed something");
    // Put the seed back.
    sqlx::query("UPDATE lottery_rounds SET seed_sealed = $1 WHERE id = $2")
        .bind(seed)
        .bind(filled.round)
        .execute(app.state.store.writer())
        .await
        .unwrap();
    app.state.store.close().await;

    // The re-seal, with the key file made by the command.
    std::fs::remove_file(&new_file).unwrap();
    let (ok, out, err) = wxhub(
        &dir,
        &url,
        &["secrets", "rekey", "--new-key-file", "new.key", "--json"],
    );
    assert!(ok, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["newKeyMade"], true, "{report}");
    assert_eq!(report["alreadyResealed"], false);
    assert_eq!(report["report"]["resealed"]["activity_members.phone"], 3);
    assert_eq!(report["report"]["resealed"]["ports.encoding_aes_key"], 1);
    assert_eq!(report["report"]["wechat_tokens_dropped"], 1);
    let new_key = std::fs::read_to_string(&new_file).unwrap();
    assert_ne!(new_key.trim(), old_key.trim());
    assert_eq!(
        std::fs::read_to_string(dir.join("secret.key")).unwrap(),
        new_key,
        "the new key is installed"
    );

    // The server on the new key: everything opens, nothing under the old key is left.
    let app = app.restart().await;
    let new = key_of(&new_file);
    assert_eq!(
        reseal::count_opening(&app.state.store, &new).await.unwrap(),
        (total, total)
    );
    let old = SecretBox::from_key(
        &base64::engine::general_purpose::STANDARD
            .decode(old_key.trim())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        reseal::count_opening(&app.state.store, &old)
            .await
            .unwrap()
            .0,
        0
    );
    // A token minted before the rekey verifies (the signing key opened).
    let resp = app
        .get(
            &format!(
                "/mpwechat/wx/api/fans/getFans?userId={}&appId={APP_ID}",
                filled.user_id
            ),
            Some(&filled.token),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    // autoRefresh answers the same token (the client's sealed token opened).
    let resp = app.token_response(&filled.platform, "true").await;
    assert_eq!(
        resp.json()["result"]["access_token"],
        filled.token,
        "{}",
        resp.text
    );
    // The port's secret opens: a send fetches a new WeChat token and goes out.
    let before = sim.calls("/cgi-bin/stable_token");
    let resp = app
        .json(
            Method::POST,
            "/mpwechat/wx/api/fans/sendMsg",
            Some(&filled.token),
            send,
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(sim.calls("/cgi-bin/stable_token"), before + 1);
    // Fingerprints follow the new key.
    let hash: String = sqlx::query_scalar("SELECT phone_hash FROM unified_users WHERE id = $1")
        .bind(filled.user_id)
        .fetch_one(app.state.store.reader())
        .await
        .unwrap();
    assert_eq!(
        hash,
        new.fingerprint("unified_users.phone", PHONE.as_bytes())
    );
    let hash: String = sqlx::query_scalar(
        "SELECT phone_hash FROM activity_members WHERE activity_id = $1 AND member_id = 'm1'",
    )
    .bind(filled.lottery)
    .fetch_one(app.state.store.reader())
    .await
    .unwrap();
    assert_eq!(hash, new.fingerprint("phone", b"13900000001"));
    // The committed round draws (its sealed seed opened) and names one of the members.
    let resp = app
        .json(
            Method::POST,
            &as_org(
                &format!(
                    "/api/v3/activitys_lottery/{}/rounds/{}/draw",
                    filled.lottery, filled.round
                ),
                &filled.org,
            ),
            None,
            Value::Null,
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);

    // A run cut off after its commit (the key not yet installed) is finished by running it
    // again with the same file.
    let newer_file = dir.join("newer.key");
    std::fs::write(
        &newer_file,
        base64::engine::general_purpose::STANDARD.encode([9u8; 32]),
    )
    .unwrap();
    reseal::reseal(&app.state.store, &new, &key_of(&newer_file))
        .await
        .unwrap();
    app.state.store.close().await;
    let (ok, out, err) = wxhub(
        &dir,
        &url,
        &["secrets", "rekey", "--new-key-file", "newer.key", "--json"],
    );
    assert!(ok, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["alreadyResealed"], true, "{report}");
    let app = app.restart().await;
    assert_eq!(
        reseal::count_opening(&app.state.store, &app.state.secrets)
            .await
            .unwrap(),
        (total, total)
    );
}
