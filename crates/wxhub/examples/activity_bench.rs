//! The activities' load generator (bench/activities.sh runs it against a release server):
//!
//!     activity_bench signins BASE TOKEN ACTIVITY MEMBERS CLIENTS SCREENS SCREEN_KEY
//!         SCREENS screens watch the activity's event stream while CLIENTS callers sign MEMBERS
//!         members in through userInfo; prints sign-ins per second, p50/p99 latency, and how
//!         many events each screen received.
//!     activity_bench roster FILE ROWS
//!         writes a roster workbook of ROWS rows (姓名, 手机号, 编号).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

async fn signins(args: &[String]) {
    let base = args[0].clone();
    let token = args[1].clone();
    let activity: i64 = args[2].parse().unwrap();
    let members: usize = args[3].parse().unwrap();
    let clients: usize = args[4].parse().unwrap();
    let screens: usize = args[5].parse().unwrap();
    let key = args[6].clone();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .unwrap();

    // The screens: count `event: signin` lines until every member has been seen.
    let connected = Arc::new(AtomicUsize::new(0));
    let mut watchers = Vec::new();
    for _ in 0..screens {
        let url = format!("{base}/api/v3/activitys/{activity}/events?screen_key={key}");
        let (http, connected) = (reqwest::Client::new(), connected.clone());
        watchers.push(tokio::spawn(async move {
            let mut resp = http.get(url).send().await.expect("screen connects");
            assert_eq!(resp.status(), 200);
            connected.fetch_add(1, Ordering::SeqCst);
            let (mut seen, mut tail) = (0usize, String::new());
            let deadline = Instant::now() + Duration::from_secs(600);
            while seen < members && Instant::now() < deadline {
                let Ok(Ok(Some(chunk))) =
                    tokio::time::timeout(Duration::from_secs(60), resp.chunk()).await
                else {
                    break;
                };
                tail.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(at) = tail.find('\n') {
                    if tail[..at].starts_with("event: signin") {
                        seen += 1;
                    }
                    tail.drain(..=at);
                }
            }
            seen
        }));
    }
    while connected.load(Ordering::SeqCst) < screens {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // The sign-ins.
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut callers = Vec::new();
    for _ in 0..clients {
        let (http, next, base, token) = (http.clone(), next.clone(), base.clone(), token.clone());
        callers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let url = format!(
                "{base}/api/v3/activitys_for_wx/{activity}/wx/userInfo?access_token={token}&access_type=org"
            );
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= members {
                    return latencies;
                }
                let body = format!(
                    r#"{{"member_id":"m{i}","member_nickname":"参会者{i}","member_real_name":"参会者{i}","member_icon":"http://a.com/{i}.png"}}"#
                );
                let t = Instant::now();
                let resp = http
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap_or_default());
                let _ = resp.bytes().await;
                latencies.push(t.elapsed());
            }
        }));
    }
    let mut latencies = Vec::new();
    for c in callers {
        latencies.extend(c.await.unwrap());
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    let mut received = Vec::new();
    for w in watchers {
        received.push(w.await.unwrap());
    }
    let complete = received.iter().filter(|n| **n == members).count();
    println!(
        "{{\"members\": {members}, \"clients\": {clients}, \"screens\": {screens}, \
         \"signins_per_sec\": {:.0}, \"p50_ms\": {:.2}, \"p99_ms\": {:.2}, \
         \"screens_with_all_events\": {complete}, \"fewest_events_on_a_screen\": {}, \"seconds\": {:.2}}}",
        members as f64 / elapsed.as_secs_f64(),
        pct(0.5).as_secs_f64() * 1000.0,
        pct(0.99).as_secs_f64() * 1000.0,
        received.iter().min().unwrap_or(&0),
        elapsed.as_secs_f64()
    );
}

fn roster(args: &[String]) {
    let path = &args[0];
    let rows: usize = args[1].parse().unwrap();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["姓名", "手机号", "编号"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for i in 0..rows {
        let r = i as u32 + 1;
        ws.write_string(r, 0, format!("成员{i}")).unwrap();
        ws.write_string(r, 1, format!("13{:09}", i)).unwrap();
        ws.write_string(r, 2, format!("E-{i:06}")).unwrap();
    }
    wb.save(path).unwrap();
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("signins") => tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(signins(&args[1..])),
        Some("roster") => roster(&args[1..]),
        _ => eprintln!("usage: activity_bench signins … | roster FILE ROWS"),
    }
}
