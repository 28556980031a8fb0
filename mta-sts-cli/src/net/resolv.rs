//! The system resolver: the first `nameserver` line of `/etc/resolv.conf` (resolv.conf(5)).

use std::net::{IpAddr, Ipv6Addr, SocketAddr, SocketAddrV6};

/// Where the system resolver configuration lives.
pub(crate) const RESOLV_CONF: &str = "/etc/resolv.conf";

/// The DNS port (RFC 1035 §4.2).
const DNS_PORT: u16 = 53;

/// The resolver of `/etc/resolv.conf`, or a message saying why there is none.
pub(crate) fn system_resolver() -> Result<SocketAddr, String> {
    let text = std::fs::read_to_string(RESOLV_CONF)
        .map_err(|e| format!("cannot read {RESOLV_CONF}: {e}; give --resolver ip:port"))?;
    first_nameserver(&text).ok_or_else(|| {
        format!("no usable nameserver line in {RESOLV_CONF}; give --resolver ip:port")
    })
}

/// The address of the first `nameserver` line that holds an IP address, port 53.
///
/// Comments start with `#` or `;`. An IPv6 address may carry a numeric zone
/// (`fe80::1%2`); a named zone (`%eth0`) cannot be resolved without libc, so such a
/// line is skipped.
pub(crate) fn first_nameserver(text: &str) -> Option<SocketAddr> {
    text.lines().find_map(|line| {
        let line = line.split(['#', ';']).next().unwrap_or_default();
        let mut words = line.split_whitespace();
        if words.next() != Some("nameserver") {
            return None;
        }
        parse_address(words.next()?)
    })
}

fn parse_address(word: &str) -> Option<SocketAddr> {
    if let Ok(ip) = word.parse::<IpAddr>() {
        return Some(SocketAddr::new(ip, DNS_PORT));
    }
    let (ip, zone) = word.split_once('%')?;
    let ip: Ipv6Addr = ip.parse().ok()?;
    let scope = zone.parse().ok()?;
    Some(SocketAddr::V6(SocketAddrV6::new(ip, DNS_PORT, 0, scope)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_nameserver_line_wins() {
        let conf =
            "# generated\nsearch example.com\nnameserver 192.0.2.53\nnameserver 192.0.2.54\n";
        assert_eq!(
            first_nameserver(conf),
            Some("192.0.2.53:53".parse().unwrap())
        );
    }

    #[test]
    fn ipv6_and_comments() {
        let conf = "; comment\nnameserver   2001:db8::53   # primary\n";
        assert_eq!(
            first_nameserver(conf),
            Some("[2001:db8::53]:53".parse().unwrap())
        );
        let zoned = first_nameserver("nameserver fe80::1%2\n").unwrap();
        let SocketAddr::V6(v6) = zoned else {
            panic!("not v6: {zoned}")
        };
        assert_eq!(v6.scope_id(), 2);
        assert_eq!(v6.port(), 53);
    }

    #[test]
    fn unusable_lines_are_skipped() {
        let conf = "nameserver\nnameserver fe80::1%eth0\nnameserver not-an-ip\n#nameserver 192.0.2.1\nnameserver 192.0.2.9\n";
        assert_eq!(
            first_nameserver(conf),
            Some("192.0.2.9:53".parse().unwrap())
        );
        assert_eq!(first_nameserver("search example.com\n"), None);
        assert_eq!(first_nameserver(""), None);
    }
}
