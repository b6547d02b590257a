//! The `wechat` client against the simulator over real HTTP: tokens under concurrency and
//! refusal, the retry table, lost answers, quotas, OAuth, users, messages and pushes.

use std::sync::Arc;
use std::time::Duration;
use wechat::{
    App, Client, ClientConfig, CustomBody, CustomMessage, Error, MemoryTokenStore, Scope,
    TemplateData, TemplateMessage, TokenEndpoint, TokenStore,
};
use wechat_sim::{AccountSpec, Fault, Simulator, UserSpec};

const APPID: &str = "wx32817247717e7333";
const SECRET: &str = "sim-secret";
const STABLE: &str = "/cgi-bin/stable_token";
const TEMPLATE: &str = "/cgi-bin/message/template/send";

struct World {
    sim: Simulator,
    base: String,
    store: Arc<MemoryTokenStore>,
    app: App,
    fan: String,
}

fn account(appid: &str) -> AccountSpec {
    AccountSpec {
        name: "测试号".into(),
        token: "cbtoken".into(),
        ..AccountSpec::new(appid, SECRET)
    }
}

fn user(openid: &str, unionid: Option<&str>, subscribed: bool) -> UserSpec {
    UserSpec {
        unionid: unionid.map(str::to_string),
        subscribed,
        nickname: "成功".into(),
        headimgurl: "http://thirdwx.qlogo.cn/x/132".into(),
        sex: 1,
        city: "guangzhou".into(),
        province: "guangdong".into(),
        country: "china".into(),
        ..UserSpec::new(openid)
    }
}

async fn world() -> World {
    let sim = Simulator::new();
    sim.add_account(account(APPID));
    let fan = sim
        .add_user(
            APPID,
            user("oFan1", Some("oZh4guLRAQKmsaXjkn4rEmIkMh3g"), true),
        )
        .unwrap();
    let base = sim.spawn("127.0.0.1:0").await.unwrap();
    World {
        sim,
        base,
        store: Arc::new(MemoryTokenStore::default()),
        app: App::new(APPID, SECRET),
        fan,
    }
}

impl World {
    fn config(&self) -> ClientConfig {
        ClientConfig {
            api_base: self.base.clone(),
            oauth_base: self.base.clone(),
            backoff: Duration::from_millis(5),
            ..Default::default()
        }
    }

    fn client(&self) -> Client {
        Client::new(self.config(), self.store.clone())
    }

    fn fault(&self, endpoint: &str, errcode: i64, times: u32) {
        self.sim.inject(Fault::errcode(endpoint, errcode, times));
    }

    fn template(&self, to: &str) -> TemplateMessage {
        TemplateMessage {
            touser: to.into(),
            template_id: "tmpl-1".into(),
            url: Some("http://mem.360lj.com/x".into()),
            miniprogram: None,
            data: TemplateData::default()
                .push("first", "首部内容", Some("#173177"))
                .push("remark", "尾部内容", None),
            client_msg_id: None,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_calls_on_a_cold_cache_make_one_token_request() {
    let w = world().await;
    let client = w.client();
    let mut tasks = Vec::new();
    for _ in 0..1000 {
        let client = client.clone();
        let app = w.app.clone();
        tasks.push(tokio::spawn(async move { client.access_token(&app).await }));
    }
    let mut tokens = std::collections::HashSet::new();
    for t in tasks {
        tokens.insert(t.await.unwrap().unwrap());
    }
    assert_eq!(tokens.len(), 1);
    assert_eq!(w.sim.calls(STABLE), 1);
    assert_eq!(client.usage(APPID).await.unwrap().token_fetches, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn processes_sharing_a_store_make_one_token_request() {
    let w = world().await;
    // Separate clients are separate processes: their only link is the store's lease.
    let clients: Vec<Client> = (0..8).map(|_| w.client()).collect();
    let mut tasks = Vec::new();
    for i in 0..400 {
        let client = clients[i % clients.len()].clone();
        let app = w.app.clone();
        let fan = w.fan.clone();
        tasks.push(tokio::spawn(
            async move { client.user_info(&app, &fan).await },
        ));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(w.sim.calls(STABLE), 1);
    assert_eq!(w.sim.calls("/cgi-bin/user/info"), 400);
}

const TICKET: &str = "/cgi-bin/ticket/getticket";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_jsapi_ticket_is_fetched_once_across_processes_and_kept() {
    let w = world().await;
    let clients: Vec<Client> = (0..4).map(|_| w.client()).collect();
    let mut tasks = Vec::new();
    for i in 0..200 {
        let client = clients[i % clients.len()].clone();
        let app = w.app.clone();
        tasks.push(tokio::spawn(async move { client.jsapi_ticket(&app).await }));
    }
    let mut tickets = std::collections::HashSet::new();
    for t in tasks {
        tickets.insert(t.await.unwrap().unwrap());
    }
    assert_eq!(tickets.len(), 1);
    assert_eq!(w.sim.calls(TICKET), 1, "one getticket for every process");
    assert_eq!(w.sim.calls(STABLE), 1);
    let ticket = tickets.into_iter().next().unwrap();
    assert_eq!(
        w.sim.current_ticket(APPID).as_deref(),
        Some(ticket.as_str())
    );
    // Kept in the store under its own key, beside the access token.
    let stored = w
        .store
        .load(&format!("{APPID}#jsapi_ticket"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.token, ticket);
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    assert!(
        stored.expires_at_ms > now_ms + 7_000_000,
        "kept for WeChat's 7200 s"
    );
    // A new process reads it from the store.
    assert_eq!(w.client().jsapi_ticket(&w.app).await.unwrap(), ticket);
    assert_eq!(w.sim.calls(TICKET), 1);
}

#[tokio::test]
async fn a_refused_token_on_getticket_is_renewed_and_the_fetch_repeated() {
    let w = world().await;
    let client = w.client();
    client.access_token(&w.app).await.unwrap();
    w.fault(TICKET, 42001, 1);
    let ticket = client.jsapi_ticket(&w.app).await.unwrap();
    assert!(ticket.starts_with("sim_ticket_"), "{ticket}");
    assert_eq!(w.sim.calls(TICKET), 2);
    assert_eq!(
        w.sim.calls(STABLE),
        3,
        "the refused token renewed: initial, normal (the same token back), forced"
    );
    // A final error is the caller's, and nothing is kept.
    let other = world().await;
    other.fault(TICKET, 40164, 1);
    let err = other.client().jsapi_ticket(&other.app).await.unwrap_err();
    assert!(
        matches!(err, Error::Api(ref api) if api.errcode == 40164),
        "{err:?}"
    );
    assert!(other
        .store
        .load(&format!("{APPID}#jsapi_ticket"))
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn a_refused_token_that_comes_back_is_force_refreshed_once() {
    let w = world().await;
    let client = w.client();
    let before = client.access_token(&w.app).await.unwrap();
    // WeChat refuses a token that the stable endpoint still hands out: normal mode returns the
    // same token, so the client forces a refresh.
    w.fault("/cgi-bin/user/info", 40001, 1);
    let info = client.user_info(&w.app, &w.fan).await.unwrap();
    assert_eq!(info.subscribe, 1);
    let after = client.access_token(&w.app).await.unwrap();
    assert_ne!(before, after);
    assert_eq!(w.sim.calls(STABLE), 3, "initial, normal, forced");
    assert_eq!(client.usage(APPID).await.unwrap().force_refreshes, 1);

    // A second refusal within 30 s may not force again: the caller gets the reason.
    w.fault("/cgi-bin/user/info", 40014, 1);
    let err = client.user_info(&w.app, &w.fan).await.unwrap_err();
    assert!(matches!(err, Error::Throttled { .. }), "{err:?}");
    assert_eq!(w.sim.calls(STABLE), 4, "one normal fetch, no second force");
}

#[tokio::test]
async fn a_token_renewed_by_another_process_is_read_from_the_store() {
    let w = world().await;
    let a = w.client();
    let b = w.client();
    a.access_token(&w.app).await.unwrap();
    // B is told its token is bad, forces a refresh: the token A holds is now dead at WeChat.
    w.fault("/cgi-bin/user/info", 40001, 1);
    b.user_info(&w.app, &w.fan).await.unwrap();
    assert_eq!(w.sim.calls(STABLE), 3);
    // A's cached token is refused for real; A finds B's token in the store, no fetch.
    a.user_info(&w.app, &w.fan).await.unwrap();
    assert_eq!(w.sim.calls(STABLE), 3);
    assert_eq!(
        w.sim.calls("/cgi-bin/user/info"),
        4,
        "B: refused + retried; A: refused + retried"
    );
}

#[tokio::test]
async fn an_expired_token_is_renewed_without_force() {
    let w = world().await;
    let client = w.client();
    client.access_token(&w.app).await.unwrap();
    w.sim.advance_clock(7200);
    // The client's clock says the token is fine; WeChat's says 42001.
    let info = client.user_info(&w.app, &w.fan).await.unwrap();
    assert_eq!(info.openid, w.fan);
    assert_eq!(w.sim.calls(STABLE), 2);
    assert_eq!(client.usage(APPID).await.unwrap().force_refreshes, 0);
}

#[tokio::test]
async fn the_classic_endpoint_is_an_option() {
    let w = world().await;
    let client = Client::new(
        ClientConfig {
            token_endpoint: TokenEndpoint::Classic,
            ..w.config()
        },
        w.store.clone(),
    );
    client.user_info(&w.app, &w.fan).await.unwrap();
    assert_eq!(w.sim.calls("/cgi-bin/token"), 1);
    assert_eq!(w.sim.calls(STABLE), 0);
    w.fault("/cgi-bin/user/info", 42001, 1);
    client.user_info(&w.app, &w.fan).await.unwrap();
    assert_eq!(w.sim.calls("/cgi-bin/token"), 2);
}

#[tokio::test]
async fn busy_is_retried_with_backoff_and_final_errors_are_not() {
    let w = world().await;
    let client = w.client();
    w.fault(TEMPLATE, -1, 2);
    let msgid = client
        .send_template(&w.app, &w.template(&w.fan))
        .await
        .unwrap();
    assert!(msgid > 1 << 53, "msgid {msgid} keeps all its digits");
    assert_eq!(w.sim.calls(TEMPLATE), 3);

    w.fault(TEMPLATE, -1, 5);
    let err = client
        .send_template(&w.app, &w.template(&w.fan))
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Api(e) if e.errcode == -1), "{err:?}");
    assert_eq!(w.sim.calls(TEMPLATE), 6, "two retries, then the error");
}

#[tokio::test]
async fn a_send_whose_answer_is_lost_is_unknown_and_not_repeated() {
    let w = world().await;
    let client = w.client();
    client.access_token(&w.app).await.unwrap();
    w.sim.inject(Fault::drop_after(TEMPLATE));
    let err = client
        .send_template(&w.app, &w.template(&w.fan))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unknown(_)), "{err:?}");
    assert_eq!(w.sim.calls(TEMPLATE), 1);
    assert_eq!(w.sim.received().len(), 1, "WeChat did receive it");

    // A timeout after sending is the same.
    let slow = Client::new(
        ClientConfig {
            timeout: Duration::from_millis(300),
            ..w.config()
        },
        w.store.clone(),
    );
    w.sim.inject(Fault::delay(TEMPLATE, 1500));
    let err = slow
        .send_template(&w.app, &w.template(&w.fan))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unknown(_)), "{err:?}");
    assert_eq!(w.sim.calls(TEMPLATE), 2);

    // A read whose answer is lost is simply asked again.
    w.sim.inject(Fault::drop_before("/cgi-bin/user/info"));
    client.user_info(&w.app, &w.fan).await.unwrap();
    assert_eq!(w.sim.calls("/cgi-bin/user/info"), 2);
}

#[tokio::test]
async fn an_unreachable_wechat_is_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = Client::new(
        ClientConfig {
            api_base: format!("http://{addr}"),
            backoff: Duration::from_millis(1),
            ..Default::default()
        },
        Arc::new(MemoryTokenStore::default()),
    );
    let err = client
        .user_info(&App::new(APPID, SECRET), "o1")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Connect(_)), "{err:?}");
}

#[tokio::test]
async fn an_exhausted_quota_pauses_the_app_until_the_reset() {
    let w = world().await;
    let client = w.client();
    client.access_token(&w.app).await.unwrap();
    w.fault(TEMPLATE, 45009, 1);
    let err = client
        .send_template(&w.app, &w.template(&w.fan))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Api(e) if e.errcode == 45009),
        "{err:?}"
    );
    let err = client.user_info(&w.app, &w.fan).await.unwrap_err();
    assert!(matches!(err, Error::Throttled { .. }), "{err:?}");
    assert_eq!(w.sim.calls("/cgi-bin/user/info"), 0, "not even asked");
}

#[tokio::test]
async fn the_simulators_own_quota_answers_45009() {
    let w = world().await;
    let mut spec = account("wxquota0000000001");
    spec.template_quota = Some(2);
    w.sim.add_account(spec);
    let fan = w
        .sim
        .add_user("wxquota0000000001", user("oQ", None, true))
        .unwrap();
    let app = App::new("wxquota0000000001", SECRET);
    let client = w.client();
    for _ in 0..2 {
        client.send_template(&app, &w.template(&fan)).await.unwrap();
    }
    let err = client
        .send_template(&app, &w.template(&fan))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Api(e) if e.errcode == 45009),
        "{err:?}"
    );
    assert_eq!(client.usage(&app.appid).await.unwrap().template_sends, 3);
}

#[tokio::test]
async fn template_sends_arrive_exactly_and_errors_carry_the_raw_body() {
    let w = world().await;
    let client = w.client();
    let mut message = w.template(&w.fan);
    message.miniprogram = Some(wechat::MiniProgram {
        appid: "wxmini".into(),
        pagepath: "pages/index?id=1".into(),
    });
    message.client_msg_id = Some("m-1".into());
    let msgid = client.send_template(&w.app, &message).await.unwrap();
    let received = w.sim.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].msgid, Some(msgid));
    assert_eq!(received[0].raw, serde_json::to_string(&message).unwrap());

    let stranger = w
        .sim
        .add_user(APPID, user("oStranger", Some("u2"), false))
        .unwrap();
    let err = client
        .send_template(&w.app, &w.template(&stranger))
        .await
        .unwrap_err();
    let Error::Api(api) = err else {
        panic!("{err:?}")
    };
    assert_eq!(api.errcode, 43004);
    assert!(
        api.errmsg.starts_with("require subscribe hint: ["),
        "{}",
        api.errmsg
    );
    assert_eq!(api.description(), "需要接收者关注");
    let raw: serde_json::Value = serde_json::from_str(&api.raw).unwrap();
    assert_eq!(raw["errcode"], 43004);

    let err = client
        .send_template(&w.app, &w.template("oNobody"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Api(e) if e.errcode == 40003),
        "{err:?}"
    );
}

#[tokio::test]
async fn users_look_as_wechat_shows_them_today() {
    let w = world().await;
    let client = w.client();
    let info = client.user_info(&w.app, &w.fan).await.unwrap();
    assert_eq!(info.subscribe, 1);
    assert_eq!(
        info.nickname, "",
        "WeChat stopped sending nicknames in 2021"
    );
    assert_eq!(info.headimgurl, "");
    assert_eq!(
        info.unionid.as_deref(),
        Some("oZh4guLRAQKmsaXjkn4rEmIkMh3g")
    );
    let gone = w
        .sim
        .add_user(APPID, user("oGone", Some("u3"), false))
        .unwrap();
    let info = client.user_info(&w.app, &gone).await.unwrap();
    assert_eq!(info.subscribe, 0);
    assert_eq!(info.unionid, None, "unionid only for subscribers");
    let list = client
        .user_info_batch(&w.app, &[&w.fan, &gone])
        .await
        .unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[1].openid, gone);
    assert!(matches!(
        client.user_info_batch(&w.app, &[]).await,
        Err(Error::Invalid(_))
    ));
}

#[tokio::test]
async fn customer_service_messages_need_a_recent_interaction() {
    let w = world().await;
    let client = w.client();
    let text = |to: &str| CustomMessage {
        touser: to.into(),
        body: CustomBody::Text {
            content: "您好".into(),
        },
    };
    let err = client.send_custom(&w.app, &text(&w.fan)).await.unwrap_err();
    assert!(
        matches!(&err, Error::Api(e) if e.errcode == 45015),
        "{err:?}"
    );
    let mut talker = user("oTalker", None, true);
    talker.interacted = true;
    let talker = w.sim.add_user(APPID, talker).unwrap();
    client.send_custom(&w.app, &text(&talker)).await.unwrap();
    let received = w.sim.received();
    assert_eq!(
        received[0].body,
        serde_json::json!({"touser": talker, "msgtype": "text", "text": {"content": "您好"}})
    );
}

async fn follow_authorize(w: &World, client: &Client, scope: Scope) -> (String, String) {
    let url = client.authorize_url(APPID, "http://mem.360lj.com/cb?portid=4", scope, "st8");
    let url = url.trim_end_matches("#wechat_redirect");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = http.get(url).send().await.unwrap();
    assert_eq!(resp.status(), 302);
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    let parsed = url::Url::parse(&location).unwrap();
    assert_eq!(parsed.host_str(), Some("mem.360lj.com"));
    let pairs: std::collections::HashMap<_, _> = parsed.query_pairs().into_owned().collect();
    assert_eq!(pairs["portid"], "4");
    assert_eq!(pairs["state"], "st8");
    let _ = w;
    (pairs.get("code").cloned().unwrap_or_default(), location)
}

#[tokio::test]
async fn oauth_codes_are_single_use_and_expire() {
    let w = world().await;
    let client = w.client();
    let (code, _) = follow_authorize(&w, &client, Scope::UserInfo).await;
    let token = client.exchange_code(&w.app, &code).await.unwrap();
    assert_eq!(token.openid, w.fan);
    assert_eq!(token.scope, "snsapi_userinfo");
    assert_eq!(
        token.unionid.as_deref(),
        Some("oZh4guLRAQKmsaXjkn4rEmIkMh3g")
    );
    assert_eq!(token.is_snapshotuser, 0);
    let profile = client.oauth_user_info(&token).await.unwrap();
    assert_eq!(profile.nickname, "成功");

    let err = client.exchange_code(&w.app, &code).await.unwrap_err();
    assert!(matches!(&err, Error::Api(e) if e.is_code_used()), "{err:?}");
    let err = client.exchange_code(&w.app, "forged").await.unwrap_err();
    assert!(
        matches!(&err, Error::Api(e) if e.is_invalid_code()),
        "{err:?}"
    );
    let (late, _) = follow_authorize(&w, &client, Scope::Base).await;
    w.sim.advance_clock(301);
    let err = client.exchange_code(&w.app, &late).await.unwrap_err();
    assert!(
        matches!(&err, Error::Api(e) if e.is_invalid_code()),
        "{err:?}"
    );
    let wrong = App::new(APPID, "wrong");
    let (code, _) = follow_authorize(&w, &client, Scope::Base).await;
    let err = client.exchange_code(&wrong, &code).await.unwrap_err();
    assert!(
        matches!(&err, Error::Api(e) if e.errcode == 40125),
        "{err:?}"
    );
}

#[tokio::test]
async fn base_scope_cannot_read_the_profile_and_snapshot_users_are_marked() {
    let w = world().await;
    let client = w.client();
    let (code, _) = follow_authorize(&w, &client, Scope::Base).await;
    let token = client.exchange_code(&w.app, &code).await.unwrap();
    let err = client.oauth_user_info(&token).await.unwrap_err();
    assert!(
        matches!(&err, Error::Api(e) if e.errcode == 48001),
        "{err:?}"
    );

    let http = reqwest::Client::new();
    http.post(format!("{}/sim/accounts/{APPID}/oauth", w.base))
        .json(&serde_json::json!({"openid": "", "snapshot": true}))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    let (code, _) = follow_authorize(&w, &client, Scope::Base).await;
    let token = client.exchange_code(&w.app, &code).await.unwrap();
    assert_eq!(token.is_snapshotuser, 1);
    assert_ne!(token.openid, w.fan);

    http.post(format!("{}/sim/accounts/{APPID}/oauth", w.base))
        .json(&serde_json::json!({"openid": w.fan, "deny": true}))
        .send()
        .await
        .unwrap();
    let (code, location) = follow_authorize(&w, &client, Scope::UserInfo).await;
    assert_eq!(code, "", "denied: {location}");
}

#[tokio::test]
async fn the_memory_store_leases_are_exclusive_until_they_expire() {
    let store = MemoryTokenStore::default();
    assert!(store.try_lease("l", "a", 1000, 100).await.unwrap());
    assert!(!store.try_lease("l", "b", 1050, 100).await.unwrap());
    assert!(
        store.try_lease("l", "a", 1050, 100).await.unwrap(),
        "renewal"
    );
    assert!(
        store.try_lease("l", "b", 1151, 100).await.unwrap(),
        "expired"
    );
    store.release_lease("l", "a").await.unwrap();
    assert!(
        !store.try_lease("l", "a", 1160, 100).await.unwrap(),
        "b still holds it"
    );
}

/// A callback receiver that opens pushes with the crate's verifier and records them.
async fn receiver(
    token: &str,
    aes_key: Option<&str>,
) -> (String, Arc<std::sync::Mutex<Vec<wechat::Message>>>) {
    use axum::extract::{Query, State};
    let verifier = wechat::Verifier::new(token, aes_key, APPID, 300).unwrap();
    let seen: Arc<std::sync::Mutex<Vec<wechat::Message>>> = Arc::default();
    let state = (verifier, seen.clone());
    async fn handle(
        State((verifier, seen)): State<(
            wechat::Verifier,
            Arc<std::sync::Mutex<Vec<wechat::Message>>>,
        )>,
        Query(q): Query<wechat::CallbackQuery>,
        body: String,
    ) -> (axum::http::StatusCode, String) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        match verifier.open(&q, &body, now) {
            Ok(opened) => {
                seen.lock().unwrap().push(opened.message);
                (axum::http::StatusCode::OK, "success".into())
            }
            Err(e) => (axum::http::StatusCode::FORBIDDEN, e.to_string()),
        }
    }
    let app = axum::Router::new()
        .route("/cb", axum::routing::post(handle))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/cb", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

#[tokio::test]
async fn pushes_are_signed_as_wechat_signs_them_in_both_modes() {
    const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    let w = world().await;
    let http = reqwest::Client::new();
    for aes_key in [None, Some(KEY)] {
        let (url, seen) = receiver("cbtoken", aes_key).await;
        let mut spec = account(APPID);
        spec.callback_url = url;
        spec.encoding_aes_key = aes_key.unwrap_or_default().into();
        w.sim.add_account(spec);
        let push = |body: serde_json::Value| {
            let http = http.clone();
            let base = w.base.clone();
            async move {
                let resp = http
                    .post(format!("{base}/sim/push"))
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status(), 200);
                resp.json::<serde_json::Value>().await.unwrap()
            }
        };
        let r = push(serde_json::json!({"appid": APPID, "openid": "oNew", "event": "subscribe", "key": "42"})).await;
        assert_eq!(r["deliveries"][0]["body"], "success", "{r}");
        let r = push(serde_json::json!({"appid": APPID, "openid": "oNew", "event": "text", "content": "你好", "times": 3})).await;
        assert_eq!(r["deliveries"].as_array().unwrap().len(), 3);
        let r = push(serde_json::json!({"appid": APPID, "openid": "oNew", "event": "SCAN", "key": "7", "sign_token": "forged"})).await;
        assert_eq!(
            r["deliveries"][0]["status"], 403,
            "a forged signature is refused"
        );
        let r = push(serde_json::json!({"appid": APPID, "openid": "oNew", "event": "CLICK", "key": "k", "timestamp": 1_000_000})).await;
        assert_eq!(
            r["deliveries"][0]["status"], 403,
            "a stale timestamp is refused"
        );

        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 4, "{seen:?}");
        assert_eq!(
            seen[0].kind,
            wechat::MessageKind::Event(wechat::Event::Subscribe {
                scene: Some("42".into()),
                ticket: match &seen[0].kind {
                    wechat::MessageKind::Event(wechat::Event::Subscribe { ticket, .. }) =>
                        ticket.clone(),
                    _ => None,
                }
            })
        );
        assert_eq!(
            seen[1].dedup_key(),
            seen[3].dedup_key(),
            "retries share a key"
        );
    }
    // The simulated user followed the subscribe: now subscribed with a QR scene.
    let info = w.client().user_info(&w.app, "oNew").await.unwrap();
    assert_eq!(info.subscribe, 1);
    assert_eq!(info.subscribe_scene, "ADD_SCENE_QR_CODE");
    assert_eq!(info.qr_scene, 42);
}

/// A token store whose template counter cannot be written (the database went away mid-send)
/// or whose additions wait until the test lets them through (a slow database's group commit,
/// as long as the test wants).
struct OddCounters {
    inner: MemoryTokenStore,
    template_sends: OddCount,
}

enum OddCount {
    Down,
    /// Each addition takes a permit first.
    Held(Arc<tokio::sync::Semaphore>),
}

impl OddCounters {
    fn new(template_sends: OddCount) -> OddCounters {
        OddCounters {
            inner: MemoryTokenStore::default(),
            template_sends,
        }
    }
}

impl TokenStore for OddCounters {
    fn load<'a>(
        &'a self,
        appid: &'a str,
    ) -> wechat::token::BoxFuture<'a, wechat::token::StoreResult<Option<wechat::StoredToken>>> {
        self.inner.load(appid)
    }
    fn save<'a>(
        &'a self,
        appid: &'a str,
        token: &'a wechat::StoredToken,
    ) -> wechat::token::BoxFuture<'a, wechat::token::StoreResult<()>> {
        self.inner.save(appid, token)
    }
    fn try_lease<'a>(
        &'a self,
        name: &'a str,
        holder: &'a str,
        now_ms: i64,
        ttl_ms: i64,
    ) -> wechat::token::BoxFuture<'a, wechat::token::StoreResult<bool>> {
        self.inner.try_lease(name, holder, now_ms, ttl_ms)
    }
    fn release_lease<'a>(
        &'a self,
        name: &'a str,
        holder: &'a str,
    ) -> wechat::token::BoxFuture<'a, wechat::token::StoreResult<()>> {
        self.inner.release_lease(name, holder)
    }
    fn add_count<'a>(
        &'a self,
        appid: &'a str,
        counter: wechat::Counter,
        day: i64,
        n: i64,
    ) -> wechat::token::BoxFuture<'a, wechat::token::StoreResult<i64>> {
        if counter != wechat::Counter::TemplateSends {
            return self.inner.add_count(appid, counter, day, n);
        }
        Box::pin(async move {
            match &self.template_sends {
                OddCount::Down => Err("counters are down".to_string()),
                OddCount::Held(gate) => {
                    // Additions wait; a read (n = 0, as `usage` does) does not.
                    if n != 0 {
                        let permit = gate.acquire().await.map_err(|e| e.to_string())?;
                        permit.forget();
                    }
                    self.inner.add_count(appid, counter, day, n).await
                }
            }
        })
    }
}

#[tokio::test]
async fn the_template_counter_travels_with_the_send_and_never_hides_its_outcome() {
    let w = world().await;
    let client = w.client();
    for _ in 0..3 {
        client
            .send_template(&w.app, &w.template(&w.fan))
            .await
            .unwrap();
    }
    assert_eq!(client.usage(APPID).await.unwrap().template_sends, 3);

    // A message WeChat accepted is reported sent even when its counter could not be added.
    let down = Client::new(w.config(), Arc::new(OddCounters::new(OddCount::Down)));
    let msgid = down
        .send_template(&w.app, &w.template(&w.fan))
        .await
        .unwrap();
    assert!(msgid > 0);
    assert_eq!(w.sim.calls(TEMPLATE), 4);
}

#[tokio::test]
async fn a_template_send_does_not_wait_for_its_counter_to_be_written() {
    let w = world().await;
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let client = Client::new(
        w.config(),
        Arc::new(OddCounters::new(OddCount::Held(gate.clone()))),
    );
    client.access_token(&w.app).await.unwrap();
    // The counter's addition is held until the test lets it through: a send that waited for
    // it would never end (no clock to race).
    tokio::time::timeout(
        Duration::from_secs(30),
        client.send_template(&w.app, &w.template(&w.fan)),
    )
    .await
    .expect("the send waited for its counter")
    .unwrap();
    assert_eq!(client.usage(APPID).await.unwrap().template_sends, 0);
    // Let through, the addition goes on without the send, and lands.
    gate.add_permits(1);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while client.usage(APPID).await.unwrap().template_sends != 1 {
        assert!(
            std::time::Instant::now() < deadline,
            "the held addition never landed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
