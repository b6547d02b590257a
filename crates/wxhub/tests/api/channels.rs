//! Channel QR codes through the real server and the simulator: codes made with WeChat's
//! qrcode/create, scans and follows from them (each push counted once, whatever WeChat's
//! retries), unfollows among the people a code brought, a code's own welcome, the days and the
//! export; each bad request refused and changing nothing, WeChat's refusal storing nothing.

use crate::callbacks::{delivered, PortAdmin, APP_ID};
use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

/// The port's channel codes.
struct Channels(PortAdmin);

impl std::ops::Deref for Channels {
    type Target = PortAdmin;
    fn deref(&self) -> &PortAdmin {
        &self.0
    }
}

impl Channels {
    async fn new() -> Channels {
        Channels(PortAdmin::new().await)
    }

    fn path(&self, rest: &str) -> String {
        format!("/admin/api/v1/ports/{}/channel-codes{rest}", self.port_id)
    }

    async fn admin(&self, method: Method, rest: &str, body: Value) -> Resp {
        self.call(method, &format!("/channel-codes{rest}"), body)
            .await
    }

    async fn made(&self, body: Value) -> Value {
        let resp = self.admin(Method::POST, "", body).await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        resp.json()["result"].clone()
    }

    async fn ticket(&self, code_id: i64) -> String {
        wxhub::store::channel_codes::get(&self.c.app.state.store, self.port_id, code_id)
            .await
            .unwrap()
            .unwrap()
            .ticket
    }

    /// `openid` scans the code with WeChat (`times` deliveries): the first answer's body.
    async fn scan(&self, openid: &str, ticket: &str, times: u32) -> String {
        let result = self
            .c
            .push_to(
                "/sim/scan",
                json!({"appid": APP_ID, "openid": openid, "ticket": ticket, "times": times}),
            )
            .await;
        let answers = delivered(&result);
        assert!(answers.iter().all(|(s, _)| *s == 200), "{answers:?}");
        answers[0].1.clone()
    }

    async fn totals(&self) -> Vec<(String, i64, i64, i64)> {
        let list = self.admin(Method::GET, "", Value::Null).await.json()["result"].clone();
        list.as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let t = &c["total"];
                (
                    c["name"].as_str().unwrap().to_string(),
                    t["scans"].as_i64().unwrap(),
                    t["follows"].as_i64().unwrap(),
                    t["unfollows"].as_i64().unwrap(),
                )
            })
            .collect()
    }
}

#[tokio::test]
async fn a_code_counts_the_scans_follows_and_unfollows_it_brings_each_once() {
    let ch = Channels::new().await;
    let expo = ch.made(json!({"name": "展会", "scene": "expo2026"})).await;
    assert_eq!(expo["scene"], "expo2026");
    assert_eq!(expo["permanent"], true);
    assert_eq!(expo["expiresAt"], Value::Null);
    assert!(expo["url"].as_str().unwrap().starts_with("http"), "{expo}");
    let poster = ch.made(json!({"name": "海报", "expireDays": 7})).await;
    assert_eq!(poster["permanent"], false);
    assert!(
        poster["scene"].as_str().unwrap().starts_with("ch-"),
        "{poster}"
    );
    // Seven days from now (the simulator's expire_seconds, as WeChat answers).
    let expires: jiff::Timestamp = poster["expiresAt"].as_str().unwrap().parse().unwrap();
    let week = (expires.as_millisecond() - wxhub::time::now_ms()) as f64 / 86_400_000.0;
    assert!((6.99..=7.0).contains(&week), "{week}");
    // The expo's own welcome (a subscribe rule for its scene).
    let rule =
        ch.c.app
            .json(
                Method::POST,
                &format!("/admin/api/v1/ports/{}/reply-rules", ch.port_id),
                Some(&ch.admin),
                json!({"on": "subscribe", "pattern": "expo2026",
                   "reply": {"type": "text", "content": "欢迎展会来宾"}}),
            )
            .await;
    assert_eq!(rule.status, StatusCode::OK, "{}", rule.text);

    let (expo_id, poster_id) = (expo["id"].as_i64().unwrap(), poster["id"].as_i64().unwrap());
    let (expo_ticket, poster_ticket) = (ch.ticket(expo_id).await, ch.ticket(poster_id).await);
    // Two new followers from the expo's code (one delivered three times by WeChat's retries),
    // the first scanning it again as a follower; one from the poster.
    let welcome = ch.scan("oA1", &expo_ticket, 3).await;
    let xml = wechat::xml::parse(&welcome).unwrap();
    assert_eq!(xml.child_text("Content"), Some("欢迎展会来宾"), "{welcome}");
    ch.scan("oA2", &expo_ticket, 1).await;
    assert_eq!(
        ch.scan("oA1", &expo_ticket, 1).await,
        "success",
        "a follower's SCAN"
    );
    ch.scan("oB1", &poster_ticket, 1).await;
    // oA2 leaves; someone who followed from a search follows and leaves: no code's.
    for (openid, event) in [
        ("oA2", "unsubscribe"),
        ("oX", "subscribe"),
        ("oX", "unsubscribe"),
    ] {
        let answer =
            ch.c.push(json!({"appid": APP_ID, "openid": openid, "event": event}))
                .await;
        assert_eq!(delivered(&answer)[0].0, 200);
    }
    assert_eq!(
        ch.totals().await,
        [("海报".to_string(), 1, 1, 0), ("展会".to_string(), 3, 2, 1)]
    );
    // Today's row, and a span's every day (zeros included).
    let today =
        wxhub::time::format_local(wxhub::time::now_ms(), &ch.c.app.state.tz)[..10].to_string();
    let days = ch
        .admin(Method::GET, &format!("/{expo_id}/days"), Value::Null)
        .await
        .json()["result"]
        .clone();
    let days = days.as_array().unwrap();
    assert_eq!(days.len(), 30, "the 30 days to today");
    assert_eq!(
        days[29],
        json!({"day": today, "scans": 3, "follows": 2, "unfollows": 1})
    );
    assert_eq!(days[0]["scans"], 0);
    // The export: totals, and each code's days.
    let (status, ctype, bytes) = bytes_as(
        &ch.c.app,
        &ch.path(&format!("/export?from={today}&to={today}")),
        Some(&ch.admin),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(ctype.contains("spreadsheetml"), "{ctype}");
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = |i: usize, wb: &mut calamine::Xlsx<_>| -> Vec<Vec<String>> {
        wb.worksheet_range_at(i)
            .unwrap()
            .unwrap()
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    };
    assert_eq!(
        sheet(0, &mut wb),
        [
            vec!["渠道", "场景值", "扫码", "新关注", "其中取关", "净增"],
            vec![
                "海报",
                poster["scene"].as_str().unwrap(),
                "1",
                "1",
                "0",
                "1"
            ],
            vec!["展会", "expo2026", "3", "2", "1", "1"],
        ]
    );
    assert_eq!(
        sheet(1, &mut wb)[1..],
        [
            vec![today.as_str(), "海报", "1", "1", "0"],
            vec![today.as_str(), "展会", "3", "2", "1"],
        ]
    );
    // The code as an image; renamed, it keeps counting; deleted, it is gone.
    let (status, ctype, svg) = bytes_as(
        &ch.c.app,
        &ch.path(&format!("/{expo_id}/qr.svg")),
        Some(&ch.admin),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(ctype.starts_with("image/svg+xml"), "{ctype}");
    assert!(String::from_utf8(svg).unwrap().contains("<svg"));
    let renamed = ch
        .admin(
            Method::PUT,
            &format!("/{expo_id}"),
            json!({"name": "2026 展会"}),
        )
        .await;
    assert_eq!(
        renamed.json()["result"]["total"]["follows"],
        2,
        "{}",
        renamed.text
    );
    let gone = ch
        .admin(Method::DELETE, &format!("/{poster_id}"), Value::Null)
        .await;
    assert_eq!(gone.status, StatusCode::OK);
    assert_eq!(ch.totals().await, [("2026 展会".to_string(), 3, 2, 1)]);
}

#[tokio::test]
async fn bad_codes_and_spans_are_refused_and_wechat_s_refusal_stores_nothing() {
    let ch = Channels::new().await;
    ch.made(json!({"name": "展会", "scene": "expo2026"})).await;
    let cases = [
        (json!({"name": ""}), 400, "渠道名称需要 1 到 32 个字符"),
        (
            json!({"name": "名".repeat(33)}),
            400,
            "渠道名称需要 1 到 32 个字符",
        ),
        (
            json!({"name": "海报", "scene": "含 空格"}),
            400,
            "场景值需要 1 到 64 个字母、数字或 _ - . 字符",
        ),
        (
            json!({"name": "海报", "scene": "s".repeat(65)}),
            400,
            "场景值需要 1 到 64 个字母、数字或 _ - . 字符",
        ),
        (
            json!({"name": "海报", "scene": "wxhub-signin-3"}),
            400,
            "场景值 wxhub-signin-… 留给扫码签到使用",
        ),
        (
            json!({"name": "海报", "expireDays": 31}),
            400,
            "临时二维码的有效天数应在 1 到 30 之间(0 或不填为永久二维码)",
        ),
        (json!({"name": "展会"}), 409, "该公众号已有同名的渠道二维码"),
        (
            json!({"name": "海报", "scene": "expo2026"}),
            409,
            "该公众号已有使用这个场景值的渠道二维码",
        ),
    ];
    for (body, status, message) in cases {
        let resp = ch.admin(Method::POST, "", body.clone()).await;
        assert_eq!(resp.status.as_u16(), status, "{body}: {}", resp.text);
        assert_eq!(resp.json(), marketing_error(status, message), "{body}");
    }
    // WeChat refuses (45009, the API's daily quota): the error, and no code kept.
    ch.c.sim.inject(wechat_sim::Fault::errcode(
        "/cgi-bin/qrcode/create",
        45009,
        1,
    ));
    let refused = ch.admin(Method::POST, "", json!({"name": "海报"})).await;
    assert_eq!(refused.status, StatusCode::BAD_GATEWAY, "{}", refused.text);
    assert_eq!(ch.totals().await.len(), 1);
    // Spans.
    let expo = ch.totals().await;
    assert_eq!(expo.len(), 1);
    let id = ch.admin(Method::GET, "", Value::Null).await.json()["result"][0]["id"]
        .as_i64()
        .unwrap();
    for (query, message) in [
        ("?from=2026-13-01", "开始日期应为 YYYY-MM-DD 格式的日期"),
        ("?to=yesterday", "结束日期应为 YYYY-MM-DD 格式的日期"),
        ("?from=2026-02-01&to=2026-01-01", "开始日期不能晚于结束日期"),
        ("?from=2024-01-01&to=2026-01-01", "一次最多查询 366 天"),
    ] {
        let resp = ch
            .admin(Method::GET, &format!("/{id}/days{query}"), Value::Null)
            .await;
        assert_eq!(resp.json(), marketing_error(400, message), "{query}");
    }
    let other = ch.admin(Method::GET, "/999999/days", Value::Null).await;
    assert_eq!(
        other.json(),
        marketing_error(404, "渠道二维码 999999 不存在")
    );
    let resp =
        ch.c.app
            .json(
                Method::POST,
                "/admin/api/v1/ports/999999/channel-codes",
                Some(&ch.admin),
                json!({"name": "x"}),
            )
            .await;
    assert_eq!(resp.json(), marketing_error(404, "端口 999999 不存在"));
}

#[tokio::test]
async fn a_code_gives_its_tags_to_each_follower_it_brings() {
    let ch = Channels::new().await;
    let tags_path = format!("/admin/api/v1/ports/{}/tags", ch.port_id);
    let mut tag_ids = vec![];
    for name in ["展会", "2026"] {
        let resp =
            ch.c.app
                .json(
                    Method::POST,
                    &tags_path,
                    Some(&ch.admin),
                    json!({"name": name}),
                )
                .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        tag_ids.push(resp.json()["result"]["id"].as_i64().unwrap());
    }
    // Unknown, WeChat's own and too many tags: refused, no code made.
    let many: Vec<i64> = (100..121).collect();
    for (tags, message) in [
        (json!([424242]), "标签 424242 不存在(或为微信保留的标签)"),
        (json!("2"), "标签 2 不存在(或为微信保留的标签)"),
        (json!(many), "一个渠道二维码最多打 20 个标签"),
        (
            json!("101,x"),
            "标签 tagIds 应为标签 id 的列表(如 [101, 102])或以逗号分隔的 id",
        ),
    ] {
        let resp = ch
            .admin(Method::POST, "", json!({"name": "坏", "tagIds": tags}))
            .await;
        assert_eq!(resp.json(), marketing_error(400, message), "{tags}");
    }
    assert_eq!(ch.totals().await, []);

    let code = ch
        .made(json!({"name": "展会", "tagIds": format!("{}\u{ff0c} {}", tag_ids[1], tag_ids[0])}))
        .await;
    let mut sorted = tag_ids.clone();
    sorted.sort();
    assert_eq!(code["tagIds"], json!(sorted));
    let ticket = ch.ticket(code["id"].as_i64().unwrap()).await;
    ch.scan("oTagged1", &ticket, 2).await;
    ch.scan("oTagged2", &ticket, 1).await;
    // Given in the background: each tag's count reaches 2 (and stays there).
    let counts = || async {
        let list =
            ch.c.app
                .json(Method::GET, &tags_path, Some(&ch.admin), Value::Null)
                .await
                .json()["result"]
                .clone();
        list.as_array()
            .unwrap()
            .iter()
            .map(|t| t["count"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while counts().await != [2, 2] {
        assert!(std::time::Instant::now() < deadline, "{:?}", counts().await);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        ch.c.sim.calls("/cgi-bin/tags/members/batchtagging"),
        4,
        "two tags for each of two followers; WeChat's retry tagged no one again"
    );
    // The tags change (the later one only): the next follower gets that one alone (a task
    // gives a code's tags in order, so the earlier one would have come first).
    let resp = ch
        .admin(
            Method::PUT,
            &format!("/{}", code["id"]),
            json!({"tagIds": [sorted[1]]}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(resp.json()["result"]["tagIds"], json!([sorted[1]]));
    assert_eq!(resp.json()["result"]["name"], "展会");
    ch.scan("oTagged3", &ticket, 1).await;
    while counts().await != [2, 3] {
        assert!(std::time::Instant::now() < deadline, "{:?}", counts().await);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(ch.c.sim.calls("/cgi-bin/tags/members/batchtagging"), 5);
}
