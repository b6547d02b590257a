//! The WeChat token store on wxhub's database: instances share one token per account, one
//! instance at a time asks WeChat for it, and the token is stored sealed.

use crate::helpers::TestApp;
use wechat::{App, TokenStore};
use wechat_sim::{AccountSpec, Simulator, UserSpec};
use wxhub::platform::wechat_client::DbTokenStore;

const APPID: &str = "wx32817247717e7333";

async fn sim() -> (Simulator, String, String) {
    let sim = Simulator::new();
    sim.add_account(AccountSpec::new(APPID, "secret"));
    let fan = sim.add_user(APPID, UserSpec::new("oFan")).unwrap();
    let base = sim.spawn("127.0.0.1:0").await.unwrap();
    (sim, base, fan)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn instances_on_one_database_fetch_one_token() {
    let (sim, base, fan) = sim().await;
    let app = TestApp::with(|c| c.wechat.api_base = base.clone()).await;
    let other = app.another_instance().await;
    let third = app.another_instance().await;
    let clients = [
        app.state.wechat.clone(),
        other.wechat.clone(),
        third.wechat.clone(),
    ];
    let creds = App::new(APPID, "secret");
    let mut tasks = Vec::new();
    for i in 0..300 {
        let client = clients[i % 3].clone();
        let creds = creds.clone();
        let fan = fan.clone();
        tasks.push(tokio::spawn(
            async move { client.user_info(&creds, &fan).await },
        ));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap().subscribe, 1);
    }
    assert_eq!(sim.calls("/cgi-bin/stable_token"), 1);
    let usage = other.wechat.usage(APPID).await.unwrap();
    assert_eq!(usage.token_fetches, 1, "the counter is shared too");

    // The row holds the token sealed, never in clear.
    let token = app.state.wechat.access_token(&creds).await.unwrap();
    let (sealed, _) = wxhub::store::wechat_tokens::load(&app.state.store, APPID)
        .await
        .unwrap()
        .unwrap();
    assert!(!sealed.windows(16).any(|w| w == &token.as_bytes()[..16]));
}

#[tokio::test]
async fn a_token_refused_at_one_instance_is_renewed_once_for_all() {
    let (sim, base, fan) = sim().await;
    let app = TestApp::with(|c| c.wechat.api_base = base.clone()).await;
    let other = app.another_instance().await;
    let creds = App::new(APPID, "secret");
    app.state.wechat.user_info(&creds, &fan).await.unwrap();
    other.wechat.user_info(&creds, &fan).await.unwrap();
    assert_eq!(sim.calls("/cgi-bin/stable_token"), 1);
    sim.inject(wechat_sim::Fault::errcode("/cgi-bin/user/info", 40001, 1));
    app.state.wechat.user_info(&creds, &fan).await.unwrap();
    assert_eq!(sim.calls("/cgi-bin/stable_token"), 3, "normal, then forced");
    // The other instance's cached token is now dead at WeChat: it reads the new one.
    other.wechat.user_info(&creds, &fan).await.unwrap();
    assert_eq!(sim.calls("/cgi-bin/stable_token"), 3);
}

#[tokio::test]
async fn leases_are_exclusive_until_they_expire() {
    let app = TestApp::new().await;
    let store = DbTokenStore::new(
        app.state.store.clone(),
        app.state.secrets.clone(),
        app.state.send_log.writes.clone(),
    );
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
    assert!(!store.try_lease("l", "a", 1160, 100).await.unwrap());
    store.release_lease("l", "b").await.unwrap();
    assert!(store.try_lease("l", "a", 1160, 100).await.unwrap());

    // Racing instances: exactly one wins.
    let other = app.another_instance().await;
    let other = DbTokenStore::new(
        other.store.clone(),
        other.secrets.clone(),
        other.send_log.writes.clone(),
    );
    let (x, y) = tokio::join!(
        store.try_lease("race", "x", 5000, 1000),
        other.try_lease("race", "y", 5000, 1000)
    );
    assert!(x.unwrap() ^ y.unwrap());

    assert_eq!(
        store
            .add_count(APPID, wechat::Counter::TemplateSends, 9, 2)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        other
            .add_count(APPID, wechat::Counter::TemplateSends, 9, 3)
            .await
            .unwrap(),
        5
    );
    assert_eq!(
        store
            .add_count(APPID, wechat::Counter::TemplateSends, 10, 0)
            .await
            .unwrap(),
        0,
        "a new day starts at zero"
    );
    // Additions arriving together share a transaction; each still answers its own total.
    let mut totals: Vec<i64> = futures_util::future::join_all(
        (0..50).map(|_| store.add_count(APPID, wechat::Counter::TemplateSends, 11, 1)),
    )
    .await
    .into_iter()
    .map(Result::unwrap)
    .collect();
    totals.sort();
    assert_eq!(totals, (1..=50).collect::<Vec<i64>>());
    assert_eq!(
        other
            .add_count(APPID, wechat::Counter::TemplateSends, 11, 0)
            .await
            .unwrap(),
        50
    );
}

/// A write transaction that reads first (`Store::begin_write`) is not refused when another
/// instance writes meanwhile: on SQLite it holds the write lock from its start, so the other
/// instance's write waits for its commit (a deferred transaction would be answered "database
/// is locked" at its first write).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_that_reads_before_it_writes_survives_another_instance_writing() {
    use wxhub::store::wechat_tokens::add_count;
    let app = TestApp::new().await;
    let other = app.another_instance().await;
    let store = &app.state.store;
    let mut tx = store.begin_write().await.unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM wechat_counters")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(rows, 0);
    let other_store = other.store.clone();
    let started = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let meanwhile = {
        let started = started.clone();
        tokio::spawn(async move {
            started.store(true, std::sync::atomic::Ordering::SeqCst);
            add_count(other_store.writer(), APPID, "c", 1, 5).await
        })
    };
    // The other instance's write is under way while this transaction is open (waited for).
    while !started.load(std::sync::atomic::Ordering::SeqCst) {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let first = add_count(&mut *tx, APPID, "c", 1, 1).await.unwrap();
    if store.backend == wxhub::store::Backend::Sqlite {
        // Contention happened: the other's write is held at the lock this transaction took
        // at its start, not done.
        assert!(
            !meanwhile.is_finished(),
            "the other instance wrote while this transaction held the write lock"
        );
    }
    tx.commit().await.unwrap();
    let second = meanwhile.await.unwrap().unwrap();
    assert_eq!(
        add_count(store.writer(), APPID, "c", 1, 0).await.unwrap(),
        6
    );
    if store.backend == wxhub::store::Backend::Sqlite {
        assert_eq!(
            (first, second),
            (1, 6),
            "the other instance waited for the commit"
        );
    }
}
