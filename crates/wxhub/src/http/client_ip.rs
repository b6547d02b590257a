//! The client's address: the peer of the TCP connection, unless that peer is a configured
//! trusted proxy (a gateway, a load balancer), whose X-Forwarded-For / X-Real-IP then say who
//! the client is. Headers from anyone else are ignored: a client cannot choose its address.

use axum::http::HeaderMap;
use std::net::IpAddr;

/// An address or a CIDR block (`10.0.0.0/8`, `::1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl Network {
    pub fn parse(text: &str) -> Option<Network> {
        let (addr, prefix) = match text.trim().split_once('/') {
            Some((a, p)) => (a.parse::<IpAddr>().ok()?, p.parse::<u8>().ok()?),
            None => {
                let a = text.trim().parse::<IpAddr>().ok()?;
                (a, if a.is_ipv4() { 32 } else { 128 })
            }
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        (prefix <= max).then_some(Network { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// IPv4-mapped IPv6 (`::ffff:10.0.0.1`, as a dual-stack listener reports IPv4 peers) as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Parses the `trusted_proxies` setting; the entry that does not parse is returned as the error.
pub fn parse_networks(entries: &[String]) -> Result<Vec<Network>, String> {
    entries
        .iter()
        .filter(|e| !e.trim().is_empty())
        .map(|e| Network::parse(e).ok_or_else(|| e.clone()))
        .collect()
}

/// The client's address. From the peer, hops of X-Forwarded-For are taken right to left while
/// they are trusted proxies; the first that is not is the client. X-Real-IP counts only when a
/// trusted peer sent no X-Forwarded-For.
pub fn client_ip(headers: &HeaderMap, peer: IpAddr, trusted: &[Network]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(ip));
    let peer = canonical(peer);
    if !is_trusted(peer) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map_while(|hop| hop.trim().parse::<IpAddr>().ok())
        .collect();
    if forwarded.is_empty() {
        return headers
            .get("x-real-ip")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<IpAddr>().ok())
            .map_or(peer, canonical);
    }
    let mut client = peer;
    for hop in forwarded.into_iter().rev() {
        let hop = canonical(hop);
        client = hop;
        if !is_trusted(hop) {
            break;
        }
    }
    client
}

/// A request's client address as the throttles count it: the TCP peer, or what trusted proxies
/// say it is; "local" for a request that came over no socket (in-process tests).
pub fn request_address(
    ext: &axum::http::Extensions,
    headers: &HeaderMap,
    trusted: &[Network],
) -> String {
    match ext.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>() {
        Some(c) => client_ip(headers, c.0.ip(), trusted).to_string(),
        None => "local".into(),
    }
}

/// Whether the request's TCP peer is a trusted proxy, whose X-Forwarded-* headers are believed
/// (never for a request that came over no socket).
pub fn from_trusted_proxy(ext: &axum::http::Extensions, trusted: &[Network]) -> bool {
    ext.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .is_some_and(|c| trusted.iter().any(|n| n.contains(c.0.ip())))
}

/// The parsed `trusted_proxies`, as the state gives them to [`ClientAddress`].
#[derive(Clone, Default)]
pub struct TrustedProxies(pub std::sync::Arc<Vec<Network>>);

/// The request's client address (see [`request_address`]), as a handler argument.
pub struct ClientAddress(pub String);

impl<S> axum::extract::FromRequestParts<S> for ClientAddress
where
    S: Send + Sync,
    TrustedProxies: axum::extract::FromRef<S>,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        let trusted = <TrustedProxies as axum::extract::FromRef<S>>::from_ref(state);
        Ok(ClientAddress(request_address(
            &parts.extensions,
            &parts.headers,
            &trusted.0,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    #[test]
    fn only_trusted_peers_may_name_the_client() {
        let trusted = parse_networks(&["10.0.0.0/8".into(), "::1".into()]).unwrap();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let xff = headers(&[("x-forwarded-for", "1.2.3.4, 10.0.0.2")]);
        // An untrusted peer's headers are ignored.
        assert_eq!(client_ip(&xff, ip("8.8.8.8"), &trusted), ip("8.8.8.8"));
        // Through two trusted proxies to the client.
        assert_eq!(client_ip(&xff, ip("10.0.0.1"), &trusted), ip("1.2.3.4"));
        assert_eq!(
            client_ip(&xff, ip("::ffff:10.0.0.1"), &trusted),
            ip("1.2.3.4")
        );
        // A client's forged hop left of an untrusted one does not count.
        let forged = headers(&[("x-forwarded-for", "6.6.6.6, 1.2.3.4")]);
        assert_eq!(client_ip(&forged, ip("10.0.0.1"), &trusted), ip("1.2.3.4"));
        let real = headers(&[("x-real-ip", "5.6.7.8")]);
        assert_eq!(client_ip(&real, ip("::1"), &trusted), ip("5.6.7.8"));
        assert_eq!(client_ip(&real, ip("9.9.9.9"), &trusted), ip("9.9.9.9"));
        assert_eq!(
            client_ip(&HeaderMap::new(), ip("10.1.1.1"), &[]),
            ip("10.1.1.1")
        );
        assert!(parse_networks(&["10.0.0.0/33".into()]).is_err());
        assert!(parse_networks(&["nonsense".into()]).is_err());
    }
}
