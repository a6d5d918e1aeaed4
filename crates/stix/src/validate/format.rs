//! Hand-written matchers for the string formats STIX 2.1 uses (hex, base64, hash
//! values, URIs, host names, addresses, language tags, CPE names, selectors…).
//!
//! Each is a small byte scanner: no regex engine, nothing compiled per call.

/// `^([a-fA-F0-9]{2})+$` (the `hex` type).
pub fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.len().is_multiple_of(2) && s.bytes().all(|c| c.is_ascii_hexdigit())
}

/// Padded base64 as RFC 4648 §4 writes it (the `binary` type).
pub fn is_base64(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() || !b.len().is_multiple_of(4) {
        return false;
    }
    let pad = b.iter().rev().take_while(|&&c| c == b'=').count();
    if pad > 2 {
        return false;
    }
    b[..b.len() - pad]
        .iter()
        .all(|&c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/')
}

/// What a hash value of a hash-algorithm-ov algorithm must look like, or `None`
/// for other (custom) algorithm names, whose values are free strings.
pub fn hash_value_rule(algo: &str) -> Option<&'static str> {
    Some(match algo {
        "MD5" => "32 hexadecimal digits",
        "SHA-1" => "40 hexadecimal digits",
        "SHA-256" | "SHA3-256" => "64 hexadecimal digits",
        "SHA-512" | "SHA3-512" => "128 hexadecimal digits",
        "SSDEEP" => "1 to 128 characters of a-z, A-Z, 0-9, '/', '+', ':' and '.'",
        "TLSH" => "70 letters and digits",
        _ => return None,
    })
}

/// Checks a hash value against its algorithm (true for custom algorithms).
pub fn is_hash_value(algo: &str, v: &str) -> bool {
    let hex_len = |n: usize| v.len() == n && v.bytes().all(|c| c.is_ascii_hexdigit());
    match algo {
        "MD5" => hex_len(32),
        "SHA-1" => hex_len(40),
        "SHA-256" | "SHA3-256" => hex_len(64),
        "SHA-512" | "SHA3-512" => hex_len(128),
        "SSDEEP" => {
            (1..=128).contains(&v.len())
                && v.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'/' | b'+' | b':' | b'.'))
        }
        "TLSH" => v.len() == 70 && v.bytes().all(|c| c.is_ascii_alphanumeric()),
        _ => true,
    }
}

/// STIX property names (§3.1): `^[a-z][a-z0-9_]{2,249}$`, or `id`.
pub fn is_property_name(s: &str) -> bool {
    let b = s.as_bytes();
    if s == "id" {
        return true;
    }
    (3..=250).contains(&b.len())
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
}

/// Dictionary keys (§2.7): 1 to 250 characters of `a-z A-Z 0-9 - _`.
pub fn is_dict_key(s: &str) -> bool {
    (1..=250).contains(&s.len())
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
}

/// Hash dictionary keys: 3 to 250 characters of `a-z A-Z 0-9 - _`.
pub fn is_hash_key(s: &str) -> bool {
    (3..=250).contains(&s.len()) && is_dict_key(s)
}

/// A predefined or custom extension name (`^([a-z][a-z0-9]*)+(-[a-z0-9]+)*-ext$`).
pub fn is_ext_name(s: &str) -> bool {
    let Some(stem) = s.strip_suffix("-ext") else {
        return false;
    };
    let b = stem.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_lowercase()
        && !stem.ends_with('-')
        && !stem.contains("--")
        && b.iter()
            .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
}

/// `extension-definition--<RFC 4122 UUID>`.
pub fn is_extension_definition_id(s: &str) -> bool {
    s.strip_prefix("extension-definition--")
        .is_some_and(crate::id::is_rfc4122_uuid)
}

/// A granular-marking selector (§7.2.3.1 syntax):
/// `^([a-z0-9_-]{3,249}(\.(\[\d+\]|[a-z0-9_-]{1,250}))*|id)$`.
pub fn is_selector_syntax(s: &str) -> bool {
    if s == "id" {
        return true;
    }
    let mut parts = s.split('.');
    let first = parts.next().unwrap_or("");
    let word = |p: &str, min: usize, max: usize| {
        (min..=max).contains(&p.len())
            && p.bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_' || c == b'-')
    };
    if !word(first, 3, 249) {
        return false;
    }
    parts.all(|p| word(p, 1, 250) || selector_index(p).is_some())
}

/// `[n]` → n.
pub fn selector_index(p: &str) -> Option<usize> {
    let inner = p.strip_prefix('[')?.strip_suffix(']')?;
    if inner.is_empty() || !inner.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    inner.parse().ok()
}

/// `relationship_type`: `^[a-z0-9-]+$`.
pub fn is_relationship_type(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
}

/// Open-vocabulary style (what `W111` and `W121` check): all lower case (and at
/// least one cased letter, as Python's `str.islower`), no `_` and no space.
pub fn is_vocab_style(s: &str) -> bool {
    let mut cased = false;
    for c in s.chars() {
        if c == '_' || c == ' ' || c.is_uppercase() {
            return false;
        }
        if c.is_lowercase() {
            cased = true;
        }
    }
    cased
}

/// `^CVE-\d{4}-(0\d{3}|[1-9]\d{3,})$`.
pub fn is_cve_id(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("CVE-") else {
        return false;
    };
    let b = rest.as_bytes();
    if b.len() < 9 || b[4] != b'-' || !b[..4].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let num = &b[5..];
    num.iter().all(u8::is_ascii_digit) && (num[0] != b'0' || num.len() == 4)
}

/// `^CAPEC-\d+$`.
pub fn is_capec_id(s: &str) -> bool {
    s.strip_prefix("CAPEC-")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()))
}

/// Socket option names: `^(SO|ICMP|ICMP6|IP|IPV6|MCAST|TCP|IRLMP)(_[A-Z]+)+$`.
pub fn is_socket_option(s: &str) -> bool {
    let Some(us) = s.find('_') else { return false };
    if !matches!(
        &s[..us],
        "SO" | "ICMP" | "ICMP6" | "IP" | "IPV6" | "MCAST" | "TCP" | "IRLMP"
    ) {
        return false;
    }
    s[us..]
        .split('_')
        .skip(1)
        .all(|w| !w.is_empty() && w.bytes().all(|c| c.is_ascii_uppercase()))
}

/// EXIF tag names as the raster-image extension writes them: `^[A-Z][a-zA-Z0-9_-]+$`.
pub fn is_exif_tag(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2
        && b[0].is_ascii_uppercase()
        && b[1..]
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
}

/// MIME type form of `artifact.mime_type`: a top-level type of the IANA registry,
/// `/`, then a subtype of `a-zA-Z0-9.+_-`.
pub fn is_mime_type_form(s: &str) -> bool {
    let Some((top, sub)) = s.split_once('/') else {
        return false;
    };
    matches!(
        top,
        "application"
            | "audio"
            | "font"
            | "image"
            | "message"
            | "model"
            | "multipart"
            | "text"
            | "video"
    ) && sub
        .bytes()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'+' | b'_' | b'-'))
}

/// Character-set names (`path_enc`, `name_enc`): `^[a-zA-Z0-9/.+_:-]{2,250}$`.
pub fn is_charset_form(s: &str) -> bool {
    (2..=250).contains(&s.len())
        && s.bytes().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, b'/' | b'.' | b'+' | b'_' | b':' | b'-')
        })
}

/// IANA service/protocol name form, `^[a-zA-Z0-9-]{1,15}$` (`W272`).
pub fn is_protocol_form(s: &str) -> bool {
    (1..=15).contains(&s.len()) && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
}

/// IPFIX information element name form, `^[a-z][a-zA-Z0-9]+` (`W273`).
pub fn is_ipfix_form(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && b[0].is_ascii_lowercase() && b[1].is_ascii_alphanumeric()
}

/// Windows registry keys must use full root names (`HKEY_LOCAL_MACHINE`), not
/// abbreviations such as `HKLM`.
pub fn uses_abbreviated_hive(s: &str) -> bool {
    // Compare bytes: slicing the str could split a multi-byte character.
    let b = s.as_bytes();
    ["HKLM", "HKCC", "HKCR", "HKCU", "HKU"]
        .iter()
        .any(|h| b.len() >= h.len() && b[..h.len()].eq_ignore_ascii_case(h.as_bytes()))
}

/// An IPv4 address with an optional CIDR suffix (`/0`–`/32`).
pub fn is_ipv4_cidr(s: &str) -> bool {
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    if let Some(p) = prefix {
        if !is_small_decimal(p, 32) {
            return false;
        }
    }
    let mut n = 0;
    for part in addr.split('.') {
        n += 1;
        if n > 4 || !is_small_decimal(part, 255) {
            return false;
        }
    }
    n == 4
}

/// Decimal without leading zeros, at most `max`.
fn is_small_decimal(p: &str, max: u32) -> bool {
    !p.is_empty()
        && p.len() <= 3
        && p.bytes().all(|c| c.is_ascii_digit())
        && !(p.len() > 1 && p.starts_with('0'))
        && p.parse::<u32>().is_ok_and(|v| v <= max)
}

/// An IPv6 address (RFC 4291 text forms), optionally with a `%zone` and a CIDR
/// suffix (`/0`–`/128`).
pub fn is_ipv6_cidr(s: &str) -> bool {
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    if let Some(p) = prefix {
        if !is_small_decimal(p, 128) {
            return false;
        }
    }
    let addr = match addr.split_once('%') {
        Some((a, zone)) if !zone.is_empty() => a,
        Some(_) => return false,
        None => addr,
    };
    addr.parse::<std::net::Ipv6Addr>().is_ok()
}

/// A MAC-48 address, colon-delimited, lower case (`^([0-9a-f]{2}:){5}[0-9a-f]{2}$`).
pub fn is_mac(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 17
        && b.iter().enumerate().all(|(i, &c)| {
            if i % 3 == 2 {
                c == b':'
            } else {
                c.is_ascii_digit() || (b'a'..=b'f').contains(&c)
            }
        })
}

/// An e-mail address in the weak sense JSON Schema's `email` format checks: a
/// non-empty local part, `@`, a non-empty domain, no white space.
pub fn is_email(s: &str) -> bool {
    match s.rsplit_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && !domain.is_empty() && !s.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

/// A domain name (RFC 1034 / IDNA 2008 label rules, U-labels accepted): labels of
/// 1–63 characters of letters, digits and `-`, not starting or ending with `-`,
/// no `--` in positions 3–4 except in `xn--` A-labels; at most 253 characters;
/// a final `.` is allowed.
pub fn is_hostname(s: &str) -> bool {
    let s = s.strip_suffix('.').unwrap_or(s);
    if s.is_empty() || s.len() > 253 {
        return false;
    }
    s.split('.').all(|label| {
        let n = label.chars().count();
        if n == 0 || n > 63 || label.starts_with('-') || label.ends_with('-') {
            return false;
        }
        let b = label.as_bytes();
        if b.len() >= 4 && &b[2..4] == b"--" && !label[..2].eq_ignore_ascii_case("xn") {
            return false;
        }
        label.chars().all(|c| {
            c.is_ascii_alphanumeric() || c == '-' || (!c.is_ascii() && c.is_alphanumeric())
        })
    })
}

/// An absolute URI (RFC 3986 §3: `scheme ":" hier-part ["?" query] ["#" fragment]`).
pub fn is_uri(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(colon) = b.iter().position(|&c| c == b':') else {
        return false;
    };
    let scheme = &b[..colon];
    if scheme.is_empty()
        || !scheme[0].is_ascii_alphabetic()
        || !scheme
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
    {
        return false;
    }
    let rest = &s[colon + 1..];
    let (rest, fragment) = match rest.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (rest, None),
    };
    let (hier, query) = match rest.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (rest, None),
    };
    if let Some(f) = fragment {
        if !uri_chars(f, b"/?") {
            return false;
        }
    }
    if let Some(q) = query {
        if !uri_chars(q, b"/?") {
            return false;
        }
    }
    let path = match hier.strip_prefix("//") {
        Some(after) => {
            let end = after.find('/').unwrap_or(after.len());
            if !is_authority(&after[..end]) {
                return false;
            }
            &after[end..]
        }
        None => hier,
    };
    uri_chars(path, b"/")
}

fn is_unreserved_or_sub(c: u8) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            b'-' | b'.'
                | b'_'
                | b'~'
                | b'!'
                | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
        )
}

/// `*( pchar / extra )` with `pchar = unreserved / pct-encoded / sub-delims / ":" / "@"`.
fn uri_chars(s: &str, extra: &[u8]) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'%' {
            if i + 2 >= b.len() || !b[i + 1].is_ascii_hexdigit() || !b[i + 2].is_ascii_hexdigit() {
                return false;
            }
            i += 3;
            continue;
        }
        if !(is_unreserved_or_sub(c) || c == b':' || c == b'@' || extra.contains(&c)) {
            return false;
        }
        i += 1;
    }
    true
}

fn is_authority(a: &str) -> bool {
    let (userinfo, hostport) = match a.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, a),
    };
    if let Some(u) = userinfo {
        if !uri_chars(u, b"") || u.contains('@') {
            return false;
        }
    }
    let (host, port) = if let Some(rest) = hostport.strip_prefix('[') {
        let Some(end) = rest.find(']') else {
            return false;
        };
        let lit = &rest[..end];
        let ok = if lit.starts_with(['v', 'V']) {
            // IPvFuture: "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
            lit[1..].split_once('.').is_some_and(|(h, r)| {
                !h.is_empty()
                    && h.bytes().all(|c| c.is_ascii_hexdigit())
                    && !r.is_empty()
                    && r.bytes().all(|c| is_unreserved_or_sub(c) || c == b':')
            })
        } else {
            lit.parse::<std::net::Ipv6Addr>().is_ok()
        };
        if !ok {
            return false;
        }
        let after = &rest[end + 1..];
        match after.strip_prefix(':') {
            Some(p) => ("", Some(p)),
            None if after.is_empty() => ("", None),
            None => return false,
        }
    } else {
        match hostport.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    if let Some(p) = port {
        if !p.bytes().all(|c| c.is_ascii_digit()) {
            return false;
        }
    }
    let hb = host.as_bytes();
    let mut i = 0;
    while i < hb.len() {
        let c = hb[i];
        if c == b'%' {
            if i + 2 >= hb.len() || !hb[i + 1].is_ascii_hexdigit() || !hb[i + 2].is_ascii_hexdigit()
            {
                return false;
            }
            i += 3;
            continue;
        }
        if !is_unreserved_or_sub(c) {
            return false;
        }
        i += 1;
    }
    true
}

/// A well-formed RFC 5646 language tag (`en`, `en-US`, `zh-Hant-TW`, `x-klingon`,
/// `i-default`, `sl-rozaj-biske`, `de-CH-1996`, `en-a-bbb-x-private`). Checks the
/// syntax, not registration in the IANA subtag registry.
pub fn is_language_tag(s: &str) -> bool {
    if s.is_empty() || !s.is_ascii() {
        return false;
    }
    let subs: Vec<&str> = s.split('-').collect();
    if subs
        .iter()
        .any(|t| t.is_empty() || t.len() > 8 || !t.bytes().all(|c| c.is_ascii_alphanumeric()))
    {
        return false;
    }
    let alpha = |t: &str| t.bytes().all(|c| c.is_ascii_alphabetic());
    let digit = |t: &str| t.bytes().all(|c| c.is_ascii_digit());
    let first = subs[0];
    if first.eq_ignore_ascii_case("x") {
        return subs.len() > 1;
    }
    if first.eq_ignore_ascii_case("i") {
        // Irregular grandfathered tags (i-default, i-klingon, …).
        return subs.len() == 2 && alpha(subs[1]) && subs[1].len() >= 2;
    }
    if !alpha(first) || first.len() < 2 {
        return false;
    }
    let mut i = 1;
    if (2..=3).contains(&first.len()) {
        // Up to three extended language subtags.
        let mut ext = 0;
        while i < subs.len() && ext < 3 && subs[i].len() == 3 && alpha(subs[i]) {
            i += 1;
            ext += 1;
        }
    }
    if i < subs.len() && subs[i].len() == 4 && alpha(subs[i]) {
        i += 1; // script
    }
    if i < subs.len()
        && ((subs[i].len() == 2 && alpha(subs[i])) || (subs[i].len() == 3 && digit(subs[i])))
    {
        i += 1; // region
    }
    while i < subs.len() {
        let t = subs[i];
        let is_variant = (t.len() >= 5) || (t.len() == 4 && t.as_bytes()[0].is_ascii_digit());
        if !is_variant {
            break;
        }
        i += 1;
    }
    while i < subs.len() && subs[i].len() == 1 && !subs[i].eq_ignore_ascii_case("x") {
        // Extension: singleton followed by one or more 2–8 character subtags.
        i += 1;
        let start = i;
        while i < subs.len() && subs[i].len() >= 2 {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    if i < subs.len() && subs[i].eq_ignore_ascii_case("x") {
        return i + 1 < subs.len();
    }
    i == subs.len()
}

/// A CPE 2.3 formatted string (`cpe:2.3:part:vendor:product:version:update:edition:
/// language:sw_edition:target_sw:target_hw:other`), NISTIR 7695 §6.2.
pub fn is_cpe23(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("cpe:2.3:") else {
        return false;
    };
    // Split on ':' not preceded by a backslash escape.
    let mut comps: Vec<&str> = Vec::with_capacity(11);
    let b = rest.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b':' => {
                comps.push(&rest[start..i]);
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    if start > b.len() {
        return false;
    }
    comps.push(&rest[start..]);
    if comps.len() != 11 {
        return false;
    }
    if !matches!(comps[0], "a" | "h" | "o" | "*" | "-") {
        return false;
    }
    for (k, c) in comps.iter().enumerate().skip(1) {
        if *c == "*" || *c == "-" {
            continue;
        }
        if k == 6 {
            // language: an RFC 5646-ish short tag.
            let (lang, region) = match c.split_once('-') {
                Some((l, r)) => (l, Some(r)),
                None => (*c, None),
            };
            let ok_lang =
                (2..=3).contains(&lang.len()) && lang.bytes().all(|x| x.is_ascii_alphabetic());
            let ok_region = region.is_none_or(|r| {
                (r.len() == 2 && r.bytes().all(|x| x.is_ascii_alphabetic()))
                    || (r.len() == 3 && r.bytes().all(|x| x.is_ascii_digit()))
            });
            if !(ok_lang && ok_region) {
                return false;
            }
            continue;
        }
        if !is_cpe_value(c) {
            return false;
        }
    }
    true
}

/// `(\?*|\*?)([a-zA-Z0-9\-._]|\\<special>)+(\?*|\*?)`.
fn is_cpe_value(c: &str) -> bool {
    let b = c.as_bytes();
    let mut i = 0;
    if b.first() == Some(&b'*') {
        i = 1;
    } else {
        while i < b.len() && b[i] == b'?' {
            i += 1;
        }
    }
    let mut end = b.len();
    if end > i && b[end - 1] == b'*' && !(end >= 2 && b[end - 2] == b'\\') {
        end -= 1;
    } else {
        while end > i && b[end - 1] == b'?' && !(end >= 2 && b[end - 2] == b'\\') {
            end -= 1;
        }
    }
    if end <= i {
        return false;
    }
    let mut j = i;
    while j < end {
        let x = b[j];
        if x == b'\\' {
            if j + 1 >= end || b[j + 1].is_ascii_alphanumeric() || b[j + 1] == b'_' {
                return false;
            }
            j += 2;
        } else if x.is_ascii_alphanumeric() || matches!(x, b'-' | b'.' | b'_') {
            j += 1;
        } else {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        assert!(is_hex("00ff") && !is_hex("0ff") && !is_hex("zz") && !is_hex(""));
        assert!(
            is_base64("aGVsbG8=")
                && is_base64("aGVsbG8h")
                && !is_base64("aGVsbG8")
                && !is_base64("a===")
        );
        assert!(is_hash_value("MD5", "d41d8cd98f00b204e9800998ecf8427e"));
        assert!(!is_hash_value(
            "SHA-256",
            "d41d8cd98f00b204e9800998ecf8427e"
        ));
        assert!(is_hash_value("x_custom", "anything at all"));
    }

    #[test]
    fn names() {
        assert!(is_property_name("x_mitre_version") && is_property_name("id"));
        assert!(!is_property_name("ab") && !is_property_name("Abc") && !is_property_name("a-bc"));
        assert!(
            is_ext_name("ntfs-ext")
                && is_ext_name("x-acme-ext")
                && !is_ext_name("-ext")
                && !is_ext_name("a--b-ext")
        );
        assert!(is_extension_definition_id(
            "extension-definition--7cc33dd6-f6a1-489b-98ea-522d351d71b9"
        ));
        assert!(
            is_selector_syntax("description") && is_selector_syntax("external_references.[1].url")
        );
        assert!(
            is_selector_syntax("id") && !is_selector_syntax("de") && !is_selector_syntax("Name")
        );
        assert!(
            is_vocab_style("nation-state")
                && is_vocab_style("c++")
                && !is_vocab_style("Nation")
                && !is_vocab_style("a_b")
                && !is_vocab_style("123")
        );
        assert!(
            is_cve_id("CVE-2019-0708")
                && is_cve_id("CVE-2021-44228")
                && !is_cve_id("CVE-2021-0123x")
                && !is_cve_id("CVE-2021-01234")
        );
        assert!(is_capec_id("CAPEC-66") && !is_capec_id("CAPEC-"));
        assert!(
            is_socket_option("SO_REUSEADDR")
                && !is_socket_option("SO_")
                && !is_socket_option("XX_A")
        );
        assert!(
            uses_abbreviated_hive("HKLM\\Software")
                && !uses_abbreviated_hive("HKEY_LOCAL_MACHINE\\Software")
        );
        assert!(!uses_abbreviated_hive("HKLé") && !uses_abbreviated_hive("H"));
    }

    #[test]
    fn addresses() {
        assert!(
            is_ipv4_cidr("198.51.100.3")
                && is_ipv4_cidr("10.0.0.0/8")
                && !is_ipv4_cidr("256.1.1.1")
                && !is_ipv4_cidr("1.2.3")
                && !is_ipv4_cidr("01.2.3.4")
        );
        assert!(
            is_ipv6_cidr("2001:db8::1")
                && is_ipv6_cidr("fe80::1%eth0")
                && is_ipv6_cidr("2001:db8::/32")
                && !is_ipv6_cidr("2001:db8:::1")
        );
        assert!(
            is_mac("d2:fb:49:24:37:18")
                && !is_mac("D2:FB:49:24:37:18")
                && !is_mac("d2-fb-49-24-37-18")
        );
        assert!(is_email("john@example.com") && !is_email("john") && !is_email("a b@c"));
        assert!(
            is_hostname("example.com")
                && is_hostname("bücher.example")
                && is_hostname("xn--bcher-kva.example")
                && is_hostname("com.")
        );
        assert!(
            !is_hostname("exa_mple.com")
                && !is_hostname("-a.com")
                && !is_hostname("a..b")
                && !is_hostname("ab--cd.com")
                && !is_hostname(&format!("{}.com", "a".repeat(64)))
        );
    }

    #[test]
    fn uris() {
        for ok in [
            "http://x",
            "http://[::1]:80/a?b#c",
            "mailto:a@b.c",
            "urn:isbn:123",
            "http://a%20b",
            "a:",
            "http://[v1.x]/",
            "x+y.z:abc",
            "file:///c:/x",
            "HTTP://X",
        ] {
            assert!(is_uri(ok), "{ok}");
        }
        for bad in [
            "http://exa mple.com",
            "http://example.com/ü",
            "http://a@b:c",
            "http://%zz",
            "http://x/#a#b",
            "http://[::1",
            "http://host:port",
            "1http:x",
            "http://ex.com/a|b",
            "http://ex.com:80:90/",
            "no-scheme",
            "http://%2",
        ] {
            assert!(!is_uri(bad), "{bad}");
        }
    }

    #[test]
    fn language_tags() {
        for ok in [
            "en",
            "en-US",
            "zh-Hant-TW",
            "x-klingon",
            "i-default",
            "sl-rozaj-biske",
            "de-CH-1996",
            "en-a-bbb-x-private",
            "es-419",
            "zh-yue-HK",
        ] {
            assert!(is_language_tag(ok), "{ok}");
        }
        for bad in [
            "",
            "e",
            "en-",
            "toolonglanguage",
            "en_US",
            "x",
            "en-a",
            "1en",
        ] {
            assert!(!is_language_tag(bad), "{bad}");
        }
    }

    #[test]
    fn cpe() {
        assert!(is_cpe23("cpe:2.3:a:microsoft:word:2000:*:*:*:*:*:*:*"));
        assert!(is_cpe23(
            "cpe:2.3:o:microsoft:windows_10:1607:*:*:en-us:*:*:x64:*"
        ));
        assert!(is_cpe23(
            "cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:-:*:*:online:win2003:x64:*"
        ));
        assert!(is_cpe23("cpe:2.3:a:foo\\:bar:baz:1:*:*:*:*:*:*:*"));
        assert!(!is_cpe23("cpe:/a:microsoft:word:2000"));
        assert!(!is_cpe23("cpe:2.3:a:microsoft:word"));
        assert!(!is_cpe23("cpe:2.3:z:microsoft:word:2000:*:*:*:*:*:*:*"));
    }
}
