//! A simulator of WeChat's server API with its exact wire format, error codes, token lifetimes
//! and quotas, plus test controls under `/sim/` (accounts, users, call counts, received
//! messages, faults, the clock, callback pushes). It stands in for WeChat wherever WeChat cannot
//! be reached: tests, benchmarks, demos.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let sim = wechat_sim::Simulator::new();
//! sim.add_account(wechat_sim::AccountSpec::new("wx1", "secret"));
//! sim.add_user("wx1", wechat_sim::UserSpec::new("oFan1"));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! sim.serve(listener).await
//! # }
//! ```
#![forbid(unsafe_code)]

pub mod api;
pub mod control;
pub mod push;
pub mod world;

pub use world::{AccountSpec, Fault, OAuthPlan, Received, UserSpec};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tower::ServiceExt;
use world::World;

/// The simulator. Cheap to clone; clones share one world.
#[derive(Clone)]
pub struct Simulator {
    world: Arc<Mutex<World>>,
    http: reqwest::Client,
}

impl Default for Simulator {
    fn default() -> Self {
        Self::new()
    }
}

/// Marks a response whose connection must be closed without answering.
#[derive(Clone, Copy)]
struct DropConnection;

impl Simulator {
    pub fn new() -> Simulator {
        Simulator {
            world: Arc::default(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("the HTTP client builds"),
        }
    }

    pub(crate) fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    pub fn add_account(&self, spec: AccountSpec) {
        self.world().add_account(spec);
    }

    /// Adds (or replaces) a user of `appid`; returns the openid (generated when empty).
    pub fn add_user(&self, appid: &str, spec: UserSpec) -> Option<String> {
        self.world().add_user(appid, spec)
    }

    /// How often an endpoint (its path) was called.
    pub fn calls(&self, path: &str) -> u64 {
        self.world().calls.get(path).copied().unwrap_or(0)
    }

    /// The app's current JS-SDK ticket, once one was handed out.
    pub fn current_ticket(&self, appid: &str) -> Option<String> {
        self.world().current_ticket(appid)
    }

    /// The person `openid` scans the QR code of `ticket` (see [`push::scan`]).
    pub async fn scan(
        &self,
        appid: &str,
        openid: &str,
        ticket: &str,
        times: u32,
    ) -> Result<push::PushResult, String> {
        push::scan(self, appid, openid, ticket, times).await
    }

    /// The messages accepted so far, as received.
    pub fn received(&self) -> Vec<Received> {
        self.world().received.clone()
    }

    pub fn inject(&self, fault: Fault) {
        self.world().faults.push(fault);
    }

    /// Who the authorize page of `appid` is for (and whether they refuse or are on a snapshot
    /// page).
    pub fn plan_oauth(&self, appid: &str, plan: OAuthPlan) {
        self.world().oauth_plans.insert(appid.to_string(), plan);
    }

    /// Moves the simulated clock forward (token and code lifetimes, quotas' days).
    pub fn advance_clock(&self, secs: i64) {
        self.world().clock_offset_ms += secs * 1000;
    }

    /// The WeChat endpoints and the `/sim/` controls.
    pub fn router(&self) -> Router {
        Router::new()
            .merge(api::router())
            .merge(control::router())
            .fallback(|| async {
                api::wechat_error(-1, "system error (no such api in the simulator)")
            })
            .layer(axum::middleware::from_fn_with_state(self.clone(), observe))
            .with_state(self.clone())
    }

    /// Serves until the listener fails. Connections are served one request at a time per
    /// connection (HTTP/1.1), so that a fault can close one without an answer.
    pub async fn serve(self, listener: tokio::net::TcpListener) -> std::io::Result<()> {
        let router = self.router();
        loop {
            let (stream, _) = listener.accept().await?;
            let router = router.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(
                    move |req: hyper::Request<hyper::body::Incoming>| {
                        let router = router.clone();
                        async move {
                            let response = router
                                .oneshot(req.map(axum::body::Body::new))
                                .await
                                .unwrap_or_else(|e: Infallible| match e {});
                            if response.extensions().get::<DropConnection>().is_some() {
                                return Err(std::io::Error::other("fault: connection dropped"));
                            }
                            Ok::<_, std::io::Error>(response)
                        }
                    },
                );
                let io = hyper_util::rt::TokioIo::new(stream);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(io, service)
                    .await;
            });
        }
    }

    /// Binds `addr` (port 0 for any) and serves in the background; returns the base URL.
    pub async fn spawn(&self, addr: &str) -> std::io::Result<String> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let base = format!("http://{}", listener.local_addr()?);
        tokio::spawn(self.clone().serve(listener));
        Ok(base)
    }
}

/// Counts calls per endpoint and applies injected faults.
async fn observe(State(sim): State<Simulator>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if path.starts_with("/sim/") {
        return next.run(req).await;
    }
    let fault = {
        let mut world = sim.world();
        *world.calls.entry(path.clone()).or_default() += 1;
        world.take_fault(&path)
    };
    let Some(fault) = fault else {
        return next.run(req).await;
    };
    if fault.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(fault.delay_ms)).await;
    }
    if fault.drop {
        return dropped();
    }
    if let Some(errcode) = fault.errcode {
        let errmsg = fault
            .errmsg
            .unwrap_or_else(|| wechat::describe(errcode).to_string());
        return api::wechat_error(errcode, &errmsg);
    }
    let response = next.run(req).await;
    if fault.drop_after {
        return dropped();
    }
    response
}

fn dropped() -> Response {
    let mut response = ().into_response();
    response.extensions_mut().insert(DropConnection);
    response
}
