//! The guard against server-side request forgery: which addresses a webhook may reach.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an address is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AddressClass {
    /// `0.0.0.0/8`, `::`.
    Unspecified,
    /// `127.0.0.0/8`, `::1`.
    Loopback,
    /// RFC 1918 (`10/8`, `172.16/12`, `192.168/16`) and unique local IPv6 (`fc00::/7`).
    Private,
    /// `169.254/16` (the cloud metadata address among them) and `fe80::/10`.
    LinkLocal,
    /// Carrier-grade NAT, `100.64/10`.
    SharedAddressSpace,
    /// `224/4`, `ff00::/8`.
    Multicast,
    /// `255.255.255.255`.
    Broadcast,
    /// `240/4` and the deprecated site-local `fec0::/10`.
    Reserved,
}

impl std::fmt::Display for AddressClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Unspecified => "unspecified",
            Self::Loopback => "loopback",
            Self::Private => "private",
            Self::LinkLocal => "link-local",
            Self::SharedAddressSpace => "shared (CGNAT)",
            Self::Multicast => "multicast",
            Self::Broadcast => "broadcast",
            Self::Reserved => "reserved",
        })
    }
}

/// Why the guard refused a URL or an address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GuardError {
    /// The URL cannot be read, or has no host.
    #[error("not a usable URL: {0}")]
    Url(String),
    /// The scheme is not `http` or `https`.
    #[error("the scheme {0:?} is refused: webhooks go to http or https URLs only")]
    Scheme(String),
    /// The address is of a class webhooks may not reach.
    #[error("{address} is a {class} address: refused (allow it explicitly if intended)")]
    Address {
        /// The address.
        address: IpAddr,
        /// Its class.
        class: AddressClass,
    },
    /// An allow-list entry that is neither an address nor a CIDR block.
    #[error("not an IP address or CIDR block: {0:?}")]
    Allow(String),
}

/// An address block: an address and a prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let network: IpAddr = address.parse().ok()?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max)?,
            None => max,
        };
        Some(Self { network, prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => prefix_eq(&n.octets(), &a.octets(), self.prefix),
            (IpAddr::V6(n), IpAddr::V6(a)) => prefix_eq(&n.octets(), &a.octets(), self.prefix),
            _ => false,
        }
    }
}

/// Whether the first `bits` bits of `a` and `b` are equal.
fn prefix_eq(a: &[u8], b: &[u8], bits: u8) -> bool {
    let bits = usize::from(bits);
    let (whole, rest) = (bits / 8, bits % 8);
    if a[..whole] != b[..whole] {
        return false;
    }
    if rest == 0 {
        return true;
    }
    let mask = 0xffu8 << (8 - rest);
    (a[whole] & mask) == (b[whole] & mask)
}

/// Which addresses webhooks may reach: every public address, none of the classes of
/// [`AddressClass`] (loopback, private, link-local with the cloud metadata address,
/// unspecified, multicast, broadcast, CGNAT, reserved, and IPv4-mapped, IPv4-compatible
/// or NAT64 IPv6 forms of those), unless an allow-list entry covers it.
///
/// The [`crate::webhook::WebhookNotifier`] checks a URL's literal address, checks every
/// address its host name resolves to, and connects only to the addresses that passed (its
/// DNS resolver filters), so a name that resolves to a public address when checked and to
/// a private one when connecting (DNS rebinding) does not get through.
///
/// ```
/// use crm_notify::webhook::Guard;
///
/// let strict = Guard::new();
/// assert!(strict.check_ip("127.0.0.1".parse().unwrap()).is_err());
/// assert!(strict.check_ip("169.254.169.254".parse().unwrap()).is_err());
/// assert!(strict.check_ip("::ffff:10.0.0.1".parse().unwrap()).is_err());
/// assert!(strict.check_ip("93.184.215.14".parse().unwrap()).is_ok());
///
/// let tests = Guard::new().allow_loopback().allow("10.20.0.0/16").unwrap();
/// assert!(tests.check_ip("127.0.0.1".parse().unwrap()).is_ok());
/// assert!(tests.check_ip("10.20.3.4".parse().unwrap()).is_ok());
/// assert!(tests.check_ip("10.21.3.4".parse().unwrap()).is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Guard {
    allowed: Vec<Cidr>,
}

impl Guard {
    /// A guard that allows public addresses only.
    pub fn new() -> Self {
        Self::default()
    }

    /// Also allows `ip_or_cidr` (`10.1.2.3`, `10.1.0.0/16`, `fd00::/8`).
    ///
    /// # Errors
    /// [`GuardError::Allow`] when it is neither an address nor a CIDR block.
    pub fn allow(mut self, ip_or_cidr: &str) -> Result<Self, GuardError> {
        let cidr = Cidr::parse(ip_or_cidr).ok_or_else(|| GuardError::Allow(ip_or_cidr.into()))?;
        self.allowed.push(cidr);
        Ok(self)
    }

    /// Also allows loopback (`127.0.0.0/8`, `::1`): for tests, and hosts posting to a
    /// receiver on the same machine.
    pub fn allow_loopback(mut self) -> Self {
        self.allowed.push(Cidr {
            network: IpAddr::V4(Ipv4Addr::new(127, 0, 0, 0)),
            prefix: 8,
        });
        self.allowed.push(Cidr {
            network: IpAddr::V6(Ipv6Addr::LOCALHOST),
            prefix: 128,
        });
        self
    }

    /// Whether webhooks may connect to `ip`.
    ///
    /// # Errors
    /// [`GuardError::Address`] naming the class of a refused address.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), GuardError> {
        let embedded = embedded_v4(ip);
        let allowed = |a: IpAddr| self.allowed.iter().any(|c| c.contains(a));
        if allowed(ip) || embedded.is_some_and(|v4| allowed(IpAddr::V4(v4))) {
            return Ok(());
        }
        match classify(ip) {
            Some(class) => Err(GuardError::Address { address: ip, class }),
            None => Ok(()),
        }
    }

    /// Checks the scheme of `url` and, when its host is a literal address, that address.
    /// Returns the host name when it is a name still to resolve (the notifier then checks
    /// every address it resolves to).
    ///
    /// # Errors
    /// [`GuardError::Url`], [`GuardError::Scheme`] or [`GuardError::Address`].
    pub fn check_url(&self, url: &str) -> Result<Option<String>, GuardError> {
        self.parse_url(url).map(|(_, name)| name)
    }

    /// [`Guard::check_url`], with the parsed URL.
    pub(crate) fn parse_url(
        &self,
        url: &str,
    ) -> Result<(reqwest::Url, Option<String>), GuardError> {
        let parsed = reqwest::Url::parse(url).map_err(|e| GuardError::Url(e.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(GuardError::Scheme(parsed.scheme().to_owned()));
        }
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| GuardError::Url("no host".into()))?;
        let literal = host.trim_start_matches('[').trim_end_matches(']');
        let name = match literal.parse::<IpAddr>() {
            Ok(ip) => {
                self.check_ip(ip)?;
                None
            }
            Err(_) => Some(host.to_owned()),
        };
        Ok((parsed, name))
    }
}

/// The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible
/// (`::a.b.c.d`) or NAT64 (`64:ff9b::a.b.c.d`) IPv6 address.
fn embedded_v4(ip: IpAddr) -> Option<Ipv4Addr> {
    let IpAddr::V6(v6) = ip else { return None };
    if let Some(v4) = v6.to_ipv4_mapped() {
        return Some(v4);
    }
    let s = v6.segments();
    let tail = Ipv4Addr::new(
        (s[6] >> 8) as u8,
        (s[6] & 0xff) as u8,
        (s[7] >> 8) as u8,
        (s[7] & 0xff) as u8,
    );
    let compatible = s[..6].iter().all(|x| *x == 0) && !matches!(s[6..], [0, 0] | [0, 1]);
    let nat64 = s[0] == 0x64 && s[1] == 0xff9b && s[2..6].iter().all(|x| *x == 0);
    (compatible || nat64).then_some(tail)
}

/// The refused class `ip` falls in, if any.
fn classify(ip: IpAddr) -> Option<AddressClass> {
    if let Some(v4) = embedded_v4(ip) {
        return classify_v4(v4);
    }
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(ip: Ipv4Addr) -> Option<AddressClass> {
    let o = ip.octets();
    Some(match o {
        [0, ..] => AddressClass::Unspecified,
        [127, ..] => AddressClass::Loopback,
        [10, ..] | [192, 168, ..] => AddressClass::Private,
        [172, b, ..] if (16..32).contains(&b) => AddressClass::Private,
        [169, 254, ..] => AddressClass::LinkLocal,
        [100, b, ..] if (64..128).contains(&b) => AddressClass::SharedAddressSpace,
        [255, 255, 255, 255] => AddressClass::Broadcast,
        [a, ..] if (224..240).contains(&a) => AddressClass::Multicast,
        [a, ..] if a >= 240 => AddressClass::Reserved,
        _ => return None,
    })
}

fn classify_v6(ip: Ipv6Addr) -> Option<AddressClass> {
    let first = ip.segments()[0];
    Some(if ip.is_unspecified() {
        AddressClass::Unspecified
    } else if ip.is_loopback() {
        AddressClass::Loopback
    } else if first & 0xfe00 == 0xfc00 {
        AddressClass::Private
    } else if first & 0xffc0 == 0xfe80 {
        AddressClass::LinkLocal
    } else if first & 0xffc0 == 0xfec0 {
        AddressClass::Reserved
    } else if first & 0xff00 == 0xff00 {
        AddressClass::Multicast
    } else {
        return None;
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(ip: &str) -> Option<AddressClass> {
        match Guard::new().check_ip(ip.parse().unwrap()) {
            Ok(()) => None,
            Err(GuardError::Address { class, .. }) => Some(class),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn every_refused_range_and_its_edges() {
        use AddressClass::*;
        let cases = [
            ("0.0.0.0", Some(Unspecified)),
            ("0.1.2.3", Some(Unspecified)),
            ("127.0.0.1", Some(Loopback)),
            ("127.255.255.254", Some(Loopback)),
            ("10.0.0.1", Some(Private)),
            ("10.255.255.255", Some(Private)),
            ("11.0.0.1", None),
            ("172.15.255.255", None),
            ("172.16.0.1", Some(Private)),
            ("172.31.255.255", Some(Private)),
            ("172.32.0.0", None),
            ("192.168.1.1", Some(Private)),
            ("192.169.0.1", None),
            ("169.254.169.254", Some(LinkLocal)),
            ("169.254.0.1", Some(LinkLocal)),
            ("169.253.255.255", None),
            ("100.63.255.255", None),
            ("100.64.0.1", Some(SharedAddressSpace)),
            ("100.127.255.255", Some(SharedAddressSpace)),
            ("100.128.0.0", None),
            ("224.0.0.1", Some(Multicast)),
            ("239.255.255.255", Some(Multicast)),
            ("240.0.0.1", Some(Reserved)),
            ("255.255.255.255", Some(Broadcast)),
            ("8.8.8.8", None),
            ("93.184.215.14", None),
            ("::", Some(Unspecified)),
            ("::1", Some(Loopback)),
            ("fc00::1", Some(Private)),
            ("fd00:ec2::254", Some(Private)),
            ("fe80::1", Some(LinkLocal)),
            ("febf::1", Some(LinkLocal)),
            ("fec0::1", Some(Reserved)),
            ("ff02::1", Some(Multicast)),
            ("::ffff:127.0.0.1", Some(Loopback)),
            ("::ffff:169.254.169.254", Some(LinkLocal)),
            ("::ffff:192.168.0.1", Some(Private)),
            ("::ffff:8.8.8.8", None),
            ("::10.0.0.1", Some(Private)),
            ("64:ff9b::a9fe:a9fe", Some(LinkLocal)),
            ("2001:4860:4860::8888", None),
            ("2606:4700::1111", None),
        ];
        for (ip, expected) in cases {
            assert_eq!(class(ip), expected, "{ip}");
        }
    }

    #[test]
    fn the_allow_list_opens_exactly_what_it_names() {
        let guard = Guard::new()
            .allow("10.1.0.0/16")
            .unwrap()
            .allow("fd12::/16")
            .unwrap()
            .allow("192.168.7.7")
            .unwrap();
        let ok = |ip: &str| guard.check_ip(ip.parse().unwrap()).is_ok();
        assert!(ok("10.1.200.3"));
        assert!(
            ok("::ffff:10.1.0.9"),
            "the mapped form of an allowed address"
        );
        assert!(!ok("10.2.0.1"));
        assert!(ok("fd12:3::1"));
        assert!(!ok("fd13::1"));
        assert!(ok("192.168.7.7"));
        assert!(!ok("192.168.7.8"));
        assert!(!ok("127.0.0.1"), "loopback is not allowed by other entries");
        let loopback = Guard::new().allow_loopback();
        assert!(loopback.check_ip("127.0.0.1".parse().unwrap()).is_ok());
        assert!(loopback.check_ip("::1".parse().unwrap()).is_ok());
        assert!(loopback.check_ip("10.0.0.1".parse().unwrap()).is_err());
        for bad in [
            "",
            "10.0.0.0/33",
            "fd00::/129",
            "host.example",
            "10.0.0.0/x",
        ] {
            assert!(
                matches!(Guard::new().allow(bad), Err(GuardError::Allow(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn urls_need_http_and_an_allowed_literal_address() {
        let guard = Guard::new();
        assert!(matches!(
            guard.check_url("ftp://example.com/x"),
            Err(GuardError::Scheme(_))
        ));
        assert!(matches!(
            guard.check_url("file:///etc/passwd"),
            Err(GuardError::Scheme(_))
        ));
        assert!(matches!(
            guard.check_url("not a url"),
            Err(GuardError::Url(_))
        ));
        assert!(matches!(
            guard.check_url("http://127.0.0.1:8080/hook"),
            Err(GuardError::Address {
                class: AddressClass::Loopback,
                ..
            })
        ));
        assert!(matches!(
            guard.check_url("http://[::ffff:169.254.169.254]/latest/meta-data"),
            Err(GuardError::Address {
                class: AddressClass::LinkLocal,
                ..
            })
        ));
        assert!(
            matches!(
                guard.check_url("http://2130706433/"),
                Err(GuardError::Address {
                    class: AddressClass::Loopback,
                    ..
                })
            ),
            "a decimal IPv4 host is read as an address"
        );
        let name = guard.check_url("https://hooks.example.com/x").unwrap();
        assert_eq!(name.as_deref(), Some("hooks.example.com"));
        let name = guard.check_url("https://8.8.8.8/x").unwrap();
        assert_eq!(name, None);
    }
}
