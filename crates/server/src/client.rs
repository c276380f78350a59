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
        Ok(client_ip(peer, req.headers(), &self.0))
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
