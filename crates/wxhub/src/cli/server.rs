//! `wxhub serve` and `wxhub sim`: the server, and the WeChat simulator for trying it out.

use crate::config::Config;

pub(super) fn init_logging(config: &Config) {
    use tracing_subscriber::prelude::*;
    let filter: tracing_subscriber::filter::Targets = config
        .log_level
        .parse()
        .unwrap_or_else(|_| "info".parse().expect("valid filter"));
    let registry = tracing_subscriber::registry().with(filter);
    if config.log_format == "json" {
        registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_writer(std::io::stderr),
            )
            .init();
    } else {
        // Colour only on a terminal (and never with NO_COLOR): a log file or a journal gets
        // plain text, not escape codes.
        use std::io::IsTerminal;
        let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_ansi(colour)
                    .with_writer(std::io::stderr),
            )
            .init();
    }
}

pub(super) async fn sim(listen: &str, accounts: &[String]) -> Result<(), String> {
    let sim = wechat_sim::Simulator::new();
    for account in accounts {
        let (appid, secret) = account
            .split_once(':')
            .ok_or_else(|| format!("--account {account}: expected APPID:SECRET"))?;
        sim.add_account(wechat_sim::AccountSpec::new(appid, secret));
    }
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    println!("WeChat simulator on http://{addr} (controls under /sim/)");
    sim.serve(listener).await.map_err(|e| e.to_string())
}

/// Logging, the state and the listening socket: what `serve` and `demo` start with.
pub(super) async fn start(
    config: Config,
) -> Result<
    (
        crate::AppState,
        tokio::net::TcpListener,
        std::net::SocketAddr,
    ),
    String,
> {
    init_logging(&config);
    let listen = config.listen.clone();
    let state = crate::build_state(config)
        .await
        .map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    Ok((state, listener, addr))
}

pub(super) async fn serve(config: Config) -> Result<(), String> {
    let shutdown = crate::app::shutdown_signal();
    let (state, listener, addr) = start(config).await?;
    let backend = match state.store.backend {
        crate::store::Backend::Sqlite => "SQLite",
        crate::store::Backend::Postgres => "PostgreSQL",
    };
    println!("wxhub listening on http://{addr} ({backend})");
    println!("  console:   http://{addr}/console");
    println!("  first account: wxhub users create --username admin --role platform_admin");
    println!("  API docs:  http://{addr}/docs");
    println!("  first client: wxhub clients create --name admin --scope platform-admin");
    println!("  then:      curl -X POST http://{addr}/oauth2/ums/oauth2/accessToken \\");
    println!("               -d grant_type=client_credentials -d applicationKey=wechatcp \\");
    println!("               -d client_id=<client_id> -d client_secret=<client_secret>");
    let reload_state = state.clone();
    tokio::spawn(async move {
        // Picks up keys rotated or retired by another instance or the CLI.
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(30));
        tick.tick().await;
        loop {
            tick.tick().await;
            if let Err(e) = reload_state.auth.reload_keys().await {
                tracing::warn!(error = %e, "cannot reload signing keys");
            }
        }
    });
    let store = state.store.clone();
    crate::app::serve(listener, state, shutdown)
        .await
        .map_err(|e| e.to_string())?;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}
