//! The client's address and scheme behind trusted reverse proxies
//! (`cortina serve --trusted-proxy`): the login rate limit keys on the
//! client, not on the proxy all clients share, and a session cookie set
//! through a TLS-terminating proxy is `Secure`.
//!
//! `X-Forwarded-For` and `X-Forwarded-Proto` are believed only when the
//! connection comes from a trusted proxy, and `X-Forwarded-For` is read from
//! the right, skipping trusted proxies: the first address left is the one a
//! trusted proxy saw, which the client cannot forge. Addresses are used for
//! rate limiting only, never logged.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request};
use tower_governor::GovernorError;
use tower_governor::key_extractor::KeyExtractor;

/// The client's address: the peer's, or, from a trusted proxy, the
/// rightmost untrusted `X-Forwarded-For` entry.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for entry in forwarded.iter().rev() {
        match entry.parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => client = ip,
            Ok(ip) => return ip,
            // A garbled entry: nothing left of it can be trusted.
            Err(_) => return client,
        }
    }
    client
}

/// The network a client address counts in for rate limits: the address
/// itself for IPv4, its /64 for IPv6 (a host gets a whole /64, so a limit
/// per IPv6 address would limit nothing).
pub fn rate_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(std::net::Ipv6Addr::from(
                u128::from(v6) & !((1u128 << 64) - 1),
            )),
        },
        v4 => v4,
    }
}

/// Whether a trusted proxy says the client connected over HTTPS.
pub fn forwarded_https(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpAddr]) -> bool {
    peer.is_some_and(|p| trusted.contains(&p))
        && headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next_back())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// The rate limiter's key: the client's address as [`client_ip`] finds it.
#[derive(Clone, Debug)]
pub struct ClientIpKey(pub Arc<[IpAddr]>);

impl KeyExtractor for ClientIpKey {
    type Key = IpAddr;

    fn extract<T>(&self, req: &Request<T>) -> Result<IpAddr, GovernorError> {
        let peer = req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .ok_or(GovernorError::UnableToExtractKey)?;
        Ok(rate_key(client_ip(peer, req.headers(), &self.0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &[&str], proto: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        if let Some(p) = proto {
            h.insert("x-forwarded-proto", p.parse().unwrap());
        }
        h
    }

    #[test]
    fn ipv6_clients_are_limited_per_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::7".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(rate_key(a), rate_key(b));
        assert_ne!(rate_key(a), rate_key(c));
        let v4: IpAddr = "192.0.2.7".parse().unwrap();
        assert_eq!(rate_key(v4), v4);
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(rate_key(mapped), v4);
        assert_eq!(
            service::network_of(a),
            service::network_of(b),
            "the service counts failures per /64 too"
        );
        assert_eq!(service::network_of(a), "2001:db8:1:2::/64");
        assert_eq!(service::network_of(mapped), "192.0.2.7");
    }

    #[test]
    fn forwarded_addresses_count_only_through_trusted_proxies() {
        let proxy: IpAddr = "127.0.0.1".parse().unwrap();
        let inner: IpAddr = "10.1.1.1".parse().unwrap();
        let client: IpAddr = "203.0.113.7".parse().unwrap();
        let trusted = [proxy, inner];
        // Not from a proxy: the header is ignored.
        assert_eq!(
            client_ip(client, &headers(&["198.51.100.1"], None), &trusted),
            client
        );
        // Through two proxies; the client's own forged entry on the left is skipped.
        let h = headers(&["198.51.100.1, 203.0.113.7", "10.1.1.1"], None);
        assert_eq!(client_ip(proxy, &h, &trusted), client);
        // Garbage stops the walk at the last trusted hop.
        assert_eq!(
            client_ip(proxy, &headers(&["nonsense"], None), &trusted),
            proxy
        );
        assert_eq!(client_ip(proxy, &HeaderMap::new(), &trusted), proxy);
        assert!(forwarded_https(
            Some(proxy),
            &headers(&[], Some("https")),
            &trusted
        ));
        assert!(!forwarded_https(
            Some(client),
            &headers(&[], Some("https")),
            &trusted
        ));
        assert!(!forwarded_https(
            Some(proxy),
            &headers(&[], Some("http")),
            &trusted
        ));
    }
}
