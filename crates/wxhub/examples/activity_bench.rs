//! The activities' load generator (bench/activities.sh runs it against a release server):
//!
//!     activity_bench signins BASE TOKEN ACTIVITY MEMBERS CLIENTS SCREENS SCREEN_KEY [BASE2]
//!         SCREENS screens watch the activity's event stream while CLIENTS callers sign MEMBERS
//!         members in through userInfo; prints sign-ins per second, p50/p99 latency, and how
//!         many events each screen received. With BASE2 (another instance on the same
//!         database), every other screen watches through it.
//!     activity_bench roster FILE ROWS
//!         writes a roster workbook of ROWS rows (姓名, 手机号, 编号).
//!     activity_bench participants FILE ROWS FROM
//!         writes a lottery participant workbook of ROWS rows (编号, 姓名, 手机号, 标签), numbered
//!         from FROM.
//!     activity_bench xlsx-baseline FILE
//!         the format's own cost, in-process: reads FILE's rows (calamine) and writes them back
//!         (rust_xlsxwriter); prints both times.
//!     activity_bench draw-baseline N K
//!         the draw's own cost, in-process: N participant ids sorted, hashed and K drawn by the
//!         published algorithm.
//!     activity_bench screen BASE ACTIVITY KEY EVENTS
//!         how fast one sign-in wall renders: the activity already holds EVENTS sign-ins; a
//!         plain stream client (the baseline) reads them all from the replay, then headless
//!         Chromium opens the wall and the time until its count shows EVENTS is taken; prints
//!         both rates.
//!     activity_bench show BASE TOKEN ACTIVITY KEY LAYOUT FROM RATE SECS
//!         the sign-in wall's frame rate: headless Chromium (1920×1080) opens the wall in
//!         LAYOUT (grid, sphere; blank: an empty page, the baseline) once it holds FROM sign-ins, then RATE sign-ins a second
//!         arrive for SECS seconds (members numbered from FROM) while the page records every
//!         frame; prints frames per second, the longest frame and the frames over 50 and
//!         100 ms, and whether the count reached FROM + RATE × SECS.
//!     activity_bench vote BASE TOKEN ACTIVITY KEY MEMBERS SECS
//!         MEMBERS members join; headless Chromium opens the vote's screen; then, at the pace
//!         of MEMBERS in SECS seconds, the same number of GETs of /bench/bare (the baseline)
//!         and then one ballot per member; prints the ballots' rate and p50/p99 beside the
//!         bare handler's, how many the database counted, and how long after the last answer
//!         the screen showed the database's totals.
//!     activity_bench quiz BASE TOKEN ACTIVITY KEY MEMBERS SECS
//!         as vote, for a quiz's question: MEMBERS join, the screen opens, the bare handler is
//!         called at the pace of MEMBERS in SECS seconds, the host opens the question and every
//!         member answers it at that pace; prints the answers' rate and p50/p99 beside the bare
//!         handler's, how many the database counted, and how long after the last answer the
//!         screen showed that count.
//!     activity_bench shake BASE TOKEN ACTIVITY KEY MEMBERS SECS RATE [BASE2]
//!         MEMBERS members join; headless Chromium opens the shake race's screen; the bare
//!         handler is called at MEMBERS × RATE a second for 10 s (the baseline); then the host
//!         starts a round and every member's phone sends its running total RATE times a second
//!         for SECS seconds (with BASE2, every other phone through it); the host stops the
//!         round. Prints the updates' rate and p50/p99 beside the bare handler's, the screen's
//!         frames and state reads per second during the race, and whether the screen's first
//!         ten equal the database's a second after the stop.
//!     activity_bench wall BASE TOKEN ACTIVITY MEMBERS POSTS CLIENTS
//!         joins MEMBERS members, then CLIENTS callers post POSTS messages to the wall (every
//!         fourth with a sensitive word), then the same calls to GET /bench/bare; prints both.

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
    // Screens may be split over instances: every other one watches through the second.
    let screen_bases = [base.clone(), args.get(7).unwrap_or(&base).clone()];
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .unwrap();

    // The screens: count `event: signin` lines until every member has been seen.
    let connected = Arc::new(AtomicUsize::new(0));
    let mut watchers = Vec::new();
    for s in 0..screens {
        let url = format!(
            "{}/api/v3/activitys/{activity}/events?screen_key={key}",
            screen_bases[s % 2]
        );
        let (http, connected) = (reqwest::Client::new(), connected.clone());
        watchers.push(tokio::spawn(async move {
            let mut resp = http.get(url).send().await.expect("screen connects");
            assert_eq!(resp.status(), 200);
            connected.fetch_add(1, Ordering::SeqCst);
            let (mut seen, mut tail) = (0usize, Vec::new());
            let deadline = Instant::now() + Duration::from_secs(600);
            while seen < members && Instant::now() < deadline {
                let Ok(Ok(Some(chunk))) =
                    tokio::time::timeout(Duration::from_secs(60), resp.chunk()).await
                else {
                    break;
                };
                seen += count_signins(&mut tail, &chunk);
            }
            seen
        }));
    }
    while connected.load(Ordering::SeqCst) < screens {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // The sign-ins.
    let url = format!(
        "{base}/api/v3/activitys_for_wx/{activity}/wx/userInfo?access_token={token}&access_type=org"
    );
    let (elapsed, latencies) = hammer(
        clients,
        members,
        Arc::new(move |i| {
            http.post(&url)
                .header("content-type", "application/json")
                .body(format!(
                    r#"{{"member_id":"m{i}","member_nickname":"参会者{i}","member_real_name":"参会者{i}","member_icon":"http://a.com/{i}.png"}}"#
                ))
        }),
    )
    .await;
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

fn participants(args: &[String]) {
    let path = &args[0];
    let rows: usize = args[1].parse().unwrap();
    let from: usize = args[2].parse().unwrap();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["编号", "姓名", "手机号", "标签"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for i in 0..rows {
        let (r, n) = (i as u32 + 1, from + i);
        ws.write_string(r, 0, format!("P{n:07}")).unwrap();
        ws.write_string(r, 1, format!("参与者{n}")).unwrap();
        ws.write_string(r, 2, format!("13{n:09}")).unwrap();
        if n % 10 == 0 {
            ws.write_string(r, 3, "员工").unwrap();
        }
    }
    wb.save(path).unwrap();
}

fn xlsx_baseline(args: &[String]) {
    use calamine::Reader;
    let bytes = std::fs::read(&args[0]).unwrap();
    let t = Instant::now();
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let rows: Vec<Vec<String>> = wb
        .worksheet_range_at(0)
        .unwrap()
        .unwrap()
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    let read = t.elapsed();
    let t = Instant::now();
    let mut out = rust_xlsxwriter::Workbook::new();
    let ws = out.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(r as u32, c as u16, v).unwrap();
            }
        }
    }
    let written = out.save_to_buffer().unwrap();
    println!(
        "{{\"rows\": {}, \"read_s\": {:.3}, \"write_s\": {:.3}, \"written_bytes\": {}}}",
        rows.len() - 1,
        read.as_secs_f64(),
        t.elapsed().as_secs_f64(),
        written.len()
    );
}

fn draw_baseline(args: &[String]) {
    use wxhub::activity::lottery::draw;
    let n: usize = args[0].parse().unwrap();
    let k: usize = args[1].parse().unwrap();
    let ids: Vec<String> = (0..n).map(|i| format!("imp:P{i:07}")).collect();
    let t = Instant::now();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    let hash = draw::list_hash(&sorted);
    let winners = draw::winners(&[7u8; 32], &sorted, k);
    println!(
        "{{\"participants\": {n}, \"winners\": {}, \"seconds\": {:.3}, \"list_hash\": \"{}\"}}",
        winners.len(),
        t.elapsed().as_secs_f64(),
        &hash[..16]
    );
}

/// Sends `total` requests at `rate` a second, in ticks of 20 ms, each without waiting for the
/// ones before: the requests in flight, each answering whether it got a 200 and how long it
/// took.
async fn paced(
    rate: usize,
    total: usize,
    make: impl Fn(usize) -> reqwest::RequestBuilder,
) -> Vec<tokio::task::JoinHandle<(bool, Duration)>> {
    paced_checked(rate, total, make, None).await
}

/// As [`paced`]; with `check`, a 200 counts only when its body passes it too.
async fn paced_checked(
    rate: usize,
    total: usize,
    make: impl Fn(usize) -> reqwest::RequestBuilder,
    check: Option<fn(usize, &str) -> bool>,
) -> Vec<tokio::task::JoinHandle<(bool, Duration)>> {
    let started = Instant::now();
    let mut sent = Vec::new();
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    while sent.len() < total {
        tick.tick().await;
        let due = ((started.elapsed().as_secs_f64() * rate as f64) as usize).min(total);
        while sent.len() < due {
            let (i, req) = (sent.len(), make(sent.len()));
            sent.push(tokio::spawn(async move {
                let t = Instant::now();
                let ok = match req.send().await {
                    Ok(r) if r.status() == 200 => match check {
                        None => true,
                        Some(check) => r.text().await.is_ok_and(|body| check(i, &body)),
                    },
                    _ => false,
                };
                (ok, t.elapsed())
            }));
        }
    }
    sent
}

/// Waits for paced requests: how many failed, and the latencies, sorted.
async fn answered(sent: Vec<tokio::task::JoinHandle<(bool, Duration)>>) -> (usize, Vec<Duration>) {
    let mut latencies = Vec::new();
    let mut failed = 0;
    for s in sent {
        let (ok, took) = s.await.unwrap();
        if !ok {
            failed += 1;
        }
        latencies.push(took);
    }
    latencies.sort();
    (failed, latencies)
}

async fn hammer(
    clients: usize,
    total: usize,
    make: Arc<dyn Fn(usize) -> reqwest::RequestBuilder + Send + Sync>,
) -> (Duration, Vec<Duration>) {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut callers = Vec::new();
    for _ in 0..clients {
        let (next, make) = (next.clone(), make.clone());
        callers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= total {
                    return latencies;
                }
                let t = Instant::now();
                let resp = make(i).send().await.unwrap();
                let status = resp.status();
                let text = resp.text().await.unwrap_or_default();
                assert_eq!(status, 200, "{text}");
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
    (elapsed, latencies)
}

async fn wall(args: &[String]) {
    let base = args[0].clone();
    let token = args[1].clone();
    let activity: i64 = args[2].parse().unwrap();
    let members: usize = args[3].parse().unwrap();
    let posts: usize = args[4].parse().unwrap();
    let clients: usize = args[5].parse().unwrap();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .unwrap();
    let q = format!("access_token={token}&access_type=org");
    let join_url = format!("{base}/api/v3/activitys_for_wx/{activity}/wx/userInfo?{q}");
    let h = http.clone();
    hammer(
        clients,
        members,
        Arc::new(move |i| {
            h.post(&join_url)
                .header("content-type", "application/json")
                .body(format!(
                    r#"{{"member_id":"w{i}","member_nickname":"观众{i}"}}"#
                ))
        }),
    )
    .await;
    let post_url = format!("{base}/api/v3/activitys_for_wx/{activity}/wx/message?{q}");
    let h = http.clone();
    let (elapsed, lat) = hammer(
        clients,
        posts,
        Arc::new(move |i| {
            let text = if i % 4 == 0 {
                format!("第{i}条:这里有敏感词{}号,请屏蔽", i % 1000)
            } else {
                format!("第{i}条:讲得真好,学到了很多,谢谢老师!")
            };
            h.post(&post_url)
                .header("content-type", "application/json")
                .body(format!(
                    r#"{{"member_id":"w{}","content":"{text}"}}"#,
                    i % members
                ))
        }),
    )
    .await;
    let bare_url = format!("{base}/bench/bare");
    let h = http.clone();
    let (bare_elapsed, bare_lat) =
        hammer(clients, posts, Arc::new(move |_| h.get(&bare_url))).await;
    let pct = |l: &[Duration], p: f64| {
        l[((l.len() as f64 * p) as usize).min(l.len() - 1)].as_secs_f64() * 1000.0
    };
    let rate = posts as f64 / elapsed.as_secs_f64();
    let bare = posts as f64 / bare_elapsed.as_secs_f64();
    println!(
        "{{\"posts\": {posts}, \"members\": {members}, \"clients\": {clients}, \"posts_per_sec\": {rate:.0}, \"p50_ms\": {:.2}, \"p99_ms\": {:.2}, \"bare_per_sec\": {bare:.0}, \"bare_p99_ms\": {:.2}, \"vs_bare\": {:.3}}}",
        pct(&lat, 0.5),
        pct(&lat, 0.99),
        pct(&bare_lat, 0.99),
        rate / bare
    );
}

/// Reads the event stream until `events` sign-ins have arrived: the elapsed time.
async fn read_stream(url: &str, events: usize) -> Duration {
    let started = Instant::now();
    let mut resp = reqwest::Client::new()
        .get(url)
        .send()
        .await
        .expect("the stream opens");
    assert_eq!(resp.status(), 200);
    let (mut seen, mut tail) = (0usize, Vec::new());
    while seen < events {
        let chunk = resp
            .chunk()
            .await
            .expect("the stream")
            .expect("more events");
        seen += count_signins(&mut tail, &chunk);
    }
    started.elapsed()
}

/// Counts the `event: signin` lines completed by `chunk`, keeping an unfinished last line in
/// `tail` for the next chunk. One pass over the bytes: the load generator shares the machine
/// with the server, and a scan that shifted the buffer after every line (as this one did
/// until issue 17's third slice) cost it more than half of the two cores.
fn count_signins(tail: &mut Vec<u8>, chunk: &[u8]) -> usize {
    tail.extend_from_slice(chunk);
    let (mut seen, mut start) = (0, 0);
    while let Some(at) = tail[start..].iter().position(|b| *b == b'\n') {
        if tail[start..start + at].starts_with(b"event: signin") {
            seen += 1;
        }
        start += at + 1;
    }
    tail.drain(..start);
    seen
}

/// One WebDriver call to chromedriver at `driver` (session `session`, or none to create one).
async fn webdriver(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    body: Option<serde_json::Value>,
) -> serde_json::Value {
    let mut req = http.request(method, url);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let answer: serde_json::Value = req.send().await.unwrap().json().await.unwrap();
    answer["value"].clone()
}

async fn screen(args: &[String]) {
    let base = args[0].clone();
    let activity: i64 = args[1].parse().unwrap();
    let key = args[2].clone();
    let events: usize = args[3].parse().unwrap();
    let stream = format!("{base}/api/v3/activitys/{activity}/events?screen_key={key}");
    let baseline = read_stream(&stream, events).await;

    let http = reqwest::Client::new();
    let (wd, session, driver, profile) = chromium(&http, "screen").await;
    let at = |path: &str| format!("{wd}/session/{session}{path}");
    let started = Instant::now();
    webdriver(
        &http,
        reqwest::Method::POST,
        at("/url"),
        Some(serde_json::json!({"url": format!("{base}/screens/{activity}/signin?key={key}")})),
    )
    .await;
    let count = serde_json::json!({
        "script": "var c = document.getElementById('count'); return c ? c.textContent : '';",
        "args": []});
    let target = events.to_string();
    let deadline = Instant::now() + Duration::from_secs(600);
    let rendered = loop {
        let shown = webdriver(
            &http,
            reqwest::Method::POST,
            at("/execute/sync"),
            Some(count.clone()),
        )
        .await;
        if shown == serde_json::json!(target) {
            break started.elapsed();
        }
        assert!(
            Instant::now() < deadline,
            "the wall never showed {events}: {shown}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    close_chromium(&http, &wd, &session, driver, profile).await;
    let rate = |d: Duration| events as f64 / d.as_secs_f64();
    println!(
        "{{\"events\": {events}, \"stream_seconds\": {:.2}, \"stream_events_per_sec\": {:.0}, \
         \"screen_seconds\": {:.2}, \"screen_events_per_sec\": {:.0}, \"screen_vs_stream\": {:.2}}}",
        baseline.as_secs_f64(),
        rate(baseline),
        rendered.as_secs_f64(),
        rate(rendered),
        rate(rendered) / rate(baseline)
    );
}

async fn show(args: &[String]) {
    let base = args[0].clone();
    let token = args[1].clone();
    let activity: i64 = args[2].parse().unwrap();
    let key = args[3].clone();
    let layout = args[4].clone();
    let from: usize = args[5].parse().unwrap();
    let rate: usize = args[6].parse().unwrap();
    let secs: u64 = args[7].parse().unwrap();
    let http = reqwest::Client::new();
    let (wd, session, driver, profile) = chromium(&http, "show").await;
    let at = |path: &str| format!("{wd}/session/{session}{path}");
    let run = |script: &str| {
        webdriver(
            &http,
            reqwest::Method::POST,
            at("/execute/sync"),
            Some(serde_json::json!({"script": script, "args": []})),
        )
    };
    // `blank`: an empty page, what this machine's headless Chromium draws at all.
    let page = if layout == "blank" {
        "data:text/html,<!DOCTYPE html><html><body></body></html>".to_string()
    } else {
        format!("{base}/screens/{activity}/signin?key={key}&layout={layout}")
    };
    webdriver(
        &http,
        reqwest::Method::POST,
        at("/url"),
        Some(serde_json::json!({ "url": page })),
    )
    .await;
    let count = "return window.WxSignin ? window.WxSignin.count() : -1";
    let wait_for = |target: usize, within: Duration| {
        let run = &run;
        async move {
            let deadline = Instant::now() + within;
            loop {
                let shown = run(count).await.as_u64().unwrap_or(0) as usize;
                if shown >= target || Instant::now() > deadline {
                    return shown;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    if layout != "blank" {
        assert_eq!(
            wait_for(from, Duration::from_secs(300)).await,
            from,
            "the wall never held {from}"
        );
    }
    // Let the replay's last frames and the avatars' first loads settle.
    tokio::time::sleep(Duration::from_secs(2)).await;
    run(
        "window.__frames = []; window.__stop = false; var last = null; \
         function f(t) { if (last !== null) window.__frames.push(t - last); last = t; \
         if (!window.__stop) requestAnimationFrame(f); } requestAnimationFrame(f); return 1",
    )
    .await;

    // RATE sign-ins a second, sent in ticks of 20 ms, each without waiting for the last.
    let url = format!(
        "{base}/api/v3/activitys_for_wx/{activity}/wx/userInfo?access_token={token}&access_type=org"
    );
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .unwrap();
    let total = rate * secs as usize;
    let started = Instant::now();
    let sent = paced(rate, total, move |n| {
        let i = from + n;
        client
            .post(&url)
            .header("content-type", "application/json")
            .body(format!(
                r#"{{"member_id":"m{i}","member_nickname":"来宾{i}","member_real_name":"来宾{i}"}}"#
            ))
    })
    .await;
    // With nothing to send (RATE 0, the idle baseline), the frames are still recorded for SECS.
    if let Some(rest) = Duration::from_secs(secs).checked_sub(started.elapsed()) {
        tokio::time::sleep(rest).await;
    }
    let sending = started.elapsed();
    let frames = run("window.__stop = true; return window.__frames").await;
    let (failed, mut latencies) = answered(sent).await;
    latencies.sort();
    let counted = if layout == "blank" {
        from + total
    } else {
        wait_for(from + total, Duration::from_secs(60)).await
    };
    let counted_after = started.elapsed().saturating_sub(sending);
    close_chromium(&http, &wd, &session, driver, profile).await;

    let frames: Vec<f64> = frames
        .as_array()
        .map(|a| a.iter().filter_map(|f| f.as_f64()).collect())
        .unwrap_or_default();
    let span: f64 = frames.iter().sum::<f64>() / 1000.0;
    let mut sorted = frames.clone();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let pct = |p: f64| {
        sorted
            .get(((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0.0)
    };
    println!(
        "{{\"layout\": \"{layout}\", \"holding\": {from}, \"signins_per_sec\": {:.0}, \"seconds\": {:.1}, \
         \"frames\": {}, \"fps\": {:.1}, \"p99_frame_ms\": {:.1}, \"max_frame_ms\": {:.1}, \
         \"frames_over_50ms\": {}, \"frames_over_100ms\": {}, \"signin_p99_ms\": {:.1}, \
         \"failed\": {failed}, \"counted\": {counted}, \"expected\": {}, \"counted_within_s\": {:.2}}}",
        total as f64 / sending.as_secs_f64(),
        sending.as_secs_f64(),
        frames.len(),
        frames.len() as f64 / span.max(0.001),
        pct(0.99),
        sorted.last().copied().unwrap_or(0.0),
        frames.iter().filter(|f| **f > 50.0).count(),
        frames.iter().filter(|f| **f > 100.0).count(),
        latencies.get(((latencies.len() as f64 * 0.99) as usize).min(latencies.len().saturating_sub(1))).map_or(0.0, |d| d.as_secs_f64() * 1000.0),
        from + total,
        counted_after.as_secs_f64(),
    );
}

/// Ends the session, stops chromedriver and removes the browser's profile.
async fn close_chromium(
    http: &reqwest::Client,
    wd: &str,
    session: &str,
    mut driver: std::process::Child,
    profile: std::path::PathBuf,
) {
    webdriver(
        http,
        reqwest::Method::DELETE,
        format!("{wd}/session/{session}"),
        None,
    )
    .await;
    let _ = driver.kill();
    let _ = driver.wait();
    let _ = std::fs::remove_dir_all(profile);
}

/// A headless Chromium under chromedriver: its WebDriver base and session, and the driver
/// process (killed by the caller).
async fn chromium(
    http: &reqwest::Client,
    name: &str,
) -> (String, String, std::process::Child, std::path::PathBuf) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let driver = std::process::Command::new("/usr/bin/chromedriver")
        .arg(format!("--port={port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("chromedriver (apt-get install chromium chromium-driver)");
    let wd = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if http.get(format!("{wd}/status")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let profile = std::env::temp_dir().join(format!("wxhub-{name}-bench-{port}"));
    let caps = serde_json::json!({"capabilities": {"alwaysMatch": {
        "browserName": "chrome",
        "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1920,1080",
            "--autoplay-policy=no-user-gesture-required",
            format!("--user-data-dir={}", profile.display())]}}}});
    let created = webdriver(
        http,
        reqwest::Method::POST,
        format!("{wd}/session"),
        Some(caps),
    )
    .await;
    let session = created["sessionId"]
        .as_str()
        .expect("a session")
        .to_string();
    (wd, session, driver, profile)
}

/// The host's stage: `rounds` rounds driven by keys as a clicker sends them (Space commits,
/// PageDown stops the names and draws), each timed in the page from the key press to the
/// first winner on stage; beside the page's own bare round trip to the server (`/healthz`).
async fn stage(args: &[String]) {
    let base = args[0].clone();
    let username = args[1].clone();
    let password = args[2].clone();
    let activity: i64 = args[3].parse().unwrap();
    let rounds: usize = args[4].parse().unwrap();
    let http = reqwest::Client::new();
    let (wd, session, driver, profile) = chromium(&http, "stage").await;
    let at = |path: &str| format!("{wd}/session/{session}{path}");
    let script = |code: &str| {
        let (http, url) = (http.clone(), at("/execute/sync"));
        let body = serde_json::json!({"script": code, "args": []});
        async move { webdriver(&http, reqwest::Method::POST, url, Some(body)).await }
    };
    let wait_for = |code: &'static str| {
        let script = &script;
        async move {
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                let v = script(code).await;
                if v != serde_json::Value::Null && v != serde_json::json!(false) {
                    return v;
                }
                if Instant::now() > deadline {
                    let seen = script(
                        "return [document.getElementById('host-step').textContent,
                                 document.getElementById('host-toast').textContent,
                                 document.getElementById('prepare').hidden,
                                 WxLottery.revealing(), document.activeElement.tagName,
                                 document.getElementById('reveal').getAttribute('data-revealed')]",
                    )
                    .await;
                    panic!("never: {code} (the stage: {seen})");
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    };
    let press = |key: &str| {
        let (http, url) = (http.clone(), at("/actions"));
        let body = serde_json::json!({"actions": [{"type": "key", "id": "keyboard", "actions": [
            {"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}]}]});
        async move { webdriver(&http, reqwest::Method::POST, url, Some(body)).await }
    };
    let goto = |url: String| {
        let (http, to) = (http.clone(), at("/url"));
        async move {
            webdriver(
                &http,
                reqwest::Method::POST,
                to,
                Some(serde_json::json!({"url": url})),
            )
            .await
        }
    };
    goto(format!("{base}/console/login")).await;
    script(&format!(
        "document.getElementById('username').value = {};
         document.getElementById('password').value = {};
         document.querySelector('form').submit();",
        serde_json::json!(username),
        serde_json::json!(password)
    ))
    .await;
    wait_for("return document.body && document.body.textContent.indexOf('退出登录') >= 0").await;
    goto(format!("{base}/screens/{activity}/lottery")).await;
    wait_for(
        "return document.getElementById('prepare') && !document.getElementById('prepare').hidden",
    )
    .await;
    let mut latencies = Vec::new();
    let mut bare = Vec::new();
    for round in 0..rounds {
        // The page's own bare round trip, as the baseline.
        script(
            "window.wxBare = null; var t = performance.now();
             fetch('/healthz', {cache: 'no-store'}).then(function () { window.wxBare = performance.now() - t; });",
        )
        .await;
        bare.push(wait_for("return window.wxBare").await.as_f64().unwrap());
        press(" ").await;
        wait_for("return !document.getElementById('roll').hidden && document.getElementById('host-step').textContent.indexOf('停止') >= 0").await;
        script("window.wxFirstWinnerAt = null;").await;
        press("\u{E00F}").await;
        let ms = wait_for(
            "return window.wxFirstWinnerAt && window.wxStopAt && window.wxFirstWinnerAt > window.wxStopAt
               ? window.wxFirstWinnerAt - window.wxStopAt : null",
        )
        .await;
        latencies.push(ms.as_f64().unwrap());
        // This round's reveal over (a key pressed during it is not taken).
        wait_for(
            "return !WxLottery.revealing() && WxLottery.current() &&
               document.getElementById('reveal').getAttribute('data-revealed') === String(WxLottery.current().round_id) &&
               document.getElementById('host-step').textContent.indexOf('下一个') >= 0",
        )
        .await;
        if round + 1 < rounds {
            // The next prize with something left.
            press(" ").await;
            wait_for("return !document.getElementById('prepare').hidden").await;
        }
    }
    close_chromium(&http, &wd, &session, driver, profile).await;
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let max = latencies.iter().cloned().fold(0.0, f64::max);
    let (lat, base_ms) = (median(&mut latencies), median(&mut bare));
    println!(
        "{{\"rounds\": {rounds}, \"key_to_first_winner_ms_median\": {lat:.0}, \
         \"key_to_first_winner_ms_max\": {max:.0}, \"bare_round_trip_ms_median\": {base_ms:.1}, \
         \"ratio\": {:.1}}}",
        lat / base_ms
    );
}

/// A live activity's run (vote, quiz, shake): what every one is given, the client, and the
/// activity's screen open in headless Chromium at 1920×1080 once everyone joined (not
/// measured).
struct Live {
    base: String,
    /// The org token's query string.
    q: String,
    activity: i64,
    members: usize,
    secs: u64,
    http: reqwest::Client,
    wd: String,
    session: String,
    driver: std::process::Child,
    profile: std::path::PathBuf,
}

impl Live {
    /// `args`: base URL, org token, activity, screen key, members, seconds. Member i joins
    /// with the body `join(i)`; the screen is `/screens/{activity}/{kind}`.
    async fn start(args: &[String], kind: &str, join: fn(usize) -> String) -> Live {
        let base = args[0].clone();
        let token = args[1].clone();
        let activity: i64 = args[2].parse().unwrap();
        let key = args[3].clone();
        let members: usize = args[4].parse().unwrap();
        let secs: u64 = args[5].parse().unwrap();
        let q = format!("access_token={token}&access_type=org");
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(1024)
            .build()
            .unwrap();
        let join_url = format!("{base}/api/v3/activitys_for_wx/{activity}/wx/userInfo?{q}");
        let h = http.clone();
        hammer(
            64,
            members,
            Arc::new(move |i| {
                h.post(&join_url)
                    .header("content-type", "application/json")
                    .body(join(i))
            }),
        )
        .await;
        let (wd, session, driver, profile) = chromium(&http, kind).await;
        let live = Live {
            base,
            q,
            activity,
            members,
            secs,
            http,
            wd,
            session,
            driver,
            profile,
        };
        let url = format!("{}/screens/{activity}/{kind}?key={key}", live.base);
        webdriver(
            &live.http,
            reqwest::Method::POST,
            format!("{}/session/{}/url", live.wd, live.session),
            Some(serde_json::json!({ "url": url })),
        )
        .await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        live
    }

    /// Runs `script` in the screen's page; its value.
    async fn run(&self, script: &str) -> serde_json::Value {
        webdriver(
            &self.http,
            reqwest::Method::POST,
            format!("{}/session/{}/execute/sync", self.wd, self.session),
            Some(serde_json::json!({"script": script, "args": []})),
        )
        .await
    }

    /// The JSON a request answers.
    async fn json(&self, request: reqwest::RequestBuilder) -> serde_json::Value {
        request.send().await.unwrap().json().await.unwrap()
    }

    /// How long after `since` the screen's `script` first gave a value that `equal` accepts
    /// (milliseconds; "null" if not within 30 s).
    async fn screen_equal(
        &self,
        since: Instant,
        equal: impl Fn(&serde_json::Value) -> bool,
        script: &str,
    ) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if equal(&self.run(script).await) {
                return format!("{:.0}", since.elapsed().as_secs_f64() * 1000.0);
            }
            if Instant::now() > deadline {
                return "null".into();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn close(self) {
        close_chromium(
            &self.http,
            &self.wd,
            &self.session,
            self.driver,
            self.profile,
        )
        .await;
    }
}

/// The `p` quantile of sorted latencies, in milliseconds (0 for none).
fn ms_at(latencies: &[Duration], p: f64) -> f64 {
    latencies
        .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

async fn vote(args: &[String]) {
    let live = Live::start(args, "vote", |i| {
        format!(r#"{{"member_id":"v{i}","member_nickname":"观众{i}"}}"#)
    })
    .await;
    let Live { base, q, http, .. } = &live;
    let (activity, members) = (live.activity, live.members);
    let options: Vec<i64> = live
        .json(http.get(format!(
            "{base}/api/v3/activitys_vote/{activity}/options?{q}"
        )))
        .await["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["option_id"].as_i64().unwrap())
        .collect();
    let rate = (members as f64 / live.secs as f64).ceil() as usize;
    // The baseline: the same number of requests at the same pace to the bare handler.
    let bare_url = format!("{base}/bench/bare");
    let h = http.clone();
    let (bare_failed, bare) = answered(paced(rate, members, move |_| h.get(&bare_url)).await).await;
    // The ballots: member i chooses option (7i + i/3) mod n.
    let url = format!("{base}/api/v3/activitys_for_wx/{activity}/vote?{q}");
    let h = http.clone();
    let started = Instant::now();
    let sent = paced(rate, members, move |i| {
        h.post(&url)
            .header("content-type", "application/json")
            .body(format!(
                r#"{{"member_id":"v{i}","option_ids":[{}]}}"#,
                options[(i * 7 + i / 3) % options.len()]
            ))
    })
    .await;
    let (failed, latencies) = answered(sent).await;
    let sending = started.elapsed();
    let last_answer = Instant::now();
    // Within what time of the last answer the screen shows the database's totals.
    let database = live
        .json(http.get(format!(
            "{base}/api/v3/activitys_vote/{activity}/results?{q}"
        )))
        .await;
    let totals = |v: &serde_json::Value| {
        v["options"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|o| o["votes"].as_i64().unwrap_or(-1))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    let wanted = totals(&database["data"]);
    let counted = database["data"]["ballots"].as_i64().unwrap_or(0);
    let screen_lag = live
        .screen_equal(
            last_answer,
            |shown| totals(shown) == wanted && shown["ballots"].as_i64() == Some(counted),
            "var s = window.WxVote && window.WxVote.state(); return s || null",
        )
        .await;
    println!(
        "{{\"ballots\": {members}, \"per_sec\": {:.0}, \"seconds\": {:.2}, \"failed\": {failed}, \
         \"counted\": {counted}, \"p50_ms\": {:.1}, \"p99_ms\": {:.1}, \"bare_failed\": {bare_failed}, \
         \"bare_p50_ms\": {:.1}, \"bare_p99_ms\": {:.1}, \"p99_vs_bare\": {:.1}, \
         \"screen_equal_after_ms\": {}}}",
        members as f64 / sending.as_secs_f64(),
        sending.as_secs_f64(),
        ms_at(&latencies, 0.5),
        ms_at(&latencies, 0.99),
        ms_at(&bare, 0.5),
        ms_at(&bare, 0.99),
        ms_at(&latencies, 0.99) / ms_at(&bare, 0.99).max(0.001),
        screen_lag,
    );
    live.close().await;
}

async fn quiz(args: &[String]) {
    let live = Live::start(args, "quiz", |i| {
        format!(r#"{{"member_id":"q{i}","member_nickname":"选手{i}"}}"#)
    })
    .await;
    let Live { base, q, http, .. } = &live;
    let (activity, members, secs) = (live.activity, live.members, live.secs);
    let rate = (members as f64 / secs as f64).ceil() as usize;
    // Beside the answers, every phone reads the quiz every 2 s (the H5 page's pace).
    let read_rate = members.div_ceil(2);
    let reads = read_rate * secs as usize;
    // The baseline: the bare handler at the answers' and the reads' rate together.
    let bare_url = format!("{base}/bench/bare");
    let h = http.clone();
    let bare_total = (rate + read_rate) * secs as usize;
    let (bare_failed, bare) =
        answered(paced(rate + read_rate, bare_total, move |_| h.get(&bare_url)).await).await;
    // The host opens the question (its time: SECS plus a margin), then everyone answers.
    let opened = live
        .json(http.post(format!("{base}/api/v3/activitys_quiz/{activity}/next?{q}")))
        .await;
    let question = opened["data"]["question_id"]
        .as_i64()
        .expect("a question opens");
    let url = format!("{base}/api/v3/activitys_for_wx/{activity}/quiz/answer?{q}");
    let h = http.clone();
    let read_url = format!("{base}/api/v3/activitys_for_wx/{activity}/quiz?{q}");
    let hr = http.clone();
    let started = Instant::now();
    let (sent, read_sent) = tokio::join!(
        paced(rate, members, move |i| {
            h.post(&url)
                .header("content-type", "application/json")
                .body(format!(
                    r#"{{"member_id":"q{i}","question_id":{question},"choices":"{}"}}"#,
                    ["A", "B", "B", "C"][i % 4]
                ))
        }),
        paced(read_rate, reads, move |i| {
            hr.get(format!("{read_url}&member_id=q{}", i % members))
        })
    );
    let (failed, latencies) = answered(sent).await;
    let sending = started.elapsed();
    let (reads_failed, read_latencies) = answered(read_sent).await;
    let reading = started.elapsed();
    let last_answer = Instant::now();
    let state = live
        .json(http.get(format!("{base}/api/v3/activitys_quiz/{activity}/state?{q}")))
        .await;
    let counted = state["data"]["question"]["answers"].as_i64().unwrap_or(0);
    let screen_lag = live
        .screen_equal(
            last_answer,
            |shown| shown.as_i64() == Some(counted),
            "var s = window.WxQuiz && window.WxQuiz.state(); \
             return s && s.question ? s.question.answers : -1",
        )
        .await;
    println!(
        "{{\"answers\": {members}, \"per_sec\": {:.0}, \"seconds\": {:.2}, \"failed\": {failed}, \
         \"counted\": {counted}, \"p50_ms\": {:.1}, \"p99_ms\": {:.1}, \"bare_failed\": {bare_failed}, \
         \"bare_p50_ms\": {:.1}, \"bare_p99_ms\": {:.1}, \"p99_vs_bare\": {:.1}, \
         \"screen_equal_after_ms\": {}, \"reads\": {reads}, \"reads_per_sec\": {:.0}, \
         \"reads_failed\": {reads_failed}, \"read_p50_ms\": {:.1}, \"read_p99_ms\": {:.1}, \
         \"read_p99_vs_bare\": {:.1}}}",
        members as f64 / sending.as_secs_f64(),
        sending.as_secs_f64(),
        ms_at(&latencies, 0.5),
        ms_at(&latencies, 0.99),
        ms_at(&bare, 0.5),
        ms_at(&bare, 0.99),
        ms_at(&latencies, 0.99) / ms_at(&bare, 0.99).max(0.001),
        screen_lag,
        reads as f64 / reading.as_secs_f64(),
        ms_at(&read_latencies, 0.5),
        ms_at(&read_latencies, 0.99),
        ms_at(&read_latencies, 0.99) / ms_at(&bare, 0.99).max(0.001),
    );
    live.close().await;
}

async fn shake(args: &[String]) {
    let live = Live::start(args, "shake", |i| {
        format!(
            r#"{{"member_id":"s{i}","member_nickname":"选手{i}","member_real_name":"选手{i}"}}"#
        )
    })
    .await;
    let Live { base, q, http, .. } = &live;
    let (activity, members, secs) = (live.activity, live.members, live.secs);
    let per_phone: usize = args[6].parse().unwrap();
    let bases = [base.clone(), args.get(7).unwrap_or(base).clone()];
    let rate = members * per_phone;
    let bare_url = format!("{base}/bench/bare");
    let h = http.clone();
    let (bare_failed, bare) =
        answered(paced(rate, rate * 10, move |_| h.get(&bare_url)).await).await;
    let started = live
        .json(http.post(format!(
            "{base}/api/v3/activitys_shake/{activity}/start?{q}"
        )))
        .await;
    assert_eq!(started["code"], 0, "the round starts: {started}");
    let counters = "return [window.WxShake.frames(), window.WxShake.renders(), performance.now()]";
    let before = live.run(counters).await;
    let urls: Vec<String> = bases
        .iter()
        .map(|b| format!("{b}/api/v3/activitys_for_wx/{activity}/shake?{q}"))
        .collect();
    let h = http.clone();
    let total = rate * secs as usize;
    let race_started = Instant::now();
    // Phone i % MEMBERS sends its (i / MEMBERS + 1)-th total: 8 shakes a second.
    let sent = paced(rate, total, move |i| {
        let (phone, nth) = (i % members, i / members + 1);
        h.post(&urls[phone % 2])
            .header("content-type", "application/json")
            .body(format!(
                r#"{{"member_id":"s{phone}","total":{}}}"#,
                nth * 8 / per_phone
            ))
    })
    .await;
    let (failed, latencies) = answered(sent).await;
    let sending = race_started.elapsed();
    let after = live.run(counters).await;
    http.post(format!("{base}/api/v3/activitys_shake/{activity}/stop?{q}"))
        .send()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let result = live
        .json(http.get(format!(
            "{base}/api/v3/activitys_shake/{activity}/result?limit=10&{q}"
        )))
        .await;
    let stored: Vec<i64> = result["data"]
        .as_array()
        .map(|a| a.iter().filter_map(|p| p["total"].as_i64()).collect())
        .unwrap_or_default();
    let shown = live
        .run("var s = window.WxShake.state(); return s ? s.board.map(p => p.total) : []")
        .await;
    let shown: Vec<i64> = serde_json::from_value(shown).unwrap_or_default();
    let f = |v: &serde_json::Value, i: usize| v[i].as_f64().unwrap_or(0.0);
    let span = (f(&after, 2) - f(&before, 2)).max(1.0) / 1000.0;
    println!(
        "{{\"phones\": {members}, \"updates\": {total}, \"per_sec\": {:.0}, \"seconds\": {:.2}, \
         \"failed\": {failed}, \"p50_ms\": {:.1}, \"p99_ms\": {:.1}, \"bare_failed\": {bare_failed}, \
         \"bare_p50_ms\": {:.1}, \"bare_p99_ms\": {:.1}, \"p99_vs_bare\": {:.1}, \
         \"screen_fps\": {:.1}, \"screen_reads_per_sec\": {:.1}, \"board_equal\": {}}}",
        total as f64 / sending.as_secs_f64(),
        sending.as_secs_f64(),
        ms_at(&latencies, 0.5),
        ms_at(&latencies, 0.99),
        ms_at(&bare, 0.5),
        ms_at(&bare, 0.99),
        ms_at(&latencies, 0.99) / ms_at(&bare, 0.99).max(0.001),
        (f(&after, 0) - f(&before, 0)) / span,
        (f(&after, 1) - f(&before, 1)) / span,
        !stored.is_empty() && stored == shown,
    );
    live.close().await;
}

/// Safe-mode pushes answered with a keyword reply: `args` base URL, appid, callback token,
/// EncodingAESKey, keywords (the port holds `k0`…: keyword k{i} answers 回复{i}), rate, seconds.
/// Every push is sealed, signed and given its own nonce and MsgId before the timed part (as
/// WeChat's are, for the generator's cost not to be measured); each answer is opened and its
/// reply checked. Beside it, the bare handler at the same rate.
async fn replies(args: &[String]) {
    let (base, app_id, token, aes_key) = (&args[0], &args[1], &args[2], &args[3]);
    let keywords: usize = args[4].parse().unwrap();
    let rate: usize = args[5].parse().unwrap();
    let secs: usize = args[6].parse().unwrap();
    let total = rate * secs;
    let crypt = wechat::crypto::MsgCrypt::new(aes_key, app_id).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let pushes: Vec<(String, String)> = (0..total)
        .map(|i| {
            let xml = format!(
                "<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[oFan{}]]></FromUserName>\
                 <CreateTime>{now}</CreateTime><MsgType><![CDATA[text]]></MsgType>\
                 <Content><![CDATA[k{}]]></Content><MsgId>{}</MsgId></xml>",
                i % 5000,
                i % keywords,
                (1i64 << 50) + i as i64
            );
            let encrypt = crypt.encrypt(&xml);
            let nonce = format!("n{i}");
            let url = format!(
                "{base}/wx/callback/{app_id}?signature={}&timestamp={now}&nonce={nonce}\
                 &openid=oFan{}&encrypt_type=aes&msg_signature={}",
                wechat::crypto::signature(&[token, &now, &nonce]),
                i % 5000,
                wechat::crypto::signature(&[token, &now, &nonce, &encrypt])
            );
            let body = format!(
                "<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
            );
            (url, body)
        })
        .collect();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(1024)
        .build()
        .unwrap();
    let bare_url = format!("{base}/bench/bare");
    let h = http.clone();
    let (bare_failed, bare) = answered(paced(rate, total, move |_| h.get(&bare_url)).await).await;
    let h = http.clone();
    let pushes = Arc::new(pushes);
    let started = Instant::now();
    // A reply is an envelope (not "success") that holds Encrypt and MsgSignature.
    let sent = paced_checked(
        rate,
        total,
        move |i| {
            let (url, body) = &pushes[i];
            h.post(url)
                .header("content-type", "text/xml")
                .body(body.clone())
        },
        Some(|_, body| body.contains("<Encrypt>") && body.contains("<MsgSignature>")),
    )
    .await;
    let (failed, latencies) = answered(sent).await;
    let took = started.elapsed();
    println!(
        "{{\"pushes\": {total}, \"keywords\": {keywords}, \"per_sec\": {:.0}, \"failed_or_unreplied\": {failed}, \
         \"p50_ms\": {:.1}, \"p99_ms\": {:.1}, \"bare_failed\": {bare_failed}, \"bare_p50_ms\": {:.1}, \
         \"bare_p99_ms\": {:.1}, \"p99_vs_bare\": {:.1}}}",
        total as f64 / took.as_secs_f64(),
        ms_at(&latencies, 0.5),
        ms_at(&latencies, 0.99),
        ms_at(&bare, 0.5),
        ms_at(&bare, 0.99),
        ms_at(&latencies, 0.99) / ms_at(&bare, 0.99).max(0.001),
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("signins") => tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(signins(&args[1..])),
        Some("roster") => roster(&args[1..]),
        Some("participants") => participants(&args[1..]),
        Some("xlsx-baseline") => xlsx_baseline(&args[1..]),
        Some("draw-baseline") => draw_baseline(&args[1..]),
        Some("screen") => tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(screen(&args[1..])),
        Some("show") => tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(show(&args[1..])),
        Some("stage") => tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(stage(&args[1..])),
        Some("wall") => tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(wall(&args[1..])),
        Some("vote") => tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(vote(&args[1..])),
        Some("quiz") => tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(quiz(&args[1..])),
        Some("shake") => tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(shake(&args[1..])),
        Some("replies") => tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(replies(&args[1..])),
        _ => eprintln!(
            "usage: activity_bench signins … | roster FILE ROWS | participants FILE ROWS FROM \
             | xlsx-baseline FILE | draw-baseline N K | screen BASE ACTIVITY KEY EVENTS \
             | wall BASE TOKEN ACTIVITY MEMBERS POSTS CLIENTS \
             | stage BASE USERNAME PASSWORD ACTIVITY ROUNDS \
             | show BASE TOKEN ACTIVITY KEY LAYOUT FROM RATE SECS \
             | vote BASE TOKEN ACTIVITY KEY MEMBERS SECS \
             | quiz BASE TOKEN ACTIVITY KEY MEMBERS SECS \
             | shake BASE TOKEN ACTIVITY KEY MEMBERS SECS RATE [BASE2] \
             | replies BASE APPID TOKEN AESKEY KEYWORDS RATE SECS"
        ),
    }
}
