//! The client's IP address. `X-Forwarded-For` is believed only when the connection comes from a
//! configured trusted proxy; otherwise anyone could claim any address and dodge rate limits.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::config::IpNet;
use crate::error::AppError;
use crate::state::AppState;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip())
            .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        Ok(Self(client_ip(
            peer,
            &forwarded,
            &state.config.http.trusted_proxies,
        )))
    }
}

/// Walk the forwarding chain from the nearest hop outwards; the first address that is not a
/// trusted proxy is the client.
pub fn client_ip(peer: IpAddr, forwarded_for: &[&str], trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let mut client = peer;
    for hop in forwarded_for.iter().rev() {
        let Ok(ip) = hop.parse::<IpAddr>() else { break };
        client = ip;
        if !is_trusted(ip) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_only_from_trusted_peers() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        // Direct client: the header is ignored.
        assert_eq!(
            client_ip(ip("1.2.3.4"), &["9.9.9.9"], &trusted),
            ip("1.2.3.4")
        );
        // Through the trusted proxy.
        assert_eq!(
            client_ip(ip("10.0.0.5"), &["9.9.9.9"], &trusted),
            ip("9.9.9.9")
        );
        // A client-forged entry to the left of the real one is not believed.
        assert_eq!(
            client_ip(
                ip("10.0.0.5"),
                &["6.6.6.6", "9.9.9.9", "10.0.0.7"],
                &trusted
            ),
            ip("9.9.9.9")
        );
        // Garbage stops the walk.
        assert_eq!(
            client_ip(ip("10.0.0.5"), &["nonsense"], &trusted),
            ip("10.0.0.5")
        );
    }
}
