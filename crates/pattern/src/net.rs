//! IP addresses and CIDR blocks for ISSUBSET / ISSUPERSET and the CIDR index.

use std::net::{Ipv4Addr, Ipv6Addr};

/// An address block: the address (IPv4 mapped into the low 32 bits), prefix
/// length and family. Host bits are kept as written and masked when compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cidr {
    pub addr: u128,
    pub prefix: u8,
    pub v6: bool,
}

impl Cidr {
    fn bits(&self) -> u8 {
        if self.v6 {
            128
        } else {
            32
        }
    }
    fn mask(&self, prefix: u8) -> u128 {
        let bits = self.bits();
        if prefix == 0 {
            return 0;
        }
        let all: u128 = if bits == 128 {
            u128::MAX
        } else {
            (1u128 << bits) - 1
        };
        all & !((1u128 << (bits - prefix)) - 1).min(all)
    }
    /// The network address (host bits cleared).
    pub fn network(&self) -> u128 {
        self.addr & self.mask(self.prefix)
    }
    /// True when `inner` lies inside `self` (same family, longer or equal prefix).
    pub fn contains(&self, inner: &Cidr) -> bool {
        self.v6 == inner.v6
            && self.prefix <= inner.prefix
            && (inner.addr & self.mask(self.prefix)) == self.network()
    }
    /// The prefix's leading bits, most significant first (for the trie).
    pub fn bit(&self, i: u8) -> bool {
        let bits = self.bits();
        (self.addr >> (bits - 1 - i)) & 1 == 1
    }
}

/// Parses `a.b.c.d`, `a.b.c.d/n`, an IPv6 address or `v6/n`. A bare address is a
/// /32 or /128 block.
pub fn parse_cidr(s: &str) -> Option<Cidr> {
    let (a, p) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    let (addr, v6) = if let Ok(v4) = a.parse::<Ipv4Addr>() {
        (u32::from(v4) as u128, false)
    } else if let Ok(v6) = a.parse::<Ipv6Addr>() {
        (u128::from(v6), true)
    } else {
        return None;
    };
    let max = if v6 { 128 } else { 32 };
    let prefix = match p {
        None => max,
        Some(p) if !p.is_empty() && p.len() <= 3 && p.bytes().all(|c| c.is_ascii_digit()) => {
            let n: u8 = p.parse().ok()?;
            if n > max {
                return None;
            }
            n
        }
        Some(_) => return None,
    };
    Some(Cidr { addr, prefix, v6 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containment() {
        let check = |outer: &str, inner: &str, expect: bool| {
            let (o, i) = (parse_cidr(outer).unwrap(), parse_cidr(inner).unwrap());
            assert_eq!(o.contains(&i), expect, "{outer} ⊇ {inner}");
        };
        check("198.51.100.0/24", "198.51.100.7", true);
        check("198.51.100.0/24", "198.51.101.7", false);
        check("198.51.100.0/24", "198.51.100.0/25", true);
        check("198.51.100.0/25", "198.51.100.0/24", false);
        check("0.0.0.0/0", "8.8.8.8", true);
        check("2001:db8::/32", "2001:db8:1::1", true);
        check("2001:db8::/32", "2001:db9::1", false);
        check("::/0", "1.2.3.4", false);
        check("10.0.0.1/8", "10.200.0.0/16", true);
        assert!(parse_cidr("1.2.3.4/33").is_none());
        assert!(parse_cidr("1.2.3/8").is_none());
        assert!(parse_cidr("x").is_none());
    }
}
