//! `wechat-sim [ADDR]`: runs the simulator (default 127.0.0.1:9100).

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9100".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("wechat-sim listening on http://{}", listener.local_addr()?);
    wechat_sim::Simulator::new().serve(listener).await
}
