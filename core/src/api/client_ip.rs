//! The client's address (`clientIP`): the socket peer, or, when that peer is a reverse proxy
//! listed in `[server] trustedProxies`, the address the proxies report in `X-Forwarded-For`.
//!
//! Per-IP limits (send caps, login throttles) and the login log depend on this address. Behind
//! nginx with no trusted proxies, every client would share the proxy's address and one IP's
//! limits; trusting the header from anyone would let a client pick its own address. So the
//! header is read only from a trusted peer, right to left, skipping trusted hops: the first
//! address no trusted proxy vouches for is the client.

use std::net::{IpAddr, SocketAddr};

/// An address range: an IP and how many leading bits must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    /// `10.0.0.0/8`, `::1`, `192.168.1.7`, `fd00::/8`.
    fn parse(s: &str) -> Option<IpNet> {
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((addr, prefix)) => (addr.parse::<IpAddr>().ok()?, Some(prefix)),
            None => (s.trim().parse::<IpAddr>().ok()?, None),
        };
        let addr = addr.to_canonical();
        let bits = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= bits)?,
            None => bits,
        };
        Some(IpNet { addr, prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        fn masked(bits: u128, prefix: u8, width: u8) -> u128 {
            if prefix == 0 {
                0
            } else {
                bits >> (width - prefix)
            }
        }
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                masked(u32::from(net).into(), self.prefix, 32)
                    == masked(u32::from(ip).into(), self.prefix, 32)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                masked(u128::from(net), self.prefix, 128)
                    == masked(u128::from(ip), self.prefix, 128)
            }
            _ => false,
        }
    }
}

/// The reverse proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses `[server] trustedProxies`; the error is the first entry that is not an address or
    /// a CIDR range.
    pub fn parse(entries: &[String]) -> Result<TrustedProxies, String> {
        entries
            .iter()
            .map(|e| IpNet::parse(e).ok_or_else(|| e.clone()))
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }

    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(ip))
    }

    /// The client's address for a request from `peer` with these `X-Forwarded-For` values
    /// (several headers are one list, in order).
    pub fn client_ip<'a>(
        &self,
        peer: IpAddr,
        forwarded: impl IntoIterator<Item = &'a str>,
    ) -> IpAddr {
        let mut client = peer.to_canonical();
        if !self.trusts(client) {
            return client;
        }
        let hops: Vec<&str> = forwarded.into_iter().flat_map(|v| v.split(',')).collect();
        for hop in hops.iter().rev() {
            // Anything unreadable ends the chain: the last hop a trusted proxy named stands.
            let Some(ip) = parse_hop(hop) else {
                break;
            };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        client
    }
}

/// One `X-Forwarded-For` entry: an address, possibly with a port (`1.2.3.4:5678`, `[::1]:80`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(entries: &[&str]) -> TrustedProxies {
        TrustedProxies::parse(&entries.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .expect("valid entries")
    }

    fn headers<'a>(values: &[&'a str]) -> Vec<&'a str> {
        values.to_vec()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("an IP address")
    }

    #[test]
    fn ranges_match_by_prefix() {
        let p = proxies(&["10.0.0.0/8", "192.168.1.7", "fd00::/8", "0.0.0.0/0"]);
        assert!(p.0[0].contains(ip("10.255.1.2")));
        assert!(!p.0[0].contains(ip("11.0.0.1")));
        assert!(p.0[1].contains(ip("192.168.1.7")));
        assert!(!p.0[1].contains(ip("192.168.1.8")));
        assert!(p.0[2].contains(ip("fd12::1")));
        assert!(!p.0[2].contains(ip("fe80::1")));
        assert!(p.0[3].contains(ip("8.8.8.8")));
        assert!(
            !p.0[3].contains(ip("::1")),
            "an IPv4 range holds no IPv6 address"
        );
        // An IPv4 peer seen through a dual-stack socket.
        assert!(p.0[1].contains(ip("::ffff:192.168.1.7")));
    }

    #[test]
    fn bad_entries_are_named() {
        for bad in ["10.0.0.0/33", "nginx", "10.0.0/8", "::1/129", ""] {
            let err = TrustedProxies::parse(&[bad.to_string()]).expect_err("refused");
            assert_eq!(err, bad);
        }
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let p = proxies(&["127.0.0.1"]);
        let claimed = headers(&["203.0.113.9"]);
        assert_eq!(
            p.client_ip(ip("198.51.100.1"), claimed.clone()),
            ip("198.51.100.1")
        );
        let none = TrustedProxies::default();
        assert_eq!(
            none.client_ip(ip("127.0.0.1"), claimed.clone()),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn a_trusted_proxy_names_the_client() {
        let p = proxies(&["127.0.0.1", "10.0.0.0/8"]);
        assert_eq!(
            p.client_ip(ip("127.0.0.1"), headers(&["203.0.113.9"])),
            ip("203.0.113.9")
        );
        // Right to left through trusted hops; what the client itself wrote on the left is not
        // believed.
        let chain = headers(&["1.1.1.1, 203.0.113.9, 10.1.2.3"]);
        assert_eq!(p.client_ip(ip("127.0.0.1"), chain), ip("203.0.113.9"));
        // Two headers are one list.
        let split = headers(&["1.1.1.1, 203.0.113.9", "10.1.2.3"]);
        assert_eq!(p.client_ip(ip("127.0.0.1"), split), ip("203.0.113.9"));
        // Ports and IPv6 brackets.
        assert_eq!(
            p.client_ip(ip("127.0.0.1"), headers(&["[2001:db8::1]:4711"])),
            ip("2001:db8::1")
        );
        assert_eq!(
            p.client_ip(ip("127.0.0.1"), headers(&["203.0.113.9:4711"])),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn without_a_usable_header_the_last_trusted_hop_stands() {
        let p = proxies(&["127.0.0.1", "10.0.0.0/8"]);
        assert_eq!(
            p.client_ip(ip("127.0.0.1"), Vec::<&str>::new()),
            ip("127.0.0.1")
        );
        assert_eq!(
            p.client_ip(ip("127.0.0.1"), headers(&["unknown, 10.1.2.3"])),
            ip("10.1.2.3")
        );
        assert_eq!(
            p.client_ip(ip("127.0.0.1"), headers(&["10.9.9.9, 10.1.2.3"])),
            ip("10.9.9.9"),
            "every hop trusted: the leftmost"
        );
    }
}
