//! The lottery's verifiable draws: commit, draw, reveal; an independent recomputation of the
//! published record; the CLI's verification; stock under concurrent draws; the screen.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use rand_core::{RngCore, SeedableRng};
use serde_json::{json, Value};

pub(crate) struct Ctx {
    pub app: TestApp,
    pub org: String,
    pub org_id: i64,
    pub id: i64,
}

async fn ctx(members: usize) -> Ctx {
    ctx_for(members, "internal").await
}

/// A lottery activity of `purpose` with `members` members m000, m001, … all named 张三丰.
pub(crate) async fn ctx_for(members: usize, purpose: &str) -> Ctx {
    let app = TestApp::new().await;
    let org_id = app.org("机构").await;
    let org = app.token(&app.client("org", Some(org_id)).await).await;
    let mut c = Ctx {
        app,
        org,
        org_id,
        id: 0,
    };
    c.id = c.new_lottery(members, purpose).await;
    c
}

impl Ctx {
    /// Another lottery activity of the org (`purpose`, `members` members m000, … named
    /// 张三丰): its id.
    pub async fn new_lottery(&self, members: usize, purpose: &str) -> i64 {
        let id = self
            .call(
                Method::POST,
                "/api/v3/activitys_lottery",
                json!({"activity_name": "年会抽奖"}),
            )
            .await
            .json()["data"]["activity_id"]
            .as_i64()
            .unwrap();
        for i in 0..members {
            let resp = self
                .call(Method::POST, &format!("/api/v3/activitys_for_wx/{id}/wx/userInfo"),
                      json!({"member_id": format!("m{i:03}"), "member_real_name": "张三丰", "member_nickname": format!("n{i}")}))
                .await;
            assert_eq!(resp.status, StatusCode::OK);
        }
        let resp = self
            .call(
                Method::PUT,
                &format!("/api/v3/activitys_lottery/{id}/settings"),
                json!({ "purpose": purpose }),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        id
    }
}

impl Ctx {
    pub async fn call(&self, method: Method, path: &str, body: Value) -> Resp {
        self.app.as_org_call(&self.org, method, path, body).await
    }

    /// A big screen on the activity's event stream (with a fresh screen key).
    pub async fn screen(&self) -> crate::events::Screen {
        let key = self.app.screen_key(&self.org, self.id).await;
        let base = self.app.live().await;
        let (_, screen) = crate::events::Screen::open(
            &base,
            &format!("/api/v3/activitys/{}/events?screen_key={key}", self.id),
            None,
        )
        .await;
        screen
    }

    pub async fn prize(&self, stock: i64) -> i64 {
        let resp = self
            .call(
                Method::POST,
                &format!("/api/v3/activitys_lottery/{}/prizes", self.id),
                json!({"name": "一等奖", "tier": 1, "stock": stock}),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        resp.json()["data"]["prize_id"].as_i64().unwrap()
    }

    pub async fn commit(&self, prize: i64, count: i64, exclude: bool) -> Resp {
        self.call(
            Method::POST,
            &format!("/api/v3/activitys_lottery/{}/rounds", self.id),
            json!({"prize_id": prize, "count": count, "exclude_winners": exclude}),
        )
        .await
    }

    /// The list a round committed to, from GET …/rounds/{round}/participants.
    pub async fn committed_list(&self, record: &Value) -> Vec<String> {
        let round = record["round_id"].as_i64().unwrap();
        let resp = self
            .call(
                Method::GET,
                &format!(
                    "/api/v3/activitys_lottery/{}/rounds/{round}/participants",
                    self.id
                ),
                Value::Null,
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        assert_eq!(resp.headers["content-type"], "text/plain; charset=utf-8");
        assert_eq!(
            hex(&sha256(resp.text.as_bytes())),
            record["list_hash"],
            "the list's bytes are what list_hash hashes"
        );
        let list: Vec<String> = resp
            .text
            .split('\n')
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect();
        assert_eq!(record["participants_count"], list.len());
        list
    }

    pub async fn draw(&self, round: i64) -> Resp {
        self.call(
            Method::POST,
            &format!("/api/v3/activitys_lottery/{}/rounds/{round}/draw", self.id),
            Value::Null,
        )
        .await
    }
}

fn sha256(data: &[u8]) -> Vec<u8> {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data)
        .as_ref()
        .to_vec()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// The documented algorithm, written again here from docs/activities.md, not from wxhub's code.
pub(crate) fn recompute(seed_hex: &str, participants: &[String], k: usize) -> Vec<String> {
    let list_hash = sha256(participants.join("\n").as_bytes());
    let mut material = unhex(seed_hex);
    material.extend_from_slice(&list_hash);
    let key: [u8; 32] = sha256(&material).try_into().unwrap();
    let mut rng = rand_chacha::ChaCha20Rng::from_seed(key);
    let mut list = participants.to_vec();
    let n = list.len();
    for i in 0..k.min(n) {
        let bound = (n - i) as u128;
        let limit = (1u128 << 64) - ((1u128 << 64) % bound);
        let j = loop {
            let x = rng.next_u64() as u128;
            if x < limit {
                break i + (x % bound) as usize;
            }
        };
        list.swap(i, j);
    }
    list.truncate(k.min(n));
    list
}

#[tokio::test]
async fn a_drawn_round_recomputes_from_its_published_record() {
    let c = ctx(30).await;
    let prize = c.prize(5).await;
    let committed = c.commit(prize, 3, true).await;
    assert_eq!(committed.status, StatusCode::OK, "{}", committed.text);
    let record = committed.json()["data"].clone();
    assert_eq!(record["state"], "committed");
    assert_eq!(
        record["seed"],
        Value::Null,
        "the seed stays secret until the draw"
    );
    assert_eq!(
        record.get("participants"),
        None,
        "the answer carries the count and the hash, not the list"
    );
    let participants = c.committed_list(&record).await;
    assert_eq!(participants.len(), 30);
    assert!(participants.windows(2).all(|w| w[0] < w[1]), "sorted");
    assert_eq!(
        record["list_hash"],
        hex(&sha256(participants.join("\n").as_bytes()))
    );
    let round = record["round_id"].as_i64().unwrap();

    let drawn = c.draw(round).await;
    assert_eq!(drawn.status, StatusCode::OK, "{}", drawn.text);
    let drawn = drawn.json()["data"].clone();
    let seed = drawn["seed"].as_str().unwrap().to_string();
    assert_eq!(
        hex(&sha256(&unhex(&seed))),
        record["seed_hash"],
        "the revealed seed is the committed one"
    );
    let winners: Vec<String> = serde_json::from_value(drawn["winners"].clone()).unwrap();
    assert_eq!(
        winners,
        recompute(&seed, &participants, 3),
        "an independent recomputation agrees"
    );
    assert_eq!(
        c.draw(round).await.status,
        StatusCode::CONFLICT,
        "a round is drawn once"
    );

    // The published record verifies with the CLI; a tampered one does not.
    let published = c
        .call(
            Method::GET,
            &format!("/api/v3/activitys_lottery/{}/rounds/{round}", c.id),
            Value::Null,
        )
        .await
        .text;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("round.json");
    std::fs::write(&file, &published).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wxhub"))
        .args(["lottery", "verify", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("verified"));
    let mut tampered: Value = serde_json::from_str(&published).unwrap();
    let outsider = participants
        .iter()
        .find(|p| !winners.contains(p))
        .unwrap()
        .clone();
    tampered["data"]["winners"][0] = json!(outsider);
    std::fs::write(&file, tampered.to_string()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wxhub"))
        .args(["lottery", "verify", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("NOT verified: the random winners differ")
    );
    // The draw's answer carries no list: verification asks for the published record.
    std::fs::write(&file, json!({"data": drawn}).to_string()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wxhub"))
        .args(["lottery", "verify", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no participant list"));

    // The next round leaves out earlier winners; the stock is never exceeded.
    let second = c.commit(prize, 2, true).await.json()["data"].clone();
    let second_list = c.committed_list(&second).await;
    assert_eq!(second_list.len(), 27);
    assert!(winners.iter().all(|w| !second_list.contains(w)));
    let resp = c.commit(prize, 1, true).await;
    assert_eq!(
        resp.status,
        StatusCode::OK,
        "committing does not take stock yet"
    );
    c.draw(second["round_id"].as_i64().unwrap()).await;
    let over = c.commit(prize, 1, true).await;
    assert_eq!(over.json(), activity_error("奖品库存不足:剩余 0"));
    let all = c
        .call(
            Method::GET,
            &format!("/api/v3/activitys_lottery/{}/winners", c.id),
            Value::Null,
        )
        .await
        .json();
    assert_eq!(all["data"].as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn concurrent_draws_never_oversell_and_a_failed_draw_leaves_no_winners() {
    let c = std::sync::Arc::new(ctx(10).await);
    let prize = c.prize(2).await;
    let a = c.commit(prize, 2, false).await.json()["data"]["round_id"]
        .as_i64()
        .unwrap();
    let b = c.commit(prize, 2, false).await.json()["data"]["round_id"]
        .as_i64()
        .unwrap();
    let (ra, rb) = tokio::join!(c.draw(a), c.draw(b));
    let statuses = [ra.status, rb.status];
    assert!(
        statuses.contains(&StatusCode::OK) && statuses.contains(&StatusCode::CONFLICT),
        "{statuses:?}"
    );
    let loser = if ra.status == StatusCode::OK { b } else { a };
    let record = c
        .call(
            Method::GET,
            &format!("/api/v3/activitys_lottery/{}/rounds/{loser}", c.id),
            Value::Null,
        )
        .await
        .json();
    assert_eq!(
        record["data"]["state"], "committed",
        "the failed draw changed nothing"
    );
    assert_eq!(record["data"]["winners"], json!([]));
    let prizes = c
        .call(
            Method::GET,
            &format!("/api/v3/activitys_lottery/{}/prizes", c.id),
            Value::Null,
        )
        .await
        .json();
    assert_eq!(prizes["data"][0]["awarded"], 2);
}

#[tokio::test]
async fn bad_rounds_are_refused_and_draws_reach_the_screen() {
    let c = ctx(3).await;
    let prize = c.prize(10).await;
    for (body, status, msg) in [
        (
            json!({"prize_id": prize, "count": 0}),
            400,
            "count 应在 1 到 10000 之间".to_string(),
        ),
        (json!({"count": 1}), 400, "缺少参数 prize_id".into()),
        (
            json!({"prize_id": 999, "count": 1}),
            404,
            "奖品不存在".into(),
        ),
        (
            json!({"prize_id": prize, "count": 5}),
            409,
            "可抽奖人数 3 少于本轮需抽取的人数 5".into(),
        ),
    ] {
        let resp = c
            .call(
                Method::POST,
                &format!("/api/v3/activitys_lottery/{}/rounds", c.id),
                body.clone(),
            )
            .await;
        assert_eq!(resp.status.as_u16(), status, "{body}");
        assert_eq!(resp.json(), activity_error(&msg), "{body}");
    }
    let resp = c
        .call(
            Method::POST,
            &format!("/api/v3/activitys_lottery/{}/prizes", c.id),
            json!({"name": "x", "stock": 0}),
        )
        .await;
    assert_eq!(resp.json(), activity_error("stock 应在 1 到 100000 之间"));

    let mut screen = c.screen().await;
    let round = c.commit(prize, 2, true).await.json()["data"]["round_id"]
        .as_i64()
        .unwrap();
    c.draw(round).await;
    let events = screen.wait_for(5).await; // three joins, the commitment, the draw
    let commit = &events[3];
    assert_eq!(commit.1, "lottery_commit");
    assert_eq!(commit.2["round_id"], round);
    assert_eq!(commit.2["participants_count"], 3);
    assert_eq!(commit.2["count"], 2);
    assert_eq!(
        commit.2["names"],
        json!(["张三丰", "张三丰", "张三丰"]),
        "an internal lottery rolls full names (activity::names)"
    );
    assert_eq!(
        commit.2.get("people"),
        None,
        "the real names stay in the event"
    );
    assert_eq!(commit.2["seed_hash"].as_str().unwrap().len(), 64);
    let draw = &events[4];
    assert_eq!(draw.1, "lottery_draw");
    assert_eq!(draw.2["winners"].as_array().unwrap().len(), 2);
    assert_eq!(
        draw.2["winners"][0]["name"], "张三丰",
        "an internal lottery names its winners in full"
    );
    assert_eq!(draw.2["winners"][0].get("real_name"), None);
    assert_eq!(draw.2["winners"][0]["designated"], false);
}

#[tokio::test]
async fn participants_are_listed_and_winners_exported() {
    let c = ctx(12).await;
    let all = c
        .call(
            Method::GET,
            &format!("/api/v3/activitys_lottery/{}/participants", c.id),
            Value::Null,
        )
        .await
        .json();
    assert_eq!(all["data"].as_array().unwrap().len(), 12);
    let page = c
        .call(
            Method::GET,
            &format!(
                "/api/v3/activitys_lottery/{}/participants/page?search=m01&page=1&page_size=2",
                c.id
            ),
            Value::Null,
        )
        .await
        .json();
    assert_eq!(page["data"]["total_count"], 2, "m010 and m011");
    assert_eq!(page["data"]["items"][0]["participant_id"], "m010");
    assert_eq!(page["data"]["items"][0]["source"], "member");
    let prize = c.prize(3).await;
    let round = c.commit(prize, 3, true).await.json()["data"]["round_id"]
        .as_i64()
        .unwrap();
    let winners: Vec<String> =
        serde_json::from_value(c.draw(round).await.json()["data"]["winners"].clone()).unwrap();
    let (status, _, bytes) = bytes_of(
        &c.app,
        &as_org(
            &format!("/api/v3/activitys_lottery/{}/winners/export", c.id),
            &c.org,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let rows: Vec<Vec<String>> = wb
        .worksheet_range_at(0)
        .unwrap()
        .unwrap()
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(
        rows[0],
        vec![
            "轮次",
            "奖品",
            "名次",
            "参与者ID",
            "昵称",
            "姓名",
            "手机号",
            "内定",
            "状态",
            "原因"
        ]
    );
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[1][1], "一等奖");
    assert_eq!(rows[1][3], winners[0]);
    assert_eq!(rows[1][5], "张三丰", "the back office sees names whole");
    assert_eq!(rows[1][7], "随机抽取");
    assert_eq!(rows[1][8], "中奖");
}

#[tokio::test]
async fn rounds_are_numbered_per_activity_wherever_people_read_them() {
    // Another activity (a rehearsal copy, say) had three rounds first.
    let mut c = ctx(3).await;
    let prize = c.prize(10).await;
    for _ in 0..3 {
        let resp = c.commit(prize, 1, false).await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        let round = resp.json()["data"]["round_id"].as_i64().unwrap();
        assert_eq!(c.draw(round).await.status, StatusCode::OK);
    }
    c.id = c.new_lottery(1, "internal").await;
    let prize = c.prize(1).await;
    let committed = c.commit(prize, 1, true).await;
    assert_eq!(committed.status, StatusCode::OK, "{}", committed.text);
    let record = committed.json()["data"].clone();
    let round = record["round_id"].as_i64().unwrap();
    assert_eq!(round, 4, "ids run across activities");
    assert_eq!(c.draw(round).await.status, StatusCode::OK);
    // The public results, the member's own wins, the H5 page and the verification page.
    let public = c
        .call(
            Method::GET,
            &format!("/api/v3/activitys_for_wx/{}/lottery", c.id),
            Value::Null,
        )
        .await
        .json();
    assert_eq!(public["data"]["rounds"][0]["round_number"], 1);
    let me = c
        .call(
            Method::GET,
            &format!("/api/v3/activitys_for_wx/{}/wx/me?member_id=m000", c.id),
            Value::Null,
        )
        .await
        .json();
    assert_eq!(me["data"]["wins"][0]["round_number"], 1, "{me}");
    let page = c.app.get(&format!("/h5/{}", c.id), None).await.text;
    assert!(page.contains("第 1 轮 · 一等奖"), "{page}");
    assert!(!page.contains("第 4 轮"));
    let verify = c
        .app
        .get(&format!("/h5/{}/lottery/rounds/{round}", c.id), None)
        .await
        .text;
    assert!(verify.contains("第 1 轮"), "{verify}");
}
